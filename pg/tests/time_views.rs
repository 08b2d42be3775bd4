//! The dashboard's views on PostgreSQL give the SQLite store's answers on the same rows: FMD 5.1.0's own sample
//! and a synthetic set written with fmd's SQLite writer (NULLs, IPv6, odd status codes, tied durations, several
//! versions, midnights and both DST changes of Europe/Amsterdam), each imported into a fresh PostgreSQL
//! database. Every method is asked with many arguments (each endpoint and a missing one, open, bounded, empty
//! and inverted windows, zones with DST and half hours, limits); a few answers are also checked against numbers
//! known independently (FMD's own API on its sample, the synthetic rows' design).
//!
//! Float fields that both stores take from SQL's `avg` (the all-time means of `api_performance`,
//! `endpoint_summary` and `mean_duration`) are compared with a relative tolerance of 1e-9; everything else,
//! bounded-window means included, must be equal bit for bit.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use fmd_core::store::{DayRange, NewException, NewFrame, NewRequest, TimeRange, WriteBatch};
use fmd_core::Store;
use fmd_pg::import::import_sqlite;
use fmd_pg::testing::TestDb;
use fmd_pg::PgStore;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/fmd-5.1.0-sample.db");

/// FMD's clock when it answered for its sample.
fn sample_now() -> DateTime<Utc> {
    t("2026-11-27T22:56:55Z")
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// The same rows in both stores, with the arguments to ask them.
struct Both {
    sqlite: Store,
    pg: PgStore,
    /// Every endpoint id, and one that does not exist.
    ids: Vec<i64>,
    /// Instants to take the overview and the trend at.
    nows: Vec<DateTime<Utc>>,
    /// Windows: all time, open at either end, bounded, empty, inverted, at a request's own instant.
    windows: Vec<TimeRange>,
    /// Day ranges for the hourly and daily views.
    days: Vec<DayRange>,
    path: PathBuf,
    _db: TestDb,
    _dir: Option<tempfile::TempDir>,
}

const ZONES: [Tz; 4] =
    [chrono_tz::UTC, chrono_tz::Europe::Amsterdam, chrono_tz::Asia::Kolkata, chrono_tz::America::St_Johns];

/// Imports the SQLite file at `path` into a fresh PostgreSQL database with Python FMD's schema.
fn import(name: &str, path: &Path) -> Option<(TestDb, PgStore)> {
    let db = TestDb::create(name)?;
    db.create_python_fmd_schema();
    let pg = db.store("");
    import_sqlite(path, "", &pg).expect("import");
    Some((db, pg))
}

/// A request's own `time_requested`, to use as a window bound.
fn time_of_request(path: &Path, id: i64) -> DateTime<Utc> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let text: String =
        conn.query_row("SELECT time_requested FROM Request WHERE id = ?1", [id], |r| r.get(0)).expect("request");
    fmd_core::timefmt::parse_fmd(&text).expect("FMD time")
}

fn common_windows(at: DateTime<Utc>) -> Vec<TimeRange> {
    vec![
        TimeRange::ALL,
        TimeRange::new(Some(at), None),
        TimeRange::new(None, Some(at)),
        TimeRange::new(Some(at - Duration::microseconds(1)), Some(at + Duration::microseconds(1))),
        TimeRange::new(Some(at), Some(at)),
        TimeRange::new(Some(t("2020-01-01T00:00:00Z")), Some(t("2020-01-02T00:00:00Z"))),
        TimeRange::new(Some(DateTime::<Utc>::MIN_UTC), None),
        TimeRange::new(None, Some(DateTime::<Utc>::MIN_UTC)),
    ]
}

