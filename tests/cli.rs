//! The `fmd` binary end to end: JSON views against FMD's own numbers, levels, and every bad-input case
//! (one line naming the file and the problem, exit code 2, no file created).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture, fixture_copy, NOW};

fn fmd(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fmd"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FMD_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fmd")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a bad-input failure: exit code 2 and a single stderr line containing every `needle`.
fn assert_input_error(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "exit code 2 expected, stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} missing from {err:?}");
    }
}

#[test]
fn show_overview_json_equals_fmd_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let out = fmd(
        &["show", "overview", "--json", "--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let ours: Value = serde_json::from_slice(&out.stdout).expect("json");
    let theirs: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("fmd-5.1.0-sample.expected.json")).expect("read"))
            .expect("json");
    let (ours, theirs) = (ours.as_array().expect("array"), theirs["overview"].as_array().expect("array"));
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(theirs) {
        for key in [
            "id",
            "name",
            "monitor",
            "hits-today",
            "hits-today-errors",
            "hits-week",
            "hits-week-errors",
            "hits-overall",
            "exceptions",
        ] {
            assert_eq!(o[key], t[key], "{} {key}", t["name"]);
        }
        for key in ["median-today", "median-week", "median-overall"] {
            let (a, b) = (o[key].as_f64().expect("ours"), t[key].as_f64().expect("FMD's"));
            assert!((a - b).abs() < 1e-9, "{} {key}: {a} vs {b}", t["name"]);
        }
        let last = o["last-accessed"].as_str().expect("rfc3339");
        let last = chrono::DateTime::parse_from_rfc3339(last).expect("rfc3339");
        assert_eq!(last.format("%a, %d %b %Y %H:%M:%S GMT").to_string(), t["last-accessed"].as_str().expect("str"));
    }
}

#[test]
fn show_overview_text_lists_every_endpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let out = fmd(&["show", "overview", "--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).expect("utf8");
    for name in ["user_detail", "index", "search", "upload", "report", "boom"] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{name} missing:\n{text}");
    }
    assert!(text.contains("443"), "user_detail's 443 hits:\n{text}");
}

#[test]
fn level_command_writes_the_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let db_arg = db.to_str().expect("utf8");
    let out = fmd(&["level", "search", "0", "--db", db_arg], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let conn = rusqlite::Connection::open(&db).expect("open");
    let level: i64 =
        conn.query_row("SELECT monitor_level FROM Endpoint WHERE name = 'search'", [], |r| r.get(0)).expect("row");
    assert_eq!(level, 0);

    let out = fmd(&["level", "nope", "2", "--db", db_arg], dir.path());
    assert_input_error(&out, &[db_arg, "no endpoint named \"nope\""]);
    let out = fmd(&["level", "search", "4", "--db", db_arg], dir.path());
    assert_eq!(out.status.code(), Some(2), "clap rejects level 4: {}", stderr(&out));
}

#[test]
fn missing_database_is_an_error_and_is_not_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nothing.db");
    let arg = missing.to_str().expect("utf8");
    for args in
        [vec!["show", "overview", "--json", "--db", arg], vec!["level", "x", "1", "--db", arg], vec!["--db", arg]]
    {
        let out = fmd(&args, dir.path());
        assert_input_error(&out, &[arg, "no such database file"]);
        assert!(!missing.exists(), "{args:?} created the file");
    }
}

#[test]
fn garbage_file_is_not_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x5a_u8; 8192]).expect("write");
    let arg = junk.to_str().expect("utf8");
    for args in [vec!["show", "overview", "--db", arg], vec!["--db", arg]] {
        let out = fmd(&args, dir.path());
        assert_input_error(&out, &[arg, "not a SQLite database"]);
    }
}

#[test]
fn truncated_fixture_is_reported_not_panicked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.db");
    let bytes = std::fs::read(fixture("fmd-5.1.0-sample.db")).expect("read");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).expect("write");
    let out = fmd(&["show", "overview", "--json", "--db", cut.to_str().expect("utf8"), "--now", NOW], dir.path());
    let err = stderr(&out);
    assert!(matches!(out.status.code(), Some(1) | Some(2)), "clean failure expected: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("cut.db"), "names the file: {err}");
}

#[test]
fn sqlite_without_fmd_tables_is_not_fmd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).expect("open").execute_batch("CREATE TABLE notes (t TEXT);").expect("ddl");
    let out = fmd(&["show", "overview", "--db", other.to_str().expect("utf8")], dir.path());
    assert_input_error(&out, &["other.db", "not an FMD database"]);
}

#[test]
fn newer_schema_version_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch(
        "CREATE TABLE fmd_meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
         INSERT INTO fmd_meta VALUES ('schema_version', '99');",
    )
    .expect("ddl");
    drop(conn);
    let out = fmd(&["show", "overview", "--db", db.to_str().expect("utf8")], dir.path());
    assert_input_error(&out, &["fmd.db", "newer fmd", "99"]);
}

