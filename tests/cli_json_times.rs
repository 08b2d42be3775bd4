//! Every instant in every `fmd show --json` view is RFC 3339 UTC (`2026-11-27T22:56:55.123456Z`): whatever
//! its key, a string that starts like a date and a time must parse as RFC 3339 and end in `Z`, and keys that
//! name a time hold such a string or null.

use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture_copy, show_json, DASHBOARD_VIEWS, ENDPOINT_VIEWS};

/// Every view and variant `fmd show` has, on endpoints with and without outliers, exceptions and profiles.
fn invocations() -> Vec<Vec<&'static str>> {
    let mut all: Vec<Vec<&str>> = DASHBOARD_VIEWS.iter().map(|v| vec![*v]).collect();
    for endpoint in ["search", "boom", "user_detail"] {
        for view in ENDPOINT_VIEWS {
            all.push(vec![view, "--endpoint", endpoint]);
        }
    }
    all.extend([
        vec!["report", "--preset", "week"],
        vec![
            "report",
            "--from",
            "2026-11-24",
            "--to",
            "2026-11-27",
            "--baseline-from",
            "2026-11-20",
            "--baseline-to",
            "2026-11-24",
        ],
        vec!["report", "--compare-version", "1.1", "--baseline-version", "1.0"],
        vec!["requests", "--endpoint", "search", "--from", "7d"],
        vec!["outliers", "--endpoint", "search", "--request", "554"],
    ]);
    all
}

/// Whether a key names an instant (not a version or a count).
fn is_time_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["time", "timestamp", "accessed", "date", "added", "first_request", "last_request", "last_requested", "from", "to"]
        .iter()
        .any(|k| {
            key == *k
                || key.ends_with(&format!("_{k}"))
                || key.ends_with(&format!("-{k}"))
                || key.starts_with(&format!("{k}_"))
        })
        && !key.contains("version")
}

fn looks_like_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[13] == b':'
}

fn check(path: &str, key: &str, value: &Value, bad: &mut Vec<String>, seen: &mut usize) {
    match value {
        Value::String(s) if looks_like_date_time(s) || is_time_key(key) => {
            *seen += 1;
            let ok = chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with('Z');
            if !ok {
                bad.push(format!("{path}: {s:?}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check(&format!("{path}[{i}]"), key, item, bad, seen);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                check(&format!("{path}.{k}"), k, v, bad, seen);
            }
        }
        Value::Null | Value::String(_) => {}
        other if is_time_key(key) => bad.push(format!("{path}: {other} is no instant")),
        _ => {}
    }
}

#[test]
fn every_instant_of_every_view_is_rfc3339_utc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let (mut bad, mut seen) = (Vec::new(), 0);
    for args in invocations() {
        let json = show_json(&db, &args);
        check(&args.join(" "), "", &json, &mut bad, &mut seen);
    }
    // One profiled request's call tree.
    let list = show_json(&db, &["profiler", "--endpoint", "search"]);
    let id = list["profiled_requests"][0]["id"].as_i64().expect("a profiled request").to_string();
    let tree = show_json(&db, &["profiler", "--endpoint", "search", "--request", &id]);
    check("profiler --request", "", &tree, &mut bad, &mut seen);
    assert!(seen > 1_000, "only {seen} instants seen: the fixture has thousands");
    assert!(bad.is_empty(), "{} instants are not RFC 3339 UTC:\n{}", bad.len(), bad[..bad.len().min(20)].join("\n"));
}

#[test]
fn time_keys_are_recognised() {
    for key in
        ["time_requested", "latest_timestamp", "last-accessed", "date", "time_added", "from", "to", "first_request"]
    {
        assert!(is_time_key(key), "{key}");
    }
    for key in ["version_requested", "versions", "total", "token", "count"] {
        assert!(!is_time_key(key), "{key}");
    }
}
