//! Checks at open that a path is a database fmd can read: a regular, readable, non-empty file (before SQLite
//! opens it) whose FMD tables have every table and column fmd reads (after the prefix is known). A file
//! written by an older FMD (2.x has no `Request.status_code`, 3.x no exception tables) is refused with one
//! message naming what is missing, instead of failing later with SQL.

use std::io::ErrorKind;
use std::path::Path;

use rusqlite::Connection;

use super::{schema, StoreError, Tables};

/// FMD tables fmd never reads, so a file may lack them.
const UNREAD_TABLES: &[&str] = &["User", "TelemetryUser", "AlertFingerprint"];
/// FMD tables a file may lack entirely (older FMDs had no custom graphs; fmd then shows none), though when
/// present they need their columns.
const OPTIONAL_TABLES: &[&str] = &["CustomGraph", "CustomGraphData"];

fn unusable(path: &Path, problem: impl Into<String>) -> StoreError {
    StoreError::Unusable { path: path.to_path_buf(), problem: problem.into() }
}

/// A path to record into may be missing (it is created) but not a directory.
pub(super) fn check_writable_path(path: &Path) -> Result<(), StoreError> {
    if path.is_dir() {
        return Err(unusable(path, "is a directory, not a database file"));
    }
    Ok(())
}

/// The path must exist, be a regular file, be readable and not be empty.
pub(super) fn check_file(path: &Path) -> Result<(), StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(StoreError::Missing(path.to_path_buf())),
        Err(e) => return Err(unreadable(path, &e)),
    };
    if meta.is_dir() {
        return Err(unusable(path, "is a directory, not a database file"));
    }
    if !meta.is_file() {
        return Err(unusable(path, "is not a regular file (a device, socket or pipe), not a database file"));
    }
    std::fs::File::open(path).map_err(|e| unreadable(path, &e))?;
    if meta.len() == 0 {
        return Err(unusable(path, "is an empty file (0 bytes), not an FMD database"));
    }
    Ok(())
}

fn unreadable(path: &Path, e: &std::io::Error) -> StoreError {
    if e.kind() == ErrorKind::PermissionDenied {
        unusable(path, "cannot be read: permission denied")
    } else {
        unusable(path, format!("cannot be read: {e}"))
    }
}

/// Every FMD table fmd reads must exist with every column FMD 5.x gives it.
pub(super) fn check_schema(conn: &Connection, path: &Path, tables: &Tables) -> Result<(), StoreError> {
    let sqlite = |e| super::open::classify(path, e);
    // FMD's own DDL in an empty in-memory database says which tables and columns to expect.
    let expected = Connection::open_in_memory().map_err(sqlite)?;
    for ddl in schema::fmd_ddl(tables) {
        expected.execute_batch(&ddl).map_err(sqlite)?;
    }
    let prefix = tables.prefix();
    let mut problems = Vec::new();
    for table in table_names(&expected).map_err(sqlite)? {
        if UNREAD_TABLES.iter().any(|t| table == format!("{prefix}{t}")) {
            continue;
        }
        let found = columns(conn, &table).map_err(sqlite)?;
        if found.is_empty() {
            if !OPTIONAL_TABLES.iter().any(|t| table == format!("{prefix}{t}")) {
                problems.push(format!("table {table:?} is missing"));
            }
            continue;
        }
        let missing: Vec<String> =
            columns(&expected, &table).map_err(sqlite)?.into_iter().filter(|c| !found.contains(c)).collect();
        match missing.as_slice() {
            [] => {}
            [one] => problems.push(format!("table {table:?} has no column {one}")),
            many => problems.push(format!("table {table:?} has no columns {}", many.join(", "))),
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown = problems.len().min(3);
    let more = if problems.len() > shown { format!(" and {} more", problems.len() - shown) } else { String::new() };
    Err(unusable(
        path,
        format!(
            "not the FMD 5.x schema fmd reads: {}{more} (written by an FMD older than 5.x?)",
            problems[..shown].join("; ")
        ),
    ))
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?.collect();
    names
}

/// The column names of `table` in order (lowercase; SQLite's names are case-insensitive), empty when it does
/// not exist.
fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt.query_map([table], |r| r.get::<_, String>(0).map(|n| n.to_lowercase()))?.collect();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_error_is_named() {
        let e = unreadable(Path::new("x.db"), &std::io::Error::from(ErrorKind::PermissionDenied));
        assert_eq!(e.to_string(), "x.db: cannot be read: permission denied");
    }
}
