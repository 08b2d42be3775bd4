//! Copying an FMD SQLite file into a PostgreSQL database that has FMD's tables: every FMD table, in the order
//! their foreign keys need, through `COPY ... FROM STDIN`, then each id sequence moved past the copied ids.
//! Used to move a service's history to PostgreSQL, and by tests to put the same data in both backends.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::OpenFlags;

use crate::PgStore;
use fmd_core::{ErrorKind, StoreError};

/// FMD's tables (without TABLE_PREFIX) in an order where every referenced table comes first, with the id column
/// whose sequence follows the copied rows.
pub const TABLE_ORDER: &[(&str, Option<&str>)] = &[
    ("Endpoint", Some("id")),
    ("Request", Some("id")),
    ("Outlier", Some("id")),
    ("CodeLine", Some("id")),
    ("StackLine", None),
    ("CustomGraph", Some("graph_id")),
    ("CustomGraphData", Some("id")),
    ("User", Some("id")),
    ("ExceptionType", Some("id")),
    ("ExceptionMessage", Some("id")),
    ("StackTraceSnapshot", Some("id")),
    ("FilePath", Some("id")),
    ("FunctionDefinition", Some("id")),
    ("FunctionLocation", Some("id")),
    ("ExceptionFrame", Some("id")),
    ("ExceptionStackLine", None),
    ("ExceptionOccurrence", Some("id")),
    ("AlertFingerprint", None),
    ("TelemetryUser", None),
];

/// Rows copied per table, in [`TABLE_ORDER`].
pub type ImportReport = Vec<(String, u64)>;

fn sqlite_error(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite { path: path.to_path_buf(), source: e }
}

/// Copies every FMD table of the SQLite file at `sqlite` (tables named with `sqlite_prefix`) into `pg`'s tables
/// (its own prefix), which must exist and hold no rows with the same ids. The SQLite file is opened read-only and
/// never changed. One transaction: on any failure nothing is copied.
pub fn import_sqlite(sqlite: &Path, sqlite_prefix: &str, pg: &PgStore) -> Result<ImportReport, StoreError> {
    let source = rusqlite::Connection::open_with_flags(sqlite, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| sqlite_error(sqlite, e))?;
    let target_prefix = pg.tables().prefix().to_string();
    let mut report = Vec::new();
    let outcome = pg.with(|client| {
        let mut tx = client.transaction()?;
        for (base, id_column) in TABLE_ORDER {
            let src = format!("{sqlite_prefix}{base}");
            let dst = format!("{target_prefix}{base}");
            let columns: Vec<String> = tx
                .query(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    &[&dst],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let Some(present) = sqlite_columns(&source, &src) else {
                continue;
            };
            if columns.is_empty() {
                continue;
            }
            let select: Vec<String> =
                columns
                    .iter()
                    .map(|c| {
                        if present.iter().any(|p| p.eq_ignore_ascii_case(c)) {
                            format!("\"{c}\"")
                        } else {
                            "NULL".into()
                        }
                    })
                    .collect();
            let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            let mut writer = tx.copy_in(&format!("COPY \"{dst}\" ({}) FROM STDIN", quoted.join(", ")))?;
            let copied = match copy_rows(&source, &src, &select, &mut writer) {
                Ok(n) => n,
                // Dropping the writer aborts the COPY, dropping the transaction rolls everything back.
                Err(failure) => return Ok(Err(failure)),
            };
            writer.finish()?;
            if let Some(id) = id_column {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence($1, $2), \
                         GREATEST((SELECT max(\"{id}\") FROM \"{dst}\"), 1), \
                         (SELECT max(\"{id}\") FROM \"{dst}\") IS NOT NULL)"
                    ),
                    &[&format!("\"{dst}\""), id],
                )?;
            }
            report.push((base.to_string(), copied));
        }
        tx.commit().map(|()| Ok(()))
    })?;
    match outcome {
        Ok(()) => {}
        Err(CopyFailure::Read(e)) => return Err(sqlite_error(sqlite, e)),
        Err(CopyFailure::Write(e)) => {
            return Err(StoreError::Backend {
                location: pg.location().to_string(),
                kind: ErrorKind::Unreachable,
                message: format!("copying rows failed: {e}"),
            })
        }
    }
    Ok(report)
}

/// The columns of `table` in the SQLite file, `None` when it has no such table.
fn sqlite_columns(source: &rusqlite::Connection, table: &str) -> Option<Vec<String>> {
    let mut stmt = source.prepare("SELECT name FROM pragma_table_info(?1)").ok()?;
    let names: Vec<String> = stmt.query_map([table], |r| r.get(0)).ok()?.filter_map(Result::ok).collect();
    (!names.is_empty()).then_some(names)
}

/// A failure while streaming rows into COPY.
enum CopyFailure {
    Read(rusqlite::Error),
    Write(std::io::Error),
}

fn copy_rows(
    source: &rusqlite::Connection,
    table: &str,
    select: &[String],
    writer: &mut impl std::io::Write,
) -> Result<u64, CopyFailure> {
    let sql = format!("SELECT {} FROM \"{table}\"", select.join(", "));
    let mut stmt = source.prepare(&sql).map_err(CopyFailure::Read)?;
    let mut rows = stmt.query([]).map_err(CopyFailure::Read)?;
    let mut line = String::new();
    let mut n = 0;
    while let Some(row) = rows.next().map_err(CopyFailure::Read)? {
        line.clear();
        for i in 0..select.len() {
            if i > 0 {
                line.push('\t');
            }
            match row.get_ref(i).map_err(CopyFailure::Read)? {
                ValueRef::Null => line.push_str("\\N"),
                ValueRef::Integer(v) => line.push_str(&v.to_string()),
                ValueRef::Real(v) => line.push_str(&format!("{v:?}")),
                ValueRef::Text(t) | ValueRef::Blob(t) => escape_into(&String::from_utf8_lossy(t), &mut line),
            }
        }
        line.push('\n');
        writer.write_all(line.as_bytes()).map_err(CopyFailure::Write)?;
        n += 1;
    }
    Ok(n)
}

/// `text` in COPY's text format.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape_into;

    #[test]
    fn copy_text_escapes() {
        let mut out = String::new();
        escape_into("a\tb\\c\nd\re\0", &mut out);
        assert_eq!(out, "a\\tb\\\\c\\nd\\re");
    }
}