#[test]
fn table_prefix_is_detected_or_must_be_chosen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let conn = rusqlite::Connection::open(&db).expect("open");
    // FMD's TABLE_PREFIX prefixes every table of the set.
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    for name in names {
        conn.execute_batch(&format!("ALTER TABLE \"{name}\" RENAME TO \"fmd{name}\";")).expect("rename");
    }
    drop(conn);
    let arg = db.to_str().expect("utf8");
    let out = fmd(&["show", "overview", "--json", "--db", arg, "--now", NOW], dir.path());
    assert!(out.status.success(), "prefix `fmd` detected: {}", stderr(&out));
    let rows: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(6));

    let out = fmd(&["show", "overview", "--db", arg, "--table-prefix", "other"], dir.path());
    assert_input_error(&out, &["no tables with prefix \"other\""]);

    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch(r#"CREATE TABLE "xEndpoint" (id INTEGER); CREATE TABLE "xRequest" (id INTEGER);"#).expect("ddl");
    drop(conn);
    let out = fmd(&["show", "overview", "--db", arg], dir.path());
    assert_input_error(&out, &["several prefixes", "--table-prefix"]);
}

#[test]
fn bad_flags_and_config_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let arg = db.to_str().expect("utf8");
    let out = fmd(&["show", "overview", "--db", arg, "--now", "yesterday"], dir.path());
    assert_input_error(&out, &["--now", "yesterday", "RFC 3339"]);
    let out = fmd(&["show", "overview", "--db", arg, "--tz", "Mars/Olympus"], dir.path());
    assert_input_error(&out, &["--tz", "Mars/Olympus"]);

    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[dashboard]\nmonitor_levle = 2\n").expect("write");
    let out = fmd(&["show", "overview", "--db", arg, "--config", config.to_str().expect("utf8")], dir.path());
    assert_input_error(&out, &["bad.toml", "dashboard.monitor_levle", "did you mean `monitor_level`"]);

    let out = Command::new(env!("CARGO_BIN_EXE_fmd"))
        .args(["show", "overview", "--db", arg])
        .env("FMD_CONFIG", dir.path().join("absent.toml"))
        .output()
        .expect("run");
    assert_input_error(&out, &["absent.toml", "cannot read"]);
}

/// The demo tests run one at a time: two demos loading the 2 cores at once, one finishing midway, would skew
/// the profiler's wall-clock shares that `demo_profiles_crunch_two_to_one` checks.
static DEMO: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn demo_records_every_request_it_sends() {
    let _demo = DEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let out = fmd(
        &["demo", "--db", db.to_str().expect("utf8"), "--requests", "400", "--no-tui", "--history-days", "0"],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stdout: {text}\nstderr: {}", stderr(&out));
    assert!(text.contains("sent 400 requests"), "{text}");
    assert!(text.contains("recorded 400 "), "{text}");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let names: Vec<String> = conn
        .prepare("SELECT name FROM Endpoint ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        names,
        ["/", "/boom", "/crunch", "/panic", "/report", "/search", "/slow-report", "/upload", "/users/{id}"]
    );
    let (rows, users, errors): (i64, i64, i64) = conn
        .query_row("SELECT count(*), count(DISTINCT group_by), sum(status_code >= 400) FROM Request", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("counts");
    assert_eq!(rows, 400);
    assert_eq!(users, 4, "four demo users");
    assert!(errors > 0, "the demo has failing endpoints");

    // A second run appends and still accounts for every request.
    let out = fmd(&["demo", "--db", db.to_str().expect("utf8"), "--requests", "100", "--no-tui"], dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("recorded 100 "), "{}", stderr(&out));
}

/// The demo's level 3 endpoint: `/crunch` spends 2/3 of its time in `crunch_primes` and 1/3 in
/// `crunch_hashes`; the profiler's stack lines (summed over every `/crunch` request) say so within 10 points.
#[test]
fn demo_profiles_crunch_two_to_one() {
    let _demo = DEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let out = fmd(
        &["demo", "--db", db.to_str().expect("utf8"), "--requests", "800", "--no-tui", "--history-days", "0"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let conn = rusqlite::Connection::open(&db).expect("open");
    let time_in = |function: &str| -> f64 {
        // The function's outermost rows only: rows below one of its rows (deeper indent) are its callees.
        let mut stmt = conn
            .prepare(
                "SELECT s.indent, s.duration, c.function_name FROM StackLine s JOIN CodeLine c ON c.id = s.code_id \
                 JOIN Request r ON r.id = s.request_id JOIN Endpoint e ON e.id = r.endpoint_id \
                 WHERE e.name = '/crunch' ORDER BY s.request_id, s.position",
            )
            .expect("prepare");
        let rows: Vec<(i64, f64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let (mut total, mut inside) = (0.0, None);
        for (indent, duration, name) in rows {
            if inside.is_some_and(|at| indent > at) {
                continue;
            }
            inside = None;
            if name.contains(function) {
                total += duration;
                inside = Some(indent);
            }
        }
        total
    };
    let (primes, hashes) = (time_in("crunch_primes"), time_in("crunch_hashes"));
    assert!(primes > 0.0 && hashes > 0.0, "primes {primes} ms, hashes {hashes} ms");
    let share = primes / (primes + hashes) * 100.0;
    assert!((share - 66.7).abs() <= 10.0, "crunch_primes {primes:.1} ms, crunch_hashes {hashes:.1} ms: {share:.1}%");
}
