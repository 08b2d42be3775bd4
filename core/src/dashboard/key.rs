//! What a view is: [`ViewKind`] (the query), [`ViewKey`] (with its window and endpoint), both small `Copy`
//! values that front-ends use as cache keys. The Requests view's filter and order ride in the key as a
//! [`RequestsKey`]: its texts are interned, each distinct text a filter is given kept once for the life of the
//! process (a few bytes per filter typed), so keys hold a `&'static str`.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use super::window::{Compare, Window};
use crate::store::views::{RequestFilter, RequestOrder, RequestQuery, StatusRange, TextMatch};

/// The one copy of `text` (made on first use).
pub(crate) fn intern(text: &str) -> &'static str {
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut texts = TEXTS.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(kept) = texts.get(text) {
        return kept;
    }
    let kept: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(kept);
    kept
}

/// A [`TextMatch`] as a `Copy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyText {
    text: &'static str,
    prefix: bool,
}

impl KeyText {
    fn new(m: &TextMatch) -> KeyText {
        KeyText { text: intern(&m.text), prefix: m.prefix }
    }

    fn get(&self) -> TextMatch {
        TextMatch { text: self.text.to_string(), prefix: self.prefix }
    }
}

/// The Requests tab's query (filter and order) as a `Copy` key for [`ViewKind::Requests`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RequestsKey {
    order: RequestOrder,
    status: Option<StatusRange>,
    user: Option<KeyText>,
    ip: Option<KeyText>,
    version: Option<KeyText>,
}

impl RequestsKey {
    /// The key of `query`.
    pub fn new(query: &RequestQuery) -> RequestsKey {
        let text = |m: &Option<TextMatch>| m.as_ref().map(KeyText::new);
        RequestsKey {
            order: query.order,
            status: query.filter.status,
            user: text(&query.filter.user),
            ip: text(&query.filter.ip),
            version: text(&query.filter.version),
        }
    }

    /// The store's query.
    pub fn query(&self) -> RequestQuery {
        RequestQuery {
            filter: RequestFilter {
                status: self.status,
                user: self.user.map(|k| k.get()),
                ip: self.ip.map(|k| k.get()),
                version: self.version.map(|k| k.get()),
            },
            order: self.order,
        }
    }
}

/// Which view: the query behind a console tab, a page of the web dashboard or an `fmd show` view.
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
    Requests(RequestsKey),
    /// One request with its outlier and exceptions (the Requests tab's detail), by request id.
    RequestDetail(i64),
    /// An endpoint's outliers (all time).
    Outliers,
    /// An endpoint's exception groups with their stacks, or every endpoint's without one (all time).
    Exceptions,
    /// An endpoint's profiled requests, newest first (all time).
    Profiler,
    /// The call tree of one profiled request, by request id.
    CallTree(i64),
    /// FMD's grouped profiler of an endpoint (its last 100 profiled requests).
    Grouped,
    /// The overview: every endpoint's hits, errors, medians and tails today / 7 days / all time, with the
    /// recorders' losses, the last hours' trend and exception groups (the window does not apply).
    Overview,
    /// Status codes and latest errors of every endpoint, one entry each (`fmd show status-codes`).
    StatusPerEndpoint,
    /// An endpoint's users by requests (FMD's `/api/users/<id>`).
    UserHits,
    /// An endpoint's client IPs by requests (FMD's `/api/ips/<id>`).
    IpHits,
    /// Every custom graph with its stored values in the window (FMD's CustomGraphData rows).
    GraphValues,
    /// The outlier of one request of the endpoint, by request id (`None`: it has none).
    Outlier(i64),
    /// Every row of the Endpoint table (FMD's `/api/endpoints` columns), by id (the window does not apply).
    Endpoints,
}

impl ViewKind {
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
                | ViewKind::Overview
                | ViewKind::Outlier(_)
                | ViewKind::Outliers
                | ViewKind::Exceptions
                | ViewKind::Profiler
                | ViewKind::CallTree(_)
                | ViewKind::RequestDetail(_)
                | ViewKind::Grouped
                | ViewKind::Endpoints
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
            // Today and the last 7 days move with the clock.
            ViewKind::Overview => false,
            // Day, week and month compare intervals ending now; versions do not.
            ViewKind::DashReport(compare) => !compare.moves_with_the_clock(),
            _ if self.ignores_window() => true,
            _ => window.is_fixed(),
        }
    }
}

/// One view: what, over which window, for which endpoint (`None` on the dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewKey {
    /// The query.
    pub kind: ViewKind,
    /// The time window.
    pub window: Window,
    /// The endpoint of an endpoint tab.
    pub endpoint: Option<i64>,
}
