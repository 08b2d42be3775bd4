//! Bounded windows of the performance, endpoint summary and version views from the summary tables: whole UTC
//! hours from the `hour` and `vhour` tables, the rest read exactly (see `summary/window.rs`). Counts, means,
//! minima, maxima, first uses are exact; percentiles come from the merged hour histograms (within 0.39 %) only
//! when the window holds more than `SummaryPolicy::exact_window_rows` requests, else they are read exactly.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

use super::performance::VersionPerformance;
use super::requests::EndpointSummary;
use super::versions::{chronological, first_use_of_usable, merge_first, MultiVersionCell};
use super::{time_of, EndpointRow, TimeRange, VersionInfo};
use crate::store::summary::histogram::Durations;
use crate::store::summary::{key_is_null, key_name, rows_bound, By, Scope, SummaryView, NO_ENDPOINT};
use crate::store::Store;

/// A window's bounds for the summaries: `None` without a start.
fn bounds(range: &TimeRange) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    range.from.map(|from| (from, range.to))
}

impl Store {
    /// True when a window may hold more than `exact_window_rows` requests, so its percentiles may come from
    /// the histograms (a cheap bound; smaller windows are read directly, which is then faster).
    fn window_may_be_large(&self, range: &TimeRange) -> rusqlite::Result<bool> {
        let policy = self.summary_policy();
        let Some((from, to)) = bounds(range) else { return Ok(false) };
        if !policy.enabled || !policy.approximate {
            return Ok(false);
        }
        Ok(rows_bound(self, from, to)?.is_some_and(|n| n > policy.exact_window_rows))
    }

    /// A dashboard-wide summary view of a bounded window, with whether its percentiles may come from the
    /// histograms (approximation allowed and more than `exact_window_rows` requests in the window); `None` when
    /// the summaries cannot answer.
    fn window_view(&self, range: &TimeRange) -> rusqlite::Result<Option<(SummaryView<'_>, bool)>> {
        let Some((from, to)) = bounds(range) else { return Ok(None) };
        if !self.window_may_be_large(range)? {
            return Ok(None);
        }
        let Some(view) = self.summary_view(Scope::All, false)? else { return Ok(None) };
        let policy = view.policy();
        let Some(counts) = view.window(from, to, false)? else { return Ok(None) };
        let rows: u64 = counts.values().map(|w| w.hits).sum();
        let approximate = policy.approximate && rows > policy.exact_window_rows;
        Ok(Some((view, approximate)))
    }

    /// Per endpoint id, the usable durations of a bounded window when the window is large enough for histogram
    /// percentiles (see the module docs); `None` when the direct query must answer.
    pub(crate) fn performance_window(&self, range: &TimeRange) -> rusqlite::Result<Option<HashMap<i64, Durations>>> {
        let Some((from, to)) = bounds(range) else { return Ok(None) };
        if !self.window_may_be_large(range)? {
            return Ok(None);
        }
        let Some(view) = self.summary_view(Scope::All, false)? else { return Ok(None) };
        let Some(window) = view.window(from, to, true)? else { return Ok(None) };
        let rows: u64 = window.values().map(|w| w.hits).sum();
        if rows <= view.policy().exact_window_rows {
            return Ok(None);
        }
        Ok(Some(window.into_iter().map(|(e, w)| (e, w.durations)).collect()))
    }

    /// [`Store::endpoint_summary`] over a bounded window holding more than `exact_window_rows` requests:
    /// counts, versions and first/last request from the summaries and two seeks of the time index, the median
    /// from the histograms. `None` when the direct query must answer.
    pub(crate) fn endpoint_summary_window(
        &self,
        endpoint: &EndpointRow,
        range: &TimeRange,
    ) -> rusqlite::Result<Option<EndpointSummary>> {
        let Some((from, to)) = bounds(range) else { return Ok(None) };
        let Some((view, true)) = self.window_view(range)? else { return Ok(None) };
        let Some(parts) = view.window_by(from, to, true, By::Version, Some(endpoint.id))? else { return Ok(None) };
        let (mut hits, mut errors, mut versions) = (0u64, 0u64, 0u64);
        let mut all = Durations::new();
        for ((_, key), part) in &parts {
            hits += part.agg.hits;
            errors += part.agg.errors;
            // SQL's count(DISTINCT version_requested) leaves NULL out.
            versions += u64::from(part.agg.hits > 0 && !key_is_null(key));
            all.merge(&part.agg.durations);
        }
        let tail = super::requests::Tail::approx(&all);
        let (first_request, last_request) = if hits > 0 {
            (self.window_end_time(endpoint.id, range, "ASC")?, self.window_end_time(endpoint.id, range, "DESC")?)
        } else {
            (None, None)
        };
        Ok(Some(EndpointSummary {
            id: endpoint.id,
            name: endpoint.name.clone(),
            monitor_level: endpoint.level,
            last_requested: endpoint.last_requested,
            hits,
            errors,
            median: tail.median,
            p95: tail.p95,
            p99: tail.p99,
            mean: tail.mean,
            max: tail.max,
            first_request,
            last_request,
            versions,
        }))
    }

