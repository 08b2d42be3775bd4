//! The await probe: the waker a profiled (level 3) request's future is polled with, which notes the stack
//! of the await point where the future parks.
//!
//! A future that returns `Pending` registers the waker it was given (it clones it, or wakes it at once as
//! `yield_now` does) from inside the leaf future it waits on, so the stack at that moment runs from the
//! handler through the `.await` expression to the leaf: the await point. The probe's `clone` and
//! `wake_by_ref` walk the calling thread's frame pointers into the request's preallocated buffer (only when
//! that thread is polling this very request) and then behave exactly like the runtime's waker it wraps. While
//! the request is parked, the watcher attributes its samples to the latest such stack.
//!
//! This module holds the crate's only `unsafe` besides [`sampler`](crate::outlier::sampler): a
//! [`RawWakerVTable`] cannot be written without it. The data pointer is always an `Arc<Probe>` turned into a
//! raw pointer; every vtable function keeps the reference count balanced as `std`'s `Wake` impl does.

#![allow(unsafe_code)]

use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::outlier::sampler;
use crate::outlier::Watch;

/// What a probe waker points to.
struct Probe {
    /// The runtime's waker of this poll.
    inner: Waker,
    /// The profiled request.
    watch: Arc<Watch>,
}

impl Probe {
    /// Notes the current stack as the request's await point, when this thread is polling the request.
    fn note_await(&self) {
        if sampler::current_poll() != self.watch.id {
            return;
        }
        if let Some(profile) = &self.watch.profile {
            profile.note_await_point();
        }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker that wakes like `inner` and notes await points of the request `watch`.
pub(crate) fn waker(inner: &Waker, watch: &Arc<Watch>) -> Waker {
    let probe = Arc::new(Probe { inner: inner.clone(), watch: Arc::clone(watch) });
    let raw = RawWaker::new(Arc::into_raw(probe).cast::<()>(), &VTABLE);
    // SAFETY: the data pointer comes from `Arc::into_raw` of an `Arc<Probe>` whose one strong count this
    // waker now owns, and the vtable's functions honour the `RawWaker` contract for such a pointer (clone adds
    // a count, wake and drop release one, wake_by_ref borrows); `Probe` is `Send + Sync`.
    unsafe { Waker::from_raw(raw) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    let probe = data.cast::<Probe>();
    // SAFETY: `data` is a live `Arc<Probe>` pointer (the waker being cloned holds a count), so adding a count
    // for the new waker is sound, and borrowing it for the duration of this call is too.
    unsafe {
        Arc::increment_strong_count(probe);
        (*probe).note_await();
    }
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: waking by value consumes the waker's count: take it back as the `Arc` it came from.
    let probe = unsafe { Arc::from_raw(data.cast::<Probe>()) };
    probe.inner.wake_by_ref();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the waker this is called through holds a count, so the pointer is live for this call.
    let probe = unsafe { &*data.cast::<Probe>() };
    probe.note_await();
    probe.inner.wake_by_ref();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: dropping the waker releases its count: take it back as the `Arc` it came from and drop it.
    drop(unsafe { Arc::from_raw(data.cast::<Probe>()) });
}
