//! The data behind every tab but the overview: which query a tab needs ([`ViewKey`]), what came back
//! ([`ViewData`]) and the cache of the last answer per key ([`ViewCache`]), so going back to a tab shows its
//! last picture at once while a fresh one loads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fmd_core::report::{Answer, Report};
use fmd_core::store::views::{
    DailyUtilization, EndpointPerformance, EndpointSummary, GroupPerformance, HourlyLoad, LatencySeries, MultiVersion,
    RequestRow, StatusCodes, VersionMatrix, VersionPerformance,
};
use fmd_core::store::{
    CallTree, ExceptionGroup, ExceptionStackFrame, GraphSeries, GroupedProfile, OutlierRow, ProfiledRequest,
};

use crate::nav::{Compare, DashTab, EndpointTab, Window};

/// Which query a tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// Dashboard heatmap (all endpoints).
    DashHourly,
    /// Dashboard requests per day and endpoint.
    DashDaily,
    /// Dashboard requests per endpoint and version.
    DashVersions,
    /// Dashboard box plots per endpoint.
    DashPerformance,
    /// Dashboard status codes and latest errors.
    DashStatus,
    /// Dashboard custom graphs over the window.
    DashGraphs,
    /// Dashboard report: which endpoints changed (the window does not apply).
    DashReport(Compare),
    /// Dashboard latency per time bucket (all endpoints).
    DashLatency,
    /// An endpoint's latency per time bucket.
    Latency,
    /// An endpoint's numbers in the window.
    Summary,
    /// An endpoint's heatmap.
    Hourly,
    /// An endpoint's box plots per version.
    Versions,
    /// An endpoint's box plots per user.
    Users,
    /// An endpoint's box plots per IP.
    Ips,
    /// An endpoint's median per user and version.
    UserVersion,
    /// An endpoint's median per IP and version.
    IpVersion,
    /// An endpoint's status codes and latest errors.
    Status,
    /// An endpoint's requests, filtered and ordered as the key says.
    Requests(crate::requests_key::RequestsKey),
    /// One request with its outlier and exceptions (the Requests tab's detail), by request id.
    RequestDetail(i64),
    /// An endpoint's outliers (all time).
    Outliers,
    /// An endpoint's exception groups with their stacks (all time).
    Exceptions,
    /// An endpoint's profiled requests, newest first (all time).
    Profiler,
    /// The call tree of one profiled request, by request id.
    CallTree(i64),
    /// FMD's grouped profiler of an endpoint (its last 100 profiled requests).
    Grouped,
}

impl ViewKind {
    /// The query behind a dashboard tab (`None` for the overview, which has its own).
    pub fn of_dashboard(tab: DashTab, compare: Compare) -> Option<ViewKind> {
        match tab {
            DashTab::Overview => None,
            DashTab::Hourly => Some(ViewKind::DashHourly),
            DashTab::Daily => Some(ViewKind::DashDaily),
            DashTab::Versions => Some(ViewKind::DashVersions),
            DashTab::Performance => Some(ViewKind::DashPerformance),
            DashTab::Status => Some(ViewKind::DashStatus),
            DashTab::Graphs => Some(ViewKind::DashGraphs),
            DashTab::Report => Some(ViewKind::DashReport(compare)),
            DashTab::Latency => Some(ViewKind::DashLatency),
        }
    }

    /// The query behind an endpoint tab.
    pub fn of_endpoint(tab: EndpointTab) -> ViewKind {
        match tab {
            EndpointTab::Summary => ViewKind::Summary,
            EndpointTab::Latency => ViewKind::Latency,
            EndpointTab::Hourly => ViewKind::Hourly,
            EndpointTab::Versions => ViewKind::Versions,
            EndpointTab::Users => ViewKind::Users,
            EndpointTab::Ips => ViewKind::Ips,
            EndpointTab::UserVersion => ViewKind::UserVersion,
            EndpointTab::IpVersion => ViewKind::IpVersion,
            EndpointTab::Status => ViewKind::Status,
            EndpointTab::Requests => ViewKind::Requests(crate::requests_key::RequestsKey::default()),
            EndpointTab::Outliers => ViewKind::Outliers,
            EndpointTab::Exceptions => ViewKind::Exceptions,
            EndpointTab::Profiler => ViewKind::Profiler,
            EndpointTab::Grouped => ViewKind::Grouped,
        }
    }

