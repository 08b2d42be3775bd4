//! The watcher thread: one per recorder, it sleeps until the earliest deadline of the watched requests and
//! captures the ones still running (see the [module docs](super)).

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError};

use super::format::{self, Redaction};
use super::sampler::{self, Sample};
use super::system::{SystemSampler, BASELINE_REFRESH};
use super::RequestHead;
use super::{CapturedOutlier, Watch};
use crate::clock::Clock;
use crate::counters::Counters;
use crate::measure::Head;
use crate::profile::MAX_PROFILED;
use crate::record::Record;
use crate::symbolize;

/// Capacity of the registration queue.
const QUEUE_CAPACITY: usize = 16_384;
/// Most requests watched at once.
const MAX_WATCHED: usize = 65_536;
/// Most parked outliers waiting for their next poll.
const MAX_PARKED: usize = 256;
/// How long the watcher waits for a sampled thread's answer.
const SAMPLE_TIMEOUT: Duration = Duration::from_millis(50);
/// How long the next poll of a parked outlier runs before it is sampled.
const RESUME_DELAY: Duration = Duration::from_millis(2);
/// Extra samples of that poll when one shows none of the request's frames.
const RESUME_ATTEMPTS: u32 = 3;
/// Most watches kept for reuse.
const POOL_CAPACITY: usize = 1_024;
/// Smallest heap size at which finished requests are pruned from it.
const PRUNE_MIN: usize = 64;
/// `wake_at` while the watcher sleeps without a deadline.
const NEVER: u64 = u64::MAX;

/// Settings of the watcher.
#[derive(Debug, Clone)]
pub(crate) struct WatcherSettings {
    /// Headers whose values are never stored (the request path leaves them out of the copied head).
    pub(crate) redaction: Redaction,
    /// `dashboard.sampling_period_ms`: how often level 3 requests are sampled.
    pub(crate) sampling_period: Duration,
    /// Captures (signal, symbolization, CPU reading) per second, at most.
    pub(crate) captures_per_second: u32,
}

struct Registration {
    /// The outlier deadline, if the request is watched for that.
    deadline: Option<Instant>,
    watch: Arc<Watch>,
}

/// What the request path holds: registers watched requests and wakes the watcher.
#[derive(Debug)]
pub(crate) struct WatcherHandle {
    tx: Sender<Registration>,
    /// How often profiled requests are sampled.
    sampling_period: Duration,
    thread: Thread,
    /// Ticks of the instant the watcher sleeps towards ([`NEVER`] when it sleeps until woken).
    wake_at: Arc<AtomicU64>,
    clock: Clock,
    /// The headers whose values are never copied.
    redaction: Redaction,
    /// Watches the watcher was the last to hold, for reuse.
    pool: Arc<WatchPool>,
}

/// Watches of finished requests that nothing else references, kept for the next requests: a request then
/// allocates nothing for its watch nor for its head's text, and the watcher frees nothing (a request's
/// watch is almost always dropped last by the watcher, on another thread than the one that allocated it).
/// Never waits: when the other side holds the lock, a watch is allocated or freed as usual.
#[derive(Debug, Default)]
struct WatchPool {
    free: Mutex<Vec<Arc<Watch>>>,
}

impl WatchPool {
    /// A recycled watch (nothing else references it), if one is at hand.
    #[inline]
    fn take(&self) -> Option<Arc<Watch>> {
        self.free.try_lock().ok()?.pop()
    }

    /// Keeps `watch` for reuse when nothing else references it (else only drops this reference).
    #[inline]
    fn give(&self, mut watch: Arc<Watch>) {
        if Arc::get_mut(&mut watch).is_none() {
            return;
        }
        if let Ok(mut free) = self.free.try_lock() {
            if free.len() < POOL_CAPACITY {
                free.push(watch);
            }
        }
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("deadline", &self.deadline).finish_non_exhaustive()
    }
}

