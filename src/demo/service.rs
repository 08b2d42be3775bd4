//! The demo service: a handful of endpoints with different latencies, errors and users, monitored by the
//! recorder exactly as a user would embed it.
//!
//! Two endpoints show level 2: `/slow-report` stalls (10x its usual time, in `rebuild_cache`) on every 10th
//! call, so the recorder captures it as an outlier while it runs; `/panic` panics, which the recorder turns
//! into a 500 and an exception. Both are set to level 2 before the service starts. `/crunch` shows level 3:
//! its handler spends two thirds of its time in `crunch_primes` and one third in `crunch_hashes`, which the
//! profiler's stack lines show in that proportion.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use fmd_core::{Config, Store};
use fmd_recorder::{Recorder, ShutdownReport};
use serde::Deserialize;

use super::load;
use crate::cli::DemoArgs;
use crate::failure::Failure;

/// What a demo run did.
pub struct Outcome {
    /// Requests sent.
    pub sent: u64,
    /// Requests that got an HTTP answer.
    pub answered: u64,
    /// The recorder's final counters.
    pub report: ShutdownReport,
}

/// Title of the demo's custom graph.
pub const GRAPH_TITLE: &str = "demo process RSS MB";

/// Starts the service, drives the load, shuts both down and flushes the recorder.
pub async fn serve_and_load(config: &Config, args: &DemoArgs) -> Result<Outcome, Failure> {
    watch_closely(config);
    quiet_deliberate_panics();
    let recorder = Recorder::builder(config)
        .group_by(|parts: &http::request::Parts| {
            parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_string)
        })
        .build();
    // A custom graph (FMD's add_graph): the demo's resident memory, every second (Linux /proc; elsewhere the
    // failure is logged once and no value is stored).
    let rss_mb = || -> Result<f64, String> {
        let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
        let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).map(|v| v.trim().trim_end_matches("kB").trim());
        kb.and_then(|kb| kb.parse::<f64>().ok()).map(|kb| kb / 1024.0).ok_or_else(|| "no VmRSS line".to_string())
    };
    if let Err(e) = recorder.add_graph(GRAPH_TITLE, rss_mb, fmd_recorder::Schedule::every_seconds(1)) {
        tracing::warn!("demo: {e}");
    }
    let app = router().layer(recorder.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::runtime(format!("cannot listen on 127.0.0.1: {e}")))?;
    let addr = listener.local_addr().map_err(Failure::runtime)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });

    let result = load::drive(addr, args).await;
    let _ = stop.send(());
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(Failure::runtime(format!("demo service failed: {e}"))),
        Err(e) => return Err(Failure::runtime(format!("demo service crashed: {e}"))),
    }
    let report = tokio::task::spawn_blocking(move || recorder.shutdown(Duration::from_secs(30)))
        .await
        .map_err(Failure::runtime)?;
    let (sent, answered) = result?;
    Ok(Outcome { sent, answered, report })
}

/// The demo's routes.
pub fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/users/{id}", get(user_detail))
        .route("/search", get(search))
        .route("/report", get(report))
        .route("/upload", post(upload))
        .route("/boom", get(boom))
        .route("/slow-report", get(slow_report))
        .route("/panic", get(panic_on_purpose))
        .route("/crunch", get(crunch))
}

/// Endpoints the demo monitors at level 2 (outliers captured while running).
pub const LEVEL_2_ENDPOINTS: [&str; 2] = ["/slow-report", "/panic"];

/// Endpoints the demo monitors at level 3 (profiled).
pub const LEVEL_3_ENDPOINTS: [&str; 1] = ["/crunch"];

/// Sets [`LEVEL_2_ENDPOINTS`] to level 2 and [`LEVEL_3_ENDPOINTS`] to level 3 in the database before the
/// recorder starts (it reads the levels when it starts). A failure is only logged: the demo then runs them at
/// the default level.
fn watch_closely(config: &Config) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    let result = Store::open_writer(&config.database.path, &config.database.table_prefix).and_then(|store| {
        let levels =
            LEVEL_2_ENDPOINTS.iter().map(|name| (name, 2)).chain(LEVEL_3_ENDPOINTS.iter().map(|name| (name, 3)));
        for (name, level) in levels {
            store.ensure_endpoint(name, level, &config.effective_version(), now)?;
            store.set_level(name, level)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        tracing::warn!("demo: cannot set {LEVEL_2_ENDPOINTS:?} to level 2 and {LEVEL_3_ENDPOINTS:?} to level 3: {e}");
    }
}

/// Message prefix of the demo's deliberate panics.
const DELIBERATE: &str = "demo: ";

/// Keeps the demo's output clean: panics raised on purpose by `/panic` are not printed (the recorder still
/// records them); any other panic goes to the hook in place.
fn quiet_deliberate_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let deliberate = info.payload().downcast_ref::<&str>().is_some_and(|m| m.starts_with(DELIBERATE));
            if !deliberate {
                previous(info);
            }
        }));
    });
}

