//! Outliers (level 2 and up): requests still running when they cross their endpoint's threshold, captured
//! while they run.
//!
//! # Threshold
//! Each endpoint keeps a running count and total of its handler times (seeded by the writer from the
//! database's all-time `AVG(duration)`/`COUNT` at startup, then updated by the writer with every request it
//! takes off the queue, levels 1-3, outliers included as in FMD). Once it has
//! `dashboard.outlier_min_samples` requests, a request is an outlier when it is still running at
//! `start + mean × dashboard.outlier_detection_constant` (at least 1 ms after its start: the watcher cannot
//! capture anything meaningful sooner).
//!
//! # Capture while running
//! At level >= 2 with a threshold, the layer copies what an Outlier row needs of the request head into a
//! [`Watch`] ([`RequestHead`]: the header lines, sensitive values already left out, and the URL's parts in
//! one string, plus method, version and peer address) and registers it with the recorder's one watcher
//! thread (a bounded lock-free queue; the watcher is woken only when the new deadline is earlier than the one
//! it sleeps towards). Level 3 registers every request (the profiler samples it), copying the head only
//! once its endpoint has a threshold. The response future publishes which OS thread polls the request (set
//! at poll entry, cleared at poll exit).
//!
//! Most requests finish long before their deadline. The watcher drops a registration whose request already
//! finished when it takes it off the queue, and prunes finished requests from its deadline heap whenever the
//! heap has doubled; the watches it was the last to hold go to a small pool the request path takes its next
//! watches from (reset in place, the head's text buffer kept), so that a request that finishes in time
//! usually costs neither side an allocation nor a free (see [`watcher`]).
//!
//! At the deadline the watcher claims the request (an atomic state: a request that finished first is
//! skipped) and captures, in this order:
//! * the stack, when the request is being polled: a signal makes the polling thread walk its own frame
//!   pointers into a preallocated buffer ([`sampler`]); the watcher symbolizes the addresses and keeps the
//!   request's own frames;
//! * when the request is parked at an `.await` instead: "parked at an await since X ms", and the request is
//!   armed so that its *next* poll (after the awaited thing woke it) wakes the watcher, which samples that
//!   poll if it runs long enough: what the handler does after the await. A parked future has no stack of its
//!   own (its state lives in the future, not on a thread), so the stack of the poll that parked it is gone;
//! * CPU use per core (against a baseline refreshed at least every second while requests are watched, so the
//!   values cover the last 0.2-1 s instead of psutil's meaningless first reading), system memory and the
//!   process's resident memory.
//!
//! Whoever of the watcher and the request finishes last hands the record with its outlier to the writer
//! (a short mutex on the watch, taken by two parties at most), so neither ever waits for the other.
//!
//! # Cost bounds
//! At most one capture per request, at most `outlier_captures_per_second` captures per second (beyond
//! that, outliers are stored with the latest CPU and memory readings and "stack not captured"), bounded
//! registration queue and watch list (requests beyond them are not watched), a bounded pool of recycled
//! watches, and a sampling timeout.

pub(crate) mod format;
pub(crate) mod sampler;
pub(crate) mod system;
pub(crate) mod watcher;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use http::{Method, Version};

use format::Redaction;

use crate::measure::Head;
use crate::profile::Profile;
use crate::record::Record;

/// Still running, unclaimed.
const RUNNING: u8 = 0;
/// The response future resolved before the watcher claimed it.
const FINISHED: u8 = 1;
/// The watcher claimed it (it is an outlier).
const CLAIMED: u8 = 2;

/// Largest text buffer a recycled watch keeps (with [`watcher`]'s pool of at most 1,024 watches, a few MiB at
/// worst; the head of a typical request takes well under 1 KiB).
const MAX_KEPT_BUFFER: usize = 4 * 1024;

/// What an Outlier row needs of the request head, copied at request start for requests that can become
/// outliers (level >= 2, once their endpoint has a threshold): the URL's parts and the `request_header` lines
/// (sensitive values already replaced, so no secret is ever copied) in one string, and the method, version
/// and peer address. One allocation, and dropping it is one free.
#[derive(Debug, Clone)]
pub(crate) struct RequestHead {
    /// The `request_header` lines, then `scheme`, `host`, `path_and_query`, `path`, `query`.
    text: String,
    /// Where each of the six parts of `text` ends.
    ends: [usize; 6],
    pub(crate) method: Method,
    pub(crate) version: Version,
    pub(crate) peer: Option<SocketAddr>,
}

