//! Opening a database: for a recorder (create what is missing), for a reader (never create, validate,
//! detect the table prefix) and for an editor (existing file, read-write, e.g. to change levels).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{schema, Store, StoreError, Tables, BUSY_TIMEOUT, SCHEMA_VERSION};

/// Maps SQLite's errors to messages that name the file and the problem.
pub(super) fn classify(path: &Path, source: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(e, _) = &source {
        if e.code == ErrorCode::NotADatabase {
            return StoreError::NotSqlite(path.to_path_buf());
        }
    }
    StoreError::Sqlite { path: path.to_path_buf(), source }
}

fn tune(conn: &Connection, path: &Path, writable: bool) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| classify(path, e))?;
    if writable {
        // WAL lets consoles read while recorders write; NORMAL sync is durable across process crashes.
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(|e| classify(path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Another connection may hold the file in rollback mode; that still works, only slower.
            let _ = mode;
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL;").map_err(|e| classify(path, e))?;
    } else {
        // Touch the header so a non-SQLite file is reported now rather than at the first query.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
            .map_err(|e| classify(path, e))?;
    }
    Ok(())
}

/// The TABLE_PREFIXes of the FMD table sets in a database (a set = `{p}Endpoint` + `{p}Request`).
pub fn detect_prefixes(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT substr(r.name, 1, length(r.name) - 7) FROM sqlite_master r \
         JOIN sqlite_master e ON e.type = 'table' AND e.name = substr(r.name, 1, length(r.name) - 7) || 'Endpoint' \
         WHERE r.type = 'table' AND r.name LIKE '%Request' ORDER BY 1",
    )?;
    let prefixes = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(prefixes)
}

fn resolve_prefix(conn: &Connection, path: &Path, wanted: Option<&str>) -> Result<Tables, StoreError> {
    let found = detect_prefixes(conn).map_err(|e| classify(path, e))?;
    match wanted {
        Some(prefix) if found.iter().any(|p| p == prefix) => Ok(Tables::new(prefix)),
        Some(prefix) => Err(StoreError::NotFmd(
            path.to_path_buf(),
            if found.is_empty() {
                "no Endpoint/Request tables".to_string()
            } else {
                format!("no tables with prefix {prefix:?} (found prefixes: {})", quote_all(&found))
            },
        )),
        None => match found.as_slice() {
            [one] => Ok(Tables::new(one)),
            [] => Err(StoreError::NotFmd(path.to_path_buf(), "no Endpoint/Request tables".to_string())),
            many => Err(StoreError::AmbiguousPrefix { path: path.to_path_buf(), found: quote_all(many) }),
        },
    }
}

fn quote_all(prefixes: &[String]) -> String {
    prefixes.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", ")
}

fn check_version(conn: &Connection, path: &Path, tables: &Tables) -> Result<(), StoreError> {
    match schema::version(conn, tables).map_err(|e| classify(path, e))? {
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema { path: path.to_path_buf(), found }),
        _ => Ok(()),
    }
}

fn require_file(path: &Path) -> Result<(), StoreError> {
    super::validate::check_file(path)
}

impl Store {
    /// A store of an open, tuned connection, with the default summary policy.
    fn assemble(conn: Connection, path: PathBuf, tables: Tables) -> Store {
        Store {
            conn,
            path,
            tables,
            summary_policy: Default::default(),
            insert_sql: Default::default(),
            checked: Default::default(),
        }
    }

    /// Opens (creating if needed) a database for recording: WAL, busy timeout, every missing FMD and fmd
    /// table created. The parent directory must exist.
    pub fn open_writer(path: impl Into<PathBuf>, prefix: &str) -> Result<Store, StoreError> {
        let path = path.into();
        super::validate::check_writable_path(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| classify(&path, e))?;
        tune(&conn, &path, true)?;
        let tables = Tables::new(prefix);
        check_version(&conn, &path, &tables)?;
        schema::ensure(&conn, &tables).map_err(|e| classify(&path, e))?;
        super::validate::check_schema(&conn, &path, &tables)?;
        Ok(Store::assemble(conn, path, tables))
    }

    /// Opens an existing database read-only. Never creates a file. The prefix is `prefix`, or detected when
    /// the file holds exactly one FMD table set.
    pub fn open_reader(path: impl Into<PathBuf>, prefix: Option<&str>) -> Result<Store, StoreError> {
        let path = path.into();
        require_file(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| classify(&path, e))?;
        tune(&conn, &path, false)?;
        let tables = resolve_prefix(&conn, &path, prefix)?;
        check_version(&conn, &path, &tables)?;
        super::validate::check_schema(&conn, &path, &tables)?;
        Ok(Store::assemble(conn, path, tables))
    }

    /// Opens an existing FMD database for small edits (levels): read-write, never creating the file and
    /// never adding tables.
    pub fn open_editor(path: impl Into<PathBuf>, prefix: Option<&str>) -> Result<Store, StoreError> {
        let path = path.into();
        require_file(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| classify(&path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| classify(&path, e))?;
        tune(&conn, &path, false)?;
        let tables = resolve_prefix(&conn, &path, prefix)?;
        check_version(&conn, &path, &tables)?;
        super::validate::check_schema(&conn, &path, &tables)?;
        Ok(Store::assemble(conn, path, tables))
    }
}
