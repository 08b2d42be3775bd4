//! The demo's history: days of past traffic on the demo's own routes, laid down with the generator
//! ([`crate::generate`]) through the store's normal write API before the live load, so that every console tab
//! has something to read: two versions (the newer one slower), users and client addresses, errors, outliers
//! of `/slow-report` with their stacks and (redacted) headers, exceptions of `/panic`, call trees of
//! `/crunch` and a custom graph.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::{NewException, NewFrame, NewOutlier, NewProfile, NewStackLine, WriteBatch};
use fmd_core::Store;

use super::service::GRAPH_TITLE;
use crate::failure::Failure;
use crate::generate::shape::{Load, Shape, Version};
use crate::generate::{write, Endpoint, Traffic};
use crate::rng::Rng;

/// The version the live part runs (the history's newer version).
pub const LIVE_VERSION: &str = "1.1";

/// The version before it.
const OLD_VERSION: &str = "1.0";

/// Days before the end of the history that [`LIVE_VERSION`] was released.
const RELEASED_DAYS_AGO: u32 = 3;

/// The demo's routes, busiest first (the live mix has the same ones).
const ROUTES: [&str; 9] =
    ["/users/{id}", "/search", "/", "/report", "/upload", "/slow-report", "/crunch", "/boom", "/panic"];

/// Median durations of [`ROUTES`] in ms, about what the live handlers take.
const MEDIANS_MS: [f64; 9] = [2.5, 3.5, 0.02, 12.0, 0.03, 4.0, 30.0, 0.02, 0.05];

/// The demo's users (the live mix sends the first four).
const USERS: [&str; 8] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

/// Requests of history per day.
const PER_DAY: u64 = 3_000;

/// What [`lay_down`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct History {
    /// Requests.
    pub requests: u64,
    /// Days.
    pub days: u32,
}

/// Writes `days` days of history ending at `end` into `db` (prefix `prefix`), with `seed`.
pub fn lay_down(db: &Path, prefix: &str, days: u32, end: DateTime<Utc>, seed: u64) -> Result<History, Failure> {
    let mut store = Store::open_writer(db, prefix)?;
    let released = 1.0 - f64::from(RELEASED_DAYS_AGO.min(days.saturating_sub(1))) / f64::from(days.max(1));
    let shape = Shape {
        endpoints: ROUTES.len() as u32,
        routes: ROUTES.iter().map(|r| r.to_string()).collect(),
        medians_ms: MEDIANS_MS.to_vec(),
        load: Load::Zipf(0.8),
        users: USERS.len() as u32,
        user_names: USERS.iter().map(|u| u.to_string()).collect(),
        ips: Some(60),
        error_rate: Some(0.02),
        error_codes: vec![404, 500, 503],
        versions: vec![
            Version { name: OLD_VERSION.into(), from: 0.0, latency: 1.0 },
            Version { name: LIVE_VERSION.into(), from: released, latency: 1.5 },
        ],
        days,
    };
    let start = end - Duration::days(i64::from(days));
    let traffic = Traffic { shape: &shape, requests: PER_DAY * u64::from(days), start, seed };
    let mut seen = 0u64;
    let written = write(&mut store, &traffic, &mut |_| {}, &mut |endpoint, batch, rng| {
        seen += 1;
        decorate(endpoint, batch, rng, seen);
    })?;
    graph(&store, start, days, seed)?;
    Ok(History { requests: written.requests, days })
}

/// Adds what the recorder would have stored with the request just generated (the last of the batch).
fn decorate(endpoint: &Endpoint, batch: &mut WriteBatch, rng: &mut Rng, seen: u64) {
    let at = batch.requests.len() - 1;
    let Some(request) = batch.requests.last_mut() else { return };
    match endpoint.name.as_str() {
        "/boom" => request.status_code = 500,
        "/panic" => {
            request.status_code = 500;
            batch.exceptions.push(panic_exception(at));
        }
        "/slow-report" if seen % 10 == 0 => {
            request.duration_ms *= 10.0;
            batch.outliers.push(outlier(at, request.duration_ms, rng));
        }
        "/crunch" => {
            request.duration_ms = 30.0 * (1.0 + 0.1 * rng.normal()).max(0.5);
            batch.profiles.push(crunch_profile(at, request.duration_ms, rng));
        }
        _ => {}
    }
}

fn frame(function: &str, line: u32, code: &str) -> NewFrame {
    NewFrame { file: "src/demo/service.rs".into(), function: function.into(), line, code: code.into() }
}

