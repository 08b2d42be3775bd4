//! What views answer: [`ViewData`], one variant per kind of answer, and the composite answers the layer puts
//! together (the dashboard's status codes, outliers with their count and mean, exception groups with their
//! stacks, profiled requests with their count, versions with their box plots, the overview).

use std::collections::HashMap;

use serde::Serialize;

use super::report::ReportView;
use crate::store::views::{
    DailyUtilization, EndpointInfo, EndpointPerformance, EndpointSummary, GroupPerformance, HourlyLoad, IpHits,
    LatencySeries, MultiVersion, RequestRow, StatusCodes, UserHits, VersionInfo, VersionMatrix, VersionPerformance,
};
use crate::store::{
    CallTree, CustomGraph, CustomGraphValue, ExceptionGroup, ExceptionStackFrame, GraphSeries, GroupedProfile,
    OutlierRow, OverviewRow, ProfiledRequest, RequestDetail,
};

/// Orders status codes (as text) numerically; anything that is not a number comes after them, by text.
pub fn status_code_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// Status codes and latest errors over all endpoints (the dashboard's Status tab).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DashStatus {
    /// Requests per status code (as text, `"404"`), by code; requests without a code are left out.
    pub counts: Vec<(String, u64)>,
    /// Requests with status 400-599.
    pub total_errors: u64,
    /// The latest of those, newest first.
    pub errors: Vec<RequestRow>,
}

impl From<StatusCodes> for DashStatus {
    /// The store's status codes with the codes in the console's order.
    fn from(status: StatusCodes) -> DashStatus {
        let mut counts: Vec<(String, u64)> = status.counts.into_iter().collect();
        counts.sort_by(|a, b| status_code_order(&a.0, &b.0));
        DashStatus { counts, total_errors: status.total_errors, errors: status.error_requests }
    }
}

/// The Outliers tab's answer: the newest outliers of the endpoint and what they are compared with.
/// Serialised with FMD's keys (`/api/num_outliers/<id>`, `/api/outlier_table/<id>/<offset>/<per_page>`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlierView {
    /// Outliers stored for the endpoint (may exceed `rows`).
    #[serde(rename = "num_outliers")]
    pub total: u64,
    /// The newest ones, newest first.
    #[serde(rename = "outlier_table")]
    pub rows: Vec<OutlierRow>,
    /// The endpoint's all-time mean duration in ms (the `× avg` column), `None` without requests; not in FMD's
    /// JSON (asked for only with [`Limits::mean_duration`](super::Limits::mean_duration)).
    #[serde(skip)]
    pub average: Option<f64>,
}

/// The Profiler tab's answer: the newest profiled requests of the endpoint.
/// Serialised with FMD's `/api/num_profiled` key beside the page of requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfilerView {
    /// Profiled requests stored for the endpoint (may exceed `rows`), or at least this many when
    /// `total_is_at_least` (counting stops at [`Limits::profiled_count_up_to`](super::Limits)).
    #[serde(rename = "num_profiled")]
    pub total: u64,
    /// `total` is a lower bound.
    #[serde(skip)]
    pub total_is_at_least: bool,
    /// The newest ones, newest first.
    #[serde(rename = "profiled_requests")]
    pub rows: Vec<ProfiledRequest>,
}

/// One exception group: a group and its stack (outermost frame first).
/// Serialised as FMD's `/api/detailed_exception_occurrence` keys with the stack beside them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionEntry {
    /// The group.
    #[serde(flatten)]
    pub group: ExceptionGroup,
    /// Its stack.
    #[serde(rename = "stack_trace_snapshot")]
    pub stack: Vec<ExceptionStackFrame>,
}

/// The versions in the window with, on the dashboard, requests per endpoint and version, and for an endpoint
/// its box plots per version (`fmd show versions`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionsView {
    /// The versions that have requests in the window, newest first.
    pub versions: Vec<VersionInfo>,
    /// Requests per endpoint and version (the dashboard).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_version: Option<MultiVersion>,
    /// Box plots per version (an endpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performance: Option<Vec<VersionPerformance>>,
}