fn sample(name: &str) -> Option<Both> {
    let path = PathBuf::from(SAMPLE);
    let (db, pg) = import(name, &path)?;
    let sqlite = Store::open_reader(&path, None).expect("FMD's sample opens read-only");
    let mut ids: Vec<i64> = sqlite.endpoint_infos().expect("endpoints").iter().map(|e| e.id).collect();
    ids.push(999);
    let now = sample_now();
    let mut windows = common_windows(time_of_request(&path, 1526));
    windows.extend([
        TimeRange::since(t("2026-11-25T00:00:00Z")),
        TimeRange::new(None, Some(t("2026-11-20T12:00:00Z"))),
        TimeRange::new(Some(t("2026-11-21T06:30:15.5Z")), Some(t("2026-11-23T18:00:00Z"))),
        TimeRange::new(Some(t("2026-11-22T10:00:00Z")), Some(t("2026-11-22T10:10:00Z"))),
        TimeRange::new(Some(t("2026-11-25T00:00:00Z")), Some(t("2026-11-21T00:00:00Z"))),
    ]);
    let mut days = Vec::new();
    for tz in ZONES {
        for n in [1, 7, 31] {
            days.push(DayRange::ending_today(now, tz, n));
        }
    }
    days.push(DayRange::new(day("2026-11-27"), day("2026-11-20")));
    Some(Both {
        sqlite,
        pg,
        ids,
        nows: vec![now, t("2026-11-24T23:30:00Z"), t("2027-01-01T00:00:00Z")],
        windows,
        days,
        path,
        _db: db,
        _dir: None,
    })
}

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// The "zeta" endpoint's requests: (minutes after 2026-10-24T10:00Z, duration, status).
const ZETA: [(i64, f64, u16); 5] = [(0, 3.0, 200), (1, 1.0, 404), (2, 10.0, 200), (3, 2.0, 500), (4, 2.0, 600)];

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Writes the synthetic set with fmd's SQLite writer, then sets NULLs the way Python FMD may leave them.
fn write_synthetic(path: &Path) {
    let mut store = Store::open_writer(path, "").expect("writer");
    let t0 = micros(t("2026-03-01T00:00:00Z"));
    let names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    let ids: Vec<i64> = names.iter().map(|n| store.ensure_endpoint(n, 1, "1.0", t0).expect("endpoint").id).collect();
    let (alpha, beta, gamma, epsilon) = (ids[0], ids[1], ids[2], ids[4]);
    let weighted = [alpha, alpha, alpha, alpha, beta, beta, gamma, epsilon];
    let mut rng = Lcg(7);
    let ips = ["10.0.0.1", "2001:db8::1", "::1", "192.168.1.20", "fe80::1%eth0"];
    let users = ["None", "alice", "", "zoë", "bob"];
    let codes = [200, 200, 200, 201, 302, 399, 404, 500, 599, 600];
    let ties = [1.0, 2.5, 2.5, 10.0, 0.0];
    let versions = ["1.0", "1.1", "2.0-beta", ""];
    for (cluster, start) in [t("2026-03-27T00:00:00Z"), t("2026-10-23T00:00:00Z")].into_iter().enumerate() {
        // One request per 5-minute slot for five days, in batches of 48 (4 hours) sharing a version.
        for batch in 0..30 {
            let version = versions[(batch * 4 / 30 + cluster) % versions.len()].to_string();
            let mut requests = Vec::new();
            let mut exceptions = Vec::new();
            for slot in 0..48 {
                let n = batch * 48 + slot;
                let at =
                    start + Duration::minutes(5 * n as i64) + Duration::microseconds((rng.next() % 300_000_000) as i64);
                let duration =
                    if rng.next() % 2 == 0 { *rng.pick(&ties) } else { (rng.next() % 100_000) as f64 / 997.0 };
                let endpoint = *rng.pick(&weighted);
                if rng.next() % 29 == 0 && endpoint != gamma {
                    let kind = rng.next() % 3;
                    exceptions.push(NewException {
                        request: requests.len(),
                        type_name: format!("Error{kind}"),
                        message: format!("failed {}", kind % 2),
                        frames: vec![NewFrame {
                            file: "src/app.rs".into(),
                            function: "handler".into(),
                            line: 10 + kind as u32,
                            code: "do_it()?".into(),
                        }],
                        user_captured: kind == 0,
                    });
                }
                requests.push(NewRequest {
                    endpoint_id: endpoint,
                    duration_ms: duration,
                    time_micros: micros(at),
                    group_by: rng.pick(&users).to_string(),
                    ip: rng.pick(&ips).to_string(),
                    status_code: *rng.pick(&codes),
                });
            }
            let last: Vec<(i64, i64)> = requests.iter().map(|r| (r.endpoint_id, r.time_micros)).collect();
            store
                .write(&WriteBatch { version, requests, last_requested: last, exceptions, ..WriteBatch::default() })
                .expect("write");
        }
    }
    let base = t("2026-10-24T10:00:00Z");
    let zeta: Vec<NewRequest> = ZETA
        .iter()
        .map(|&(minute, duration_ms, status_code)| NewRequest {
            endpoint_id: ids[5],
            duration_ms,
            time_micros: micros(base + Duration::minutes(minute)),
            group_by: "None".into(),
            ip: "127.0.0.1".into(),
            status_code,
        })
        .collect();
    store.write(&WriteBatch { version: "9.9".into(), requests: zeta, ..WriteBatch::default() }).expect("zeta");
    drop(store);
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "UPDATE Request SET version_requested = NULL WHERE id % 37 = 0;
         UPDATE Request SET group_by = NULL WHERE id % 41 = 0;
         UPDATE Request SET status_code = NULL WHERE id % 43 = 0 AND endpoint_id <> (SELECT id FROM Endpoint WHERE name = 'zeta');
         UPDATE Request SET time_requested = NULL WHERE id % 101 = 0 AND endpoint_id <> (SELECT id FROM Endpoint WHERE name = 'zeta');
         UPDATE Request SET endpoint_id = NULL WHERE id % 211 = 0 AND endpoint_id <> (SELECT id FROM Endpoint WHERE name = 'zeta');",
    )
    .expect("NULLs");
}

