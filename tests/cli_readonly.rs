//! Viewing never changes a file fmd did not create or may not write: FMD's own sample comes out of every
//! `fmd show` view byte for byte unchanged with nothing added beside it, and a read-only WAL file in a
//! directory the user may not write opens (as an unprivileged user: root ignores permissions).
#![cfg(unix)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

mod fixture_support;
use fixture_support::{fixture_copy, NOW};

/// Every file in `dir` with the SHA-256 of its content.
fn listing(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let e = e.expect("entry");
            let bytes = std::fs::read(e.path()).expect("read");
            (e.file_name().to_string_lossy().into_owned(), format!("{:x}", Sha256::digest(&bytes)))
        })
        .collect()
}

fn fmd(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fmd"))
        .args(args)
        .env_remove("FMD_CONFIG")
        .env("NO_COLOR", "1")
        .env("FMD_CACHE_DIR", cache)
        .output()
        .expect("run fmd")
}

#[test]
fn every_view_leaves_fmds_own_file_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("dir");
    let db = fixture_copy(&data);
    let cache = dir.path().join("cache");
    let before = listing(&data);
    let views: &[&[&str]] = &[
        &["overview"],
        &["hourly"],
        &["daily"],
        &["versions"],
        &["versions", "--endpoint", "index"],
        &["api-performance"],
        &["status-codes"],
        &["endpoint", "--endpoint", "index"],
        &["users", "--endpoint", "index"],
        &["ips", "--endpoint", "index"],
        &["user-versions", "--endpoint", "index"],
        &["ip-versions", "--endpoint", "index"],
        &["requests", "--endpoint", "index"],
        &["report"],
        &["graphs"],
        &["outliers", "--endpoint", "index"],
        &["exceptions"],
        &["profiler", "--endpoint", "index"],
        &["grouped-profiler", "--endpoint", "index"],
    ];
    for view in views {
        for json in [false, true] {
            let mut args = vec!["show"];
            args.extend_from_slice(view);
            args.extend_from_slice(&["--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"]);
            if json {
                args.push("--json");
            }
            let out = fmd(&args, &cache);
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(listing(&data), before, "after {args:?}");
        }
    }
    assert!(!cache.exists(), "a file of 1 526 requests gets no summaries, not even in the cache");
}

/// Runs `fmd` as user `nobody` when this process is root (which ignores file permissions), else as itself.
fn fmd_unprivileged(args: &[&str], cache: &Path) -> Option<Output> {
    let root = Command::new("id").arg("-u").output().ok().is_some_and(|o| o.stdout.starts_with(b"0\n"));
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_fmd")]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_fmd"))
    };
    let out = cmd.args(args).env_remove("FMD_CONFIG").env("NO_COLOR", "1").env("FMD_CACHE_DIR", cache).output();
    match out {
        Ok(out) if root && out.status.code() == Some(127) => None,
        Ok(out) => Some(out),
        Err(_) => None,
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn a_read_only_wal_file_in_a_read_only_directory_opens() {
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o755);
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("dir");
    let db = data.join("big.db");
    let db_arg = db.to_str().expect("utf8");
    let generated = fmd(&["generate", "--db", db_arg, "--requests", "3000", "--end", NOW], dir.path());
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let mut header = [0u8; 20];
    std::io::Read::read_exact(&mut std::fs::File::open(&db).expect("open"), &mut header).expect("header");
    assert_eq!(header[18], 2, "fmd's files are in WAL mode");
    // The answer on a copy this process may write.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).expect("copy");
    let cache = dir.path().join("cache");
    let expected = fmd(&["show", "overview", "--json", "--db", copy.to_str().expect("utf8"), "--now", NOW], &cache);
    assert!(expected.status.success());
    chmod(&db, 0o444);
    chmod(&data, 0o555);
    let before = listing(&data);
    // A cache the user may write, and none at all: both answer.
    std::fs::create_dir_all(&cache).expect("cache");
    chmod(&cache, 0o777);
    for cache in [cache.clone(), dir.path().join("no-such").join("cache")] {
        let args = ["--db", db_arg, "--now", NOW, "show", "overview", "--json"];
        let Some(out) = fmd_unprivileged(&args, &cache) else {
            println!("setpriv is missing: cannot drop root's privileges here");
            return;
        };
        assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout, expected.stdout, "the same overview as a user who may write it");
        assert_eq!(listing(&data), before, "nothing changed or added");
    }
    chmod(&data, 0o755);
}
