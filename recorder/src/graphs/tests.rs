//! The graph thread against real database files, with short deadlines and a captured log.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use fmd_core::store::{NewRequest, TimeRange, WriteBatch};
use fmd_core::Store;

use super::runner::{Level, Limits, Logger, PruneJob};
use super::{GraphError, GraphValue, Graphs, Schedule, Setup};

type Log = Arc<Mutex<Vec<(Level, String)>>>;

fn capture() -> (Log, Logger) {
    let log: Log = Arc::default();
    let sink = Arc::clone(&log);
    (log, Arc::new(move |level, line| sink.lock().unwrap_or_else(|p| p.into_inner()).push((level, line))))
}

fn lines(log: &Log, needle: &str) -> Vec<String> {
    let log = log.lock().unwrap_or_else(|p| p.into_inner());
    log.iter().filter(|(_, line)| line.contains(needle)).map(|(_, line)| line.clone()).collect()
}

fn limits() -> Limits {
    Limits {
        min_deadline: Duration::from_millis(150),
        max_deadline: Duration::from_millis(150),
        first_prune_within: Duration::from_millis(50),
        busy_timeout: Duration::from_secs(1),
    }
}

fn setup(path: &Path, prune: Option<PruneJob>) -> Setup {
    Setup { path: path.to_path_buf(), prefix: String::new(), version: "2.0-test".into(), prune, unsupported: None }
}

fn graphs(path: &Path) -> (Graphs, Log) {
    let (log, logger) = capture();
    (Graphs::with_limits(setup(path, None), limits(), logger), log)
}

fn job<R: GraphValue>(mut f: impl FnMut() -> R + Send + 'static) -> super::GraphFn {
    Box::new(move || f().into_graph_value())
}

/// Values stored for the graph titled `title`, oldest first.
fn values(path: &Path, title: &str) -> Vec<f64> {
    let Ok(store) = Store::open_reader(path, Some("")) else { return Vec::new() };
    let graphs = store.graphs().expect("graphs");
    let Some(graph) = graphs.iter().find(|g| g.title == title) else { return Vec::new() };
    store.graph_values(graph.graph_id, TimeRange::ALL).expect("values").into_iter().map(|v| v.value).collect()
}

fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    condition()
}

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("graphs.db")
}

#[test]
fn a_database_without_graph_support_refuses_graphs_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db(&dir);
    let (_log, logger) = capture();
    let graphs = Graphs::with_limits(setup(&path, None).unsupported("not here"), limits(), logger);
    let refused = graphs.add("g".into(), job(|| 1.0), Schedule::every_seconds(1));
    assert_eq!(refused, Err(GraphError::Unsupported("not here".into())));
    assert_eq!(refused.map_err(|e| e.to_string()), Err("not here".to_string()));
    graphs.shutdown(Duration::from_millis(100));
    assert!(!path.exists(), "no SQLite file is created in its place");
}

#[test]
fn values_are_stored_at_registration_and_then_on_schedule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db(&dir);
    let (graphs, _log) = graphs(&path);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let registered = Instant::now();
    graphs
        .add(
            "calls".into(),
            job(move || counter.fetch_add(1, Ordering::SeqCst) as f64),
            Schedule::every(Duration::from_millis(100)),
        )
        .expect("added");
    assert!(wait_until(Duration::from_secs(5), || !values(&path, "calls").is_empty()), "first value at once");
    assert!(registered.elapsed() < Duration::from_secs(2), "the first run does not wait a period");
    assert!(wait_until(Duration::from_secs(10), || values(&path, "calls").len() >= 5), "then on schedule");
    let stored = values(&path, "calls");
    assert_eq!(stored[..5], [0.0, 1.0, 2.0, 3.0, 4.0], "one value per run, in order");

    let store = Store::open_reader(&path, Some("")).expect("reader");
    let graph = store.graphs().expect("graphs").remove(0);
    assert_eq!((graph.title.as_str(), graph.version_added.as_deref()), ("calls", Some("2.0-test")));
    let times: Vec<_> =
        store.graph_values(graph.graph_id, TimeRange::ALL).expect("values").iter().map(|v| v.time).collect();
    let gaps: Vec<i64> = times.windows(2).map(|w| (w[1] - w[0]).num_milliseconds()).collect();
    assert!(gaps.iter().all(|g| (40..=600).contains(g)), "about 100 ms apart: {gaps:?}");

    graphs.shutdown(Duration::from_secs(5));
    let after = values(&path, "calls").len();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(values(&path, "calls").len(), after, "shutdown stops the runs");
    assert_eq!(graphs.add("late".into(), job(|| 1.0), Schedule::every_seconds(1)), Err(GraphError::ShutDown));
}

