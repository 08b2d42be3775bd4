//! `fmd show requests` with `--status`, `--user`, `--ip`, `--app-version` and `--sort`: unchanged without
//! them, filtered and ordered in the query with them, and a clear error (exit 2) for bad values.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture_copy, NOW};

fn fmd(db: &Path, args: &[&str]) -> Output {
    let mut all = vec!["show", "requests", "--endpoint", "search", "--limit", "1000"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"]);
    Command::new(env!("CARGO_BIN_EXE_fmd")).args(&all).env_remove("FMD_CONFIG").output().expect("run fmd")
}

fn rows(db: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = fmd(db, &all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    match serde_json::from_slice(&out.stdout).expect("json") {
        Value::Array(rows) => rows,
        other => panic!("not a list: {other}"),
    }
}

#[test]
fn filters_and_sort_select_what_the_plain_listing_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let all = rows(&db, &[]);
    assert!(all.len() > 20, "the fixture's search endpoint has requests");
    assert_eq!(rows(&db, &["--sort", "time"]), all, "--sort time is the default");
    let code = |r: &Value| r["status_code"].as_i64();
    let errors = rows(&db, &["--status", "4xx-5xx"]);
    let want: Vec<&Value> = all.iter().filter(|r| code(r).is_some_and(|c| (400..=599).contains(&c))).collect();
    assert_eq!(errors.iter().collect::<Vec<_>>(), want);
    let user = all[0]["group_by"].as_str().expect("user").to_string();
    let ip = all[0]["ip"].as_str().expect("ip").to_string();
    let prefix = format!("{}*", &ip[..ip.len() - 1]);
    let mine = rows(&db, &["--user", &user, "--ip", &prefix]);
    let want: Vec<&Value> = all
        .iter()
        .filter(|r| {
            r["group_by"] == user.as_str() && r["ip"].as_str().is_some_and(|i| i.starts_with(&ip[..ip.len() - 1]))
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(mine.iter().collect::<Vec<_>>(), want);
    let version = all[0]["version_requested"].as_str().expect("version").to_string();
    assert!(rows(&db, &["--app-version", &version]).iter().all(|r| r["version_requested"] == version.as_str()));
    let slowest = rows(&db, &["--sort", "duration"]);
    assert_eq!(slowest.len(), all.len());
    let d = |r: &Value| r["duration"].as_f64().expect("duration");
    assert!(slowest.windows(2).all(|w| d(&w[0]) >= d(&w[1])), "longest first");
}

#[test]
fn bad_filter_values_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    for (args, says) in [
        (vec!["--status", "5x"], "--status: bad status `5x`"),
        (vec!["--status", "599-500"], "ends before it starts"),
        (vec!["--user", ""], "--user: an empty value"),
    ] {
        let out = fmd(&db, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says) && err.trim().lines().count() == 1, "{args:?}: {err}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_fmd"))
        .args(["show", "users", "--endpoint", "search", "--status", "5xx", "--db", db.to_str().expect("utf8")])
        .output()
        .expect("run fmd");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only apply to `fmd show requests`"));
}