    /// SQL's `min` (`order` ASC) or `max` (DESC) of an endpoint's `time_requested` in a window: the first row in
    /// that order on the time index.
    fn window_end_time(&self, id: i64, range: &TimeRange, order: &str) -> rusqlite::Result<Option<DateTime<Utc>>> {
        let filter = super::Filter::on_time_index(range, Some(id)).and("time_requested IS NOT NULL");
        let sql = format!(
            "SELECT time_requested FROM {} WHERE {} ORDER BY time_requested {order} LIMIT 1",
            self.tables.request,
            filter.sql()
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(filter.params(), |r| Ok(time_of(r.get_ref(0)?)))
            .optional()?
            .flatten())
    }

    /// [`Store::version_performance`] over a bounded window holding more than `exact_window_rows` requests:
    /// per version the merged hour histograms (exact counts, means, minima, maxima), dated by first use over
    /// all time. `None` when the direct query must answer.
    pub(crate) fn version_performance_window(
        &self,
        endpoint_id: i64,
        range: &TimeRange,
    ) -> rusqlite::Result<Option<Vec<VersionPerformance>>> {
        let Some((from, to)) = bounds(range) else { return Ok(None) };
        let Some((view, true)) = self.window_view(range)? else { return Ok(None) };
        let Some(parts) = view.window_by(from, to, true, By::Version, Some(endpoint_id))? else { return Ok(None) };
        let Some(versions) = view.versions(Some(endpoint_id), false)? else { return Ok(None) };
        let mut overall = HashMap::new();
        for (_, key, v) in &versions {
            merge_first(&mut overall, key_name(key), v.first_use());
        }
        let mut durations: HashMap<String, Durations> = HashMap::new();
        for ((_, key), part) in parts {
            if part.agg.hits > 0 {
                durations.entry(key_name(&key)).or_default().merge(&part.agg.durations);
            }
        }
        let known = durations.keys().map(|v| (v.clone(), overall.get(v).copied().flatten())).collect();
        Ok(Some(
            chronological(known)
                .into_iter()
                .map(|VersionInfo { version, date }| {
                    let summary = durations.get(&version).and_then(Durations::approx_summary);
                    VersionPerformance { version, date, summary }
                })
                .collect(),
        ))
    }

    /// `(endpoint id, version, requests, first use over all time)` of a bounded window, exactly; `None` when
    /// the summaries cannot answer.
    pub(crate) fn multi_version_window(&self, range: &TimeRange) -> rusqlite::Result<Option<Vec<MultiVersionCell>>> {
        let Some((from, to)) = bounds(range) else { return Ok(None) };
        let Some(view) = self.summary_view(Scope::All, false)? else { return Ok(None) };
        let Some(versions) = view.versions(None, false)? else { return Ok(None) };
        let Some(parts) = view.window_by(from, to, false, By::Version, None)? else { return Ok(None) };
        // A version's first use counts the requests of every usable endpoint id, as the scan does.
        let first = first_use_of_usable(versions.iter().map(|(e, key, v)| (*e, key.as_slice(), v.first_use())));
        Ok(Some(
            parts
                .into_iter()
                .filter(|((e, _), part)| *e != NO_ENDPOINT && part.agg.hits > 0)
                .map(|((e, key), part)| {
                    let name = key_name(&key);
                    let date = first.get(&name).copied().flatten();
                    (e, name, part.agg.hits, date)
                })
                .collect(),
        ))
    }

    /// `version -> earliest time_requested` within a bounded window (of one endpoint, or all) from the
    /// summaries, exactly; `None` when they cannot answer.
    pub(crate) fn first_use_window(
        &self,
        range: &TimeRange,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<Option<HashMap<String, Option<DateTime<Utc>>>>> {
        let Some((from, to)) = bounds(range) else { return Ok(None) };
        let Some(view) = self.summary_view(endpoint.map_or(Scope::All, Scope::Endpoint), false)? else {
            return Ok(None);
        };
        let Some(parts) = view.window_by(from, to, false, By::Version, endpoint)? else { return Ok(None) };
        let mut map = HashMap::new();
        for (key, first) in view.first_use_in(&parts, endpoint)? {
            merge_first(&mut map, key_name(&key), first);
        }
        Ok(Some(map))
    }
}
