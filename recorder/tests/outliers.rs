//! Level 2: outliers captured while the request still runs (a CPU-bound handler's stack, a parked handler's
//! note), warm-up and seeded thresholds, header redaction, and FMD's text formats.
//!
//! The stacks need frame pointers: the workspace's `.cargo/config.toml` builds with
//! `-C force-frame-pointers=yes`.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::Query;
use axum::routing::get;
use axum::Router;
use common::{config, wait_until};
use fmd_core::store::{NewRequest, WriteBatch};
use fmd_core::Store;
use fmd_recorder::Recorder;
use serde::Deserialize;
use tower::ServiceExt;

/// Burns CPU for `ms` milliseconds in a function of its own (never inlined), so the sampled stack names it.
#[inline(never)]
fn fmd_test_busy_function(ms: u64) -> u64 {
    let end = Instant::now() + Duration::from_millis(ms);
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    loop {
        for _ in 0..20_000 {
            h = h.rotate_left(5).wrapping_mul(0x1000_0000_01B3) ^ 0xFF51_AFD7_ED55_8CCD;
        }
        if Instant::now() >= end {
            return std::hint::black_box(h);
        }
    }
}

#[derive(Deserialize)]
struct Work {
    #[serde(default)]
    busy: u64,
    #[serde(default)]
    sleep: u64,
}

/// `/work?busy=ms&sleep=ms`: sleeps (parked at an await), then burns CPU.
async fn work(Query(work): Query<Work>) -> String {
    if work.sleep > 0 {
        tokio::time::sleep(Duration::from_millis(work.sleep)).await;
    }
    format!("{}", fmd_test_busy_function(work.busy))
}

fn app() -> Router {
    Router::new().route("/work", get(work))
}

fn level_2_config(db: &Path, min_samples: u32) -> fmd_core::Config {
    let mut config = config(db, 2);
    config.dashboard.outlier_min_samples = min_samples;
    config.dashboard.outlier_detection_constant = 2.5;
    config
}

/// Sends one request through the router with headers; returns the status.
async fn send(router: &Router, uri: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = axum::http::Request::builder().uri(uri).header("host", "fmd.test:8080");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(axum::body::Body::empty()).expect("request");
    router.clone().oneshot(request).await.expect("infallible").status().as_u16()
}

/// Waits until the recorder has taken `n` records off its queue and written them.
fn wait_recorded(recorder: &Recorder, n: u64) {
    assert!(wait_until(Duration::from_secs(10), || recorder.stats().recorded >= n), "{:?}", recorder.stats());
}

/// `(duration ms, header, environment, url, cpu, memory, stacktrace)` of every outlier, by request id.
type OutlierText = (f64, String, String, String, String, String, String);

fn outliers(db: &Path) -> Vec<OutlierText> {
    let conn = common::connect(db);
    let mut stmt = conn
        .prepare(
            "SELECT r.duration, o.request_header, o.request_environment, o.request_url, o.cpu_percent, o.memory, \
             o.stacktrace FROM Outlier o JOIN Request r ON r.id = o.request_id ORDER BY r.id",
        )
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    rows
}

