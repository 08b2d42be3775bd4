//! Helpers shared by the pruning and housekeeping tests: fixture copies, FMD's pruning written out as plain
//! SQL (the independent reference), and per-table fingerprints.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// Every FMD 5.x table with the columns that identify a row.
pub const TABLES: &[(&str, &str)] = &[
    ("Endpoint", "id"),
    ("Request", "id"),
    ("Outlier", "id"),
    ("StackLine", "request_id, position"),
    ("CodeLine", "id"),
    ("ExceptionOccurrence", "id"),
    ("CustomGraph", "graph_id"),
    ("CustomGraphData", "id"),
    ("ExceptionType", "id"),
    ("ExceptionMessage", "id"),
    ("StackTraceSnapshot", "id"),
    ("ExceptionStackLine", "stack_trace_snapshot_id, exception_frame_id, position"),
    ("ExceptionFrame", "id"),
    ("FunctionLocation", "id"),
    ("FilePath", "id"),
    ("FunctionDefinition", "id"),
    ("AlertFingerprint", "hash"),
    ("TelemetryUser", "id"),
    ("User", "id"),
];

/// A copy of the FMD 5.1.0 sample database in a fresh temporary directory (the fixture is never opened).
pub fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db");
    let dst = dir.path().join("fmd.db");
    std::fs::copy(&src, &dst).expect("copy fixture");
    (dir, dst)
}

/// A plain copy of a database file (no -wal pending: callers close connections or checkpoint first).
pub fn copy_db(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let conn = Connection::open(from).expect("open");
    let to = dir.join(name);
    conn.execute("VACUUM INTO ?1", [to.to_string_lossy()]).expect("vacuum into");
    to
}

/// Row count and an order-independent list of the identifying columns of every table.
pub fn fingerprint(path: &Path) -> Vec<(String, i64, String)> {
    let conn = Connection::open(path).expect("open");
    TABLES
        .iter()
        .map(|(table, key)| {
            let (n, keys): (i64, Option<String>) = conn
                .query_row(
                    &format!(
                        "SELECT count(*), group_concat(k, ';') FROM \
                         (SELECT ({}) AS k FROM \"{table}\" ORDER BY {key})",
                        key.split(", ").collect::<Vec<_>>().join(" || ',' || ")
                    ),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .expect("fingerprint");
            (table.to_string(), n, keys.unwrap_or_default())
        })
        .collect()
}

/// Row count of one table.
pub fn count(path: &Path, table: &str) -> i64 {
    let conn = Connection::open(path).expect("open");
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| r.get(0)).expect("count")
}

/// FMD 5.1.0's `prune_database_older_than_weeks` transcribed statement by statement into SQL (unbatched,
/// NOT EXISTS as SQLAlchemy renders it), applied to the file at `path`. `doomed` is the SQL condition on
/// Request rows (e.g. `time_requested < '…'`).
pub fn reference_delete(path: &Path, doomed: &str, custom_graph_cutoff: Option<&str>) {
    let conn = Connection::open(path).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = OFF").expect("fk off");
    let mut sql = format!(
        "BEGIN;
         CREATE TEMP TABLE doomed AS SELECT id FROM Request WHERE {doomed};
         DELETE FROM Outlier WHERE request_id IN (SELECT id FROM temp.doomed);
         DELETE FROM StackLine WHERE request_id IN (SELECT id FROM temp.doomed);
         DELETE FROM ExceptionOccurrence WHERE request_id IN (SELECT id FROM temp.doomed);
         DELETE FROM Request WHERE id IN (SELECT id FROM temp.doomed);
         DELETE FROM CodeLine WHERE NOT EXISTS (SELECT 1 FROM StackLine WHERE StackLine.code_id = CodeLine.id);"
    );
    if let Some(cutoff) = custom_graph_cutoff {
        sql.push_str(&format!("DELETE FROM CustomGraphData WHERE time < '{cutoff}';"));
    }
    sql.push_str(
        "DELETE FROM ExceptionType WHERE NOT EXISTS
           (SELECT 1 FROM ExceptionOccurrence o WHERE o.exception_type_id = ExceptionType.id);
         DELETE FROM ExceptionMessage WHERE NOT EXISTS
           (SELECT 1 FROM ExceptionOccurrence o WHERE o.exception_msg_id = ExceptionMessage.id);
         DELETE FROM ExceptionStackLine WHERE stack_trace_snapshot_id IN (SELECT s.id FROM StackTraceSnapshot s
           WHERE NOT EXISTS (SELECT 1 FROM ExceptionOccurrence o WHERE o.stack_trace_snapshot_id = s.id));
         DELETE FROM StackTraceSnapshot WHERE NOT EXISTS
           (SELECT 1 FROM ExceptionOccurrence o WHERE o.stack_trace_snapshot_id = StackTraceSnapshot.id);
         DELETE FROM ExceptionFrame WHERE NOT EXISTS
           (SELECT 1 FROM ExceptionStackLine l WHERE l.exception_frame_id = ExceptionFrame.id);
         DELETE FROM FunctionLocation WHERE NOT EXISTS
           (SELECT 1 FROM ExceptionFrame f WHERE f.function_location_id = FunctionLocation.id);
         DELETE FROM FilePath WHERE NOT EXISTS
           (SELECT 1 FROM FunctionLocation l WHERE l.file_path_id = FilePath.id);
         DELETE FROM FunctionDefinition WHERE NOT EXISTS
           (SELECT 1 FROM FunctionLocation l WHERE l.function_definition_id = FunctionDefinition.id);
         DROP TABLE temp.doomed;
         COMMIT;",
    );
    conn.execute_batch(&sql).expect("reference prune");
}