fn synthetic(name: &str) -> Option<Both> {
    // Skip before writing anything when there is no server.
    std::env::var(fmd_pg::testing::TEST_URL_VAR).ok()?;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("synthetic.db");
    write_synthetic(&path);
    let (db, pg) = import(name, &path)?;
    let sqlite = Store::open_reader(&path, None).expect("reader");
    let mut ids: Vec<i64> = sqlite.endpoint_infos().expect("endpoints").iter().map(|e| e.id).collect();
    ids.push(999);
    let mut windows = common_windows(time_of_request(&path, 1000));
    windows.extend([
        // Across the spring DST change (2026-03-29 01:00 UTC) and the autumn one (2026-10-25 01:00 UTC).
        TimeRange::new(Some(t("2026-03-28T22:00:00Z")), Some(t("2026-03-29T04:00:00Z"))),
        TimeRange::new(Some(t("2026-10-24T23:00:00Z")), Some(t("2026-10-25T03:00:00Z"))),
        TimeRange::since(t("2026-10-24T12:34:56.789012Z")),
        TimeRange::new(None, Some(t("2026-03-30T00:00:00Z"))),
        TimeRange::new(Some(t("2026-03-31T00:00:00Z")), Some(t("2026-10-24T00:00:00Z"))),
        TimeRange::new(Some(t("2026-10-24T10:00:00Z")), Some(t("2026-10-24T10:05:00Z"))),
        TimeRange::new(Some(t("2026-04-10T00:00:00Z")), Some(t("2026-04-11T00:00:00Z"))),
    ]);
    let mut days = vec![
        DayRange::new(day("2026-03-27"), day("2026-03-31")),
        DayRange::new(day("2026-10-23"), day("2026-10-27")),
        DayRange::new(day("2026-03-29"), day("2026-03-29")),
        DayRange::new(day("2026-10-25"), day("2026-10-25")),
        DayRange::new(day("2026-03-01"), day("2026-10-31")),
        DayRange::new(day("2026-10-27"), day("2026-10-23")),
    ];
    for tz in ZONES {
        days.push(DayRange::ending_today(t("2026-10-26T23:30:00Z"), tz, 7));
    }
    let nows = vec![
        t("2026-10-27T12:00:00Z"),
        t("2026-10-25T00:30:00Z"),
        t("2026-03-29T23:30:00Z"),
        t("2026-03-30T00:30:00Z"),
        t("2026-10-28T00:00:00Z"),
    ];
    Some(Both { sqlite, pg, ids, nows, windows, days, path, _db: db, _dir: Some(dir) })
}

/// Runs `check` on both data sets (nothing when no PostgreSQL server is configured).
fn on_both(name: &str, check: impl Fn(&Both)) {
    if let Some(both) = sample(&format!("{name}_s")) {
        check(&both);
    }
    if let Some(both) = synthetic(&format!("{name}_y")) {
        check(&both);
    }
}

/// How often an `avg` differed in its last bits between the engines (reported, not failed).
static INEXACT: AtomicUsize = AtomicUsize::new(0);

/// Asserts `pg` is within 1e-9 (relative) of `sqlite`, then makes it equal so the rest compares exactly.
fn same_mean(pg: &mut f64, sqlite: f64, what: &str) {
    let close = *pg == sqlite || (*pg - sqlite).abs() <= 1e-9 * pg.abs().max(sqlite.abs());
    assert!(close, "{what}: {pg} vs SQLite's {sqlite}");
    if *pg != sqlite {
        INEXACT.fetch_add(1, Ordering::Relaxed);
        eprintln!("{what}: avg differs in the last bits: {pg:e} vs {sqlite:e}");
    }
    *pg = sqlite;
}

fn same_opt_mean(pg: &mut Option<f64>, sqlite: Option<f64>, what: &str) {
    match (pg.as_mut(), sqlite) {
        (Some(p), Some(s)) => same_mean(p, s, what),
        (p, s) => assert_eq!(p.copied(), s, "{what}"),
    }
}

/// The SQLite file's own count of rows matching `condition` (an oracle outside both stores).
fn sql_count(path: &Path, condition: &str) -> u64 {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    conn.query_row(&format!("SELECT count(*) FROM Request WHERE {condition}"), [], |r| r.get::<_, i64>(0))
        .expect("count") as u64
}