impl WatcherHandle {
    /// A watch for a request (the request path, at its start): outlier past `threshold` (if any), profiled
    /// when `profiled`, with the request head copied (sensitive header values left out) when there is a
    /// threshold. `start` is a placeholder until the handler is called. A recycled watch when one is at hand.
    #[inline]
    pub(crate) fn watch(
        &self,
        start: Instant,
        threshold: Option<Duration>,
        head: &Head<'_>,
        profiled: bool,
    ) -> Arc<Watch> {
        let copy = |buffer| threshold.map(|_| RequestHead::copy(buffer, head, &self.redaction));
        if let Some(mut watch) = self.pool.take() {
            if let Some(unshared) = Arc::get_mut(&mut watch) {
                unshared.reuse(start, threshold, copy, profiled);
                return watch;
            }
        }
        Arc::new(Watch::new(start, threshold, copy(Vec::new()), profiled))
    }

    /// Registers a request; false when the queue is full (the request is not watched). Wakes the watcher
    /// only when this deadline is earlier than the one it sleeps towards.
    #[inline]
    pub(crate) fn register(&self, watch: Arc<Watch>) -> bool {
        let deadline = watch.deadline();
        // A profiled request needs its first sample one period after its start.
        let first_sample = watch.profile.as_ref().map(|_| watch.start + self.sampling_period);
        let due = match (deadline, first_sample) {
            (Some(d), Some(s)) => d.min(s),
            (Some(at), None) | (None, Some(at)) => at,
            (None, None) => return false,
        };
        match self.tx.try_send(Registration { deadline, watch }) {
            Ok(()) => {
                fence(Ordering::SeqCst);
                if self.clock.ticks(due) < self.wake_at.load(Ordering::SeqCst) {
                    self.thread.unpark();
                }
                true
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }

    /// Wakes the watcher (an armed request is being polled, or an outlier finished before its capture).
    pub(crate) fn wake(&self) {
        self.thread.unpark();
    }
}

impl Drop for WatcherHandle {
    fn drop(&mut self) {
        // The queue is about to disconnect: let the watcher notice and exit.
        self.thread.unpark();
    }
}

/// What the [`Recorder`](crate::Recorder) holds: stops the watcher at shutdown.
#[derive(Debug)]
pub(crate) struct WatcherControl {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl WatcherControl {
    /// Asks the watcher to hand over what it holds and exit; waits up to `timeout` for it.
    pub(crate) fn stop(self, timeout: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.thread().unpark();
        let deadline = Instant::now() + timeout;
        while !self.thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        if self.thread.is_finished() {
            let _ = self.thread.join();
        }
    }
}

/// Starts the watcher thread.
pub(crate) fn spawn(
    settings: WatcherSettings,
    records: Sender<Record>,
    counters: Arc<Counters>,
    clock: Clock,
) -> std::io::Result<(WatcherHandle, WatcherControl)> {
    let (tx, rx) = crossbeam_channel::bounded(QUEUE_CAPACITY);
    let wake_at = Arc::new(AtomicU64::new(NEVER));
    let stop = Arc::new(AtomicBool::new(false));
    let sampling_period = settings.sampling_period;
    let redaction = settings.redaction.clone();
    let pool = Arc::new(WatchPool::default());
    let watcher = Watcher {
        settings,
        rx,
        records,
        counters,
        clock,
        wake_at: Arc::clone(&wake_at),
        stop: Arc::clone(&stop),
        heap: BinaryHeap::new(),
        prune_at: PRUNE_MIN,
        pool: Arc::clone(&pool),
        registered: false,
        parked: Vec::new(),
        system: SystemSampler::new(),
        limiter: Limiter::new(0),
        warmed_up: false,
        profiled: Vec::new(),
        next_sample: None,
        random: Random::new(),
    };
    let thread = std::thread::Builder::new().name("fmd-watcher".into()).spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || watcher.run()));
        if outcome.is_err() {
            tracing::error!("fmd recorder: the outlier watcher panicked; outliers are no longer captured");
        }
    })?;
    let handle =
        WatcherHandle { tx, sampling_period, thread: thread.thread().clone(), wake_at, clock, redaction, pool };
    Ok((handle, WatcherControl { stop, thread }))
}

/// A watched request, ordered by deadline (earliest first in the max-heap).
struct Due {
    deadline: Instant,
    watch: Arc<Watch>,
}

