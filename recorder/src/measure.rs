//! What the request path does, independent of tower plumbing: pick the endpoint, read its level, capture
//! client address and group-by, at level >= 2 register the request with the outlier watcher, keep the
//! request's exceptions, and when the handler's response is ready queue the record (or, at level 0, just
//! note the time). Nothing here blocks or touches SQLite; the only lock is the hand-over of an outlier's
//! record to the watcher (two parties, held for a few instructions). For a known endpoint at levels 0-1
//! without closures nothing allocates either (levels 2-3 copy the request head of watched requests, into a
//! recycled watch when the watcher has one).

use std::net::IpAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::MatchedPath;
use crossbeam_channel::{Sender, TrySendError};
use http::request::Parts;
use http::{Extensions, HeaderMap, Method, Uri, Version};

use crate::client_ip::ClientIpSource;
use crate::clock::Clock;
use crate::closures::UserClosure;
use crate::counters::Counters;
use crate::endpoints::{EndpointState, Endpoints, UNMATCHED};
use crate::exceptions::{self, RawException};
use crate::outlier::sampler;
use crate::outlier::watcher::WatcherHandle;
use crate::outlier::Watch;
use crate::profile::QueuedProfile;
use crate::record::{Incidents, Record};

/// When a request is an outlier.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutlierPolicy {
    /// `dashboard.outlier_detection_constant`.
    pub(crate) constant: f64,
    /// `dashboard.outlier_min_samples`.
    pub(crate) min_samples: u64,
}

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
    pub(crate) outliers: OutlierPolicy,
    /// The outlier watcher (none when its thread could not be started).
    pub(crate) watcher: Option<WatcherHandle>,
    /// Sampled level 3 requests on their way to the database (see [`QueuedProfile`]).
    pub(crate) queued_profiles: Arc<AtomicUsize>,
}

/// The parts of a request head the request path reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head<'a> {
    pub(crate) method: &'a Method,
    pub(crate) uri: &'a Uri,
    pub(crate) version: Version,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) extensions: &'a Extensions,
}

impl Shared {
    /// True when a closure needs the request head as `http::request::Parts`.
    #[inline]
    pub(crate) fn needs_parts(&self) -> bool {
        self.group_by.is_some() || self.endpoint_name.is_some()
    }

    /// Starts measuring a request. `parts` is given only when [`needs_parts`](Self::needs_parts).
    #[inline]
    pub(crate) fn begin(self: &Arc<Self>, head: Head<'_>, parts: Option<&Parts>) -> Visit {
        let custom = match (&self.endpoint_name, parts) {
            (Some(namer), Some(parts)) => namer.call(parts),
            _ => None,
        };
        let name = match &custom {
            Some(name) => name.as_str(),
            None => head.extensions.get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str),
        };
        let endpoint = self.endpoints.get_or_discover(name);
        let level = endpoint.level();
        let detail = (level >= 1).then(|| Detail {
            shared: Arc::clone(self),
            start: None,
            ip: self.client_ip.client_ip(head.headers, head.extensions),
            group_by: match (&self.group_by, parts) {
                (Some(group_by), Some(parts)) => group_by.call(parts),
                _ => None,
            },
            pending: match &self.watcher {
                Some(watcher) if level >= 2 => {
                    let threshold = endpoint.outlier_threshold(self.outliers.constant, self.outliers.min_samples);
                    // Level 3 is always registered (profiled), level 2 once the endpoint has a threshold. Only a
                    // request with a threshold can become an outlier, whose row needs the request head.
                    (threshold.is_some() || level >= 3).then(|| {
                        // Its start is set when the handler is called.
                        watcher.watch(self.clock.epoch(), threshold, &head, level >= 3)
                    })
                }
                _ => None,
            },
            watch: None,
            exceptions: Vec::new(),
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
    /// Level 3, or level 2 with a threshold: the watch to register with the watcher once the handler is
    /// called (the only reference to it until then). Behind a pointer, so that levels 0-1 do not carry (and
    /// move) the copied request head inline in every response future.
    pending: Option<Arc<Watch>>,
    /// The registered watch.
    watch: Option<WatchGuard>,
    /// Panics and captured errors so far.
    exceptions: Vec<RawException>,
}

/// The request's hold on its watch: marks it ended when the request finishes or its response future is
/// dropped unfinished (a client that went away), so the watcher stops sampling it either way.
#[derive(Debug)]
struct WatchGuard(Arc<Watch>);

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.0.end();
    }
}

impl std::ops::Deref for WatchGuard {
    type Target = Watch;

