//! The overview (the console's first screen, FMD's `/api/overview`), the Endpoint table's rows and the exception
//! groups per endpoint, with the SQLite store's definitions: "today" from local midnight in the zone, "week" the
//! 7 days before `now`, errors 400-599, numpy's median and linear percentiles.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use postgres::error::SqlState;

use super::bind::{opt_instant, param_time};
use super::endpoints::level_of;
use super::summary::order_statistics;
use crate::PgStore;
use fmd_core::store::views::{lerp, percentile_sorted, virtual_index, EndpointInfo};
use fmd_core::store::{median, OverviewRow, Window};
use fmd_core::StoreError;

/// Median, 95th and 99th percentile of one window's durations.
#[derive(Debug, Clone, Copy, Default)]
struct Tail {
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
}

impl Tail {
    /// From the sample, as the SQLite store's `Tail::of`.
    fn of(mut values: Vec<f64>) -> Tail {
        values.sort_unstable_by(f64::total_cmp);
        Tail { p50: median(&mut values), p95: percentile_sorted(&values, 95.0), p99: percentile_sorted(&values, 99.0) }
    }
}

/// One endpoint key's counts: overall, today and the week, each (hits, errors).
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    overall: (u64, u64),
    today: (u64, u64),
    week: (u64, u64),
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl PgStore {
    /// The overview at `now` in zone `tz`, busiest endpoint first (then by name), as
    /// `fmd_core::Store::overview` answers it: all-time counts from one pass over the requests, today's and the
    /// week's counts, medians and percentiles from their rows on the time index, the all-time ones at their ranks
    /// on the `(endpoint_id, duration)` index.
    pub fn overview(&self, now: DateTime<Utc>, tz: Tz) -> Result<Vec<OverviewRow>, StoreError> {
        let window = Window::at(now, tz);
        let (today, week) = (param_time(window.today_start), param_time(window.week_start));
        let errors = "status_code >= 400 AND status_code < 600";
        let t = &self.tables().request;
        // All time: one pass over the table. The windows: their rows only, on the time index (which holds
        // endpoint, status and duration), grouped by which of the two windows each row falls in.
        let overall_sql =
            format!("SELECT endpoint_id::int8, count(*), count(*) FILTER (WHERE {errors}) FROM {t} GROUP BY 1");
        let windows_sql = format!(
            "SELECT endpoint_id::int8, time_requested >= $1, time_requested >= $2, count(*), \
             count(*) FILTER (WHERE {errors}), array_agg(duration::float8) FROM {t} \
             WHERE time_requested >= least($1, $2) GROUP BY 1, 2, 3"
        );
        let (endpoints, counts, mut tails, overall) = self.read_snapshot(|tx| {
            let endpoints = self.endpoint_rows(tx)?;
            let mut counts: HashMap<i64, Counts> = HashMap::new();
            for r in tx.query(&overall_sql, &[])? {
                let id = r.get::<_, Option<i64>>(0).unwrap_or(-1);
                counts.entry(id).or_default().overall = (count(r.get(1)), count(r.get(2)));
            }
            let mut durations: HashMap<i64, (Vec<f64>, Vec<f64>)> = HashMap::new();
            for r in tx.query(&windows_sql, &[&today, &week])? {
                let id = r.get::<_, Option<i64>>(0).unwrap_or(-1);
                let (n, e) = (count(r.get(3)), count(r.get(4)));
                let values: Vec<f64> = r.get::<_, Option<Vec<f64>>>(5).unwrap_or_default();
                let c = counts.entry(id).or_default();
                let d = durations.entry(id).or_default();
                if r.get::<_, bool>(1) {
                    c.today = (c.today.0 + n, c.today.1 + e);
                    d.0.extend_from_slice(&values);
                }
                if r.get::<_, bool>(2) {
                    c.week = (c.week.0 + n, c.week.1 + e);
                    d.1.extend(values);
                }
            }
            let tails: HashMap<i64, (Tail, Tail)> =
                durations.into_iter().map(|(id, (a, b))| (id, (Tail::of(a), Tail::of(b)))).collect();
            let sets: Vec<(i64, u64)> =
                endpoints.iter().map(|e| (e.id, counts.get(&e.id).map_or(0, |c| c.overall.0))).collect();
            let overall = overall_tails(self, tx, &sets)?;
            Ok((endpoints, counts, tails, overall))
        })?;
        let mut rows: Vec<OverviewRow> = endpoints
            .into_iter()
            .map(|e| {
                let c = counts.get(&e.id).copied().unwrap_or_default();
                let (today, week) = tails.remove(&e.id).unwrap_or_default();
                let all = overall.get(&e.id).copied().unwrap_or_default();
                OverviewRow {
                    id: e.id,
                    name: e.name,
                    monitor_level: e.level,
                    hits_today: c.today.0,
                    hits_today_errors: c.today.1,
                    hits_week: c.week.0,
                    hits_week_errors: c.week.1,
                    hits_overall: c.overall.0,
                    hits_overall_errors: c.overall.1,
                    median_today: today.p50,
                    median_week: week.p50,
                    median_overall: all.p50,
                    p95_today: today.p95,
                    p99_today: today.p99,
                    p95_week: week.p95,
                    p99_week: week.p99,
                    p95_overall: all.p95,
                    p99_overall: all.p99,
                    last_requested: e.last_requested,
                }
            })
            .collect();
        rows.sort_by(|a, b| b.hits_overall.cmp(&a.hits_overall).then_with(|| a.name.cmp(&b.name)));
        Ok(rows)
    }

    /// Every row of the Endpoint table, by id.
    pub fn endpoint_infos(&self) -> Result<Vec<EndpointInfo>, StoreError> {
        let sql = format!(
            "SELECT id::int8, name::text, monitor_level::int8, time_added, version_added::text, last_requested \
             FROM {} ORDER BY id",
            self.tables().endpoint
        );
        self.read_snapshot(|tx| {
            Ok(tx
                .query(&sql, &[])?
                .iter()
                .map(|r| EndpointInfo {
                    id: r.get(0),
                    name: r.get::<_, Option<String>>(1).unwrap_or_default(),
                    monitor_level: level_of(r.get(2)),
                    time_added: opt_instant(r.get(3)),
                    version_added: r.get(4),
                    last_requested: opt_instant(r.get(5)),
                })
                .collect())
        })
    }

    /// Exception groups (endpoint, type, message, stack) per endpoint id, FMD's overview key `exceptions`;
    /// a database without exception tables has none.
    pub fn exception_group_counts(&self) -> Result<HashMap<i64, u64>, StoreError> {
        let t = self.tables();
        let sql = format!(
            "SELECT endpoint_id, count(*) FROM (\
             SELECT DISTINCT e.id::int8 AS endpoint_id, ty.type, m.message, o.stack_trace_snapshot_id \
             FROM {occ} o JOIN {req} r ON r.id = o.request_id JOIN {ep} e ON e.id = r.endpoint_id \
             JOIN {ty} ty ON ty.id = o.exception_type_id JOIN {msg} m ON m.id = o.exception_msg_id) groups \
             GROUP BY endpoint_id",
            occ = t.exception_occurrence,
            req = t.request,
            ep = t.endpoint,
            ty = t.exception_type,
            msg = t.exception_message,
        );
        self.read_snapshot(|tx| {
            let rows = match tx.query(&sql, &[]) {
                Ok(rows) => rows,
                Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(HashMap::new()),
                Err(e) => return Err(e),
            };
            Ok(rows.iter().map(|r| (r.get::<_, i64>(0), count(r.get(1)))).collect())
        })
    }
}

