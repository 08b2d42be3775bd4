//! Durations as statistics: box plots per endpoint (FMD's API performance) and per version of one endpoint
//! (FMD's `/api/endpoint_versions/<id>`), the endpoint screen's header numbers and an endpoint's mean, with the
//! SQLite store's sources: over a window the window's durations, sorted in Rust; over all time the values at
//! their ranks on the `(endpoint_id, duration)` index and SQL's count, `avg` and `max`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use postgres::Transaction;

use super::bind::{opt_instant, Bind, FINITE, VALID_DURATION};
use super::versions::chronological;
use crate::PgStore;
use fmd_core::store::views::{
    lerp, percentile_sorted, virtual_index, EndpointPerformance, EndpointSummary, VersionInfo, VersionPerformance,
};
use fmd_core::store::{median, DurationSummary, TimeRange};
use fmd_core::StoreError;

/// The values at 0-based ranks `k` of endpoints' durations in ascending order, asked as `(endpoint, n, k)` with
/// `n` the endpoint's number of durations (only [`VALID_DURATION`] ones when `valid`), in one query. Each is read
/// from the nearer end of the `(endpoint_id, duration)` index, as the SQLite store does; ranks at or past `n`
/// are absent.
pub(crate) fn order_statistics(
    store: &PgStore,
    tx: &mut Transaction<'_>,
    wants: &[(i64, u64, u64)],
    valid: bool,
) -> Result<HashMap<(i64, u64), f64>, postgres::Error> {
    let mut wants: Vec<(i64, u64, u64)> = wants.iter().copied().filter(|w| w.2 < w.1).collect();
    wants.sort_unstable();
    wants.dedup();
    if wants.is_empty() {
        return Ok(HashMap::new());
    }
    let endpoints: Vec<i64> = wants.iter().map(|w| w.0).collect();
    let ranks: Vec<i64> = wants.iter().map(|w| i64::try_from(w.2).unwrap_or(i64::MAX)).collect();
    let from_top: Vec<bool> = wants.iter().map(|&(_, n, k)| k > (n - 1) / 2).collect();
    let offsets: Vec<i64> = wants
        .iter()
        .zip(&from_top)
        .map(|(&(_, n, k), top)| i64::try_from(if *top { n - 1 - k } else { k }).unwrap_or(i64::MAX))
        .collect();
    let condition = if valid { format!("AND {VALID_DURATION}") } else { String::new() };
    let t = &store.tables().request;
    let pick = |order: &str| {
        format!(
            "(SELECT duration::float8 FROM {t} WHERE endpoint_id = w.e {condition} ORDER BY duration {order} \
             OFFSET w.o LIMIT 1)"
        )
    };
    let sql = format!(
        "SELECT w.e, w.k, CASE WHEN w.top THEN {} ELSE {} END \
         FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::bool[]) AS w(e, k, o, top)",
        pick("DESC"),
        pick("ASC")
    );
    let mut out = HashMap::new();
    for r in tx.query(&sql, &[&endpoints, &ranks, &offsets, &from_top])? {
        if let Some(v) = r.get::<_, Option<f64>>(2) {
            out.insert((r.get::<_, i64>(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0)), v);
        }
    }
    Ok(out)
}

/// `(x[k], x[min(k + 1, n - 1)])` among `n` values read by [`order_statistics`] (the SQLite store's
/// `view_indexed_pair`).
fn pair(values: &HashMap<(i64, u64), f64>, endpoint: i64, n: u64, k: u64) -> Option<(f64, f64)> {
    let a = *values.get(&(endpoint, k))?;
    if k + 1 >= n {
        return Some((a, a));
    }
    Some((a, *values.get(&(endpoint, k + 1))?))
}

/// The ranks [`pair`] reads for percentile `p` of `n` values.
fn pair_ranks(endpoint: i64, n: u64, p: f64, wants: &mut Vec<(i64, u64, u64)>) {
    if let Some((k, _)) = virtual_index(n, p) {
        wants.push((endpoint, n, k));
        wants.push((endpoint, n, k + 1));
    }
}

/// Percentile `p` of `n` values from their pair.
fn pair_percentile(values: &HashMap<(i64, u64), f64>, endpoint: i64, n: u64, p: f64) -> Option<f64> {
    let (k, gamma) = virtual_index(n, p)?;
    pair(values, endpoint, n, k).map(|(a, b)| lerp(a, b, gamma))
}

