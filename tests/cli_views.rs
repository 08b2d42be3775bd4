//! `fmd show VIEW --json` for every view against FMD's own numbers, and the housekeeping commands
//! (`prune`, `endpoint delete|merge`) end to end.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod fixture_support;
use fixture_support::{expected, fixture_copy, NOW};

fn fmd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fmd")).args(args).env_remove("FMD_CONFIG").output().expect("run fmd")
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["show"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"]);
    let out = fmd(&all);
    assert!(out.status.success(), "{all:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn hourly_users_and_status_codes_equal_fmd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let want = expected();
    let hourly = json(&db, &["hourly", "--days", "7"]);
    let numbers = |v: &Value| -> Vec<Vec<f64>> {
        v.as_array()
            .expect("rows")
            .iter()
            .map(|row| row.as_array().expect("cells").iter().map(|c| c.as_f64().expect("number")).collect())
            .collect()
    };
    assert_eq!(numbers(&hourly["data"]), numbers(&want["hourly_load"]["data"]), "FMD's hourly_load (7 days x 24 h)");
    assert_eq!(hourly["days"], want["hourly_load"]["days"]);
    for name in ["user_detail", "index", "search", "upload", "report", "boom"] {
        let users = json(&db, &["users", "--endpoint", name]);
        assert_eq!(users, want["users"][name], "users of {name}");
        let status = json(&db, &["status-codes", "--endpoint", name, "--limit", "100000"]);
        let (ours, theirs) = (&status["distribution"], &want["status_codes"][name]["distribution"]);
        for (code, share) in theirs.as_object().expect("object") {
            let diff = (ours[code].as_f64().expect("ours") - share.as_f64().expect("theirs")).abs();
            assert!(diff < 1e-12, "{name} {code}");
        }
        let ids = |v: &Value| {
            let mut ids: Vec<String> = v
                .as_array()
                .expect("array")
                .iter()
                .map(|r| r["id"].to_string().trim_matches('"').to_string())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&status["error_requests"]), ids(&want["status_codes"][name]["error_requests"]), "{name}");
    }
}

#[test]
fn every_view_answers_in_json_and_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let arg = db.to_str().expect("utf8");
    let dashboard = ["overview", "hourly", "daily", "versions", "api-performance", "status-codes", "report"];
    let endpoint = ["endpoint", "users", "ips", "user-versions", "ip-versions", "requests", "versions", "hourly"];
    for view in dashboard {
        json(&db, &[view]);
        let out = fmd(&["show", view, "--db", arg, "--now", NOW, "--tz", "UTC"]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{view} text");
    }
    for view in endpoint {
        json(&db, &[view, "--endpoint", "search", "--from", "2026-11-20", "--to", "2026-11-27T12:00:00Z"]);
    }
    let requests = json(&db, &["requests", "--endpoint", "search", "--limit", "5"]);
    assert_eq!(requests.as_array().map(Vec::len), Some(5));
    let matrix = json(&db, &["user-versions", "--endpoint", "user_detail", "--top", "2"]);
    assert_eq!(matrix["groups"].as_array().map(Vec::len), Some(2), "{matrix}");
}

#[test]
fn endpoint_views_need_a_known_endpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let arg = db.to_str().expect("utf8");
    let out = fmd(&["show", "users", "--db", arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--endpoint NAME is required"));
    let out = fmd(&["show", "users", "--db", arg, "--endpoint", "serch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no endpoint named") && err.contains("did you mean search"), "{err}");
    let out = fmd(&["show", "hourly", "--db", arg, "--from", "2026-11-27", "--to", "2026-11-20"]);
    assert_eq!(out.status.code(), Some(2), "from after to");
    let out = fmd(&["show", "hourly", "--db", arg, "--from", "last tuesday"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(2) && err.contains("--from") && err.contains("not a time"), "{err}");
}

#[test]
fn report_by_version_works_where_fmd_returns_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let report = json(&db, &["report", "--compare-version", "1.1", "--baseline-version", "1.0"]);
    let summaries = report["summaries"].as_array().expect("summaries");
    assert_eq!(summaries.len(), 6, "one summary per endpoint, unlike FMD 5.1.0's empty answer");
    assert!(summaries.iter().all(|s| s["answers"].as_array().is_some_and(|a| a.len() == 2)));
    let week = json(&db, &["report", "--preset", "week"]);
    assert!(week["summaries"].is_array());
}

fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).expect("open").query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn prune_asks_counts_and_deletes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let arg = db.to_str().expect("utf8");
    let old = "SELECT count(*) FROM Request WHERE time_requested < '2026-11-22 22:56:55'";
    let before_old = count(&db, old);
    assert!(before_old > 0);

    let out = fmd(&["prune", "--older-than", "5d", "--dry-run", "--db", arg, "--now", NOW]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("would delete {before_old} requests")));
    assert_eq!(count(&db, old), before_old, "a dry run deletes nothing");

    let out = fmd(&["prune", "--older-than", "5d", "--db", arg, "--now", NOW]);
    assert_eq!(out.status.code(), Some(2), "no terminal and no --yes: refused");
    assert_eq!(count(&db, old), before_old);

    let out = fmd(&["prune", "--older-than", "5d", "--yes", "--db", arg, "--now", NOW]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&db, old), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM Outlier WHERE request_id NOT IN (SELECT id FROM Request)"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM StackLine WHERE request_id NOT IN (SELECT id FROM Request)"), 0);

    let out = fmd(&["prune", "--older-than", "soon", "--db", arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--older-than"));
}

#[test]
fn endpoints_are_merged_and_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let arg = db.to_str().expect("utf8");
    let total = count(&db, "SELECT count(*) FROM Request");
    let boom = count(&db, "SELECT count(*) FROM Request WHERE endpoint_id = 6");

    let out = fmd(&["endpoint", "merge", "boom", "index", "--db", arg]);
    assert_eq!(out.status.code(), Some(2), "confirmation required");
    let out = fmd(&["endpoint", "merge", "boom", "index", "--yes", "--db", arg]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{boom} requests moved")));
    assert_eq!(count(&db, "SELECT count(*) FROM Endpoint WHERE name = 'boom'"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM Request"), total);

    let index = count(&db, "SELECT count(*) FROM Request WHERE endpoint_id = 1");
    let out = fmd(&["endpoint", "delete", "index", "-y", "--db", arg]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&db, "SELECT count(*) FROM Request"), total - index);
    let out = fmd(&["endpoint", "delete", "nope", "-y", "--db", arg]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_console_window_is_reported_before_the_terminal_is_touched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let arg = db.to_str().expect("utf8");
    let out = fmd(&["tui", "--db", arg, "--from", "last tuesday"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(2) && err.contains("--from") && err.contains("not a time"), "{err}");
    let out = fmd(&["tui", "--db", arg, "--from", "2026-11-27", "--to", "2026-11-20"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(2) && err.contains("must be before --to"), "{err}");
    assert!(out.stdout.is_empty(), "nothing drawn");
}
