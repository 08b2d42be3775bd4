//! Time windows from the summaries, exactly: the whole UTC hours inside a window from the `hour` table (per
//! endpoint) or the `vhour` table (per endpoint and version), plus the requests the hours do not hold, read from
//! the table: the partial hours at the edges, requests with odd times and those above the mark.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;
use rusqlite::types::Value;

use super::agg::{is_error, key_into, NO_ENDPOINT};
use super::histogram::usable;
use super::read::{SummaryView, WindowAgg, ODD_LIMIT};
use super::rows::{durations_of, DURATION_COLUMNS};
use super::schema::{self, Names, FORMAT};
use crate::store::views::{duration_of, int_of, Earliest};
use crate::store::Store;
use crate::timefmt;

/// What a window is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    /// Endpoint (the `hour` table); the version key is always empty.
    Endpoint,
    /// Endpoint and version key (the `vhour` table).
    Version,
}

/// One endpoint's (and version's) part of a window.
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    /// Counts and (when asked for) durations.
    pub(crate) agg: WindowAgg,
    /// The first whole hour with requests from the summaries (their times are not read).
    pub(crate) first_hour: Option<i64>,
    /// The earliest time of the requests read from the table ([`By::Version`] only).
    pub(crate) earliest: Earliest,
}

/// A window per (endpoint key, version key).
pub(crate) type Parts = HashMap<(i64, Vec<u8>), Part>;

/// The UTC hour (hours since the epoch) holding `t`.
pub(crate) fn hour_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(3600)
}

/// The start of UTC hour `h`.
pub(crate) fn hour_start(h: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(h.saturating_mul(3600), 0)
}

/// Partial hours `[start, end)` of a window, read from the requests.
pub(crate) type Edges = Vec<(DateTime<Utc>, DateTime<Utc>)>;

