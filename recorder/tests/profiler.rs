//! Level 3: the sampling profiler's StackLine / CodeLine rows. A CPU-bound handler whose two functions run
//! 2:1 gets that split; rows are depth first with consistent indents and none of the recorder's frames; a
//! task that hops between worker threads is still sampled; time parked at an await goes to the await.
//!
//! The stacks need frame pointers: the workspace's `.cargo/config.toml` builds with
//! `-C force-frame-pointers=yes`.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use common::{config, connect, wait_until};
use fmd_core::Store;
use fmd_recorder::Recorder;
use tower::ServiceExt;

/// The tests of this file run one at a time: each measures shares of wall-clock time, which a neighbour
/// test starting or stopping its own CPU-bound threads midway would skew (2 cores).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Keeps a core busy for `ms` milliseconds, returning a value so the work is not optimised away.
fn spin(ms: u64) -> u64 {
    let end = Instant::now() + Duration::from_millis(ms);
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    while Instant::now() < end {
        for _ in 0..2_000 {
            h = std::hint::black_box(h.rotate_left(5).wrapping_mul(0x1000_0000_01B3) ^ 0xFF51_AFD7_ED55_8CCD);
        }
    }
    h
}

/// Twice the work of [`crunch_hashes`].
#[inline(never)]
fn crunch_primes() -> u64 {
    spin(60)
}

#[inline(never)]
fn crunch_hashes() -> u64 {
    spin(30)
}

async fn crunch() -> String {
    let a = crunch_primes();
    let b = crunch_hashes();
    format!("{}", a ^ b)
}

/// Burns one millisecond per hop between awaits.
#[inline(never)]
fn hop_work() -> u64 {
    spin(1)
}

/// Yields between bursts of CPU (the runtime may resume it on another worker each time); answers with the
/// number of threads it ran on.
async fn hop() -> String {
    let mut threads = HashSet::new();
    let mut h = 0;
    for _ in 0..120 {
        h ^= hop_work();
        threads.insert(std::thread::current().id());
        tokio::task::yield_now().await;
    }
    std::hint::black_box(h);
    format!("{}", threads.len())
}

async fn wait_for_upstream() {
    tokio::time::sleep(Duration::from_millis(150)).await;
}

async fn nap() -> String {
    let h = crunch_hashes();
    wait_for_upstream().await;
    format!("{h}")
}

fn app() -> Router {
    Router::new()
        .route("/crunch", get(crunch))
        .route("/plain", get(crunch))
        .route("/hop", get(hop))
        .route("/nap", get(nap))
        .route("/stall", get(|| async { tokio::time::sleep(Duration::from_secs(30)).await }))
}

/// A level 3 recorder (sampling every 2 ms) with `/plain` at level 1.
fn recorder(db: &Path) -> Recorder {
    let mut config = config(db, 3);
    config.dashboard.sampling_period_ms = 2.0;
    let store = Store::open_writer(db, "").expect("store");
    store.ensure_endpoint("/plain", 1, "1.0", 0).expect("endpoint");
    store.set_level("/plain", 1).expect("level");
    drop(store);
    Recorder::builder(&config).build()
}

async fn send(router: &Router, uri: &str) -> u16 {
    let request = axum::http::Request::builder().uri(uri).body(axum::body::Body::empty()).expect("request");
    router.clone().oneshot(request).await.expect("infallible").status().as_u16()
}

/// One StackLine joined with its CodeLine.
#[derive(Debug, Clone)]
struct Line {
    request: i64,
    position: i64,
    indent: i64,
    duration: f64,
    filename: String,
    function: String,
    code: String,
}

fn lines(db: &Path, endpoint: &str) -> Vec<Line> {
    let conn = connect(db);
    let mut stmt = conn
        .prepare(
            "SELECT s.request_id, s.position, s.indent, s.duration, c.filename, c.function_name, c.code \
             FROM StackLine s JOIN CodeLine c ON c.id = s.code_id JOIN Request r ON r.id = s.request_id \
             JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name = ?1 ORDER BY s.request_id, s.position",
        )
        .expect("prepare");
    stmt.query_map([endpoint], |r| {
        Ok(Line {
            request: r.get(0)?,
            position: r.get(1)?,
            indent: r.get(2)?,
            duration: r.get(3)?,
            filename: r.get(4)?,
            function: r.get(5)?,
            code: r.get(6)?,
        })
    })
    .expect("query")
    .collect::<Result<Vec<_>, _>>()
    .expect("rows")
}

