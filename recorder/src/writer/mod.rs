//! The background writer: one thread per recorder that owns the database connection (a SQLite file, or with the
//! `postgres` feature a PostgreSQL database: see `sink`).
//!
//! Every cycle (about every [`TICK`], or immediately while there is a backlog) it
//! 1. takes records off the bounded queue into its retry buffer,
//! 2. (re)opens the database when needed, at most as often as the backoff allows,
//! 3. every `level_poll` re-reads the endpoint levels (so levels set by any process or host apply within it)
//!    and, on SQLite, checks that the file at the path is still the one it opened (deleted or replaced files
//!    are reopened),
//! 4. writes the buffer in transactions of at most [`MAX_BATCH`] rows, together with `last_requested` times
//!    and this recorder's counters, and each request's outlier and exception rows (exception stacks are
//!    symbolized here, off the request path).
//!
//! It also keeps the endpoints' running duration means for outlier thresholds: seeded once from the
//! database's all-time `AVG(duration)`/`COUNT` per endpoint (right after the first level load), then updated
//! with every record it takes off the queue.
//!
//! Faults never reach the request path: the buffer is bounded (oldest records are given up and counted as
//! failed when it overflows), retries back off from 100 ms to 5 s, and each fault episode is logged once.

mod backoff;
mod batch;
mod batch_sizes;
mod database;
mod faults;
#[cfg(feature = "postgres")]
mod postgres;
mod sink;

use std::collections::VecDeque;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use fmd_core::store::{CodeLineCache, NewRequest, WriteBatch};
use fmd_core::StoreError;

use crate::clock::Clock;
use crate::counters::{Counters, ShutdownReport};
use crate::endpoints::Endpoints;
use crate::record::Record;
use backoff::Backoff;
use batch_sizes::BatchSizes;
use faults::{FaultKind, FaultLog};
pub(crate) use sink::Target;
use sink::{Database, FileCheck};

/// How long the writer sleeps between cycles when there is no backlog.
pub(crate) const TICK: Duration = Duration::from_millis(50);

/// Most rows per transaction.
pub(crate) const MAX_BATCH: usize = 4096;

/// How long the writer keeps trying to flush after every layer and the recorder were dropped without
/// [`Recorder::shutdown`](crate::Recorder::shutdown).
const ORPHAN_FLUSH: Duration = Duration::from_secs(10);

/// Who this recorder is, for its `fmd_recorder` counters row.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) recorder_id: String,
    pub(crate) host: String,
    pub(crate) pid: u32,
    pub(crate) started_micros: i64,
}

/// Everything the writer needs to know from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) target: Target,
    pub(crate) prefix: String,
    pub(crate) version: String,
    pub(crate) level_poll: Duration,
    pub(crate) retry_capacity: usize,
    pub(crate) log_requests: bool,
    pub(crate) identity: Identity,
}

/// Messages from the [`Recorder`](crate::Recorder) handle.
#[derive(Debug)]
pub(crate) enum Control {
    /// Flush everything queued, giving up at `deadline`, then exit.
    Shutdown { deadline: Instant },
}

/// The recorder's handle on its writer thread.
#[derive(Debug)]
pub(crate) struct WriterHandle {
    pub(crate) control: Sender<Control>,
    pub(crate) done: Receiver<ShutdownReport>,
    pub(crate) thread: JoinHandle<()>,
}

/// Starts the writer thread. Returns the handle and a channel that reports when the first database
/// attempt (open and level load) is over, or the error when no thread could be started.
pub(crate) fn spawn(
    settings: Settings,
    endpoints: Arc<Endpoints>,
    counters: Arc<Counters>,
    clock: Clock,
    records: Receiver<Record>,
) -> std::io::Result<(WriterHandle, Receiver<()>)> {
    let (control_tx, control_rx) = crossbeam_channel::bounded(1);
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
    let thread = std::thread::Builder::new().name("fmd-recorder".into()).spawn(move || {
        let location = settings.target.location();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let writer = Writer::new(settings, endpoints, counters, clock, records);
            writer.run(&control_rx, &ready_tx, &done_tx);
        }));
        if outcome.is_err() {
            tracing::error!(
                "fmd recorder: the writer thread for {} panicked; requests are no longer recorded (they are \
                 counted as dropped)",
                location.display()
            );
        }
    })?;
    Ok((WriterHandle { control: control_tx, done: done_rx, thread }, ready_rx))
}