impl PartialEq for Due {
    fn eq(&self, other: &Due) -> bool {
        self.deadline == other.deadline
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Due) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Due) -> CmpOrdering {
        other.deadline.cmp(&self.deadline)
    }
}

/// A parked outlier waiting for its next poll (or its end).
struct Parked {
    watch: Arc<Watch>,
    capture: CapturedOutlier,
    notes: Vec<String>,
    /// Samples of its next poll that showed none of its frames.
    attempts: u32,
}

/// Token bucket for captures.
struct Limiter {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl Limiter {
    fn new(per_second: u32) -> Limiter {
        let per_second = f64::from(per_second);
        Limiter { per_second, tokens: per_second, refilled: Instant::now() }
    }

    fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct Watcher {
    settings: WatcherSettings,
    rx: Receiver<Registration>,
    records: Sender<Record>,
    counters: Arc<Counters>,
    clock: Clock,
    wake_at: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    heap: BinaryHeap<Due>,
    /// Heap size at which finished requests are dropped from it.
    prune_at: usize,
    /// Where the watches of finished requests go.
    pool: Arc<WatchPool>,
    /// A registration was drained since the CPU baseline was last looked at.
    registered: bool,
    parked: Vec<Parked>,
    system: SystemSampler,
    limiter: Limiter,
    warmed_up: bool,
    /// Level 3 requests being sampled.
    profiled: Vec<Profiled>,
    /// When the next round of profile samples is due (none while nothing is profiled).
    next_sample: Option<Instant>,
    random: Random,
}

/// A level 3 request being sampled.
struct Profiled {
    watch: Arc<Watch>,
}

/// A small random number generator (xorshift, seeded from std's random hasher keys) for sampling phases.
struct Random(u64);

impl Random {
    fn new() -> Random {
        use std::hash::BuildHasher;
        Random(std::collections::hash_map::RandomState::new().hash_one(0x5EED_u64) | 1)
    }

