//! `fmd show graphs`: custom graphs (FMD's CustomGraph / CustomGraphData) as JSON with FMD's keys, in a window.

use std::path::Path;
use std::process::{Command, Output};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture_copy, NOW};

fn fmd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fmd")).args(args).env_remove("FMD_CONFIG").output().expect("run fmd")
}

fn show_graphs(db: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["show", "graphs", "--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"];
    args.extend_from_slice(extra);
    fmd(&args)
}

fn json(db: &Path, extra: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(extra);
    let out = show_graphs(db, &all);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Two graphs: "rss" with a value every hour of the last day, "errors" with three values.
fn add_graphs(db: &Path) {
    let store = fmd_core::Store::open_editor(db, None).expect("editor");
    let now: DateTime<Utc> = NOW.parse().expect("now");
    let rss = store.ensure_graph("rss", "1.1").expect("graph");
    for h in 0..24 {
        store.add_graph_value(rss, now - Duration::hours(24 - h), 40.0 + h as f64).expect("value");
    }
    let errors = store.ensure_graph("errors", "1.1").expect("graph");
    for (h, v) in [(30, 1.0), (5, 2.0), (1, 0.5)] {
        store.add_graph_value(errors, now - Duration::hours(h), v).expect("value");
    }
    store
        .connection()
        .execute("UPDATE CustomGraph SET time_added = '2026-11-20 10:00:00.000000'", [])
        .expect("fixed time_added");
}

#[test]
fn no_graphs_is_an_empty_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    assert_eq!(json(&db, &[]), Value::Array(Vec::new()));
    let text = show_graphs(&db, &[]);
    assert!(text.status.success());
    assert_eq!(String::from_utf8_lossy(&text.stdout), "(no custom graphs)\n");
}

#[test]
fn graphs_and_values_with_fmd_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    add_graphs(&db);
    let all = json(&db, &[]);
    let graphs = all.as_array().expect("array");
    assert_eq!(graphs.len(), 2);
    let keys: Vec<&str> = graphs[0].as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["graph_id", "title", "time_added", "version_added", "values"], "FMD's CustomGraph keys");
    assert_eq!(graphs[0]["title"], "rss");
    assert_eq!(graphs[0]["time_added"], "2026-11-20T10:00:00.000000Z");
    assert_eq!(graphs[0]["version_added"], "1.1");
    let values = graphs[0]["values"].as_array().expect("values");
    assert_eq!(values.len(), 24);
    let keys: Vec<&str> = values[0].as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "graph_id", "time", "value"], "FMD's CustomGraphData keys");
    assert_eq!(values[0]["graph_id"], graphs[0]["graph_id"]);
    assert_eq!(values[0]["time"], "2026-11-26T22:56:55.000000Z");
    assert_eq!(values[0]["value"], 40.0);
    assert_eq!(graphs[1]["values"].as_array().expect("values").len(), 3);

    // A half-open window: from 6 h ago (inclusive) to 1 h ago (exclusive).
    let window = json(&db, &["--from", "6h", "--to", "2026-11-27T21:56:55Z"]);
    let rss: Vec<f64> =
        window[0]["values"].as_array().expect("values").iter().map(|v| v["value"].as_f64().expect("number")).collect();
    assert_eq!(rss, [58.0, 59.0, 60.0, 61.0, 62.0]);
    let errors: Vec<f64> =
        window[1]["values"].as_array().expect("values").iter().map(|v| v["value"].as_f64().expect("n")).collect();
    assert_eq!(errors, [2.0], "graphs without values in the window are still listed");

    // Text: each graph with a table of its values.
    let text = show_graphs(&db, &["--from", "2h"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("rss (graph 1, added 2026-11-20 10:00:00, version 1.1): 2 values\n"), "{text}");
    assert!(text.contains("\nerrors (graph 2,"), "{text}");
    assert!(text.contains("  2026-11-27 21:56:55     63\n"), "instants in --tz, values aligned: {text}");
}

#[test]
fn a_bad_window_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let out = show_graphs(&db, &["--json", "--from", "1h", "--to", "2h"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}