impl RequestHead {
    /// Copies what the outlier row needs from a request head into `buffer` (emptied first; a recycled
    /// watch's, so that most copies allocate nothing); the values of the headers `redaction` hides are not
    /// copied.
    pub(crate) fn copy(mut buffer: Vec<u8>, head: &Head<'_>, redaction: &Redaction) -> RequestHead {
        let Head { method, uri, version, headers, extensions } = *head;
        // The `request_header` lines first, then the URL's parts.
        buffer.clear();
        buffer.reserve(headers.len().saturating_mul(format::HEADER_ROOM).saturating_add(64));
        let mut text = buffer;
        let host_header = format::write_headers(&mut text, headers, redaction);
        // Only a header value can be invalid UTF-8 (its invalid bytes are replaced, as they always were); the
        // parts appended below are `str`s already.
        let mut text = match String::from_utf8(text) {
            Ok(text) => text,
            Err(invalid) => String::from_utf8_lossy(invalid.as_bytes()).into_owned(),
        };
        // The host the client asked for: the URI's authority, else the Host header ("" = unknown).
        let host = match uri.authority() {
            Some(authority) => authority.as_str(),
            None => host_header.and_then(|h| h.to_str().ok()).unwrap_or(""),
        };
        let scheme = uri.scheme_str().unwrap_or("http");
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let path = uri.path();
        let query = uri.query().unwrap_or("");
        let mut ends = [0; 6];
        ends[0] = text.len();
        for (i, part) in [scheme, host, path_and_query, path, query].into_iter().enumerate() {
            text.push_str(part);
            ends[i + 1] = text.len();
        }
        RequestHead {
            text,
            ends,
            method: method.clone(),
            version,
            peer: extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0),
        }
    }

    /// The text's buffer, for the next copy (none when it grew too large to keep).
    fn into_buffer(self) -> Option<Vec<u8>> {
        (self.text.capacity() <= MAX_KEPT_BUFFER).then(|| self.text.into_bytes())
    }

    fn part(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.text.get(start..self.ends[index]).unwrap_or("")
    }

    /// The `request_header` lines with lowercase names (see [`format::headers`]).
    pub(crate) fn header_lines(&self) -> &str {
        self.part(0)
    }

    /// The URI's scheme, `http` when it has none.
    pub(crate) fn scheme(&self) -> &str {
        self.part(1)
    }

    /// The host the client asked for: the URI's authority, else the Host header (none when empty).
    pub(crate) fn host(&self) -> Option<&str> {
        Some(self.part(2)).filter(|host| !host.is_empty())
    }

    /// The path and query, `/` when there is none.
    pub(crate) fn path_and_query(&self) -> &str {
        self.part(3)
    }

    /// The URI's path.
    pub(crate) fn path(&self) -> &str {
        self.part(4)
    }

    /// The URI's query (empty when there is none).
    pub(crate) fn query(&self) -> &str {
        self.part(5)
    }
}

/// The texts of one Outlier row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CapturedOutlier {
    pub(crate) request_header: String,
    pub(crate) request_environment: String,
    pub(crate) request_url: String,
    pub(crate) cpu_percent: String,
    pub(crate) memory: String,
    pub(crate) stacktrace: String,
}

/// What the request and the watcher leave for each other when the request is an outlier.
#[derive(Debug, Default)]
struct Handoff {
    record: Option<Record>,
    capture: Option<CapturedOutlier>,
}

