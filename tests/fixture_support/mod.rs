//! FMD's own database and FMD's own answers for it, shared by the CLI tests.
// Each test file uses the part it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The instant FMD computed `fmd-5.1.0-sample.expected.json` at (timezone UTC).
pub const NOW: &str = "2026-11-27T22:56:55Z";

/// A file of `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// A private copy of FMD's database in `dir`, so tests never change the fixture.
pub fn fixture_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("fmd.db");
    std::fs::copy(fixture("fmd-5.1.0-sample.db"), &copy).expect("copy fixture");
    copy
}

/// What FMD 5.1.0's JSON API answered for the fixture.
pub fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("fmd-5.1.0-sample.expected.json")).expect("read"))
        .expect("json")
}

/// The dashboard views `fmd show` has, and those of one endpoint (with `--endpoint`).
pub const DASHBOARD_VIEWS: [&str; 9] =
    ["overview", "hourly", "daily", "versions", "api-performance", "status-codes", "report", "graphs", "exceptions"];
/// The views of one endpoint.
pub const ENDPOINT_VIEWS: [&str; 15] = [
    "hourly",
    "daily",
    "versions",
    "api-performance",
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
];

/// `fmd` without a configuration file (`FMD_CONFIG`) or colour: what every CLI test runs.
pub fn fmd_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fmd"));
    command.env_remove("FMD_CONFIG").env("NO_COLOR", "1");
    command
}

/// Runs `fmd show ARGS` on `db` at the fixture's instant in UTC, without colour or a config file.
pub fn show(db: &Path, args: &[&str]) -> Output {
    let mut all = vec!["show"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"]);
    fmd_command().args(&all).output().expect("run fmd")
}

/// Runs `fmd ARGS` with its standard output a pipe whose reading end is closed before fmd writes, so every
/// write fails with EPIPE; returns the exit code and standard error.
pub fn into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let mut child = fmd_command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fmd");
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().expect("wait");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// [`show`] with `--json`, which must succeed; its parsed output.
pub fn show_json(db: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = show(db, &all);
    assert!(out.status.success(), "{all:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// [`show`], which must succeed; its text output.
pub fn show_text(db: &Path, args: &[&str]) -> String {
    let out = show(db, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}
