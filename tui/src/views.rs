//! The data behind every tab but the overview: which query a tab needs ([`ViewKey`]), what came back
//! ([`ViewData`]) and the cache of the last answer per key ([`ViewCache`]), so going back to a tab shows its
//! last picture at once while a fresh one loads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fmd_core::store::views::{
    DailyUtilization, EndpointPerformance, EndpointSummary, GroupPerformance, HourlyLoad, MultiVersion, RequestRow,
    StatusCodes, VersionMatrix, VersionPerformance,
};

use crate::nav::{DashTab, EndpointTab, Window};

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
    /// An endpoint's latest requests.
    Requests,
}

impl ViewKind {
    /// The query behind a dashboard tab (`None` for the overview, which has its own).
    pub fn of_dashboard(tab: DashTab) -> Option<ViewKind> {
        match tab {
            DashTab::Overview => None,
            DashTab::Hourly => Some(ViewKind::DashHourly),
            DashTab::Daily => Some(ViewKind::DashDaily),
            DashTab::Versions => Some(ViewKind::DashVersions),
            DashTab::Performance => Some(ViewKind::DashPerformance),
            DashTab::Status => Some(ViewKind::DashStatus),
        }
    }

    /// The query behind an endpoint tab.
    pub fn of_endpoint(tab: EndpointTab) -> ViewKind {
        match tab {
            EndpointTab::Summary => ViewKind::Summary,
            EndpointTab::Hourly => ViewKind::Hourly,
            EndpointTab::Versions => ViewKind::Versions,
            EndpointTab::Users => ViewKind::Users,
            EndpointTab::Ips => ViewKind::Ips,
            EndpointTab::UserVersion => ViewKind::UserVersion,
            EndpointTab::IpVersion => ViewKind::IpVersion,
            EndpointTab::Status => ViewKind::Status,
            EndpointTab::Requests => ViewKind::Requests,
        }
    }

    /// Lists whose length the user pages through (the query is asked for as many rows as scrolling needs).
    pub fn is_paged(self) -> bool {
        matches!(self, ViewKind::DashStatus | ViewKind::Status | ViewKind::Requests)
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
}

impl ViewData {
    /// For tabs whose rows are endpoints (dashboard Versions and Performance): their ids in screen order, those
    /// whose name `keep` rejects (the filter) left out.
    pub fn endpoint_rows(&self, keep: impl Fn(&str) -> bool) -> Option<Vec<i64>> {
        match self {
            ViewData::Versions(v) => Some(v.endpoints.iter().filter(|e| keep(&e.name)).map(|e| e.id).collect()),
            ViewData::Performance(p) => Some(p.iter().filter(|e| keep(&e.name)).map(|e| e.id).collect()),
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
            ViewData::Summary(_) => 0,
            ViewData::VersionPerformance(v) => v.len(),
            ViewData::Groups(g) => g.len(),
            ViewData::Matrix(m) => m.groups.len(),
            ViewData::Status(s) => s.error_requests.len(),
            ViewData::Requests(r) => r.len(),
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
        let a = key(ViewKind::Requests, Window::Week, Some(1));
        cache.insert(a, now, 10, ViewData::Requests(Vec::new()));
        let b = key(ViewKind::Requests, Window::Day, Some(1));
        assert!(cache.get(&b).is_none());
        assert_eq!(cache.get_or_similar(&b).map(|c| c.key), Some(a));
        assert!(cache.get_or_similar(&key(ViewKind::Requests, Window::Day, Some(2))).is_none());
        for id in 0..100 {
            cache.insert(key(ViewKind::Summary, Window::Week, Some(id)), now, 0, ViewData::Summary(None));
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get(&a).is_none(), "the oldest went first");
        assert!(cache.get(&key(ViewKind::Summary, Window::Week, Some(99))).is_some());
    }
}
