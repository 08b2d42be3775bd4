//! A hello-world axum service for load tests, with or without the fmd recorder.
//!
//! ```text
//! cargo run --release --example hello_server -- --level 1 --db /tmp/hello.db --port 8099
//! ```
//! `--level none` runs without the recorder. On Ctrl-C / SIGTERM it shuts down gracefully, flushes the
//! recorder and prints one JSON line: `{"served": N, "recorded": R, "dropped": D, "failed": F}`, where
//! `served` is counted by a middleware outside the recorder.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;

struct Args {
    port: u16,
    db: std::path::PathBuf,
    level: Option<u8>,
    queue: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { port: 8099, db: "hello.db".into(), level: Some(1), queue: 65_536 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => args.port = value.parse().map_err(|e| format!("--port: {e}"))?,
            "--db" => args.db = value.into(),
            "--level" if value == "none" => args.level = None,
            "--level" => args.level = Some(value.parse().map_err(|e| format!("--level: {e}"))?),
            "--queue" => args.queue = value.parse().map_err(|e| format!("--queue: {e}"))?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("hello_server: {e}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hello_server: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(serve(args));
}

async fn serve(args: Args) {
    let served = Arc::new(AtomicU64::new(0));
    let mut app = Router::new().route("/", get(|| async { "hello" }));
    let recorder = args.level.map(|level| {
        let mut config = fmd_core::Config::default();
        config.database.path = args.db.clone();
        config.dashboard.monitor_level = level;
        config.recorder.queue_capacity = args.queue;
        fmd_recorder::Recorder::builder(&config).build()
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
    eprintln!("hello_server: listening on 127.0.0.1:{} (level {:?})", args.port, args.level);
    let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    if let Err(e) = result {
        eprintln!("hello_server: {e}");
    }
    let (recorded, dropped, failed) = match recorder {
        Some(r) => {
            let report = r.shutdown(Duration::from_secs(60));
            (report.recorded, report.dropped, report.failed)
        }
        None => (0, 0, 0),
    };
    println!(
        "{{\"served\": {}, \"recorded\": {recorded}, \"dropped\": {dropped}, \"failed\": {failed}}}",
        served.load(Ordering::Relaxed)
    );
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