/// How the window `from <= t` (`< to` when given) splits: the whole UTC hours `first..end` inside it (`None`
/// when there is none; `end` is `i64::MAX` for an open window), which the summaries hold, and the partial hours
/// at its edges, which are read from the requests. `None` when an hour is out of range.
pub(crate) fn split_hours(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Option<(Option<(i64, i64)>, Edges)> {
    let on_hour = from.timestamp().rem_euclid(3600) == 0 && from.timestamp_subsec_nanos() == 0;
    let first_hour = hour_of(from) + i64::from(!on_hour);
    let end_hour = to.map(hour_of);
    let mut edges = Vec::new();
    if let (Some(to), Some(end)) = (to, end_hour) {
        if first_hour >= end {
            edges.push((from, to));
            return Some((None, edges));
        }
    }
    let h0 = hour_start(first_hour)?;
    if h0 > from {
        edges.push((from, h0));
    }
    if let (Some(to), Some(end)) = (to, end_hour) {
        let h1 = hour_start(end)?;
        if h1 < to {
            edges.push((h1, to));
        }
    }
    Some((Some((first_hour, end_hour.unwrap_or(i64::MAX))), edges))
}

/// A cheap upper bound of the requests in `[from, to)`, to send small windows straight to their direct
/// queries: the hour table's counts of every hour the window touches, plus every request it may not hold (odd
/// times, up to [`super::SummaryPolicy::max_delta`] above the mark). Unchecked (a view checks before it
/// answers from the summaries); `None` without usable summaries.
pub(crate) fn rows_bound(
    store: &Store,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> rusqlite::Result<Option<u64>> {
    let names = Names::new(store.tables());
    let Some(state) = schema::read_state(&store.conn, &names)? else { return Ok(None) };
    if state.format != FORMAT || state.mark <= 0 {
        return Ok(None);
    }
    let last_hour = to.map_or(i64::MAX, hour_of);
    let endpoints: Vec<i64> = {
        let mut stmt = store.conn.prepare_cached(&format!("SELECT DISTINCT endpoint FROM {}", names.version))?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut stmt = store.conn.prepare_cached(&format!(
        "SELECT coalesce(sum(hits), 0) FROM {} WHERE endpoint = ?1 AND hour >= ?2 AND hour <= ?3",
        names.hour
    ))?;
    let mut total = u64::try_from(state.odd).unwrap_or(0).saturating_add(store.summary_policy().max_delta);
    for e in endpoints {
        let n: i64 = stmt.query_row(params![e, hour_of(from), last_hour], |r| r.get(0))?;
        total = total.saturating_add(u64::try_from(n).unwrap_or(0));
    }
    Ok(Some(total))
}

/// A window split into summary hours and queries over the requests ([`SummaryView::window_plan`]).
#[derive(Debug, Clone)]
pub(crate) struct WindowPlan {
    /// The whole UTC hours `first..end` the summaries hold (`end` is `i64::MAX` for an open window).
    pub(crate) hours: Option<(i64, i64)>,
    /// The other requests of the window: SQL and its parameters.
    pub(crate) queries: Vec<(String, Vec<Value>)>,
}

impl WindowPlan {
    /// Runs the plan's queries on `conn`, calling `f` with every row they select.
    pub(crate) fn each_row(
        &self,
        conn: &rusqlite::Connection,
        mut f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        for (sql, values) in &self.queries {
            let mut stmt = conn.prepare_cached(sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(values.iter().cloned()))?;
            while let Some(r) = rows.next()? {
                f(r)?;
            }
        }
        Ok(())
    }
}

impl SummaryView<'_> {
    /// How a window `from <= time_requested` (`< to` when given; every request when neither is) splits into
    /// what the summary hours hold and what must be read from the requests: the whole UTC hours
    /// `first_hour..end_hour` (`None` when there is none; every hour for all time), and the queries selecting
    /// `columns` of the other requests in the window (of `endpoint` only, when given): canonical requests up to
    /// the mark in the partial hours at the edges (on the time index), requests with odd times up to the mark
    /// (by id), and every request above the mark (by rowid). `None` when an hour is out of range, or for an
    /// upper bound without a lower one.
    pub(crate) fn window_plan(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        columns: &str,
        endpoint: Option<i64>,
    ) -> Option<WindowPlan> {
        let (hours, edges) = match (from, to) {
            (Some(from), to) => split_hours(from, to)?,
            (None, None) => (Some((i64::MIN, i64::MAX)), Vec::new()),
            (None, Some(_)) => return None,
        };
        let r = &self.request;
        let odd = &self.names.odd;
        let text = |t: DateTime<Utc>| Value::Text(timefmt::format_utc(t));
        // `+endpoint_id`: the time index (or the rowid) leads, never the endpoint index.
        let only = |mut sql: String, mut values: Vec<Value>| {
            if let Some(e) = endpoint {
                values.push(Value::Integer(e));
                sql.push_str(&format!(" AND +endpoint_id = ?{}", values.len()));
            }
            (sql, values)
        };
        let mut queries = Vec::new();
        for (a, b) in edges {
            let sql = format!(
                "SELECT {columns} FROM {r} WHERE time_requested >= ?1 AND time_requested < ?2 \
                 AND rowid <= ?3 AND rowid NOT IN (SELECT request FROM {odd})"
            );
            queries.push(only(sql, vec![text(a), text(b), Value::Integer(self.state.mark)]));
        }
        // Requests with odd times up to the mark, and every request above it (`+time_requested`: by rowid, never
        // by walking the window on the time index).
        let mut odd_sql = format!("SELECT {columns} FROM {r} WHERE rowid IN (SELECT request FROM {odd})");
        let mut odd_params = Vec::new();
        let mut delta_sql = format!("SELECT {columns} FROM {r} WHERE rowid > ?1");
        let mut delta_params = vec![Value::Integer(self.state.mark)];
        for (op, bound) in [(">=", from), ("<", to)] {
            let Some(t) = bound else { continue };
            odd_params.push(text(t));
            odd_sql.push_str(&format!(" AND time_requested {op} ?{}", odd_params.len()));
            delta_params.push(text(t));
            delta_sql.push_str(&format!(" AND +time_requested {op} ?{}", delta_params.len()));
        }
        queries.push(only(odd_sql, odd_params));
        queries.push(only(delta_sql, delta_params));
        Some(WindowPlan { hours, queries })
    }

    /// Counts (and, when `durations`, usable durations) per endpoint key (and version key, per `by`) of the
    /// requests with `from <= time_requested` (`< to` when given), of `endpoint` only when given, exact: whole
    /// hours from the summaries, the partial hours at the edges, requests with odd times and those above the
    /// mark from the table. `None` when the view's scope does not cover `endpoint`, when there are too many odd
    /// times or a row is damaged.
    pub(crate) fn window_by(
        &self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        durations: bool,
        by: By,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<Option<Parts>> {
        if !self.in_scope(endpoint) || self.state.odd > ODD_LIMIT {
            return Ok(None);
        }
        let rows = RowScan { by, durations, endpoint };
        // The endpoint filter is added by `add_rows`.
        let Some(plan) = self.window_plan(Some(from), to, rows.columns(), None) else { return Ok(None) };
        let mut out = Parts::new();
        if let Some((first_hour, end_hour)) = plan.hours {
            if !self.add_hours(by, durations, endpoint, first_hour, end_hour, &mut out)? {
                return Ok(None);
            }
        }
        for (sql, params) in plan.queries {
            self.add_rows(&rows, sql, params, &mut out)?;
        }
        Ok(Some(out))
    }

    /// Adds the summary rows of hours `first_hour..end_hour`; false when one is damaged.
    fn add_hours(
        &self,
        by: By,
        durations: bool,
        endpoint: Option<i64>,
        first_hour: i64,
        end_hour: i64,
        out: &mut Parts,
    ) -> rusqlite::Result<bool> {
        let endpoints = self.endpoints_or(endpoint)?;
        let columns = if durations { DURATION_COLUMNS } else { "0, 0.0, 0.0, NULL, NULL, X'0100'" };
        let (version, table) = match by {
            By::Endpoint => ("X''", &self.names.hour),
            By::Version => ("version", &self.names.vhour),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT hour, {version}, hits, errors, {columns} FROM {table} WHERE endpoint = ?1 AND hour >= ?2 AND hour < ?3"
        ))?;
        for e in endpoints {
            let mut rows = stmt.query(params![e, first_hour, end_hour])?;
            while let Some(r) = rows.next()? {
                let Some(d) = durations_of(r, 4)? else { return Ok(false) };
                let hour: i64 = r.get(0)?;
                let key = r.get_ref(1)?.as_blob().unwrap_or_default().to_vec();
                let hits = u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0);
                let part = out.entry((e, key)).or_default();
                part.agg.hits += hits;
                part.agg.errors += u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0);
                part.agg.durations.merge(&d);
                if hits > 0 {
                    part.first_hour = Some(part.first_hour.map_or(hour, |h| h.min(hour)));
                }
            }
        }
        Ok(true)
    }

    fn add_rows(
        &self,
        scan: &RowScan,
        mut sql: String,
        mut params: Vec<Value>,
        out: &mut Parts,
    ) -> rusqlite::Result<()> {
        if let Some(e) = scan.endpoint {
            params.push(Value::Integer(e));
            sql.push_str(&format!(" AND +endpoint_id = ?{}", params.len()));
        }
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut key = Vec::new();
        while let Some(r) = rows.next()? {
            let e = int_of(r.get_ref(0)?).unwrap_or(NO_ENDPOINT);
            if scan.by == By::Version {
                key_into(r.get_ref(4)?, &mut key);
            }
            let part = out.entry((e, key.clone())).or_default();
            part.agg.hits += 1;
            part.agg.errors += u64::from(is_error(r.get_ref(2)?));
            if scan.durations {
                if let Some(d) = duration_of(r.get_ref(1)?).filter(|d| usable(*d)) {
                    part.agg.durations.add(d);
                }
            }
            if scan.by == By::Version {
                part.earliest.see(r.get_ref(3)?);
            }
        }
        Ok(())
    }
}

/// What the row scans of a window read.
struct RowScan {
    by: By,
    durations: bool,
    endpoint: Option<i64>,
}

impl RowScan {
    /// `endpoint_id, duration, status_code, time, version`: only the time index's columns by endpoint.
    fn columns(&self) -> &'static str {
        match self.by {
            By::Endpoint => "endpoint_id, duration, status_code, NULL, NULL",
            By::Version => "endpoint_id, duration, status_code, time_requested, version_requested",
        }
    }
}