/// Calls of `/slow-report` so far.
static SLOW_REPORTS: AtomicU64 = AtomicU64::new(0);

/// Usually 4 ms; every 10th call stalls for 10x that in `rebuild_cache`.
async fn slow_report() -> String {
    let n = SLOW_REPORTS.fetch_add(1, Ordering::Relaxed);
    let digest = if n % 10 == 9 { rebuild_cache(Duration::from_millis(40)) } else { burn(Duration::from_millis(4)) };
    format!("slow report {digest}")
}

/// The stall: a function of its own, so the outlier's stack names it.
#[inline(never)]
fn rebuild_cache(time: Duration) -> u64 {
    burn(time)
}

/// Level 3: 20 ms counting primes, then 10 ms hashing (a 2:1 split of its CPU time).
async fn crunch() -> String {
    let primes = crunch_primes(Duration::from_millis(20));
    let digest = crunch_hashes(Duration::from_millis(10));
    format!("crunch {primes} primes, digest {digest:x}")
}

/// Counts primes by trial division for `time`; a function of its own so the profiler names it.
#[inline(never)]
fn crunch_primes(time: Duration) -> u64 {
    let end = Instant::now() + time;
    let (mut candidate, mut found) = (3u64, 0u64);
    while Instant::now() < end {
        for _ in 0..64 {
            let mut divisor = 3;
            while divisor * divisor <= candidate && candidate % divisor != 0 {
                divisor += 2;
            }
            if divisor * divisor > candidate {
                found += 1;
            }
            candidate += 2;
        }
    }
    std::hint::black_box(found)
}

/// FNV-1a over a counter for `time`; a function of its own so the profiler names it.
#[inline(never)]
fn crunch_hashes(time: Duration) -> u64 {
    let end = Instant::now() + time;
    let (mut hash, mut counter) = (0xcbf2_9ce4_8422_2325u64, 0u64);
    while Instant::now() < end {
        for _ in 0..256 {
            for byte in counter.to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
            counter += 1;
        }
    }
    std::hint::black_box(hash)
}

async fn panic_on_purpose() -> &'static str {
    panic!("demo: /panic panics on purpose (the recorder answers 500 and stores the exception)")
}

async fn index() -> &'static str {
    "hello"
}

async fn user_detail(Path(id): Path<u64>) -> Result<String, StatusCode> {
    let pause = 1_000 + (id * 7_919) % 3_000;
    tokio::time::sleep(Duration::from_micros(pause)).await;
    if id % 17 == 0 {
        return Err(StatusCode::NOT_FOUND);
    }
    Ok(format!("{{\"id\":{id}}}"))
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search(Query(query): Query<SearchQuery>) -> String {
    let extra = if query.q == "slow" { 40.0 } else { 0.0 };
    let ms = 2.0 + (query.q.len() % 5) as f64 + extra;
    let digest = burn(Duration::from_secs_f64(ms / 1000.0));
    format!("{{\"q\":{:?},\"digest\":{digest}}}", query.q)
}

async fn report() -> String {
    let rows = load_rows();
    let page = render(rows);
    format!("report {page}")
}

fn load_rows() -> u64 {
    burn(Duration::from_millis(8))
}

fn render(rows: u64) -> u64 {
    burn(Duration::from_millis(4)) ^ rows
}

async fn upload(body: axum::body::Bytes) -> (StatusCode, &'static str) {
    if body.len() > 1000 {
        return (StatusCode::PAYLOAD_TOO_LARGE, "too big");
    }
    (StatusCode::CREATED, "stored")
}

async fn boom() -> (StatusCode, &'static str) {
    (StatusCode::INTERNAL_SERVER_ERROR, "the boom endpoint always fails")
}

/// Keeps a core busy for `time`, returning a value so the work is not optimised away.
fn burn(time: Duration) -> u64 {
    let end = Instant::now() + time;
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    while Instant::now() < end {
        for _ in 0..256 {
            h = h.rotate_left(5).wrapping_mul(0x1000_0000_01B3) ^ 0xFF51_AFD7_ED55_8CCD;
        }
    }
    h
}
