//! How fast the recorder's real writer thread commits rows, and how much memory a burst costs.
//!
//! Records are pushed through the recorder's own layer around a trivial service (no network, no router:
//! the endpoint is `<unmatched>`), as fast as one thread can call it, and the writer is timed while it has
//! a backlog. One JSON line is printed per run.
//!
//! ```text
//! cargo run --release --example writer_capacity -- --mode capacity --records 2000000 --db /tmp/cap.db
//! cargo run --release --example writer_capacity -- --mode burst --records 5000000 --db /tmp/burst.db
//! cargo run --release --example writer_capacity -- --mode burst-fault --records 5000000 --db /tmp/no/such/dir/x.db
//! ```
//!
//! * `capacity`: the queue holds every record (`--records` of them); the producer fills it, then the time the
//!   writer needs to empty the backlog gives its capacity in rows per second (`drain_rows_per_s`).
//! * `burst`: `--records` records pushed at full speed into the default queue (`--queue`, 65,536): most are
//!   dropped and counted; the process's peak RSS before and after shows the memory the burst cost.
//! * `burst-fault`: the same burst while the database cannot be written (point `--db` into a missing
//!   directory): records are buffered up to the bounded retry buffer, the rest given up and counted.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use http::{Request, Response};
use tower::{Layer, Service};

#[path = "support/proc_memory.rs"]
mod proc_memory;
use proc_memory::memory_kib;

struct NoopWaker;

impl Wake for NoopWaker {
    fn wake(self: Arc<Self>) {}
}

struct Args {
    mode: String,
    records: u64,
    queue: usize,
    db: std::path::PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { mode: "capacity".into(), records: 1_000_000, queue: 65_536, db: "capacity.db".into() };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--mode" => args.mode = value,
            "--records" => args.records = value.parse().map_err(|e| format!("--records: {e}"))?,
            "--queue" => args.queue = value.parse().map_err(|e| format!("--queue: {e}"))?,
            "--db" => args.db = value.into(),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if !["capacity", "burst", "burst-fault"].contains(&args.mode.as_str()) {
        return Err(format!("unknown mode {:?} (capacity, burst, burst-fault)", args.mode));
    }
    Ok(args)
}

/// Calls `service` `n` times with a fresh request each time, polling the (ready) response future once.
fn push<S>(service: &mut S, n: u64)
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    let waker = Waker::from(Arc::new(NoopWaker));
    let mut cx = Context::from_waker(&waker);
    let peer: SocketAddr = "127.0.0.1:50000".parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 50000)));
    for _ in 0..n {
        let mut request = Request::new(());
        request.extensions_mut().insert(ConnectInfo(peer));
        let future = pin!(service.call(request));
        if let Poll::Ready(response) = future.poll(&mut cx) {
            std::hint::black_box(response.is_ok());
        }
    }
}

/// Waits until the recorder's backlog is empty (or `limit` passes); returns when that happened.
fn drained(recorder: &fmd_recorder::Recorder, limit: Duration) -> Instant {
    let deadline = Instant::now() + limit;
    while recorder.stats().queued > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(500));
    }
    Instant::now()
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("writer_capacity: {e}");
            std::process::exit(2);
        }
    };
    let (_, peak_before) = memory_kib();
    let mut config = fmd_core::Config::default();
    config.database.path = args.db.clone();
    config.dashboard.monitor_level = 1;
    config.recorder.queue_capacity =
        if args.mode == "capacity" { usize::try_from(args.records).unwrap_or(usize::MAX) } else { args.queue };
    let recorder = fmd_recorder::Recorder::builder(&config).build();
    let trivial = tower::service_fn(|_request: Request<()>| std::future::ready(Ok::<_, Infallible>(Response::new(()))));
    let mut service = recorder.layer().layer(trivial);

    // Warm up: the endpoint row exists and the connection is open before anything is timed.
    push(&mut service, 1_000);
    if args.mode != "burst-fault" {
        drained(&recorder, Duration::from_secs(5));
    }
    let warm = recorder.stats();
    let (_, peak_warm) = memory_kib();

    let started = Instant::now();
    push(&mut service, args.records);
    let pushed = Instant::now();
    let at_push = recorder.stats();
    let (_, peak_pushed) = memory_kib();
    let (done, end) = if args.mode == "burst-fault" {
        std::thread::sleep(Duration::from_secs(1));
        (Instant::now(), recorder.stats())
    } else {
        let done = drained(&recorder, Duration::from_secs(600));
        (done, recorder.stats())
    };
    let (_, peak_end) = memory_kib();
    let timeout = if args.mode == "burst-fault" { Duration::from_millis(200) } else { Duration::from_secs(60) };
    let report = recorder.shutdown(timeout);
    let total = args.records + 1_000;
    let accounted = report.recorded + report.dropped + report.failed;

    let push_secs = (pushed - started).as_secs_f64();
    let drain_secs = (done - pushed).as_secs_f64();
    let drain_rows = end.recorded.saturating_sub(at_push.recorded);
    let all_secs = (done - started).as_secs_f64();
    let all_rows = end.recorded.saturating_sub(warm.recorded);
    println!(
        "{{\"mode\": \"{}\", \"records\": {}, \"queue\": {}, \"push_per_s\": {:.0}, \"backlog_after_push\": {}, \
         \"drain_rows_per_s\": {:.0}, \"overall_rows_per_s\": {:.0}, \"recorded\": {}, \"dropped\": {}, \
         \"failed\": {}, \"accounted\": {}, \"pushed_total\": {}, \"peak_rss_kib_before\": {}, \
         \"peak_rss_kib_warm\": {}, \"peak_rss_kib_after_push\": {}, \"peak_rss_kib_end\": {}}}",
        args.mode,
        args.records,
        config.recorder.queue_capacity,
        args.records as f64 / push_secs.max(1e-9),
        at_push.queued,
        if drain_rows > 0 { drain_rows as f64 / drain_secs.max(1e-9) } else { 0.0 },
        if all_rows > 0 { all_rows as f64 / all_secs.max(1e-9) } else { 0.0 },
        report.recorded,
        report.dropped,
        report.failed,
        accounted,
        total,
        peak_before,
        peak_warm,
        peak_pushed,
        peak_end,
    );
    if accounted != total {
        eprintln!("writer_capacity: {accounted} records accounted for, {total} pushed");
        std::process::exit(1);
    }
}
