//! Level 3 rows: StackLines in the request's transaction, CodeLines deduplicated through the writer's cache,
//! and a cached CodeLine deleted meanwhile (pruning in another process) created again instead of referenced.

use fmd_core::store::{CodeLineCache, NewProfile, NewRequest, NewStackLine, WriteBatch};
use fmd_core::Store;

fn request(endpoint_id: i64) -> NewRequest {
    NewRequest {
        endpoint_id,
        duration_ms: 30.0,
        time_micros: 1_764_000_000_000_000,
        group_by: "None".into(),
        ip: "127.0.0.1".into(),
        status_code: 200,
    }
}

fn line(function: &str, line_number: u32, indent: u32, duration_ms: f64) -> NewStackLine {
    NewStackLine {
        filename: "src/app.rs".into(),
        line_number,
        function_name: function.into(),
        code: format!("{function}();"),
        indent,
        duration_ms,
    }
}

fn batch(endpoint_id: i64) -> WriteBatch {
    WriteBatch {
        version: "1.0".into(),
        requests: vec![request(endpoint_id), request(endpoint_id)],
        profiles: vec![NewProfile {
            request: 1,
            lines: vec![line("None", 0, 0, 30.0), line("app::handler", 10, 1, 30.0), line("app::work", 20, 2, 20.0)],
        }],
        ..WriteBatch::default()
    }
}

/// `(request_id, position, indent, duration, function)` of every StackLine.
fn stack_lines(store: &Store) -> Vec<(i64, i64, i64, f64, String)> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT s.request_id, s.position, s.indent, s.duration, c.function_name FROM StackLine s \
             JOIN CodeLine c ON c.id = s.code_id ORDER BY s.request_id, s.position",
        )
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn stack_lines_follow_their_request_and_code_lines_are_shared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_writer(dir.path().join("fmd.db"), "").expect("store");
    let endpoint = store.ensure_endpoint("/crunch", 3, "1.0", 0).expect("endpoint").id;
    let mut cache = CodeLineCache::default();
    store.write_cached(&batch(endpoint), &mut cache).expect("write");
    store.write_cached(&batch(endpoint), &mut cache).expect("write");
    assert_eq!(cache.len(), 3);
    let rows = stack_lines(&store);
    let second_requests: Vec<i64> = store
        .connection()
        .prepare("SELECT id FROM Request WHERE id % 2 = 0 ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("ids");
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<std::collections::BTreeSet<_>>(),
        second_requests.into_iter().collect()
    );
    assert_eq!(
        rows[..3].iter().map(|r| (r.1, r.2, r.3, r.4.as_str())).collect::<Vec<_>>(),
        [(0, 0, 30.0, "None"), (1, 1, 30.0, "app::handler"), (2, 2, 20.0, "app::work")]
    );
    assert_eq!(count(&store, "SELECT count(*) FROM CodeLine"), 3, "deduplicated");

    // Pruning elsewhere removed the stack lines and the CodeLines nobody references any more.
    store.connection().execute_batch("DELETE FROM StackLine; DELETE FROM CodeLine;").expect("prune");
    store.write_cached(&batch(endpoint), &mut cache).expect("write");
    assert_eq!(count(&store, "SELECT count(*) FROM CodeLine"), 3, "created again");
    assert_eq!(
        count(&store, "SELECT count(*) FROM StackLine WHERE code_id NOT IN (SELECT id FROM CodeLine)"),
        0,
        "no stack line points to a deleted CodeLine"
    );
}
