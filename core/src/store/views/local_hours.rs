//! Requests per endpoint and local hour of a [`DayRange`]: the counts behind the hourly and daily views.
//!
//! On files with summaries (see [`crate::store::summary`]) every UTC hour that falls whole into one local hour of
//! the range is read from the hour table; the rest is read from the requests exactly, with the same text filter
//! and bucketing as the direct query: the UTC hours split by a local hour boundary (zones with half-hour
//! offsets), the requests with times that are not FMD's exact text, and the requests above the summaries'
//! mark. The counts are identical to the direct query's.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rusqlite::types::Value;

use super::{int_of, DayRange, Filter, LocalBucketer, TimeRange};
use crate::store::summary::{estimate_since, Scope, SummaryView, NO_ENDPOINT, ODD_LIMIT};
use crate::store::Store;
use crate::timefmt;

/// Counts per endpoint key ([`NO_ENDPOINT`] for requests without a usable endpoint id): `days x 24` cells,
/// `day * 24 + local hour`.
pub(crate) type HourCounts = HashMap<i64, Vec<u64>>;

/// Days holding less than 1/this of the requests are scanned directly (the summaries' checks cost about a pass
/// over the time index's pages; scanning rows costs more per row, but only theirs).
const SCAN_SHARE: u64 = 8;

/// Beyond this share of split UTC hours (a half-hour zone) the summaries save little: query directly.
const MAX_SPLIT_SHARE: usize = 4;

impl Store {
    /// Requests per endpoint key and (local day, local hour) of `days` in `tz`, of `endpoint` only when given.
    /// Runs inside the caller's snapshot.
    pub(crate) fn local_hour_counts(
        &self,
        days: &DayRange,
        tz: Tz,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<HourCounts> {
        let list = days.days();
        let Some(&first) = list.first() else { return Ok(HashMap::new()) };
        let range = days.time_range(tz);
        let bucketer = LocalBucketer::new(tz, first, list.len());
        let scope = endpoint.map_or(Scope::All, Scope::Endpoint);
        // Days holding a small share of the requests are cheaper to scan than to check the summaries.
        let worth_it = match range.from.map(|from| estimate_since(self, endpoint, from.timestamp().div_euclid(3600))) {
            Some(estimate) => estimate?.is_some_and(|(inside, total)| inside.saturating_mul(SCAN_SHARE) >= total),
            None => false,
        };
        if let Some(view) = if worth_it { self.summary_view(scope, false)? } else { None } {
            if let Some(counts) = self.local_hours_from_summaries(&view, &range, &bucketer, endpoint)? {
                return Ok(counts);
            }
        }
        let mut counts = HourCounts::new();
        let filter = Filter::new(&range, endpoint);
        self.add_bucketed(&filter, &mut bucketer.clone(), list.len(), &mut counts)?;
        Ok(counts)
    }

    /// Adds the requests matching `filter`, bucketed, to `counts`.
    fn add_bucketed(
        &self,
        filter: &Filter,
        bucketer: &mut LocalBucketer,
        days: usize,
        counts: &mut HourCounts,
    ) -> rusqlite::Result<()> {
        let sql = format!("SELECT endpoint_id, time_requested FROM {} WHERE {}", self.tables.request, filter.sql());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(filter.params())?;
        while let Some(row) = rows.next()? {
            let Some((day, hour)) = bucketer.bucket(row.get_ref(1)?) else { continue };
            let key = int_of(row.get_ref(0)?).unwrap_or(NO_ENDPOINT);
            let cells = counts.entry(key).or_insert_with(|| vec![0; days * 24]);
            if let Some(cell) = cells.get_mut(day * 24 + hour as usize) {
                *cell += 1;
            }
        }
        Ok(())
    }

    /// The counts from the summaries, `None` when they cannot answer well (too many odd times, or a zone whose
    /// local hours split most UTC hours).
    fn local_hours_from_summaries(
        &self,
        view: &SummaryView<'_>,
        range: &TimeRange,
        bucketer: &LocalBucketer,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<Option<HourCounts>> {
        let (Some(from), Some(to)) = (range.from, range.to) else { return Ok(None) };
        if view.odd_rows() > ODD_LIMIT || from >= to {
            return Ok(None);
        }
        let days = bucketer.days();
        let first_hour = from.timestamp().div_euclid(3600);
        let end_hour = (to.timestamp() + 3599).div_euclid(3600);
        let hour_start = |h: i64| DateTime::<Utc>::from_timestamp(h.saturating_mul(3600), 0);
        // Where each whole UTC hour goes; the others are split and read from the requests.
        let mut whole: HashMap<i64, usize> = HashMap::new();
        let mut split: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for h in first_hour..end_hour {
            let (Some(start), Some(end)) = (hour_start(h), hour_start(h + 1)) else { return Ok(None) };
            let a = bucketer.of_instant(start);
            let b = bucketer.of_instant(end - Duration::nanoseconds(1));
            match (a, b) {
                (Some(a), Some(b)) if a == b && start >= from && end <= to => {
                    whole.insert(h, a.0 * 24 + a.1 as usize);
                }
                _ => {
                    let piece = (start.max(from), end.min(to));
                    match split.last_mut() {
                        Some(last) if last.1 == piece.0 => last.1 = piece.1,
                        _ => split.push(piece),
                    }
                }
            }
        }
        let total = usize::try_from(end_hour - first_hour).unwrap_or(0);
        if whole.len() * MAX_SPLIT_SHARE < total {
            return Ok(None);
        }
        let Some(hours) = view.hour_hits(endpoint, first_hour, end_hour)? else { return Ok(None) };
        let mut counts = HourCounts::new();
        for (e, h, n) in hours {
            if let Some(&cell) = whole.get(&h) {
                if let Some(c) = counts.entry(e).or_insert_with(|| vec![0; days * 24]).get_mut(cell) {
                    *c += n;
                }
            }
        }
        let mut bucketer = bucketer.clone();
        let mark = Value::Integer(view.mark());
        let odd = view.odd_table();
        // Canonical requests up to the mark in the split hours.
        for (a, b) in split {
            let mut f = Filter::new(&TimeRange::new(Some(a), Some(b)), endpoint);
            f.push("rowid <= ?", mark.clone());
            let f = f.and(&format!("rowid NOT IN (SELECT request FROM {odd})"));
            self.add_bucketed(&f, &mut bucketer, days, &mut counts)?;
        }
        // Odd times up to the mark, and everything above it, filtered and bucketed as the direct query does.
        let text = |t: DateTime<Utc>| Value::Text(timefmt::format_utc(t));
        let mut f = Filter::default();
        f.push(&format!("rowid IN (SELECT request FROM {odd}) AND rowid <= ?"), mark.clone());
        let mut g = Filter::default();
        g.push("rowid > ?", mark);
        // `+time_requested`: these are found by rowid, never by walking the days on the time index.
        for f in [&mut f, &mut g] {
            f.push("+time_requested >= ?", text(from));
            f.push("+time_requested < ?", text(to));
            if let Some(e) = endpoint {
                f.push("+endpoint_id = ?", Value::Integer(e));
            }
        }
        self.add_bucketed(&f, &mut bucketer, days, &mut counts)?;
        self.add_bucketed(&g, &mut bucketer, days, &mut counts)?;
        Ok(Some(counts))
    }
}