fn shutdown(recorder: Recorder) {
    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!((report.dropped, report.failed), (0, 0), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_outlier_before_warm_up_then_the_running_stack_is_captured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = Recorder::builder(&level_2_config(&db, 5)).build();
    let router = app().layer(recorder.layer());

    // Slow before the endpoint has 5 samples: never an outlier.
    assert_eq!(send(&router, "/work?busy=150", &[]).await, 200);
    wait_recorded(&recorder, 1);
    for n in 2..=6 {
        assert_eq!(send(&router, "/work?busy=2", &[]).await, 200);
        wait_recorded(&recorder, n);
    }
    // Mean about (150 + 5 x 2) / 6 = 27 ms: threshold about 67 ms, crossed while the function still burns.
    assert_eq!(send(&router, "/work?busy=700", &[("user-agent", "fmd-test")]).await, 200);
    wait_recorded(&recorder, 7);
    let recorder_db = recorder.database().to_path_buf();
    tokio::task::spawn_blocking(move || shutdown(recorder)).await.expect("join");

    let found = outliers(&recorder_db);
    assert_eq!(found.len(), 1, "only the request after warm-up: {found:#?}");
    let (duration, header, _env, url, _cpu, _memory, stack) = &found[0];
    assert!(*duration >= 700.0, "{duration}");
    assert_eq!(url, "http://fmd.test:8080/work?busy=700");
    assert!(header.contains("User-Agent: fmd-test\r\n"), "{header:?}");
    assert!(stack.contains("fmd_test_busy_function"), "{stack}");
    assert!(stack.contains("running on thread"), "{stack}");
    assert!(stack.contains("File: \""), "{stack}");
    // FMD's order: the innermost frame is the last line.
    let last = stack.split("<br />").last().unwrap_or_default();
    assert!(last.contains("fmd_test_busy_function"), "innermost last: {stack}");
    assert!(!stack.contains("tokio::runtime"), "machinery frames are filtered: {stack}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_request_is_noted_and_its_next_poll_sampled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = Recorder::builder(&level_2_config(&db, 3)).build();
    let router = app().layer(recorder.layer());
    for n in 1..=3 {
        assert_eq!(send(&router, "/work?sleep=2", &[]).await, 200);
        wait_recorded(&recorder, n);
    }
    // Only parked (in `tokio::time::sleep`) at the deadline, finishing right after the await.
    assert_eq!(send(&router, "/work?sleep=300", &[]).await, 200);
    wait_recorded(&recorder, 4);
    // Mean now about 77 ms: parked at its deadline (about 190 ms), then burns CPU after the await.
    assert_eq!(send(&router, "/work?sleep=600&busy=500", &[]).await, 200);
    wait_recorded(&recorder, 5);
    tokio::task::spawn_blocking(move || shutdown(recorder)).await.expect("join");

    let found = outliers(&db);
    assert_eq!(found.len(), 2, "{found:#?}");
    let parked = &found[0].6;
    assert!(parked.contains("parked at an await since"), "{parked}");
    assert!(parked.contains("no stack: it finished"), "{parked}");
    let resumed = &found[1].6;
    assert!(resumed.contains("parked at an await since"), "{resumed}");
    assert!(resumed.contains("stack of its next poll"), "{resumed}");
    assert!(resumed.contains("fmd_test_busy_function"), "{resumed}");
}

/// Creates `db` with endpoint `/work` and `n` requests of `ms` each.
fn seed_history(db: &Path, n: usize, ms: f64) {
    let mut store = Store::open_writer(db, "").expect("open");
    let endpoint = store.ensure_endpoint("/work", 2, "0.1", 1_700_000_000_000_000).expect("endpoint");
    let requests = (0..n)
        .map(|i| NewRequest {
            endpoint_id: endpoint.id,
            duration_ms: ms,
            time_micros: 1_700_000_000_000_000 + i as i64,
            group_by: "None".into(),
            ip: "127.0.0.1".into(),
            status_code: 200,
        })
        .collect();
    store.write(&WriteBatch { version: "0.1".into(), requests, ..WriteBatch::default() }).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_threshold_is_seeded_from_the_database_and_secrets_are_redacted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    seed_history(&db, 50, 4.0);
    let recorder = Recorder::builder(&level_2_config(&db, 10)).redact_headers(["X-Custom-Secret"]).build();
    let router = app().layer(recorder.layer());
    // The very first request of this process is an outlier: 50 stored requests of 4 ms -> threshold 10 ms.
    let headers = [
        ("authorization", "Bearer top-secret-token"),
        ("cookie", "session=top-secret-cookie"),
        ("x-custom-secret", "top-secret-custom"),
        ("x-api-key", "top-secret-key"),
        ("x-visible", "shown"),
    ];
    assert_eq!(send(&router, "/work?busy=300", &headers).await, 200);
    wait_recorded(&recorder, 1);
    tokio::task::spawn_blocking(move || shutdown(recorder)).await.expect("join");

    let found = outliers(&db);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (_, header, env, url, cpu, memory, stack) = &found[0];
    for text in [header, env, url, cpu, memory, stack] {
        assert!(!text.contains("top-secret"), "a secret was stored: {text}");
    }
    // Header text parses back into FMD's "Name: value\r\n" lines.
    assert!(header.ends_with("\r\n\r\n"), "{header:?}");
    let lines: Vec<(&str, &str)> =
        header.trim_end_matches("\r\n").split("\r\n").map(|line| line.split_once(": ").expect("Name: value")).collect();
    for name in ["Authorization", "Cookie", "X-Custom-Secret", "X-Api-Key"] {
        assert!(lines.contains(&(name, "[redacted]")), "{name} in {lines:?}");
    }
    assert!(lines.contains(&("X-Visible", "shown")), "{lines:?}");
    assert!(lines.contains(&("Host", "fmd.test:8080")), "{lines:?}");

    // cpu_percent is a Python list of per-core percentages.
    let values: Vec<f64> = cpu
        .strip_prefix('[')
        .and_then(|c| c.strip_suffix(']'))
        .expect("a list")
        .split(", ")
        .map(|v| v.parse().expect("a float"))
        .collect();
    assert!(!values.is_empty() && values.iter().all(|v| (0.0..=100.0).contains(v)), "{cpu}");
    assert!(values.iter().sum::<f64>() > 0.0, "a core was burning during the window: {cpu}");
    assert!(cpu.split(", ").all(|v| v.trim_matches(['[', ']']).contains('.')), "floats like psutil's: {cpu}");

    // memory is psutil's svmem(...) plus the process's RSS.
    let fields: std::collections::BTreeMap<&str, f64> = memory
        .strip_prefix("svmem(")
        .and_then(|m| m.strip_suffix(')'))
        .expect("svmem(...)")
        .split(", ")
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k, v.parse().expect("a number"))
        })
        .collect();
    assert_eq!(
        fields.keys().copied().collect::<Vec<_>>(),
        ["available", "free", "percent", "process_rss", "total", "used"]
    );
    assert!(fields["total"] > 0.0 && fields["available"] <= fields["total"], "{memory}");
    assert!((0.0..=100.0).contains(&fields["percent"]) && fields["process_rss"] > 0.0, "{memory}");

    // The environment is dict-like with the request's method, path and query.
    assert!(env.starts_with("{'REQUEST_METHOD': 'GET'"), "{env}");
    assert!(env.contains("'PATH_INFO': '/work', 'QUERY_STRING': 'busy=300'"), "{env}");
    assert!(env.contains("'SERVER_PROTOCOL': 'HTTP/1.1'") && env.contains("'SERVER_NAME': 'fmd.test'"), "{env}");
    assert!(stack.contains("fmd_test_busy_function"), "{stack}");

    // The console's reads.
    let store = Store::open_reader(&db, None).expect("reader");
    let endpoint = store.endpoint_levels().expect("levels").into_iter().find(|e| e.name == "/work").expect("endpoint");
    assert_eq!(store.num_outliers(endpoint.id).expect("count"), 1);
    let rows = store.outliers(endpoint.id, 10, 0).expect("outliers");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].request.duration >= 300.0);
    assert_eq!(rows[0].request_url.as_deref(), Some("http://fmd.test:8080/work?busy=300"));
    let json = serde_json::to_value(&rows[0]).expect("json");
    for key in ["request_header", "request_environment", "request_url", "cpu_percent", "memory", "stacktrace"] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
    assert!(json["request"]["time_requested"].is_string());
    assert!(store.outliers(endpoint.id, 10, 1).expect("page 2").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_requests_are_never_outliers_and_level_1_copies_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    seed_history(&db, 50, 50.0);
    let recorder = Recorder::builder(&level_2_config(&db, 10)).build();
    let router = app().layer(recorder.layer());
    let sent = AtomicU64::new(0);
    for _ in 0..20 {
        assert_eq!(send(&router, "/work?busy=1", &[]).await, 200);
        sent.fetch_add(1, Ordering::Relaxed);
    }
    // At level 1 a slow request is not watched at all.
    Store::open_editor(&db, None).expect("editor").set_level("/work", 1).expect("level");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(send(&router, "/work?busy=300", &[]).await, 200);
    wait_recorded(&recorder, 21);
    tokio::task::spawn_blocking(move || shutdown(recorder)).await.expect("join");
    assert!(outliers(&db).is_empty(), "{:#?}", outliers(&db));
}