#[test]
fn overview_is_the_same() {
    on_both("overview", |b| {
        for &now in &b.nows {
            for tz in ZONES {
                let want = b.sqlite.overview(now, tz).expect("sqlite");
                let got = b.pg.overview(now, tz).expect("pg");
                assert_eq!(got, want, "overview at {now} in {tz}");
            }
        }
        assert_eq!(b.pg.endpoint_infos().expect("pg"), b.sqlite.endpoint_infos().expect("sqlite"));
        assert_eq!(b.pg.exception_group_counts().expect("pg"), b.sqlite.exception_group_counts().expect("sqlite"));
        assert_eq!(b.pg.first_request_time().expect("pg"), b.sqlite.first_request_time().expect("sqlite"));
        for &now in &b.nows {
            for hours in [0, 1, 24, 240] {
                assert_eq!(
                    b.pg.request_trend(now, hours).expect("pg"),
                    b.sqlite.request_trend(now, hours).expect("sqlite"),
                    "trend at {now}, {hours} h"
                );
            }
        }
        for &id in &b.ids {
            let mut got = b.pg.mean_duration(id).expect("pg");
            let want = b.sqlite.mean_duration(id).expect("sqlite");
            same_opt_mean(&mut got, want, &format!("mean_duration {id}"));
            assert_eq!(got, want);
        }
    });
}

#[test]
fn overview_gives_fmds_numbers_on_its_sample() {
    let Some(b) = sample("overview_fmd") else { return };
    let rows = b.pg.overview(sample_now(), chrono_tz::UTC).expect("overview");
    // (name, hits overall, today, today's errors, week, week's errors, median overall, today, week): FMD's API.
    let fmd = [
        ("user_detail", 443, 38, 1, 314, 19, 4.020452499389648, 3.7779808044433594, 4.015088081359863),
        ("index", 405, 39, 0, 293, 0, 0.18095970153808594, 0.18978118896484375, 0.179290771484375),
        ("search", 285, 27, 0, 197, 0, 4.685401916503906, 4.7149658203125, 4.622936248779297),
        ("upload", 175, 19, 5, 118, 39, 0.31828880310058594, 0.34737586975097656, 0.3197193145751953),
        ("report", 146, 11, 0, 98, 0, 16.999363899230957, 15.20538330078125, 16.999363899230957),
        ("boom", 72, 6, 6, 42, 42, 0.1964569091796875, 0.2269744873046875, 0.1951456069946289),
    ];
    assert_eq!(rows.len(), fmd.len());
    for (row, want) in rows.iter().zip(fmd) {
        assert_eq!(row.name, want.0, "busiest first");
        let counts = (row.hits_overall, row.hits_today, row.hits_today_errors, row.hits_week, row.hits_week_errors);
        assert_eq!(counts, (want.1, want.2, want.3, want.4, want.5), "{}", row.name);
        for (got, want) in [(row.median_overall, want.6), (row.median_today, want.7), (row.median_week, want.8)] {
            let got = got.expect("median");
            assert!((got - want).abs() < 1e-9, "{}: median {got} vs FMD's {want}", row.name);
        }
    }
    let exceptions = b.pg.exception_group_counts().expect("exceptions");
    assert_eq!((exceptions.get(&2), exceptions.get(&6), exceptions.len()), (Some(&1), Some(&1), 2));
}

#[test]
fn hourly_and_daily_are_the_same() {
    on_both("hours", |b| {
        for &days in &b.days {
            for tz in ZONES {
                let mut endpoints: Vec<Option<i64>> = b.ids.iter().copied().map(Some).collect();
                endpoints.push(None);
                for endpoint in endpoints {
                    assert_eq!(
                        b.pg.hourly_load(days, tz, endpoint).expect("pg"),
                        b.sqlite.hourly_load(days, tz, endpoint).expect("sqlite"),
                        "hourly {days:?} {tz} {endpoint:?}"
                    );
                    assert_eq!(
                        b.pg.daily_requests(days, tz, endpoint).expect("pg"),
                        b.sqlite.daily_requests(days, tz, endpoint).expect("sqlite"),
                        "daily {days:?} {tz} {endpoint:?}"
                    );
                }
            }
        }
    });
}

#[test]
fn hourly_load_gives_fmds_numbers_and_local_hours() {
    if let Some(b) = sample("hours_fmd") {
        let load = b.pg.hourly_load(DayRange::ending_today(sample_now(), chrono_tz::UTC, 7), chrono_tz::UTC, None);
        let load = load.expect("hourly");
        assert_eq!(load.days.first().map(String::as_str), Some("2026-11-21"));
        let per_day: Vec<u64> = (0..7).map(|d| load.data.iter().map(|h| h[d]).sum()).collect();
        assert_eq!(per_day, [153, 152, 153, 152, 152, 152, 140], "FMD's hourly load, summed per day");
        assert_eq!(load.data[0], [4, 4, 5, 5, 7, 8, 9]);
        assert_eq!(load.data[23], [9, 8, 8, 7, 5, 4, 0]);
    }
    let Some(b) = synthetic("hours_dst") else { return };
    let ams = chrono_tz::Europe::Amsterdam;
    // 2026-03-29 in Amsterdam has no 02:00 hour; 2026-10-25 has it twice (24 slots of 5 minutes).
    let spring = b.pg.hourly_load(DayRange::new(day("2026-03-29"), day("2026-03-29")), ams, None).expect("spring");
    assert_eq!(spring.data[2], [0]);
    assert!(spring.data[3][0] >= 10, "{:?}", spring.data);
    let autumn = b.pg.hourly_load(DayRange::new(day("2026-10-25"), day("2026-10-25")), ams, None).expect("autumn");
    assert!(autumn.data[2][0] >= 20 && autumn.data[4][0] <= 12, "{:?}", autumn.data);
    // Every request with a time in the cluster's local days is counted once.
    let cluster = DayRange::new(day("2026-10-23"), day("2026-10-27"));
    let all = b.pg.hourly_load(cluster, ams, None).expect("all");
    let total: u64 = all.data.iter().flatten().sum();
    let want = sql_count(
        &b.path,
        "time_requested >= '2026-10-22 22:00:00.000000' AND time_requested < '2026-10-27 23:00:00.000000'",
    );
    assert_eq!(total, want);
    let daily = b.pg.daily_requests(cluster, ams, None).expect("daily");
    let delta = daily.data.iter().find(|e| e.name == "delta").expect("delta is listed");
    assert_eq!(delta.values, [0, 0, 0, 0, 0]);
    let listed: u64 = daily.data.iter().flat_map(|e| &e.values).sum();
    assert_eq!(
        listed,
        total
            - sql_count(
                &b.path,
                "endpoint_id IS NULL AND time_requested >= '2026-10-22 22:00:00.000000' \
         AND time_requested < '2026-10-27 23:00:00.000000'"
            )
    );
}