#[test]
fn failing_and_panicking_closures_are_skipped_and_logged_once_per_episode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db(&dir);
    let (graphs, log) = graphs(&path);
    let every = || Schedule::every(Duration::from_millis(40));
    // Fails three times, then works.
    let n = Arc::new(AtomicUsize::new(0));
    let calls = Arc::clone(&n);
    graphs
        .add(
            "flaky".into(),
            job(move || -> Result<f64, String> {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0..=2 => Err("the queue is not reachable".into()),
                    i => Ok(i as f64),
                }
            }),
            every(),
        )
        .expect("added");
    graphs.add("not a number".into(), job(|| f64::NAN), every()).expect("added");
    graphs.add("panics".into(), job(|| -> f64 { panic!("boom (expected by the test)") }), every()).expect("added");
    graphs.add("fine".into(), job(|| 7_u32), every()).expect("added");

    assert!(
        wait_until(Duration::from_secs(10), || values(&path, "flaky").len() >= 3 && values(&path, "fine").len() >= 8)
    );
    assert!(n.load(Ordering::SeqCst) >= 6);
    assert_eq!(values(&path, "flaky")[0], 3.0, "failed runs store nothing");
    assert!(values(&path, "not a number").is_empty());
    assert!(values(&path, "panics").is_empty());
    assert!(values(&path, "fine").iter().all(|v| *v == 7.0));

    assert_eq!(lines(&log, "\"flaky\" failed: the queue is not reachable").len(), 1, "{:?}", lines(&log, ""));
    assert_eq!(lines(&log, "\"flaky\" works again").len(), 1);
    assert_eq!(lines(&log, "\"not a number\" failed: returned NaN, not a finite number").len(), 1);
    assert_eq!(lines(&log, "\"panics\" panicked: boom (expected by the test)").len(), 1, "every run panics, one line");
    assert!(lines(&log, "\"fine\"").is_empty());
    graphs.shutdown(Duration::from_secs(5));
}

#[test]
fn a_slow_closure_neither_delays_other_graphs_nor_overlaps_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db(&dir);
    let (graphs, log) = graphs(&path);
    let active = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let slow_calls = Arc::new(AtomicUsize::new(0));
    let (a, m, c) = (Arc::clone(&active), Arc::clone(&most), Arc::clone(&slow_calls));
    graphs
        .add(
            "slow".into(),
            job(move || {
                let now = a.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                c.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(400));
                a.fetch_sub(1, Ordering::SeqCst);
                1.0
            }),
            Schedule::every(Duration::from_millis(50)),
        )
        .expect("added");
    graphs.add("fast".into(), job(|| 2.0), Schedule::every(Duration::from_millis(50))).expect("added");
    let started = Instant::now();
    assert!(wait_until(Duration::from_secs(10), || values(&path, "fast").len() >= 15));
    assert!(started.elapsed() < Duration::from_secs(5), "the fast graph kept its pace: {:?}", started.elapsed());
    assert!(wait_until(Duration::from_secs(5), || slow_calls.load(Ordering::SeqCst) >= 2), "the slow one runs again");
    assert_eq!(most.load(Ordering::SeqCst), 1, "never two runs of one graph at once");
    assert!(values(&path, "slow").is_empty(), "values past the deadline are discarded");
    assert_eq!(lines(&log, "\"slow\" did not return before its deadline").len(), 1, "{:?}", lines(&log, ""));
    graphs.shutdown(Duration::from_secs(5));
}

#[test]
fn titles_and_schedules_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (graphs, _log) = graphs(&db(&dir));
    let every = || Schedule::every_seconds(60);
    assert_eq!(graphs.add(" ".into(), job(|| 1.0), every()), Err(GraphError::EmptyTitle));
    assert_eq!(graphs.add("x".repeat(251), job(|| 1.0), every()), Err(GraphError::TitleTooLong { chars: 251 }));
    assert!(matches!(
        graphs.add("zero".into(), job(|| 1.0), Schedule::every(Duration::ZERO)),
        Err(GraphError::InvalidSchedule(_))
    ));
    graphs.add("rss".into(), job(|| 1.0), every()).expect("added");
    assert_eq!(graphs.add("rss".into(), job(|| 2.0), every()), Err(GraphError::Duplicate("rss".into())));
    assert_eq!(
        GraphError::TitleTooLong { chars: 251 }.to_string(),
        "a custom graph title has at most 250 characters, this one 251"
    );
    graphs.shutdown(Duration::from_secs(5));
}

#[test]
fn an_unwritable_database_is_logged_once_and_nothing_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("missing-dir").join("graphs.db");
    let (graphs, log) = graphs(&path);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    graphs
        .add(
            "rss".into(),
            job(move || counter.fetch_add(1, Ordering::SeqCst) as f64),
            Schedule::every(Duration::from_millis(30)),
        )
        .expect("added");
    assert!(wait_until(Duration::from_secs(10), || calls.load(Ordering::SeqCst) >= 5));
    assert_eq!(lines(&log, "cannot store custom graph values").len(), 1, "{:?}", lines(&log, ""));
    // The directory appears: values are stored again, and that is logged.
    std::fs::create_dir(dir.path().join("missing-dir")).expect("mkdir");
    assert!(wait_until(Duration::from_secs(10), || !values(&path, "rss").is_empty()));
    assert!(wait_until(Duration::from_secs(5), || lines(&log, "stored in").len() == 1));
    graphs.shutdown(Duration::from_secs(5));
}

