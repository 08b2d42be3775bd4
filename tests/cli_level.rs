//! `fmd level` without a level shows the levels: every endpoint's, or one endpoint's, as a table or JSON;
//! with a level it sets it.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture_copy, fmd_command};

fn level(db: &Path, args: &[&str]) -> Output {
    fmd_command()
        .arg("level")
        .args(args)
        .args(["--db", db.to_str().expect("utf8")])
        .env("COLUMNS", "100")
        .output()
        .expect("run fmd")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

#[test]
fn levels_are_listed_as_a_table_and_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    stdout(&level(&db, &["search", "1"]));
    let table = stdout(&level(&db, &[]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "endpoint     level  records", "{table}");
    assert_eq!(lines.len(), 7, "a header and six endpoints: {table}");
    assert!(lines.contains(&"search           1  every request"), "{table}");
    assert!(lines.contains(&"boom             3  every request, outliers, profiler"), "{table}");

    let json: Value = serde_json::from_str(&stdout(&level(&db, &["--json"]))).expect("json");
    let levels: Vec<(String, i64)> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|e| (e["name"].as_str().expect("name").to_string(), e["level"].as_i64().expect("level")))
        .collect();
    assert_eq!(levels.len(), 6);
    assert!(levels.contains(&("search".into(), 1)) && levels.contains(&("index".into(), 3)), "{levels:?}");
}

#[test]
fn one_endpoint_level_is_shown_and_an_unknown_one_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let one = stdout(&level(&db, &["upload"]));
    assert_eq!(one, "endpoint  level  records\nupload        3  every request, outliers, profiler\n");
    let json: Value = serde_json::from_str(&stdout(&level(&db, &["upload", "--json"]))).expect("json");
    assert_eq!(json, serde_json::json!([{"id": 5, "name": "upload", "level": 3}]));
    let out = level(&db, &["uplaod"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no endpoint named \"uplaod\"") && err.lines().count() == 1, "{err}");
}

#[test]
fn listing_levels_never_writes_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let before = std::fs::read(&db).expect("read");
    stdout(&level(&db, &[]));
    stdout(&level(&db, &["search"]));
    assert_eq!(std::fs::read(&db).expect("read"), before, "a listing opens the file read-only");
}
