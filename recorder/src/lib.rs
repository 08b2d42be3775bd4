//! Records every request of an axum, hyper or tonic service into an FMD-compatible SQLite database, or (with
//! the `postgres` feature, when `database.url` is set) into a PostgreSQL database that several hosts share.
//!
//! Two lines embed it: build a [`Recorder`] from the fmd configuration and add its tower layer.
//!
//! ```no_run
//! # async fn serve() -> std::io::Result<()> {
//! # use std::net::SocketAddr;
//! let config = fmd_core::Config::discover(None).unwrap_or_default();
//! let recorder = fmd_recorder::Recorder::builder(&config).build();
//!
//! let app = axum::Router::new()
//!     .route("/users/{id}", axum::routing::get(|| async { "hello" }))
//!     .layer(recorder.layer()); // after the routes, so each route is named by its pattern
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! // `with_connect_info` lets the recorder store the client address.
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
//!
//! let report = recorder.shutdown(std::time::Duration::from_secs(10)); // flush what is queued
//! println!("{} recorded, {} dropped, {} failed", report.recorded, report.dropped, report.failed);
//! # Ok(()) }
//! ```
//!
//! # What is recorded
//!
//! Each endpoint (axum's matched route such as `/users/{id}`, `<unmatched>` for requests no route matched,
//! or the name given by [`RecorderBuilder::endpoint_name`]) has a monitoring level, stored in the database
//! and changeable at run time (by the console or another process; running recorders pick the change up
//! within `recorder.level_poll_ms` plus one writer cycle):
//!
//! * **level 0**: only `Endpoint.last_requested` is kept up to date;
//! * **level 1**: one `Request` row per request, as FMD writes it: handler time in ms (from calling the
//!   inner service until its response is ready, body streaming excluded), UTC time at the end of the
//!   handler, the configured version, the group-by value, the client address and the status code; plus the
//!   request's exceptions (below);
//! * **level 2** (and 3): also an `Outlier` row for each request still running
//!   when it crosses `mean × dashboard.outlier_detection_constant` of its endpoint (after
//!   `dashboard.outlier_min_samples` requests; the mean is seeded from the database at startup). It is
//!   captured *while the request runs*: the stack of the thread polling it (or, when it is parked at an
//!   `.await`, how long it has been parked and the stack of its next poll), CPU use per core, memory, and
//!   the request's method, URL, headers (sensitive ones stored as `[redacted]`, see
//!   [`RecorderBuilder::redact_headers`]) and environment, in the text formats FMD's web UI shows.
//!
//! * **level 3**: also FMD's sampling profile: every `dashboard.sampling_period_ms` the watcher samples the
//!   thread polling the request (or, while it is parked, the stack of the `.await` it parked at, noted by the
//!   waker wrapper the request's future is polled with), and the writer turns the samples into `StackLine`
//!   rows (the endpoint's line at indent 0 with the request's duration, then the call tree depth first, each
//!   line's duration its share of the samples × the request's duration) and deduplicated `CodeLine` rows.
//!   The runtime's, framework's, standard library's and recorder's frames are left out; symbolization
//!   (cached) happens in the writer thread. Requests shorter than one period usually get no sample, hence no
//!   stack lines; at most 64 requests are sampled at a time.
//!
//! New endpoints get `dashboard.monitor_level` (or [`RecorderBuilder::default_level`]).
//!
//! # Exceptions (levels 1-3)
//!
//! A panic in the wrapped service is caught: the client gets a `500` with an empty body (so the response
//! body type must implement `Default`), the service keeps serving, and the panic is stored in FMD 5's
//! exception tables (type `panic`, its message, its stack) with FMD's deduplication. Errors the handler
//! handles itself can be stored with [`capture`], which keeps the error's `source()` chain. Stacks are
//! captured as addresses on the request path and symbolized by the writer thread.
//!
//! # Build settings for useful stacks
//!
//! Outlier and profiler stacks are read by walking frame pointers from a signal handler (Linux x86_64 and
//! aarch64; other platforms store "stack unavailable on this platform" and level 3 writes no stack lines).
//! Build the service with `RUSTFLAGS="-C force-frame-pointers=yes"` (or `[build] rustflags` in
//! `.cargo/config.toml`), else stacks stop at the first function without a frame pointer (outlier stacks say
//! so; a level 3 profile whose stacks all stop early is written below a first line saying
//! `<stack cut short: …>`, and a warning is logged once), and keep line tables in release builds
//! (`[profile.release] debug = "limited"`, or the smaller `"line-tables-only"`, whose function names lack
//! their module paths), else frames have names but no file, line or source. Frames are told apart by source file (the
//! standard library, tokio, hyper, axum, tower, futures, tracing, tonic and this crate are left out).
//! `unsafe` code is confined to the sampler (signal handler, frame-pointer walk) and the await probe (a waker
//! vtable), both documented.
//! The sampling signal is the highest free real-time signal (`SIGRTMAX-2` downwards); `SA_RESTART` is set.
//!
//! # PostgreSQL (feature `postgres`)
//!
//! With `database.url = "postgres://user@host:port/db"` in the configuration (or
//! [`RecorderBuilder::database_url`]) the writer keeps one connection to that database (creating FMD's tables
//! there when missing, exactly as Python FMD does), so several processes or hosts can record into one database
//! and levels changed by any of them reach every recorder at its next level poll. The request path is the same;
//! the writer's faults are the server's: unreachable, connection lost, authentication refused, a statement past
//! [`RecorderBuilder::statement_timeout`], a full disk. They are logged, retried and counted as on SQLite.
//! Custom graphs and scheduled pruning are not written to PostgreSQL yet ([`Recorder::add_graph`] returns
//! [`GraphError::Unsupported`]).
//!
//! # Cost and failure model
//!
//! The request path never touches SQLite, never blocks and, for a known endpoint at levels 0-1 without
//! closures, never allocates: it looks the endpoint up in an atomically swapped map, reads two clocks and
//! pushes a small record into a bounded queue (`recorder.queue_capacity`). A full queue drops the record and
//! counts it. At level 2 a watched request also copies its head and registers with the recorder's one
//! outlier watcher thread through a bounded lock-free queue; captures happen on that thread, at most one per
//! request and [`RecorderBuilder::outlier_captures_per_second`] per second.
//! One writer thread per recorder batches records into transactions. Database faults (missing directory,
//! read-only or locked file, corrupt file, file deleted or replaced, disk full) are logged once per
//! episode through `tracing`, retried with backoff from a bounded buffer, and counted; drops and failures
//! are persisted in the `fmd_recorder` table for the console.

