//! Database faults while a real service is under load.
//!
//! Each test serves `/hello/{n}` on a loopback port with the recorder's layer, runs a concurrent client
//! loop (4 keep-alive connections, about 1 ms apart each: a few thousand requests per second, which the
//! default queue and retry buffer can hold for the whole fault), breaks the database in one real way,
//! repairs it, and checks that:
//! * every response is unaffected: status 200, the right body, p99 latency under [`P99`] and no request
//!   slower than [`MAX`] in any phase (a writer that blocked the request path would show the 5 s busy
//!   timeout here);
//! * the recorder logs the problem once (per kind of problem) and once more when it recovers;
//! * it recovers without a restart, and the counts add up: `recorded + dropped + failed == served`, with
//!   nothing dropped or given up at this rate, and the file holds every recorded row when the file was
//!   not swapped.
//!
//! The tests run one at a time (a lock), so their load does not disturb each other's latencies. The
//! disk-full test mounts a small tmpfs (root); where mounting is not permitted it says so and skips.

mod load_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fmd_recorder::{Recorder, ShutdownReport};
use load_support::{capture_logs, config, log_lines, request_rows, wait_until, Load, Phase, ReadOnly, Service};

/// Client connections of the load loop.
const CLIENTS: usize = 4;
/// Pause between one client's requests.
const PAUSE: Duration = Duration::from_millis(1);
/// Highest acceptable 99th percentile latency in any phase.
const P99: Duration = Duration::from_millis(100);
/// Highest acceptable single latency in any phase (well below the 5 s SQLite busy timeout).
const MAX: Duration = Duration::from_millis(1_500);

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// Asserts that every request of `phase` was answered correctly and fast, and that the load ran.
fn assert_unaffected(test: &str, name: &str, phase: &Phase) {
    eprintln!("{test}: {name}: {}", phase.describe());
    assert_eq!(phase.bad, 0, "{test}: {name}: failed requests: {:#?}", phase.bad_examples);
    assert!(phase.ok >= 50, "{test}: {name}: the load did not run ({})", phase.describe());
    assert!(phase.quantile(0.99) < P99, "{test}: {name}: p99 too high ({})", phase.describe());
    assert!(phase.max() < MAX, "{test}: {name}: a request was slow ({})", phase.describe());
}

/// Stops the load and the service, shuts the recorder down, and checks the accounting.
fn finish(test: &str, load: Load, service: Service, recorder: &Recorder) -> (u64, ShutdownReport) {
    let (ok_before, _) = load.totals();
    let last = load.stop();
    assert_unaffected(test, "after recovery", &last);
    let served = service.stop();
    let report = recorder.shutdown(Duration::from_secs(20));
    eprintln!("{test}: served {served}, {report:?}");
    assert!(served >= ok_before, "{test}: the server counted {served}, the clients {ok_before}");
    assert_eq!(
        report.recorded + report.dropped + report.failed,
        served,
        "{test}: every served request is recorded, dropped or failed: {report:?}"
    );
    assert_eq!((report.dropped, report.failed), (0, 0), "{test}: nothing lost at this rate: {report:?}");
    (served, report)
}

/// Starts recorder, service and load on `db`.
fn start(db: &Path) -> (Recorder, Service, Load) {
    let started = Instant::now();
    let recorder = Recorder::builder(&config(db)).build();
    assert!(started.elapsed() < Duration::from_secs(2), "building never waits on the database");
    let service = Service::start(Some(recorder.layer()));
    let load = Load::start(service.addr, CLIENTS, PAUSE);
    (recorder, service, load)
}

/// Waits for a log line containing every needle; true when it appeared.
fn wait_for_log(limit: Duration, needles: &[&str]) -> bool {
    wait_until(limit, || !log_lines(needles).is_empty())
}

fn shown(db: &Path) -> String {
    db.display().to_string()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check")
}

