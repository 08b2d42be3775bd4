//! The real [`Source`]: the store's views, one per tab, over the window and endpoint of the [`ViewKey`].

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::report::{Preset, ReportOptions};
use fmd_core::store::views::GroupColumn;
use fmd_core::store::{DeletedRows, GraphSeries, PruneOptions, TimeRange};
use fmd_core::Store;

use super::reuse::Reuse;
use super::{Housekeeping, Overview, Source};
use crate::nav::{Compare, Window};
use crate::views::{DashStatus, ExceptionEntry, OutlierView, ProfilerView, ReportView, ViewData, ViewKey, ViewKind};

/// Hours in the overview's trend.
pub const TREND_HOURS: usize = 24;

/// Time the worker spends bringing the summary tables up to date before each overview.
const SUMMARY_SLICE: std::time::Duration = std::time::Duration::from_millis(150);

/// Most users or IPs listed with box plots (the busiest).
pub const GROUP_TOP: usize = 500;
/// Most users or IPs in a version matrix (the busiest).
pub const MATRIX_TOP: usize = 200;
/// Most custom graphs loaded (by id).
pub const GRAPHS_TOP: usize = 100;
/// Buckets per custom graph series (a chart is at most a few hundred braille dots wide).
pub const GRAPH_POINTS: usize = 240;

/// Most outliers listed (the newest; the title says how many there are in all).
pub const OUTLIERS_TOP: u32 = 500;
/// Most exception groups listed (the newest), each read with its stack.
pub const EXCEPTIONS_TOP: u32 = 200;
/// Most profiled requests listed (the newest; the title says how many there are in all).
pub const PROFILED_TOP: u32 = 500;
/// How far the Profiler tab counts an endpoint's profiled requests: counting reads every stack line of the
/// requests it passes (and of other endpoints' between them), so beyond this the title says "2,000+".
pub const PROFILED_COUNT_UP_TO: u32 = 2_000;

/// The latency chart's window: a preset's open end is now, so the chart's last bucket ends at the clock.
fn latency_range(range: TimeRange, now: DateTime<Utc>) -> TimeRange {
    match range {
        TimeRange { from: Some(from), to: None } => TimeRange::new(Some(from), Some(now.max(from))),
        other => other,
    }
}

/// The real source: a read-only store for queries; level writes open a short-lived editor on the same file.
pub struct StoreSource {
    store: Store,
    path: PathBuf,
    prefix: String,
    timezone: Tz,
    reuse: Reuse,
    /// Queries run (answers not reused), for tests.
    queries: u64,
}

impl StoreSource {
    /// Forgets the kept answers and the summaries' consistency checks, so the next view costs what it costs
    /// on a file that has just changed (the timing benchmark's cold runs).
    #[cfg(test)]
    pub(crate) fn forget(&mut self) {
        self.reuse.clear();
        self.store.forget_summary_checks();
    }

    /// Wraps an open reader; `timezone` decides where "today" starts and which local hour a request is in.
    pub fn new(store: Store, timezone: Tz) -> StoreSource {
        let path = store.path().to_path_buf();
        let prefix = store.tables().prefix().to_string();
        StoreSource { store, path, prefix, timezone, reuse: Reuse::default(), queries: 0 }
    }

    /// How many view queries ran (answers given again from [`Reuse`] not counted).
    #[cfg(test)]
    pub(crate) fn queries_run(&self) -> u64 {
        self.queries
    }

    fn endpoint(key: &ViewKey) -> Result<i64, String> {
        key.endpoint.ok_or_else(|| format!("{:?} needs an endpoint", key.kind))
    }

    /// Every graph (the first [`GRAPHS_TOP`]) over `range`, bucketed for drawing.
    fn graphs(&self, range: TimeRange, now: DateTime<Utc>) -> Result<Vec<GraphSeries>, String> {
        let graphs = self.store.graphs().map_err(|e| e.to_string())?;
        graphs
            .iter()
            .take(GRAPHS_TOP)
            .map(|g| self.store.graph_series(g, range, GRAPH_POINTS, now).map_err(|e| e.to_string()))
            .collect()
    }