/// One watched request, shared by its response future and the watcher.
#[derive(Debug)]
pub(crate) struct Watch {
    /// Unique, non-zero; what the signal handler compares with the thread's current request.
    pub(crate) id: u64,
    state: AtomicU8,
    /// Kernel id of the thread polling the request right now (0 = not being polled).
    pub(crate) polling: AtomicU64,
    /// Number of polls so far.
    pub(crate) polls: AtomicU32,
    /// When the latest poll returned (ns after `start`; 0 = never).
    last_poll_end: AtomicU64,
    /// When the current (or latest) poll started (ns after `start`).
    poll_start: AtomicU64,
    /// Set by the watcher for a parked outlier: the next poll entry wakes the watcher.
    pub(crate) armed: AtomicBool,
    /// When the handler was called (set by [`Visit::handler_called`](crate::measure::Visit::handler_called)
    /// before the watch is registered).
    pub(crate) start: Instant,
    /// Mean × constant at the start; `None` for a profiled request not (yet) watched for being an outlier.
    pub(crate) threshold: Option<Duration>,
    /// The copied request head: present when there is a threshold (only an outlier's row needs it).
    pub(crate) head: Option<RequestHead>,
    handoff: Mutex<Handoff>,
    /// The samples of a level 3 request.
    pub(crate) profile: Option<Profile>,
    /// Set when the response future resolved (the watcher stops sampling it).
    ended: AtomicBool,
}

impl Watch {
    /// A request watched from `start`, an outlier past `threshold` (if any), profiled when `profiled`.
    pub(crate) fn new(start: Instant, threshold: Option<Duration>, head: Option<RequestHead>, profiled: bool) -> Watch {
        Watch {
            id: next_id(),
            state: AtomicU8::new(RUNNING),
            polling: AtomicU64::new(0),
            polls: AtomicU32::new(0),
            last_poll_end: AtomicU64::new(0),
            poll_start: AtomicU64::new(0),
            armed: AtomicBool::new(false),
            start,
            threshold,
            head,
            handoff: Mutex::new(Handoff::default()),
            profile: profiled.then(Profile::default),
            ended: AtomicBool::new(false),
        }
    }

