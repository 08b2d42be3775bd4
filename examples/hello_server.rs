//! A hello-world axum service for load tests, with or without the fmd recorder.
//!
//! ```text
//! cargo run --release --example hello_server -- --level 1 --db /tmp/hello.db --port 8099
//! ```
//! `--db` takes a SQLite file or a PostgreSQL URL (`postgres://user@host:port/db`: the recorder's
//! `database.url`, several services may share one database); `--level none` runs without the recorder;
//! `--queue N` sets the recorder's queue capacity (default 65,536); `--workers N` the tokio worker threads
//! (default: one per core); `--app-version V` the version its requests are recorded under (`version_requested`,
//! so that services sharing one database can be told apart); `--progress-ms N` prints the recorder's live
//! counters to standard output every N ms (`{"progress": …}` lines). The recorder's warnings (a database fault,
//! its end) go to standard error.
//!
//! On Ctrl-C / SIGTERM it shuts down gracefully, flushes the recorder and prints one JSON line:
//! `{"served": N, "recorded": R, "dropped": D, "failed": F, "rss_kib": K, "peak_rss_kib": P, "cpu_ms": C,
//! "writer_cpu_ms": W}`, where `served` is counted by a middleware outside the recorder, the RSS figures are
//! the process's resident memory at the end and its peak (Linux `VmRSS` / `VmHWM`), `cpu_ms` the process's
//! CPU time (user + system) and `writer_cpu_ms` that of the recorder's writer thread (Linux; 0 elsewhere).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;

#[path = "support/proc_memory.rs"]
mod proc_memory;
use proc_memory::memory_kib;

struct Args {
    port: u16,
    db: String,
    app_version: Option<String>,
    level: Option<u8>,
    queue: usize,
    workers: Option<usize>,
    progress_ms: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8099,
        db: "hello.db".into(),
        app_version: None,
        level: Some(1),
        queue: 65_536,
        workers: None,
        progress_ms: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => args.port = value.parse().map_err(|e| format!("--port: {e}"))?,
            "--db" => args.db = value,
            "--app-version" => args.app_version = Some(value),
            "--level" if value == "none" => args.level = None,
            "--level" => args.level = Some(value.parse().map_err(|e| format!("--level: {e}"))?),
            "--queue" => args.queue = value.parse().map_err(|e| format!("--queue: {e}"))?,
            "--workers" => args.workers = Some(value.parse().map_err(|e| format!("--workers: {e}"))?),
            "--progress-ms" => args.progress_ms = Some(value.parse().map_err(|e| format!("--progress-ms: {e}"))?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn main() {
    // The recorder's own lines only (a fault once, its end once), on standard error.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(tracing_subscriber::EnvFilter::new("fmd_recorder=info"))
        .init();
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("hello_server: {e}");
            std::process::exit(2);
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = args.workers {
        builder.worker_threads(workers.max(1));
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hello_server: {e}");
            std::process::exit(1);
        }
    };
    let (served, recorder) = runtime.block_on(serve(&args));
    // The runtime is gone before the recorder is flushed: `shutdown` blocks.
    drop(runtime);
    // The writer thread's CPU time, read while it still exists (it has written nearly everything by now).
    let writer_ms = thread_cpu_ms("fmd-recorder");
    let (recorded, dropped, failed) = match recorder {
        Some(r) => {
            let report = r.shutdown(Duration::from_secs(60));
            (report.recorded, report.dropped, report.failed)
        }
        None => (0, 0, 0),
    };
    let (rss, peak) = memory_kib();
    let cpu_ms = stat_cpu_ms("/proc/self/stat");
    println!(
        "{{\"served\": {served}, \"recorded\": {recorded}, \"dropped\": {dropped}, \"failed\": {failed}, \
         \"rss_kib\": {rss}, \"peak_rss_kib\": {peak}, \"cpu_ms\": {cpu_ms}, \"writer_cpu_ms\": {writer_ms}}}"
    );
}

async fn serve(args: &Args) -> (u64, Option<Arc<fmd_recorder::Recorder>>) {
    let served = Arc::new(AtomicU64::new(0));
    let mut app = Router::new().route("/", get(|| async { "hello" }));
    let recorder = args.level.map(|level| {
        let mut config = fmd_core::Config::default();
        if fmd_core::config::is_server_url(&args.db) {
            config.database.url = Some(args.db.clone());
        } else {
            config.database.path = args.db.clone().into();
        }
        if let Some(version) = &args.app_version {
            config.dashboard.app_version = version.clone();
        }
        config.dashboard.monitor_level = level;
        config.recorder.queue_capacity = args.queue;
        Arc::new(fmd_recorder::Recorder::builder(&config).build())
    });
    if let Some(recorder) = &recorder {
        app = app.layer(recorder.layer());
    }
    let counter = served.clone();
    let app = app.layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| {
        let counter = counter.clone();
        async move {
            let response = next.run(req).await;
            counter.fetch_add(1, Ordering::Relaxed);
            response
        }
    }));
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("hello_server: cannot listen on 127.0.0.1:{}: {e}", args.port);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    eprintln!("hello_server: listening on 127.0.0.1:{port} (level {:?})", args.level);
    if let (Some(every), Some(recorder)) = (args.progress_ms, recorder.clone()) {
        let served = served.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(every.max(1)));
            loop {
                tick.tick().await;
                let s = recorder.stats();
                println!(
                    "{{\"progress\": {{\"served\": {}, \"queued\": {}, \"recorded\": {}, \"dropped\": {}, \"failed\": {}}}}}",
                    served.load(Ordering::Relaxed),
                    s.queued,
                    s.recorded,
                    s.dropped,
                    s.failed
                );
            }
        });
    }
    let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    if let Err(e) = result {
        eprintln!("hello_server: {e}");
    }
    (served.load(Ordering::Relaxed), recorder)
}

/// User + system CPU time in ms from a `/proc/.../stat` file (Linux; 0 elsewhere). Fields 14 and 15 count
/// clock ticks of 10 ms (USER_HZ is 100 on Linux).
fn stat_cpu_ms(path: &str) -> u64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after it follow its closing parenthesis.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    // rest starts at field 3 (state), so utime (14) and stime (15) are at indexes 11 and 12.
    (fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0)) * 10
}

/// CPU time in ms of this process's threads named `name` (0 when there is none).
fn thread_cpu_ms(name: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name))
        .map(|task| stat_cpu_ms(&task.path().join("stat").to_string_lossy()))
        .sum()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
