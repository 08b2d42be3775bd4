//! Deleting and merging endpoints, on copies of FMD 5.1.0's database and on small generated files.

mod prune_common;

use fmd_core::store::{Batching, NewRequest, WriteBatch};
use fmd_core::{Store, StoreError};
use prune_common::{add_orphan_material, copy_db, count, fingerprint, fixture_copy, reference_delete};

fn small_batches() -> Batching {
    Batching { batch_size: 50, batch_time_target: None }
}

fn scalar(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).expect("query")
}

#[test]
fn delete_endpoint_equals_reference_sql() {
    let (dir, path) = fixture_copy();
    add_orphan_material(&path);
    let reference = copy_db(&path, dir.path(), "reference.db");
    // user_detail (id 2) has requests, outliers, stack lines and NotFound exceptions.
    reference_delete(&reference, "endpoint_id = 2", None);
    rusqlite::Connection::open(&reference)
        .expect("open")
        .execute("DELETE FROM Endpoint WHERE id = 2", [])
        .expect("delete");

    let before = fingerprint(&path);
    let store = Store::open_editor(&path, None).expect("editor");
    let mut calls = Vec::new();
    let report =
        store.delete_endpoint_with("user_detail", &small_batches(), |d, t| calls.push((d, t))).expect("delete");
    assert_eq!(scalar(&store, "PRAGMA foreign_keys"), 1, "foreign key enforcement is restored");
    drop(store);

    assert_eq!(fingerprint(&path), fingerprint(&reference), "same rows left in every table");
    assert_eq!((report.endpoint_id, report.endpoint_name.as_str()), (2, "user_detail"));
    assert_eq!(report.deleted.requests, 443);
    let gone = |table: &str| {
        let n = |rows: &[(String, i64, String)]| rows.iter().find(|r| r.0 == table).expect("table").1;
        (n(&before) - n(&fingerprint(&path))) as u64
    };
    assert_eq!(report.deleted.outliers, gone("Outlier"));
    assert_eq!(report.deleted.stack_lines, gone("StackLine"));
    assert_eq!(report.deleted.exception_occurrences, gone("ExceptionOccurrence"));
    assert_eq!(report.deleted.code_lines, gone("CodeLine"));
    assert_eq!(report.deleted.exception_types, gone("ExceptionType"));
    assert!(report.deleted.outliers > 0 && report.deleted.stack_lines > 0 && report.deleted.exception_occurrences > 0);
    assert!(report.batches >= 443 / 50, "batched: {report:?}");
    assert_eq!(calls.last(), Some(&(443, 443)));
    assert_eq!(count(&path, "Endpoint"), 5);
    assert_eq!(count(&path, "CustomGraphData"), 5, "custom graphs are not an endpoint's");

    let store = Store::open_editor(&path, None).expect("editor");
    let err = store.delete_endpoint("user_detail").expect_err("gone");
    assert!(matches!(err, StoreError::UnknownEndpoint { .. }), "{err}");
}

#[test]
fn merge_endpoints_on_the_fixture() {
    let (_dir, path) = fixture_copy();
    let before = fingerprint(&path);
    let store = Store::open_editor(&path, None).expect("editor");
    let search_hits = scalar(&store, "SELECT count(*) FROM Request WHERE endpoint_id = 3");
    let index_hits = scalar(&store, "SELECT count(*) FROM Request WHERE endpoint_id = 1");
    let merge = store.merge_endpoints_with("search", "index", &small_batches(), |_, _| {}).expect("merge");
    assert_eq!((merge.from_id, merge.into_id), (3, 1));
    assert_eq!(merge.requests_moved, search_hits as u64);
    assert!(merge.batches as i64 > search_hits / 50);
    assert_eq!(scalar(&store, "SELECT count(*) FROM Request WHERE endpoint_id = 1"), index_hits + search_hits);
    assert_eq!(scalar(&store, "SELECT count(*) FROM Endpoint WHERE name = 'search'"), 0);
    // index: added 22:49:15.662786, last 21:38:33; search: added 22:49:15.672991, last 21:24:44.
    assert_eq!(merge.time_added.as_deref(), Some("2026-11-27 22:49:15.662786"));
    assert_eq!(merge.last_requested.as_deref(), Some("2026-11-27 21:38:33.428417"));
    drop(store);
    let after = fingerprint(&path);
    for (b, a) in before.iter().zip(&after) {
        match b.0.as_str() {
            "Endpoint" => assert_eq!(a.1, b.1 - 1),
            "Request" => assert_eq!(a.1, b.1, "requests are moved, not copied"),
            _ => assert_eq!(a, b, "{} untouched", b.0),
        }
    }
    let store = Store::open_reader(&path, None).expect("reader");
    let rows = store.overview("2026-11-27T22:56:55Z".parse().expect("now"), chrono_tz::UTC).expect("overview");
    let index = rows.iter().find(|r| r.name == "index").expect("index");
    assert_eq!(index.hits_overall as i64, index_hits + search_hits);
}

