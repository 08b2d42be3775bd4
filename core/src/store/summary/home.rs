//! Where a file's summary tables live, and fmd's cache database for files it must not change.
//!
//! * **In the file** ([`SummaryHome::File`]): files fmd created (they hold `{prefix}fmd_meta`) that this process
//!   may write. The recorder creates the (empty) tables there; the console fills them.
//! * **In fmd's cache** ([`SummaryHome::Cache`]): every other file (Python FMD's own, or any file this process
//!   may not write: permissions, a read-only file system, a WAL file whose directory is not writable). The file
//!   is opened read-only and never changed; the summaries go to one SQLite file of fmd's per source file,
//!   `{cache}/summaries/{name}-{hash of the canonical path}.db` (the cache directory: `FMD_CACHE_DIR`, else
//!   `$XDG_CACHE_HOME/fmd`, else `~/.cache/fmd`), which is attached to the reader's connection as
//!   [`CACHE_SCHEMA`], so the summary SQL names its tables schema-qualified (`schema::Names`).
//! * **Nowhere** ([`SummaryHome::Nowhere`]): no cache directory can be written either; views answer directly.
//!
//! The cache keeps, per table prefix, the identity of the file its summaries describe: device and inode, and
//! the rowid and fingerprint of the first request. A file replaced at the same path (moved over, or rewritten
//! from its start) no longer matches: its cache is not attached and the next refresh drops and rebuilds it.
//! Every other change (rows added, deleted or rewritten) is caught by the summaries' own checks (mark
//! fingerprint, counts), as in the file.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, DatabaseName, OpenFlags, OptionalExtension};

use super::refresh::row_fingerprint;
use super::schema::Names;
use crate::store::{Store, Tables, BUSY_TIMEOUT};

/// The name under which the cache database is attached to a connection.
pub(crate) const CACHE_SCHEMA: &str = "fmd_cache";

/// Where a store's summary tables live (see the module docs of [`crate::store::summary`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryHome {
    /// Beside FMD's tables in the file itself (a file fmd created and may write).
    File,
    /// In this cache database of fmd's own; the file is never changed.
    Cache(PathBuf),
    /// Nowhere: the file must not be changed and no cache directory is writable; views answer directly.
    Nowhere,
}

/// Where a reader keeps the summaries of a file it must not change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SummaryCache {
    /// The user's cache directory ([`default_cache_dir`]).
    #[default]
    Default,
    /// This directory.
    Dir(PathBuf),
    /// No cache: such files are always answered directly.
    Off,
}

/// fmd's cache directory: `FMD_CACHE_DIR`, else `$XDG_CACHE_HOME/fmd`, else `~/.cache/fmd` (`%LOCALAPPDATA%\fmd`
/// on Windows). `None` when none of them is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("FMD_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
        return Some(dir.join("fmd"));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("fmd"));
    }
    var("HOME").map(|h| h.join(".cache").join("fmd"))
}

/// The cache database of `source` under `cache`: one per canonical path (several prefixes share it).
fn cache_file(cache: &SummaryCache, source: &Path) -> Option<PathBuf> {
    let dir = match cache {
        SummaryCache::Default => default_cache_dir()?,
        SummaryCache::Dir(dir) => dir.clone(),
        SummaryCache::Off => return None,
    };
    let canonical = std::fs::canonicalize(source).ok()?;
    let hash = crate::store::sha256_hex(&canonical.to_string_lossy());
    let stem: String = canonical
        .file_stem()
        .map(|s| s.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect())
        .unwrap_or_default();
    Some(dir.join("summaries").join(format!("{stem}-{}.db", hash.get(..16).unwrap_or(&hash))))
}

/// The `file:` URI of `path` (percent-encoded) with `query`, e.g. `mode=ro`.
pub(crate) fn uri(path: &Path, query: &str) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file:");
    if !text.starts_with('/') && path.is_absolute() {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

/// True when this process may write `path` without creating anything it cannot: the file opens read-write
/// (SQLite falls back to read-only for permissions and read-only file systems), and a WAL file either has its
/// `-wal` beside it or a directory where it can be created.
fn writable(path: &Path) -> bool {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(conn) = Connection::open_with_flags(path, flags) else { return false };
    if conn.is_readonly(DatabaseName::Main).unwrap_or(true) {
        return false;
    }
    drop(conn);
    if !is_wal(path) || sibling(path, "-wal").exists() {
        return true;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    dir_writable(dir)
}

/// True when the file's header says WAL (bytes 18 and 19 are 2).
fn is_wal(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)).is_ok() && header[18] == 2
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(unix)]
fn dir_writable(dir: &Path) -> bool {
    rustix::fs::access(dir, rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK).is_ok()
}