/// The `recorded` of the counters row(s) in the file.
fn persisted_recorded(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    conn.query_row("SELECT coalesce(sum(recorded), 0) FROM fmd_recorder", [], |r| r.get(0)).expect("counters")
}

#[test]
fn directory_missing_then_created() {
    let _serial = serial();
    capture_logs();
    let test = "directory_missing";
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("not-yet");
    let db = sub.join("fmd.db");
    let (recorder, service, load) = start(&db);

    assert!(wait_for_log(Duration::from_secs(5), &["WARN", &shown(&db), "directory does not exist"]));
    std::thread::sleep(Duration::from_millis(1_500));
    assert_unaffected(test, "directory missing", &load.next_phase());
    let stats = recorder.stats();
    assert_eq!((stats.recorded, stats.failed), (0, 0), "{stats:?}");
    assert!(stats.queued > 0, "records are kept while the directory is missing: {stats:?}");

    std::fs::create_dir(&sub).expect("create the directory");
    assert!(
        wait_until(Duration::from_secs(10), || recorder.stats().recorded >= stats.queued),
        "recovers: {:?}",
        recorder.stats()
    );
    std::thread::sleep(Duration::from_millis(500));
    let (served, report) = finish(test, load, service, &recorder);
    assert_eq!(report.recorded, served);
    assert_eq!(request_rows(&db), served as i64, "every request is in the file");
    assert_eq!(persisted_recorded(&db), served as i64);
    assert_eq!(log_lines(&["WARN", &shown(&db)]).len(), 1, "one warning: {:#?}", log_lines(&[&shown(&db)]));
    assert_eq!(log_lines(&["INFO", &shown(&db), "again"]).len(), 1, "recovery logged once");
}

#[test]
fn directory_removed_while_writing_then_recreated() {
    let _serial = serial();
    capture_logs();
    let test = "directory_removed";
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("data");
    std::fs::create_dir(&sub).expect("mkdir");
    let db = sub.join("fmd.db");
    let (recorder, service, load) = start(&db);
    assert!(wait_until(Duration::from_secs(5), || request_rows(&db) > 200), "records before the fault");
    assert_unaffected(test, "healthy", &load.next_phase());

    std::fs::remove_dir_all(&sub).expect("remove the directory");
    assert!(wait_for_log(Duration::from_secs(5), &["WARN", &shown(&db), "directory does not exist"]));
    std::thread::sleep(Duration::from_millis(1_500));
    assert_unaffected(test, "directory gone", &load.next_phase());
    let during = recorder.stats();
    assert!(during.queued > 0, "records are kept: {during:?}");

    std::fs::create_dir(&sub).expect("recreate the directory");
    assert!(wait_for_log(Duration::from_secs(10), &["INFO", &shown(&db), "again"]), "recovers");
    assert!(wait_until(Duration::from_secs(5), || request_rows(&db) > 0));
    std::thread::sleep(Duration::from_millis(500));
    let (_, report) = finish(test, load, service, &recorder);
    let rows = request_rows(&db) as u64;
    assert!(rows >= during.queued && rows <= report.recorded, "the new file holds what was kept and later: {rows}");
    let warnings = log_lines(&["WARN", &shown(&db)]);
    assert!(warnings.iter().filter(|w| w.contains("was deleted")).count() == 1, "{warnings:#?}");
    assert!(warnings.iter().filter(|w| w.contains("directory does not exist")).count() == 1, "{warnings:#?}");
    assert_eq!(warnings.len(), 2, "one line per problem: {warnings:#?}");
    assert_eq!(log_lines(&["INFO", &shown(&db), "again"]).len(), 1);
}

