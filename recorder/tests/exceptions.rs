//! Exceptions: panics caught by the layer (a 500, a usable service, FMD's deduplicated exception rows) and
//! errors recorded with `fmd_recorder::capture` (source chain kept); nothing at level 0.

mod common;

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use common::config;
use fmd_core::Store;
use fmd_recorder::Recorder;
use tower::ServiceExt;

#[inline(never)]
fn fmd_test_panicking_function(input: &str) -> usize {
    if input.len() < 100 {
        panic!("fmd test panic: input too short");
    }
    input.len()
}

async fn panicking_handler() -> String {
    fmd_test_panicking_function("short").to_string()
}

/// An error with a source, like a typical application error wrapping an I/O error.
#[derive(Debug)]
struct ReportError {
    source: std::io::Error,
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot build the report")
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[inline(never)]
fn fmd_test_failing_function() -> Result<(), ReportError> {
    Err(ReportError { source: std::io::Error::new(std::io::ErrorKind::NotFound, "rows.csv is missing") })
}

async fn capturing_handler() -> StatusCode {
    match fmd_test_failing_function() {
        Ok(()) => StatusCode::OK,
        Err(error) => {
            assert!(fmd_recorder::capture(&error), "inside a monitored request");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "fine" }))
        .route("/panic", get(panicking_handler))
        .route("/panic0", get(panicking_handler))
        .route("/fails", get(capturing_handler))
}

async fn send(router: &Router, uri: &str) -> u16 {
    let request = axum::http::Request::builder().uri(uri).body(axum::body::Body::empty()).expect("request");
    router.clone().oneshot(request).await.expect("infallible").status().as_u16()
}

fn count(db: &Path, sql: &str) -> i64 {
    common::connect(db).query_row(sql, [], |r| r.get(0)).expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_become_500s_and_deduplicated_exception_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    {
        // `/panic0` is at level 0: its panic is answered with a 500 but not recorded.
        let store = Store::open_writer(&db, "").expect("open");
        store.ensure_endpoint("/panic0", 0, "0.1", 1_700_000_000_000_000).expect("endpoint");
    }
    let recorder = Recorder::builder(&config(&db, 1)).build();
    let router = app().layer(recorder.layer());

    let codes = [
        send(&router, "/panic").await,
        send(&router, "/panic").await,
        send(&router, "/").await,
        send(&router, "/panic0").await,
        send(&router, "/fails").await,
        send(&router, "/").await,
    ];
    assert_eq!(codes, [500, 500, 200, 500, 503, 200], "the service keeps working after panics");
    assert!(!fmd_recorder::capture(&std::io::Error::other("outside")), "no request on this thread");
    let report = tokio::task::spawn_blocking(move || recorder.shutdown(Duration::from_secs(10))).await.expect("join");
    assert_eq!((report.recorded, report.dropped, report.failed), (5, 0, 0), "level 0 writes no Request row");

    let statuses: Vec<(String, i64)> = common::rows(&db).into_iter().map(|r| (r.endpoint, r.status)).collect();
    assert_eq!(
        statuses,
        [("/panic".into(), 500), ("/panic".into(), 500), ("/".into(), 200), ("/fails".into(), 503), ("/".into(), 200)]
    );
    // Two identical panics: one snapshot, two occurrences; plus the captured error.
    assert_eq!(count(&db, "SELECT count(*) FROM ExceptionOccurrence"), 3);
    assert_eq!(count(&db, "SELECT count(*) FROM StackTraceSnapshot"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM ExceptionType"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM ExceptionMessage"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM ExceptionOccurrence WHERE is_user_captured = 1"), 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(DISTINCT stack_trace_snapshot_id) FROM ExceptionOccurrence WHERE is_user_captured = 0"
        ),
        1
    );
    // Every occurrence points at an existing request of its endpoint.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM ExceptionOccurrence o JOIN Request r ON r.id = o.request_id \
             JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name IN ('/panic', '/fails')"
        ),
        3
    );
    // FunctionDefinition holds one source line per frame, never whole files.
    let longest: i64 = count(&db, "SELECT coalesce(max(length(code)), 0) FROM FunctionDefinition");
    assert!(longest < 400, "{longest}");

    let store = Store::open_reader(&db, None).expect("reader");
    let groups = store.exception_groups(None, 10).expect("groups");
    assert_eq!(groups.len(), 2, "{groups:#?}");
    let panic = groups.iter().find(|g| g.type_name == fmd_recorder::PANIC_TYPE).expect("panic group");
    assert_eq!(panic.message, "fmd test panic: input too short");
    assert_eq!((panic.endpoint.as_str(), panic.count, panic.user_captured), ("/panic", 2, false));
    let stack = store.exception_stack(panic.stack_trace_snapshot_id).expect("stack");
    let names: Vec<String> = stack.iter().filter_map(|f| f.function_name.clone()).collect();
    assert!(names.iter().any(|n| n.contains("fmd_test_panicking_function")), "{names:#?}");
    assert!(names.iter().any(|n| n.contains("panicking_handler")), "{names:#?}");
    assert!(!names.iter().any(|n| n.starts_with("std::") || n.contains("tokio::")), "machinery filtered: {names:#?}");
    // Outermost first: the handler before the function it called.
    let handler = names.iter().position(|n| n.contains("panicking_handler")).expect("handler");
    let inner = names.iter().position(|n| n.contains("fmd_test_panicking_function")).expect("function");
    assert!(handler < inner, "{names:#?}");
    let panicking =
        stack.iter().find(|f| f.function_name.as_deref().is_some_and(|n| n.contains("fmd_test_panicking_function")));
    let panicking = panicking.expect("frame");
    assert!(panicking.full_file_path.ends_with("exceptions.rs"), "{panicking:?}");
    assert_eq!(panicking.code.as_deref(), Some("panic!(\"fmd test panic: input too short\");"));

    let captured = groups.iter().find(|g| g.user_captured).expect("captured group");
    assert!(captured.type_name.ends_with("ReportError"), "{}", captured.type_name);
    assert_eq!(captured.message, "cannot build the report\ncaused by: rows.csv is missing");
    assert_eq!(captured.endpoint, "/fails");
    let stack = store.exception_stack(captured.stack_trace_snapshot_id).expect("stack");
    assert!(
        stack.iter().any(|f| f.function_name.as_deref().is_some_and(|n| n.contains("capturing_handler"))),
        "{stack:#?}"
    );

    let only_fails = store.exception_groups(Some(captured.endpoint_id), 10).expect("per endpoint");
    assert_eq!(only_fails.len(), 1);
    let json = serde_json::to_value(&only_fails[0]).expect("json");
    for key in [
        "type",
        "message",
        "endpoint",
        "endpoint_id",
        "latest_timestamp",
        "first_timestamp",
        "count",
        "stack_trace_snapshot_id",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
}
