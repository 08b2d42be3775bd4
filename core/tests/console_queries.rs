//! The console's small queries in fmd-core (trend, exception groups per endpoint, mean duration, first request,
//! dashboard-wide status codes, versions dated by first use overall) against raw SQL on the FMD 5.1.0 fixture
//! and on a file with hostile rows.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::TimeRange;
use fmd_core::Store;

fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db");
    let copy = dir.path().join("fmd.db");
    std::fs::copy(source, &copy).expect("copy");
    (dir, copy)
}

fn now() -> DateTime<Utc> {
    "2026-11-27T22:56:55Z".parse().expect("instant")
}

fn text(t: DateTime<Utc>) -> String {
    fmd_core::timefmt::format_utc(t)
}

fn count(conn: &rusqlite::Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> u64 {
    conn.query_row(sql, params, |r| r.get::<_, i64>(0)).expect("count") as u64
}

/// Adds rows a hostile or sloppy writer leaves: odd times, NULL and unknown endpoints, text and real codes.
fn add_hostile_rows(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) VALUES
           (1, 3.0, 'yesterday', X'FF00', X'C328', 'ip', 'teapot'),
           (1, 3.0, NULL, NULL, NULL, '', NULL),
           (1, 3.0, 12345, 7, 8, 9, 404.0),
           (NULL, 3.0, '2026-11-27 12:00:00.000000', '1.0', 'orphan', 'ip', 500),
           (999, 3.0, '2026-11-27 12:00:00.000000', '1.0', 'orphan', 'ip', 404),
           (2, 0.0, '2026-11-27T13:00:00', '1.1', 'iso', 'ip', 503),
           (2, 1e-300, '2026-11-27 14:00:00.000000', X'312E30', 'blob version', 'ip', 404.5);",
    )
    .expect("hostile rows");
}

fn check_against_sql(path: &Path) {
    let store = Store::open_reader(path, None).expect("reader");
    let conn = rusqlite::Connection::open(path).expect("open");

    // Trend: each of the last 24 hours, per endpoint, as `time_requested` text ranges.
    let trend = store.request_trend(now(), 24).expect("trend");
    for (&id, hours) in &trend {
        assert_eq!(hours.len(), 24);
        for (h, &n) in hours.iter().enumerate() {
            let a = text(now() - Duration::hours(24 - h as i64));
            let b = text(now() - Duration::hours(23 - h as i64));
            let sql = "SELECT count(*) FROM Request WHERE endpoint_id = ?1 AND time_requested >= ?2 \
                       AND time_requested < ?3 AND typeof(time_requested) = 'text'";
            assert_eq!(n, count(&conn, sql, &[&id, &a, &b]), "trend of {id}, hour {h}");
        }
    }
    let total: u64 = trend.values().flatten().sum();
    let sql = "SELECT count(*) FROM Request WHERE time_requested >= ?1 AND time_requested < ?2 \
               AND typeof(endpoint_id) = 'integer'";
    assert_eq!(total, count(&conn, sql, &[&text(now() - Duration::hours(24)), &text(now())]));

    // First request: the smallest parseable text.
    let first: String = conn
        .query_row("SELECT min(time_requested) FROM Request WHERE typeof(time_requested) = 'text' AND time_requested LIKE '2%'", [], |r| r.get(0))
        .expect("min");
    assert_eq!(store.first_request_time().expect("first").map(text), Some(first));

    // Mean duration: SQL's avg.
    for id in [1i64, 2, 3] {
        let avg: Option<f64> = conn
            .query_row("SELECT avg(duration) FROM Request WHERE endpoint_id = ?1", [id], |r| r.get(0))
            .expect("avg");
        assert_eq!(store.mean_duration(id).expect("mean"), avg, "mean of {id}");
    }
    assert_eq!(store.mean_duration(12345).expect("mean"), None);

    // Exception groups per endpoint: the store's groups, counted.
    let mut expected: HashMap<i64, u64> = HashMap::new();
    for group in store.exception_groups(None, u32::MAX).expect("groups") {
        *expected.entry(group.endpoint_id).or_default() += 1;
    }
    assert!(!expected.is_empty(), "the fixture has exceptions");
    assert_eq!(store.exception_group_counts().expect("counts"), expected);

    // Dashboard status codes: GROUP BY over every endpoint, and the latest errors.
    for range in [TimeRange::ALL, TimeRange::since(now() - Duration::hours(24))] {
        let status = store.dashboard_status_codes(range, 5).expect("status");
        let from = text(range.from.unwrap_or(DateTime::<Utc>::MIN_UTC));
        let mut stmt = conn
            .prepare(
                "SELECT CASE WHEN typeof(status_code) IN ('integer', 'real') AND status_code = CAST(status_code AS INTEGER) \
                 THEN CAST(CAST(status_code AS INTEGER) AS TEXT) ELSE CAST(status_code AS TEXT) END, count(*) \
                 FROM Request WHERE status_code IS NOT NULL AND (?1 = 0 OR time_requested >= ?2) GROUP BY 1",
            )
            .expect("prepare");
        let bounded = i64::from(range.is_bounded());
        let rows: BTreeMap<String, u64> = stmt
            .query_map(rusqlite::params![bounded, from], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(status.counts, rows, "counts over {range:?}");
        let errors = count(
            &conn,
            "SELECT count(*) FROM Request WHERE status_code >= 400 AND status_code <= 599 AND (?1 = 0 OR time_requested >= ?2)",
            &[&bounded, &from],
        );
        assert_eq!(status.total_errors, errors);
        let ids: Vec<i64> = conn
            .prepare(
                "SELECT id FROM Request WHERE status_code >= 400 AND status_code <= 599 \
                 AND (?1 = 0 OR time_requested >= ?2) ORDER BY time_requested DESC, id DESC LIMIT 5",
            )
            .expect("prepare")
            .query_map(rusqlite::params![bounded, from], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("ids");
        assert_eq!(ids.len() as u64, errors.min(5));
        assert_eq!(status.error_requests.iter().map(|r| r.id).collect::<Vec<_>>(), ids, "latest errors");
    }

    // The versions of a window are dated by their first use overall.
    let day = store.multi_version(TimeRange::since(now() - Duration::hours(24))).expect("multi_version");
    assert!(!day.versions.is_empty());
    for v in &day.versions {
        let first: Option<String> = conn
            .query_row(
                "SELECT min(time_requested) FROM Request WHERE version_requested = ?1 AND typeof(endpoint_id) = 'integer' \
                 AND typeof(time_requested) = 'text' AND time_requested LIKE '____-__-__ __:__:__.______'",
                [&v.version],
                |r| r.get(0),
            )
            .expect("first use");
        assert_eq!(v.date.map(text), first, "first use of {}", v.version);
    }
}

#[test]
fn console_queries_match_sql_on_the_fixture() {
    let (_dir, path) = fixture_copy();
    check_against_sql(&path);
}

#[test]
fn console_queries_match_sql_with_hostile_rows() {
    let (_dir, path) = fixture_copy();
    add_hostile_rows(&path);
    check_against_sql(&path);
}

#[test]
fn versions_of_a_window_keep_their_first_use_overall() {
    let (_dir, path) = fixture_copy();
    let store = Store::open_reader(&path, None).expect("reader");
    let all = store.multi_version(TimeRange::ALL).expect("all");
    let day = store.multi_version(TimeRange::since(now() - Duration::hours(24))).expect("day");
    for v in &day.versions {
        let overall = all.versions.iter().find(|o| o.version == v.version).expect("in the overall list");
        assert_eq!(v.date, overall.date, "{}", v.version);
    }
}