    /// Runs the query behind `key`.
    fn query(&self, key: ViewKey, now: DateTime<Utc>, limit: usize) -> Result<ViewData, String> {
        let store = &self.store;

        let tz = self.timezone;
        let range = key.window.range(now);
        let days = || -> Result<_, String> {
            let first = match key.window {
                Window::All | Window::Custom { from: None, .. } => {
                    store.first_request_time().map_err(|e| e.to_string())?.map(|t| t.with_timezone(&tz).date_naive())
                }
                _ => None,
            };
            Ok(key.window.days(now, tz, first))
        };
        let e = |error: fmd_core::StoreError| error.to_string();
        Ok(match key.kind {
            ViewKind::DashHourly => ViewData::Hourly(store.hourly_load(days()?, tz, None).map_err(e)?),
            ViewKind::DashDaily => ViewData::Daily(store.daily_requests(days()?, tz, None).map_err(e)?),
            ViewKind::DashVersions => ViewData::Versions(store.multi_version(range).map_err(e)?),
            ViewKind::DashPerformance => ViewData::Performance(store.api_performance(range, None).map_err(e)?),
            ViewKind::DashStatus => {
                ViewData::DashStatus(DashStatus::from(store.dashboard_status_codes(range, limit).map_err(e)?))
            }
            ViewKind::Summary => ViewData::Summary(store.endpoint_summary(Self::endpoint(&key)?, range).map_err(e)?),
            ViewKind::DashLatency => {
                ViewData::Latency(store.latency_series(latency_range(range, now), None).map_err(e)?)
            }
            ViewKind::Latency => ViewData::Latency(
                store.latency_series(latency_range(range, now), Some(Self::endpoint(&key)?)).map_err(e)?,
            ),
            ViewKind::Hourly => {
                ViewData::Hourly(store.hourly_load(days()?, tz, Some(Self::endpoint(&key)?)).map_err(e)?)
            }
            ViewKind::Versions => {
                ViewData::VersionPerformance(store.version_performance(Self::endpoint(&key)?, range).map_err(e)?)
            }
            ViewKind::Users | ViewKind::Ips => {
                let column = if key.kind == ViewKind::Users { GroupColumn::User } else { GroupColumn::Ip };
                let id = Self::endpoint(&key)?;
                ViewData::Groups(store.group_performance(id, column, range, Some(GROUP_TOP)).map_err(e)?)
            }
            ViewKind::UserVersion | ViewKind::IpVersion => {
                let column = if key.kind == ViewKind::UserVersion { GroupColumn::User } else { GroupColumn::Ip };
                let id = Self::endpoint(&key)?;
                ViewData::Matrix(store.version_matrix(id, column, range, MATRIX_TOP).map_err(e)?)
            }
            ViewKind::Status => ViewData::Status(store.status_codes(Self::endpoint(&key)?, range, limit).map_err(e)?),
            ViewKind::Requests(query) => {
                let id = Self::endpoint(&key)?;
                ViewData::Requests(store.requests(id, range, &query.query(), limit, 0).map_err(e)?)
            }
            ViewKind::RequestDetail(request) => {
                ViewData::RequestDetail(store.request_detail(request).map_err(e)?.map(Box::new))
            }
            ViewKind::DashGraphs => ViewData::Graphs(self.graphs(range, now)?),
            ViewKind::DashReport(compare) => ViewData::Report(self.report(compare, now)?),
            ViewKind::Outliers => {
                let id = Self::endpoint(&key)?;
                let total = store.num_outliers(id).map_err(e)?;
                let rows = store.outliers(id, OUTLIERS_TOP, 0).map_err(e)?;
                let average = store.mean_duration(id).map_err(e)?;
                ViewData::Outliers(OutlierView { total, rows, average })
            }
            ViewKind::Exceptions => {
                let groups = store.exception_groups(Some(Self::endpoint(&key)?), EXCEPTIONS_TOP).map_err(e)?;
                let mut entries = Vec::with_capacity(groups.len());
                for group in groups {
                    let stack = store.exception_stack(group.stack_trace_snapshot_id).map_err(e)?;
                    entries.push(ExceptionEntry { group, stack });
                }
                ViewData::Exceptions(entries)
            }
            ViewKind::Profiler => {
                let id = Self::endpoint(&key)?;
                let page = store.profiled_page_capped(id, PROFILED_TOP, PROFILED_COUNT_UP_TO).map_err(e)?;
                ViewData::Profiler(ProfilerView {
                    total: page.total,
                    total_is_at_least: page.total_is_at_least,
                    rows: page.requests,
                })
            }
            ViewKind::CallTree(request) => ViewData::CallTree(store.call_tree(request).map_err(e)?),
            ViewKind::Grouped => ViewData::Grouped(store.grouped_profiler(Self::endpoint(&key)?).map_err(e)?),
        })
    }

    /// FMD's report for the comparison `compare` at `now`.
    fn report(&self, compare: Compare, now: DateTime<Utc>) -> Result<ReportView, String> {
        let options = ReportOptions::default();
        let e = |error: fmd_core::StoreError| error.to_string();
        let preset = match compare {
            Compare::Day => Preset::Day,
            Compare::Week => Preset::Week,
            Compare::Month => Preset::Month,
            Compare::Versions => {
                let versions = self.store.versions(TimeRange::ALL, None).map_err(e)?;
                let [newest, before, ..] = versions.as_slice() else {
                    return Ok(ReportView {
                        label: compare.label().to_string(),
                        note: Some(format!(
                            "needs requests of two versions; this database has {}",
                            match versions.first() {
                                Some(v) => format!("only version {}", crate::format::sanitize(&v.version)),
                                None => "no requests".to_string(),
                            }
                        )),
                        rows: Vec::new(),
                    });
                };
                let report = self.store.report_versions(&newest.version, &before.version, &options).map_err(e)?;
                return Ok(ReportView::from_report(
                    &report,
                    format!("version {} vs {}", newest.version, before.version),
                ));
            }
        };
        let pair = preset.intervals(now, self.timezone);
        let report = self.store.report_intervals(&pair.interval, &pair.baseline, &options).map_err(e)?;
        Ok(ReportView::from_report(&report, compare.label().to_string()))
    }
}