impl VersionsView {
    /// Rows of the view: endpoints on the dashboard, versions for an endpoint.
    pub fn row_count(&self) -> usize {
        match (&self.multi_version, &self.performance) {
            (Some(m), _) => m.endpoints.len(),
            (None, Some(p)) => p.len(),
            (None, None) => 0,
        }
    }
}

/// One endpoint's status codes, named (the entries of `fmd show status-codes` without an endpoint).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedStatus {
    /// `Endpoint.id` (not in the JSON, which keeps `fmd show`'s shape; pages link to the endpoint with it).
    #[serde(skip)]
    pub endpoint_id: i64,
    /// `Endpoint.name`.
    pub endpoint: String,
    /// Its status codes and latest errors.
    #[serde(flatten)]
    pub status: StatusCodes,
}

/// A custom graph (FMD's CustomGraph keys) with its stored values in the window (CustomGraphData keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphValues {
    /// The graph.
    #[serde(flatten)]
    pub graph: CustomGraph,
    /// Its values, oldest first.
    pub values: Vec<CustomGraphValue>,
}

/// The overview: every endpoint's row with what the console shows beside it. Serialised as FMD's
/// `/api/overview` list (see [`super::overview`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    /// The rows, busiest first.
    pub rows: Vec<OverviewRow>,
    /// Records recorders dropped (queue full); `None` when the file has no recorder counters (Python FMD's).
    pub dropped: Option<u64>,
    /// Records recorders lost to database faults.
    pub failed: u64,
    /// Requests per endpoint id in each of the last [`Limits::trend_hours`](super::Limits) hours, oldest hour
    /// first (endpoints without requests in that time are absent; empty when no trend was asked for).
    pub trends: HashMap<i64, Vec<u64>>,
    /// Exception groups per endpoint id (FMD's overview column `exceptions`; endpoints without any are absent).
    pub exceptions: HashMap<i64, u64>,
}

/// What a view answered. Serialised as its content alone (the shapes of `fmd show VIEW --json`, FMD's keys
/// where FMD has the route).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ViewData {
    /// Days x hours (dashboard or endpoint).
    Hourly(HourlyLoad),
    /// Requests per day and endpoint.
    Daily(DailyUtilization),
    /// The versions in the window, with requests per endpoint and version (dashboard) or an endpoint's box
    /// plots per version.
    Versions(VersionsView),
    /// Box plots per endpoint.
    Performance(Vec<EndpointPerformance>),
    /// Dashboard status codes.
    DashStatus(DashStatus),
    /// An endpoint's numbers (`None`: the endpoint is gone).
    Summary(Option<EndpointSummary>),
    /// Box plots per user or IP.
    Groups(Vec<GroupPerformance>),
    /// Median per user (or IP) and version.
    Matrix(VersionMatrix),
    /// An endpoint's status codes.
    Status(StatusCodes),
    /// Latest requests.
    Requests(Vec<RequestRow>),
    /// One request with its outlier and exceptions (`None`: the request is gone).
    RequestDetail(Option<Box<RequestDetail>>),
    /// Every custom graph over the window.
    Graphs(Vec<GraphSeries>),
    /// Which endpoints changed.
    Report(ReportView),
    /// An endpoint's outliers.
    Outliers(OutlierView),
    /// An endpoint's exception groups, newest first.
    Exceptions(Vec<ExceptionEntry>),
    /// An endpoint's profiled requests.
    Profiler(ProfilerView),
    /// One request's call tree (`None`: the request is gone).
    CallTree(Option<CallTree>),
    /// The grouped profiler.
    Grouped(GroupedProfile),
    /// Median and 95th percentile per time bucket (dashboard or endpoint).
    Latency(LatencySeries),
    /// The overview (FMD's `/api/overview` rows when serialised).
    Overview(Box<Overview>),
    /// Status codes of every endpoint, one entry each.
    StatusPerEndpoint(Vec<NamedStatus>),
    /// An endpoint's users by requests.
    UserHits(Vec<UserHits>),
    /// An endpoint's IPs by requests.
    IpHits(Vec<IpHits>),
    /// Every custom graph with its values in the window.
    GraphValues(Vec<GraphValues>),
    /// One request's outlier (`None`: it has none).
    Outlier(Option<OutlierRow>),
    /// The Endpoint table's rows.
    Endpoints(Vec<EndpointInfo>),
}

