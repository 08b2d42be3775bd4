//! Outlier and exception rows: written with their requests in one transaction, deduplicated as FMD does,
//! read back by the console's queries (with and without a table prefix).

use fmd_core::store::{sha256_hex, NewException, NewFrame, NewOutlier, NewRequest, WriteBatch};
use fmd_core::Store;

const T0: i64 = 1_790_000_000_000_000;

fn request(endpoint_id: i64, at: i64, duration_ms: f64) -> NewRequest {
    NewRequest {
        endpoint_id,
        duration_ms,
        time_micros: at,
        group_by: "None".into(),
        ip: "127.0.0.1".into(),
        status_code: 500,
    }
}

fn frames() -> Vec<NewFrame> {
    vec![
        NewFrame {
            file: "src/app.rs".into(),
            function: "app::handler::{{closure}}".into(),
            line: 10,
            code: "load()?;".into(),
        },
        NewFrame { file: "src/load.rs".into(), function: "app::load".into(), line: 3, code: "panic!(\"boom\")".into() },
    ]
}

fn panic(request: usize, message: &str) -> NewException {
    NewException { request, type_name: "panic".into(), message: message.into(), frames: frames(), user_captured: false }
}

fn outlier(request: usize, stack: &str) -> NewOutlier {
    NewOutlier {
        request,
        request_header: "Host: a\r\n\r\n".into(),
        request_environment: "{'REQUEST_METHOD': 'GET'}".into(),
        request_url: "http://a/x?y=1".into(),
        cpu_percent: "[1.0, 2.0]".into(),
        memory: "svmem(total=1, available=1, percent=0.0, used=0, free=1, process_rss=1)".into(),
        stacktrace: stack.into(),
    }
}

fn count(store: &Store, table: &str) -> i64 {
    let name = format!("\"{}{table}\"", store.tables().prefix());
    store.connection().query_row(&format!("SELECT count(*) FROM {name}"), [], |r| r.get(0)).expect("count")
}