impl Source for StoreSource {
    fn overview(&mut self, now: DateTime<Utc>) -> Result<Overview, String> {
        // Keep fmd's summary tables current with what recorders wrote since the last refresh, in a short slice
        // (the `fmd` binary builds them in full, with a progress bar, before the console opens). A read-only
        // file or another process holding the build lease only means the views answer directly.
        let _ = self.store.refresh_summaries_within(SUMMARY_SLICE, |_, _| {});
        let rows = self.store.overview(now, self.timezone).map_err(|e| e.to_string())?;
        let (dropped, failed) = self.store.recorder_losses().map_err(|e| e.to_string())?;
        let dropped = self.store.has_recorder_counters().map_err(|e| e.to_string())?.then_some(dropped);
        let trends = self.store.request_trend(now, TREND_HOURS).map_err(|e| e.to_string())?;
        let exceptions = self.store.exception_group_counts().map_err(|e| e.to_string())?;
        Ok(Overview { rows, dropped, failed, trends, exceptions })
    }

    fn view(&mut self, key: ViewKey, now: DateTime<Utc>, limit: usize) -> Result<ViewData, String> {
        // Read before the query: a commit during it changes the version, so its answer is not reused.
        let version = if key.kind.answer_is_timeless(key.window) { self.store.data_version().ok() } else { None };
        if let Some(data) = version.and_then(|v| self.reuse.get(key, limit, v)) {
            return Ok(data);
        }
        self.queries += 1;
        let data = self.query(key, now, limit)?;
        if let Some(version) = version {
            self.reuse.keep(key, limit, version, data.clone());
        }
        Ok(data)
    }

    fn interrupter(&self) -> Option<super::Interrupter> {
        let handle = self.store.connection().get_interrupt_handle();
        Some(Box::new(move || handle.interrupt()))
    }

    fn set_level(&mut self, name: &str, level: u8) -> Result<(), String> {
        let editor = Store::open_editor(&self.path, Some(&self.prefix)).map_err(|e| e.to_string())?;
        editor.set_level(name, level).map_err(|e| e.to_string())
    }

    fn preview(&mut self, op: &Housekeeping) -> Result<DeletedRows, String> {
        let store = &self.store;
        let e = |error: fmd_core::StoreError| error.to_string();
        match op {
            Housekeeping::DeleteEndpoint { name } => store.endpoint_deletion_preview(name).map_err(e),
            Housekeeping::MergeEndpoints { from, into } => {
                if !store.endpoint_levels().map_err(e)?.iter().any(|l| &l.name == into) {
                    let unknown = fmd_core::StoreError::UnknownEndpoint { path: self.path.clone(), name: into.clone() };
                    return Err(unknown.to_string());
                }
                // Only the endpoint row goes; its requests move.
                let moved = store.endpoint_deletion_preview(from).map_err(e)?.requests;
                Ok(DeletedRows { requests: moved, ..DeletedRows::default() })
            }
            Housekeeping::Prune { cutoff, keep_custom_graphs, .. } => {
                let options = PruneOptions {
                    dry_run: true,
                    keep_custom_graphs: *keep_custom_graphs,
                    ..PruneOptions::new(*cutoff)
                };
                store.prune(&options).map(|report| report.deleted).map_err(e)
            }
        }
    }

    fn apply(&mut self, op: &Housekeeping) -> Result<String, String> {
        let e = |error: fmd_core::StoreError| error.to_string();
        let editor = Store::open_editor(&self.path, Some(&self.prefix)).map_err(e)?;
        match op {
            Housekeeping::DeleteEndpoint { name } => {
                let done = editor.delete_endpoint(name).map_err(e)?;
                Ok(format!(
                    "deleted endpoint {name} with {} requests ({} rows in all)",
                    crate::format::count(done.deleted.requests),
                    crate::format::count(done.deleted.total())
                ))
            }
            Housekeeping::MergeEndpoints { from, into } => {
                let done = editor.merge_endpoints(from, into).map_err(e)?;
                Ok(format!("merged {from} into {into}: {} requests moved", crate::format::count(done.requests_moved)))
            }
            Housekeeping::Prune { age, cutoff, keep_custom_graphs } => {
                let options = PruneOptions { keep_custom_graphs: *keep_custom_graphs, ..PruneOptions::new(*cutoff) };
                let report = editor.prune(&options).map_err(e)?;
                Ok(format!(
                    "pruned {} requests older than {age} ({} rows in all)",
                    crate::format::count(report.deleted.requests),
                    crate::format::count(report.deleted.total())
                ))
            }
        }
    }
}