#[test]
fn versions_are_the_same() {
    on_both("versions", |b| {
        for &range in &b.windows {
            assert_eq!(
                b.pg.multi_version(range).expect("pg"),
                b.sqlite.multi_version(range).expect("sqlite"),
                "{range:?}"
            );
            assert_eq!(b.pg.versions(range, None).expect("pg"), b.sqlite.versions(range, None).expect("sqlite"));
            for &id in &b.ids {
                assert_eq!(
                    b.pg.versions(range, Some(id)).expect("pg"),
                    b.sqlite.versions(range, Some(id)).expect("sqlite"),
                    "versions {id} {range:?}"
                );
                assert_eq!(
                    b.pg.version_performance(id, range).expect("pg"),
                    b.sqlite.version_performance(id, range).expect("sqlite"),
                    "version_performance {id} {range:?}"
                );
            }
        }
    });
}

#[test]
fn versions_know_nulls_and_first_use() {
    let Some(b) = synthetic("versions_known") else { return };
    let names: Vec<String> =
        b.pg.versions(TimeRange::ALL, None).expect("versions").into_iter().map(|v| v.version).collect();
    // Newest first use first; NULL versions read as the empty one.
    assert_eq!(names.first().map(String::as_str), Some("9.9"));
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["", "1.0", "1.1", "2.0-beta", "9.9"]);
    let m = b.pg.multi_version(TimeRange::ALL).expect("matrix");
    assert!(m.endpoints.iter().all(|e| e.name != "delta"), "endpoints without requests are not rows");
    let total: u64 = m.counts.iter().flatten().sum();
    assert_eq!(total, sql_count(&b.path, "endpoint_id IS NOT NULL"));
}

#[test]
fn performance_and_summaries_are_the_same() {
    on_both("performance", |b| {
        for &range in &b.windows {
            let mut endpoints: Vec<Option<i64>> = b.ids.iter().copied().map(Some).collect();
            endpoints.push(None);
            for endpoint in endpoints {
                let mut got = b.pg.api_performance(range, endpoint).expect("pg");
                let want = b.sqlite.api_performance(range, endpoint).expect("sqlite");
                if !range.is_bounded() {
                    for (g, w) in got.iter_mut().zip(&want) {
                        if let (Some(gs), Some(ws)) = (g.summary.as_mut(), w.summary.as_ref()) {
                            same_mean(&mut gs.mean, ws.mean, &format!("api_performance {} mean", w.name));
                        }
                    }
                }
                assert_eq!(got, want, "api_performance {endpoint:?} {range:?}");
            }
            for &id in &b.ids {
                let mut got = b.pg.endpoint_summary(id, range).expect("pg");
                let want = b.sqlite.endpoint_summary(id, range).expect("sqlite");
                if let (Some(g), Some(w), false) = (got.as_mut(), want.as_ref(), range.is_bounded()) {
                    same_opt_mean(&mut g.mean, w.mean, &format!("endpoint_summary {id} mean"));
                }
                assert_eq!(got, want, "endpoint_summary {id} {range:?}");
            }
        }
        eprintln!("means from SQL avg that differed in their last bits so far: {}", INEXACT.load(Ordering::Relaxed));
    });
}

