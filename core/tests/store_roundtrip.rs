//! Writes through the store and reads the rows back as FMD would see them.

use std::path::PathBuf;

use fmd_core::store::{NewRequest, RecorderCounters, WriteBatch};
use fmd_core::{Store, StoreError};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db")
}

fn request(endpoint_id: i64, micros: i64, status: u16) -> NewRequest {
    NewRequest {
        endpoint_id,
        duration_ms: 1.25,
        time_micros: micros,
        group_by: "alice".into(),
        ip: "127.0.0.1".into(),
        status_code: status,
    }
}

#[test]
fn batch_round_trip_in_fmd_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rt.db");
    let mut store = Store::open_writer(&path, "fmd").expect("create");
    let t0 = 1_795_820_215_000_001; // 2026-11-27 22:56:55.000001 UTC
    let ep = store.ensure_endpoint("/users/{id}", 1, "2.0", t0).expect("endpoint");
    assert_eq!(store.ensure_endpoint("/users/{id}", 3, "9.9", t0 + 5).expect("again"), ep, "idempotent");
    assert_eq!(ep.level, Some(1));

    let batch = WriteBatch {
        version: "2.0".into(),
        requests: vec![request(ep.id, t0, 200), request(ep.id, t0 + 1_000_000, 503)],
        last_requested: vec![(ep.id, t0 + 1_000_000)],
        counters: Some(RecorderCounters {
            recorder_id: "host-1-x".into(),
            host: "host".into(),
            pid: 1,
            started_micros: t0,
            recorded: 2,
            dropped: 3,
            failed: 4,
        }),
        ..WriteBatch::default()
    };
    store.write(&batch).expect("write");
    // An older last_requested never lowers the stored one.
    store.write(&WriteBatch { last_requested: vec![(ep.id, t0)], ..WriteBatch::default() }).expect("write");

    let conn = rusqlite::Connection::open(&path).expect("open");
    let rows: Vec<(i64, f64, String, String, String, String, i64)> = conn
        .prepare("SELECT endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code FROM fmdRequest ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        (ep.id, 1.25, "2026-11-27 22:56:55.000001".into(), "2.0".into(), "alice".into(), "127.0.0.1".into(), 200)
    );
    assert_eq!(rows[1].2, "2026-11-27 22:56:56.000001");
    assert_eq!(rows[1].6, 503);
    let (last, added, version): (String, String, String) = conn
        .query_row("SELECT last_requested, time_added, version_added FROM fmdEndpoint", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("endpoint");
    assert_eq!(last, "2026-11-27 22:56:56.000001");
    assert_eq!(added, "2026-11-27 22:56:55.000001");
    assert_eq!(version, "2.0");
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("pragma");
    assert_eq!(journal, "wal");

    let reader = Store::open_reader(&path, None).expect("reader detects prefix fmd");
    assert_eq!(reader.tables().prefix(), "fmd");
    assert_eq!(reader.recorder_losses().expect("losses"), (3, 4));
    let overview = reader.overview(chrono::DateTime::from_timestamp(1_795_820_300, 0).expect("t"), chrono_tz::UTC);
    let overview = overview.expect("overview");
    assert_eq!(overview[0].hits_overall, 2);
    assert_eq!(overview[0].hits_overall_errors, 1);
}

#[test]
fn levels_are_read_and_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("levels.db");
    let store = Store::open_writer(&path, "").expect("create");
    store.ensure_endpoint("a", 1, "1", 0).expect("a");
    store.ensure_endpoint("b", 2, "1", 0).expect("b");
    let editor = Store::open_editor(&path, None).expect("editor");
    editor.set_level("b", 0).expect("set");
    let err = editor.set_level("zzz", 1).expect_err("unknown");
    assert!(matches!(err, StoreError::UnknownEndpoint { .. }), "{err}");
    let mut levels = store.endpoint_levels().expect("levels");
    levels.sort_by(|x, y| x.name.cmp(&y.name));
    let pairs: Vec<(String, Option<u8>)> = levels.into_iter().map(|l| (l.name, l.level)).collect();
    assert_eq!(pairs, [("a".to_string(), Some(1)), ("b".to_string(), Some(0))]);
}

fn fmd_schema(conn: &rusqlite::Connection) -> Vec<(String, String)> {
    conn.prepare("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE tbl_name NOT LIKE 'fmd_%' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn writing_to_an_fmd_file_keeps_fmd_tables_as_fmd_made_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    std::fs::copy(fixture(), &path).expect("copy");
    let before = fmd_schema(&rusqlite::Connection::open(&path).expect("open"));
    let mut store = Store::open_writer(&path, "").expect("open FMD's file for writing");
    let ep = store.ensure_endpoint("index", 1, "x", 0).expect("existing endpoint");
    assert_eq!(ep.id, 1, "FMD's own endpoint row is reused");
    store
        .write(&WriteBatch { version: "1.2".into(), requests: vec![request(1, 0, 200)], ..WriteBatch::default() })
        .expect("write");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    assert_eq!(fmd_schema(&conn), before, "FMD's DDL and indexes unchanged; only fmd_* tables added");
    let n: i64 = conn.query_row("SELECT count(*) FROM Request", [], |r| r.get(0)).expect("count");
    assert_eq!(n, 1527);
}

#[test]
fn fresh_database_has_fmd_ddl_and_indexes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ours = dir.path().join("ours.db");
    drop(Store::open_writer(&ours, "").expect("create"));
    let ours = fmd_schema(&rusqlite::Connection::open(&ours).expect("open"));
    let theirs = fmd_schema(&rusqlite::Connection::open(fixture()).expect("open"));
    let names = |s: &[(String, String)]| s.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ours), names(&theirs), "same tables and indexes as FMD 5.1.0 creates");
    let normalise =
        |sql: &str| sql.replace("IF NOT EXISTS ", "").chars().filter(|c| !c.is_whitespace()).collect::<String>();
    for ((name, a), (_, b)) in ours.iter().zip(&theirs) {
        assert_eq!(normalise(a), normalise(b), "DDL of {name}");
    }
}