fn check(prefix: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_writer(dir.path().join("fmd.db"), prefix).expect("open");
    let a = store.ensure_endpoint("/a", 2, "1.0", T0).expect("a").id;
    let b = store.ensure_endpoint("/b", 2, "1.0", T0).expect("b").id;

    // Batch 1: three requests; the second is an outlier, the first and third raised the same panic, the
    // third also a captured error. A dependent pointing outside the batch is ignored.
    store
        .write(&WriteBatch {
            version: "1.0".into(),
            requests: vec![request(a, T0, 5.0), request(a, T0 + 1_000, 90.0), request(b, T0 + 2_000, 7.0)],
            outliers: vec![outlier(1, "first"), outlier(9, "nowhere")],
            exceptions: vec![
                panic(0, "boom"),
                panic(2, "boom"),
                NewException {
                    request: 2,
                    type_name: "app::ReportError".into(),
                    message: "cannot build\ncaused by: missing".into(),
                    frames: frames()[..1].to_vec(),
                    user_captured: true,
                },
                panic(7, "nowhere"),
            ],
            ..WriteBatch::default()
        })
        .expect("batch 1");
    // Batch 2: the same panic again on /a, later, and a second outlier.
    store
        .write(&WriteBatch {
            version: "1.0".into(),
            requests: vec![request(a, T0 + 5_000_000, 120.0)],
            outliers: vec![outlier(0, "second")],
            exceptions: vec![panic(0, "boom")],
            ..WriteBatch::default()
        })
        .expect("batch 2");

    assert_eq!(count(&store, "Request"), 4);
    assert_eq!(count(&store, "Outlier"), 2);
    assert_eq!(count(&store, "ExceptionOccurrence"), 4);
    assert_eq!(count(&store, "StackTraceSnapshot"), 2, "the three panics share one snapshot");
    assert_eq!(count(&store, "ExceptionType"), 2);
    assert_eq!(count(&store, "ExceptionMessage"), 2);
    assert_eq!(count(&store, "FilePath"), 2);
    assert_eq!(count(&store, "FunctionDefinition"), 2, "the captured error's frame is the panic's outer frame");
    assert_eq!(count(&store, "FunctionLocation"), 2);
    assert_eq!(count(&store, "ExceptionFrame"), 2);
    assert_eq!(count(&store, "ExceptionStackLine"), 3);

    // Outliers: newest request first, with the request and FMD's keys.
    assert_eq!(store.num_outliers(a).expect("count"), 2);
    assert_eq!(store.num_outliers(b).expect("count"), 0);
    let rows = store.outliers(a, 10, 0).expect("outliers");
    let stacks: Vec<&str> = rows.iter().map(|r| r.stacktrace.as_deref().unwrap_or("")).collect();
    assert_eq!(stacks, ["second", "first"]);
    assert_eq!(rows[1].request.duration, 90.0);
    assert_eq!(rows[1].request_url.as_deref(), Some("http://a/x?y=1"));
    assert_eq!(rows[1].request.time_requested.as_deref(), Some("2026-09-21 14:13:20.001000"));
    assert_eq!(store.outliers(a, 1, 1).expect("page").len(), 1);
    let json = serde_json::to_value(&rows[0]).expect("json");
    assert_eq!(json["request"]["endpoint_id"], a);
    assert_eq!(json["cpu_percent"], "[1.0, 2.0]");

    // Exception groups: by (endpoint, type, message, snapshot), newest first.
    let groups = store.exception_groups(None, 10).expect("groups");
    let summary: Vec<(&str, &str, u64, bool)> =
        groups.iter().map(|g| (g.endpoint.as_str(), g.type_name.as_str(), g.count, g.user_captured)).collect();
    // Ties on time: the group with the newest occurrence first.
    assert_eq!(summary, [("/a", "panic", 2, false), ("/b", "app::ReportError", 1, true), ("/b", "panic", 1, false)]);
    assert_eq!(groups[0].first_timestamp.as_deref(), Some("2026-09-21 14:13:20.000000"));
    assert_eq!(groups[0].latest_timestamp.as_deref(), Some("2026-09-21 14:13:25.000000"));
    assert_eq!(groups[0].stack_trace_snapshot_id, groups[2].stack_trace_snapshot_id);
    assert_eq!(store.exception_groups(Some(b), 10).expect("b").len(), 2);
    assert_eq!(store.exception_groups(None, 1).expect("limit").len(), 1);
    let json = serde_json::to_value(&groups[1]).expect("json");
    assert_eq!(json["type"], "app::ReportError");
    assert_eq!(json["message"], "cannot build\ncaused by: missing");

    // The stack, outermost first, with the stored source line.
    let stack = store.exception_stack(groups[0].stack_trace_snapshot_id).expect("stack");
    type Line<'a> = (i64, &'a str, Option<&'a str>, i64, Option<&'a str>);
    let lines: Vec<Line> = stack
        .iter()
        .map(|f| (f.position, f.full_file_path.as_str(), f.function_name.as_deref(), f.line_number, f.code.as_deref()))
        .collect();
    assert_eq!(
        lines,
        [
            (0, "src/app.rs", Some("app::handler::{{closure}}"), 10, Some("load()?;")),
            (1, "src/load.rs", Some("app::load"), 3, Some("panic!(\"boom\")")),
        ]
    );
    assert_eq!(stack[1].function_start_line_number, 3);
    // The snapshot hash is FMD's chain over the traceback text and the frames' code hashes.
    let expected = panic(0, "boom").snapshot_hash();
    let stored: String = store
        .connection()
        .query_row(
            &format!("SELECT hash FROM {} WHERE id = ?1", store.tables().stack_trace_snapshot),
            [groups[0].stack_trace_snapshot_id],
            |r| r.get(0),
        )
        .expect("hash");
    assert_eq!(stored, expected);
    assert_eq!(frames()[1].code_hash(), sha256_hex("app::load\npanic!(\"boom\")"));

    // Seeds for outlier thresholds.
    let mut stats = store.endpoint_duration_stats().expect("stats");
    stats.sort_by_key(|s| s.endpoint_id);
    let stats: Vec<(&str, u64, f64)> = stats.iter().map(|s| (s.name.as_str(), s.count, s.mean_ms)).collect();
    assert_eq!(stats, [("/a", 3, (5.0 + 90.0 + 120.0) / 3.0), ("/b", 1, 7.0)]);
}

#[test]
fn outliers_and_exceptions_round_trip() {
    check("");
}

#[test]
fn outliers_and_exceptions_round_trip_with_a_table_prefix() {
    check("fmd");
}

#[test]
fn fmd_written_blob_urls_read_back_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_writer(dir.path().join("fmd.db"), "").expect("open");
    let a = store.ensure_endpoint("/a", 2, "1.0", T0).expect("a").id;
    store
        .write(&WriteBatch { version: "1.0".into(), requests: vec![request(a, T0, 1.0)], ..WriteBatch::default() })
        .expect("write");
    // FMD stores request.url.encode('utf-8'): a BLOB.
    store
        .connection()
        .execute(
            "INSERT INTO Outlier (request_id, request_url, cpu_percent) VALUES (1, CAST('http://h/é?q=1' AS BLOB), '[0.0]')",
            [],
        )
        .expect("insert");
    let rows = store.outliers(a, 5, 0).expect("outliers");
    assert_eq!(rows[0].request_url.as_deref(), Some("http://h/é?q=1"));
    assert_eq!(rows[0].memory, None);
}