    /// Lists whose length the user pages through (the query is asked for as many rows as scrolling needs).
    pub fn is_paged(self) -> bool {
        matches!(self, ViewKind::DashStatus | ViewKind::Status | ViewKind::Requests(_))
    }

    /// Queries over all time: the time window does not apply (outliers and exceptions are rare and kept
    /// until pruned, as FMD shows them).
    pub fn ignores_window(self) -> bool {
        matches!(
            self,
            ViewKind::DashReport(_)
                | ViewKind::Outliers
                | ViewKind::Exceptions
                | ViewKind::Profiler
                | ViewKind::CallTree(_)
                | ViewKind::RequestDetail(_)
                | ViewKind::Grouped
        )
    }
}

impl ViewKind {
    /// Whether the answer over `window` depends on the file alone, not on the clock: then an unchanged file
    /// gives the same answer, and the worker reuses it instead of querying again.
    pub fn answer_is_timeless(self, window: Window) -> bool {
        match self {
            // Days ending today; buckets ending now.
            ViewKind::DashHourly | ViewKind::DashDaily | ViewKind::Hourly | ViewKind::DashGraphs => false,
            // Day, week and month compare intervals ending now; versions do not.
            ViewKind::DashReport(compare) => compare == Compare::Versions,
            _ if self.ignores_window() => true,
            _ => window.is_fixed(),
        }
    }
}

/// One query: what, over which window, for which endpoint (`None` on the dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewKey {
    /// The query.
    pub kind: ViewKind,
    /// The time window.
    pub window: Window,
    /// The endpoint of an endpoint tab.
    pub endpoint: Option<i64>,
}

/// Status codes and latest errors over all endpoints (the dashboard's Status tab).
#[derive(Debug, Clone, PartialEq)]
pub struct DashStatus {
    /// Requests per status code (as text, `"404"`), by code; requests without a code are left out.
    pub counts: Vec<(String, u64)>,
    /// Requests with status 400-599.
    pub total_errors: u64,
    /// The latest of those, newest first.
    pub errors: Vec<RequestRow>,
}

impl From<fmd_core::store::views::StatusCodes> for DashStatus {
    /// The store's status codes with the codes in the console's order.
    fn from(status: fmd_core::store::views::StatusCodes) -> DashStatus {
        let mut counts: Vec<(String, u64)> = status.counts.into_iter().collect();
        counts.sort_by(|a, b| crate::format::status_code_order(&a.0, &b.0));
        DashStatus { counts, total_errors: status.total_errors, errors: status.error_requests }
    }
}

/// The Report tab's answer: FMD's report distilled to what the screen shows, endpoints with a significant
/// change first (busiest first within each group, as the report orders them).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    /// What was compared (`today vs yesterday`, `version 1.1 vs 1.0`).
    pub label: String,
    /// Why there is no report (fewer than two versions), instead of rows.
    pub note: Option<String>,
    /// One row per endpoint.
    pub rows: Vec<ReportRow>,
}

/// One endpoint's evidence in the Report tab.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// `Endpoint.id`.
    pub endpoint_id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// Any answer is significant.
    pub significant: bool,
    /// The median latency changed significantly.
    pub latency_significant: bool,
    /// Median of the baseline side (ms).
    pub median_before: Option<f64>,
    /// Median of the compared side (ms).
    pub median_after: Option<f64>,
    /// `(after - before) / before * 100`.
    pub change: Option<f64>,
    /// Mood's median test p-value.
    pub p_value: Option<f64>,
    /// Requests on the baseline side.
    pub n_before: u64,
    /// Requests on the compared side.
    pub n_after: u64,
    /// The status code distribution changed significantly.
    pub codes_significant: bool,
    /// Status codes whose share grew by more than 3 points: code (`None`: none stored), share before and after (%).
    pub grown_codes: Vec<(Option<i64>, f64, f64)>,
}

