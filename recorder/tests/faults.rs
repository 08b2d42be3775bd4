//! Database faults never slow down or fail the service; records are kept, retried, written after
//! recovery (or counted as failed), and each fault episode is logged once.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{call, capture_logs, config, log_lines, rows, wait_until, ReadOnly};
use fmd_core::Store;
use fmd_recorder::Recorder;

/// Longest acceptable response time for the trivial routes, even while the database is broken.
const FAST: Duration = Duration::from_millis(250);

/// Sends `n` requests to `/users/{i}` and checks that each was answered normally and quickly.
fn send(runtime: &tokio::runtime::Runtime, app: &axum::Router, n: usize) {
    for i in 0..n {
        let (status, took) = runtime.block_on(call(app, &format!("/users/{i}"), Some("ann")));
        assert_eq!(status, 200);
        assert!(took < FAST, "request {i} took {took:?}");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn create_database(db: &Path) {
    drop(Store::open_writer(db, "").expect("create database"));
}

#[test]
fn missing_directory_at_start_then_created() {
    capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("not-yet");
    let db = sub.join("fmd.db");
    let started = Instant::now();
    let recorder = Recorder::builder(&config(&db, 1)).build();
    assert!(started.elapsed() < Duration::from_secs(2), "build does not wait for the database");
    let app = common::app().layer(recorder.layer());
    let rt = runtime();

    send(&rt, &app, 10);
    std::thread::sleep(Duration::from_millis(300));
    let stats = recorder.stats();
    assert_eq!((stats.queued, stats.recorded, stats.failed), (10, 0, 0), "{stats:?}");
    let shown = db.display().to_string();
    let warnings = log_lines(&["WARN", &shown, "directory does not exist"]);
    assert_eq!(warnings.len(), 1, "one warning per episode: {warnings:#?}");
    assert!(warnings[0].contains("counted"), "says records are counted: {}", warnings[0]);

    std::thread::sleep(Duration::from_millis(700));
    std::fs::create_dir(&sub).expect("create directory");
    assert!(wait_until(Duration::from_secs(8), || recorder.stats().recorded == 10), "{:?}", recorder.stats());
    send(&rt, &app, 5);
    let report = recorder.shutdown(Duration::from_secs(5));
    assert_eq!((report.recorded, report.dropped, report.failed), (15, 0, 0));
    assert_eq!(rows(&db).len(), 15);
    assert_eq!(log_lines(&["WARN", &shown]).len(), 1, "still a single warning");
    assert_eq!(log_lines(&["INFO", &shown, "again"]).len(), 1, "recovery logged once");
}

#[test]
fn read_only_file_then_writable_again() {
    capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    create_database(&db);
    let Some(mut read_only) = ReadOnly::make(&db) else {
        eprintln!("skipped: this process cannot make a file read-only (root without chattr)");
        return;
    };
    let recorder = Recorder::builder(&config(&db, 1)).build();
    let app = common::app().layer(recorder.layer());
    let rt = runtime();

    send(&rt, &app, 10);
    std::thread::sleep(Duration::from_millis(500));
    let stats = recorder.stats();
    assert_eq!((stats.queued, stats.recorded, stats.failed), (10, 0, 0), "{stats:?}");
    let shown = db.display().to_string();
    let warnings = log_lines(&["WARN", &shown]);
    assert_eq!(warnings.len(), 1, "one warning per episode: {warnings:#?}");
    assert!(warnings[0].contains("read-only"), "names the problem: {}", warnings[0]);

    read_only.undo();
    assert!(wait_until(Duration::from_secs(8), || recorder.stats().recorded == 10), "{:?}", recorder.stats());
    send(&rt, &app, 3);
    let report = recorder.shutdown(Duration::from_secs(5));
    assert_eq!((report.recorded, report.dropped, report.failed), (13, 0, 0));
    assert_eq!(rows(&db).len(), 13);
    assert_eq!(log_lines(&["INFO", &shown, "again"]).len(), 1, "recovery logged once");
}

#[test]
fn write_lock_held_by_another_connection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    create_database(&db);
    let locker = rusqlite::Connection::open(&db).expect("open");
    locker
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO fmd_meta (key, value) VALUES ('lock-test', 'x');")
        .expect("lock");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        locker.execute_batch("COMMIT").expect("commit");
    });

    let started = Instant::now();
    let recorder = Recorder::builder(&config(&db, 1)).build();
    assert!(started.elapsed() < Duration::from_secs(1), "build does not wait for the lock");
    let app = common::app().layer(recorder.layer());
    let rt = runtime();
    send(&rt, &app, 20);
    assert_eq!(recorder.stats().recorded, 0, "nothing can be written while the lock is held");

    release.join().expect("locker thread");
    assert!(wait_until(Duration::from_secs(8), || recorder.stats().recorded == 20), "{:?}", recorder.stats());
    send(&rt, &app, 5);
    let report = recorder.shutdown(Duration::from_secs(5));
    assert_eq!((report.recorded, report.dropped, report.failed), (25, 0, 0), "no loss after the lock is released");
    assert_eq!(rows(&db).len(), 25);
}

#[test]
fn deleted_file_is_noticed_and_recreated() {
    capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = Recorder::builder(&config(&db, 1)).build();
    let app = common::app().layer(recorder.layer());
    let rt = runtime();
    send(&rt, &app, 4);
    assert!(wait_until(Duration::from_secs(5), || recorder.stats().recorded == 4));

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    // Noticed at the next level poll (100 ms here): the recorder reopens, creating a new file.
    assert!(wait_until(Duration::from_secs(3), || db.exists()), "file recreated");
    send(&rt, &app, 6);
    let report = recorder.shutdown(Duration::from_secs(5));
    assert_eq!((report.recorded, report.failed), (10, 0));
    assert_eq!(rows(&db).len(), 6, "the new file holds the requests after the deletion");
    let shown = db.display().to_string();
    assert_eq!(log_lines(&["WARN", &shown, "was deleted"]).len(), 1);
}

#[test]
fn not_a_database_is_left_alone_and_records_fail_at_shutdown() {
    capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let garbage = "this is not a SQLite database\n".repeat(200);
    std::fs::write(&db, &garbage).expect("write garbage");
    let recorder = Recorder::builder(&config(&db, 1)).build();
    let app = common::app().layer(recorder.layer());
    let rt = runtime();

    send(&rt, &app, 12);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(recorder.stats().queued, 12);
    let report = recorder.shutdown(Duration::from_millis(300));
    assert_eq!((report.recorded, report.dropped, report.failed), (0, 0, 12), "unwritable records are counted");
    assert_eq!(std::fs::read_to_string(&db).expect("read"), garbage, "the file is not touched");
    let shown = db.display().to_string();
    let warnings = log_lines(&["WARN", &shown, "not a usable SQLite database"]);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
}

#[test]
fn retry_buffer_is_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("missing").join("fmd.db");
    let mut config = config(&db, 1);
    config.recorder.queue_capacity = 8;
    let recorder = Recorder::builder(&config).build();
    let app = common::app().layer(recorder.layer());
    let rt = runtime();
    for _ in 0..10 {
        send(&rt, &app, 5);
        std::thread::sleep(Duration::from_millis(60)); // let the writer take them off the queue
    }
    let stats = recorder.stats();
    assert!(stats.queued <= 16, "queue plus buffer stay within their capacities: {stats:?}");
    assert!(stats.failed >= 50 - 16, "the oldest records were given up: {stats:?}");
    let report = recorder.shutdown(Duration::from_millis(200));
    assert_eq!(report.recorded + report.dropped + report.failed, 50, "{report:?}");
}