#[test]
fn read_only_file_then_writable() {
    let _serial = serial();
    capture_logs();
    let test = "read_only";
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    drop(fmd_core::Store::open_writer(&db, "").expect("create"));
    let Some(mut read_only) = ReadOnly::make(&db) else {
        eprintln!("{test}: skipped: this process cannot make a file read-only (root without chattr)");
        return;
    };
    let (recorder, service, load) = start(&db);
    assert!(wait_for_log(Duration::from_secs(5), &["WARN", &shown(&db), "read-only"]));
    std::thread::sleep(Duration::from_millis(1_500));
    assert_unaffected(test, "read-only", &load.next_phase());
    let during = recorder.stats();
    assert_eq!((during.recorded, during.failed), (0, 0), "{during:?}");

    read_only.undo();
    assert!(wait_for_log(Duration::from_secs(10), &["INFO", &shown(&db), "again"]), "recovers");
    std::thread::sleep(Duration::from_millis(500));
    let (served, report) = finish(test, load, service, &recorder);
    assert_eq!(report.recorded, served);
    assert_eq!(request_rows(&db), served as i64);
    assert_eq!(log_lines(&["WARN", &shown(&db)]).len(), 1, "{:#?}", log_lines(&[&shown(&db)]));
    assert_eq!(log_lines(&["INFO", &shown(&db), "again"]).len(), 1);
}

/// A small tmpfs mounted on a fresh directory (root only); unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "fmd-disk-full-test"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// Fills the file system holding `path` until a write fails with "no space".
fn fill(path: &Path) -> u64 {
    use std::io::Write;
    let mut file = std::fs::File::create(path).expect("filler");
    let chunk = vec![0x5a_u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = file.sync_all();
    written
}

#[test]
fn disk_full_then_space_freed() {
    let _serial = serial();
    capture_logs();
    let test = "disk_full";
    let Some(disk) = Tmpfs::mount("16m") else {
        eprintln!("{test}: skipped: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)");
        return;
    };
    let db = disk.path().join("fmd.db");
    let (recorder, service, load) = start(&db);
    assert!(wait_until(Duration::from_secs(5), || request_rows(&db) > 200), "records before the fault");
    assert_unaffected(test, "healthy", &load.next_phase());

    let filler = disk.path().join("filler");
    let filled = fill(&filler);
    eprintln!("{test}: filled the last {} KiB", filled / 1024);
    // Writes go on while SQLite can reuse WAL space already allocated; a commit that needs a new block fails.
    assert!(
        wait_for_log(Duration::from_secs(60), &["WARN", &shown(&db), "disk is full"]),
        "the disk-full fault is noticed: {:#?} {:?}",
        log_lines(&[&shown(&db)]),
        recorder.stats()
    );
    std::thread::sleep(Duration::from_millis(1_500));
    assert_unaffected(test, "disk full", &load.next_phase());
    let during = recorder.stats();
    assert!(during.queued > 0, "records are kept: {during:?}");

    std::fs::remove_file(&filler).expect("free the space");
    assert!(wait_for_log(Duration::from_secs(10), &["INFO", &shown(&db), "again"]), "recovers");
    std::thread::sleep(Duration::from_millis(500));
    let (served, report) = finish(test, load, service, &recorder);
    assert_eq!(report.recorded, served);
    assert_eq!(request_rows(&db), served as i64, "every request is in the file");
    assert_eq!(integrity(&db), "ok");
    let warnings = log_lines(&["WARN", &shown(&db)]);
    assert!(!warnings.is_empty() && warnings.len() <= 2, "one line per kind of problem: {warnings:#?}");
    assert_eq!(log_lines(&["INFO", &shown(&db), "again"]).len(), 1);
    drop(disk);
}

/// Environment variables that turn [`lock_holder_child`] into a lock holder.
const LOCK_DB_ENV: &str = "FMD_TEST_LOCK_HOLDER_DB";
const LOCK_SECONDS_ENV: &str = "FMD_TEST_LOCK_HOLDER_SECONDS";

/// Not a test on its own: run by [`write_lock_held_by_another_process_for_10_s`] in a child process (this
/// test binary again) to hold the database's write lock. Without the environment variable it does nothing.
#[test]
fn lock_holder_child() {
    let Some(db) = std::env::var_os(LOCK_DB_ENV) else {
        return;
    };
    let seconds: u64 = std::env::var(LOCK_SECONDS_ENV).ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO fmd_meta (key, value) VALUES ('lock-test', 'held');")
        .expect("take the write lock");
    println!("\nFMD-LOCKED");
    std::thread::sleep(Duration::from_secs(seconds));
    conn.execute_batch("ROLLBACK").expect("release");
    println!("FMD-RELEASED");
}

#[test]
fn write_lock_held_by_another_process_for_10_s() {
    use std::io::BufRead;
    let _serial = serial();
    capture_logs();
    let test = "locked";
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let (recorder, service, load) = start(&db);
    assert!(wait_until(Duration::from_secs(5), || request_rows(&db) > 200), "records before the fault");
    assert_unaffected(test, "healthy", &load.next_phase());

    let mut holder = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "lock_holder_child", "--nocapture", "--test-threads", "1"])
        .env(LOCK_DB_ENV, &db)
        .env(LOCK_SECONDS_ENV, "10")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the lock holder");
    let mut lines = std::io::BufReader::new(holder.stdout.take().expect("stdout")).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.trim() == "FMD-LOCKED")), "the child took the lock");
    let locked_at = Instant::now();
    let recorded_at_lock = recorder.stats().recorded;
    assert!(wait_for_log(Duration::from_secs(12), &["WARN", &shown(&db), "locked"]), "the lock is noticed");
    // Counted while the lock is still held (2 s before the child releases it): once it is released the writer
    // commits the backlog within milliseconds, sooner than a busy machine may let this thread read the counters.
    std::thread::sleep((locked_at + Duration::from_secs(8)).saturating_duration_since(Instant::now()));
    let during = recorder.stats();
    let status = holder.wait().expect("lock holder");
    assert!(status.success(), "lock holder: {status}");
    let held = locked_at.elapsed();
    assert!(held >= Duration::from_secs(9), "the lock was held for {held:?}");
    assert_unaffected(test, "locked for 10 s", &load.next_phase());
    assert!(during.recorded <= recorded_at_lock + 5_000, "little was written under the lock: {during:?}");

    assert!(wait_for_log(Duration::from_secs(10), &["INFO", &shown(&db), "again"]), "recovers");
    std::thread::sleep(Duration::from_millis(500));
    let (served, report) = finish(test, load, service, &recorder);
    assert_eq!(report.recorded, served);
    assert_eq!(request_rows(&db), served as i64, "every request is in the file");
    assert_eq!(persisted_recorded(&db), served as i64);
    assert_eq!(log_lines(&["WARN", &shown(&db)]).len(), 1, "{:#?}", log_lines(&[&shown(&db)]));
    assert_eq!(log_lines(&["INFO", &shown(&db), "again"]).len(), 1);
}