/// Share growth (percentage points) above which a status code is listed, as FMD's threshold.
pub const GROWN_POINTS: f64 = 3.0;

impl ReportView {
    /// Distils `report`, compared as `label`.
    pub fn from_report(report: &Report, label: String) -> ReportView {
        let mut rows: Vec<ReportRow> = report
            .summaries
            .iter()
            .map(|s| {
                let mut row = ReportRow {
                    endpoint_id: s.endpoint_id,
                    name: s.endpoint_name.clone(),
                    significant: s.has_anything_significant,
                    latency_significant: false,
                    median_before: None,
                    median_after: None,
                    change: None,
                    p_value: None,
                    n_before: 0,
                    n_after: 0,
                    codes_significant: false,
                    grown_codes: Vec::new(),
                };
                for answer in &s.answers {
                    match answer {
                        Answer::MedianLatency(a) => {
                            row.latency_significant = a.is_significant;
                            row.median_before = a.compared_to_median;
                            row.median_after = a.comparison_median;
                            row.change = a.percentual_diff;
                            row.p_value = a.p_value;
                            row.n_before = a.compared_to_count;
                            row.n_after = a.comparison_count;
                        }
                        Answer::StatusCodeDistribution(a) => {
                            row.codes_significant = a.is_significant;
                            row.grown_codes = a
                                .percentages
                                .iter()
                                .flatten()
                                .filter(|share| share.percentage_diff > GROWN_POINTS)
                                .map(|share| (share.status_code, share.compared_to_interval, share.comparison_interval))
                                .collect();
                        }
                    }
                }
                row
            })
            .collect();
        // Stable: significant first, the report's order (busiest first) within each group.
        rows.sort_by_key(|r| !r.significant);
        ReportView { label, note: None, rows }
    }
}

/// The Outliers tab's answer: the newest outliers of the endpoint and what they are compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierView {
    /// Outliers stored for the endpoint (may exceed `rows`).
    pub total: u64,
    /// The newest ones, newest first.
    pub rows: Vec<OutlierRow>,
    /// The endpoint's all-time mean duration in ms (the `× avg` column), `None` without requests.
    pub average: Option<f64>,
}

/// The Profiler tab's answer: the newest profiled requests of the endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfilerView {
    /// Profiled requests stored for the endpoint (may exceed `rows`), or at least this many when
    /// `total_is_at_least` (the console stops counting at `PROFILED_COUNT_UP_TO`).
    pub total: u64,
    /// `total` is a lower bound.
    pub total_is_at_least: bool,
    /// The newest ones, newest first.
    pub rows: Vec<ProfiledRequest>,
}

/// One row of the Exceptions tab: a group and its stack (outermost frame first).
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptionEntry {
    /// The group.
    pub group: ExceptionGroup,
    /// Its stack.
    pub stack: Vec<ExceptionStackFrame>,
}

/// What a view query answered.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewData {
    /// Days x hours (dashboard or endpoint).
    Hourly(HourlyLoad),
    /// Requests per day and endpoint.
    Daily(DailyUtilization),
    /// Requests per endpoint and version.
    Versions(MultiVersion),
    /// Box plots per endpoint.
    Performance(Vec<EndpointPerformance>),
    /// Dashboard status codes.
    DashStatus(DashStatus),
    /// An endpoint's numbers (`None`: the endpoint is gone).
    Summary(Option<EndpointSummary>),
    /// Box plots per version of an endpoint.
    VersionPerformance(Vec<VersionPerformance>),
    /// Box plots per user or IP.
    Groups(Vec<GroupPerformance>),
    /// Median per user (or IP) and version.
    Matrix(VersionMatrix),
    /// An endpoint's status codes.
    Status(StatusCodes),
    /// Latest requests.
    Requests(Vec<RequestRow>),
    /// One request with its outlier and exceptions (`None`: the request is gone).
    RequestDetail(Option<Box<fmd_core::store::RequestDetail>>),
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
}

