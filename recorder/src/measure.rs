//! What the request path does, independent of tower plumbing: pick the endpoint, read its level, capture
//! client address and group-by, and when the handler's response is ready queue the record (or, at level 0,
//! just note the time). Nothing here allocates for a known endpoint without closures, locks, or touches SQLite.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::MatchedPath;
use crossbeam_channel::{Sender, TrySendError};
use http::request::Parts;
use http::{Extensions, HeaderMap};

use crate::client_ip::ClientIpSource;
use crate::clock::Clock;
use crate::closures::UserClosure;
use crate::counters::Counters;
use crate::endpoints::{EndpointState, Endpoints, UNMATCHED};
use crate::record::Record;

/// State shared by every clone of the layer and the [`Recorder`](crate::Recorder) handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) endpoints: Arc<Endpoints>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) clock: Clock,
    pub(crate) tx: Sender<Record>,
    pub(crate) client_ip: ClientIpSource,
    pub(crate) group_by: Option<UserClosure>,
    pub(crate) endpoint_name: Option<UserClosure>,
}

impl Shared {
    /// True when a closure needs the request head as `http::request::Parts`.
    #[inline]
    pub(crate) fn needs_parts(&self) -> bool {
        self.group_by.is_some() || self.endpoint_name.is_some()
    }

    /// Starts measuring a request. `parts` is given only when [`needs_parts`](Self::needs_parts).
    #[inline]
    pub(crate) fn begin(
        self: &Arc<Self>,
        headers: &HeaderMap,
        extensions: &Extensions,
        parts: Option<&Parts>,
    ) -> Visit {
        let custom = match (&self.endpoint_name, parts) {
            (Some(namer), Some(parts)) => namer.call(parts),
            _ => None,
        };
        let name = match &custom {
            Some(name) => name.as_str(),
            None => extensions.get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str),
        };
        let endpoint = self.endpoints.get_or_discover(name);
        let detail = (endpoint.level() >= 1).then(|| Detail {
            shared: Arc::clone(self),
            start: None,
            ip: self.client_ip.client_ip(headers, extensions),
            group_by: match (&self.group_by, parts) {
                (Some(group_by), Some(parts)) => group_by.call(parts),
                _ => None,
            },
        });
        Visit { clock: self.clock, endpoint, detail }
    }
}

/// One request in flight.
#[derive(Debug)]
pub(crate) struct Visit {
    clock: Clock,
    endpoint: Arc<EndpointState>,
    /// Present at levels 1-3: a Request row will be written.
    detail: Option<Detail>,
}

#[derive(Debug)]
struct Detail {
    shared: Arc<Shared>,
    start: Option<Instant>,
    ip: Option<IpAddr>,
    group_by: Option<String>,
}

impl Visit {
    /// Marks the moment the inner service is called (the handler time starts here).
    #[inline]
    pub(crate) fn handler_called(&mut self) {
        if let Some(detail) = &mut self.detail {
            detail.start = Some(Instant::now());
        }
    }

    /// Ends the measurement: `status` is the response's code, `None` when the inner service failed.
    #[inline]
    pub(crate) fn finish(self, status: Option<u16>) {
        let end = Instant::now();
        let ticks = self.clock.ticks(end);
        let Some(detail) = self.detail else {
            // Level 0: like FMD, only a successful call updates last_requested.
            if status.is_some() {
                self.endpoint.touch(ticks);
            }
            return;
        };
        self.endpoint.touch(ticks);
        let duration = detail
            .start
            .map_or(0, |start| u64::try_from(end.saturating_duration_since(start).as_nanos()).unwrap_or(u64::MAX));
        let record = Record {
            endpoint: self.endpoint,
            end_ticks: ticks,
            duration_nanos: duration,
            status: status.unwrap_or(500),
            ip: detail.ip,
            group_by: detail.group_by,
        };
        match detail.shared.tx.try_send(record) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                Counters::add(&detail.shared.counters.dropped, 1);
            }
        }
    }
}