fn remove_database(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// Replaces the database by a garbage file under load, then removes the garbage. With `stale_wal` the old
/// file's `-wal` and `-shm` stay beside the garbage (a plain `mv garbage fmd.db`); without, they go too.
fn replaced_by_garbage(test: &str, stale_wal: bool) {
    let _serial = serial();
    capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let (recorder, service, load) = start(&db);
    assert!(wait_until(Duration::from_secs(5), || request_rows(&db) > 200), "records before the fault");
    assert_unaffected(test, "healthy", &load.next_phase());

    // Replaced the way deployments replace files: a new file renamed over the old one.
    let garbage = b"this is not a SQLite database\n".repeat(400);
    let staged = dir.path().join("garbage.tmp");
    std::fs::write(&staged, &garbage).expect("write garbage");
    std::fs::rename(&staged, &db).expect("replace");
    if !stale_wal {
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    assert!(
        wait_for_log(Duration::from_secs(5), &["WARN", &shown(&db), "not a usable SQLite database"]),
        "the garbage is noticed: {:#?}",
        log_lines(&[&shown(&db)])
    );
    std::thread::sleep(Duration::from_millis(1_500));
    assert_unaffected(test, "garbage", &load.next_phase());
    let during = recorder.stats();
    assert!(during.queued > 0, "records are kept: {during:?}");
    assert_eq!(std::fs::read(&db).expect("read"), garbage, "the garbage file is left alone");

    remove_database(&db);
    assert!(wait_for_log(Duration::from_secs(10), &["INFO", &shown(&db), "again"]), "recovers");
    std::thread::sleep(Duration::from_millis(500));
    let (_, report) = finish(test, load, service, &recorder);
    let rows = request_rows(&db) as u64;
    assert!(rows >= during.queued && rows <= report.recorded, "kept records are in the new file: {rows}");
    assert_eq!(integrity(&db), "ok");
    let warnings = log_lines(&["WARN", &shown(&db)]);
    assert_eq!(warnings.iter().filter(|w| w.contains("replaced")).count(), 1, "{warnings:#?}");
    assert_eq!(warnings.iter().filter(|w| w.contains("not a usable SQLite database")).count(), 1, "{warnings:#?}");
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert_eq!(log_lines(&["INFO", &shown(&db), "again"]).len(), 1);
}

#[test]
fn file_replaced_by_garbage_then_removed() {
    replaced_by_garbage("garbage", false);
}

/// The same with the old file's `-wal` and `-shm` left beside the garbage, as `mv garbage fmd.db` leaves
/// them. SQLite would treat the old file's WAL as the new file's and write its pages into the garbage (a
/// backup restored this way would be corrupted), so the recorder removes the old file's sidecars first.
#[test]
fn file_replaced_by_garbage_with_the_old_wal_beside_it() {
    replaced_by_garbage("garbage_stale_wal", true);
}

#[test]
fn file_deleted_while_writing() {
    let _serial = serial();
    capture_logs();
    let test = "deleted";
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let (recorder, service, load) = start(&db);
    assert!(wait_until(Duration::from_secs(5), || request_rows(&db) > 200), "records before the fault");
    assert_unaffected(test, "healthy", &load.next_phase());

    remove_database(&db);
    let deleted_at = recorder.stats().recorded;
    assert!(wait_for_log(Duration::from_secs(5), &["WARN", &shown(&db), "was deleted"]));
    assert!(wait_until(Duration::from_secs(5), || request_rows(&db) > 100), "a new file is written");
    std::thread::sleep(Duration::from_millis(1_000));
    assert_unaffected(test, "deleted and recreated", &load.next_phase());
    std::thread::sleep(Duration::from_millis(500));
    let (_, report) = finish(test, load, service, &recorder);
    let rows = request_rows(&db) as u64;
    assert!(rows > 0 && rows <= report.recorded - deleted_at, "the new file holds the later requests: {rows}");
    assert_eq!(integrity(&db), "ok");
    assert_eq!(log_lines(&["WARN", &shown(&db)]).len(), 1, "{:#?}", log_lines(&[&shown(&db)]));
}

/// Another program left an Endpoint row whose name is not UTF-8. The recorder must go on recording the
/// service's own endpoints. (It once could not: `Store::endpoint_levels` read names as `String`, failed on that
/// row, and the writer treated it as a database fault forever. Names are now read leniently.)
#[test]
fn an_endpoint_name_that_is_not_utf8_does_not_stop_recording() {
    let _serial = serial();
    capture_logs();
    let test = "foreign_endpoint_name";
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    drop(fmd_core::Store::open_writer(&db, "").expect("create"));
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute("INSERT INTO Endpoint (name, monitor_level) VALUES (CAST(X'ff1b' AS TEXT), 1)", []).expect("insert");
    drop(conn);
    let (recorder, service, load) = start(&db);
    assert!(
        wait_until(Duration::from_secs(5), || request_rows(&db) > 200),
        "records are written: {:?}, {:#?}",
        recorder.stats(),
        log_lines(&[&shown(&db)])
    );
    let (served, report) = finish(test, load, service, &recorder);
    assert_eq!(report.recorded, served);
}