    fn deref(&self) -> &Watch {
        &self.0
    }
}

/// What [`Visit::enter`] changed on the polling thread, for [`Visit::exit`].
#[derive(Debug)]
pub(crate) struct Scope {
    mark: usize,
    previous_watch: Option<u64>,
}

impl Visit {
    /// Marks the moment the inner service is called (the handler time starts here) and, for a watched
    /// request, registers it with the watcher (deadline = now + threshold).
    #[inline]
    pub(crate) fn handler_called(&mut self) {
        if let Some(detail) = &mut self.detail {
            let start = Instant::now();
            detail.start = Some(start);
            if let Some(mut watch) = detail.pending.take() {
                // Not shared yet: the start is set in place (never fails; if it did, the request would just not
                // be watched).
                if let (Some(watcher), Some(unshared)) = (&detail.shared.watcher, Arc::get_mut(&mut watch)) {
                    unshared.start = start;
                    if watcher.register(Arc::clone(&watch)) {
                        detail.watch = Some(WatchGuard(watch));
                    }
                }
            }
        }
    }

    /// Marks the current thread as working on this request (levels 1-3): exceptions captured and panics
    /// raised until [`exit`](Self::exit) belong to it, and a watched request publishes the polling thread.
    #[inline]
    pub(crate) fn enter(&self) -> Option<Scope> {
        let detail = self.detail.as_ref()?;
        let mark = exceptions::enter();
        let previous_watch = detail.watch.as_ref().map(|watch| {
            let previous = sampler::enter_poll(watch.id);
            if watch.poll_entered(sampler::current_tid()) {
                if let Some(watcher) = &detail.shared.watcher {
                    watcher.wake();
                }
            }
            previous
        });
        Some(Scope { mark, previous_watch })
    }

    /// Undoes [`enter`](Self::enter), collecting the exceptions captured meanwhile. `parks`: the request now
    /// waits to be polled (when it is done instead, when its poll ended is of no use to anyone).
    #[inline]
    pub(crate) fn exit(&mut self, scope: Scope, parks: bool) {
        let Some(detail) = &mut self.detail else {
            return;
        };
        if let (Some(previous), Some(watch)) = (scope.previous_watch, &detail.watch) {
            watch.poll_exited(parks);
            sampler::exit_poll(previous);
        }
        exceptions::exit(scope.mark, &mut detail.exceptions);
    }

    /// The registered watch of a profiled (level 3) request, whose polls use the await probe waker.
    #[inline]
    pub(crate) fn profiled(&self) -> Option<&Arc<Watch>> {
        self.detail.as_ref()?.watch.as_ref().map(|guard| &guard.0).filter(|watch| watch.profile.is_some())
    }

    /// Adds an exception (a caught panic) to the request; ignored at level 0.
    pub(crate) fn add_exception(&mut self, exception: RawException) {
        if let Some(detail) = &mut self.detail {
            detail.exceptions.push(exception);
        }
    }

    /// Ends the measurement: `status` is the response's code, `None` when the inner service failed or
    /// panicked (recorded as 500).
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
        let duration = detail.start.map_or(0, |start| crate::clock::nanos(end.saturating_duration_since(start)));
        // A profiled request hands its watch (and so its samples) to the writer; one that was never sampled
        // (shorter than a sampling period, most are) does not keep its watch alive in the queue.
        let profile = detail.watch.as_ref().and_then(|guard| {
            guard.end();
            let profile = guard.profile.as_ref()?;
            if profile.is_unsampled() {
                return None;
            }
            QueuedProfile::new(Arc::clone(&guard.0), &detail.shared.queued_profiles)
        });
        let incidents = (!detail.exceptions.is_empty() || profile.is_some())
            .then(|| Box::new(Incidents { outlier: None, exceptions: detail.exceptions, profile }));
        let record = Record {
            endpoint: self.endpoint,
            end_ticks: ticks,
            duration_nanos: duration,
            status: status.unwrap_or(500),
            ip: detail.ip,
            group_by: detail.group_by,
            incidents,
        };
        let record = match &detail.watch {
            None => record,
            Some(watch) => match watch.finish(record) {
                Ok(record) | Err(Some(record)) => record,
                Err(None) => {
                    // An outlier whose capture is still running: the watcher sends the record.
                    if let Some(watcher) = &detail.shared.watcher {
                        watcher.wake();
                    }
                    return;
                }
            },
        };
        match detail.shared.tx.try_send(record) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                Counters::add(&detail.shared.counters.dropped, 1);
            }
        }
    }
}