    /// Makes a watch that nothing else references any more (a recycled one) watch a new request, as
    /// [`new`](Self::new) would, keeping its buffers: the head's text (handed to `copy`, which returns the
    /// new head or none) and a profile's await point.
    pub(crate) fn reuse(
        &mut self,
        start: Instant,
        threshold: Option<Duration>,
        copy: impl FnOnce(Vec<u8>) -> Option<RequestHead>,
        profiled: bool,
    ) {
        self.id = next_id();
        *self.state.get_mut() = RUNNING;
        *self.polling.get_mut() = 0;
        *self.polls.get_mut() = 0;
        *self.last_poll_end.get_mut() = 0;
        *self.poll_start.get_mut() = 0;
        *self.armed.get_mut() = false;
        self.start = start;
        self.threshold = threshold;
        let buffer = self.head.take().and_then(RequestHead::into_buffer).unwrap_or_default();
        self.head = copy(buffer);
        *self.handoff.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()) = Handoff::default();
        match (&mut self.profile, profiled) {
            (Some(profile), true) => profile.reset(),
            (profile, true) => *profile = Some(Profile::default()),
            (profile, false) => *profile = None,
        }
        *self.ended.get_mut() = false;
    }

    /// The outlier deadline: start + threshold.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.threshold.map(|threshold| self.start + threshold)
    }

    /// Marks the request as finished (its response future resolved).
    pub(crate) fn end(&self) {
        self.ended.store(true, Ordering::Release);
    }

    /// True once the request finished.
    pub(crate) fn has_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// Poll entry on thread `tid`; true when the watcher asked to be woken by this poll.
    #[inline]
    pub(crate) fn poll_entered(&self, tid: u64) -> bool {
        let armed = self.armed.load(Ordering::Acquire);
        if armed {
            self.poll_start.store(self.since_start(Instant::now()), Ordering::Relaxed);
        }
        self.polling.store(tid, Ordering::Release);
        // Only the polling thread writes the count (a future is never polled concurrently): no atomic RMW.
        self.polls.store(self.polls.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
        armed
    }

    fn since_start(&self, at: Instant) -> u64 {
        crate::clock::nanos(at.saturating_duration_since(self.start)).max(1)
    }

    /// How long the current poll of an armed request has been running (zero when its start is unknown).
    pub(crate) fn poll_running(&self, now: Instant) -> Duration {
        let started = self.start + Duration::from_nanos(self.poll_start.load(Ordering::Relaxed));
        now.saturating_duration_since(started)
    }

    /// Poll exit; `parks`: the request now waits for its next poll (notes when, for [`parked_for`]), else it
    /// is done (the time is not read: the request is about to finish).
    ///
    /// [`parked_for`]: Self::parked_for
    #[inline]
    pub(crate) fn poll_exited(&self, parks: bool) {
        self.polling.store(0, Ordering::Release);
        if parks {
            self.last_poll_end.store(self.since_start(Instant::now()), Ordering::Relaxed);
        }
    }

    /// How long ago the latest poll returned, if it ever did.
    pub(crate) fn parked_for(&self, now: Instant) -> Option<Duration> {
        let end = self.last_poll_end.load(Ordering::Relaxed);
        (end != 0).then(|| now.saturating_duration_since(self.start + Duration::from_nanos(end)))
    }

    /// The watcher claims the request at its deadline; false when it already finished.
    pub(crate) fn claim(&self) -> bool {
        self.state.compare_exchange(RUNNING, CLAIMED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// The request path at completion: `Ok(record)` when the request was not claimed (send it as usual);
    /// otherwise the record goes with the outlier: returned with the capture attached when the watcher is
    /// done (`Err(Some(record))`), or left for the watcher (`Err(None)`, the watcher must be woken).
    pub(crate) fn finish(&self, mut record: Record) -> Result<Record, Option<Record>> {
        if self.state.compare_exchange(RUNNING, FINISHED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            return Ok(record);
        }
        let mut handoff = self.handoff.lock().unwrap_or_else(|p| p.into_inner());
        match handoff.capture.take() {
            Some(capture) => {
                drop(handoff);
                record.incidents_mut().outlier = Some(capture);
                Err(Some(record))
            }
            None => {
                handoff.record = Some(record);
                Err(None)
            }
        }
    }

    /// The watcher with its capture: returns the record to send when the request already finished,
    /// otherwise leaves the capture for the request path.
    pub(crate) fn complete(&self, capture: CapturedOutlier) -> Option<Record> {
        let mut handoff = self.handoff.lock().unwrap_or_else(|p| p.into_inner());
        match handoff.record.take() {
            Some(mut record) => {
                drop(handoff);
                record.incidents_mut().outlier = Some(capture);
                Some(record)
            }
            None => {
                handoff.capture = Some(capture);
                None
            }
        }
    }

    /// True when the request finished and left its record for the watcher.
    pub(crate) fn has_finished(&self) -> bool {
        self.handoff.lock().unwrap_or_else(|p| p.into_inner()).record.is_some()
    }
}

/// A unique, non-zero watch id.
fn next_id() -> u64 {
    static IDS: AtomicU64 = AtomicU64::new(1);
    IDS.fetch_add(1, Ordering::Relaxed)
}

/// Shortest threshold: the watcher's wake-up and a stack sample take tens of microseconds, so an earlier
/// capture could not show anything about the request (and sub-millisecond endpoints would make every
/// registration wake the watcher).
pub(crate) const MIN_THRESHOLD: Duration = Duration::from_millis(1);

/// The threshold from an endpoint's count and total handler time: `None` below `min_samples` requests,
/// else `mean × constant`, at least [`MIN_THRESHOLD`].
pub(crate) fn threshold(count: u64, total_nanos: u64, constant: f64, min_samples: u64) -> Option<Duration> {
    if count == 0 || count < min_samples || !constant.is_finite() || constant <= 0.0 {
        return None;
    }
    let mean = total_nanos as f64 / count as f64;
    let nanos = mean * constant;
    (nanos.is_finite() && nanos >= 0.0)
        .then(|| Duration::from_nanos(nanos.min(u64::MAX as f64) as u64).max(MIN_THRESHOLD))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_mean_times_constant_after_warm_up() {
        let ms = 1_000_000;
        assert_eq!(threshold(9, 9 * 10 * ms, 2.5, 10), None, "warm-up: 9 of 10 samples");
        assert_eq!(threshold(10, 10 * 10 * ms, 2.5, 10), Some(Duration::from_millis(25)));
        assert_eq!(threshold(4, 4 * 8 * ms + 4 * ms, 2.0, 1), Some(Duration::from_millis(18)));
        assert_eq!(threshold(0, 0, 2.5, 0), None, "no data at all");
        assert_eq!(threshold(10, 100, -1.0, 10), None);
        assert_eq!(threshold(10, 10 * 1_000, 2.5, 10), Some(MIN_THRESHOLD), "1 µs endpoints: 1 ms");
    }
}