/// Requests of each endpoint.
fn requests(db: &Path, endpoint: &str) -> Vec<(i64, f64)> {
    let conn = connect(db);
    let mut stmt = conn
        .prepare("SELECT r.id, r.duration FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name = ?1")
        .expect("prepare");
    stmt.query_map([endpoint], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

/// Sum of the durations of `function`'s outermost rows (its own nested rows are not counted twice).
fn time_in(lines: &[Line], function: &str) -> f64 {
    let mut total = 0.0;
    let mut inside: Option<i64> = None;
    for line in lines {
        if let Some(indent) = inside {
            if line.indent > indent {
                continue;
            }
            inside = None;
        }
        if line.function.contains(function) {
            total += line.duration;
            inside = Some(line.indent);
        }
    }
    total
}

/// Every request's rows: position 0..n, the endpoint's line first at indent 0 with the whole duration, then
/// depth first (each indent at most one more than the previous), a child never longer than its parent.
fn assert_tree_shape(lines: &[Line], durations: &[(i64, f64)]) {
    let mut by_request: std::collections::BTreeMap<i64, Vec<&Line>> = Default::default();
    for line in lines {
        by_request.entry(line.request).or_default().push(line);
    }
    for (request, rows) in by_request {
        let positions: Vec<i64> = rows.iter().map(|r| r.position).collect();
        assert_eq!(positions, (0..rows.len() as i64).collect::<Vec<_>>(), "positions of request {request}");
        assert_eq!(rows[0].indent, 0, "{:?}", rows[0]);
        assert_eq!(rows[0].function, "None");
        let duration = durations.iter().find(|(id, _)| *id == request).map(|(_, d)| *d).expect("request row");
        assert!((rows[0].duration - duration).abs() < 1e-6, "the root line has the request's duration");
        let mut parents: Vec<f64> = vec![rows[0].duration];
        for row in &rows[1..] {
            assert!(row.indent >= 1 && row.indent as usize <= parents.len(), "depth first: {row:?} after {parents:?}");
            parents.truncate(row.indent as usize);
            let parent = parents[parents.len() - 1];
            assert!(row.duration <= parent + 1e-6, "{row:?} longer than its parent ({parent} ms)");
            parents.push(row.duration);
        }
    }
}

fn assert_no_machinery(lines: &[Line]) {
    let recorder_src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    for line in lines.iter().filter(|l| l.indent > 0) {
        assert!(!line.filename.starts_with(recorder_src), "a recorder frame: {line:?}");
        assert!(!line.function.contains("fmd_recorder"), "a recorder frame: {line:?}");
        assert!(!line.filename.contains("/tokio-") && !line.filename.contains("/axum-"), "machinery: {line:?}");
        assert!(!line.filename.starts_with("/rustc/"), "the standard library: {line:?}");
        assert!(!line.function.starts_with("<stack cut short"), "frame pointers are on here: {line:?}");
    }
}

#[tokio::test]
async fn a_two_to_one_split_is_measured_as_two_to_one() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = recorder(&db);
    let router = app().layer(recorder.layer());
    for _ in 0..8 {
        assert_eq!(send(&router, "/crunch").await, 200);
    }
    for _ in 0..3 {
        assert_eq!(send(&router, "/plain").await, 200);
    }
    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!((report.recorded, report.dropped, report.failed), (11, 0, 0));

    let crunch = lines(&db, "/crunch");
    assert!(!crunch.is_empty(), "no stack lines at level 3");
    assert_tree_shape(&crunch, &requests(&db, "/crunch"));
    assert_no_machinery(&crunch);
    let primes = time_in(&crunch, "crunch_primes");
    let hashes = time_in(&crunch, "crunch_hashes");
    let share = primes / (primes + hashes) * 100.0;
    eprintln!("crunch_primes {primes:.1} ms, crunch_hashes {hashes:.1} ms: {share:.1}%");
    assert!((share - 66.7).abs() <= 10.0, "crunch_primes {primes:.1} ms, crunch_hashes {hashes:.1} ms: {share:.1}%");
    // The two functions are most of the request.
    let total: f64 = requests(&db, "/crunch").iter().map(|(_, d)| d).sum();
    assert!(primes + hashes > 0.7 * total, "{primes} + {hashes} of {total} ms");
    let code: Vec<&str> =
        crunch.iter().filter(|l| l.function.contains("crunch_primes")).map(|l| l.code.as_str()).collect();
    assert!(code.iter().any(|c| !c.is_empty()), "the source line text is stored: {code:?}");

    assert!(lines(&db, "/plain").is_empty(), "level 1 requests have no stack lines");
    assert_eq!(requests(&db, "/plain").len(), 3);
    let conn = connect(&db);
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM StackLine WHERE request_id NOT IN (SELECT id FROM Request)", [], |r| r.get(0))
        .expect("count");
    assert_eq!(orphans, 0);
    let duplicates: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT 1 FROM CodeLine GROUP BY filename, line_number, function_name, code \
             HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(duplicates, 0, "CodeLines are deduplicated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_hopping_between_workers_is_sampled() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = recorder(&db);
    let router = app().layer(recorder.layer());
    // Keep the other worker busy with short tasks too, so it steals.
    let noise = tokio::spawn(async {
        for _ in 0..400 {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    });
    let mut handles = Vec::new();
    for _ in 0..3 {
        let router = router.clone();
        handles.push(tokio::spawn(async move {
            let request = axum::http::Request::builder().uri("/hop").body(axum::body::Body::empty()).expect("request");
            let response = router.oneshot(request).await.expect("infallible");
            let body = axum::body::to_bytes(response.into_body(), 64).await.expect("body");
            String::from_utf8_lossy(&body).parse::<usize>().expect("thread count")
        }));
    }
    let mut most_threads = 0;
    for handle in handles {
        most_threads = most_threads.max(handle.await.expect("task"));
    }
    let _ = noise.await;
    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!(report.recorded, 3);
    let hop = lines(&db, "/hop");
    assert_tree_shape(&hop, &requests(&db, "/hop"));
    assert_no_machinery(&hop);
    let total: f64 = requests(&db, "/hop").iter().map(|(_, d)| d).sum();
    let working = time_in(&hop, "hop_work");
    assert!(most_threads >= 2, "no request moved between the two workers; the test proves nothing");
    assert!(working > 0.5 * total, "hop_work {working:.1} of {total:.1} ms: {hop:#?}");
}

#[tokio::test]
async fn time_parked_at_an_await_goes_to_the_await() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = recorder(&db);
    let router = app().layer(recorder.layer());
    for _ in 0..3 {
        assert_eq!(send(&router, "/nap").await, 200);
    }
    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!(report.recorded, 3);
    let nap = lines(&db, "/nap");
    assert_tree_shape(&nap, &requests(&db, "/nap"));
    assert_no_machinery(&nap);
    let total: f64 = requests(&db, "/nap").iter().map(|(_, d)| d).sum();
    // The sleeping line of `wait_for_upstream` (async fn frames are named `{async_fn#0}` in builds with
    // line tables only, so it is found by its source text).
    let sleeping: f64 = nap
        .iter()
        .filter(|l| l.code.contains("tokio::time::sleep(Duration::from_millis(150))"))
        .map(|l| l.duration)
        .sum();
    assert!(sleeping > 0.6 * total, "the await holds {sleeping:.1} of {total:.1} ms: {nap:#?}");
    let hashing = time_in(&nap, "crunch_hashes");
    assert!(hashing > 0.05 * total && hashing < 0.4 * total, "crunch_hashes {hashing:.1} of {total:.1} ms");
    assert!(wait_until(Duration::from_millis(1), || true));
}

#[tokio::test]
async fn requests_dropped_unfinished_stop_being_sampled() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = recorder(&db);
    let router = app().layer(recorder.layer());
    // More abandoned requests (clients that went away) than the profiler samples at once.
    for _ in 0..80 {
        let abandoned = tokio::time::timeout(Duration::from_millis(5), send(&router, "/stall")).await;
        assert!(abandoned.is_err());
    }
    assert_eq!(send(&router, "/crunch").await, 200);
    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!(report.recorded, 1, "abandoned requests are not recorded");
    let crunch = lines(&db, "/crunch");
    assert!(time_in(&crunch, "crunch_primes") > 0.0, "the later request is still profiled: {crunch:#?}");
}
