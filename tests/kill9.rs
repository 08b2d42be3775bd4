//! `kill -9` of a service while it records under load leaves a database that the console opens with every
//! committed row.
//!
//! The service is this test binary again ([`kill9_child_service`], started with an environment variable):
//! the recorder and an axum server on a loopback port, printing its committed-row count every 5 ms. The
//! parent loads it with keep-alive clients and SIGKILLs it at three different moments, restarting it on
//! the same file each time. After each kill the file must
//! * pass `PRAGMA integrity_check`;
//! * open with `Store::open_reader` and give an overview whose hits add up to the rows in the file;
//! * hold at least the rows the child last reported committed, and exactly as many as the recorders'
//!   counters rows say (they are committed in the same transaction as the rows);
//! * answer `fmd show overview --json` with the same total.

mod load_support;

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use load_support::{config, Load, Service};

const CHILD_DB_ENV: &str = "FMD_TEST_KILL9_DB";

/// Not a test on its own: the service [`kill_9_under_load_keeps_every_committed_row`] starts and kills.
/// Without the environment variable it does nothing.
#[test]
fn kill9_child_service() {
    let Some(db) = std::env::var_os(CHILD_DB_ENV) else {
        return;
    };
    let recorder = fmd_recorder::Recorder::builder(&config(Path::new(&db))).build();
    let service = Service::start(Some(recorder.layer()));
    // On a line of its own: the test harness has printed the test's name without a newline.
    println!("\nport {}", service.addr.port());
    let started = Instant::now();
    // Killed long before this ends.
    while started.elapsed() < Duration::from_secs(120) {
        println!("recorded {}", recorder.stats().recorded);
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn sum_recorded(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT coalesce(sum(recorded), 0) FROM fmd_recorder", [], |r| r.get(0)).expect("counters")
}

#[test]
fn kill_9_under_load_keeps_every_committed_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let mut rows_before = 0i64;
    // Kill after this many rows were reported committed by the child, in each round.
    for (round, at_least) in [2_000u64, 9_000, 500].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "kill9_child_service", "--nocapture", "--test-threads", "1"])
            .env(CHILD_DB_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the service");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let port: u16 = lines
            .by_ref()
            .find_map(|line| line.ok()?.strip_prefix("port ").and_then(|p| p.trim().parse().ok()))
            .expect("the child's port");
        let reported = Arc::new(AtomicU64::new(0));
        let reader = {
            let reported = reported.clone();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    if let Some(n) = line.strip_prefix("recorded ").and_then(|n| n.trim().parse::<u64>().ok()) {
                        reported.fetch_max(n, Ordering::SeqCst);
                    }
                }
            })
        };
        let load = Load::start(([127, 0, 0, 1], port).into(), 4, Duration::ZERO);
        let deadline = Instant::now() + Duration::from_secs(60);
        while reported.load(Ordering::SeqCst) < at_least && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        // Not in step with the child's reports: the kill lands anywhere in the writer's cycle.
        std::thread::sleep(Duration::from_millis([3, 17, 41][round]));
        let sent_at_kill = load.sent.load(Ordering::Relaxed);
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        reader.join().expect("reader");
        let last_reported = reported.load(Ordering::SeqCst);
        drop(load);
        assert!(last_reported >= at_least, "round {round}: the child committed only {last_reported} rows in 60 s");
        assert!(!status.success(), "round {round}: killed, not exited ({status})");

        let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open after kill");
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
        assert_eq!(integrity, "ok", "round {round}");
        let rows: i64 = conn.query_row("SELECT count(*) FROM Request", [], |r| r.get(0)).expect("count");
        let counted = sum_recorded(&conn);
        drop(conn);
        eprintln!(
            "round {round}: {sent_at_kill} requests sent, child reported {last_reported} committed, file has {} new \
             rows ({rows} in all), counters say {counted}",
            rows - rows_before
        );
        assert!(rows - rows_before >= last_reported as i64, "round {round}: committed rows were lost");
        assert_eq!(rows, counted, "round {round}: rows and the counters committed with them agree");

        let store = fmd_core::Store::open_reader(&db, None).expect("the console opens the file");
        let overview = store.overview(chrono::Utc::now(), chrono_tz::UTC).expect("overview");
        let hits: u64 = overview.iter().map(|row| row.hits_overall).sum();
        assert_eq!(hits as i64, rows, "round {round}: the overview shows every row");
        drop(store);

        let out = Command::new(env!("CARGO_BIN_EXE_fmd"))
            .args(["show", "overview", "--json", "--tz", "UTC", "--db"])
            .arg(&db)
            .env_remove("FMD_CONFIG")
            .output()
            .expect("fmd show");
        assert!(out.status.success(), "fmd show: {}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let shown: i64 = json.as_array().expect("array").iter().map(|e| e["hits-overall"].as_i64().unwrap_or(0)).sum();
        assert_eq!(shown, rows, "round {round}: fmd show overview");
        rows_before = rows;
    }
}
