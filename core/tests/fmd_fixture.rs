//! The overview computed by fmd on FMD 5.1.0's own database equals what FMD's API answered for it.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use fmd_core::Store;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("fmd-5.1.0-sample.expected.json")).expect("expected json");
    serde_json::from_str(&text).expect("json")
}

fn now() -> DateTime<Utc> {
    "2026-11-27T22:56:55Z".parse().expect("instant")
}

#[test]
fn overview_equals_fmd_numbers() {
    let store = Store::open_reader(fixture("fmd-5.1.0-sample.db"), None).expect("opens FMD's file");
    let rows = store.overview(now(), chrono_tz::UTC).expect("overview");
    let expected = expected();
    let expected = expected["overview"].as_array().expect("array");
    assert_eq!(rows.len(), expected.len());
    for (row, want) in rows.iter().zip(expected) {
        assert_eq!(row.name, want["name"].as_str().expect("name"), "order follows FMD (hits overall desc)");
        assert_eq!(row.id, want["id"].as_i64().expect("id"));
        assert_eq!(row.monitor_level.map(i64::from), want["monitor"].as_i64());
        for (got, key) in [
            (row.hits_today, "hits-today"),
            (row.hits_today_errors, "hits-today-errors"),
            (row.hits_week, "hits-week"),
            (row.hits_week_errors, "hits-week-errors"),
            (row.hits_overall, "hits-overall"),
        ] {
            assert_eq!(Some(got), want[key].as_u64(), "{} {key}", row.name);
        }
        for (got, key) in [
            (row.median_today, "median-today"),
            (row.median_week, "median-week"),
            (row.median_overall, "median-overall"),
        ] {
            let want = want[key].as_f64().expect("median");
            let got = got.expect("has requests");
            assert!((got - want).abs() < 1e-9, "{} {key}: {got} vs FMD {want}", row.name);
        }
        let last = row.last_requested.expect("last requested");
        let want_last = want["last-accessed"].as_str().expect("rfc822");
        assert_eq!(last.format("%a, %d %b %Y %H:%M:%S GMT").to_string(), want_last);
    }
}

#[test]
fn reading_never_changes_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("copy.db");
    std::fs::copy(fixture("fmd-5.1.0-sample.db"), &copy).expect("copy");
    let before = std::fs::read(&copy).expect("read");
    let store = Store::open_reader(&copy, None).expect("open");
    store.overview(now(), chrono_tz::UTC).expect("overview");
    drop(store);
    assert_eq!(before, std::fs::read(&copy).expect("read"), "a reader leaves FMD's file byte-identical");
}

#[test]
fn the_shipped_fmd_toml_is_valid_and_at_defaults() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fmd.toml");
    let loaded = fmd_core::Config::from_path(&path).expect("fmd.toml parses");
    let defaults = fmd_core::Config {
        source: Some(path.clone()),
        database: fmd_core::config::Database {
            path: path.parent().expect("dir").join("fmd.db"),
            table_prefix: String::new(),
            ..fmd_core::config::Database::default()
        },
        ..fmd_core::Config::default()
    };
    assert_eq!(loaded, defaults, "fmd.toml documents every option at its default");
}
