//! The storage seam's open side: one database, whichever backend holds it (a SQLite file, a PostgreSQL server),
//! as the console and the web dashboard use it: readers for the views ([`Reader`]), short-lived editors for
//! levels, housekeeping and the dashboard's users ([`Editor`]), opened through a [`Backend`].
//!
//! * [`Reader`]: the dashboard layer's reads ([`ViewSource`]) plus what a long-running front-end needs around
//!   them: a change counter to keep answers while nothing was written, the accelerators a backend keeps
//!   current (SQLite's summary tables), a way to stop a query the user no longer waits for, and the users a
//!   login checks.
//! * [`Editor`]: the changes a user asks for (levels, deleting and merging endpoints, pruning, users).
//! * [`Backend`]: opens either; [`SqliteBackend`] for a file. `fmd_pg` implements the three for PostgreSQL.
//!
//! The traits name the inherent methods each backend already has (same names and signatures), so each
//! implementation is delegation only.

mod sqlite;

use std::time::Duration;

use crate::dashboard::ViewSource;
use crate::store::{
    DeletedRows, EndpointDeletion, EndpointLevel, EndpointMerge, PruneOptions, PruneReport, SummaryStatus, Tables,
    User, WriteBatch,
};
use crate::StoreError;

pub use sqlite::SqliteBackend;

/// Stops the query running on a reader's connection from another thread (the console's `Esc`).
pub type Interrupter = Box<dyn Fn() + Send + Sync>;

/// A connection for reading: every view, plus what a front-end that stays open needs.
pub trait Reader: ViewSource + Send {
    /// The database as it may be printed (a file's path; a server URL without its password).
    fn location(&self) -> String;

    /// The table names in use (their prefix).
    fn tables(&self) -> &Tables;

    /// A number that moves whenever another connection commits a change (answers read at one value stay
    /// true while it holds).
    fn data_version(&self) -> Result<i64, StoreError>;

    /// Brings the backend's accelerators up to date with what recorders wrote, spending about `budget`
    /// (SQLite's summary tables; a backend without any answers `None`). A read-only database or another
    /// process doing the same is not an error: the views answer without them.
    fn catch_up(&self, budget: Duration) -> Result<Option<SummaryStatus>, StoreError>;

    /// Where the accelerators stand (`None`: the backend keeps none).
    fn accelerator_status(&self) -> Result<Option<SummaryStatus>, StoreError>;

    /// Stops this connection's running query from another thread, if the backend can.
    fn interrupter(&self) -> Option<Interrupter>;

    /// What deleting endpoint `name` would delete (a dry run).
    fn endpoint_deletion_preview(&self, name: &str) -> Result<DeletedRows, StoreError>;

    /// What `options` would prune (run with `dry_run`), or prunes when `options.dry_run` is false (only on an
    /// editor's connection).
    fn prune(&self, options: &PruneOptions) -> Result<PruneReport, StoreError>;

    /// The dashboard's users (FMD's User table), by name.
    fn list_users(&self) -> Result<Vec<User>, StoreError>;

    /// The user called `name` (case-sensitive, as FMD compares).
    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError>;

    /// The user with id `id`.
    fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError>;
}

/// A connection that may change the database: what users change from the console, the web and the CLI.
pub trait Editor: Reader {
    /// Sets endpoint `name`'s monitoring level (0-3); recorders pick it up at their next poll.
    fn set_level(&self, name: &str, level: u8) -> Result<(), StoreError>;

    /// Deletes endpoint `name` with its requests and everything hanging off them.
    fn delete_endpoint(&self, name: &str) -> Result<EndpointDeletion, StoreError>;

    /// Moves every request of `from` to `into`, then deletes `from`.
    fn merge_endpoints(&self, from: &str, into: &str) -> Result<EndpointMerge, StoreError>;

    /// Adds a dashboard user with an already hashed password; returns its id.
    fn add_user(&self, name: &str, password_hash: &str, is_admin: bool) -> Result<i64, StoreError>;

    /// Replaces user `id`'s password hash.
    fn set_password(&self, id: i64, password_hash: &str) -> Result<(), StoreError>;

    /// Grants or withdraws user `id`'s admin right.
    fn set_admin(&self, id: i64, is_admin: bool) -> Result<(), StoreError>;

    /// Removes user `id`.
    fn remove_user(&self, id: i64) -> Result<(), StoreError>;
}

/// What a bulk writer needs (`fmd generate`, the demo's history): endpoints made sure of, batches of requests
/// with what hangs off them written in one transaction each.
pub trait Writer {
    /// The endpoint called `name`, created at `level` if it is new (`version` and `now_micros` as its first
    /// request's).
    fn ensure_endpoint(
        &self,
        name: &str,
        level: u8,
        version: &str,
        now_micros: i64,
    ) -> Result<EndpointLevel, StoreError>;

