//! Custom graphs and scheduled pruning through the public API: `Recorder::add_graph` and `[pruning]`.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{capture_logs, config, connect, log_lines, wait_until};
use fmd_recorder::{GraphError, Recorder, Schedule};

fn graph_values(db: &std::path::Path, title: &str) -> Vec<(String, f64)> {
    let conn = connect(db);
    let mut stmt = conn
        .prepare(
            "SELECT d.time, d.value FROM CustomGraphData d JOIN CustomGraph g ON g.graph_id = d.graph_id \
             WHERE g.title = ?1 ORDER BY d.id",
        )
        .expect("prepare");
    let rows = stmt.query_map([title], |r| Ok((r.get(0)?, r.get(1)?))).expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

#[test]
fn add_graph_stores_values_on_schedule_until_shutdown() {
    capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("graphs.db");
    let recorder = Recorder::builder(&config(&db, 1)).build();
    let n = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&n);
    recorder
        .add_graph(
            "requests in flight",
            move || counter.fetch_add(1, Ordering::SeqCst),
            Schedule::every(Duration::from_millis(100)),
        )
        .expect("added");
    recorder
        .add_graph(
            "always fails",
            || -> Result<f64, std::io::Error> { Err(std::io::Error::other("no such gauge")) },
            Schedule::every(Duration::from_millis(100)),
        )
        .expect("added");
    assert!(wait_until(Duration::from_secs(10), || graph_values(&db, "requests in flight").len() >= 4));
    let values = graph_values(&db, "requests in flight");
    assert_eq!(values.iter().take(4).map(|(_, v)| *v).collect::<Vec<_>>(), [0.0, 1.0, 2.0, 3.0]);
    assert!(values.iter().all(|(time, _)| common::is_fmd_time(time)), "FMD's timestamp text: {values:?}");
    let conn = connect(&db);
    let (title, version, added): (String, String, String) = conn
        .query_row("SELECT title, version_added, time_added FROM CustomGraph WHERE graph_id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("graph row");
    assert_eq!((title.as_str(), version.as_str()), ("requests in flight", "9.9-test"));
    assert!(common::is_fmd_time(&added));
    assert!(graph_values(&db, "always fails").is_empty());
    assert!(wait_until(Duration::from_secs(5), || !log_lines(&["\"always fails\" failed: no such gauge"]).is_empty()));

    assert!(matches!(
        recorder.add_graph("requests in flight", || 1.0, Schedule::every_seconds(1)),
        Err(GraphError::Duplicate(_))
    ));
    recorder.shutdown(Duration::from_secs(5));
    let count = graph_values(&db, "requests in flight").len();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(graph_values(&db, "requests in flight").len(), count, "no value after shutdown");
    assert_eq!(recorder.add_graph("later", || 1.0, Schedule::every_seconds(1)), Err(GraphError::ShutDown));
    assert_eq!(log_lines(&["\"always fails\" failed"]).len(), 1, "logged once");
}

#[test]
fn a_configured_prune_schedule_runs_without_any_graph() {
    capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("prune.db");
    // An old request written by another recorder, two days ago.
    {
        let mut store = fmd_core::Store::open_writer(&db, "").expect("writer");
        let old = (chrono::Utc::now() - chrono::Duration::days(2)).timestamp_micros();
        let id = store.ensure_endpoint("/old", 1, "1.0", old).expect("endpoint").id;
        let request = fmd_core::store::NewRequest {
            endpoint_id: id,
            duration_ms: 1.0,
            time_micros: old,
            group_by: "None".into(),
            ip: "127.0.0.1".into(),
            status_code: 200,
        };
        let batch =
            fmd_core::store::WriteBatch { version: "1.0".into(), requests: vec![request], ..Default::default() };
        store.write(&batch).expect("write");
    }
    let mut config = config(&db, 1);
    config.pruning = fmd_core::Config::from_toml_str(
        "[pruning]\nolder_than = \"1d\"\ncron = \"* * * * *\"\n", // every second
        "test.toml",
    )
    .expect("valid")
    .pruning;
    let recorder = Recorder::builder(&config).build();
    let count = || -> i64 { connect(&db).query_row("SELECT count(*) FROM Request", [], |r| r.get(0)).expect("count") };
    assert!(wait_until(Duration::from_secs(10), || count() == 0), "the old request was pruned");
    assert!(wait_until(Duration::from_secs(5), || !log_lines(&["pruned 1 requests", "prune.db"]).is_empty()));
    recorder.shutdown(Duration::from_secs(5));
}
