//! `fmd show`, `fmd level` and `fmd generate` on PostgreSQL (`--db postgres://...`, `database.url`): every view
//! answers what it answers on the SQLite file holding the same rows, and the password never shows.
//! Needs a server: FMD_TEST_PG_URL (see scripts/pg-test-server.sh); skipped with a message without one.

use std::path::Path;
use std::process::Output;

use fmd_pg::import::import_sqlite;
use fmd_pg::testing::TestDb;
use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture_copy, fmd_command, DASHBOARD_VIEWS, ENDPOINT_VIEWS, NOW};

fn run(db: &str, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--db", db, "--now", NOW, "--tz", "UTC"]);
    fmd_command().args(&all).output().expect("run fmd")
}

fn json(db: &str, args: &[&str]) -> Value {
    let mut all = vec!["show"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = run(db, &all);
    assert!(out.status.success(), "{all:?} on {db}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Equal JSON, numbers within 1e-9 relative (all-time means are summed in another order on each backend).
fn assert_close(got: &Value, want: &Value, at: &str) {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().expect("number"), w.as_f64().expect("number"));
            assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{at}: {g} != {w}");
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{at}: lengths");
            for (i, (g, w)) in g.iter().zip(w).enumerate() {
                assert_close(g, w, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(g), Value::Object(w)) => {
            assert_eq!(g.keys().collect::<Vec<_>>(), w.keys().collect::<Vec<_>>(), "{at}: keys");
            for (k, w) in w {
                assert_close(&g[k], w, &format!("{at}.{k}"));
            }
        }
        (g, w) => assert_eq!(g, w, "{at}"),
    }
}

/// FMD's sample as a SQLite copy and imported into a fresh PostgreSQL database.
fn both(name: &str, dir: &Path) -> Option<(TestDb, String, String)> {
    let db = TestDb::create(name)?;
    db.create_python_fmd_schema();
    let file = fixture_copy(dir);
    import_sqlite(&file, "", &db.store("")).expect("import the sample");
    let url = db.url().to_string();
    Some((db, file.to_str().expect("utf8").to_string(), url))
}

#[test]
fn every_view_on_postgresql_equals_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((_db, file, url)) = both("cli_views", dir.path()) else { return };
    let mut compared = 0;
    for view in DASHBOARD_VIEWS {
        assert_close(&json(&url, &[view]), &json(&file, &[view]), view);
        compared += 1;
    }
    for endpoint in ["search", "user_detail"] {
        for view in ENDPOINT_VIEWS {
            for window in [&[][..], &["--from", "2026-11-20", "--to", "2026-11-27T12:00:00Z"][..]] {
                let mut args = vec![view, "--endpoint", endpoint];
                args.extend_from_slice(window);
                assert_close(&json(&url, &args), &json(&file, &args), &format!("{args:?}"));
                compared += 1;
            }
        }
    }
    let overview = json(&url, &["overview"]);
    assert_eq!(overview.as_array().map(Vec::len), Some(6), "every endpoint of the sample: {overview}");
    assert!(compared > 60);
    // Text output too (the same layout code on the same answers).
    for view in ["overview", "api-performance", "status-codes"] {
        let (pg, sqlite) = (run(&url, &["show", view]), run(&file, &["show", view]));
        assert!(pg.status.success(), "{view}: {}", String::from_utf8_lossy(&pg.stderr));
        assert_eq!(String::from_utf8_lossy(&pg.stdout), String::from_utf8_lossy(&sqlite.stdout), "{view} text");
    }
}

#[test]
fn levels_are_listed_and_set_on_postgresql() {
    // This time the sample goes in through `fmd import`, into a database without FMD's tables yet.
    let Some(db) = TestDb::create("cli_levels") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = fixture_copy(dir.path()).to_str().expect("utf8").to_string();
    let url = db.url().to_string();
    let imported = run(&url, &["import", &file]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    assert!(String::from_utf8_lossy(&imported.stdout).contains("1526 requests"), "FMD's sample holds 1526");
    assert_close(&json(&url, &["overview"]), &json(&file, &["overview"]), "imported overview");
    let again = run(&url, &["import", &file]);
    assert_eq!(again.status.code(), Some(2), "a second import would collide with the first one's ids");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds endpoints"));
    let levels = |db: &str| json_levels(&run(db, &["level", "--json"]));
    assert_eq!(levels(&url), levels(&file));
    let set = run(&url, &["level", "search", "3"]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert!(String::from_utf8_lossy(&set.stdout).contains("level 3 for \"search\""));
    let after = levels(&url);
    let search = after.as_array().expect("rows").iter().find(|l| l["name"] == "search").expect("search");
    assert_eq!(search["level"], 3);
    let unknown = run(&url, &["level", "serch", "2"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", String::from_utf8_lossy(&unknown.stderr));
}

fn json_levels(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn generate_writes_the_same_requests_into_postgresql() {
    let Some(db) = TestDb::create("cli_generate") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("gen.db");
    let file = file.to_str().expect("utf8");
    let url = db.url().to_string();
    let gen = ["generate", "--requests", "20000", "--seed", "11", "--end", NOW];
    for target in [file, url.as_str()] {
        let out = run(target, &gen);
        assert!(out.status.success(), "{target}: {}", String::from_utf8_lossy(&out.stderr));
    }
    for view in ["overview", "api-performance", "daily", "status-codes"] {
        assert_close(&json(&url, &[view]), &json(file, &[view]), view);
    }
    let again = run(&url, &gen);
    assert_eq!(again.status.code(), Some(2), "a database holding requests is not written without --append");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--append"));
    let mut append = gen.to_vec();
    append.push("--append");
    assert!(run(&url, &append).status.success());
    let total =
        |v: &Value| v.as_array().expect("rows").iter().map(|r| r["hits-overall"].as_u64().expect("n")).sum::<u64>();
    assert_eq!(total(&json(&url, &["overview"])), 40_000);
}

#[test]
fn the_password_never_shows() {
    // A server that is not there, a URL with a password: the error names the database without it.
    let out = run("postgres://fmd:hunter2secret@127.0.0.1:9/fmd", &["show", "overview"]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1") && !err.contains("hunter2secret"), "{err}");
    let out = run("postgres://fmd@127.0.0.1:9/fmd?password=hunter2secret", &["show", "overview"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Connection refused") && !err.contains("hunter2secret"), "{err}");
    let out = run("postgres://fmd:hunter2secret@127.0.0.1:9", &["level"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("names no database") && !err.contains("hunter2secret"), "{err}");
}
