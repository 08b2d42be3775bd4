//! A PostgreSQL database as the writer's database (feature `postgres`): one connection per recorder, opened
//! with timeouts (connect, TCP, statements) so that a vanished server or a held lock turns into an error the
//! writer retries, never into a writer that hangs. A server's database cannot be deleted or replaced under
//! the connection as a file can, so there is no file check; a lost connection fails the next statement and
//! is reopened after the backoff.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fmd_core::StoreError;
use fmd_pg::{PgStore, PgUrl};

use super::sink::{Database, Sink};

/// How long opening a connection may take before it counts as a fault.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The database at a PostgreSQL URL and, when open, the writer's connection to it.
pub(crate) struct PgDatabase {
    url: PgUrl,
    location: PathBuf,
    prefix: String,
    statement_timeout: Duration,
    store: Option<PgStore>,
}

impl PgDatabase {
    pub(crate) fn new(url: &PgUrl, prefix: String, statement_timeout: Duration) -> PgDatabase {
        PgDatabase {
            url: url.for_recorder(CONNECT_TIMEOUT, statement_timeout),
            location: PathBuf::from(url.location()),
            prefix,
            statement_timeout,
            store: None,
        }
    }
}

impl Database for PgDatabase {
    fn location(&self) -> &Path {
        &self.location
    }

    fn is_open(&self) -> bool {
        self.store.is_some()
    }

    fn open(&mut self) -> Result<(), StoreError> {
        self.close();
        let store = PgStore::open_writer(&self.url, &self.prefix)?;
        store.tune_for_recorder_with(self.statement_timeout)?;
        self.store = Some(store);
        Ok(())
    }

    fn close(&mut self) {
        self.store = None;
    }

    fn sink(&mut self) -> Option<&mut dyn Sink> {
        self.store.as_mut().map(|store| store as &mut dyn Sink)
    }
}
