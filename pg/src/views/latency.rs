//! Latency over time: the median and 95th percentile of the durations per time bucket of a window, for one
//! endpoint or all of them, with the SQLite store's buckets (`fmd_core::store::views::bucket_width`, aligned to
//! multiples of their width since the epoch, the first and last clipped to the window; an open end from the UTC
//! hour of the first or last request) and its exact percentiles from the rows.

use chrono::{DateTime, Duration, Utc};

use super::bind::{opt_instant, param_time, Bind, VALID_DURATION};
use crate::PgStore;
use fmd_core::store::views::{bucket_width, percentile_sorted, LatencyBucket, LatencySeries};
use fmd_core::store::TimeRange;
use fmd_core::StoreError;

/// The buckets of `[from, to)`: their bounds, aligned to multiples of `width` seconds, clipped to the window.
fn bounds(from: DateTime<Utc>, to: DateTime<Utc>, width: i64) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let next = (start.timestamp().div_euclid(width) + 1).saturating_mul(width);
        let Some(end) = DateTime::<Utc>::from_timestamp(next, 0) else { break };
        let end = end.min(to);
        out.push((start, end));
        start = end;
    }
    out
}

/// The start of the UTC hour of `first`, and the start of the hour after the one of `last`.
fn hour_floor_ceil(first: DateTime<Utc>, last: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let floor = |t: DateTime<Utc>| DateTime::<Utc>::from_timestamp(t.timestamp().div_euclid(3600) * 3600, 0);
    Some((floor(first)?, floor(last)? + Duration::hours(1)))
}

/// The window's bounds: the given ones, an open end from `span` (the first and last request's times, taken to
/// whole UTC hours). `None` when an open end has no request to take it from, or the window is empty.
fn resolve(range: &TimeRange, span: Option<(DateTime<Utc>, DateTime<Utc>)>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let hours = span.and_then(|(first, last)| hour_floor_ceil(first, last));
    let from = range.from.or(hours.map(|h| h.0))?;
    let to = range.to.or(hours.map(|h| h.1))?;
    (from < to).then_some((from, to))
}

impl PgStore {
    /// The median and 95th percentile of the valid durations per time bucket of `range`, of `endpoint` only
    /// when given, oldest bucket first.
    pub fn latency_series(&self, range: TimeRange, endpoint: Option<i64>) -> Result<LatencySeries, StoreError> {
        let t = &self.tables().request;
        self.read_snapshot(|tx| {
            let scope = || {
                let mut w = Bind::requests(&range, endpoint);
                w.and(VALID_DURATION).and("time_requested IS NOT NULL");
                w
            };
            let span = if range.from.is_some() && range.to.is_some() {
                None
            } else {
                let w = scope();
                let sql = format!("SELECT min(time_requested), max(time_requested) FROM {t} WHERE {}", w.conditions());
                let row = tx.query_one(&sql, &w.params())?;
                opt_instant(row.get(0)).zip(opt_instant(row.get(1)))
            };
            let Some((from, to)) = resolve(&range, span) else { return Ok(LatencySeries::default()) };
            let buckets = bounds(from, to, bucket_width((to - from).num_seconds()));
            let starts: Vec<chrono::NaiveDateTime> = buckets.iter().map(|b| param_time(b.0)).collect();
            let mut w = scope();
            let p = w.value(starts);
            let sql = format!(
                "SELECT width_bucket(time_requested, {p}::timestamp[]), array_agg(duration::float8) FROM {t} \
                 WHERE {} GROUP BY 1",
                w.conditions()
            );
            let mut samples: Vec<Vec<f64>> = vec![Vec::new(); buckets.len()];
            for r in tx.query(&sql, &w.params())? {
                let Some(i) = usize::try_from(r.get::<_, i32>(0)).ok().and_then(|i| i.checked_sub(1)) else { continue };
                if let Some(slot) = samples.get_mut(i) {
                    *slot = r.get(1);
                }
            }
            let buckets = buckets
                .into_iter()
                .zip(samples)
                .map(|((start, end), mut v)| {
                    v.sort_unstable_by(f64::total_cmp);
                    LatencyBucket {
                        start,
                        end,
                        count: v.len() as u64,
                        p50: percentile_sorted(&v, 50.0),
                        p95: percentile_sorted(&v, 95.0),
                    }
                })
                .collect();
            Ok(LatencySeries { buckets })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn buckets_are_aligned_and_clipped() {
        let b = bounds(t("2026-11-20T22:56:55Z"), t("2026-11-21T02:30:00Z"), 3600);
        assert_eq!(b.len(), 5);
        assert_eq!(b[0], (t("2026-11-20T22:56:55Z"), t("2026-11-20T23:00:00Z")));
        assert_eq!(b[4], (t("2026-11-21T02:00:00Z"), t("2026-11-21T02:30:00Z")));
        let open = TimeRange::since(t("2026-11-20T22:56:55Z"));
        let span = Some((t("2026-11-20T23:10:00Z"), t("2026-11-21T01:59:59Z")));
        assert_eq!(resolve(&open, span), Some((t("2026-11-20T22:56:55Z"), t("2026-11-21T02:00:00Z"))));
        assert_eq!(resolve(&open, None), None);
    }
}
