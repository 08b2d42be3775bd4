//! The changes a user asks for on PostgreSQL (deleting and merging endpoints, pruning, the dashboard's users)
//! and what a long-running front-end needs around its reads (a change counter, a way to stop a query), as
//! inherent methods of [`PgStore`] with `fmd_core::Store`'s names, signatures and answers, so that
//! `fmd_core::delegate_editor!` makes [`PgStore`] a `fmd_core::backend::{Reader, Editor}`.
//!
//! * `housekeeping`: [`PgStore::endpoint_deletion_preview`], [`PgStore::delete_endpoint`],
//!   [`PgStore::merge_endpoints`].
//! * `prune`: [`PgStore::prune`], batched as on SQLite.
//! * `users`: FMD's `{p}User` table.
//! * `version`: [`PgStore::data_version`], and why it is the server's transaction snapshot.
//!
//! `catch_up` and `accelerator_status` answer `None`: PostgreSQL keeps no summary tables (its views read the
//! requests on their indexes). [`PgStore::interrupter`] cancels the running statement through the server
//! (`pg_cancel_backend`'s protocol message, from another thread); the connection stays usable.

mod housekeeping;
mod prune;
mod users;
mod version;

use std::path::PathBuf;
use std::time::Duration;

use fmd_core::backend::Interrupter;
use fmd_core::store::SummaryStatus;
use fmd_core::StoreError;
use postgres::GenericClient;

use crate::{error, PgStore};

fmd_core::delegate_editor!(PgStore);

/// `Endpoint.name` is a `VARCHAR(250)`: recorders store longer names cut to this (as `set_level` finds them).
const NAME_CHARS: usize = 250;

/// A failure inside an edit's transaction: the server's, or one of fmd's own answers (unknown endpoint, ...).
pub(crate) enum Failure {
    /// The server or client failed.
    Pg(postgres::Error),
    /// fmd refused (the transaction is rolled back).
    Store(StoreError),
}

impl From<postgres::Error> for Failure {
    fn from(e: postgres::Error) -> Failure {
        Failure::Pg(e)
    }
}

impl PgStore {
    /// The database as a path-like value, for the `StoreError` variants that name one.
    pub(crate) fn location_path(&self) -> PathBuf {
        PathBuf::from(&self.location)
    }

    /// Runs `f` in one read-write transaction, committed when it succeeds (rolled back otherwise).
    pub(crate) fn in_transaction<T>(
        &self,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let mut client = self.client.borrow_mut();
        let outcome = (|| -> Result<T, Failure> {
            let mut tx = client.transaction()?;
            let value = f(&mut tx)?;
            tx.commit()?;
            Ok(value)
        })();
        outcome.map_err(|failure| match failure {
            Failure::Pg(e) => error::wrap(&self.location, &e),
            Failure::Store(e) => e,
        })
    }

    /// The id of the endpoint called `name` (as stored: cut to the column's length), locked `FOR UPDATE` when
    /// `lock` (recorders then wait to write to it until the transaction ends), or [`StoreError::UnknownEndpoint`].
    pub(crate) fn endpoint_id_in(
        &self,
        client: &mut impl GenericClient,
        name: &str,
        lock: bool,
    ) -> Result<i32, Failure> {
        let unknown = || Failure::Store(StoreError::UnknownEndpoint { path: self.location_path(), name: name.into() });
        if name.contains('\0') {
            return Err(unknown()); // PostgreSQL's text cannot hold it, so no endpoint has it
        }
        let stored: String = name.chars().take(NAME_CHARS).collect();
        let sql = format!(
            "SELECT id FROM {} WHERE name = $1::text{}",
            self.tables.endpoint,
            if lock { " FOR UPDATE" } else { "" }
        );
        let row = client.query_opt(&sql, &[&stored])?.ok_or_else(unknown)?;
        Ok(row.get(0))
    }

    /// No accelerators to bring up to date on PostgreSQL: always `None`.
    pub fn catch_up(&self, budget: Duration) -> Result<Option<SummaryStatus>, StoreError> {
        let _ = budget;
        Ok(None)
    }

    /// PostgreSQL keeps no accelerators: always `None`.
    pub fn accelerator_status(&self) -> Result<Option<SummaryStatus>, StoreError> {
        Ok(None)
    }

    /// Cancels the statement this connection is running, from any thread (the server answers it with
    /// SQLSTATE 57014, a [`fmd_core::ErrorKind::Timeout`]); the connection stays usable afterwards.
    pub fn interrupter(&self) -> Option<Interrupter> {
        let token = self.client.try_borrow().ok()?.cancel_token();
        Some(Box::new(move || {
            let _ = token.cancel_query(postgres::NoTls);
        }))
    }
}
