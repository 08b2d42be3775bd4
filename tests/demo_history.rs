//! `fmd demo` on a new file: days of history first (two versions, outliers, call trees, exceptions, a custom
//! graph), then the live load, whose sent and recorded counts still match on their own.

use std::process::Command;

#[test]
fn the_demo_lays_down_history_then_counts_the_live_part_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let out = Command::new(env!("CARGO_BIN_EXE_fmd"))
        .args(["demo", "--db", db.to_str().expect("utf8"), "--requests", "300", "--no-tui"])
        .current_dir(dir.path())
        .env_remove("FMD_CONFIG")
        .output()
        .expect("run fmd");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stdout: {text}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("sent 300 requests"), "{text}");
    assert!(text.contains("recorded 300 "), "{text}");
    let history: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("demo: wrote ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no history line in {text}"));
    assert!(history >= 10_000, "{history}");

    let conn = rusqlite::Connection::open(&db).expect("open");
    let one = |sql: &str| -> f64 { conn.query_row(sql, [], |r| r.get::<_, f64>(0)).expect(sql) };
    assert_eq!(one("SELECT count(*) FROM Request") as i64, history + 300, "history plus the live part");
    let span = "SELECT julianday(max(time_requested)) - julianday(min(time_requested)) FROM Request";
    assert!(one(span) >= 7.0, "history over at least 7 days: {}", one(span));
    assert!(one("SELECT count(DISTINCT version_requested) FROM Request") >= 2.0, "two versions");
    assert!(one("SELECT count(DISTINCT group_by) FROM Request") >= 4.0, "users");
    assert!(one("SELECT count(DISTINCT ip) FROM Request") >= 10.0, "client addresses");
    assert!(one("SELECT count(*) FROM Request WHERE status_code >= 400") > 0.0, "errors");
    // The newer version is visibly slower on the same endpoints (the Report tab's version comparison).
    let median_ratio = one("SELECT (SELECT avg(duration) FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id \
           WHERE e.name = '/users/{id}' AND version_requested = '1.1') / \
         (SELECT avg(duration) FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id \
           WHERE e.name = '/users/{id}' AND version_requested = '1.0')");
    assert!(median_ratio > 1.2, "{median_ratio}");
    assert!(one("SELECT count(*) FROM Outlier") > 0.0, "outliers");
    let redacted = "SELECT count(*) FROM Outlier WHERE request_header LIKE '%Authorization: [redacted]%' \
                    AND stacktrace LIKE '%rebuild_cache%'";
    assert!(one(redacted) > 0.0, "outliers with their stack and a redacted Authorization header");
    let leaked = "SELECT count(*) FROM Outlier WHERE request_header LIKE '%Authorization:%' \
                  AND request_header NOT LIKE '%Authorization: [redacted]%'";
    assert_eq!(one(leaked), 0.0, "no secret stored");
    let crunch_lines = "SELECT count(*) FROM StackLine s JOIN Request r ON r.id = s.request_id \
                        JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name = '/crunch'";
    assert!(one(crunch_lines) > 0.0, "stack lines of the level 3 endpoint");
    assert!(one("SELECT count(*) FROM CodeLine") > 0.0, "code lines");
    assert!(one("SELECT count(*) FROM ExceptionOccurrence") > 0.0, "exceptions");
    let graph_span = "SELECT julianday(max(time)) - julianday(min(time)) FROM CustomGraphData";
    assert!(one(graph_span) >= 7.0, "custom graph values over the days: {}", one(graph_span));
    assert_eq!(one("SELECT monitor_level FROM Endpoint WHERE name = '/crunch'") as i64, 3);
}
