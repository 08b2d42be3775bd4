//! [`answer`]: the one function every front-end calls for a view, with the [`Limits`] it chooses (how many rows,
//! which page, how far to count). The console asks for [`Limits::console`], `fmd show` for what its flags say,
//! the web for a page's worth.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::answer::{
    DashStatus, ExceptionEntry, GraphValues, NamedStatus, OutlierView, Overview, ProfilerView, VersionsView, ViewData,
};
use super::key::{ViewKey, ViewKind};
use super::report::report_view;
use super::source::ViewSource;
use crate::store::views::GroupColumn;
use crate::store::{DayRange, GraphSeries, StoreError, TimeRange};

/// Most users or IPs the console lists with box plots (the busiest).
pub const CONSOLE_GROUPS: usize = 500;
/// Most users or IPs in the console's version matrices (the busiest).
pub const CONSOLE_MATRIX: usize = 200;

/// How much of a view to read. Every front-end picks its own; [`Limits::console`] are the console's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rows of a paged list (latest errors, requests).
    pub rows: usize,
    /// Rows skipped before them (requests, outliers, profiled requests).
    pub offset: usize,
    /// Most outliers, the newest.
    pub outliers: usize,
    /// Most exception groups, the newest, each read with its stack.
    pub exceptions: usize,
    /// Most profiled requests, the newest.
    pub profiled: usize,
    /// Most users or IPs with box plots, the busiest (`None`: all).
    pub groups: Option<usize>,
    /// Most users or IPs in a version matrix, the busiest.
    pub matrix: usize,
    /// Most custom graphs, by id.
    pub graphs: usize,
    /// Buckets per custom graph series.
    pub graph_points: usize,
    /// How far profiled requests are counted (counting reads every stack line of the requests it passes);
    /// beyond it the count is a lower bound. `None`: counted exactly.
    pub profiled_count_up_to: Option<u32>,
    /// Hours of the overview's trend (0: none).
    pub trend_hours: usize,
    /// Read the endpoint's mean duration with its outliers (the `× avg` column).
    pub mean_duration: bool,
}

impl Limits {
    /// The console's: `rows` rows of paged lists (as many as scrolling needs); the newest 500 outliers, 200
    /// exception groups and 500 profiled requests (titles say how many there are in all); the busiest 500
    /// users/IPs with box plots, 200 in a matrix; 100 graphs of 240 buckets; profiled requests counted up to
    /// 2,000; 24 trend hours.
    pub fn console(rows: usize) -> Limits {
        Limits {
            rows,
            offset: 0,
            outliers: 500,
            exceptions: 200,
            profiled: 500,
            groups: Some(CONSOLE_GROUPS),
            matrix: CONSOLE_MATRIX,
            graphs: 100,
            graph_points: 240,
            profiled_count_up_to: Some(2_000),
            trend_hours: 24,
            mean_duration: true,
        }
    }

    /// A page of `rows` rows after `offset`, everything else unbounded and exact (`fmd show`).
    pub fn page(rows: usize, offset: usize) -> Limits {
        Limits {
            rows,
            offset,
            outliers: rows,
            exceptions: rows,
            profiled: rows,
            groups: None,
            matrix: usize::MAX,
            graphs: usize::MAX,
            graph_points: 240,
            profiled_count_up_to: None,
            trend_hours: 0,
            mean_duration: false,
        }
    }

    fn offset_u32(&self) -> u32 {
        small(self.offset)
    }
}

/// One view asked for: which, at which instant, in which zone, how much of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewRequest {
    /// The view, its window and endpoint.
    pub key: ViewKey,
    /// The instant "today", "7 days" and open windows are computed at.
    pub now: DateTime<Utc>,
    /// The zone of local days and hours (heatmaps, daily bars, report presets, "today").
    pub zone: Tz,
    /// How much to read.
    pub limits: Limits,
    /// The local days of day-based views (hourly, daily); `None`: the days the window touches.
    pub days: Option<DayRange>,
}

