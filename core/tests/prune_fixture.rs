//! Pruning copies of FMD 5.1.0's own database, checked table by table against FMD's algorithm run as plain
//! SQL on a second copy.

mod prune_common;

use chrono::{DateTime, Utc};
use fmd_core::store::{DeletedRows, PruneOptions};
use fmd_core::Store;
use prune_common::{add_orphan_material, copy_db, count, fingerprint, fixture_copy, reference_delete};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

const MID: &str = "2026-11-22T12:00:00Z";
const MID_TEXT: &str = "2026-11-22 12:00:00.000000";

/// Deleted rows as the difference of two fingerprints, in `DeletedRows`' fields.
fn difference(before: &[(String, i64, String)], after: &[(String, i64, String)]) -> DeletedRows {
    let gone = |table: &str| -> u64 {
        let find = |rows: &[(String, i64, String)]| rows.iter().find(|r| r.0 == table).expect("table").1;
        (find(before) - find(after)) as u64
    };
    DeletedRows {
        requests: gone("Request"),
        outliers: gone("Outlier"),
        stack_lines: gone("StackLine"),
        exception_occurrences: gone("ExceptionOccurrence"),
        code_lines: gone("CodeLine"),
        custom_graph_data: gone("CustomGraphData"),
        exception_types: gone("ExceptionType"),
        exception_messages: gone("ExceptionMessage"),
        stack_trace_snapshots: gone("StackTraceSnapshot"),
        exception_stack_lines: gone("ExceptionStackLine"),
        exception_frames: gone("ExceptionFrame"),
        function_locations: gone("FunctionLocation"),
        file_paths: gone("FilePath"),
        function_definitions: gone("FunctionDefinition"),
    }
}

/// Prunes a copy with fmd and another with the reference SQL; every table must end up identical.
fn prune_matches_reference(
    cutoff: &str,
    cutoff_text: &str,
    keep_custom_graphs: bool,
    batch_size: usize,
) -> DeletedRows {
    let (dir, path) = fixture_copy();
    add_orphan_material(&path);
    let reference = copy_db(&path, dir.path(), "reference.db");
    reference_delete(
        &reference,
        &format!("time_requested < '{cutoff_text}'"),
        (!keep_custom_graphs).then_some(cutoff_text),
    );

    let before = fingerprint(&path);
    let store = Store::open_editor(&path, None).expect("editor");
    let options =
        PruneOptions { batch_size, batch_time_target: None, keep_custom_graphs, ..PruneOptions::new(at(cutoff)) };
    let dry = store.prune(&PruneOptions { dry_run: true, ..options.clone() }).expect("dry run");
    assert_eq!(fingerprint(&path), before, "a dry run deletes nothing");
    let mut calls = Vec::new();
    let report = store.prune_with_progress(&options, |done, total| calls.push((done, total))).expect("prune");
    drop(store);

    let after = fingerprint(&path);
    assert_eq!(after, fingerprint(&reference), "fmd and FMD's algorithm leave the same rows in every table");
    assert_eq!(report.deleted, difference(&before, &after), "counts per table");
    assert_eq!(dry.deleted, report.deleted, "the dry run counted exactly what the prune deleted");
    assert_eq!(report.cutoff, cutoff_text);
    assert!(!report.dry_run && dry.dry_run);
    for table in ["Endpoint", "AlertFingerprint", "TelemetryUser", "CustomGraph"] {
        assert_eq!(count(&path, table), before.iter().find(|r| r.0 == table).expect("table").1, "{table} kept");
    }
    // Progress: starts at 0, grows, ends at the total.
    assert_eq!(calls.first().map(|c| c.0), Some(0));
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(calls.last().map(|c| c.0), Some(report.deleted.requests));
    assert!(calls.iter().all(|c| c.1 == report.deleted.requests));
    if report.deleted.requests > batch_size as u64 {
        assert!(report.batches as usize > report.deleted.requests as usize / batch_size, "{report:?}");
    }
    report.deleted
}

#[test]
fn partial_prune_equals_fmd_algorithm() {
    let deleted = prune_matches_reference(MID, MID_TEXT, false, 10_000);
    assert!(deleted.requests > 500 && deleted.outliers > 0 && deleted.stack_lines > 0);
    assert!(deleted.exception_occurrences > 0);
    // The old-only exception kind goes with its unshared frame, location, file and definition.
    assert_eq!((deleted.exception_types, deleted.exception_messages, deleted.stack_trace_snapshots), (1, 1, 1));
    assert_eq!(deleted.exception_stack_lines, 2);
    assert_eq!((deleted.exception_frames, deleted.function_locations), (1, 1));
    assert_eq!((deleted.file_paths, deleted.function_definitions), (1, 1));
    // 6 of the fixture's code lines occur only before the cutoff, plus the added old-only and unused ones.
    assert_eq!(deleted.code_lines, 8);
    assert_eq!(deleted.custom_graph_data, 2);
}

#[test]
fn small_batches_give_the_same_result() {
    let big = prune_matches_reference(MID, MID_TEXT, false, 10_000);
    let small = prune_matches_reference(MID, MID_TEXT, false, 37);
    assert_eq!(big, small);
}

#[test]
fn keeping_custom_graphs() {
    let deleted = prune_matches_reference(MID, MID_TEXT, true, 500);
    assert_eq!(deleted.custom_graph_data, 0);
}

#[test]
fn pruning_everything_and_nothing() {
    let all = prune_matches_reference("2026-12-01T00:00:00Z", "2026-12-01 00:00:00.000000", false, 400);
    assert_eq!(all.requests, 1526);
    assert_eq!(all.stack_lines, 13_642 + 1);
    assert_eq!(all.exception_types, 4);
    let none = prune_matches_reference("2026-11-01T00:00:00Z", "2026-11-01 00:00:00.000000", false, 400);
    assert_eq!((none.requests, none.outliers, none.exception_types), (0, 0, 0));
    assert_eq!(none.code_lines, 1, "the unreferenced code line goes whatever the cutoff");
}

#[test]
fn report_serialises_and_vacuum_shrinks() {
    let (_dir, path) = fixture_copy();
    let size_before = std::fs::metadata(&path).expect("size").len();
    let store = Store::open_editor(&path, None).expect("editor");
    let report = store.prune(&PruneOptions { vacuum: true, ..PruneOptions::new(at(MID)) }).expect("prune");
    assert!(report.vacuumed);
    let json = serde_json::to_value(&report).expect("json");
    for key in ["cutoff", "dry_run", "deleted", "batches", "longest_batch_ms", "elapsed_ms", "vacuumed"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["deleted"]["requests"], report.deleted.requests);
    drop(store);
    let size_after = std::fs::metadata(&path).expect("size").len();
    assert!(size_after < size_before, "{size_after} < {size_before}");
    // The file still reads as FMD's and the overview works.
    let store = Store::open_reader(&path, None).expect("reader");
    let rows = store.overview(at("2026-11-27T22:56:55Z"), chrono_tz::UTC).expect("overview");
    assert_eq!(rows.iter().map(|r| r.hits_overall).sum::<u64>(), 1526 - report.deleted.requests);
}

#[test]
fn read_only_store_cannot_prune() {
    let (_dir, path) = fixture_copy();
    let store = Store::open_reader(&path, None).expect("reader");
    let err = store.prune(&PruneOptions::new(at(MID))).expect_err("read-only");
    assert!(err.to_string().contains("fmd.db"), "{err}");
    drop(store);
    assert_eq!(count(&path, "Request"), 1526);
}