/// The writer thread's state.
struct Writer {
    settings: Settings,
    endpoints: Arc<Endpoints>,
    counters: Arc<Counters>,
    clock: Clock,
    records: Receiver<Record>,
    db: Box<dyn Database>,
    /// Records taken off the queue, not yet committed (the bounded retry buffer).
    pending: VecDeque<Record>,
    faults: FaultLog,
    backoff: Backoff,
    /// No database work before this instant (backoff after a fault).
    next_attempt: Instant,
    /// Next level poll and file check.
    next_poll: Instant,
    /// Counters `(recorded, dropped, failed)` last committed to the counters row.
    persisted: Option<(u64, u64, u64)>,
    /// True once the endpoints' duration means were seeded from the database.
    seeded: bool,
    /// CodeLine ids of the open file (level 3 stack lines).
    code_lines: CodeLineCache,
    /// The last batch written, kept so the next one reuses its rows' allocations (see `batch.rs`).
    scratch: WriteBatch,
    /// Rows of an earlier, bigger batch, kept for reuse with `scratch`.
    spare_rows: Vec<NewRequest>,
    /// The sizes of the batches written, logged now and then (debug) and at shutdown.
    batch_sizes: BatchSizes,
}

impl Writer {
    fn new(
        settings: Settings,
        endpoints: Arc<Endpoints>,
        counters: Arc<Counters>,
        clock: Clock,
        records: Receiver<Record>,
    ) -> Writer {
        let now = Instant::now();
        let db = settings.target.database(&settings.prefix);
        Writer {
            settings,
            endpoints,
            counters,
            clock,
            records,
            db,
            pending: VecDeque::new(),
            faults: FaultLog::default(),
            backoff: Backoff::default(),
            next_attempt: now,
            next_poll: now,
            persisted: None,
            seeded: false,
            code_lines: CodeLineCache::default(),
            scratch: WriteBatch::default(),
            spare_rows: Vec::new(),
            batch_sizes: BatchSizes::default(),
        }
    }

    fn run(mut self, control: &Receiver<Control>, ready: &Sender<()>, done: &Sender<ShutdownReport>) {
        self.cycle(Instant::now());
        let _ = ready.try_send(());
        let mut control_open = true;
        let deadline = loop {
            let wait = self.wait_time();
            if control_open {
                match control.recv_timeout(wait) {
                    Ok(Control::Shutdown { deadline }) => break deadline,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => control_open = false,
                }
            } else {
                std::thread::sleep(wait);
            }
            let disconnected = self.drain(false);
            self.cycle(Instant::now());
            if disconnected {
                // Every layer and the recorder are gone: flush what is left and stop.
                break Instant::now() + ORPHAN_FLUSH;
            }
        };
        let report = self.finish(deadline);
        let _ = done.try_send(report);
    }

    /// How long to sleep before the next cycle.
    fn wait_time(&self) -> Duration {
        let healthy = self.db.is_open() && !self.faults.in_episode();
        // A backlog of a quarter of the queue (or a full batch) is written at once, so small queues are not
        // throttled to one batch per tick.
        let backlog = (self.settings.retry_capacity / 4).clamp(1, MAX_BATCH);
        if healthy && (!self.pending.is_empty() || self.records.len() >= backlog) {
            Duration::ZERO
        } else {
            TICK
        }
    }

    /// Moves queued records into the retry buffer. While the database is healthy the buffer is only filled
    /// up to its capacity (the queue then backs up and further requests are dropped) unless `take_all`
    /// (shutdown); during a fault the queue is emptied and the oldest buffered records beyond the capacity
    /// are given up instead, so memory stays bounded either way. Returns true when the queue is
    /// disconnected (no sender left) and empty.
    fn drain(&mut self, take_all: bool) -> bool {
        let faulty = !self.db.is_open() || self.faults.in_episode();
        let capacity = self.settings.retry_capacity;
        let room = if take_all || faulty { usize::MAX } else { capacity.saturating_sub(self.pending.len()) };
        let mut disconnected = false;
        for _ in 0..room {
            match self.records.try_recv() {
                Ok(record) => {
                    record.endpoint.add_duration(record.duration_nanos);
                    self.pending.push_back(record);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    disconnected = true;
                    break;
                }
            }
        }
        if faulty {
            let excess = self.pending.len().saturating_sub(capacity);
            if excess > 0 {
                self.pending.drain(..excess);
                Counters::add(&self.counters.failed, excess as u64);
            }
        }
        self.note_buffered();
        disconnected
    }