#[cfg(not(unix))]
fn dir_writable(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
}

/// Where the summaries of the file `path`, opened on `conn` with `tables`, live: in the file when fmd created
/// it and this process may write it (`may_write` false skips that: a file opened immutable), or when it may
/// not but the file's own summaries are complete and close enough to its end for the views to use them as
/// they are (read in place, never refreshed by this process); else in `cache`.
pub(crate) fn decide(
    conn: &Connection,
    path: &Path,
    tables: &Tables,
    cache: &SummaryCache,
    may_write: bool,
) -> rusqlite::Result<SummaryHome> {
    let own = crate::store::schema::table_exists(conn, &format!("{}fmd_meta", tables.prefix()))?;
    if own && ((may_write && writable(path)) || usable_in_place(conn, tables)?) {
        return Ok(SummaryHome::File);
    }
    Ok(cache_file(cache, path).map_or(SummaryHome::Nowhere, SummaryHome::Cache))
}

/// True when fmd created the file (it holds `{prefix}fmd_meta`) and this process may write it.
pub(crate) fn fmd_may_write(conn: &Connection, path: &Path, tables: &Tables) -> rusqlite::Result<bool> {
    Ok(crate::store::schema::table_exists(conn, &format!("{}fmd_meta", tables.prefix()))? && writable(path))
}

/// True for a WAL file with no `-wal` beside it: no process has it open, so it can be read immutable.
pub(crate) fn unlogged_wal(path: &Path) -> bool {
    is_wal(path) && !sibling(path, "-wal").exists()
}

/// True when the file's own summaries are of this format, complete up to their mark, and at most the default
/// [`super::SummaryPolicy::max_delta`] requests behind the file's end.
fn usable_in_place(conn: &Connection, tables: &Tables) -> rusqlite::Result<bool> {
    let Some(state) = super::schema::read_state(conn, &Names::new(tables))? else { return Ok(false) };
    if state.format != super::schema::FORMAT || state.mark <= 0 || state.pending.is_some() {
        return Ok(false);
    }
    let behind = super::refresh::max_rowid(conn, &tables.request)? - state.mark;
    Ok(u64::try_from(behind).is_ok_and(|b| b <= super::SummaryPolicy::default().max_delta))
}

/// The identity of the file as `conn` sees it: device, inode, and the first request's rowid and fingerprint.
fn identity(conn: &Connection, path: &Path, tables: &Tables) -> rusqlite::Result<[i64; 4]> {
    let (dev, ino) = file_id(path);
    let first: Option<i64> = conn.query_row(&format!("SELECT min(rowid) FROM {}", tables.request), [], |r| r.get(0))?;
    let first = first.unwrap_or(0);
    let fp = row_fingerprint(conn, &tables.request, first)?.unwrap_or(0);
    Ok([dev, ino, first, fp])
}

#[cfg(unix)]
fn file_id(path: &Path) -> (i64, i64) {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).map_or((0, 0), |m| (m.dev() as i64, m.ino() as i64))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> (i64, i64) {
    (0, 0)
}

fn source_table() -> String {
    format!("\"{CACHE_SCHEMA}\".\"fmd_cache_source\"")
}

/// The identity the cache recorded for `tables`' prefix (`None`: none yet).
fn recorded(conn: &Connection, tables: &Tables) -> rusqlite::Result<Option<[i64; 4]>> {
    let exists: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM \"{CACHE_SCHEMA}\".sqlite_master WHERE type = 'table' AND name = 'fmd_cache_source'"
        ),
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Ok(None);
    }
    conn.query_row(
        &format!("SELECT dev, ino, first_rowid, first_fp FROM {} WHERE prefix = ?1", source_table()),
        [tables.prefix()],
        |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]),
    )
    .optional()
}