    /// A number in [0, 1).
    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Milliseconds with one decimal.
fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// The name the kernel knows thread `tid` by.
fn thread_name(tid: u64) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok().map(|name| name.trim().to_string())
}

impl Watcher {
    fn run(mut self) {
        self.limiter = Limiter::new(self.settings.captures_per_second);
        loop {
            if self.stop.load(Ordering::SeqCst) {
                self.finish_parked("the recorder shut down before another poll");
                return;
            }
            let disconnected = self.drain();
            let now = Instant::now();
            while self.heap.peek().is_some_and(|due| due.deadline <= now) {
                if let Some(due) = self.heap.pop() {
                    if due.watch.claim() {
                        self.capture(due.watch);
                    } else {
                        self.pool.give(due.watch);
                    }
                }
            }
            let recheck = self.check_parked();
            self.sample_profiles();
            if disconnected && self.heap.is_empty() && self.profiled.is_empty() {
                // Every layer is gone: nothing more can be registered.
                self.finish_parked("the recorder was dropped before another poll");
                return;
            }
            let now = Instant::now();
            // While requests are watched (including ones that finished before they were drained: the heap
            // may then be empty), so that a capture's CPU values cover the last 0.2-1 s.
            if std::mem::take(&mut self.registered) || !self.heap.is_empty() {
                self.system.tick(now);
            }
            let mut next = self.heap.peek().map(|due| due.deadline);
            if next.is_some() {
                let refresh = now + BASELINE_REFRESH;
                next = next.map(|n| n.min(refresh));
            }
            if let Some(recheck) = recheck {
                next = Some(next.map_or(recheck, |n| n.min(recheck)));
            }
            if let Some(sample) = self.next_sample {
                next = Some(next.map_or(sample, |n| n.min(sample)));
            }
            self.wake_at.store(next.map_or(NEVER, |at| self.clock.ticks(at)), Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if !self.rx.is_empty() || self.stop.load(Ordering::SeqCst) {
                continue;
            }
            match next {
                Some(at) => std::thread::park_timeout(at.saturating_duration_since(Instant::now())),
                None => std::thread::park(),
            }
        }
    }

    /// Moves registrations into the heap; true when the queue is disconnected.
    fn drain(&mut self) -> bool {
        loop {
            match self.rx.try_recv() {
                Ok(registration) => {
                    self.registered = true;
                    if !self.warmed_up {
                        // Load debug information now rather than at the first capture, on a helper thread so
                        // that deadlines are not delayed meanwhile.
                        self.warmed_up = true;
                        let _ = std::thread::Builder::new().name("fmd-symbolize".into()).spawn(symbolize::warm_up);
                    }
                    if registration.watch.has_ended() {
                        // Finished before the watcher saw it (most requests do): nothing to sample or capture.
                        self.pool.give(registration.watch);
                        continue;
                    }
                    if registration.watch.profile.is_some() && self.profiled.len() < MAX_PROFILED {
                        self.profiled.push(Profiled { watch: Arc::clone(&registration.watch) });
                        if self.next_sample.is_none() {
                            // A new grid of sampling rounds, at a random phase from this request's start: a grid
                            // aligned with request starts would favour the functions that run at fixed offsets.
                            let period = self.settings.sampling_period;
                            let phase = period.mul_f64(self.random.next_unit());
                            self.next_sample = Some(registration.watch.start + phase);
                        }
                    }
                    if let Some(deadline) = registration.deadline {
                        if self.heap.len() >= self.prune_at {
                            self.prune();
                        }
                        if self.heap.len() < MAX_WATCHED {
                            self.heap.push(Due { deadline, watch: registration.watch });
                        }
                    }
                }
                Err(TryRecvError::Empty) => return false,
                Err(TryRecvError::Disconnected) => return true,
            }
        }
    }

    /// Drops the watches of requests that finished from the heap (they can no longer be outliers), so that a
    /// heap of requests that mostly finish long before their deadline stays small and their memory is freed
    /// early. Run when the heap has doubled since the last pruning: amortised O(1) per registration.
    fn prune(&mut self) {
        let mut due = std::mem::take(&mut self.heap).into_vec();
        let mut i = 0;
        while i < due.len() {
            if due[i].watch.has_ended() {
                self.pool.give(due.swap_remove(i).watch);
            } else {
                i += 1;
            }
        }
        self.heap = BinaryHeap::from(due);
        self.prune_at = self.heap.len().saturating_mul(2).max(PRUNE_MIN);
    }

    /// Samples every profiled request when a round is due: the thread polling it, or, while it is parked,
    /// the stack of its await point (see [`crate::profile`]). Finished requests are dropped from the list.
    /// Rounds are one period apart, on a grid whose phase is random with respect to request starts, so every
    /// moment of a request is equally likely to be sampled.
    fn sample_profiles(&mut self) {
        let now = Instant::now();
        if self.next_sample.is_none_or(|due| now < due) {
            return;
        }
        let mut i = 0;
        while i < self.profiled.len() {
            let watch = Arc::clone(&self.profiled[i].watch);
            if watch.has_ended() {
                self.profiled.swap_remove(i);
                self.pool.give(watch);
                continue;
            }
            let Some(profile) = &watch.profile else {
                self.profiled.swap_remove(i);
                continue;
            };
            let tid = watch.polling.load(Ordering::Acquire);
            let sample = if tid != 0 { sampler::sample(tid, watch.id, SAMPLE_TIMEOUT) } else { Sample::NotPolling };
            // Every sample stands for one period: a line's share of the samples is its share of the time. (Weighing
            // each sample by the time since the previous one, as FMD does, gives the interval that contains a
            // switch from one function to the next to the later one, and loses the request's last interval.)
            let weight = self.settings.sampling_period;
            match sample {
                Sample::Stack { ips, .. } => profile.with_samples(|samples| samples.add_running(&ips, weight)),
                Sample::NotPolling => {
                    let await_point = profile.await_point();
                    profile.with_samples(|samples| samples.add_parked(await_point.as_deref(), weight));
                }
                Sample::Unavailable(_) => {
                    // No signal on this platform (or it was taken over): nothing to sample with.
                    self.profiled.swap_remove(i);
                    continue;
                }
            }
            i += 1;
        }
        let period = self.settings.sampling_period;
        self.next_sample = if self.profiled.is_empty() {
            None
        } else {
            // The next round one period after this one started; a round that took longer starts at once.
            Some(now + period)
        };
    }

    /// Captures a request that just crossed its deadline.
    fn capture(&mut self, watch: Arc<Watch>) {
        let now = Instant::now();
        let head_note = format!(
            "outlier: still running {} ms after its start (threshold {} ms)",
            ms(now.saturating_duration_since(watch.start)),
            ms(watch.threshold.unwrap_or_default())
        );
        if !self.limiter.allow(now) {
            let notes = vec![
                head_note,
                format!(
                    "stack not captured: more than {} outlier captures per second (CPU and memory are the latest \
                     readings)",
                    self.settings.captures_per_second
                ),
            ];
            let snapshot = self.system.cached();
            let capture = self.compose(&watch, &snapshot, &notes, &[]);
            return self.complete(&watch, capture);
        }
        let tid = watch.polling.load(Ordering::Acquire);
        let sample = if tid != 0 { sampler::sample(tid, watch.id, SAMPLE_TIMEOUT) } else { Sample::NotPolling };
        let snapshot = self.system.capture();
        let mut notes = vec![head_note];
        match sample {
            Sample::Stack { ips, complete } => {
                let name = thread_name(tid).map(|n| format!(" {n:?}")).unwrap_or_default();
                notes.push(format!("running on thread{name} (tid {tid}) at the deadline; its stack:"));
                let frames = self.frames(&ips, complete, &mut notes);
                let capture = self.compose(&watch, &snapshot, &notes, &frames);
                self.complete(&watch, capture);
            }
            Sample::NotPolling => {
                let polls = watch.polls.load(Ordering::Relaxed);
                match watch.parked_for(now) {
                    Some(parked) => {
                        notes.push(format!("parked at an await since {} ms (polled {polls} times so far)", ms(parked)))
                    }
                    None => notes.push("parked: not polled yet".to_string()),
                }
                let capture = self.compose(&watch, &snapshot, &notes, &[]);
                if self.parked.len() < MAX_PARKED {
                    watch.armed.store(true, Ordering::Release);
                    self.parked.push(Parked { watch, capture, notes, attempts: 0 });
                } else {
                    self.complete(&watch, capture);
                }
            }
            Sample::Unavailable(reason) => {
                notes.push(reason.to_string());
                let capture = self.compose(&watch, &snapshot, &notes, &[]);
                self.complete(&watch, capture);
            }
        }
    }

    /// Symbolizes a sampled stack into the request's frames, adding notes about what is missing.
    fn frames(&self, ips: &[usize], complete: bool, notes: &mut Vec<String>) -> Vec<symbolize::Frame> {
        let (frames, bounded) = symbolize::request_frames(symbolize::resolve(ips, true));
        if !complete && !bounded {
            notes.push(
                "stack truncated: the frame-pointer walk stopped early (build with -C force-frame-pointers=yes)"
                    .to_string(),
            );
        }
        if !frames.is_empty() && frames.iter().all(|f| f.file.is_none()) {
            notes.push("no file and line: build with debug line tables (debug = \"limited\")".to_string());
        }
        if frames.is_empty() {
            notes.push("no frames of the request's own code in the sampled stack".to_string());
        }
        frames
    }

    /// Parked outliers: sample their next poll once it has run for [`RESUME_DELAY`] (earlier, the thread is
    /// still in the runtime's and the recorder's code), or hand them over when the request finished. Returns
    /// when to look again for polls that are too young or whose sample showed none of the request's frames.
    fn check_parked(&mut self) -> Option<Instant> {
        let mut again: Option<Instant> = None;
        let mut i = 0;
        while i < self.parked.len() {
            let watch = Arc::clone(&self.parked[i].watch);
            if watch.has_finished() {
                let entry = self.parked.swap_remove(i);
                watch.armed.store(false, Ordering::Release);
                self.finish_one(entry, "it finished without another poll long enough to sample");
                continue;
            }
            let tid = watch.polling.load(Ordering::Acquire);
            if tid == 0 {
                i += 1;
                continue;
            }
            let now = Instant::now();
            let running = watch.poll_running(now);
            if running < RESUME_DELAY {
                let at = now + (RESUME_DELAY - running);
                again = Some(again.map_or(at, |a| a.min(at)));
                i += 1;
                continue;
            }
            let sample = sampler::sample(tid, watch.id, SAMPLE_TIMEOUT);
            let sampled = Instant::now();
            match sample {
                Sample::Stack { ips, complete } => {
                    let mut notes = Vec::new();
                    let frames = self.frames(&ips, complete, &mut notes);
                    let entry = &mut self.parked[i];
                    if frames.is_empty() && entry.attempts < RESUME_ATTEMPTS {
                        entry.attempts += 1;
                        let at = Instant::now() + RESUME_DELAY;
                        again = Some(again.map_or(at, |a| a.min(at)));
                        i += 1;
                        continue;
                    }
                    let mut entry = self.parked.swap_remove(i);
                    watch.armed.store(false, Ordering::Release);
                    let after = sampled.saturating_duration_since(watch.deadline().unwrap_or(watch.start));
                    entry.notes.push(format!(
                        "stack of its next poll, {} ms after the deadline (what it does after the await):",
                        ms(after)
                    ));
                    entry.notes.extend(notes);
                    entry.capture.stacktrace = format::stack(&entry.notes, &frames);
                    let capture = std::mem::take(&mut entry.capture);
                    self.complete(&watch, capture);
                }
                Sample::NotPolling => i += 1,
                Sample::Unavailable(reason) => {
                    let entry = self.parked.swap_remove(i);
                    watch.armed.store(false, Ordering::Release);
                    self.finish_one(entry, reason);
                }
            }
        }
        again
    }

    fn finish_one(&mut self, mut entry: Parked, why: &str) {
        entry.notes.push(format!("no stack: {why}"));
        entry.capture.stacktrace = format::stack(&entry.notes, &[]);
        let capture = std::mem::take(&mut entry.capture);
        self.complete(&entry.watch, capture);
    }

    fn finish_parked(&mut self, why: &str) {
        for entry in std::mem::take(&mut self.parked) {
            entry.watch.armed.store(false, Ordering::Release);
            self.finish_one(entry, why);
        }
    }

    fn compose(
        &self,
        watch: &Watch,
        snapshot: &super::system::SystemSnapshot,
        notes: &[String],
        frames: &[symbolize::Frame],
    ) -> CapturedOutlier {
        // Every watch with a deadline (the only ones captured) has its head.
        let head = watch.head.as_ref();
        CapturedOutlier {
            request_header: head.map(|head| format::headers(head.header_lines())).unwrap_or_default(),
            request_environment: head.map(format::environment).unwrap_or_default(),
            request_url: head.map(format::url).unwrap_or_default(),
            cpu_percent: format::cpu(&snapshot.cpu),
            memory: format::memory(snapshot),
            stacktrace: format::stack(notes, frames),
        }
    }

    /// Hands the capture over: sends the record when the request already finished.
    fn complete(&mut self, watch: &Watch, capture: CapturedOutlier) {
        if let Some(record) = watch.complete(capture) {
            if self.records.try_send(record).is_err() {
                Counters::add(&self.counters.dropped, 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_allows_its_rate() {
        let mut limiter = Limiter::new(2);
        let t0 = Instant::now();
        assert!(limiter.allow(t0));
        assert!(limiter.allow(t0));
        assert!(!limiter.allow(t0), "burst of 2 used up");
        assert!(limiter.allow(t0 + Duration::from_millis(600)), "refilled after half a second");
        assert!(!Limiter::new(0).allow(t0), "0 disables captures");
    }

    #[test]
    fn a_recycled_watch_is_reset_and_keeps_its_buffer() {
        let now = Instant::now();
        let head = Head {
            method: &http::Method::GET,
            uri: &http::Uri::from_static("/a?b=c"),
            version: http::Version::HTTP_11,
            headers: &http::HeaderMap::new(),
            extensions: &http::Extensions::new(),
        };
        let redaction = Redaction::new([]);
        let copied = RequestHead::copy(Vec::new(), &head, &redaction);
        let watch = Arc::new(Watch::new(now, Some(Duration::from_millis(5)), Some(copied), true));
        assert!(watch.claim());
        watch.end();
        let pool = WatchPool::default();
        pool.give(Arc::clone(&watch));
        assert!(pool.take().is_none(), "a watch still referenced elsewhere is not kept");
        let id = watch.id;
        pool.give(watch);
        let mut again = pool.take().expect("kept");
        let unshared = Arc::get_mut(&mut again).expect("nothing else references it");
        let mut kept = 0;
        unshared.reuse(
            now,
            Some(Duration::from_millis(7)),
            |buffer| {
                kept = buffer.capacity();
                Some(RequestHead::copy(buffer, &head, &redaction))
            },
            false,
        );
        assert!(kept > 0, "the head's buffer is reused");
        assert_ne!(again.id, id, "a new id");
        assert!(!again.has_ended() && again.profile.is_none() && again.polls.load(Ordering::Relaxed) == 0);
        assert_eq!(again.threshold, Some(Duration::from_millis(7)));
        assert_eq!(again.head.as_ref().map(format::url), Some("/a?b=c".to_string()));
        assert!(again.claim(), "running again");
    }

    #[test]
    fn finished_requests_are_pruned_from_the_heap() {
        let (records, _rx) = crossbeam_channel::bounded(1);
        let settings = WatcherSettings {
            redaction: Redaction::new([]),
            sampling_period: Duration::from_millis(5),
            captures_per_second: 1,
        };
        let (tx, rx) = crossbeam_channel::bounded(QUEUE_CAPACITY);
        let mut watcher = Watcher {
            settings,
            rx,
            records,
            counters: Arc::default(),
            clock: Clock::start(),
            wake_at: Arc::new(AtomicU64::new(NEVER)),
            stop: Arc::new(AtomicBool::new(false)),
            heap: BinaryHeap::new(),
            prune_at: PRUNE_MIN,
            pool: Arc::default(),
            registered: false,
            parked: Vec::new(),
            system: SystemSampler::new(),
            limiter: Limiter::new(0),
            warmed_up: true,
            profiled: Vec::new(),
            next_sample: None,
            random: Random::new(),
        };
        let now = Instant::now();
        let deadline = now + Duration::from_secs(60);
        let watches: Vec<Arc<Watch>> =
            (0..PRUNE_MIN * 2).map(|_| Arc::new(Watch::new(now, Some(Duration::from_secs(60)), None, false))).collect();
        for watch in &watches[..PRUNE_MIN] {
            let _ = tx.try_send(Registration { deadline: Some(deadline), watch: Arc::clone(watch) });
        }
        assert!(!watcher.drain());
        assert_eq!(watcher.heap.len(), PRUNE_MIN, "running requests are watched");
        // Most of them finish; a finished registration is not even pushed.
        for watch in &watches[1..PRUNE_MIN] {
            watch.end();
        }
        watches[PRUNE_MIN].end();
        for watch in &watches[PRUNE_MIN..] {
            let _ = tx.try_send(Registration { deadline: Some(deadline), watch: Arc::clone(watch) });
        }
        assert!(!watcher.drain());
        assert_eq!(watcher.heap.len(), 1 + PRUNE_MIN - 1, "the finished ones were pruned or never pushed");
        assert!(watcher.heap.iter().all(|due| !due.watch.has_ended()));
    }

    #[test]
    fn the_heap_pops_the_earliest_deadline() {
        let now = Instant::now();
        let head = RequestHead::copy(
            Vec::new(),
            &Head {
                method: &http::Method::GET,
                uri: &http::Uri::from_static("/"),
                version: http::Version::HTTP_11,
                headers: &http::HeaderMap::new(),
                extensions: &http::Extensions::new(),
            },
            &Redaction::new([]),
        );
        let mut heap = BinaryHeap::new();
        for ms in [30, 10, 20] {
            let watch = Arc::new(Watch::new(now, Some(Duration::from_millis(ms)), Some(head.clone()), false));
            heap.push(Due { deadline: now + Duration::from_millis(ms), watch });
        }
        let order: Vec<u128> =
            std::iter::from_fn(|| heap.pop()).map(|d| d.watch.threshold.map_or(0, |t| t.as_millis())).collect();
        assert_eq!(order, [10, 20, 30]);
    }
}
