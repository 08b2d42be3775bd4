//! `fmd web` from the command line: no default password (it refuses to start without a user, exit 2, saying
//! how to add one), the first admin seeded from `authentication.password_hash`, loopback by default.
#![cfg(feature = "web")]

mod fixture_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fixture_support::fmd_command;

/// A file fmd made (with FMD's User table, empty).
fn fresh_db(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("fresh.db");
    let out = fmd_command()
        .args(["--db", db.to_str().expect("path"), "generate", "--requests", "200"])
        .output()
        .expect("run fmd generate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

#[test]
fn without_a_user_the_server_refuses_to_start_and_says_how_to_add_one() {
    let dir = tempfile::tempdir().expect("dir");
    let db = fresh_db(dir.path());
    let out = fmd_command()
        .args(["--db", db.to_str().expect("path"), "web", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run fmd web");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no users") && stderr.contains("fmd user add"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn the_first_admin_comes_from_the_configuration_and_the_server_listens_on_loopback() {
    let dir = tempfile::tempdir().expect("dir");
    let db = fresh_db(dir.path());
    let hash = fmd_core::password::hash("seeded-password", fmd_core::password::Scheme::Argon2id).expect("hash");
    let config = dir.path().join("fmd.toml");
    std::fs::write(&config, format!("[authentication]\nusername = \"chief\"\npassword_hash = \"{hash}\"\n"))
        .expect("config");
    let mut child = fmd_command()
        .args(["--config", config.to_str().expect("path"), "--db", db.to_str().expect("path"), "web"])
        .args(["--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fmd web");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    let banner = loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("serving") => break line,
            Some(Ok(_)) => {}
            _ => panic!("fmd web stopped before serving"),
        }
        assert!(started.elapsed() < Duration::from_secs(60), "fmd web did not start");
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(banner.contains("http://127.0.0.1:"), "{banner}");
    let store = fmd_core::Store::open_reader(&db, None).expect("reader");
    let chief = store.user_by_name("chief").expect("read").expect("seeded");
    assert!(chief.is_admin);
    assert!(chief.check_password("seeded-password").expect("verify"));
}