/// Adds rows to the fixture copy so that a partial prune orphans some exception rows (and keeps others),
/// and gives it custom graph data on both sides of `2026-11-22 12:00`.
///
/// A new exception kind (type 3, message 3, snapshot 3) occurs only on requests before the cutoff. Its stack
/// is frame 5 (new location 5: new file 4, new definition 5) and frame 1 (shared with snapshot 1, which
/// survives). A second new kind (type 4, message 4, snapshot 4 with frame 6 -> location 6 -> file 1, def 6)
/// occurs before and after the cutoff. A CodeLine used only by an old request and an unreferenced one exist.
pub fn add_orphan_material(path: &Path) {
    let conn = Connection::open(path).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = OFF").expect("fk off");
    conn.execute_batch(
        "BEGIN;
         INSERT INTO ExceptionType (id, type) VALUES (3, 'OldError'), (4, 'LastingError');
         INSERT INTO ExceptionMessage (id, message) VALUES (3, 'old'), (4, 'lasting');
         INSERT INTO StackTraceSnapshot (id, hash) VALUES (3, 'h3'), (4, 'h4');
         INSERT INTO FilePath (id, path) VALUES (4, '/old/file.py');
         INSERT INTO FunctionDefinition (id, name, code, code_hash) VALUES (5, 'old', 'def old(): pass', 'c5'),
           (6, 'lasting', 'def lasting(): pass', 'c6');
         INSERT INTO FunctionLocation (id, file_path_id, function_definition_id, function_start_line_number)
           VALUES (5, 4, 5, 10), (6, 1, 6, 20);
         INSERT INTO ExceptionFrame (id, function_location_id, line_number) VALUES (5, 5, 11), (6, 6, 21);
         INSERT INTO ExceptionStackLine (stack_trace_snapshot_id, exception_frame_id, position)
           VALUES (3, 1, 0), (3, 5, 1), (4, 6, 0);
         INSERT INTO ExceptionOccurrence (request_id, exception_type_id, exception_msg_id, stack_trace_snapshot_id,
           is_user_captured)
           SELECT id, 3, 3, 3, 1 FROM Request WHERE time_requested < '2026-11-20 00:00:00.000000' AND id % 5 = 0;
         INSERT INTO ExceptionOccurrence (request_id, exception_type_id, exception_msg_id, stack_trace_snapshot_id,
           is_user_captured)
           SELECT id, 4, 4, 4, 0 FROM Request WHERE id % 97 = 0;
         INSERT INTO CodeLine (id, filename, line_number, function_name, code)
           VALUES (1000, 'old.py', 1, 'old', 'pass'), (1001, 'unused.py', 1, 'unused', 'pass');
         INSERT INTO StackLine (request_id, code_id, position, indent, duration)
           SELECT min(id), 1000, 1000, 0, 1.0 FROM Request WHERE time_requested < '2026-11-18 00:00:00.000000';
         INSERT INTO CustomGraph (graph_id, title, time_added, version_added)
           VALUES (1, 'queue length', '2026-11-01 00:00:00.000000', '1.0');
         INSERT INTO CustomGraphData (graph_id, time, value)
           VALUES (1, '2026-11-20 00:00:00.000000', 1.0), (1, '2026-11-21 00:00:00.000000', 2.0),
                  (1, '2026-11-23 00:00:00.000000', 3.0), (1, '2026-11-24 00:00:00.000000', 4.0),
                  (1, '2026-11-25 00:00:00.000000', 5.0);
         INSERT INTO AlertFingerprint (hash, time_first_alerted) VALUES ('fp', '2026-11-18 00:00:00.000000');
         COMMIT;",
    )
    .expect("orphan material");
}
