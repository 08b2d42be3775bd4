//! A console deletes or merges endpoints while a recorder is writing them: the recorder's later rows land on
//! a re-created endpoint row of the same name, never on a dangling id (its connection does not enforce
//! foreign keys), nothing is lost, and nothing is counted as failed.
//!
//! The level poll (which also notices deleted endpoint rows) is set to a minute, so only the check every
//! write makes inside its transaction can notice the deletions within the test.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{capture_logs_at, log_lines, wait_until};
use fmd_core::Store;
use fmd_recorder::Recorder;

/// `(id, rows)` of the endpoint called `name`, if it exists.
fn endpoint(db: &Path, name: &str) -> Option<(i64, i64)> {
    let conn = common::connect(db);
    let id: Option<i64> = conn.query_row("SELECT id FROM Endpoint WHERE name = ?1", [name], |r| r.get(0)).ok();
    id.map(|id| {
        let rows =
            conn.query_row("SELECT count(*) FROM Request WHERE endpoint_id = ?1", [id], |r| r.get(0)).expect("count");
        (id, rows)
    })
}

fn scalar(db: &Path, sql: &str) -> i64 {
    common::connect(db).query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn rows_for_deleted_or_merged_endpoints_land_on_recreated_rows() {
    capture_logs_at(tracing::Level::WARN);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let mut config = common::config(&db, 1);
    config.recorder.level_poll_ms = 60_000;
    let recorder = Recorder::builder(&config).build();
    let router = common::app().layer(recorder.layer());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");

    // A client loop on two routes until told to stop; counts what was served.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let client = runtime.spawn({
        let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
        async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let uri = if n % 2 == 0 { "/".to_string() } else { format!("/users/{n}") };
                let (status, _) = common::call(&router, &uri, None).await;
                assert_eq!(status, 200);
                sent.fetch_add(1, Ordering::Relaxed);
                n += 1;
                if n % 64 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
    });

    // Deleting an endpoint deletes its rows, and merging one away moves them: rows under its name afterwards
    // are new rows on a new endpoint row.
    let has_rows = |name: &str| endpoint(&db, name).is_some_and(|(_, rows)| rows > 0);
    assert!(wait_until(Duration::from_secs(10), || has_rows("/") && has_rows("/users/{id}")), "first rows");

    let editor = Store::open_editor(&db, None).expect("editor");
    let mut deleted_requests = 0;
    for round in 0..3 {
        let deletion = editor.delete_endpoint("/").expect("delete /");
        deleted_requests += deletion.deleted.requests;
        // SQLite gives a new row the id of the deleted one when that was the largest: another endpoint
        // created now may get the id the recorder still holds for "/". None of its rows may land there.
        let intruder = editor.ensure_endpoint(&format!("/intruder-{round}"), 1, "x", 0).expect("intruder");
        eprintln!("round {round}: deleted id {}, new endpoint got id {}", deletion.endpoint_id, intruder.id);
        assert!(
            wait_until(Duration::from_secs(10), || has_rows("/")),
            "round {round}: rows for / land on a new endpoint row within 10 s (level poll: 60 s)"
        );
    }
    let merge = editor.merge_endpoints("/users/{id}", "/").expect("merge");
    assert!(merge.requests_moved > 0);
    assert!(
        wait_until(Duration::from_secs(10), || has_rows("/users/{id}")),
        "rows for a merged-away endpoint land on a new row of its name"
    );

    stop.store(true, Ordering::Relaxed);
    runtime.block_on(client).expect("client loop");
    let report = recorder.shutdown(Duration::from_secs(10));
    let sent = sent.load(Ordering::Relaxed);

    assert_eq!((report.recorded, report.dropped, report.failed), (sent, 0, 0), "every request recorded");
    let orphans = scalar(&db, "SELECT count(*) FROM Request WHERE endpoint_id NOT IN (SELECT id FROM Endpoint)");
    assert_eq!(orphans, 0, "no row on a deleted endpoint id");
    let rows = scalar(&db, "SELECT count(*) FROM Request") as u64;
    assert_eq!(rows + deleted_requests, sent, "rows in the file plus rows the deletions removed");
    assert_eq!(scalar(&db, "SELECT count(*) FROM Endpoint WHERE name IN ('/', '/users/{id}')"), 2, "one row per name");
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM pragma_foreign_key_check"),
        0,
        "the file passes SQLite's foreign key check"
    );
    let intruder_rows = scalar(
        &db,
        "SELECT count(*) FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name LIKE '/intruder-%'",
    );
    assert_eq!(intruder_rows, 0, "no row on another endpoint that reused a deleted id");
    let warnings = log_lines(&["cannot write"]);
    assert!(warnings.is_empty(), "deletions are not database faults: {warnings:?}");
}
