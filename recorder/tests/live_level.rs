//! A level changed in the database by another process takes effect in a running recorder within 1 s.
//!
//! The test re-executes this test binary as a child process that runs only
//! `child_service_for_live_level_test` (selected by the `FMD_REC_CHILD_DB` environment variable): a
//! recorder plus an axum service on 127.0.0.1. The parent drives it over HTTP and changes the level with
//! `Store::open_editor(..).set_level(..)`, then checks which requests produced rows.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{http_get, wait_until};
use fmd_core::Store;
use fmd_recorder::Recorder;

const CHILD_ENV: &str = "FMD_REC_CHILD_DB";
const CHILD_TEST: &str = "child_service_for_live_level_test";
/// The promise under test.
const TAKES_EFFECT_WITHIN: Duration = Duration::from_secs(1);

/// Not a test on its own: the child process's service. Does nothing unless `FMD_REC_CHILD_DB` is set.
#[test]
fn child_service_for_live_level_test() {
    let Some(db) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let mut config = common::config(&db, 1);
    config.recorder.level_poll_ms = 500; // the default: the 1 s promise must hold with it
    let recorder = Recorder::builder(&config)
        .group_by(|parts: &http::request::Parts| {
            parts.headers.get("x-seq").and_then(|v| v.to_str().ok()).map(str::to_owned)
        })
        .build();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let app = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" })).layer(recorder.layer());
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("PORT={}", listener.local_addr().expect("address").port());
        // Runs until the parent closes our stdin (or 60 s, should the parent vanish).
        let parent_gone = async {
            let eof = tokio::task::spawn_blocking(|| {
                let mut sink = Vec::new();
                let _ = std::io::stdin().read_to_end(&mut sink);
            });
            let _ = tokio::time::timeout(Duration::from_secs(60), eof).await;
        };
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(parent_gone)
            .await
            .expect("serve");
    });
    let report = recorder.shutdown(Duration::from_secs(5));
    println!("REPORT={} {} {}", report.recorded, report.dropped, report.failed);
}

/// Kills the child if the test fails half-way.
struct ChildGuard(Option<Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn_child(db: &Path) -> (ChildGuard, SocketAddr, std::sync::mpsc::Receiver<String>) {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let guard = ChildGuard(Some(child));
    let deadline = Instant::now() + Duration::from_secs(20);
    let port = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines.recv_timeout(left).expect("child prints its port within 20 s");
        // libtest prints "test <name> ... " without a newline before our output.
        if let Some((_, port)) = line.split_once("PORT=") {
            break port.trim().parse::<u16>().expect("port number");
        }
    };
    (guard, SocketAddr::from(([127, 0, 0, 1], port)), lines)
}

/// `group_by` values (our sequence numbers) of the recorded /ping requests.
fn recorded_seqs(db: &Path) -> Vec<u64> {
    common::rows(db).iter().filter_map(|row| row.group_by.parse().ok()).collect()
}

/// Sends one request every 40 ms for `span`; returns each request's sequence number and send time.
fn ping_for(addr: SocketAddr, first_seq: u64, span: Duration) -> Vec<(u64, Instant)> {
    let start = Instant::now();
    let mut sent = Vec::new();
    let mut seq = first_seq;
    while start.elapsed() < span {
        let at = Instant::now();
        assert_eq!(http_get(addr, "/ping", &[("x-seq", &seq.to_string())]), 200);
        sent.push((seq, at));
        seq += 1;
        std::thread::sleep(Duration::from_millis(40));
    }
    sent
}

fn set_level(db: &Path, level: u8) -> Instant {
    let editor = Store::open_editor(db, None).expect("open editor");
    editor.set_level("/ping", level).expect("set level");
    Instant::now()
}

/// Waits until the row count stops changing (the writer flushed everything sent so far).
fn settle(db: &Path) -> Vec<u64> {
    let mut last = recorded_seqs(db);
    let mut stable_since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && stable_since.elapsed() < Duration::from_millis(400) {
        std::thread::sleep(Duration::from_millis(50));
        let now = recorded_seqs(db);
        if now != last {
            last = now;
            stable_since = Instant::now();
        }
    }
    last
}

#[test]
fn level_changes_from_another_process_apply_within_a_second() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return; // we are the child
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let (mut guard, addr, lines) = spawn_child(&db);

    // Level 1 (the default): every request is recorded.
    let warmup = ping_for(addr, 1, Duration::from_millis(200));
    assert!(wait_until(Duration::from_secs(5), || recorded_seqs(&db).len() == warmup.len()), "warm-up rows appear");

    // Level 0 from this (other) process: requests stop producing rows within 1 s.
    let changed_at = set_level(&db, 0);
    let off = ping_for(addr, 1_000, Duration::from_millis(1_800));
    let recorded = settle(&db);
    let late_rows: Vec<u64> = off
        .iter()
        .filter(|(seq, at)| at.duration_since(changed_at) > TAKES_EFFECT_WITHIN && recorded.contains(seq))
        .map(|(seq, _)| *seq)
        .collect();
    assert!(
        late_rows.is_empty(),
        "requests sent more than 1 s after the change to level 0 were recorded: {late_rows:?}"
    );
    assert!(off.iter().filter(|(seq, _)| recorded.contains(seq)).count() < off.len() / 2, "level 0 took effect");
    let last_on =
        off.iter().filter(|(seq, _)| recorded.contains(seq)).map(|(_, at)| at.duration_since(changed_at)).max();
    eprintln!("level 0: last recorded request sent {last_on:?} after the change");

    // Level 2 (recorded like level 1 for now): requests are recorded again within 1 s.
    let changed_at = set_level(&db, 2);
    let on = ping_for(addr, 2_000, Duration::from_millis(1_800));
    let recorded = settle(&db);
    let missing: Vec<u64> = on
        .iter()
        .filter(|(seq, at)| at.duration_since(changed_at) > TAKES_EFFECT_WITHIN && !recorded.contains(seq))
        .map(|(seq, _)| *seq)
        .collect();
    assert!(
        missing.is_empty(),
        "requests sent more than 1 s after the change to level 2 were not recorded: {missing:?}"
    );
    let first_on =
        on.iter().filter(|(seq, _)| recorded.contains(seq)).map(|(_, at)| at.duration_since(changed_at)).min();
    eprintln!("level 2: first recorded request sent {first_on:?} after the change");

    // Stop the child gracefully: closing its stdin ends its server; it then flushes and reports.
    let mut child = guard.0.take().expect("child");
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("child status") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("child did not stop within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "child exit status {status}");
    let report = lines
        .iter()
        .find_map(|line| line.split_once("REPORT=").map(|(_, r)| r.trim().to_owned()))
        .expect("child report");
    let total = recorded_seqs(&db).len();
    assert_eq!(report, format!("{total} 0 0"), "child's final counters match the rows");
}
