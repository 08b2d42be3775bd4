//! The recorder writing to PostgreSQL (feature `postgres`, a server named by `FMD_TEST_PG_URL`): the rows FMD
//! reads, levels changed by another process within a second, several recorders sharing one database, the
//! counters; and (ignored, run by hand) the writer's rows/s at saturation beside SQLite's.

mod common;
mod pg_common;

use std::time::{Duration, Instant};

use common::{call, capture_logs, log_lines, wait_until};
use fmd_core::store::Tables;
use fmd_pg::testing::TestDb;
use fmd_pg::PgStore;
use fmd_recorder::Recorder;
use pg_common::{assert_accounted, pg_config, writer_pids, Load};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn requests_go_into_postgres_as_fmd_writes_them() {
    let Some(db) = TestDb::create("pgr_rows") else { return };
    let recorder = Recorder::builder(&pg_config(db.url(), 1)).build();
    assert_eq!(recorder.database().display().to_string(), db.url(), "the location, without any password");
    let app = common::app().layer(recorder.layer());
    let rt = runtime();
    let before = chrono::Utc::now().naive_utc();
    for i in 0..20 {
        assert_eq!(rt.block_on(call(&app, &format!("/users/{i}"), Some("ann"))).0, 200);
    }
    assert_eq!(rt.block_on(call(&app, "/status/503", None)).0, 503);
    assert_eq!(rt.block_on(call(&app, "/nowhere", None)).0, 404);
    assert_eq!(writer_pids(&db).len(), 1, "one connection per recorder");
    let report = recorder.shutdown(Duration::from_secs(5));
    assert_eq!((report.recorded, report.dropped, report.failed), (22, 0, 0));
    assert_accounted(&db, &report, 22);

    let t = Tables::new("");
    let mut client = db.client();
    let rows = client
        .query(
            &format!(
                "SELECT e.name, r.status_code, r.group_by, r.version_requested, r.ip, r.duration, r.time_requested \
                 FROM {} r JOIN {} e ON e.id = r.endpoint_id ORDER BY r.id",
                t.request, t.endpoint
            ),
            &[],
        )
        .expect("rows");
    let names: Vec<(String, i32)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(names[0], ("/users/{id}".to_string(), 200));
    assert_eq!(names[20], ("/status/{code}".to_string(), 503));
    assert_eq!(names[21], ("<unmatched>".to_string(), 404));
    let after = chrono::Utc::now().naive_utc();
    for row in &rows {
        let version: String = row.get(3);
        assert_eq!(version, "9.9-pg");
        let duration: f64 = row.get(5);
        assert!((0.0..1000.0).contains(&duration), "duration in ms: {duration}");
        let time: chrono::NaiveDateTime = row.get(6);
        assert!(time >= before - chrono::Duration::seconds(1) && time <= after, "naive UTC: {time}");
    }
    let group: String = rows[0].get(2);
    assert_eq!(group, "None", "no group-by configured: FMD's None");
    let endpoints: Vec<(String, i32)> = client
        .query(&format!("SELECT name, monitor_level FROM {} ORDER BY name", t.endpoint), &[])
        .expect("endpoints")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(endpoints.len(), 3, "{endpoints:?}");
    assert!(endpoints.iter().all(|(_, level)| *level == 1));
}

/// Levels set through another connection (another process or host, as `fmd level` would) reach a running
/// recorder within 1 s at the default level poll (500 ms).
#[test]
fn levels_changed_elsewhere_apply_within_a_second() {
    let Some(db) = TestDb::create("pgr_levels") else { return };
    let config = pg_config(db.url(), 1);
    assert_eq!(config.recorder.level_poll_ms, 500, "the default level poll");
    let recorder = Recorder::builder(&config).build();
    let load = Load::start(common::app().layer(recorder.layer()), Duration::from_millis(2));
    assert!(wait_until(Duration::from_secs(5), || recorder.stats().recorded > 20), "{:?}", recorder.stats());

    let editor = PgStore::open_editor(&db.pg_url(), None).expect("editor");
    editor.set_level("/users/{id}", 0).expect("set level 0");
    let off = chrono::Utc::now().naive_utc();
    std::thread::sleep(Duration::from_millis(2000));
    editor.set_level("/users/{id}", 1).expect("set level 1");
    let on = chrono::Utc::now().naive_utc();
    std::thread::sleep(Duration::from_millis(1500));
    let served = load.finish();
    let report = recorder.shutdown(Duration::from_secs(5));
    // Requests at level 0 are neither rows nor losses: only the rows and the counters must agree here.
    assert_eq!((report.dropped, report.failed), (0, 0), "{report:?}");
    let (rows, recorded, _, _) = pg_common::counts(&db);
    assert_eq!((rows as u64, recorded as u64), (report.recorded, report.recorded));

    let t = Tables::new("");
    let mut client = db.client();
    let times: Vec<chrono::NaiveDateTime> = client
        .query(&format!("SELECT time_requested FROM {} ORDER BY time_requested", t.request), &[])
        .expect("times")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let second = chrono::Duration::seconds(1);
    let last_before_off = times.iter().filter(|t| **t >= off).max().copied();
    let first_after_on = times.iter().find(|t| **t >= off + second).copied();
    // Level 0 writes no Request rows: none after off + 1 s until the level is back.
    let recorded_while_off = times.iter().filter(|t| **t >= off + second && **t < on).count();
    assert_eq!(recorded_while_off, 0, "level 0 reached the recorder within 1 s (last row at {last_before_off:?})");
    let first = first_after_on.expect("rows again at level 1");
    assert!(first <= on + second, "level 1 reached the recorder within 1 s: {first} vs {on}");
    assert!(report.recorded < served.requests, "requests at level 0 were served, not stored");
}

