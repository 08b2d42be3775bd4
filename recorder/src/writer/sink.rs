//! What the writer needs from a database, whichever backend holds it.
//!
//! * [`Sink`]: an open connection: endpoints on first sight, the level poll, the durations outlier thresholds
//!   are seeded from, and batches (requests, incidents, `last_requested`, counters) in one transaction each.
//! * [`Database`]: the database the recorder was pointed at: opening and reopening its connection, and (SQLite
//!   only) noticing that the file was deleted or replaced under it.
//!
//! SQLite's [`Store`] (database.rs) and, with the `postgres` feature, fmd-pg's `PgStore` (postgres.rs)
//! implement both through the same method names; [`Target`] says which one the configuration chose.

use std::path::{Path, PathBuf};
#[cfg(feature = "postgres")]
use std::time::Duration;

use fmd_core::store::{CodeLineCache, DurationStats, EndpointLevel, WriteBatch};
use fmd_core::{ErrorKind, Store, StoreError};

/// An open connection, as the writer uses it.
pub(crate) trait Sink {
    /// The endpoint called `name`, created with `level` and `version` when new.
    fn ensure_endpoint(
        &self,
        name: &str,
        level: u8,
        version: &str,
        now_micros: i64,
    ) -> Result<EndpointLevel, StoreError>;
    /// Every endpoint with its level (the level poll).
    fn endpoint_levels(&self) -> Result<Vec<EndpointLevel>, StoreError>;
    /// Every endpoint's all-time count and mean duration.
    fn endpoint_duration_stats(&self) -> Result<Vec<DurationStats>, StoreError>;
    /// Commits one batch, all of it or nothing.
    fn write_cached(&mut self, batch: &WriteBatch, cache: &mut CodeLineCache) -> Result<(), StoreError>;
}

/// Implements [`Sink`] by calling the store's inherent methods of the same names.
macro_rules! sink_by_delegation {
    ($store:ty) => {
        impl Sink for $store {
            fn ensure_endpoint(
                &self,
                name: &str,
                level: u8,
                version: &str,
                now_micros: i64,
            ) -> Result<EndpointLevel, StoreError> {
                <$store>::ensure_endpoint(self, name, level, version, now_micros)
            }
            fn endpoint_levels(&self) -> Result<Vec<EndpointLevel>, StoreError> {
                <$store>::endpoint_levels(self)
            }
            fn endpoint_duration_stats(&self) -> Result<Vec<DurationStats>, StoreError> {
                <$store>::endpoint_duration_stats(self)
            }
            fn write_cached(&mut self, batch: &WriteBatch, cache: &mut CodeLineCache) -> Result<(), StoreError> {
                <$store>::write_cached(self, batch, cache)
            }
        }
    };
}

sink_by_delegation!(Store);
#[cfg(feature = "postgres")]
sink_by_delegation!(fmd_pg::PgStore);

/// What the periodic file check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileCheck {
    /// Still the file that was opened (or nothing is open, or the database is not a file).
    Same,
    /// The path no longer exists.
    Deleted,
    /// The path now names another file.
    Replaced,
}

/// The database a recorder writes, and its connection when open.
pub(crate) trait Database {
    /// Where the database is, as logs show it (a path, or a URL without its password).
    fn location(&self) -> &Path;
    /// True when a connection is open.
    fn is_open(&self) -> bool;
    /// Opens (creating tables when missing) and tunes a new connection, closing the old one first.
    fn open(&mut self) -> Result<(), StoreError>;
    /// Drops the connection (it is reopened at the next attempt).
    fn close(&mut self);
    /// The open connection, if any.
    fn sink(&mut self) -> Option<&mut dyn Sink>;
    /// Compares the database file with the one that was opened (a server's database cannot be replaced).
    fn check_file(&self) -> FileCheck {
        FileCheck::Same
    }
    /// Closes the connection to a database file that was deleted or replaced (and cleans up after it).
    fn abandon(&mut self) {
        self.close();
    }
}

/// Which database the configuration chose.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A SQLite file (`database.path`).
    Sqlite(PathBuf),
    /// A PostgreSQL database (`database.url`).
    #[cfg(feature = "postgres")]
    Postgres {
        /// The URL, with the password from wherever the configuration gave it (boxed: it is large).
        url: Box<fmd_pg::PgUrl>,
        /// The writer's statement time limit.
        statement_timeout: Duration,
    },
    /// A database this build cannot write (a malformed URL, PostgreSQL without the `postgres` feature):
    /// every attempt fails with `problem`, so records are kept, retried and counted like any fault's.
    Unusable {
        /// Where it is, as it may be printed.
        location: PathBuf,
        /// Why it cannot be written.
        problem: String,
    },
}

impl Target {
    /// Where the database is, as logs and [`Recorder::database`](crate::Recorder::database) show it.
    pub(crate) fn location(&self) -> PathBuf {
        match self {
            Target::Sqlite(path) => path.clone(),
            #[cfg(feature = "postgres")]
            Target::Postgres { url, .. } => PathBuf::from(url.location()),
            Target::Unusable { location, .. } => location.clone(),
        }
    }

    /// True for a SQLite file.
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self, Target::Sqlite(_))
    }

    /// The database, not open yet.
    pub(crate) fn database(&self, prefix: &str) -> Box<dyn Database> {
        match self {
            Target::Sqlite(path) => Box::new(super::database::SqliteDatabase::new(path.clone(), prefix.to_string())),
            #[cfg(feature = "postgres")]
            Target::Postgres { url, statement_timeout } => {
                Box::new(super::postgres::PgDatabase::new(url, prefix.to_string(), *statement_timeout))
            }
            Target::Unusable { location, problem } => {
                Box::new(Unusable { location: location.clone(), problem: problem.clone() })
            }
        }
    }
}

/// A database that cannot be written: every open fails.
struct Unusable {
    location: PathBuf,
    problem: String,
}

impl Database for Unusable {
    fn location(&self) -> &Path {
        &self.location
    }
    fn is_open(&self) -> bool {
        false
    }
    fn open(&mut self) -> Result<(), StoreError> {
        Err(StoreError::Backend {
            location: self.location.display().to_string(),
            kind: ErrorKind::Invalid,
            message: self.problem.clone(),
        })
    }
    fn close(&mut self) {}
    fn sink(&mut self) -> Option<&mut dyn Sink> {
        None
    }
}