#[test]
fn statistics_of_known_durations() {
    let Some(b) = synthetic("stats_known") else { return };
    let zeta = b.pg.endpoint_infos().expect("endpoints").into_iter().find(|e| e.name == "zeta").expect("zeta").id;
    // Durations 1, 2, 2, 3, 10: numpy gives median 2, p95 8.6, p99 9.72, mean 3.6.
    for range in [TimeRange::ALL, TimeRange::new(Some(t("2026-10-24T10:00:00Z")), Some(t("2026-10-24T10:05:00Z")))] {
        let s = b.pg.endpoint_summary(zeta, range).expect("summary").expect("zeta exists");
        assert_eq!((s.hits, s.errors, s.versions), (5, 2, 1), "{range:?}");
        assert_eq!((s.median, s.max), (Some(2.0), Some(10.0)));
        let near =
            |got: Option<f64>, want: f64| assert!((got.expect("value") - want).abs() < 1e-12, "{got:?} vs {want}");
        near(s.p95, 8.6);
        near(s.p99, 9.72);
        near(s.mean, 3.6);
        assert_eq!(s.first_request, Some(t("2026-10-24T10:00:00Z")));
        assert_eq!(s.last_request, Some(t("2026-10-24T10:04:00Z")));
        let perf = b.pg.api_performance(range, Some(zeta)).expect("performance");
        let box_plot = perf[0].summary.as_ref().expect("box plot");
        assert_eq!((box_plot.count, box_plot.min, box_plot.p25, box_plot.p50, box_plot.p75), (5, 1.0, 2.0, 2.0, 3.0));
        // IQR 1: fences 0.5 and 4.5, so the whiskers end at 1 and 3 (10 is an outlier).
        assert_eq!((box_plot.whisker_low, box_plot.whisker_high, box_plot.max), (1.0, 3.0, 10.0));
    }
    assert!((b.pg.mean_duration(zeta).expect("mean").expect("some") - 3.6).abs() < 1e-12);
    assert_eq!(b.pg.endpoint_summary(999, TimeRange::ALL).expect("summary"), None);
    let delta = b.pg.endpoint_infos().expect("endpoints").into_iter().find(|e| e.name == "delta").expect("delta").id;
    let empty = b.pg.endpoint_summary(delta, TimeRange::ALL).expect("summary").expect("delta exists");
    assert_eq!((empty.hits, empty.median, empty.mean, empty.first_request), (0, None, None, None));
}

#[test]
fn status_codes_are_the_same() {
    on_both("status", |b| {
        for &range in &b.windows {
            for limit in [0, 1, 5, usize::MAX] {
                assert_eq!(
                    b.pg.dashboard_status_codes(range, limit).expect("pg"),
                    b.sqlite.dashboard_status_codes(range, limit).expect("sqlite"),
                    "dashboard {range:?} {limit}"
                );
                assert_eq!(
                    b.pg.status_codes_per_endpoint(range, limit).expect("pg"),
                    b.sqlite.status_codes_per_endpoint(range, limit).expect("sqlite"),
                    "per endpoint {range:?} {limit}"
                );
                for &id in &b.ids {
                    assert_eq!(
                        b.pg.status_codes(id, range, limit).expect("pg"),
                        b.sqlite.status_codes(id, range, limit).expect("sqlite"),
                        "status {id} {range:?} {limit}"
                    );
                }
            }
        }
    });
}

#[test]
fn status_codes_give_fmds_numbers_on_its_sample() {
    let Some(b) = sample("status_fmd") else { return };
    let user_detail = b.pg.status_codes(2, TimeRange::ALL, usize::MAX).expect("user_detail");
    assert!((user_detail.distribution["200"] - 0.9413092550790068).abs() < 1e-12);
    assert!((user_detail.distribution["404"] - 0.05869074492099323).abs() < 1e-12);
    assert_eq!((user_detail.total_errors, user_detail.error_requests.len()), (26, 26));
    let times: Vec<_> = user_detail.error_requests.iter().map(|r| r.time_requested.expect("time")).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let first = user_detail.error_requests.iter().find(|r| r.id == 100).expect("FMD lists request 100");
    assert_eq!((first.group_by.as_str(), first.ip.as_str(), first.status_code), ("bob", "10.0.1.2", Some(404)));
    assert_eq!(first.time_requested, Some(t("2026-11-18T18:01:40.4729Z")));
    let upload = b.pg.status_codes(5, TimeRange::ALL, 3).expect("upload");
    assert!((upload.distribution["413"] - 0.3028571428571429).abs() < 1e-12);
    assert_eq!((upload.total_errors, upload.error_requests.len()), (53, 3));
    let all = b.pg.dashboard_status_codes(TimeRange::ALL, 0).expect("dashboard");
    let counts: Vec<(&str, u64)> = all.counts.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    assert_eq!(counts, [("200", 1253), ("201", 122), ("404", 26), ("413", 53), ("500", 72)]);
}

