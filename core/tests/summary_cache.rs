//! Where summaries live: files fmd did not create (Python FMD's) are never changed by viewing them; their
//! summaries go to fmd's cache, attached to the reader, kept honest when the file changes or is replaced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use fmd_core::store::{SummaryCache, SummaryHome, SummaryPolicy, SummaryState, TimeRange};
use fmd_core::Store;
use sha2::{Digest, Sha256};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/fmd-5.1.0-sample.db");

fn now() -> DateTime<Utc> {
    "2026-11-27T22:56:55Z".parse().expect("instant")
}

/// Every file in `dir` with the SHA-256 of its content.
fn listing(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            let bytes = std::fs::read(entry.path()).expect("read");
            out.insert(entry.file_name().to_string_lossy().into_owned(), format!("{:x}", Sha256::digest(&bytes)));
        }
    }
    out
}

/// A copy of FMD 5.1.0's own file (no `fmd_meta`: fmd did not create it) in a directory of its own.
fn sample(dir: &Path) -> PathBuf {
    let home = dir.join("data");
    std::fs::create_dir_all(&home).expect("dir");
    let path = home.join("fmd.db");
    std::fs::copy(SAMPLE, &path).expect("copy the sample");
    path
}

/// Appends `n` requests to the file with plain SQL, as Python FMD writes them.
fn insert_rows(path: &Path, n: usize, seed: u64) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM Endpoint ORDER BY id").expect("prepare");
        stmt.query_map([], |r| r.get(0)).expect("ids").collect::<Result<_, _>>().expect("ids")
    };
    let mut x = seed.max(1);
    let mut next = move |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    conn.execute_batch("BEGIN").expect("begin");
    for _ in 0..n {
        let e = ids[next(ids.len() as u64) as usize];
        let secs = now().timestamp() - next(20 * 86_400) as i64;
        let time = DateTime::from_timestamp(secs, next(1_000_000) as u32 * 1000).expect("time");
        conn.execute(
            "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![
                e,
                1.0 + next(40_000) as f64 / 77.0,
                time.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
                ["1.0", "1.1"][next(2) as usize],
                format!("user{}", next(5)),
                format!("10.0.0.{}", next(9)),
                [200, 200, 200, 404, 500][next(5) as usize],
            ],
        )
        .expect("insert");
    }
    conn.execute_batch("COMMIT").expect("commit");
}

/// Deletes every 7th request (FMD's pruning deletes anywhere too).
fn delete_some(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM Request WHERE id % 7 = 3").expect("delete");
}

fn count(path: &Path) -> u64 {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    conn.query_row("SELECT count(*) FROM Request", [], |r| r.get::<_, i64>(0)).expect("count") as u64
}

/// A reader keeping its cache in `cache`, using summaries at any size.
fn cached(path: &Path, cache: &Path) -> Store {
    let mut store = Store::open_reader_with(path, None, &SummaryCache::Dir(cache.to_path_buf())).expect("reader");
    store.set_summary_policy(SummaryPolicy { min_rows: 0, ..SummaryPolicy::default() });
    store
}

fn direct(path: &Path) -> Store {
    let mut store = Store::open_reader_with(path, None, &SummaryCache::Off).expect("reader");
    store.set_summary_policy(SummaryPolicy { enabled: false, ..SummaryPolicy::default() });
    store
}

/// The views the summaries serve agree with the direct queries.
fn assert_agree(s: &Store, d: &Store) {
    assert_eq!(s.overview(now(), chrono_tz::UTC).expect("o"), d.overview(now(), chrono_tz::UTC).expect("o"));
    let all = TimeRange::ALL;
    assert_eq!(s.versions(all, None).expect("v"), d.versions(all, None).expect("v"));
    assert_eq!(s.multi_version(all).expect("mv"), d.multi_version(all).expect("mv"));
    let (a, e) = (s.api_performance(all, None).expect("p"), d.api_performance(all, None).expect("p"));
    assert_eq!(a.len(), e.len());
    for (x, y) in a.iter().zip(&e) {
        let (p, q) = (x.summary.as_ref().map(|m| (m.count, m.p50)), y.summary.as_ref().map(|m| (m.count, m.p50)));
        assert_eq!(p, q, "api_performance {}", x.name);
    }
    for row in d.overview(now(), chrono_tz::UTC).expect("o") {
        assert_eq!(s.users(row.id, all).expect("u"), d.users(row.id, all).expect("u"));
        assert_eq!(s.ips(row.id, all).expect("i"), d.ips(row.id, all).expect("i"));
    }
}