    fn note_buffered(&self) {
        self.counters.buffered.store(self.pending.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// One round of database work, unless the backoff says to wait.
    fn cycle(&mut self, now: Instant) {
        if now < self.next_attempt {
            return;
        }
        if !self.db.is_open() {
            if let Err(e) = self.db.open() {
                self.fault(e);
                return;
            }
            // A (possibly different) file: ids and flushed times must be resolved again.
            self.endpoints.forget_ids();
            self.code_lines.clear();
            self.persisted = None;
            self.next_poll = now;
        }
        if now >= self.next_poll {
            self.next_poll = now + self.settings.level_poll;
            if self.file_changed() {
                return self.cycle(now);
            }
            if let Err(e) = self.poll_levels() {
                self.fault(e);
                return;
            }
            if !self.seeded {
                self.seed_durations();
            }
        }
        match self.flush() {
            Ok(()) => {
                self.faults.recovered(self.db.location(), Counters::get(&self.counters.failed));
                self.backoff.reset();
            }
            Err(e) => self.fault(e),
        }
    }

    /// Closes the connection when the file at the path was deleted or replaced; true if it was.
    fn file_changed(&mut self) -> bool {
        let what = match self.db.check_file() {
            FileCheck::Same => return false,
            FileCheck::Deleted => "was deleted",
            FileCheck::Replaced => "was replaced by another file",
        };
        tracing::warn!(
            "fmd recorder: {} {what} while open; reopening it (rows committed since then went to the old file)",
            self.db.location().display()
        );
        self.db.abandon();
        true
    }

    /// Copies the levels (and ids) of the database's endpoints into memory, adding endpoints not seen yet.
    fn poll_levels(&mut self) -> Result<(), StoreError> {
        let Some(store) = self.db.sink() else {
            return Ok(());
        };
        let rows = store.endpoint_levels()?;
        let ids: std::collections::HashSet<i64> = rows.iter().map(|row| row.id).collect();
        for row in &rows {
            self.endpoints.apply_row(&row.name, row.id, row.level);
        }
        // An endpoint row deleted meanwhile (e.g. by a console) is created again at its next request.
        for state in self.endpoints.snapshot().values() {
            if state.id().is_some_and(|id| !ids.contains(&id)) {
                state.set_id(None);
            }
        }
        Ok(())
    }

    /// Adds every endpoint's history (count and mean duration in the database) to its running mean, once.
    /// A failure is retried at the next level poll (outliers wait for `outlier_min_samples` meanwhile).
    fn seed_durations(&mut self) {
        let Some(store) = self.db.sink() else {
            return;
        };
        match store.endpoint_duration_stats() {
            Ok(stats) => {
                let endpoints = self.endpoints.snapshot();
                for row in stats {
                    if let Some(state) = endpoints.get(row.name.as_str()) {
                        state.seed(row.count, row.mean_ms);
                    }
                }
                self.seeded = true;
            }
            Err(e) => tracing::debug!("fmd recorder: cannot read the endpoints' mean durations yet: {e}"),
        }
    }

    /// Handles a failed database operation: close if the connection is unusable, log, back off.
    fn fault(&mut self, error: StoreError) {
        let kind = FaultKind::of(&error, self.db.location());
        if !kind.keeps_connection() {
            self.db.close();
        }
        let failed = Counters::get(&self.counters.failed);
        self.faults.fault(kind, &error, self.db.location(), self.settings.retry_capacity, failed);
        self.next_attempt = Instant::now() + self.backoff.next_delay();
    }

    /// Flushes everything still queued, retrying until `deadline`, then gives up the rest.
    fn finish(mut self, deadline: Instant) -> ShutdownReport {
        loop {
            self.drain(true);
            if !self.dirty() {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            if now < self.next_attempt {
                std::thread::sleep(self.next_attempt.min(deadline) - now);
                continue;
            }
            self.cycle(now);
        }
        let mut given_up = self.pending.len() as u64;
        self.pending.clear();
        // Records that raced in after the last drain are not written either.
        while self.records.try_recv().is_ok() {
            given_up += 1;
        }
        if given_up > 0 {
            Counters::add(&self.counters.failed, given_up);
            tracing::warn!(
                "fmd recorder: {given_up} records could not be written to {} before shutdown",
                self.db.location().display()
            );
            if self.db.is_open() && !self.faults.in_episode() {
                // Persist the final counters if the database is usable after all.
                let _ = self.flush();
            }
        }
        self.note_buffered();
        self.batch_sizes.report_total();
        self.counters.report()
    }
}