#[test]
fn merge_keeps_later_last_requested_and_earlier_time_added() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let mut store = Store::open_writer(&path, "").expect("writer");
    let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant").timestamp_micros();
    let old = store.ensure_endpoint("old_name", 2, "1.0", t("2026-01-01T00:00:00Z")).expect("old").id;
    let new = store.ensure_endpoint("new_name", 3, "2.0", t("2026-02-01T00:00:00Z")).expect("new").id;
    let request = |endpoint_id, at: &str| NewRequest {
        endpoint_id,
        duration_ms: 1.0,
        time_micros: t(at),
        group_by: "None".into(),
        ip: "::1".into(),
        status_code: 200,
    };
    let requests: Vec<_> = (0..120)
        .map(|i| request(old, if i % 2 == 0 { "2026-01-15T00:00:00Z" } else { "2026-01-20T00:00:00Z" }))
        .collect();
    let last_requested = vec![(old, t("2026-01-20T00:00:00Z"))];
    store
        .write(&WriteBatch { version: "1.0".into(), requests, last_requested, ..WriteBatch::default() })
        .expect("write");
    drop(store);

    let store = Store::open_editor(&path, None).expect("editor");
    let merge = store.merge_endpoints_with("old_name", "new_name", &small_batches(), |_, _| {}).expect("merge");
    assert_eq!(merge.requests_moved, 120);
    assert_eq!(merge.batches, 3, "50 + 50 + 20");
    assert_eq!(merge.time_added.as_deref(), Some("2026-01-01 00:00:00.000000"), "the earlier time_added");
    assert_eq!(merge.last_requested.as_deref(), Some("2026-01-20 00:00:00.000000"), "new_name had none");
    let (level, version): (i64, String) = store
        .connection()
        .query_row("SELECT monitor_level, version_added FROM Endpoint WHERE id = ?1", [new], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    assert_eq!((level, version.as_str()), (3, "1.0"), "into's level; the version that goes with time_added");
    assert_eq!(scalar(&store, "SELECT count(*) FROM Endpoint"), 1);

    // Errors: same endpoint, missing endpoints.
    let err = store.merge_endpoints("new_name", "new_name").expect_err("same");
    assert!(matches!(err, StoreError::SameEndpoint { .. }), "{err}");
    let err = store.merge_endpoints("old_name", "new_name").expect_err("from is gone");
    assert!(matches!(err, StoreError::UnknownEndpoint { ref name, .. } if name == "old_name"), "{err}");
    let err = store.merge_endpoints("new_name", "nowhere").expect_err("into missing");
    assert!(matches!(err, StoreError::UnknownEndpoint { ref name, .. } if name == "nowhere"), "{err}");
}

#[test]
fn endpoints_without_requests_and_hostile_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let store = Store::open_writer(&path, "pre_").expect("writer");
    store.ensure_endpoint("empty", 1, "1.0", 0).expect("empty");
    store.ensure_endpoint("other", 1, "1.0", 0).expect("other");
    let conn = store.connection();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE pre_Endpoint SET time_added = NULL, last_requested = 42 WHERE name = 'empty';
         INSERT INTO pre_Request (endpoint_id, duration, time_requested, ip) VALUES ('junk', 1.0, NULL, '');
         INSERT INTO pre_Outlier (request_id) VALUES (NULL);",
    )
    .expect("hostile rows");
    drop(store);

    let store = Store::open_editor(&path, None).expect("editor");
    let merge = store.merge_endpoints("empty", "other").expect("merge");
    assert_eq!(merge.requests_moved, 0);
    assert_eq!(merge.last_requested.as_deref(), Some("42"), "whatever the file held, as text");
    let deletion = store.delete_endpoint("other").expect("delete");
    assert_eq!(deletion.deleted.requests, 0);
    assert_eq!(scalar(&store, "SELECT count(*) FROM pre_Endpoint"), 0);
    assert_eq!(scalar(&store, "SELECT count(*) FROM pre_Request"), 1, "the junk row belongs to no endpoint");
    assert_eq!(scalar(&store, "SELECT count(*) FROM pre_Outlier"), 1);
}