/// A connection for building the cache of `store`'s file: the file read-only as `main` (as the store opened
/// it), the cache database read-write as [`CACHE_SCHEMA`] (created, in WAL mode). `None` when the cache
/// directory cannot be created.
pub(crate) fn open_cache(store: &Store, cache: &Path) -> rusqlite::Result<Option<Connection>> {
    if let Some(dir) = cache.parent() {
        if std::fs::create_dir_all(dir).is_err() {
            return Ok(None);
        }
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(store.source_uri(), flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute("ATTACH DATABASE ?1 AS fmd_cache", [uri(cache, "mode=rwc")])?;
    if conn.is_readonly(DatabaseName::Attached(CACHE_SCHEMA))? {
        return Ok(None);
    }
    conn.query_row(&format!("PRAGMA \"{CACHE_SCHEMA}\".journal_mode = WAL"), [], |r| r.get::<_, String>(0))?;
    conn.execute_batch(&format!("PRAGMA \"{CACHE_SCHEMA}\".synchronous = NORMAL"))?;
    Ok(Some(conn))
}

/// Makes the cache describe the file `conn`'s `main` holds now: when it recorded another file for this prefix,
/// its summary tables are dropped (the refresh creates and fills them anew). Run on [`open_cache`]'s
/// connection, in a write transaction.
pub(crate) fn claim(conn: &Connection, path: &Path, tables: &Tables) -> rusqlite::Result<()> {
    let now = identity(conn, path, tables)?;
    if recorded(conn, tables)? == Some(now) {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        if recorded(conn, tables)? == Some(now) {
            return Ok(());
        }
        let names = Names::new(tables);
        for table in names.data_tables().into_iter().chain([names.state.as_str()]) {
            conn.execute(&format!("DROP TABLE IF EXISTS {table}"), [])?;
        }
        conn.execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS {} (prefix TEXT NOT NULL PRIMARY KEY, path TEXT NOT NULL, dev INTEGER NOT NULL, \
                 ino INTEGER NOT NULL, first_rowid INTEGER NOT NULL, first_fp INTEGER NOT NULL)",
                source_table()
            ),
            [],
        )?;
        conn.execute(
            &format!(
                "INSERT OR REPLACE INTO {} (prefix, path, dev, ino, first_rowid, first_fp) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                source_table()
            ),
            params![tables.prefix(), path.to_string_lossy(), now[0], now[1], now[2], now[3]],
        )?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Attaches the cache `cache` to the store's own connection (read-only when the store is), unless it is
/// attached already, does not exist, or describes another file (then the next refresh rebuilds it).
pub(crate) fn attach(store: &Store, cache: &Path) -> rusqlite::Result<()> {
    let conn = store.connection();
    let attached: i64 =
        conn.query_row("SELECT count(*) FROM pragma_database_list WHERE name = ?1", [CACHE_SCHEMA], |r| r.get(0))?;
    if attached > 0 || !cache.is_file() {
        return Ok(());
    }
    conn.execute("ATTACH DATABASE ?1 AS fmd_cache", [uri(cache, "mode=ro")])?;
    let matches =
        identity(conn, store.path(), store.tables()).and_then(|now| Ok(recorded(conn, store.tables())? == Some(now)));
    if !matches.unwrap_or(false) {
        conn.execute_batch("DETACH DATABASE fmd_cache")?;
    }
    Ok(())
}

/// The connection a refresh (or a clear) of `store`'s summaries writes with: the store's own when it may
/// write them, a read-write one to the file for a read-only store of a file fmd may write, or one to fmd's
/// cache with the file read-only. `None` when nothing can be written.
pub(crate) fn writer_of(store: &Store) -> rusqlite::Result<Option<Writer<'_>>> {
    match store.summary_home() {
        SummaryHome::Nowhere => Ok(None),
        SummaryHome::Cache(cache) => Ok(open_cache(store, cache)?.map(Writer::Opened)),
        SummaryHome::File if store.conn.is_readonly(DatabaseName::Main)? => {
            Ok(super::refresh::open_rw(store.path())?.map(Writer::Opened))
        }
        SummaryHome::File => Ok(Some(Writer::Own(&store.conn))),
    }
}

/// A connection that writes the summaries.
pub(crate) enum Writer<'a> {
    /// The store's own.
    Own(&'a Connection),
    /// One opened for the purpose.
    Opened(Connection),
}

impl std::ops::Deref for Writer<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Writer::Own(c) => c,
            Writer::Opened(c) => c,
        }
    }
}