/// Two recorders (two hosts' services) writing one database at once: every request of each is a row, each has
/// its own counters row and connection.
#[test]
fn two_recorders_share_one_database() {
    let Some(db) = TestDb::create("pgr_two") else { return };
    let a = Recorder::builder(&pg_config(db.url(), 1)).build();
    let b = Recorder::builder(&pg_config(db.url(), 1)).build();
    let load_a = Load::start(common::app().layer(a.layer()), Duration::ZERO);
    let load_b = Load::start(common::app().layer(b.layer()), Duration::ZERO);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(writer_pids(&db).len(), 2, "one connection each");
    let (served_a, served_b) = (load_a.finish(), load_b.finish());
    let report_a = a.shutdown(Duration::from_secs(10));
    let report_b = b.shutdown(Duration::from_secs(10));
    assert_eq!(report_a.recorded + report_a.dropped + report_a.failed, served_a.requests);
    assert_eq!(report_b.recorded + report_b.dropped + report_b.failed, served_b.requests);
    assert_eq!((report_a.dropped + report_a.failed, report_b.dropped + report_b.failed), (0, 0));
    let (rows, recorded, dropped, failed) = pg_common::counts(&db);
    assert_eq!(rows as u64, served_a.requests + served_b.requests);
    assert_eq!((recorded, dropped, failed), (rows, 0, 0));
    let mut client = db.client();
    let t = Tables::new("");
    let recorders: i64 =
        client.query_one(&format!("SELECT count(*) FROM {}", t.recorder), &[]).expect("recorders").get(0);
    assert_eq!(recorders, 2);
    let endpoints: i64 =
        client.query_one(&format!("SELECT count(*) FROM {}", t.endpoint), &[]).expect("endpoints").get(0);
    assert_eq!(endpoints, 1, "both resolved the one endpoint row");
}

/// How fast one writer empties a backlog of `n` requests (queued as fast as one thread can), into the database
/// `config` names; returns (rows/s while the writer had a backlog, the batch-size line it logged).
fn saturate(config: &fmd_core::Config, n: u64) -> (f64, String) {
    let mut config = config.clone();
    config.recorder.queue_capacity = n as usize;
    let recorder = Recorder::builder(&config).build();
    let app = common::app().layer(recorder.layer());
    let rt = runtime();
    let started = Instant::now();
    for i in 0..n {
        rt.block_on(call(&app, &format!("/users/{}", i % 1000), None));
    }
    let queued = started.elapsed();
    assert!(wait_until(Duration::from_secs(300), || recorder.stats().recorded == n), "{:?}", recorder.stats());
    let took = started.elapsed();
    let before = log_lines(&["batches written since start"]).len();
    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!((report.recorded, report.dropped, report.failed), (n, 0, 0));
    let lines = log_lines(&["batches written since start"]);
    let sizes = lines.get(before).cloned().unwrap_or_default();
    eprintln!(
        "{}: {n} requests queued in {:.2} s, all written after {:.2} s: {:.0} rows/s",
        recorder.database().display(),
        queued.as_secs_f64(),
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    (n as f64 / took.as_secs_f64(), sizes)
}

/// `cargo test -p fmd-recorder --features postgres --release --test pg_recorder -- --ignored --nocapture`:
/// rows/s of the writer at saturation on PostgreSQL and on SQLite in the same run, and the batch sizes it saw.
#[test]
#[ignore = "a measurement: run by hand with --ignored --nocapture"]
fn writer_rows_per_second_postgres_vs_sqlite() {
    capture_logs();
    let Some(db) = TestDb::create("pgr_speed") else { return };
    let n: u64 = std::env::var("FMD_SATURATE_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = common::config(&dir.path().join("fmd.db"), 1);
    for round in 0..2 {
        let (pg_rate, pg_sizes) = saturate(&pg_config(db.url(), 1), n);
        let (sqlite_rate, sqlite_sizes) = saturate(&sqlite, n);
        eprintln!("round {round}: PostgreSQL {pg_rate:.0} rows/s ({pg_sizes})");
        eprintln!("round {round}: SQLite {sqlite_rate:.0} rows/s ({sqlite_sizes})");
    }
}