#[test]
fn missing_directory_and_garbage_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Store::open_writer(dir.path().join("no/such/dir.db"), "").expect_err("no dir");
    assert!(err.to_string().contains("dir.db"), "{err}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database, just text that is long enough to look like a header....")
        .expect("write");
    assert!(matches!(Store::open_writer(&junk, ""), Err(StoreError::NotSqlite(_))));
    assert!(matches!(Store::open_reader(&junk, None), Err(StoreError::NotSqlite(_))));
}

/// `(id, endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code)`.
type StoredRow = (i64, i64, f64, String, String, String, String, i64);

/// Batches are inserted 128 rows per statement, the rest 16 per statement, then one by one (texts common to a
/// statement's rows bound once): every row keeps its values and its place, and a batch whose rows have
/// dependents still gets each row's own id.
#[test]
fn multi_row_inserts_keep_every_row_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.db");
    let mut store = Store::open_writer(&path, "fmd").expect("create");
    let t0 = 1_795_820_215_999_990;
    let a = store.ensure_endpoint("/a", 1, "1.0", t0).expect("endpoint a");
    let b = store.ensure_endpoint("/b", 1, "1.0", t0).expect("endpoint b");
    let row = |i: usize| NewRequest {
        endpoint_id: if i % 3 == 0 { b.id } else { a.id },
        duration_ms: i as f64 / 4.0,
        time_micros: t0 + i as i64 * 7,
        group_by: format!("user-{i}"),
        ip: format!("10.0.{}.{}", i / 256, i % 256),
        status_code: 200 + (i % 300) as u16,
    };
    let mut expected = Vec::new();
    let mut next = 0;
    for size in [0, 1, 15, 16, 17, 31, 127, 128, 129, 300, 1] {
        let requests: Vec<NewRequest> = (next..next + size).map(row).collect();
        next += size;
        expected.extend(requests.iter().cloned());
        store.write(&WriteBatch { version: format!("v{size}"), requests, ..WriteBatch::default() }).expect("write");
    }
    // A group-by value or address common to all rows of a statement is bound once: every combination, in
    // batches of 128 + 16 + 3 rows (the last three one by one, nothing shared).
    for (shared_group_by, shared_ip) in [(true, true), (true, false), (false, true), (false, false)] {
        let requests: Vec<NewRequest> = (next..next + 147)
            .map(|i| NewRequest {
                group_by: if shared_group_by { "None".into() } else { format!("user-{}", i % 5) },
                ip: if shared_ip { "127.0.0.1".into() } else { format!("10.1.0.{}", i % 3) },
                ..row(i)
            })
            .collect();
        next += 147;
        expected.extend(requests.iter().cloned());
        store.write(&WriteBatch { version: "v147".into(), requests, ..WriteBatch::default() }).expect("write");
    }
    // A batch with an exception on its 40th row (rows one by one): ids per row, the exception on the right one.
    let requests: Vec<NewRequest> = (next..next + 145).map(row).collect();
    next += 145;
    expected.extend(requests.iter().cloned());
    let exception = fmd_core::store::NewException {
        request: 39,
        type_name: "panic".into(),
        message: "boom".into(),
        frames: Vec::new(),
        user_captured: false,
    };
    store
        .write(&WriteBatch { version: "v145".into(), requests, exceptions: vec![exception], ..WriteBatch::default() })
        .expect("write with exception");

    let conn = rusqlite::Connection::open(&path).expect("open");
    let rows: Vec<StoredRow> = conn
        .prepare("SELECT id, endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code FROM fmdRequest ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), next);
    for (i, (got, want)) in rows.iter().zip(&expected).enumerate() {
        assert_eq!(got.0, i as i64 + 1, "ids are consecutive");
        assert_eq!(got.1, want.endpoint_id);
        assert_eq!(got.2, want.duration_ms);
        assert_eq!(got.3, fmd_core::timefmt::format_micros(want.time_micros));
        assert_eq!(got.5, want.group_by);
        assert_eq!(got.6, want.ip);
        assert_eq!(got.7, i64::from(want.status_code));
    }
    assert_eq!(rows[0].4, "v1");
    assert_eq!(rows[1].4, "v15");
    assert_eq!(rows[next - 1].4, "v145");
    let exception_request: i64 = conn
        .query_row("SELECT request_id FROM fmdExceptionOccurrence", [], |r| r.get(0))
        .expect("exception occurrence");
    assert_eq!(exception_request, (next - 145 + 39 + 1) as i64);
}
