//! The grouped profiler on FMD 5.1.0's own database equals what FMD's `/api/grouped_profiler/<id>` answered for
//! it, for every endpoint: same rows in the same order, equal counts and code, durations and standard
//! deviations within 1e-9 relative. Also the profiled-request list and call trees of that file.

use std::path::PathBuf;

use fmd_core::Store;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("fmd-5.1.0-sample.expected.json")).expect("expected json");
    serde_json::from_str(&text).expect("json")
}

fn store() -> Store {
    Store::open_reader(fixture("fmd-5.1.0-sample.db"), None).expect("opens FMD's file read-only")
}

/// Endpoint name -> id, from the overview FMD answered.
fn endpoint_id(expected: &Value, name: &str) -> i64 {
    expected["overview"]
        .as_array()
        .expect("overview")
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["id"].as_i64())
        .expect("endpoint in FMD's overview")
}

fn close(ours: f64, theirs: f64) -> bool {
    ours == theirs || (ours - theirs).abs() <= 1e-9 * ours.abs().max(theirs.abs())
}

#[test]
fn grouped_profiler_equals_fmd_for_every_endpoint() {
    let expected = expected();
    let store = store();
    let groups = expected["grouped_profiler"].as_object().expect("grouped_profiler");
    assert!(groups.len() >= 6, "the fixture has grouped profiles for its endpoints");
    for (name, want) in groups {
        let want = want.as_array().expect("rows");
        let got = store.grouped_profiler(endpoint_id(&expected, name)).expect("grouped profiler");
        assert_eq!(got.lines.len(), want.len(), "{name}: number of rows");
        // Our JSON carries FMD's keys with FMD's values.
        let json = serde_json::to_value(&got.lines).expect("serialises");
        for (i, (ours, theirs)) in json.as_array().expect("array").iter().zip(want).enumerate() {
            for key in ["code", "hits", "indent", "total_hits"] {
                assert_eq!(ours[key], theirs[key], "{name} row {i}: {key}");
            }
            for key in ["duration", "std"] {
                let (o, t) = (ours[key].as_f64().expect("ours"), theirs[key].as_f64().expect("theirs"));
                assert!(close(o, t), "{name} row {i}: {key} {o} vs FMD {t}");
            }
        }
        assert!(got.lines.iter().all(|l| l.total_hits == got.requests));
    }
}

#[test]
fn profiled_requests_are_listed_newest_first_with_their_trees() {
    let expected = expected();
    let store = store();
    let id = endpoint_id(&expected, "report");
    let total = store.num_profiled(id).expect("count");
    let direct: i64 = store
        .connection()
        .query_row(
            "SELECT count(DISTINCT s.request_id) FROM StackLine s JOIN Request r ON r.id = s.request_id \
             WHERE r.endpoint_id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(total, direct as u64);
    assert!(total > 100, "more than the grouped profiler merges");
    assert_eq!(store.profiled_page(id, 20, 0).expect("page").total, total, "counted in the same pass");
    assert_eq!(store.profiled_page(id, 0, 0).expect("no rows").total, total, "counted without a row asked for");
    let page = store.profiled_requests(id, 20, 0).expect("page");
    assert_eq!(page.len(), 20);
    assert!(page.windows(2).all(|w| w[0].time_requested >= w[1].time_requested), "newest first");
    let next = store.profiled_requests(id, 20, 20).expect("next page");
    assert!(next.first().map(|r| r.id) != page.first().map(|r| r.id));
    assert!(page[19].time_requested >= next[0].time_requested);
    let tree = store.call_tree(page[0].id).expect("tree").expect("exists");
    assert_eq!(tree.lines.len() as u64, page[0].stack_lines);
    assert!(tree.lines.windows(2).all(|w| w[0].position < w[1].position));
    // FMD's header lines (decorator, def) take the whole request.
    let first = &tree.lines[0];
    assert_eq!((first.indent, first.code.code.as_str()), (0, "@app.route(\"/report\")"));
    assert!((first.percent.expect("percent") - 100.0).abs() < 1e-9);
    for line in &tree.lines {
        match line.parent {
            Some(p) => assert_eq!(tree.lines[p].indent + 1, line.indent),
            None => assert_eq!(line.indent, 0),
        }
    }
    let hot = tree.hottest_path();
    assert!(hot.len() >= 2);
    assert!(tree.lines[hot[0]].code.code.starts_with("def report"), "the def line wins the tie with its decorator");
    assert!(hot.windows(2).all(|w| tree.lines[w[1]].parent == Some(w[0])));
    assert!(store.call_tree(-5).expect("no such request").is_none());
}
