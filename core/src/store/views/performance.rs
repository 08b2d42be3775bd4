//! Durations as box plots: per endpoint (FMD's API performance page) and per version of one endpoint
//! (FMD's `/api/endpoint_versions/<id>`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::versions::{chronological, merge_first, Earliest};
use super::{
    duration_of, int_of, key_bytes, lerp, ser, slot, virtual_index, Access, DurationSummary, Filter, TimeRange,
};
use super::{VersionInfo, VALID_DURATION};
use crate::store::summary::histogram::Durations;
use crate::store::summary::{key_name, Scope, SummaryView};
use crate::store::{Store, StoreError};

/// A version's earliest request and its usable durations.
type VersionDurations = (Earliest, Vec<f64>);

/// One endpoint's durations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointPerformance {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// The summary, `None` without (usable) requests in the range.
    pub summary: Option<DurationSummary>,
}

/// One version's durations for an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionPerformance {
    /// `Request.version_requested`.
    pub version: String,
    /// The endpoint's first request in this version (over all time, not only the range).
    #[serde(serialize_with = "ser::opt_time")]
    pub date: Option<DateTime<Utc>>,
    /// The summary, `None` when no duration in the range is usable.
    pub summary: Option<DurationSummary>,
}

impl Store {
    /// Duration summaries per endpoint (or only `endpoint`), most requests first, then by name; endpoints
    /// without requests in the range come last with no summary.
    ///
    /// With an open range the order statistics come from the `(endpoint_id, duration)` index by OFFSET, without
    /// loading durations (with summaries: count, mean, minimum and maximum from them, and each percentile by one
    /// short seek of that index to the bucket holding it; exact either way); with a bounded range the range's
    /// durations are read from the time index and sorted, except over windows holding more than
    /// `SummaryPolicy::exact_window_rows` requests on files with summaries: there counts, means, minima and
    /// maxima are exact and the percentiles come from the hour histograms (within 0.4 %).
    pub fn api_performance(
        &self,
        range: TimeRange,
        endpoint: Option<i64>,
    ) -> Result<Vec<EndpointPerformance>, StoreError> {
        let mut list = self.view_snapshot(|| {
            let endpoints: Vec<_> = self
                .view_endpoint_rows()?
                .into_iter()
                .filter(|e| endpoint.is_none() || endpoint == Some(e.id))
                .collect();
            let mut out = Vec::with_capacity(endpoints.len());
            if range.is_bounded() {
                if let Some(window) = self.performance_window(&range)? {
                    for e in endpoints {
                        let summary = window.get(&e.id).and_then(Durations::approx_summary);
                        out.push(EndpointPerformance { id: e.id, name: e.name, summary });
                    }
                    return Ok(out);
                }
                let mut durations = self.view_durations_by_endpoint(&range, endpoint)?;
                for e in endpoints {
                    let summary = durations.get_mut(&e.id).and_then(|v| DurationSummary::from_unsorted(v));
                    out.push(EndpointPerformance { id: e.id, name: e.name, summary });
                }
            } else {
                let view = self.summary_view(endpoint.map_or(Scope::All, Scope::Endpoint), false)?;
                for e in endpoints {
                    let summary = match &view {
                        Some(view) => match self.view_summary_box(view, e.id)? {
                            Some(summary) => summary,
                            None => self.view_indexed_summary(e.id)?,
                        },
                        None => self.view_indexed_summary(e.id)?,
                    };
                    out.push(EndpointPerformance { id: e.id, name: e.name, summary });
                }
            }
            Ok(out)
        })?;
        list.sort_by(|a, b| {
            let n = |e: &EndpointPerformance| e.summary.as_ref().map_or(0, |s| s.count);
            n(b).cmp(&n(a)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(list)
    }

    /// Duration summaries per version of one endpoint, oldest version (by first request) first.
    ///
    /// Over all time on large files with summaries, counts, means, minima and maxima are exact and the
    /// percentiles and whiskers come from the version's histogram (within 0.4 %; exact when the endpoint has a
    /// single version), unless `SummaryPolicy::approximate` is off; likewise over windows holding more than
    /// `SummaryPolicy::exact_window_rows` requests, from the per-version hour histograms.
    pub fn version_performance(
        &self,
        endpoint_id: i64,
        range: TimeRange,
    ) -> Result<Vec<VersionPerformance>, StoreError> {
        let from_summaries = self.view_snapshot(|| {
            if range.is_bounded() {
                self.version_performance_window(endpoint_id, &range)
            } else {
                self.version_performance_from_summaries(endpoint_id)
            }
        })?;
        if let Some(list) = from_summaries {
            return Ok(list);
        }
        let (mut durations, first) = self.view_snapshot(|| {
            let filter = self.view_filter(&range, endpoint_id, Access::Rows)?;
            let sql = format!(
                "SELECT version_requested, duration, time_requested FROM {} WHERE {}",
                self.tables.request,
                filter.sql()
            );
            let mut versions: Vec<(Vec<u8>, VersionDurations)> = Vec::new();
            let mut last = usize::MAX;
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(filter.params())?;
            while let Some(r) = rows.next()? {
                let index = slot(&mut versions, &mut last, key_bytes(r.get_ref(0)?), Default::default);
                let Some((_, (earliest, values))) = versions.get_mut(index) else { continue };
                if let Some(d) = duration_of(r.get_ref(1)?) {
                    values.push(d);
                }
                if !range.is_bounded() {
                    earliest.see(r.get_ref(2)?);
                }
            }
            let mut durations: HashMap<String, Vec<f64>> = HashMap::new();
            let mut first = HashMap::new();
            for (key, (earliest, values)) in versions {
                let version = String::from_utf8_lossy(&key).into_owned();
                durations.entry(version.clone()).or_default().extend(values);
                merge_first(&mut first, version, earliest.get());
            }
            if range.is_bounded() {
                first = self.view_first_use(&TimeRange::ALL, Some(endpoint_id))?;
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

    /// [`Store::version_performance`] over all time from the summaries; `None` when they cannot answer.
    fn version_performance_from_summaries(
        &self,
        endpoint_id: i64,
    ) -> rusqlite::Result<Option<Vec<VersionPerformance>>> {
        let Some(view) = self.summary_view(Scope::Endpoint(endpoint_id), false)? else { return Ok(None) };
        if !view.policy().approximate {
            return Ok(None);
        }
        let Some(versions) = view.versions(Some(endpoint_id), true)? else { return Ok(None) };
        let mut durations: HashMap<String, Durations> = HashMap::new();
        let mut first = HashMap::new();
        let mut all = Durations::new();
        for (_, key, v) in &versions {
            let name = key_name(key);
            durations.entry(name.clone()).or_default().merge(&v.durations);
            merge_first(&mut first, name, v.first_use());
            all.merge(&v.durations);
        }
        // One version with every duration: its numbers are the endpoint's, which the index gives exactly.
        let with_durations: Vec<&String> = durations.iter().filter(|(_, d)| d.count() > 0).map(|(k, _)| k).collect();
        let exact = match with_durations.as_slice() {
            [only] => Some(((*only).clone(), self.view_summary_box(&view, endpoint_id)?)),
            _ => None,
        };
        Ok(Some(
            chronological(first)
                .into_iter()
                .map(|VersionInfo { version, date }| {
                    let summary = match &exact {
                        Some((name, Some(summary))) if *name == version => summary.clone(),
                        _ => durations.get(&version).and_then(Durations::approx_summary),
                    };
                    VersionPerformance { version, date, summary }
                })
                .collect(),
        ))
    }

    /// An endpoint's all-time box plot from the summaries: `Some(summary)` (exact), or `None` when the index
    /// disagrees with them (the caller queries directly).
    fn view_summary_box(&self, view: &SummaryView<'_>, id: i64) -> rusqlite::Result<Option<Option<DurationSummary>>> {
        let Some(d) = view.endpoint_durations(id)? else { return Ok(None) };
        view.exact_summary(id, &d, |low, high, min, max| self.view_whiskers(id, low, high, min, max))
    }

    /// The smallest usable duration at or above `low_fence` and the largest at or below `high_fence` (`min` and
    /// `max` when there is none), from the `(endpoint_id, duration)` index.
    fn view_whiskers(
        &self,
        id: i64,
        low_fence: f64,
        high_fence: f64,
        min: f64,
        max: f64,
    ) -> rusqlite::Result<(f64, f64)> {
        let t = &self.tables.request;
        let first_at_or_above = self
            .conn
            .prepare_cached(&format!(
                "SELECT duration FROM {t} WHERE endpoint_id = ?1 AND duration >= ?2 AND {VALID_DURATION} \
                 ORDER BY duration LIMIT 1"
            ))?
            .query_row(params![id, low_fence], |r| Ok(duration_of(r.get_ref(0)?)))
            .optional()?
            .flatten();
        let last_at_or_below = self
            .conn
            .prepare_cached(&format!(
                "SELECT duration FROM {t} WHERE endpoint_id = ?1 AND duration <= ?2 AND {VALID_DURATION} \
                 ORDER BY duration DESC LIMIT 1"
            ))?
            .query_row(params![id, high_fence], |r| Ok(duration_of(r.get_ref(0)?)))
            .optional()?
            .flatten();
        Ok((first_at_or_above.unwrap_or(min), last_at_or_below.unwrap_or(max)))
    }

    /// Usable durations in `range` per endpoint id, read from the time index.
    fn view_durations_by_endpoint(
        &self,
        range: &TimeRange,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<HashMap<i64, Vec<f64>>> {
        let filter = Filter::new(range, endpoint).and(VALID_DURATION);
        let mut stmt = self.conn.prepare(&format!(
            "SELECT endpoint_id, duration FROM {} WHERE {}",
            self.tables.request,
            filter.sql()
        ))?;
        let mut rows = stmt.query(filter.params())?;
        let mut out: HashMap<i64, Vec<f64>> = HashMap::new();
        while let Some(r) = rows.next()? {
            if let (Some(id), Some(d)) = (int_of(r.get_ref(0)?), duration_of(r.get_ref(1)?)) {
                out.entry(id).or_default().push(d);
            }
        }
        Ok(out)
    }

    /// Usable durations of one endpoint in `range`, unsorted.
    pub(crate) fn view_durations_of(&self, endpoint_id: i64, range: &TimeRange) -> rusqlite::Result<Vec<f64>> {
        let filter = Filter::new(range, Some(endpoint_id)).and(VALID_DURATION);
        let mut stmt =
            self.conn.prepare(&format!("SELECT duration FROM {} WHERE {}", self.tables.request, filter.sql()))?;
        let mut rows = stmt.query(filter.params())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            if let Some(d) = duration_of(r.get_ref(0)?) {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// An endpoint's all-time summary from the `(endpoint_id, duration)` index: one covering pass for count and
    /// mean, then each order statistic by OFFSET from the nearer end of the index.
    pub(crate) fn view_indexed_summary(&self, id: i64) -> rusqlite::Result<Option<DurationSummary>> {
        let t = &self.tables.request;
        let (n, mean): (i64, Option<f64>) = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*), avg(duration) FROM {t} WHERE endpoint_id = ?1 AND {VALID_DURATION}"
            ))?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let (Ok(n @ 1..), Some(mean)) = (u64::try_from(n), mean) else {
            return Ok(None);
        };
        let at = |k: u64| self.view_indexed_pair(id, n, k);
        let percentile = |p: f64| -> rusqlite::Result<Option<f64>> {
            let Some((k, gamma)) = virtual_index(n, p) else { return Ok(None) };
            Ok(at(k)?.map(|(a, b)| lerp(a, b, gamma)))
        };
        let (Some((min, _)), Some((max, _))) = (at(0)?, at(n - 1)?) else { return Ok(None) };
        let (Some(p25), Some(p50), Some(p75), Some(p95)) =
            (percentile(25.0)?, percentile(50.0)?, percentile(75.0)?, percentile(95.0)?)
        else {
            return Ok(None);
        };
        let (low_fence, high_fence) = super::fences(p25, p75);
        let (whisker_low, whisker_high) = self.view_whiskers(id, low_fence, high_fence, min, max)?;
        Ok(Some(DurationSummary { count: n, mean, min, p25, p50, p75, p95, max, whisker_low, whisker_high }))
    }

    /// `(x[k], x[min(k + 1, n - 1)])` of the endpoint's sorted usable durations, read from whichever end of the
    /// index is nearer.
    pub(crate) fn view_indexed_pair(&self, id: i64, n: u64, k: u64) -> rusqlite::Result<Option<(f64, f64)>> {
        let t = &self.tables.request;
        let from_top = k > (n - 1) / 2;
        let (order, limit, offset) = if !from_top {
            ("ASC", 2, k)
        } else if k + 1 >= n {
            ("DESC", 1, 0)
        } else {
            ("DESC", 2, n - 2 - k)
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT duration FROM {t} WHERE endpoint_id = ?1 AND {VALID_DURATION} ORDER BY duration {order} \
             LIMIT ?2 OFFSET ?3"
        ))?;
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![id, limit, offset])?;
        let mut values = Vec::with_capacity(2);
        while let Some(r) = rows.next()? {
            if let Some(d) = duration_of(r.get_ref(0)?) {
                values.push(d);
            }
        }
        if from_top {
            values.reverse();
        }
        Ok(match values.as_slice() {
            [a] => Some((*a, *a)),
            [a, b] => Some((*a, *b)),
            _ => None,
        })
    }
}