fn cache_of(store: &Store) -> PathBuf {
    match store.summary_home() {
        SummaryHome::Cache(file) => file.clone(),
        other => panic!("expected the cache, got {other:?}"),
    }
}

#[test]
fn the_fmd_sample_is_never_changed_by_viewing_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = sample(dir.path());
    let data = path.parent().expect("dir").to_path_buf();
    let before = listing(&data);
    let cache = dir.path().join("cache");
    // As the console's query worker does between jobs, with the default policy (1 526 requests: too few).
    let store = Store::open_reader_with(&path, None, &SummaryCache::Dir(cache.clone())).expect("reader");
    let status = store.refresh_summaries_within(std::time::Duration::from_millis(150), |_, _| {}).expect("refresh");
    assert_eq!(status.state, SummaryState::Missing, "below SummaryPolicy::min_rows nothing is built");
    assert!(!store.overview(now(), chrono_tz::UTC).expect("overview").is_empty());
    assert!(store.clear_summaries().is_ok());
    drop(store);
    assert_eq!(listing(&data), before, "the file is byte for byte unchanged and nothing was added beside it");
    assert!(!cache.exists(), "no cache for a small file");
}

#[test]
fn a_foreign_file_keeps_its_summaries_in_the_cache_and_answers_as_directly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = sample(dir.path());
    insert_rows(&path, 3000, 7);
    let data = path.parent().expect("dir").to_path_buf();
    let before = listing(&data);
    let cache = dir.path().join("cache");
    let s = cached(&path, &cache);
    let file = cache_of(&s);
    assert!(file.starts_with(&cache), "{} under {}", file.display(), cache.display());
    let status = s.refresh_summaries(|_, _| {}).expect("refresh");
    assert_eq!((status.state, status.covered), (SummaryState::Ready, count(&path)));
    assert!(file.is_file(), "the cache database exists");
    assert_eq!(listing(&data), before, "the file is unchanged by building its summaries");
    // The store reads them (attached after the build), and so does a new reader (attached at open).
    assert_eq!(s.summary_status().expect("status").state, SummaryState::Ready);
    let fresh = cached(&path, &cache);
    assert_eq!(fresh.summary_status().expect("status").covered, count(&path));
    assert_agree(&s, &direct(&path));
    assert_agree(&fresh, &direct(&path));
    drop((s, fresh));
    assert_eq!(listing(&data), before, "nor by reading them");

    // Another process adds requests: the refresh adds them to the cache.
    insert_rows(&path, 200, 8);
    let s = cached(&path, &cache);
    let status = s.refresh_summaries(|_, _| {}).expect("refresh");
    assert_eq!((status.state, status.covered), (SummaryState::Ready, count(&path)));
    assert_agree(&s, &direct(&path));
    // Deletions anywhere: rebuilt.
    delete_some(&path);
    let status = s.refresh_summaries(|_, _| {}).expect("refresh");
    assert_eq!((status.state, status.covered), (SummaryState::Ready, count(&path)));
    assert_agree(&s, &direct(&path));
    drop(s);

    // Another file moved over the same path, with as many requests: its views never read the old cache.
    let other = dir.path().join("other.db");
    std::fs::copy(SAMPLE, &other).expect("copy");
    insert_rows(&other, 3000, 99);
    delete_some(&other);
    std::fs::rename(&other, &path).expect("replace");
    let s = cached(&path, &cache);
    assert_eq!(cache_of(&s), file, "same path, same cache database");
    assert_eq!(s.summary_status().expect("status").state, SummaryState::Missing, "another file's cache is not used");
    assert_agree(&s, &direct(&path));
    let status = s.refresh_summaries(|_, _| {}).expect("refresh");
    assert_eq!((status.state, status.covered), (SummaryState::Ready, count(&path)));
    assert_agree(&s, &direct(&path));
}