/// Median, 95th and 99th percentile over all of each `(endpoint, n)`'s requests (every duration, as the SQLite
/// store's `indexed_tail` reads them), from the values at their ranks.
fn overall_tails(
    store: &PgStore,
    tx: &mut postgres::Transaction<'_>,
    sets: &[(i64, u64)],
) -> Result<HashMap<i64, Tail>, postgres::Error> {
    let pick = |n: u64, p: f64| virtual_index(n, p);
    let mut wants: Vec<(i64, u64, u64)> = Vec::new();
    for &(e, n) in sets.iter().filter(|s| s.1 > 0) {
        wants.push((e, n, (n - 1) / 2));
        wants.push((e, n, (n - 1) / 2 + 1));
        for p in [95.0, 99.0] {
            if let Some((k, _)) = pick(n, p) {
                wants.push((e, n, k));
                wants.push((e, n, k + 1));
            }
        }
    }
    let values = order_statistics(store, tx, &wants, false)?;
    let at = |e: i64, k: u64| values.get(&(e, k)).copied();
    let mut out = HashMap::new();
    for &(e, n) in sets.iter().filter(|s| s.1 > 0) {
        let mid = (n - 1) / 2;
        let p50 = match (at(e, mid), (n % 2 == 0).then(|| at(e, mid + 1)).flatten()) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            (Some(a), None) => Some(a),
            _ => None,
        };
        let percentile = |p: f64| {
            let (k, gamma) = pick(n, p)?;
            let a = at(e, k)?;
            Some(match at(e, k + 1) {
                Some(b) => lerp(a, b, gamma),
                None => a,
            })
        };
        out.insert(e, Tail { p50, p95: percentile(95.0), p99: percentile(99.0) });
    }
    Ok(out)
}
