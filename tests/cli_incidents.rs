//! `fmd show outliers` and `fmd show exceptions` against FMD 5.1.0's own database and numbers.

use serde_json::Value;

mod fixture_support;
use fixture_support::{expected, fixture_copy, show as fmd, show_json as json};

const ENDPOINTS: [&str; 6] = ["user_detail", "index", "search", "upload", "report", "boom"];

#[test]
fn num_outliers_equals_fmd_and_the_table_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let want = expected();
    for name in ENDPOINTS {
        let all = json(&db, &["outliers", "--endpoint", name, "--limit", "1000"]);
        assert_eq!(all["num_outliers"], want["num_outliers"][name], "num_outliers of {name}");
        let table = all["outlier_table"].as_array().expect("outlier_table");
        assert_eq!(Some(table.len() as u64), want["num_outliers"][name].as_u64(), "every outlier of {name}");
        // FMD's row keys, with the nested request; newest first.
        for row in table {
            for key in [
                "id",
                "request_id",
                "request_header",
                "request_environment",
                "request_url",
                "cpu_percent",
                "memory",
                "stacktrace",
            ] {
                assert!(row.get(key).is_some(), "{name}: {key} missing from {row}");
            }
            assert_eq!(row["request"]["id"], row["request_id"]);
        }
        let times: Vec<&str> = table.iter().map(|r| r["request"]["time_requested"].as_str().expect("time")).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{name}: newest first");
    }
    let page = json(&db, &["outliers", "--endpoint", "index", "--limit", "5", "--offset", "3"]);
    let all = json(&db, &["outliers", "--endpoint", "index", "--limit", "1000"]);
    assert_eq!(page["num_outliers"], 77);
    assert_eq!(
        page["outlier_table"].as_array().expect("rows")[..],
        all["outlier_table"].as_array().expect("rows")[3..8]
    );
    // FMD stores the URL as a BLOB; it reads back as text.
    assert!(all["outlier_table"][0]["request_url"].as_str().expect("url").starts_with("http://"));
}

#[test]
fn outliers_need_an_endpoint_and_print_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let out = fmd(&db, &["outliers"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--endpoint"));
    let out = fmd(&db, &["outliers", "--endpoint", "upload", "--limit", "2"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("30 outliers, newest first (2 shown)\n"), "{text}");
    assert!(text.contains("cpu %") && text.contains("http://127.0.0.1:5055/upload"), "{text}");
    assert!(!text.contains('\r'), "control characters are escaped");
    // The detail form: headers one per line, no raw carriage return.
    let out = fmd(&db, &["outliers", "--endpoint", "upload", "--request", "3"]);
    let detail = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && detail.starts_with("outlier "), "{detail}");
    assert!(detail.contains("\nheaders:\n    Host: 127.0.0.1:5055\n"), "{detail}");
    assert!(!detail.contains('\r'), "control characters are escaped: {detail}");
}

#[test]
fn exception_groups_of_the_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let groups = json(&db, &["exceptions"]);
    let groups = groups.as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{groups:?}");
    let by_endpoint = |name: &str| groups.iter().find(|g| g["endpoint"] == name).expect("group");
    let boom = by_endpoint("boom");
    assert_eq!(boom["type"], "RuntimeError");
    assert_eq!(boom["message"], "the boom endpoint always fails");
    assert_eq!(boom["count"], 72);
    assert_eq!(boom["user_captured"], false);
    let not_found = by_endpoint("user_detail");
    assert_eq!(not_found["type"], "NotFound");
    assert_eq!(not_found["count"], 26);
    for g in groups {
        for key in ["type", "message", "endpoint", "endpoint_id", "latest_timestamp", "first_timestamp", "count"] {
            assert!(g.get(key).is_some(), "{key} missing from {g}");
        }
        assert!(g["first_timestamp"].as_str() <= g["latest_timestamp"].as_str());
        let stack = g["stack_trace_snapshot"].as_array().expect("stack");
        assert!(!stack.is_empty(), "{g}");
        let positions: Vec<i64> = stack.iter().map(|f| f["position"].as_i64().expect("position")).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "outermost first");
    }
    // Newest first, and one endpoint on its own.
    assert!(groups[0]["latest_timestamp"].as_str() >= groups[1]["latest_timestamp"].as_str());
    let only = json(&db, &["exceptions", "--endpoint", "boom"]);
    assert_eq!(only.as_array().map(Vec::len), Some(1));
    assert_eq!(only[0]["endpoint"], "boom");
    assert_eq!(json(&db, &["exceptions", "--endpoint", "index"]), Value::Array(Vec::new()));
    assert_eq!(json(&db, &["exceptions", "--limit", "1"]).as_array().map(Vec::len), Some(1));
    let out = fmd(&db, &["exceptions", "--endpoint", "boom"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RuntimeError") && text.contains("/work/steering/oracle/app.py:54 in boom"), "{text}");
}