impl ViewData {
    /// For tabs whose rows are endpoints (dashboard Versions and Performance): their ids in screen order, those
    /// whose name `keep` rejects (the filter) left out.
    pub fn endpoint_rows(&self, keep: impl Fn(&str) -> bool) -> Option<Vec<i64>> {
        match self {
            ViewData::Versions(VersionsView { multi_version: Some(v), .. }) => {
                Some(v.endpoints.iter().filter(|e| keep(&e.name)).map(|e| e.id).collect())
            }
            ViewData::Performance(p) => Some(p.iter().filter(|e| keep(&e.name)).map(|e| e.id).collect()),
            ViewData::Report(r) => Some(r.rows.iter().filter(|e| keep(&e.name)).map(|e| e.endpoint_id).collect()),
            _ => None,
        }
    }

    /// Rows the cursor moves over (heatmap and daily: days; lists: their rows; endpoint rows: see
    /// [`ViewData::endpoint_rows`]).
    pub fn row_count(&self) -> usize {
        match self {
            ViewData::Hourly(h) => h.days.len(),
            ViewData::Daily(d) => d.days.len(),
            ViewData::Versions(v) => v.row_count(),
            ViewData::Performance(p) => p.len(),
            ViewData::DashStatus(s) => s.errors.len(),
            ViewData::Summary(_) | ViewData::Latency(_) => 0,
            ViewData::Groups(g) => g.len(),
            ViewData::Matrix(m) => m.groups.len(),
            ViewData::Status(s) => s.error_requests.len(),
            ViewData::Requests(r) => r.len(),
            ViewData::RequestDetail(_) => 0,
            ViewData::Graphs(g) => g.len(),
            ViewData::Report(r) => r.rows.len(),
            ViewData::Outliers(o) => o.rows.len(),
            ViewData::Exceptions(e) => e.len(),
            ViewData::Profiler(p) => p.rows.len(),
            ViewData::CallTree(t) => t.as_ref().map_or(0, |t| t.lines.len()),
            ViewData::Grouped(g) => g.lines.len(),
            ViewData::Overview(o) => o.rows.len(),
            ViewData::StatusPerEndpoint(s) => s.len(),
            ViewData::UserHits(u) => u.len(),
            ViewData::IpHits(i) => i.len(),
            ViewData::GraphValues(g) => g.len(),
            ViewData::Outlier(o) => usize::from(o.is_some()),
            ViewData::Endpoints(e) => e.len(),
        }
    }

    /// Columns `←`/`→` move over: heatmap hours, or the endpoint / version columns of a table scrolled
    /// sideways (`keep` is the filter on endpoint names); 0 where there is nothing to move.
    pub fn col_count(&self, keep: impl Fn(&str) -> bool) -> usize {
        match self {
            ViewData::Hourly(_) => 24,
            ViewData::Daily(d) => d.data.iter().filter(|e| keep(&e.name)).count(),
            ViewData::Versions(VersionsView { multi_version: Some(v), .. }) => v.versions.len(),
            ViewData::Matrix(m) => m.versions.len(),
            _ => 0,
        }
    }

    /// The endpoint of row `row` when rows are requests of several endpoints (dashboard Status).
    pub fn endpoint_of_row(&self, row: usize) -> Option<i64> {
        match self {
            ViewData::DashStatus(s) => s.errors.get(row).and_then(|r| r.endpoint_id),
            _ => None,
        }
    }

    /// Rows of a paged list (errors, requests), for knowing whether more could be asked for.
    pub fn paged_len(&self) -> Option<usize> {
        match self {
            ViewData::DashStatus(s) => Some(s.errors.len()),
            ViewData::Status(s) => Some(s.error_requests.len()),
            ViewData::Requests(r) => Some(r.len()),
            _ => None,
        }
    }
}