#![warn(missing_docs)]

mod builder;
mod client_ip;
mod clock;
mod closures;
mod counters;
mod endpoints;
mod exceptions;
mod graphs;
mod layer;
mod measure;
mod outlier;
mod profile;
mod record;
mod symbolize;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fmd_core::Config;

pub use builder::{RecorderBuilder, DEFAULT_OUTLIER_CAPTURES_PER_SECOND};
pub use client_ip::UNKNOWN_IP;
pub use closures::GROUP_BY_NONE;
pub use counters::{ShutdownReport, Stats};
pub use endpoints::{MAX_DISCOVERED, OVERFLOW, UNMATCHED};
pub use exceptions::{capture, PANIC_TYPE};
pub use graphs::{GraphError, GraphValue, Schedule};
pub use layer::{RecorderLayer, RecorderService, ResponseFuture};

use counters::Counters;
use measure::Shared;
use outlier::watcher::WatcherControl;
use writer::{Control, WriterHandle};

/// Extra time [`Recorder::shutdown`] waits beyond its timeout for the writer to report.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// Longest [`Recorder::shutdown`] waits for the outlier watcher (it may be symbolizing a stack).
const WATCHER_STOP: Duration = Duration::from_secs(2);

/// A running recorder: the handle that makes layers, reports counters and shuts the writer down.
///
/// Build one per process with [`Recorder::builder`], add [`Recorder::layer`] to the service, and call
/// [`Recorder::shutdown`] when the server has stopped so queued records are written.
#[derive(Debug)]
pub struct Recorder {
    shared: Arc<Shared>,
    writer: Mutex<Option<WriterHandle>>,
    watcher: Mutex<Option<WatcherControl>>,
    database: PathBuf,
    /// Custom graphs and scheduled pruning (their thread starts with the first graph, or at once with
    /// `[pruning]` configured).
    graphs: graphs::Graphs,
}