/// A database with `old` requests from two days ago and `new` ones from a minute ago, and a graph value of each age.
fn database_with_old_requests(path: &Path, old: usize, new: usize) {
    let mut store = Store::open_writer(path, "").expect("writer");
    let now = Utc::now();
    let endpoint = store.ensure_endpoint("/old", 1, "1.0", now.timestamp_micros()).expect("endpoint").id;
    let request = |age: chrono::Duration| NewRequest {
        endpoint_id: endpoint,
        duration_ms: 1.0,
        time_micros: (now - age).timestamp_micros(),
        group_by: "None".into(),
        ip: "127.0.0.1".into(),
        status_code: 200,
    };
    let mut requests: Vec<NewRequest> = (0..old).map(|_| request(chrono::Duration::days(2))).collect();
    requests.extend((0..new).map(|_| request(chrono::Duration::minutes(1))));
    store.write(&WriteBatch { version: "1.0".into(), requests, ..Default::default() }).expect("write");
    let graph = store.ensure_graph("rss", "1.0").expect("graph");
    store.add_graph_value(graph, now - chrono::Duration::days(2), 1.0).expect("value");
    store.add_graph_value(graph, now, 2.0).expect("value");
}

fn request_count(path: &Path) -> i64 {
    let store = Store::open_reader(path, Some("")).expect("reader");
    store.connection().query_row("SELECT count(*) FROM Request", [], |r| r.get(0)).expect("count")
}

#[test]
fn scheduled_pruning_runs_on_its_schedule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db(&dir);
    database_with_old_requests(&path, 300, 20);
    let prune = PruneJob {
        older_than: Duration::from_secs(86_400),
        schedule: Schedule::every(Duration::from_millis(300)),
        keep_custom_graphs: true,
    };
    let (log, logger) = capture();
    let graphs = Graphs::with_limits(setup(&path, Some(prune)), limits(), logger);
    // Started by the configuration alone, no graph needed; the first run comes within `first_prune_within`.
    assert!(wait_until(Duration::from_secs(10), || request_count(&path) == 20), "old requests pruned");
    assert!(
        wait_until(Duration::from_secs(5), || lines(&log, "pruned 300 requests").len() == 1),
        "{:?}",
        lines(&log, "")
    );
    assert_eq!(values(&path, "rss"), [1.0, 2.0], "custom graph data kept as configured");
    // It keeps running on schedule (later runs find nothing old).
    assert!(wait_until(Duration::from_secs(10), || lines(&log, "pruned 0 requests").len() >= 2));
    graphs.shutdown(Duration::from_secs(5));
    let runs = lines(&log, "pruned").len();
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(lines(&log, "pruned").len(), runs, "shutdown stops pruning");
}

#[test]
fn scheduled_pruning_deletes_old_graph_data_by_default_and_logs_failures_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db(&dir);
    database_with_old_requests(&path, 5, 5);
    let prune = PruneJob {
        older_than: Duration::from_secs(86_400),
        schedule: Schedule::cron("* * * * *").expect("every second"),
        keep_custom_graphs: false,
    };
    let (log, logger) = capture();
    let graphs = Graphs::with_limits(setup(&path, Some(prune.clone())), limits(), logger);
    assert!(wait_until(Duration::from_secs(10), || values(&path, "rss") == [2.0]), "old graph data pruned");
    assert_eq!(request_count(&path), 5);
    graphs.shutdown(Duration::from_secs(5));

    // A file that does not exist (yet): one warning, however many runs fail.
    let missing = dir.path().join("nothing-here.db");
    let (log2, logger) = capture();
    let graphs = Graphs::with_limits(setup(&missing, Some(prune)), limits(), logger);
    assert!(wait_until(Duration::from_secs(10), || !lines(&log2, "scheduled pruning").is_empty()));
    std::thread::sleep(Duration::from_millis(2_200));
    assert_eq!(lines(&log2, "scheduled pruning").len(), 1, "{:?}", lines(&log2, ""));
    assert!(lines(&log2, "scheduled pruning")[0].contains("no such database file"));
    graphs.shutdown(Duration::from_secs(5));
    assert!(lines(&log, "failed").is_empty());
}

#[test]
fn setup_reads_the_pruning_section() {
    let config = fmd_core::Config::from_toml_str(
        "[dashboard]\napp_version = \"3.1\"\n[database]\npath = \"x.db\"\ntable_prefix = \"fmd\"\n\
         [pruning]\nolder_than = \"90d\"\ncron = { hour = 3 }\nkeep_custom_graphs = true\n",
        "test.toml",
    )
    .expect("valid");
    let setup = Setup::from_config(&config).with_database(Path::new("other.db"));
    assert_eq!(
        (setup.path.as_path(), setup.prefix.as_str(), setup.version.as_str()),
        (Path::new("other.db"), "fmd", "3.1")
    );
    let prune = setup.prune.expect("scheduled");
    assert_eq!(prune.older_than, Duration::from_secs(90 * 86_400));
    assert_eq!(prune.schedule, Schedule::cron_fields(&[("hour", "3")]).expect("valid"));
    assert!(prune.keep_custom_graphs);
    assert!(Setup::from_config(&fmd_core::Config::default()).prune.is_none(), "off by default");
}
