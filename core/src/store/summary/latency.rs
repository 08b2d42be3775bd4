//! The latency-over-time view from the summaries: a window's usable durations put into time buckets of whole
//! UTC hours, each hour's histogram from the `hour` table, the requests the hours do not hold (partial hours at
//! the edges, odd times, rows above the mark) read from the table (see [`SummaryView::window_plan`]).

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::histogram::{usable, Durations};
use super::read::{SummaryView, ODD_LIMIT};
use super::rows::{durations_of, DURATION_COLUMNS};
use super::window::hour_start;
use crate::store::views::{duration_of, time_of};

impl SummaryView<'_> {
    /// Adds the usable durations of the requests with `from <= time_requested < to` (of `endpoint` only when
    /// given) to `out[bucket_of(time)]`; an hour of the hour table goes whole to the bucket of its start, so
    /// every bucket must hold whole UTC hours. Requests whose time cannot be read, or `bucket_of` gives no
    /// bucket for, are left out. `false` when the summaries cannot answer (scope, too many odd times, a damaged
    /// row, an hour out of range).
    pub(crate) fn bucketed_durations(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        endpoint: Option<i64>,
        out: &mut [Durations],
        bucket_of: impl Fn(DateTime<Utc>) -> Option<usize>,
    ) -> rusqlite::Result<bool> {
        if !self.in_scope(endpoint) || self.state.odd > ODD_LIMIT {
            return Ok(false);
        }
        let Some(plan) = self.window_plan(Some(from), Some(to), "time_requested, duration", endpoint) else {
            return Ok(false);
        };
        if let Some((first_hour, end_hour)) = plan.hours {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT hour, {DURATION_COLUMNS} FROM {} WHERE endpoint = ?1 AND hour >= ?2 AND hour < ?3",
                self.names.hour
            ))?;
            for e in self.endpoints_or(endpoint)? {
                let mut rows = stmt.query(params![e, first_hour, end_hour])?;
                while let Some(r) = rows.next()? {
                    let Some(d) = durations_of(r, 1)? else { return Ok(false) };
                    let Some(start) = hour_start(r.get(0)?) else { return Ok(false) };
                    if let Some(slot) = bucket_of(start).and_then(|i| out.get_mut(i)) {
                        slot.merge(&d);
                    }
                }
            }
        }
        plan.each_row(self.conn, |r| {
            let (Some(t), Some(d)) = (time_of(r.get_ref(0)?), duration_of(r.get_ref(1)?)) else { return Ok(()) };
            if let Some(slot) = bucket_of(t).filter(|_| usable(d)).and_then(|i| out.get_mut(i)) {
                slot.add(d);
            }
            Ok(())
        })?;
        Ok(true)
    }

    /// The first and last UTC hour holding requests of the scope (of `endpoint` only when given): the hour
    /// table's, widened by the requests above the mark. `None` when there is none.
    pub(crate) fn hour_span(&self, endpoint: Option<i64>) -> rusqlite::Result<Option<(i64, i64)>> {
        let filter = if endpoint.is_some() { "endpoint = ?1 AND" } else { "?1 IS NULL AND" };
        let (mut first, mut last): (Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(&format!("SELECT min(hour), max(hour) FROM {} WHERE {filter} hits > 0", self.names.hour))?
            .query_row(params![endpoint], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let only = if endpoint.is_some() { "AND +endpoint_id = ?2" } else { "AND ?2 IS NULL" };
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT time_requested FROM {} WHERE rowid > ?1 {only}", self.request))?;
        let mut rows = stmt.query(params![self.state.mark, endpoint])?;
        while let Some(r) = rows.next()? {
            if let Some(t) = time_of(r.get_ref(0)?) {
                let h = super::window::hour_of(t);
                first = Some(first.map_or(h, |f| f.min(h)));
                last = Some(last.map_or(h, |l| l.max(h)));
            }
        }
        Ok(first.zip(last))
    }
}
