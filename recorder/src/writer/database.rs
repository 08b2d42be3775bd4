//! A SQLite file as the writer's database: open, close, and noticing that the file was deleted or replaced under it.

use std::path::{Path, PathBuf};

use fmd_core::{Store, StoreError};

use super::sink::{Database, FileCheck, Sink};

/// Identity of the file at the database path (device and inode on Unix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

#[cfg(unix)]
fn file_id(path: &Path) -> std::io::Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    Ok(FileId { dev: meta.dev(), ino: meta.ino() })
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> std::io::Result<FileId> {
    std::fs::metadata(path).map(|_| FileId { dev: 0, ino: 0 })
}

/// The database file and, when open, its connection.
#[derive(Debug)]
pub(crate) struct SqliteDatabase {
    path: PathBuf,
    prefix: String,
    store: Option<Store>,
    opened: Option<FileId>,
    /// The `-wal` and `-shm` files that belonged to the opened database, with their identities.
    sidecars: Vec<(PathBuf, FileId)>,
}

impl SqliteDatabase {
    pub(crate) fn new(path: PathBuf, prefix: String) -> SqliteDatabase {
        SqliteDatabase { path, prefix, store: None, opened: None, sidecars: Vec::new() }
    }
}

impl Database for SqliteDatabase {
    fn location(&self) -> &Path {
        &self.path
    }

    fn sink(&mut self) -> Option<&mut dyn Sink> {
        self.store.as_mut().map(|store| store as &mut dyn Sink)
    }

    /// True when a connection is open.
    fn is_open(&self) -> bool {
        self.store.is_some()
    }

    /// Opens (creating file and tables when missing) and remembers which file it is.
    fn open(&mut self) -> Result<(), StoreError> {
        self.close();
        let store = Store::open_writer(&self.path, &self.prefix)?;
        store.tune_for_recorder()?;
        self.opened = file_id(&self.path).ok();
        self.sidecars = ["-wal", "-shm"]
            .iter()
            .filter_map(|suffix| {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                let path = PathBuf::from(name);
                file_id(&path).ok().map(|id| (path, id))
            })
            .collect();
        self.store = Some(store);
        Ok(())
    }

    /// Closes the connection to a database file that was deleted or replaced, and removes the `-wal` and
    /// `-shm` files that belonged to it when they are still the same files: SQLite would otherwise apply the
    /// old write-ahead log to whatever file now has the name, and corrupt it.
    fn abandon(&mut self) {
        let sidecars = std::mem::take(&mut self.sidecars);
        self.close();
        for (path, id) in sidecars {
            if file_id(&path).is_ok_and(|now| now == id) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// Drops the connection (it is reopened at the next attempt).
    fn close(&mut self) {
        self.store = None;
        self.opened = None;
        self.sidecars.clear();
    }

    /// Compares the file at the path with the one that was opened.
    fn check_file(&self) -> FileCheck {
        let Some(opened) = self.opened else {
            return FileCheck::Same;
        };
        match file_id(&self.path) {
            Ok(now) if now == opened => FileCheck::Same,
            Ok(_) => FileCheck::Replaced,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileCheck::Deleted,
            // Cannot tell (e.g. permissions changed): let the next write decide.
            Err(_) => FileCheck::Same,
        }
    }
}