/// Why a view has no answer.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The store failed (its message names the file).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An endpoint view was asked for without an endpoint.
    #[error("the {0:?} view needs an endpoint")]
    NeedsEndpoint(ViewKind),
}

/// The answer to `request`: the one call behind every console tab, `fmd show` view and web page.
pub fn answer(store: &dyn ViewSource, request: &ViewRequest) -> Result<ViewData, DashboardError> {
    let key = request.key;
    let (now, tz, limits) = (request.now, request.zone, request.limits);
    let range = key.window.range(now);
    let endpoint = || key.endpoint.ok_or(DashboardError::NeedsEndpoint(key.kind));
    let days = || -> Result<DayRange, StoreError> {
        if let Some(days) = request.days {
            return Ok(days);
        }
        let first = match key.window {
            super::Window::All | super::Window::Custom { from: None, .. } => {
                store.first_request_time()?.map(|t| t.with_timezone(&tz).date_naive())
            }
            _ => None,
        };
        Ok(key.window.days(now, tz, first))
    };
    Ok(match key.kind {
        ViewKind::Overview => ViewData::Overview(Box::new(overview(store, now, tz, limits.trend_hours)?)),
        ViewKind::DashHourly => ViewData::Hourly(store.hourly_load(days()?, tz, key.endpoint)?),
        ViewKind::Hourly => ViewData::Hourly(store.hourly_load(days()?, tz, Some(endpoint()?))?),
        ViewKind::DashDaily => ViewData::Daily(store.daily_requests(days()?, tz, key.endpoint)?),
        ViewKind::DashVersions => ViewData::Versions(VersionsView {
            versions: store.versions(range, None)?,
            multi_version: Some(store.multi_version(range)?),
            performance: None,
        }),
        ViewKind::Versions => {
            let id = endpoint()?;
            ViewData::Versions(VersionsView {
                versions: store.versions(range, Some(id))?,
                multi_version: None,
                performance: Some(store.version_performance(id, range)?),
            })
        }
        ViewKind::DashPerformance => ViewData::Performance(store.api_performance(range, key.endpoint)?),
        ViewKind::DashStatus => {
            ViewData::DashStatus(DashStatus::from(store.dashboard_status_codes(range, limits.rows)?))
        }
        ViewKind::StatusPerEndpoint => {
            let mut by_id: std::collections::HashMap<i64, _> =
                store.status_codes_per_endpoint(range, limits.rows)?.into_iter().collect();
            let mut endpoints = store.endpoint_levels()?;
            endpoints.sort_by(|a, b| a.name.cmp(&b.name));
            let named = endpoints
                .into_iter()
                .filter_map(|e| {
                    by_id.remove(&e.id).map(|status| NamedStatus { endpoint_id: e.id, endpoint: e.name, status })
                })
                .collect();
            ViewData::StatusPerEndpoint(named)
        }
        ViewKind::Status => ViewData::Status(store.status_codes(endpoint()?, range, limits.rows)?),
        ViewKind::Summary => ViewData::Summary(store.endpoint_summary(endpoint()?, range)?),
        ViewKind::DashLatency => ViewData::Latency(store.latency_series(latency_range(range, now), None)?),
        ViewKind::Latency => ViewData::Latency(store.latency_series(latency_range(range, now), Some(endpoint()?))?),
        ViewKind::Users | ViewKind::Ips => {
            let column = if key.kind == ViewKind::Users { GroupColumn::User } else { GroupColumn::Ip };
            ViewData::Groups(store.group_performance(endpoint()?, column, range, limits.groups)?)
        }
        ViewKind::UserHits => ViewData::UserHits(store.users(endpoint()?, range)?),
        ViewKind::IpHits => ViewData::IpHits(store.ips(endpoint()?, range)?),
        ViewKind::UserVersion | ViewKind::IpVersion => {
            let column = if key.kind == ViewKind::UserVersion { GroupColumn::User } else { GroupColumn::Ip };
            ViewData::Matrix(store.version_matrix(endpoint()?, column, range, limits.matrix)?)
        }
        ViewKind::Requests(query) => {
            ViewData::Requests(store.requests(endpoint()?, range, &query.query(), limits.rows, limits.offset)?)
        }
        ViewKind::RequestDetail(request) => ViewData::RequestDetail(store.request_detail(request)?.map(Box::new)),
        ViewKind::DashGraphs => ViewData::Graphs(graph_series(store, range, now, &limits)?),
        ViewKind::GraphValues => {
            let mut graphs = Vec::new();
            for graph in store.graphs()?.into_iter().take(limits.graphs) {
                let values = store.graph_values(graph.graph_id, range)?;
                graphs.push(GraphValues { graph, values });
            }
            ViewData::GraphValues(graphs)
        }
        ViewKind::DashReport(compare) => ViewData::Report(report_view(store, compare, now, tz)?),
        ViewKind::Outliers => {
            let id = endpoint()?;
            let total = store.num_outliers(id)?;
            let rows = store.outliers(id, small(limits.outliers), limits.offset_u32())?;
            let average = if limits.mean_duration { store.mean_duration(id)? } else { None };
            ViewData::Outliers(OutlierView { total, rows, average })
        }
        ViewKind::Outlier(request) => {
            // An endpoint has few outliers (at most one per request): find the request's among all of them.
            let all = store.outliers(endpoint()?, u32::MAX, 0)?;
            ViewData::Outlier(all.into_iter().find(|o| o.request.id == request))
        }
        ViewKind::Exceptions => {
            let groups = store.exception_groups(key.endpoint, small(limits.exceptions))?;
            let mut entries = Vec::with_capacity(groups.len());
            for group in groups {
                let stack = store.exception_stack(group.stack_trace_snapshot_id)?;
                entries.push(ExceptionEntry { group, stack });
            }
            ViewData::Exceptions(entries)
        }
        ViewKind::Profiler => {
            let id = endpoint()?;
            let page = match limits.profiled_count_up_to {
                Some(up_to) if limits.offset == 0 => store.profiled_page_capped(id, small(limits.profiled), up_to)?,
                _ => store.profiled_page(id, small(limits.profiled), limits.offset_u32())?,
            };
            ViewData::Profiler(ProfilerView {
                total: page.total,
                total_is_at_least: page.total_is_at_least,
                rows: page.requests,
            })
        }
        ViewKind::CallTree(request) => ViewData::CallTree(store.call_tree(request)?),
        ViewKind::Grouped => ViewData::Grouped(store.grouped_profiler(endpoint()?)?),
        ViewKind::Endpoints => ViewData::Endpoints(store.endpoint_infos()?),
    })
}