#[test]
fn without_a_writable_cache_views_answer_directly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = sample(dir.path());
    insert_rows(&path, 500, 3);
    let before = listing(path.parent().expect("dir"));
    // A "directory" below a regular file cannot be created, not even by root.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").expect("write");
    let s = cached(&path, &blocker.join("cache"));
    let status = s.refresh_summaries(|_, _| {}).expect("no error");
    assert_eq!(status.state, SummaryState::ReadOnly);
    assert_agree(&s, &direct(&path));
    let s = {
        let mut s = Store::open_reader_with(&path, None, &SummaryCache::Off).expect("reader");
        s.set_summary_policy(SummaryPolicy { min_rows: 0, ..SummaryPolicy::default() });
        s
    };
    assert_eq!(s.summary_home(), &SummaryHome::Nowhere);
    assert_eq!(s.refresh_summaries(|_, _| {}).expect("no error").state, SummaryState::ReadOnly);
    assert_agree(&s, &direct(&path));
    assert_eq!(listing(path.parent().expect("dir")), before);
}

#[test]
fn files_fmd_created_keep_their_summaries_inside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("own.db");
    drop(Store::open_writer(&path, "").expect("writer"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute("INSERT INTO Endpoint (id, name, monitor_level) VALUES (1, '/a', 1)", []).expect("endpoint");
    drop(conn);
    insert_rows(&path, 300, 5);
    let cache = dir.path().join("cache");
    let s = cached(&path, &cache);
    assert_eq!(s.summary_home(), &SummaryHome::File);
    assert_eq!(s.refresh_summaries(|_, _| {}).expect("refresh").state, SummaryState::Ready);
    assert!(!cache.exists(), "nothing in the cache");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let rows: i64 = conn.query_row("SELECT rows FROM fmd_summary_state", [], |r| r.get(0)).expect("state");
    assert_eq!(rows, 300);
    assert_agree(&s, &direct(&path));
}

/// Makes a file unwritable for this process: read-only permissions, and for root (which ignores those) the
/// immutable attribute where the file system has it; undone on drop. `writable()` says whether it worked.
struct ReadOnly(PathBuf, bool);

impl ReadOnly {
    fn set(path: &Path) -> ReadOnly {
        let mut perms = std::fs::metadata(path).expect("meta").permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(path, perms).expect("chmod");
        let chattr = std::fs::OpenOptions::new().write(true).open(path).is_ok()
            && std::process::Command::new("chattr")
                .arg("+i")
                .arg(path)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        ReadOnly(path.to_path_buf(), chattr)
    }

    fn writable(&self) -> bool {
        std::fs::OpenOptions::new().write(true).open(&self.0).is_ok()
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr").arg("-i").arg(&self.0).status();
        }
    }
}

#[test]
fn a_read_only_file_of_fmds_reads_its_complete_summaries_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("own.db");
    drop(Store::open_writer(&path, "").expect("writer"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute("INSERT INTO Endpoint (id, name, monitor_level) VALUES (1, '/a', 1)", []).expect("endpoint");
    drop(conn);
    insert_rows(&path, 400, 6);
    let cache = dir.path().join("cache");
    assert_eq!(cached(&path, &cache).refresh_summaries(|_, _| {}).expect("build").state, SummaryState::Ready);
    insert_rows(&path, 20, 9);
    let lock = ReadOnly::set(&path);
    if lock.writable() {
        println!("cannot make {} read-only here; skipped", path.display());
        return;
    }
    let before = listing(dir.path());
    let s = cached(&path, &cache);
    assert_eq!(s.summary_home(), &SummaryHome::File, "complete summaries in the file are read in place");
    assert_eq!(s.refresh_summaries(|_, _| {}).expect("refresh").state, SummaryState::ReadOnly);
    assert_eq!(s.summary_status().expect("status").covered, 400);
    assert_agree(&s, &direct(&path));
    drop(s);
    assert_eq!(listing(dir.path()), before, "nothing written, no cache");
}
