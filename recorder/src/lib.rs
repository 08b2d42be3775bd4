//! Records every request of an axum, hyper or tonic service into an FMD-compatible SQLite database.
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
//! * **level 1** (and, for now, 2 and 3): one `Request` row per request, as FMD writes it: handler time in
//!   ms (from calling the inner service until its response is ready, body streaming excluded), UTC time at
//!   the end of the handler, the configured version, the group-by value, the client address and the status
//!   code.
//!
//! New endpoints get `dashboard.monitor_level` (or [`RecorderBuilder::default_level`]).
//!
//! # Cost and failure model
//!
//! The request path never touches SQLite, never blocks and, for a known endpoint without closures, never
//! allocates: it looks the endpoint up in an atomically swapped map, reads two clocks and pushes a small
//! record into a bounded queue (`recorder.queue_capacity`). A full queue drops the record and counts it.
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
mod layer;
mod measure;
mod record;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fmd_core::Config;

pub use builder::RecorderBuilder;
pub use client_ip::UNKNOWN_IP;
pub use closures::GROUP_BY_NONE;
pub use counters::{ShutdownReport, Stats};
pub use endpoints::{MAX_DISCOVERED, OVERFLOW, UNMATCHED};
pub use layer::{RecorderLayer, RecorderService, ResponseFuture};

use counters::Counters;
use measure::Shared;
use writer::{Control, WriterHandle};

/// Extra time [`Recorder::shutdown`] waits beyond its timeout for the writer to report.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// A running recorder: the handle that makes layers, reports counters and shuts the writer down.
///
/// Build one per process with [`Recorder::builder`], add [`Recorder::layer`] to the service, and call
/// [`Recorder::shutdown`] when the server has stopped so queued records are written.
#[derive(Debug)]
pub struct Recorder {
    shared: Arc<Shared>,
    writer: Mutex<Option<WriterHandle>>,
    database: PathBuf,
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

    /// The database file this recorder writes.
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

    /// Writes everything queued (retrying database faults until `timeout`), stops the writer thread and
    /// returns the final counters. Records still unwritten at the timeout count as failed.
    ///
    /// Call it after the server stopped accepting requests; requests that still pass through a layer
    /// afterwards are counted as dropped. Calling it again returns the current counters.
    ///
    /// It blocks the calling thread for up to `timeout` (plus 200 ms); from async code, call it through
    /// `tokio::task::spawn_blocking` or after the runtime has finished serving.
    pub fn shutdown(&self, timeout: Duration) -> ShutdownReport {
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