impl Recorder {
    /// Starts configuring a recorder from an fmd configuration (database path and prefix, version, default
    /// level, queue capacity, client address header, level poll interval, per-request logging).
    pub fn builder(config: &Config) -> RecorderBuilder {
        RecorderBuilder::new(config)
    }

    /// A tower layer that records requests; clone it freely or call this again.
    pub fn layer(&self) -> RecorderLayer {
        RecorderLayer::new(Arc::clone(&self.shared))
    }

    /// The database file this recorder writes (for PostgreSQL its URL without the password).
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// Live counters.
    pub fn stats(&self) -> Stats {
        let counters = &self.shared.counters;
        Stats {
            queued: self.shared.tx.len() as u64 + Counters::get(&counters.buffered),
            recorded: Counters::get(&counters.recorded),
            dropped: Counters::get(&counters.dropped),
            failed: Counters::get(&counters.failed),
        }
    }

    /// Adds a custom graph (FMD's `add_graph`): `graph` is called once now and then on `schedule`, on the
    /// recorder's graph thread (one per recorder; each call runs on a short-lived helper thread with a
    /// deadline), and each number it returns is stored with the current time in FMD's `CustomGraphData`
    /// under the `CustomGraph` row titled `title` (created once, with the configured version).
    ///
    /// The closure returns a number, or a `Result` of one. An `Err`, a NaN or infinite value, a panic, or a
    /// run that misses its deadline (its period, between 1 and 10 s) is skipped and logged once until the
    /// graph works again; a slow run's later runs are skipped while it is still going, and other graphs keep
    /// their schedule. Fails for an empty or too long title (250 characters), a title this recorder already
    /// has, a zero interval, or after [`Recorder::shutdown`].
    ///
    /// ```no_run
    /// # let config = fmd_core::Config::default();
    /// # let recorder = fmd_recorder::Recorder::builder(&config).build();
    /// use fmd_recorder::Schedule;
    /// let started = std::time::Instant::now();
    /// recorder.add_graph("uptime s", move || started.elapsed().as_secs_f64(), Schedule::every_seconds(10))?;
    /// // Second 0 of every minute; an Err (not Linux) is logged once and skipped.
    /// let open_files = || std::fs::read_dir("/proc/self/fd").map(|dir| dir.count());
    /// recorder.add_graph("open files", open_files, Schedule::cron("0 * * * *")?)?;
    /// # Ok::<(), fmd_recorder::GraphError>(())
    /// ```
    pub fn add_graph<F, R>(&self, title: impl Into<String>, mut graph: F, schedule: Schedule) -> Result<(), GraphError>
    where
        F: FnMut() -> R + Send + 'static,
        R: GraphValue,
    {
        self.graphs.add(title.into(), Box::new(move || graph().into_graph_value()), schedule)
    }

    /// Writes everything queued (retrying database faults until `timeout`), stops the writer thread and
    /// returns the final counters. Records still unwritten at the timeout count as failed.
    ///
    /// Call it after the server stopped accepting requests; requests that still pass through a layer
    /// afterwards are counted as dropped. Calling it again returns the current counters.
    ///
    /// It blocks the calling thread for up to `timeout` (plus 200 ms); from async code, call it through
    /// `tokio::task::spawn_blocking` or after the runtime has finished serving.
    pub fn shutdown(&self, timeout: Duration) -> ShutdownReport {
        self.graphs.shutdown(timeout.min(Duration::from_secs(2)));
        // The watcher first: it hands over the outliers it holds.
        let watcher = self.watcher.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(watcher) = watcher {
            watcher.stop(timeout.min(WATCHER_STOP));
        }
        let handle = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let Some(handle) = handle else {
            return self.shared.counters.report();
        };
        let deadline = std::time::Instant::now() + timeout;
        let _ = handle.control.send(Control::Shutdown { deadline });
        match handle.done.recv_timeout(timeout + SHUTDOWN_GRACE) {
            Ok(report) => {
                let _ = handle.thread.join();
                report
            }
            Err(_) => {
                let stats = self.stats();
                tracing::warn!(
                    "fmd recorder: the writer for {} did not finish within {timeout:?}; {} records are counted \
                     as failed",
                    self.database.display(),
                    stats.queued
                );
                ShutdownReport { recorded: stats.recorded, dropped: stats.dropped, failed: stats.failed + stats.queued }
            }
        }
    }
}