fn panic_exception(at: usize) -> NewException {
    NewException {
        request: at,
        type_name: "panic".into(),
        message: "demo: /panic panics on purpose (the recorder answers 500 and stores the exception)".into(),
        frames: vec![frame(
            "fmd::demo::service::panic_on_purpose::{{closure}}",
            203,
            "panic!(\"demo: /panic panics on purpose\")",
        )],
        user_captured: false,
    }
}

fn outlier(at: usize, duration_ms: f64, rng: &mut Rng) -> NewOutlier {
    let frames = [
        ("fmd::demo::service::slow_report::{{closure}}", 152, "rebuild_cache(Duration::from_millis(40))"),
        ("fmd::demo::service::rebuild_cache", 159, "burn(time)"),
        (
            "fmd::demo::service::burn",
            262,
            "h = h.rotate_left(5).wrapping_mul(0x1000_0000_01B3) ^ 0xFF51_AFD7_ED55_8CCD;",
        ),
    ];
    let stack: Vec<String> = frames
        .iter()
        .map(|(f, l, c)| format!("File: \"src/demo/service.rs\", line {l}, in \"{f}\": \"{c}\""))
        .collect();
    let cpu = [20.0 + 70.0 * rng.unit(), 5.0 + 30.0 * rng.unit()];
    NewOutlier {
        request: at,
        request_header:
            "Host: 127.0.0.1:8080\r\nUser-Agent: fmd-demo\r\nAuthorization: [redacted]\r\nCookie: [redacted]\r\n\r\n"
                .into(),
        request_environment: "{'REQUEST_METHOD': 'GET', 'SCRIPT_NAME': '', 'PATH_INFO': '/slow-report', \
                              'QUERY_STRING': '', 'SERVER_PROTOCOL': 'HTTP/1.1', 'SERVER_NAME': '127.0.0.1', \
                              'SERVER_PORT': '8080', 'HTTP_HOST': '127.0.0.1:8080', 'REMOTE_ADDR': '127.0.0.1', \
                              'wsgi.url_scheme': 'http'}"
            .into(),
        request_url: "http://127.0.0.1:8080/slow-report".into(),
        cpu_percent: format!("[{:.1}, {:.1}]", cpu[0], cpu[1]),
        memory: format!(
            "svmem(total=8589934592, available={}, percent=50.0, used=4294967296, free=2147483648, process_rss={})",
            4_294_967_296u64,
            30_000_000 + (duration_ms * 1000.0) as u64
        ),
        stacktrace: stack.join("<br />"),
    }
}

/// `/crunch`'s call tree: two thirds of its time counting primes, one third hashing (as the live handler).
fn crunch_profile(at: usize, duration_ms: f64, rng: &mut Rng) -> NewProfile {
    let primes = duration_ms * (0.62 + 0.08 * rng.unit());
    let line = |function: &str, line_number: u32, code: &str, indent: u32, duration_ms: f64| NewStackLine {
        filename: "src/demo/service.rs".into(),
        line_number,
        function_name: function.into(),
        code: code.into(),
        indent,
        duration_ms,
    };
    NewProfile {
        request: at,
        lines: vec![
            line("/crunch", 0, "", 0, duration_ms),
            line(
                "fmd::demo::service::crunch::{{closure}}",
                164,
                "let primes = crunch_primes(Duration::from_millis(20));",
                1,
                primes,
            ),
            line(
                "fmd::demo::service::crunch_primes",
                178,
                "while divisor * divisor <= candidate && candidate % divisor != 0 {",
                2,
                primes,
            ),
            line(
                "fmd::demo::service::crunch::{{closure}}",
                165,
                "let digest = crunch_hashes(Duration::from_millis(10));",
                1,
                duration_ms - primes,
            ),
            line(
                "fmd::demo::service::crunch_hashes",
                199,
                "hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);",
                2,
                duration_ms - primes,
            ),
        ],
    }
}

/// The custom graph's values: the process's memory every hour, growing through the day and falling back at
/// each nightly restart.
fn graph(store: &Store, start: DateTime<Utc>, days: u32, seed: u64) -> Result<(), Failure> {
    let id = store.ensure_graph(GRAPH_TITLE, OLD_VERSION)?;
    let mut rng = Rng::new(seed ^ 0x0067_7261_7068);
    for hour in 0..i64::from(days) * 24 {
        let value = 38.0 + 1.5 * (hour % 24) as f64 + 4.0 * rng.unit();
        store.add_graph_value(id, start + Duration::hours(hour), (value * 10.0).round() / 10.0)?;
    }
    Ok(())
}
