//! `fmd show profiler` and `fmd show grouped-profiler` against FMD 5.1.0's own database and numbers.

mod fixture_support;
use fixture_support::{expected, fixture_copy, show as fmd, show_json as json, show_text as text};

#[test]
fn grouped_profiler_json_equals_fmd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let want = expected();
    for (name, rows) in want["grouped_profiler"].as_object().expect("grouped_profiler") {
        let got = json(&db, &["grouped-profiler", "--endpoint", name]);
        let (got, rows) = (got.as_array().expect("array"), rows.as_array().expect("rows"));
        assert_eq!(got.len(), rows.len(), "{name}");
        for (i, (ours, theirs)) in got.iter().zip(rows).enumerate() {
            for (key, value) in theirs.as_object().expect("row") {
                match value.as_f64().filter(|_| value.is_f64()) {
                    Some(t) => {
                        let o = ours[key].as_f64().expect("number");
                        assert!((o - t).abs() <= 1e-9 * t.abs().max(o.abs()), "{name} row {i} {key}: {o} vs {t}");
                    }
                    None => assert_eq!(&ours[key], value, "{name} row {i} {key}"),
                }
            }
        }
    }
    let table = text(&db, &["grouped-profiler", "--endpoint", "report"]);
    assert!(table.starts_with("100 profiled requests merged\n"), "{table}");
    assert!(table.contains("    load_rows(); render()"), "indented code: {table}");
}

#[test]
fn profiled_requests_page_and_open_as_trees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let list = json(&db, &["profiler", "--endpoint", "search", "--limit", "5"]);
    let total = list["num_profiled"].as_u64().expect("num_profiled");
    let rows = list["profiled_requests"].as_array().expect("rows");
    assert!(total > 100 && rows.len() == 5, "{list}");
    let times: Vec<&str> = rows.iter().map(|r| r["time_requested"].as_str().expect("time")).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let next = json(&db, &["profiler", "--endpoint", "search", "--limit", "5", "--offset", "5"]);
    assert_ne!(next["profiled_requests"][0]["id"], rows[0]["id"]);

    let id = rows[0]["id"].as_i64().expect("id").to_string();
    let tree = json(&db, &["profiler", "--endpoint", "search", "--request", &id]);
    let lines = tree["lines"].as_array().expect("lines");
    assert_eq!(lines.len() as u64, rows[0]["stack_lines"].as_u64().expect("count"));
    assert_eq!(lines[0]["code"], "@app.route(\"/search\")");
    assert_eq!(lines[0]["percent"], 100.0);
    assert_eq!(tree["hottest_path"][0], 1, "the def line, after the decorator");
    assert_eq!(lines[1]["code"], "def search():");
    let shown = text(&db, &["profiler", "--endpoint", "search", "--request", &id]);
    assert!(shown.starts_with(&format!("request {id} · ")), "{shown}");
    assert!(shown.contains(" 100.0%") && shown.contains("def search():"), "{shown}");
    let listed = text(&db, &["profiler", "--endpoint", "search", "--limit", "3"]);
    assert!(listed.starts_with("275 profiled requests, newest first (3 shown)\n"), "{listed}");
    assert!(listed.contains("stack lines") && listed.contains(&format!("\n    {id}  ")), "{listed}");
}

#[test]
fn bad_endpoints_and_requests_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    for view in ["profiler", "grouped-profiler"] {
        let out = fmd(&db, &[view]);
        assert_eq!(out.status.code(), Some(2), "{view} without --endpoint");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--endpoint NAME is required"));
        let out = fmd(&db, &[view, "--endpoint", "reprot"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code() == Some(2) && err.contains("no endpoint named") && err.contains("report"), "{err}");
    }
    // A request of another endpoint, and one that does not exist.
    let other = json(&db, &["profiler", "--endpoint", "index", "--limit", "1"]);
    let id = other["profiled_requests"][0]["id"].as_i64().expect("id").to_string();
    for request in [id.as_str(), "999999"] {
        let out = fmd(&db, &["profiler", "--endpoint", "search", "--request", request]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code() == Some(2) && err.contains("no request of endpoint search"), "{err}");
    }
    let out = fmd(&db, &["profiler", "--endpoint", "search", "--request", "x"]);
    assert_eq!(out.status.code(), Some(2), "not a number");
    let out = fmd(&db, &["grouped-profiler", "--endpoint", "search", "--request", &id]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(2) && err.contains("--request only applies"), "{err}");
}
