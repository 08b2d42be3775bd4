//! FMD's own database and FMD's own answers for it, shared by the CLI tests.
// Each test file uses the part it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

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
