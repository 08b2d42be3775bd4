//! The profiler reads on a small file with a table prefix: a known call tree (parents, percentages, hottest
//! path, labels for lines without source text), the profiled-request list, and the grouped profiler's merging.

use chrono::{DateTime, Utc};
use fmd_core::store::{NewRequest, WriteBatch};
use fmd_core::Store;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

/// (indent, file, line, function, code, ms) per stack line.
type Line<'a> = (i64, &'a str, i64, &'a str, &'a str, f64);

/// Writes stack lines for `request_id` as FMD does: CodeLines deduplicated by their four columns.
fn profile(conn: &rusqlite::Connection, request_id: i64, lines: &[Line<'_>]) {
    for (position, (indent, file, line, function, code, ms)) in lines.iter().enumerate() {
        let existing: Option<i64> = conn
            .query_row(
                "SELECT id FROM app_CodeLine WHERE filename = ?1 AND line_number = ?2 AND function_name = ?3 \
                 AND code = ?4",
                rusqlite::params![file, line, function, code],
                |r| r.get(0),
            )
            .ok();
        let code_id = match existing {
            Some(id) => id,
            None => {
                conn.execute(
                    "INSERT INTO app_CodeLine (filename, line_number, function_name, code) VALUES (?1, ?2, ?3, ?4)",
                    rusqlite::params![file, line, function, code],
                )
                .expect("code line");
                conn.last_insert_rowid()
            }
        };
        conn.execute(
            "INSERT INTO app_StackLine (request_id, code_id, position, indent, duration) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![request_id, code_id, position as i64, indent, ms],
        )
        .expect("stack line");
    }
}

const HANDLER: Line<'static> = (0, "src/demo.rs", 88, "demo::report", "", 20.0);

#[test]
fn call_trees_percentages_and_grouping_on_a_prefixed_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let mut writer = Store::open_writer(&path, "app_").expect("writer");
    let at = |s: &str| t(s).timestamp_micros();
    let id = writer.ensure_endpoint("/report", 3, "1.0", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let other = writer.ensure_endpoint("/other", 3, "1.0", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let request = |endpoint_id, ms, when: &str| NewRequest {
        endpoint_id,
        duration_ms: ms,
        time_micros: at(when),
        group_by: "u".into(),
        ip: "10.0.0.1".into(),
        status_code: 200,
    };
    let requests = vec![
        request(id, 20.0, "2026-11-27T10:00:00Z"),
        request(id, 40.0, "2026-11-27T12:00:00Z"),
        request(id, 5.0, "2026-11-27T13:00:00Z"),
        request(other, 1.0, "2026-11-27T14:00:00Z"),
    ];
    writer.write(&WriteBatch { version: "1.0".into(), requests, ..WriteBatch::default() }).expect("write");
    drop(writer);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM app_Request ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("ids");
    // First request: report() -> load_rows() (checksum inside) and render().
    profile(
        &conn,
        ids[0],
        &[
            HANDLER,
            (1, "src/demo.rs", 95, "demo::report", "let rows = load_rows();", 13.0),
            (2, "src/demo.rs", 61, "demo::load_rows", "checksum(&rows)", 12.0),
            (1, "src/demo.rs", 97, "demo::report", "render(&rows)", 7.0),
        ],
    );
    // Second: the same lines, render() at another line number (merged: line numbers are not part of the key).
    profile(
        &conn,
        ids[1],
        &[
            (0, "src/demo.rs", 88, "demo::report", "", 40.0),
            (1, "src/demo.rs", 95, "demo::report", "let rows = load_rows();", 10.0),
            (1, "src/demo.rs", 99, "demo::report", "render(&rows)", 30.0),
        ],
    );
    drop(conn);

    let store = Store::open_reader(&path, Some("app_")).expect("reader");
    assert_eq!(store.num_profiled(id).expect("count"), 2, "the third request has no stack lines");
    assert_eq!(store.num_profiled(other).expect("count"), 0);
    let list = store.profiled_requests(id, 10, 0).expect("list");
    assert_eq!(list.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[1], ids[0]], "newest first");
    assert_eq!(list.iter().map(|r| r.stack_lines).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(store.profiled_requests(id, 10, 1).expect("offset").len(), 1);
    let page = store.profiled_page(id, 1, 0).expect("page");
    assert_eq!((page.total, page.requests.len()), (2, 1), "the total counts past the limit");
    let past = store.profiled_page(id, 10, 5).expect("past the end");
    assert_eq!((past.total, past.requests.len()), (2, 0));
    assert_eq!(store.request_endpoint(ids[3]).expect("endpoint"), Some(other));

    let tree = store.call_tree(ids[0]).expect("tree").expect("exists");
    let shape: Vec<(u32, Option<usize>, String, Option<f64>)> =
        tree.lines.iter().map(|l| (l.indent, l.parent, l.code.label(), l.percent)).collect();
    assert_eq!(
        shape,
        vec![
            (0, None, "demo::report (src/demo.rs:88)".to_string(), Some(100.0)),
            (1, Some(0), "let rows = load_rows();".to_string(), Some(65.0)),
            (2, Some(1), "checksum(&rows)".to_string(), Some(60.0)),
            (1, Some(0), "render(&rows)".to_string(), Some(35.0)),
        ]
    );
    assert_eq!(tree.hottest_path(), [0, 1, 2]);
    let second = store.call_tree(ids[1]).expect("tree").expect("exists");
    assert_eq!(second.hottest_path(), [0, 2], "render() is the hot one there");
    let none = store.call_tree(ids[2]).expect("tree").expect("exists");
    assert!(none.lines.is_empty() && none.hottest_path().is_empty());

    let grouped = store.grouped_profiler(id).expect("grouped");
    assert_eq!(grouped.requests, 2);
    let rows: Vec<(u32, String, u64, f64)> =
        grouped.lines.iter().map(|l| (l.indent, l.label(), l.hits, l.duration)).collect();
    assert_eq!(
        rows,
        vec![
            (0, "demo::report (src/demo.rs:88)".to_string(), 2, 60.0),
            (1, "let rows = load_rows();".to_string(), 2, 23.0),
            (2, "checksum(&rows)".to_string(), 1, 12.0),
            (1, "render(&rows)".to_string(), 2, 37.0),
        ]
    );
    assert_eq!(grouped.lines[0].std, 10.0);
    assert_eq!(grouped.lines[3].std, 11.5);
    assert_eq!(grouped.lines[3].parent, Some(0));
    let (hits, share) = grouped.shares(2);
    assert_eq!((hits, share), (Some(0.5), Some(0.2)));
    assert!(store.grouped_profiler(other).expect("empty").lines.is_empty());
}

#[test]
fn the_newest_profiled_requests_are_found_among_other_endpoints_and_the_count_can_stop_early() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let mut writer = Store::open_writer(&path, "app_").expect("writer");
    let at = |s: &str| t(s).timestamp_micros();
    let a = writer.ensure_endpoint("/a", 3, "1.0", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let b = writer.ensure_endpoint("/b", 3, "1.0", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    // 30 requests alternating /a and /b; every third one is not profiled.
    let requests = (0..30)
        .map(|i| NewRequest {
            endpoint_id: if i % 2 == 0 { a } else { b },
            duration_ms: 10.0,
            time_micros: at("2026-11-27T10:00:00Z") + i * 1_000_000,
            group_by: String::new(),
            ip: "10.0.0.1".into(),
            status_code: 200,
        })
        .collect();
    writer.write(&WriteBatch { version: "1.0".into(), requests, ..WriteBatch::default() }).expect("write");
    drop(writer);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let rows: Vec<(i64, i64)> = conn
        .prepare("SELECT id, endpoint_id FROM app_Request ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut profiled_a = Vec::new();
    for (i, (id, endpoint)) in rows.iter().enumerate() {
        if i % 3 != 2 {
            profile(&conn, *id, &[HANDLER, (1, "src/demo.rs", 90, "demo::work", "work()", 10.0)]);
            if *endpoint == a {
                profiled_a.push(*id);
            }
        }
    }
    drop(conn);
    profiled_a.reverse(); // newest first
    assert_eq!(profiled_a.len(), 10);

    let store = Store::open_reader(&path, Some("app_")).expect("reader");
    assert_eq!(store.num_profiled(a).expect("count"), 10);
    let listed: Vec<i64> = store.profiled_requests(a, 4, 3).expect("page").iter().map(|r| r.id).collect();
    assert_eq!(listed, profiled_a[3..7]);
    assert!(store.profiled_requests(a, 4, 3).expect("page").iter().all(|r| r.stack_lines == 2));

    let capped = store.profiled_page_capped(a, 3, 4).expect("capped");
    assert_eq!(capped.requests.iter().map(|r| r.id).collect::<Vec<_>>(), profiled_a[..3]);
    assert_eq!((capped.total, capped.total_is_at_least), (4, true), "counting stops after 4");
    let exact = store.profiled_page_capped(a, 3, 10).expect("cap equal to the count");
    assert_eq!((exact.total, exact.total_is_at_least), (10, false));
    let page = store.profiled_page(a, 3, 0).expect("exact page");
    assert_eq!((page.total, page.total_is_at_least), (10, false));
}
