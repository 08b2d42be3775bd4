//! Custom graphs (FMD's CustomGraph / CustomGraphData) written and read back, and the endpoint deletion preview.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::TimeRange;
use fmd_core::Store;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db")
}

#[test]
fn graphs_round_trip_in_fmd_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.db");
    let store = Store::open_writer(&path, "fmd").expect("writer");
    let before = Utc::now() - Duration::seconds(1);
    let rss = store.ensure_graph("process RSS MB", "1.2").expect("graph");
    let again = store.ensure_graph("process RSS MB", "9.9").expect("same graph");
    assert_eq!(rss, again, "one row per title");
    let queue = store.ensure_graph("queue length", "1.2").expect("graph");
    assert_ne!(rss, queue);
    let t0 = at("2026-11-27T22:00:00Z");
    for i in 0..10 {
        store.add_graph_value(rss, t0 + Duration::minutes(i), 100.0 + i as f64).expect("value");
    }
    store.add_graph_value(queue, t0, 3.0).expect("value");

    // Stored exactly as FMD stores them: naive UTC text with six fractional digits, REAL values.
    let (time, value, version): (String, f64, String) = store
        .connection()
        .query_row(
            "SELECT d.time, d.value, g.version_added FROM \"fmdCustomGraphData\" d JOIN \"fmdCustomGraph\" g \
             USING (graph_id) WHERE g.title = 'process RSS MB' ORDER BY d.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("row");
    assert_eq!((time.as_str(), value, version.as_str()), ("2026-11-27 22:00:00.000000", 100.0, "1.2"));

    let reader = Store::open_reader(&path, None).expect("reader");
    let graphs = reader.graphs().expect("graphs");
    assert_eq!(graphs.iter().map(|g| g.title.as_str()).collect::<Vec<_>>(), ["process RSS MB", "queue length"]);
    let added = graphs[0].time_added.expect("time_added");
    assert!(added >= before && added <= Utc::now(), "{added}");
    assert_eq!(graphs[0].version_added.as_deref(), Some("1.2"), "the first registration's version stays");

    let all = reader.graph_values(rss, TimeRange::ALL).expect("values");
    assert_eq!(all.len(), 10);
    assert_eq!(all[0].time, t0);
    let window = reader
        .graph_values(rss, TimeRange::new(Some(t0 + Duration::minutes(2)), Some(t0 + Duration::minutes(5))))
        .expect("values");
    assert_eq!(window.iter().map(|v| v.value).collect::<Vec<_>>(), [102.0, 103.0, 104.0], "half-open window");

    let json = serde_json::to_value(&graphs[0]).expect("json");
    let mut keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["graph_id", "time_added", "title", "version_added"]);
    let json = serde_json::to_value(&window[0]).expect("json");
    assert_eq!(json["time"], "2026-11-27T22:02:00.000000Z");
    let mut keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["graph_id", "id", "time", "value"]);
}

#[test]
fn series_are_bucketed_with_window_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.db");
    let store = Store::open_writer(&path, "").expect("writer");
    let id = store.ensure_graph("load", "1.0").expect("graph");
    let now = at("2026-11-27T22:56:55Z");
    // One value a minute for the last 10 hours: 0, 1, 2, ... 599.
    for i in 0..600 {
        store.add_graph_value(id, now - Duration::minutes(600 - i), i as f64).expect("value");
    }
    // Hostile rows are skipped, not errors.
    store
        .connection()
        .execute_batch(&format!(
            "INSERT INTO CustomGraphData (graph_id, time, value) VALUES ({id}, 'garbage', 1.0), \
             ({id}, '2026-11-27 22:00:00.000000', 'text'), ({id}, '2026-11-27 22:00:00.000000', NULL)"
        ))
        .expect("hostile rows");
    let graph = store.graphs().expect("graphs").remove(0);
    let series = store.graph_series(&graph, TimeRange::since(now - Duration::hours(1)), 30, now).expect("series");
    assert_eq!((series.from, series.to), (now - Duration::hours(1), now));
    assert_eq!(series.count, 60);
    assert_eq!((series.min, series.max), (Some(540.0), Some(599.0)));
    assert_eq!(series.last.as_ref().map(|v| v.value), Some(599.0));
    assert_eq!(series.points.len(), 30, "two values per two-minute bucket");
    assert!(series.points.iter().all(|p| p.count == 2));
    assert_eq!((series.points[0].min, series.points[0].max, series.points[0].mean), (540.0, 541.0, 540.5));
    assert_eq!(series.points[0].time, now - Duration::hours(1) + Duration::minutes(1), "the bucket's middle");

    // All time: the axis starts at the first value.
    let all = store.graph_series(&graph, TimeRange::ALL, 10, now).expect("series");
    assert_eq!(all.from, now - Duration::minutes(600));
    assert_eq!(all.count, 600);
    assert_eq!(all.points.iter().map(|p| p.count).sum::<u64>(), 600);
    assert!(all.points.len() <= 10);

    // Nothing in the window.
    let empty = store
        .graph_series(&graph, TimeRange::new(Some(now - Duration::days(30)), Some(now - Duration::days(29))), 10, now)
        .expect("series");
    assert_eq!((empty.count, empty.min, empty.last.is_none(), empty.points.len()), (0, None, true, 0));
}

#[test]
fn files_without_graph_tables_have_no_graphs() {
    let reader = Store::open_reader(fixture(), None).expect("FMD's file");
    assert!(reader.graphs().expect("graphs").is_empty(), "the fixture has the tables but no rows");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    std::fs::copy(fixture(), &path).expect("copy");
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("DROP TABLE CustomGraphData; DROP TABLE CustomGraph;").expect("an FMD without graphs");
    drop(conn);
    let reader = Store::open_reader(&path, None).expect("reader");
    assert!(reader.graphs().expect("graphs").is_empty());
    assert!(reader.graph_values(1, TimeRange::ALL).expect("values").is_empty());
}

#[test]
fn the_deletion_preview_counts_what_deleting_deletes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("copy.db");
    std::fs::copy(fixture(), &copy).expect("copy");
    let reader = Store::open_reader(&copy, None).expect("reader");
    let preview = reader.endpoint_deletion_preview("search").expect("preview");
    assert!(preview.requests > 0);
    let before = std::fs::read(&copy).expect("read");
    drop(reader);
    assert_eq!(before, std::fs::read(&copy).expect("read"), "a preview changes nothing");
    let editor = Store::open_editor(&copy, None).expect("editor");
    let done = editor.delete_endpoint("search").expect("delete");
    assert_eq!(preview, done.deleted);
    assert!(matches!(editor.endpoint_deletion_preview("search"), Err(fmd_core::StoreError::UnknownEndpoint { .. })));
}
