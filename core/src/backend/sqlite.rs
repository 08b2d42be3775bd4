//! The SQLite file as a [`Backend`]: readers open it read-only (`mode=ro`), editors read-write, and the
//! summary tables are its accelerator.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Backend, Editor, Interrupter, Reader};
use crate::store::SummaryStatus;
use crate::{Store, StoreError};

/// A SQLite file with the FMD tables of one prefix (`None`: detected from the file).
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    path: PathBuf,
    prefix: Option<String>,
}

impl SqliteBackend {
    /// The file at `path`; nothing is opened until a reader or editor is asked for.
    pub fn new(path: impl Into<PathBuf>, prefix: Option<&str>) -> SqliteBackend {
        SqliteBackend { path: path.into(), prefix: prefix.map(str::to_string) }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Backend for SqliteBackend {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn kind(&self) -> &'static str {
        "SQLite file"
    }

    fn reader(&self) -> Result<Box<dyn Reader>, StoreError> {
        Ok(Box::new(Store::open_reader(&self.path, self.prefix.as_deref())?))
    }

    fn editor(&self) -> Result<Box<dyn Editor>, StoreError> {
        Ok(Box::new(Store::open_editor(&self.path, self.prefix.as_deref())?))
    }
}

/// The [`Reader`] methods a SQLite store has under other names.
impl Store {
    /// The file as it may be printed.
    pub fn location(&self) -> String {
        self.path().display().to_string()
    }

    /// [`Store::refresh_summaries_within`] `budget`, as [`Reader::catch_up`].
    pub fn catch_up(&self, budget: Duration) -> Result<Option<SummaryStatus>, StoreError> {
        self.refresh_summaries_within(budget, |_, _| {}).map(Some)
    }

    /// [`Store::summary_status`], as [`Reader::accelerator_status`].
    pub fn accelerator_status(&self) -> Result<Option<SummaryStatus>, StoreError> {
        self.summary_status().map(Some)
    }

    /// Interrupts the connection's running statement (SQLite's `sqlite3_interrupt`).
    pub fn interrupter(&self) -> Option<Interrupter> {
        let handle = self.connection().get_interrupt_handle();
        Some(Box::new(move || handle.interrupt()))
    }
}

crate::delegate_editor!(Store);
crate::delegate_writer!(Store);
