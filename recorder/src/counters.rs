//! Live counters of one recorder and the public snapshots of them.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by the request path (drops) and the writer (everything else).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Rows committed.
    pub(crate) recorded: AtomicU64,
    /// Records dropped because the queue was full (or the writer had stopped).
    pub(crate) dropped: AtomicU64,
    /// Records given up after database faults.
    pub(crate) failed: AtomicU64,
    /// Records taken off the queue by the writer and not yet committed (its retry buffer).
    pub(crate) buffered: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// The totals as a report.
    pub(crate) fn report(&self) -> ShutdownReport {
        ShutdownReport {
            recorded: Counters::get(&self.recorded),
            dropped: Counters::get(&self.dropped),
            failed: Counters::get(&self.failed),
        }
    }
}

/// A live view of a recorder's counters ([`Recorder::stats`](crate::Recorder::stats)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Records waiting to be written: in the queue plus in the writer's retry buffer.
    pub queued: u64,
    /// Request rows committed to the database.
    pub recorded: u64,
    /// Records dropped on the request path because the queue was full.
    pub dropped: u64,
    /// Records given up after database faults (retry buffer overflow, or still unwritten at shutdown).
    pub failed: u64,
}

/// Final totals returned by [`Recorder::shutdown`](crate::Recorder::shutdown).
///
/// `recorded + dropped + failed` is the number of requests measured at levels 1-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownReport {
    /// Request rows committed to the database.
    pub recorded: u64,
    /// Records dropped because the queue was full.
    pub dropped: u64,
    /// Records lost to database faults.
    pub failed: u64,
}