#[test]
fn latency_is_the_same() {
    on_both("latency", |b| {
        let mut ranges = b.windows.clone();
        ranges.extend([
            TimeRange::new(Some(t("2026-11-20T00:00:00Z")), Some(t("2026-11-27T00:00:00Z"))),
            TimeRange::new(Some(t("2026-03-27T00:00:00Z")), Some(t("2026-03-28T00:00:00Z"))),
            TimeRange::new(Some(t("2026-01-01T00:00:00Z")), Some(t("2027-01-01T00:00:00Z"))),
        ]);
        for range in ranges {
            let mut endpoints: Vec<Option<i64>> = b.ids.iter().copied().map(Some).collect();
            endpoints.push(None);
            for endpoint in endpoints {
                assert_eq!(
                    b.pg.latency_series(range, endpoint).expect("pg"),
                    b.sqlite.latency_series(range, endpoint).expect("sqlite"),
                    "latency {endpoint:?} {range:?}"
                );
            }
        }
    });
}

#[test]
fn latency_buckets_hold_every_request() {
    let Some(b) = synthetic("latency_known") else { return };
    let day = TimeRange::new(Some(t("2026-10-24T00:00:00Z")), Some(t("2026-10-25T00:00:00Z")));
    let series = b.pg.latency_series(day, None).expect("latency");
    assert_eq!(series.buckets.len(), 24, "hour buckets for a day");
    let n: u64 = series.buckets.iter().map(|b| b.count).sum();
    assert_eq!(n, sql_count(&b.path, "time_requested >= '2026-10-24' AND time_requested < '2026-10-25'"));
    let zeta = b.pg.endpoint_infos().expect("endpoints").into_iter().find(|e| e.name == "zeta").expect("zeta").id;
    let open = b.pg.latency_series(TimeRange::ALL, Some(zeta)).expect("zeta");
    // Five minutes of requests: the open window is their UTC hour, in 2-minute buckets (at least 20 of them).
    assert_eq!(open.buckets.len(), 30);
    assert_eq!(open.buckets.first().map(|b| b.start), Some(t("2026-10-24T10:00:00Z")));
    assert_eq!(open.buckets.last().map(|b| b.end), Some(t("2026-10-24T11:00:00Z")));
    let counts: u64 = open.buckets.iter().map(|b| b.count).sum();
    assert_eq!(counts, 5);
}

#[test]
fn a_database_without_exception_tables_has_no_exception_groups() {
    let Some(db) = TestDb::create("no_exceptions") else { return };
    db.create_python_fmd_schema();
    let mut client = db.client();
    client.batch_execute("DROP TABLE \"ExceptionOccurrence\" CASCADE").expect("drop");
    let pg = db.store("");
    assert!(pg.exception_group_counts().expect("no table, no groups").is_empty());
    // The connection is fine afterwards.
    assert_eq!(pg.endpoint_infos().expect("infos"), []);
    assert_eq!(pg.first_request_time().expect("first"), None);
}

/// Each method has exactly the parameters and answer of `fmd_core::Store`'s (checked when this compiles), so
/// the dashboard layer's trait can delegate to it.
#[test]
fn signatures_are_the_sqlite_stores() {
    use std::collections::HashMap;

    use fmd_core::store::views::{
        DailyUtilization, EndpointInfo, EndpointPerformance, EndpointSummary, HourlyLoad, LatencySeries, MultiVersion,
        StatusCodes, VersionInfo, VersionPerformance,
    };
    use fmd_core::store::OverviewRow;
    use fmd_core::StoreError;

    macro_rules! same {
        ($($name:ident($($ty:ty),*) -> $ret:ty;)*) => {$(
            let _: fn(&Store $(, $ty)*) -> Result<$ret, StoreError> = Store::$name;
            let _: fn(&PgStore $(, $ty)*) -> Result<$ret, StoreError> = PgStore::$name;
        )*};
    }
    same! {
        first_request_time() -> Option<DateTime<Utc>>;
        hourly_load(DayRange, Tz, Option<i64>) -> HourlyLoad;
        daily_requests(DayRange, Tz, Option<i64>) -> DailyUtilization;
        versions(TimeRange, Option<i64>) -> Vec<VersionInfo>;
        multi_version(TimeRange) -> MultiVersion;
        version_performance(i64, TimeRange) -> Vec<VersionPerformance>;
        api_performance(TimeRange, Option<i64>) -> Vec<EndpointPerformance>;
        dashboard_status_codes(TimeRange, usize) -> StatusCodes;
        status_codes_per_endpoint(TimeRange, usize) -> Vec<(i64, StatusCodes)>;
        status_codes(i64, TimeRange, usize) -> StatusCodes;
        endpoint_summary(i64, TimeRange) -> Option<EndpointSummary>;
        latency_series(TimeRange, Option<i64>) -> LatencySeries;
        overview(DateTime<Utc>, Tz) -> Vec<OverviewRow>;
        request_trend(DateTime<Utc>, usize) -> HashMap<i64, Vec<u64>>;
        exception_group_counts() -> HashMap<i64, u64>;
        endpoint_infos() -> Vec<EndpointInfo>;
        mean_duration(i64) -> Option<f64>;
    }
}