impl ViewData {
    /// For tabs whose rows are endpoints (dashboard Versions and Performance): their ids in screen order, those
    /// whose name `keep` rejects (the filter) left out.
    pub fn endpoint_rows(&self, keep: impl Fn(&str) -> bool) -> Option<Vec<i64>> {
        match self {
            ViewData::Versions(v) => Some(v.endpoints.iter().filter(|e| keep(&e.name)).map(|e| e.id).collect()),
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
            ViewData::Versions(v) => v.endpoints.len(),
            ViewData::Performance(p) => p.len(),
            ViewData::DashStatus(s) => s.errors.len(),
            ViewData::Summary(_) | ViewData::Latency(_) => 0,
            ViewData::VersionPerformance(v) => v.len(),
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
        }
    }

    /// Columns `←`/`→` move over: heatmap hours, or the endpoint / version columns of a table scrolled
    /// sideways (`keep` is the filter on endpoint names); 0 where there is nothing to move.
    pub fn col_count(&self, keep: impl Fn(&str) -> bool) -> usize {
        match self {
            ViewData::Hourly(_) => 24,
            ViewData::Daily(d) => d.data.iter().filter(|e| keep(&e.name)).count(),
            ViewData::Versions(v) => v.versions.len(),
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

/// A cached answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    /// The query it answers.
    pub key: ViewKey,
    /// The instant it was computed at.
    pub now: DateTime<Utc>,
    /// Rows asked for (paged lists).
    pub limit: usize,
    /// The answer.
    pub data: ViewData,
    stamp: u64,
}

/// Most answers kept; the least recently stored go first.
const CAPACITY: usize = 48;

/// The last answer per [`ViewKey`].
#[derive(Debug, Clone, Default)]
pub struct ViewCache {
    entries: HashMap<ViewKey, Cached>,
    clock: u64,
}

impl ViewCache {
    /// Stores an answer, replacing the one for the same key.
    pub fn insert(&mut self, key: ViewKey, now: DateTime<Utc>, limit: usize, data: ViewData) {
        self.clock += 1;
        self.entries.insert(key, Cached { key, now, limit, data, stamp: self.clock });
        while self.entries.len() > CAPACITY {
            let oldest = self.entries.values().min_by_key(|c| c.stamp).map(|c| c.key);
            match oldest {
                Some(key) => self.entries.remove(&key),
                None => break,
            };
        }
    }

    /// The answer for exactly `key`.
    pub fn get(&self, key: &ViewKey) -> Option<&Cached> {
        self.entries.get(key)
    }

    /// The answer for `key`, or else the latest one of the same query and endpoint in another window (shown,
    /// labelled as such, while the right one loads).
    pub fn get_or_similar(&self, key: &ViewKey) -> Option<&Cached> {
        self.get(key).or_else(|| {
            self.entries
                .values()
                .filter(|c| c.key.kind == key.kind && c.key.endpoint == key.endpoint)
                .max_by_key(|c| c.stamp)
        })
    }

    /// Answers held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: ViewKind, window: Window, endpoint: Option<i64>) -> ViewKey {
        ViewKey { kind, window, endpoint }
    }

    #[test]
    fn cache_answers_exactly_or_with_another_window_and_stays_bounded() {
        let mut cache = ViewCache::default();
        let now = Utc::now();
        let a = key(ViewKind::Requests(Default::default()), Window::Week, Some(1));
        cache.insert(a, now, 10, ViewData::Requests(Vec::new()));
        let b = key(ViewKind::Requests(Default::default()), Window::Day, Some(1));
        assert!(cache.get(&b).is_none());
        assert_eq!(cache.get_or_similar(&b).map(|c| c.key), Some(a));
        assert!(cache.get_or_similar(&key(ViewKind::Requests(Default::default()), Window::Day, Some(2))).is_none());
        for id in 0..100 {
            cache.insert(key(ViewKind::Summary, Window::Week, Some(id)), now, 0, ViewData::Summary(None));
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get(&a).is_none(), "the oldest went first");
        assert!(cache.get(&key(ViewKind::Summary, Window::Week, Some(99))).is_some());
    }
}
