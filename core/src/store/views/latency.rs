//! Latency over time: the median and 95th percentile of the durations per time bucket of a window, for one
//! endpoint or all of them (`fmd show latency`, the console's Latency tabs).
//!
//! Buckets are aligned to multiples of their width since the Unix epoch (so whole UTC hours and, for widths of
//! a day or more, UTC days), the first and last clipped to the window. The width is the largest of 1, 2, 5, 10,
//! 15, 30 minutes, 1, 2, 3, 6, 12 hours, 1, 2, 3, 7, 14, 30, 90 days that gives at least
//! [`MIN_BUCKETS`] buckets: hours for windows up to 48 hours (1 h for 24 h), 6 h for 7 days, a day for 30 days.
//! An open end of the window is the start (or end) of the UTC hour of the scope's first (or last) request.
//!
//! Percentiles are numpy's linear ones over the bucket's usable durations, exact from the rows; on files with
//! summaries and windows of more than [`LATENCY_ROWS`] requests (with hour-sized buckets or larger) from the
//! hour histograms instead, within 0.39 % (see [`crate::store::summary`]).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{duration_of, percentile_sorted, ser, time_of, Filter, TimeRange, VALID_DURATION};
use crate::store::summary::histogram::Durations;
use crate::store::summary::{rows_bound, Scope};
use crate::store::{Store, StoreError};

/// Windows of hour-sized buckets or larger holding more requests than this (or than
/// `SummaryPolicy::exact_window_rows`, whichever is smaller) are read from the summaries' histograms: reading a
/// day of a 10M-request month row by row (330 000 requests) takes about 0.4 s, its 24 hours 10 ms.
pub const LATENCY_ROWS: u64 = 100_000;

/// The fewest buckets a window is split into when its length allows (1-minute buckets at most).
pub const MIN_BUCKETS: i64 = 20;

/// Bucket widths in seconds, smallest first.
const WIDTHS: [i64; 18] = [
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    2 * 3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86_400,
    2 * 86_400,
    3 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
    90 * 86_400,
];

/// One time bucket of a [`LatencySeries`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyBucket {
    /// Inclusive start.
    #[serde(serialize_with = "instant")]
    pub start: DateTime<Utc>,
    /// Exclusive end.
    #[serde(serialize_with = "instant")]
    pub end: DateTime<Utc>,
    /// Requests with a usable duration in the bucket.
    pub count: u64,
    /// Median duration in ms (`None` without requests).
    pub p50: Option<f64>,
    /// 95th percentile in ms.
    pub p95: Option<f64>,
}

/// Latency per time bucket over a window, oldest bucket first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LatencySeries {
    /// The buckets, contiguous; empty when the window holds no time (or an open window no request).
    pub buckets: Vec<LatencyBucket>,
}

/// An instant as RFC 3339 UTC with microseconds.
fn instant<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ser::rfc3339(t))
}

/// The bucket width in seconds for a window of `span` seconds.
pub fn bucket_width(span: i64) -> i64 {
    WIDTHS.iter().rev().copied().find(|&w| span / w >= MIN_BUCKETS).unwrap_or(WIDTHS[0])
}

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

/// The start of the UTC hour of `t`, and the start of the hour after the one of `t`.
fn hour_floor_ceil(first: DateTime<Utc>, last: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let floor = |t: DateTime<Utc>| DateTime::<Utc>::from_timestamp(t.timestamp().div_euclid(3600) * 3600, 0);
    Some((floor(first)?, floor(last)? + Duration::hours(1)))
}

/// The bucket index of `t` among `buckets` (contiguous, ascending).
fn index_of(buckets: &[(DateTime<Utc>, DateTime<Utc>)], t: DateTime<Utc>) -> Option<usize> {
    let i = buckets.partition_point(|(_, end)| *end <= t);
    buckets.get(i).filter(|(start, _)| *start <= t).map(|_| i)
}

impl Store {
    /// The median and 95th percentile of the durations per time bucket of `range`, of `endpoint` only when
    /// given (see the module docs for buckets and sources).
    pub fn latency_series(&self, range: TimeRange, endpoint: Option<i64>) -> Result<LatencySeries, StoreError> {
        self.view_snapshot(|| {
            if let Some(series) = self.latency_from_summaries(&range, endpoint)? {
                return Ok(series);
            }
            self.latency_direct(&range, endpoint)
        })
    }

