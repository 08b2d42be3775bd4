//! The console's side of the views: which view a tab shows ([`DashTab::view`], [`EndpointTab::view`]) and the
//! cache of the last answer per key ([`ViewCache`]), so going back to a tab shows its last picture at once while
//! a fresh one loads. What a view is and answers is the dashboard layer's ([`fmd_core::dashboard`]), re-exported
//! here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
pub use fmd_core::dashboard::{
    ExceptionEntry, OutlierView, ProfilerView, ReportRow, VersionsView, ViewData, ViewKey, ViewKind,
};

use crate::nav::{Compare, DashTab, EndpointTab};

impl DashTab {
    /// The view behind a dashboard tab (`None` for the overview, which the console asks for on every screen).
    pub fn view(self, compare: Compare) -> Option<ViewKind> {
        match self {
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
}

impl EndpointTab {
    /// The view behind an endpoint tab.
    pub fn view(self) -> ViewKind {
        match self {
            EndpointTab::Summary => ViewKind::Summary,
            EndpointTab::Latency => ViewKind::Latency,
            EndpointTab::Hourly => ViewKind::Hourly,
            EndpointTab::Versions => ViewKind::Versions,
            EndpointTab::Users => ViewKind::Users,
            EndpointTab::Ips => ViewKind::Ips,
            EndpointTab::UserVersion => ViewKind::UserVersion,
            EndpointTab::IpVersion => ViewKind::IpVersion,
            EndpointTab::Status => ViewKind::Status,
            EndpointTab::Requests => ViewKind::Requests(Default::default()),
            EndpointTab::Outliers => ViewKind::Outliers,
            EndpointTab::Exceptions => ViewKind::Exceptions,
            EndpointTab::Profiler => ViewKind::Profiler,
            EndpointTab::Grouped => ViewKind::Grouped,
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
    use crate::nav::Window;

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