/// `n` as the store's row counts take it (saturating).
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The overview at `now` with the recorders' losses, exception groups and `trend_hours` hours of trend.
fn overview(store: &dyn ViewSource, now: DateTime<Utc>, tz: Tz, trend_hours: usize) -> Result<Overview, StoreError> {
    let rows = store.overview(now, tz)?;
    let (dropped, failed) = store.recorder_losses()?;
    let dropped = store.has_recorder_counters()?.then_some(dropped);
    let trends = if trend_hours == 0 { Default::default() } else { store.request_trend(now, trend_hours)? };
    let exceptions = store.exception_group_counts()?;
    Ok(Overview { rows, dropped, failed, trends, exceptions })
}

/// Every graph (the first [`Limits::graphs`]) over `range`, bucketed for drawing.
fn graph_series(
    store: &dyn ViewSource,
    range: TimeRange,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<Vec<GraphSeries>, StoreError> {
    let graphs = store.graphs()?;
    graphs.iter().take(limits.graphs).map(|g| store.graph_series(g, range, limits.graph_points, now)).collect()
}

/// The latency chart's window: a preset's open end is now, so the chart's last bucket ends at the clock.
fn latency_range(range: TimeRange, now: DateTime<Utc>) -> TimeRange {
    match range {
        TimeRange { from: Some(from), to: None } => TimeRange::new(Some(from), Some(now.max(from))),
        other => other,
    }
}
