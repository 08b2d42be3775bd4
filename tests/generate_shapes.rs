//! `fmd generate --shape` and its overrides: the distributions asked for end up in the file, and bad values
//! are one-line input errors.

use std::path::Path;
use std::process::{Command, Output};

fn fmd(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fmd")).args(args).current_dir(cwd).env_remove("FMD_CONFIG").output().expect("run")
}

fn generate(dir: &Path, name: &str, extra: &[&str]) -> rusqlite::Connection {
    let db = dir.join(name);
    let mut args = vec!["generate", "--db", db.to_str().expect("utf8"), "--end", "2026-12-04T00:00:00Z"];
    args.extend_from_slice(extra);
    let out = fmd(&args, dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    rusqlite::Connection::open(&db).expect("open")
}

fn one(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn the_heavy_tail_shape_has_the_foreign_files_distributions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = generate(dir.path(), "ht.db", &["--shape", "heavy-tail", "--requests", "40000"]);
    assert_eq!(one(&conn, "SELECT count(*) FROM Request"), 40_000);
    assert_eq!(one(&conn, "SELECT count(*) FROM Endpoint"), 40);
    let codes: Vec<i64> = conn
        .prepare("SELECT DISTINCT status_code FROM Request WHERE status_code >= 400 ORDER BY 1")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(codes, [401, 404, 500, 503]);
    let errors = one(&conn, "SELECT count(*) FROM Request WHERE status_code >= 400");
    assert!((1_200..=2_000).contains(&errors), "4 % errors: {errors}");
    let ips = one(&conn, "SELECT count(DISTINCT ip) FROM Request");
    assert!((800..=1_600).contains(&ips), "about 1600 addresses: {ips}");
    let users = one(&conn, "SELECT count(DISTINCT group_by) FROM Request");
    assert!((30..=50).contains(&users), "50 users: {users}");
    // Heavy-tailed: the busiest endpoint has far more than an even share, the quietest far less.
    let busiest = one(&conn, "SELECT max(n) FROM (SELECT count(*) n FROM Request GROUP BY endpoint_id)");
    let quietest = one(&conn, "SELECT min(n) FROM (SELECT count(*) n FROM Request GROUP BY endpoint_id)");
    assert!(busiest > 8 * 1_000 && quietest < 1_000 / 3, "busiest {busiest}, quietest {quietest}");
    let span = "SELECT CAST(julianday(max(time_requested)) - julianday(min(time_requested)) AS INTEGER) FROM Request";
    assert_eq!(one(&conn, span), 29, "30 days");
}

#[test]
fn flags_override_the_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = generate(
        dir.path(),
        "o.db",
        &[
            "--shape",
            "heavy-tail",
            "--requests",
            "5000",
            "--endpoints",
            "5",
            "--load",
            "uniform",
            "--users",
            "3",
            "--ips",
            "7",
            "--error-rate",
            "0.5",
            "--error-codes",
            "418",
            "--versions",
            "7",
            "--days",
            "3",
        ],
    );
    assert_eq!(one(&conn, "SELECT count(*) FROM Endpoint"), 5);
    assert_eq!(one(&conn, "SELECT count(DISTINCT version_requested) FROM Request"), 7);
    assert!(one(&conn, "SELECT count(DISTINCT group_by) FROM Request") <= 3);
    assert!(one(&conn, "SELECT count(DISTINCT ip) FROM Request") <= 7);
    let teapots = one(&conn, "SELECT count(*) FROM Request WHERE status_code = 418");
    assert!((2_200..=2_800).contains(&teapots), "{teapots}");
    assert_eq!(one(&conn, "SELECT count(*) FROM Request WHERE status_code >= 400 AND status_code != 418"), 0);
    let least = one(&conn, "SELECT min(n) FROM (SELECT count(*) n FROM Request GROUP BY endpoint_id)");
    assert!(least > 800, "uniform load: {least}");
    let span = "SELECT CAST(julianday(max(time_requested)) - julianday(min(time_requested)) AS INTEGER) FROM Request";
    assert_eq!(one(&conn, span), 2, "3 days");
}

#[test]
fn bad_shape_values_are_one_line_input_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("bad.db");
    let db = db.to_str().expect("utf8");
    for (flag, value, needle) in [
        ("--shape", "pareto", "heavy-tail"),
        ("--load", "zipf:0", "zipf:S"),
        ("--load", "lognormal", "uniform"),
        ("--error-codes", "404,abc", "status codes"),
        ("--error-codes", "700", "100-599"),
        ("--error-rate", "1.5", "0 to 1"),
    ] {
        let out = fmd(&["generate", "--db", db, flag, value], dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{flag} {value}: {err}");
        assert!(err.contains(value) && err.contains(needle), "{flag} {value}: {err}");
        assert!(!Path::new(db).exists(), "{flag} {value}: nothing written");
    }
}
