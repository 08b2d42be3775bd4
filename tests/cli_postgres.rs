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

#[test]
fn users_endpoints_and_pruning_on_postgresql() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((_db, _file, url)) = both("cli_edits", dir.path()) else { return };
    let mut add = fmd_command();
    add.args(["user", "add", "alice", "--admin", "--db", &url]).stdin(std::process::Stdio::piped());
    add.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = add.spawn().expect("run fmd");
    {
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(b"correct horse battery\n").expect("password");
    }
    let added = child.wait_with_output().expect("wait");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let users: Value = serde_json::from_slice(&run(&url, &["user", "list", "--json"]).stdout).expect("json");
    assert!(users.as_array().expect("users").iter().any(|u| u["username"] == "alice" && u["is_admin"] == true));

    let pruned = run(&url, &["prune", "--older-than", "7d", "--dry-run"]);
    assert!(pruned.status.success(), "{}", String::from_utf8_lossy(&pruned.stderr));
    let text = String::from_utf8_lossy(&pruned.stdout);
    assert!(text.contains("would delete") && !text.contains("would delete 0 requests"), "{text}");
    let hits = |v: &Value, name: &str| {
        v.as_array().expect("rows").iter().find(|r| r["name"] == name).map(|r| r["hits-overall"].as_u64().expect("n"))
    };
    let before = json(&url, &["overview"]);
    let merged = run(&url, &["endpoint", "merge", "upload", "index", "--yes"]);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    let after = json(&url, &["overview"]);
    assert_eq!(hits(&after, "upload"), None);
    assert_eq!(
        hits(&after, "index"),
        Some(hits(&before, "index").expect("index") + hits(&before, "upload").expect("up"))
    );
    let deleted = run(&url, &["endpoint", "delete", "boom", "--yes"]);
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
    assert_eq!(hits(&json(&url, &["overview"]), "boom"), None);
    let gone = run(&url, &["prune", "--older-than", "7d", "--yes"]);
    assert!(gone.status.success(), "{}", String::from_utf8_lossy(&gone.stderr));
    let daily = json(&url, &["overview"]);
    let total: u64 = daily.as_array().expect("rows").iter().map(|r| r["hits-overall"].as_u64().expect("n")).sum();
    let week: u64 = daily.as_array().expect("rows").iter().map(|r| r["hits-week"].as_u64().expect("n")).sum();
    assert_eq!(total, week, "only the last 7 days are left");
}

/// `fmd web --db postgres://...`: the first admin is seeded into FMD's User table there, a login works and the
/// JSON API answers what `fmd show` answers.
#[cfg(feature = "web")]
#[test]
fn the_web_dashboard_serves_postgresql() {
    use std::io::{BufRead, BufReader};
    // A database fmd filled, so FMD's User table is empty and the configured admin is seeded into it.
    let Some(db) = TestDb::create("cli_web") else { return };
    let url = db.url().to_string();
    assert!(run(&url, &["generate", "--requests", "3000", "--end", NOW]).status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let hash = fmd_core::password::hash("seeded-password", fmd_core::password::Scheme::Argon2id).expect("hash");
    let config = dir.path().join("fmd.toml");
    std::fs::write(&config, format!("[authentication]\nusername = \"chief\"\npassword_hash = \"{hash}\"\n"))
        .expect("config");
    let mut child = fmd_command()
        .args(["--config", config.to_str().expect("path"), "--db", &url, "--now", NOW, "--tz", "UTC", "web"])
        .args(["--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start fmd web");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let banner = loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("serving") => break line,
            Some(Ok(_)) => {}
            _ => panic!("fmd web stopped before serving"),
        }
    };
    let base = banner.split(" at ").nth(1).and_then(|rest| rest.split(';').next()).expect("address").to_string();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let answer = runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let login = client
            .post(format!("{base}login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=chief&password=seeded-password")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if login.status().as_u16() != 303 {
            return Err(format!("login answered {}", login.status()));
        }
        let cookie = login
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .collect::<Vec<_>>()
            .join("; ");
        let text = client
            .get(format!("{base}api/overview"))
            .header("cookie", cookie)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        serde_json::from_str::<Value>(&text).map_err(|e| format!("{e}: {text}"))
    });
    let _ = child.kill();
    let _ = child.wait();
    let overview = answer.expect("logged in and read the overview");
    let shown = json(&url, &["overview"]);
    let names = |v: &Value| v.as_array().expect("rows").iter().map(|r| r["name"].clone()).collect::<Vec<_>>();
    assert_eq!(names(&overview), names(&shown));
    assert_eq!(overview[0]["hits-overall"], shown[0]["hits-overall"]);
}
