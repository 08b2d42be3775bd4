//! The level 3 sampling profiler: every `sampling_period` the watcher samples the thread polling each
//! profiled request, and the writer turns the samples into FMD's StackLine / CodeLine rows.
//!
//! # Where samples come from
//! A level 3 request is registered with the watcher when its handler is called, like a watched level 2
//! request (it gets the outlier treatment too, as in FMD). Each poll publishes the polling thread (a task
//! moves between worker threads; the sample always follows the current one). At every sampling tick the
//! watcher looks at each profiled request:
//! * **being polled**: the polling thread is interrupted by the sampler's signal and walks its own frame
//!   pointers into a preallocated buffer (async-signal-safe, see [`sampler`](crate::outlier::sampler)); the
//!   addresses are kept raw;
//! * **parked at an `.await`**: the time goes to the stack of the await point where it parked. That stack is
//!   taken on the request's own thread when the leaf future registers the waker (the [`probe`] waker), so
//!   `tokio::time::sleep(..).await` inside `wait_for_upstream` is attributed to `wait_for_upstream` at the
//!   line of the `.await`, not lost and not given to whatever ran before. Without a known await point the
//!   time goes to the latest stack sampled while it ran, else it is left out.
//!
//! Every sample stands for one sampling period, so a line's share of a request's samples is its share of
//! the request's time. The rounds of samples are one period apart on a grid whose phase is random with
//! respect to request starts: every moment of a request is equally likely to be sampled, which keeps the
//! shares unbiased even when a request is only a few periods long. (FMD weighs each sample by the time since
//! the previous one, which gives the interval containing a switch between two functions to the later one
//! and loses each request's last interval: with 5 ms periods a 20 ms + 10 ms handler reads about 50:50.)
//!
//! # Bounds
//! At most [`MAX_PROFILED`] requests are profiled at once (more are recorded at level 3 without stack
//! lines), at most [`MAX_QUEUED_PROFILES`] sampled requests wait for the writer, at most [`samples::MAX_STACKS`] distinct stacks per request (further time is counted, not kept)
//! and at most [`sampler::MAX_FRAMES`](crate::outlier::sampler::MAX_FRAMES) frames per stack. Symbolization
//! (function, file, line and the source line's text, all cached) happens in the writer thread, never on the
//! request path.

pub(crate) mod probe;
pub(crate) mod samples;
pub(crate) mod tree;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::outlier::sampler::{self, MAX_FRAMES};
use crate::outlier::Watch;
use samples::Samples;

/// Most requests profiled at the same time.
pub(crate) const MAX_PROFILED: usize = 64;

/// Most sampled requests on their way to the database (queued or buffered by the writer) at once; the
/// samples of further ones are dropped at their end (the request is still recorded, without stack lines)
/// so that a writer that falls behind cannot make the queue hold unbounded samples.
pub(crate) const MAX_QUEUED_PROFILES: usize = 1_024;

/// A sampled request's watch on its way to the writer; holds one of [`MAX_QUEUED_PROFILES`] places, given back
/// when it is dropped (written, given up or dropped with its record).
#[derive(Debug)]
pub(crate) struct QueuedProfile {
    /// The request's watch, with its samples.
    pub(crate) watch: Arc<Watch>,
    places: Arc<AtomicUsize>,
}

impl QueuedProfile {
    /// Takes a place for `watch` among the `places` in use; `None` when all are taken.
    pub(crate) fn new(watch: Arc<Watch>, places: &Arc<AtomicUsize>) -> Option<QueuedProfile> {
        if places.fetch_add(1, Ordering::AcqRel) >= MAX_QUEUED_PROFILES {
            places.fetch_sub(1, Ordering::AcqRel);
            note_over_budget();
            return None;
        }
        Some(QueuedProfile { watch, places: Arc::clone(places) })
    }
}

impl Drop for QueuedProfile {
    fn drop(&mut self) {
        self.places.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Logs once per process that profiles were dropped because the writer is behind.
#[cold]
fn note_over_budget() {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| {
        tracing::warn!(
            "fmd recorder: more than {MAX_QUEUED_PROFILES} level 3 profiles wait for the writer; further requests are \
             recorded without stack lines until it catches up"
        );
    });
}

/// The stack of a request's latest await point.
#[derive(Debug, Default)]
struct AwaitPoint {
    /// Return addresses, innermost first (`len` of them are valid).
    ips: Vec<usize>,
    len: usize,
}

/// The profiling state of one level 3 request, shared by its response future (await points), the watcher
/// (samples) and the writer (which turns them into rows).
#[derive(Debug, Default)]
pub(crate) struct Profile {
    samples: Mutex<Samples>,
    await_point: Mutex<AwaitPoint>,
}

impl Profile {
    /// Notes the calling thread's stack as the request's await point (request thread, inside a poll of the
    /// request). Never waits: skipped when the watcher is reading the previous one.
    pub(crate) fn note_await_point(&self) {
        let Ok(mut point) = self.await_point.try_lock() else {
            return;
        };
        if point.ips.len() < MAX_FRAMES {
            point.ips.resize(MAX_FRAMES, 0);
        }
        point.len = sampler::own_stack(&mut point.ips);
    }

    /// Empties the profile for another request, keeping the await point's buffer.
    pub(crate) fn reset(&mut self) {
        *self.samples.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()) = Samples::default();
        self.await_point.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()).len = 0;
    }

    /// A copy of the latest await point's stack (watcher), if any.
    pub(crate) fn await_point(&self) -> Option<Vec<usize>> {
        let point = self.await_point.try_lock().ok()?;
        (point.len > 0).then(|| point.ips[..point.len].to_vec())
    }

    /// True when no sample was taken (request path, at the request's end: never waits, and answers false
    /// while the watcher is adding one).
    pub(crate) fn is_unsampled(&self) -> bool {
        self.samples.try_lock().is_ok_and(|samples| samples.stacks.is_empty())
    }

    /// Runs `f` on the samples (watcher and writer; never the request path).
    pub(crate) fn with_samples<R>(&self, f: impl FnOnce(&mut Samples) -> R) -> R {
        let mut samples = self.samples.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch() -> Arc<Watch> {
        Arc::new(Watch::new(std::time::Instant::now(), None, None, true))
    }

    #[test]
    fn queued_profiles_are_bounded_and_give_their_place_back() {
        let places = Arc::new(AtomicUsize::new(MAX_QUEUED_PROFILES - 1));
        let last = QueuedProfile::new(watch(), &places).expect("one place left");
        assert!(QueuedProfile::new(watch(), &places).is_none(), "full");
        assert_eq!(places.load(Ordering::Acquire), MAX_QUEUED_PROFILES);
        drop(last);
        assert_eq!(places.load(Ordering::Acquire), MAX_QUEUED_PROFILES - 1);
        assert!(QueuedProfile::new(watch(), &places).is_some(), "a place again");
    }
}