    /// Writes `batch` in one transaction.
    fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError>;
}

/// One database: opens readers and editors on it, from any thread.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// The database as it may be printed (never a password).
    fn location(&self) -> String;

    /// What kind of database this is, for people: `"SQLite file"`, `"PostgreSQL database"`.
    fn kind(&self) -> &'static str;

    /// A new reading connection (a read-only one where the backend has them).
    fn reader(&self) -> Result<Box<dyn Reader>, StoreError>;

    /// A new connection that may change the database.
    fn editor(&self) -> Result<Box<dyn Editor>, StoreError>;
}

/// Implements [`Reader`] and [`Editor`] for `$backend` through its inherent methods of the same names
/// (`location`, `tables`, `data_version`, `catch_up`, `accelerator_status` and `interrupter` included).
#[macro_export]
macro_rules! delegate_editor {
    ($backend:ty) => {
        impl $crate::backend::Reader for $backend {
            fn location(&self) -> String {
                <$backend>::location(self).to_string()
            }
            fn tables(&self) -> &$crate::store::Tables {
                <$backend>::tables(self)
            }
            fn data_version(&self) -> Result<i64, $crate::StoreError> {
                <$backend>::data_version(self)
            }
            fn catch_up(
                &self,
                budget: std::time::Duration,
            ) -> Result<Option<$crate::store::SummaryStatus>, $crate::StoreError> {
                <$backend>::catch_up(self, budget)
            }
            fn accelerator_status(&self) -> Result<Option<$crate::store::SummaryStatus>, $crate::StoreError> {
                <$backend>::accelerator_status(self)
            }
            fn interrupter(&self) -> Option<$crate::backend::Interrupter> {
                <$backend>::interrupter(self)
            }
            fn endpoint_deletion_preview(&self, name: &str) -> Result<$crate::store::DeletedRows, $crate::StoreError> {
                <$backend>::endpoint_deletion_preview(self, name)
            }
            fn prune(
                &self,
                options: &$crate::store::PruneOptions,
            ) -> Result<$crate::store::PruneReport, $crate::StoreError> {
                <$backend>::prune(self, options)
            }
            fn list_users(&self) -> Result<Vec<$crate::store::User>, $crate::StoreError> {
                <$backend>::list_users(self)
            }
            fn user_by_name(&self, name: &str) -> Result<Option<$crate::store::User>, $crate::StoreError> {
                <$backend>::user_by_name(self, name)
            }
            fn user_by_id(&self, id: i64) -> Result<Option<$crate::store::User>, $crate::StoreError> {
                <$backend>::user_by_id(self, id)
            }
        }
        impl $crate::backend::Editor for $backend {
            fn set_level(&self, name: &str, level: u8) -> Result<(), $crate::StoreError> {
                <$backend>::set_level(self, name, level)
            }
            fn delete_endpoint(&self, name: &str) -> Result<$crate::store::EndpointDeletion, $crate::StoreError> {
                <$backend>::delete_endpoint(self, name)
            }
            fn merge_endpoints(
                &self,
                from: &str,
                into: &str,
            ) -> Result<$crate::store::EndpointMerge, $crate::StoreError> {
                <$backend>::merge_endpoints(self, from, into)
            }
            fn add_user(&self, name: &str, password_hash: &str, is_admin: bool) -> Result<i64, $crate::StoreError> {
                <$backend>::add_user(self, name, password_hash, is_admin)
            }
            fn set_password(&self, id: i64, password_hash: &str) -> Result<(), $crate::StoreError> {
                <$backend>::set_password(self, id, password_hash)
            }
            fn set_admin(&self, id: i64, is_admin: bool) -> Result<(), $crate::StoreError> {
                <$backend>::set_admin(self, id, is_admin)
            }
            fn remove_user(&self, id: i64) -> Result<(), $crate::StoreError> {
                <$backend>::remove_user(self, id)
            }
        }
    };
}

/// Implements [`Writer`] for `$backend` through its inherent `ensure_endpoint` and `write`.
#[macro_export]
macro_rules! delegate_writer {
    ($backend:ty) => {
        impl $crate::backend::Writer for $backend {
            fn ensure_endpoint(
                &self,
                name: &str,
                level: u8,
                version: &str,
                now_micros: i64,
            ) -> Result<$crate::store::EndpointLevel, $crate::StoreError> {
                <$backend>::ensure_endpoint(self, name, level, version, now_micros)
            }
            fn write(&mut self, batch: &$crate::store::WriteBatch) -> Result<(), $crate::StoreError> {
                <$backend>::write(self, batch)
            }
        }
    };
}
