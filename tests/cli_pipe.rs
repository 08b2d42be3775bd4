//! Every command that prints ends quietly when its reader closes the pipe early (`fmd show overview | head
//! -1`), as Unix tools do: exit code 0 and nothing on standard error, never a panic.

use std::path::Path;

mod fixture_support;
use fixture_support::{fixture_copy, into_closed_pipe, DASHBOARD_VIEWS, ENDPOINT_VIEWS, NOW};

/// [`into_closed_pipe`] on `db` at the fixture's instant in UTC.
fn closed_pipe_on(db: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"]);
    into_closed_pipe(&all)
}

/// Every view, as text and as JSON, and every other command that prints.
fn commands() -> Vec<Vec<&'static str>> {
    let mut all = Vec::new();
    for view in DASHBOARD_VIEWS {
        all.push(vec!["show", view]);
        all.push(vec!["show", view, "--json"]);
    }
    for view in ENDPOINT_VIEWS {
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
        let (code, err) = closed_pipe_on(&db, &args);
        if code != Some(0) || !err.is_empty() {
            failures.push(format!("{args:?}: exit {code:?}, stderr {err:?}"));
        }
    }
    assert!(failures.is_empty(), "{} commands were not quiet:\n{}", failures.len(), failures.join("\n"));
}
