//! `fmd info [--json]` on FMD's own database: the overview's totals, the fixture's first request, the versions,
//! and a configuration whose secrets (a password hash, a database password) are never printed.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture_copy, NOW};

const DB_PASSWORD: &str = "db-pass-must-not-show";

/// A real password hash (the configuration checks it), to be kept out of every output.
fn hash() -> String {
    fmd_core::password::hash("info-test-password", fmd_core::password::Scheme::Argon2id).expect("hash")
}

fn fmd(args: &[&str], config: &Path, hash: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fmd"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("FMD_") || n.starts_with("FLASK_")) {
        command.env_remove(name);
    }
    let out = command.args(args).arg("--config").arg(config).output().expect("run fmd");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        !all.contains(hash) && !all.contains(hash.rsplit('$').next().expect("digest")),
        "the hash was printed: {all}"
    );
    assert!(!all.contains(DB_PASSWORD), "the database password was printed: {all}");
    out
}

/// A configuration with both secrets and a pruning schedule.
fn config(dir: &Path, hash: &str) -> std::path::PathBuf {
    let path = dir.join("fmd.toml");
    let text = format!(
        "[authentication]\nusername = \"boss\"\npassword_hash = '{hash}'\n\n[database]\n\
         url = \"postgres://fmd:{DB_PASSWORD}@db.example:5432/fmd\"\n\n[pruning]\nolder_than = \"30d\"\nevery = \"1h\"\n"
    );
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn info_json_agrees_with_the_overview_and_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let hash = hash();
    let cfg = config(dir.path(), &hash);
    let db_arg = db.to_str().expect("utf8");
    let common = ["--db", db_arg, "--now", NOW, "--tz", "UTC"];
    let info: Value =
        serde_json::from_slice(&fmd(&[&["info", "--json"][..], &common].concat(), &cfg, &hash).stdout).expect("json");
    let overview: Value =
        serde_json::from_slice(&fmd(&[&["show", "overview", "--json"][..], &common].concat(), &cfg, &hash).stdout)
            .expect("json");
    let rows = overview.as_array().expect("overview list");
    let total: u64 = rows.iter().map(|r| r["hits-overall"].as_u64().expect("hits")).sum();
    assert!(total > 0);
    assert_eq!(info["requests"].as_u64(), Some(total));
    assert_eq!(info["endpoints"].as_u64(), Some(rows.len() as u64));

    let conn = rusqlite::Connection::open(&db).expect("open fixture");
    let (first, last, versions): (String, String, u64) = conn
        .query_row(
            "SELECT MIN(time_requested), MAX(time_requested), COUNT(DISTINCT version_requested) FROM Request",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("query fixture");
    // The file stores `2026-11-17 22:06:11.259339`; the JSON says `2026-11-17T22:06:11.259339Z`.
    let as_json = |t: &str| format!("{}Z", t.replacen(' ', "T", 1));
    assert_eq!(info["first_request"].as_str(), Some(as_json(&first).as_str()));
    assert_eq!(info["last_request"].as_str(), Some(as_json(&last).as_str()));
    assert_eq!(info["versions"]["count"].as_u64(), Some(versions));
    assert_eq!(info["versions"]["oldest"]["date"].as_str(), Some(as_json(&first).as_str()));
    assert_eq!(info["backend"], "SQLite file");
    assert_eq!(info["file_size"].as_u64(), Some(std::fs::metadata(&db).expect("size").len()));
    assert_eq!(info["pruning"], "requests older than 30d deleted every 1h");

    let config = info["config"].as_array().expect("config list");
    let value = |key: &str| config.iter().find(|s| s["key"] == key).map(|s| s["value"].clone());
    assert_eq!(value("authentication.username"), Some("boss".into()));
    assert_eq!(value("authentication.password_hash"), Some("set".into()));
    assert_eq!(value("database.path"), Some(db_arg.into()), "the database in effect is --db's");
}

#[test]
fn info_text_is_aligned_and_hides_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let hash = hash();
    let cfg = config(dir.path(), &hash);
    let out = fmd(&["info", "--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"], &cfg, &hash);
    let text = String::from_utf8(out.stdout).expect("utf8");
    let line = |label: &str| {
        text.lines().find(|l| l.starts_with(&format!("{label} "))).unwrap_or_else(|| panic!("{label}: {text}"))
    };
    assert!(line("requests").ends_with(" 1526"), "{text}");
    assert!(line("first request").ends_with(" 2026-11-17 22:06:11"), "{text}");
    assert!(line("authentication.password_hash").ends_with(" set"), "{text}");
    // Values start in one column.
    let column = |l: &str, label: &str| label.len() + l[label.len()..].len() - l[label.len()..].trim_start().len();
    assert_eq!(column(line("fmd"), "fmd"), column(line("requests"), "requests"), "{text}");
}