/// Tukey's fences: `p25 - 1.5 IQR` and `p75 + 1.5 IQR`.
fn fences(p25: f64, p75: f64) -> (f64, f64) {
    let iqr = p75 - p25;
    (p25 - 1.5 * iqr, p75 + 1.5 * iqr)
}

/// Count, SQL mean and maximum of each endpoint's valid durations, all time.
type Moments = HashMap<i64, (u64, Option<f64>, Option<f64>)>;

impl PgStore {
    /// Count, `avg` and `max` of the valid durations of each of `endpoints`, over all time: one aggregate per
    /// endpoint on its `(endpoint_id, duration)` rows, so an endpoint's mean is the same whichever endpoints are
    /// asked with it.
    fn moments(&self, tx: &mut Transaction<'_>, endpoints: &[i64]) -> Result<Moments, postgres::Error> {
        if endpoints.is_empty() {
            return Ok(Moments::new());
        }
        let sql = format!(
            "SELECT e, m.n, m.mean, m.max FROM unnest($1::int8[]) AS e CROSS JOIN LATERAL (SELECT count(*) AS n, \
             avg(duration)::float8 AS mean, max(duration)::float8 AS max FROM {} WHERE endpoint_id = e \
             AND {VALID_DURATION}) m",
            self.tables().request
        );
        Ok(tx
            .query(&sql, &[&endpoints])?
            .iter()
            .map(|r| (r.get(0), (u64::try_from(r.get::<_, i64>(1)).unwrap_or(0), r.get(2), r.get(3))))
            .collect())
    }

