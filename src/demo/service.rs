//! The demo service: a handful of endpoints with different latencies, errors and users, monitored by the
//! recorder exactly as a user would embed it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use fmd_core::Config;
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

/// Starts the service, drives the load, shuts both down and flushes the recorder.
pub async fn serve_and_load(config: &Config, args: &DemoArgs) -> Result<Outcome, Failure> {
    let recorder = Recorder::builder(config)
        .group_by(|parts: &http::request::Parts| {
            parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_string)
        })
        .build();
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