/// Times every view of this file on `FMD_PG_BENCH_ROWS` (default 1 000 000) generated requests over a year, 30
/// endpoints: `cargo test -p fmd-pg --test time_views --release -- --ignored --nocapture speed`.
#[test]
#[ignore = "a measurement, not a check"]
fn speed() {
    let Some(db) = TestDb::create("views_speed") else { return };
    db.create_python_fmd_schema();
    let rows: i64 = std::env::var("FMD_PG_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let mut client = db.client();
    let fill = std::time::Instant::now();
    client
        .batch_execute(&format!(
            "INSERT INTO \"Endpoint\" (name, monitor_level, time_added, version_added) \
             SELECT 'endpoint' || g, 1, '2026-01-01', '1.0' FROM generate_series(1, 30) g;
             INSERT INTO \"Request\" (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
             SELECT 1 + (g * 7919) % 30 / (1 + (g % 3)), random() * 100, \
             timestamp '2026-01-01' + g * (interval '1 second' * 31536000 / {rows}), 'v' || (g * 10 / {rows}), \
             'user' || (g % 50), '10.0.0.' || (g % 200), \
             CASE WHEN g % 50 = 0 THEN 500 WHEN g % 23 = 0 THEN 404 ELSE 200 END FROM generate_series(1::int8, {rows}) g;"
        ))
        .expect("fill");
    client.batch_execute("VACUUM ANALYZE \"Request\"").expect("vacuum");
    eprintln!("{rows} requests written in {:.1} s", fill.elapsed().as_secs_f64());
    let pg = db.store("");
    let now = t("2027-01-01T00:00:00Z");
    let week = TimeRange::since(now - Duration::days(7));
    let ams = chrono_tz::Europe::Amsterdam;
    let month = DayRange::ending_today(now, ams, 31);
    let busiest = 1;
    let time = |name: &str, f: &dyn Fn()| {
        f();
        let start = std::time::Instant::now();
        f();
        eprintln!("{name:<40} {:>8.1} ms", start.elapsed().as_secs_f64() * 1000.0);
    };
    time("overview", &|| {
        black_box(pg.overview(now, ams).expect("overview"));
    });
    time("hourly_load 31 days", &|| {
        black_box(pg.hourly_load(month, ams, None).expect("hourly"));
    });
    time("hourly_load 31 days, one endpoint", &|| {
        black_box(pg.hourly_load(month, ams, Some(busiest)).expect("hourly"));
    });
    time("daily_requests 31 days", &|| {
        black_box(pg.daily_requests(month, ams, None).expect("daily"));
    });
    time("request_trend 24 h", &|| {
        black_box(pg.request_trend(now, 24).expect("trend"));
    });
    time("first_request_time", &|| {
        black_box(pg.first_request_time().expect("first"));
    });
    time("versions all time", &|| {
        black_box(pg.versions(TimeRange::ALL, None).expect("versions"));
    });
    time("versions week, one endpoint", &|| {
        black_box(pg.versions(week, Some(busiest)).expect("versions"));
    });
    time("multi_version all time", &|| {
        black_box(pg.multi_version(TimeRange::ALL).expect("multi"));
    });
    time("multi_version week", &|| {
        black_box(pg.multi_version(week).expect("multi"));
    });
    time("version_performance all time", &|| {
        black_box(pg.version_performance(busiest, TimeRange::ALL).expect("vp"));
    });
    time("version_performance week", &|| {
        black_box(pg.version_performance(busiest, week).expect("vp"));
    });
    time("api_performance all time", &|| {
        black_box(pg.api_performance(TimeRange::ALL, None).expect("perf"));
    });
    time("api_performance week", &|| {
        black_box(pg.api_performance(week, None).expect("perf"));
    });
    time("endpoint_summary all time", &|| {
        black_box(pg.endpoint_summary(busiest, TimeRange::ALL).expect("summary"));
    });
    time("endpoint_summary week", &|| {
        black_box(pg.endpoint_summary(busiest, week).expect("summary"));
    });
    time("status_codes all time", &|| {
        black_box(pg.status_codes(busiest, TimeRange::ALL, 50).expect("status"));
    });
    time("status_codes_per_endpoint all time", &|| {
        black_box(pg.status_codes_per_endpoint(TimeRange::ALL, 50).expect("status"));
    });
    time("dashboard_status_codes week", &|| {
        black_box(pg.dashboard_status_codes(week, 50).expect("status"));
    });
    time("latency_series all time", &|| {
        black_box(pg.latency_series(TimeRange::ALL, None).expect("latency"));
    });
    time("latency_series week, one endpoint", &|| {
        black_box(pg.latency_series(week, Some(busiest)).expect("latency"));
    });
    time("mean_duration", &|| {
        black_box(pg.mean_duration(busiest).expect("mean"));
    });
    time("endpoint_infos", &|| {
        black_box(pg.endpoint_infos().expect("infos"));
    });
    time("exception_group_counts", &|| {
        black_box(pg.exception_group_counts().expect("exceptions"));
    });
}