    /// The valid durations in `range` per endpoint id (only `endpoint` when given), unsorted.
    fn window_durations(
        &self,
        tx: &mut Transaction<'_>,
        range: &TimeRange,
        endpoint: Option<i64>,
    ) -> Result<HashMap<i64, Vec<f64>>, postgres::Error> {
        let mut w = Bind::requests(range, endpoint);
        w.and(VALID_DURATION).and("endpoint_id IS NOT NULL");
        let sql = format!(
            "SELECT endpoint_id::int8, array_agg(duration::float8) FROM {} WHERE {} GROUP BY endpoint_id",
            self.tables().request,
            w.conditions()
        );
        Ok(tx.query(&sql, &w.params())?.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Duration box plots per endpoint (or only `endpoint`), most requests first, then by name; endpoints
    /// without requests in the range come last with no summary. Over all time the mean is SQL's `avg`.
    pub fn api_performance(
        &self,
        range: TimeRange,
        endpoint: Option<i64>,
    ) -> Result<Vec<EndpointPerformance>, StoreError> {
        let mut list = self.read_snapshot(|tx| {
            let endpoints: Vec<_> =
                self.endpoint_rows(tx)?.into_iter().filter(|e| endpoint.is_none() || endpoint == Some(e.id)).collect();
            let mut summaries: HashMap<i64, DurationSummary> = HashMap::new();
            if range.is_bounded() {
                for (id, mut values) in self.window_durations(tx, &range, endpoint)? {
                    if let Some(s) = DurationSummary::from_unsorted(&mut values) {
                        summaries.insert(id, s);
                    }
                }
            } else {
                let ids: Vec<i64> = endpoints.iter().map(|e| e.id).collect();
                summaries = self.indexed_summaries(tx, &ids)?;
            }
            Ok(endpoints
                .into_iter()
                .map(|e| EndpointPerformance { summary: summaries.remove(&e.id), id: e.id, name: e.name })
                .collect::<Vec<_>>())
        })?;
        list.sort_by(|a, b| {
            let n = |e: &EndpointPerformance| e.summary.as_ref().map_or(0, |s| s.count);
            n(b).cmp(&n(a)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(list)
    }

    /// Every endpoint's all-time box plot from its count, mean and the order statistics (the SQLite store's
    /// `view_indexed_summary`).
    fn indexed_summaries(
        &self,
        tx: &mut Transaction<'_>,
        endpoints: &[i64],
    ) -> Result<HashMap<i64, DurationSummary>, postgres::Error> {
        let moments = self.moments(tx, endpoints)?;
        let usable: Vec<(i64, u64, f64)> =
            moments.iter().filter_map(|(e, (n, mean, _))| Some((*e, *n, (*mean)?))).filter(|m| m.1 > 0).collect();
        let mut wants = Vec::new();
        for &(e, n, _) in &usable {
            // The minimum as the SQLite store reads it: the pair at rank 0.
            wants.extend([(e, n, 0), (e, n, 1), (e, n, n - 1)]);
            for p in [25.0, 50.0, 75.0, 95.0] {
                pair_ranks(e, n, p, &mut wants);
            }
        }
        let values = order_statistics(self, tx, &wants, true)?;
        let mut parts = Vec::new();
        for (e, n, mean) in usable {
            let (Some((min, _)), Some((max, _))) = (pair(&values, e, n, 0), pair(&values, e, n, n - 1)) else {
                continue;
            };
            let p = |q: f64| pair_percentile(&values, e, n, q);
            let (Some(p25), Some(p50), Some(p75), Some(p95)) = (p(25.0), p(50.0), p(75.0), p(95.0)) else {
                continue;
            };
            parts.push((e, n, mean, min, max, p25, p50, p75, p95));
        }
        // The whiskers: the first valid duration at or above the low fence, the last at or below the high one.
        let ids: Vec<i64> = parts.iter().map(|p| p.0).collect();
        let lows: Vec<f64> = parts.iter().map(|p| fences(p.5, p.7).0).collect();
        let highs: Vec<f64> = parts.iter().map(|p| fences(p.5, p.7).1).collect();
        let t = &self.tables().request;
        let sql = format!(
            "SELECT w.e, (SELECT min(duration)::float8 FROM {t} WHERE endpoint_id = w.e AND duration >= w.lo \
             AND {VALID_DURATION}), (SELECT max(duration)::float8 FROM {t} WHERE endpoint_id = w.e \
             AND duration <= w.hi AND {VALID_DURATION}) FROM unnest($1::int8[], $2::float8[], $3::float8[]) AS w(e, lo, hi)"
        );
        let mut whiskers: HashMap<i64, (Option<f64>, Option<f64>)> = HashMap::new();
        if !ids.is_empty() {
            for r in tx.query(&sql, &[&ids, &lows, &highs])? {
                whiskers.insert(r.get(0), (r.get(1), r.get(2)));
            }
        }
        let mut out = HashMap::new();
        for (e, count, mean, min, max, p25, p50, p75, p95) in parts {
            let (low, high) = whiskers.get(&e).copied().unwrap_or_default();
            out.insert(
                e,
                DurationSummary {
                    count,
                    mean,
                    min,
                    p25,
                    p50,
                    p75,
                    p95,
                    max,
                    whisker_low: low.unwrap_or(min),
                    whisker_high: high.unwrap_or(max),
                },
            );
        }
        Ok(out)
    }

    /// Duration box plots per version of one endpoint, oldest version (by its first request over all time)
    /// first; versions whose requests in the range have no finite duration get no summary.
    pub fn version_performance(
        &self,
        endpoint_id: i64,
        range: TimeRange,
    ) -> Result<Vec<VersionPerformance>, StoreError> {
        let w = Bind::requests(&range, Some(endpoint_id));
        let t = &self.tables().request;
        let sql = format!(
            "SELECT coalesce(version_requested::text, ''), array_agg(duration::float8) FILTER (WHERE {FINITE}), \
             min(time_requested) FROM {t} WHERE {} GROUP BY 1",
            w.conditions()
        );
        let (mut durations, first) = self.read_snapshot(|tx| {
            let mut durations: HashMap<String, Vec<f64>> = HashMap::new();
            let mut first: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
            for r in tx.query(&sql, &w.params())? {
                let version: String = r.get(0);
                durations.insert(version.clone(), r.get::<_, Option<Vec<f64>>>(1).unwrap_or_default());
                first.insert(version, opt_instant(r.get(2)));
            }
            if range.is_bounded() {
                first = self.first_use(tx, &TimeRange::ALL, Some(endpoint_id))?;
            }
            Ok((durations, first))
        })?;
        let known: HashMap<String, Option<DateTime<Utc>>> =
            durations.keys().map(|v| (v.clone(), first.get(v).copied().flatten())).collect();
        Ok(chronological(known)
            .into_iter()
            .map(|VersionInfo { version, date }| {
                let summary = durations.get_mut(&version).and_then(|v| DurationSummary::from_unsorted(v));
                VersionPerformance { version, date, summary }
            })
            .collect())
    }

    /// Hits, errors, median, 95th / 99th percentile, mean, maximum, first and last request and number of
    /// versions of an endpoint in `range`; `None` when there is no endpoint with that id. Over all time the mean
    /// is SQL's `avg`.
    pub fn endpoint_summary(&self, endpoint_id: i64, range: TimeRange) -> Result<Option<EndpointSummary>, StoreError> {
        let w = Bind::requests(&range, Some(endpoint_id));
        let sql = format!(
            "SELECT count(*), count(*) FILTER (WHERE status_code >= 400 AND status_code < 600), \
             min(time_requested), max(time_requested), count(DISTINCT version_requested) FROM {} WHERE {}",
            self.tables().request,
            w.conditions()
        );
        self.read_snapshot(|tx| {
            let Some(endpoint) = self.endpoint_rows(tx)?.into_iter().find(|e| e.id == endpoint_id) else {
                return Ok(None);
            };
            let row = tx.query_one(&sql, &w.params())?;
            let count = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
            let (median, p95, p99, mean, max) = if range.is_bounded() {
                let mut values =
                    self.window_durations(tx, &range, Some(endpoint_id))?.remove(&endpoint_id).unwrap_or_default();
                values.sort_unstable_by(f64::total_cmp);
                let mean = DurationSummary::from_sorted(&values).map(|s| s.mean);
                (
                    median(&mut values),
                    percentile_sorted(&values, 95.0),
                    percentile_sorted(&values, 99.0),
                    mean,
                    values.last().copied(),
                )
            } else {
                self.indexed_tail(tx, endpoint_id)?
            };
            Ok(Some(EndpointSummary {
                id: endpoint.id,
                name: endpoint.name,
                monitor_level: endpoint.level,
                last_requested: endpoint.last_requested,
                hits: count(0),
                errors: count(1),
                median,
                p95,
                p99,
                mean,
                max,
                first_request: opt_instant(row.get(2)),
                last_request: opt_instant(row.get(3)),
                versions: count(4),
            }))
        })
    }

    /// Median, 95th and 99th percentile, mean and maximum of an endpoint's valid durations over all time (the
    /// SQLite store's `view_indexed_tail`).
    #[allow(clippy::type_complexity)]
    fn indexed_tail(
        &self,
        tx: &mut Transaction<'_>,
        endpoint_id: i64,
    ) -> Result<(Option<f64>, Option<f64>, Option<f64>, Option<f64>, Option<f64>), postgres::Error> {
        let Some(&(n, mean, max)) = self.moments(tx, &[endpoint_id])?.get(&endpoint_id) else {
            return Ok((None, None, None, None, None));
        };
        if n == 0 {
            return Ok((None, None, None, None, None));
        }
        let mut wants = vec![(endpoint_id, n, (n - 1) / 2), (endpoint_id, n, (n - 1) / 2 + 1)];
        for p in [95.0, 99.0] {
            pair_ranks(endpoint_id, n, p, &mut wants);
        }
        let values = order_statistics(self, tx, &wants, true)?;
        let median =
            pair(&values, endpoint_id, n, (n - 1) / 2).map(|(a, b)| if n % 2 == 1 { a } else { (a + b) / 2.0 });
        Ok((
            median,
            pair_percentile(&values, endpoint_id, n, 95.0),
            pair_percentile(&values, endpoint_id, n, 99.0),
            mean,
            max,
        ))
    }

    /// An endpoint's mean request duration over all time in ms (SQL's `avg`), `None` without requests or when
    /// the mean is not finite.
    pub fn mean_duration(&self, endpoint_id: i64) -> Result<Option<f64>, StoreError> {
        let sql = format!("SELECT avg(duration)::float8 FROM {} WHERE endpoint_id = $1::int8", self.tables().request);
        self.read_snapshot(|tx| {
            Ok(tx.query_one(&sql, &[&endpoint_id])?.get::<_, Option<f64>>(0).filter(|m| m.is_finite()))
        })
    }
}
