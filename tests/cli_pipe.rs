//! Every command that prints ends quietly when its reader closes the pipe early (`fmd show overview | head
//! -1`), as Unix tools do: exit code 0 and nothing on standard error, never a panic.

use std::path::Path;
use std::process::{Command, Stdio};

mod fixture_support;
use fixture_support::{fixture_copy, NOW};

/// Runs `fmd ARGS` with its standard output a pipe whose reading end is closed before fmd writes, so every
/// write fails with EPIPE; returns the exit code and standard error.
fn into_closed_pipe(db: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fmd"))
        .args(args)
        .args(["--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"])
        .env_remove("FMD_CONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fmd");
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().expect("wait");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every view, as text and as JSON, and every other command that prints.
fn commands() -> Vec<Vec<&'static str>> {
    let mut all = Vec::new();
    for view in
        ["overview", "hourly", "daily", "versions", "api-performance", "status-codes", "report", "graphs", "exceptions"]
    {
        all.push(vec!["show", view]);
        all.push(vec!["show", view, "--json"]);
    }
    for view in [
        "versions",
        "status-codes",
        "endpoint",
        "users",
        "ips",
        "user-versions",
        "ip-versions",
        "requests",
        "outliers",
        "profiler",
        "grouped-profiler",
        "exceptions",
    ] {
        all.push(vec!["show", view, "--endpoint", "search"]);
        all.push(vec!["show", view, "--endpoint", "search", "--json"]);
    }
    all.extend([
        vec!["level"],
        vec!["level", "--json"],
        vec!["level", "search"],
        vec!["level", "search", "2"],
        vec!["prune", "--older-than", "1d", "--dry-run"],
        vec!["--help"],
        vec!["show", "--help"],
        vec!["--version"],
    ]);
    all
}

#[test]
fn every_printing_command_ends_quietly_on_a_closed_pipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let mut failures = Vec::new();
    for args in commands() {
        let (code, err) = into_closed_pipe(&db, &args);
        if code != Some(0) || !err.is_empty() {
            failures.push(format!("{args:?}: exit {code:?}, stderr {err:?}"));
        }
    }
    assert!(failures.is_empty(), "{} commands were not quiet:\n{}", failures.len(), failures.join("\n"));
}
