//! Opening a database: for a recorder (create what is missing), for a reader (never create, validate,
//! detect the table prefix) and for an editor (existing file, read-write, e.g. to change levels).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::summary::{self, SummaryCache, SummaryHome};
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

/// Opens `path` read-only, changing nothing: `mode=ro`, or `immutable=1` (no locks, no `-wal`/`-shm`
/// created) when `unlogged_wal` (a WAL file with no `-wal` beside it: no process has it open) or when SQLite
/// cannot even set up the WAL index (no `-shm` beside the file and a directory this process may not write).
/// Returns the connection, its URI and whether it is immutable.
fn open_read_only(path: &Path, unlogged_wal: bool) -> Result<(Connection, String, bool), StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let open = |uri: &str| -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(uri, flags).map_err(|e| classify(path, e))?;
        tune(&conn, path, false)?;
        Ok(conn)
    };
    let immutable = summary::uri(path, "mode=ro&immutable=1");
    if unlogged_wal {
        if let Ok(conn) = open(&immutable) {
            return Ok((conn, immutable, true));
        }
    }
    let uri = summary::uri(path, "mode=ro");
    match open(&uri) {
        Ok(conn) => Ok((conn, uri, false)),
        Err(StoreError::Sqlite { source: rusqlite::Error::SqliteFailure(e, m), .. })
            if matches!(e.code, ErrorCode::ReadOnly | ErrorCode::CannotOpen) =>
        {
            match open(&immutable) {
                Ok(conn) => Ok((conn, immutable, true)),
                Err(_) => Err(classify(path, rusqlite::Error::SqliteFailure(e, m))),
            }
        }
        Err(e) => Err(e),
    }
}

impl Store {
    /// A store of an open, tuned connection, with the default summary policy.
    fn assemble(conn: Connection, path: PathBuf, tables: Tables, home: SummaryHome, source_uri: String) -> Store {
        let tables = match home {
            SummaryHome::Cache(_) => tables.with_summaries_in(Some(summary::CACHE_SCHEMA)),
            _ => tables,
        };
        Store {
            conn,
            path,
            tables,
            summary_policy: Default::default(),
            insert_sql: Default::default(),
            checked: Default::default(),
            home,
            source_uri,
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
        let uri = summary::uri(&path, "mode=ro");
        super::validate::check_schema(&conn, &path, &tables)?;
        Ok(Store::assemble(conn, path, tables, SummaryHome::File, uri))
    }

    /// Opens an existing database read-only. Never creates a file, and never changes one. The prefix is
    /// `prefix`, or detected when the file holds exactly one FMD table set. Summaries of files fmd did not
    /// create or may not write live in the user's cache directory ([`SummaryCache::Default`]).
    pub fn open_reader(path: impl Into<PathBuf>, prefix: Option<&str>) -> Result<Store, StoreError> {
        Store::open_reader_with(path, prefix, &SummaryCache::Default)
    }

    /// [`Store::open_reader`] with the summaries of files it must not change kept in `cache`.
    pub fn open_reader_with(
        path: impl Into<PathBuf>,
        prefix: Option<&str>,
        cache: &SummaryCache,
    ) -> Result<Store, StoreError> {
        let path = path.into();
        require_file(&path)?;
        let unlogged = summary::unlogged_wal(&path);
        let (mut conn, mut uri, mut immutable) = open_read_only(&path, unlogged)?;
        let tables = resolve_prefix(&conn, &path, prefix)?;
        check_version(&conn, &path, &tables)?;
        if immutable && unlogged && summary::fmd_may_write(&conn, &path, &tables).map_err(|e| classify(&path, e))? {
            // fmd's own file, which a recorder may start writing at any moment: read it live.
            (conn, uri, immutable) = open_read_only(&path, false)?;
        }
        super::validate::check_schema(&conn, &path, &tables)?;
        let home = summary::decide_home(&conn, &path, &tables, cache, !immutable).map_err(|e| classify(&path, e))?;
        let store = Store::assemble(conn, path, tables, home, uri);
        if let SummaryHome::Cache(file) = &store.home {
            // A cache that cannot be read leaves the views direct.
            let _ = summary::attach_cache(&store, file);
        }
        Ok(store)
    }

    /// Opens an existing FMD database for small edits (levels): read-write, never creating the file and
    /// never adding tables.
    pub fn open_editor(path: impl Into<PathBuf>, prefix: Option<&str>) -> Result<Store, StoreError> {
        let path = path.into();
        require_file(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(summary::uri(&path, "mode=rw"), flags).map_err(|e| classify(&path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| classify(&path, e))?;
        tune(&conn, &path, false)?;
        let tables = resolve_prefix(&conn, &path, prefix)?;
        check_version(&conn, &path, &tables)?;
        // Where a reader keeps the summaries, so that edits which need them emptied reach them.
        let home = summary::decide_home(&conn, &path, &tables, &SummaryCache::Default, true)
            .map_err(|e| classify(&path, e))?;
        let uri = summary::uri(&path, "mode=ro");
        super::validate::check_schema(&conn, &path, &tables)?;
        Ok(Store::assemble(conn, path, tables, home, uri))
    }
}