    /// From the requests, exactly.
    fn latency_direct(&self, range: &TimeRange, endpoint: Option<i64>) -> rusqlite::Result<LatencySeries> {
        let filter = Filter::on_time_index(range, endpoint).and(VALID_DURATION);
        let sql = format!("SELECT time_requested, duration FROM {} WHERE {}", self.tables.request, filter.sql());
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(filter.params())?;
        let mut values: Vec<(DateTime<Utc>, f64)> = Vec::new();
        while let Some(r) = rows.next()? {
            if let (Some(t), Some(d)) = (time_of(r.get_ref(0)?), duration_of(r.get_ref(1)?)) {
                if range.contains(t) {
                    values.push((t, d));
                }
            }
        }
        let first = values.iter().map(|v| v.0).min();
        let last = values.iter().map(|v| v.0).max();
        let Some((from, to)) = resolve(range, first.zip(last)) else { return Ok(LatencySeries::default()) };
        let buckets = bounds(from, to, bucket_width((to - from).num_seconds()));
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); buckets.len()];
        for (t, d) in values {
            if let Some(slot) = index_of(&buckets, t).and_then(|i| samples.get_mut(i)) {
                slot.push(d);
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
    }

    /// From the summaries' hour histograms when they can answer and the window is large (see the module docs).
    fn latency_from_summaries(
        &self,
        range: &TimeRange,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<Option<LatencySeries>> {
        let policy = self.summary_policy();
        if !policy.enabled || !policy.approximate {
            return Ok(None);
        }
        // Windows of sub-hour buckets, or too small for the policy, go straight to the rows (a cheap bound first,
        // before the summaries' check).
        let small = |from: DateTime<Utc>, to: DateTime<Utc>| -> rusqlite::Result<bool> {
            Ok(bucket_width((to - from).num_seconds()) < 3600
                || rows_bound(self, from, Some(to))?.is_none_or(|n| n <= policy.exact_window_rows.min(LATENCY_ROWS)))
        };
        if let (Some(from), Some(to)) = (range.from, range.to) {
            if from >= to || small(from, to)? {
                return Ok(None);
            }
        }
        let scope = endpoint.map_or(Scope::All, Scope::Endpoint);
        let Some(view) = self.summary_view(scope, false)? else { return Ok(None) };
        let span = match (range.from, range.to) {
            (Some(_), Some(_)) => None,
            _ => view.hour_span(endpoint)?,
        };
        let span = span.and_then(|(a, b)| {
            let start = DateTime::<Utc>::from_timestamp(a.saturating_mul(3600), 0)?;
            let end = DateTime::<Utc>::from_timestamp(b.saturating_mul(3600), 0)?;
            Some((start, end))
        });
        let Some((from, to)) = resolve(range, span) else {
            return Ok(if range.from.is_some() && range.to.is_some() { None } else { Some(LatencySeries::default()) });
        };
        if small(from, to)? {
            return Ok(None);
        }
        let width = bucket_width((to - from).num_seconds());
        let buckets = bounds(from, to, width);
        let mut durations = vec![Durations::new(); buckets.len()];
        if !view.bucketed_durations(from, to, endpoint, &mut durations, |t| index_of(&buckets, t))? {
            return Ok(None);
        }
        let buckets = buckets
            .into_iter()
            .zip(durations)
            .map(|((start, end), d)| LatencyBucket {
                start,
                end,
                count: d.count(),
                p50: d.approx_percentile(50.0),
                p95: d.approx_percentile(95.0),
            })
            .collect();
        Ok(Some(LatencySeries { buckets }))
    }
}

/// The window's bounds: the given ones, an open end from `span` (the first and last request's times, taken to
/// whole UTC hours). `None` when an open end has no request to take it from, or the window is empty.
fn resolve(range: &TimeRange, span: Option<(DateTime<Utc>, DateTime<Utc>)>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let hours = span.and_then(|(first, last)| hour_floor_ceil(first, last));
    let from = range.from.or(hours.map(|h| h.0))?;
    let to = range.to.or(hours.map(|h| h.1))?;
    (from < to).then_some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn widths_give_twenty_to_sixty_buckets() {
        assert_eq!(bucket_width(24 * 3600), 3600);
        assert_eq!(bucket_width(48 * 3600), 2 * 3600);
        assert_eq!(bucket_width(7 * 86_400), 6 * 3600);
        assert_eq!(bucket_width(30 * 86_400), 86_400);
        assert_eq!(bucket_width(3600), 120);
        assert_eq!(bucket_width(10), 60);
        for span in [3600, 5000, 86_400, 100_000, 7 * 86_400, 30 * 86_400, 365 * 86_400, 3 * 365 * 86_400] {
            let n = span / bucket_width(span);
            assert!((20..=60).contains(&n), "{span}: {n} buckets");
        }
    }

    #[test]
    fn buckets_are_aligned_and_clipped() {
        let b = bounds(t("2026-11-20T22:56:55Z"), t("2026-11-21T02:30:00Z"), 3600);
        assert_eq!(b.len(), 5);
        assert_eq!(b[0], (t("2026-11-20T22:56:55Z"), t("2026-11-20T23:00:00Z")));
        assert_eq!(b[1], (t("2026-11-20T23:00:00Z"), t("2026-11-21T00:00:00Z")));
        assert_eq!(b[4], (t("2026-11-21T02:00:00Z"), t("2026-11-21T02:30:00Z")));
        assert_eq!(index_of(&b, t("2026-11-20T22:56:55Z")), Some(0));
        assert_eq!(index_of(&b, t("2026-11-21T00:00:00Z")), Some(2));
        assert_eq!(index_of(&b, t("2026-11-21T02:30:00Z")), None);
        assert_eq!(index_of(&b, t("2026-11-20T22:00:00Z")), None);
    }
}
