//! fmd's PostgreSQL store, the second backend behind `fmd_core`'s storage seam (SQLite is the first).
//!
//! FMD 5.1's tables exactly as Python FMD (SQLAlchemy + psycopg2) creates them on PostgreSQL (`timestamp without
//! time zone` in UTC, serial integer ids, the same constraints and the two Request indexes), so Python FMD and
//! fmd share one database both ways; fmd's own tables sit beside them as `{prefix}fmd_*`.
//!
//! * [`url`]: the database URL (`postgres://`, FMD's `postgresql+psycopg2://`), its password (URL, `PGPASSWORD`,
//!   a password file) and the printable location that never shows it.
//! * `testing` (feature `testing`): a throwaway database per test on the server `FMD_TEST_PG_URL` names.
//! * [`import`]: an FMD SQLite file's rows copied into PostgreSQL (moving a service's history, and the tests).
//! * `views`: the dashboard's reads (overview, hourly and daily load, versions, box plots, status codes,
//!   latency, ...) as inherent methods of [`PgStore`] with `fmd_core::Store`'s names, parameters and answers.
//! * `edit`: the changes users ask for (deleting, merging, pruning, users), the change counter and the
//!   interrupter: with `views`, [`PgStore`] is a `fmd_core::backend::{Reader, Editor}`.
//! * [`PgBackend`]: a PostgreSQL database as a `fmd_core::backend::Backend` (readers and editors on demand).
//! * [`error`]: PostgreSQL's failures as `fmd_core`'s [`StoreError`] with its backend-neutral kinds.

mod backend;
mod edit;
pub mod error;
pub mod import;
mod open;
mod report;
mod schema;
mod source;
#[cfg(feature = "testing")]
pub mod testing;
pub mod url;
mod views;
mod write;

use std::cell::RefCell;

use fmd_core::store::Tables;
use fmd_core::StoreError;

pub use backend::PgBackend;
pub use schema::PG_SCHEMA_VERSION;
pub use url::PgUrl;
#[doc(hidden)]
pub use write::RequestInsert;
pub use write::RECORDER_STATEMENT_TIMEOUT;

/// An open PostgreSQL database: one connection plus the table names for its prefix.
pub struct PgStore {
    client: RefCell<postgres::Client>,
    tables: Tables,
    location: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("location", &self.location).field("prefix", &self.tables.prefix()).finish()
    }
}

impl PgStore {
    /// Connects to `url` with the FMD tables of `prefix` (they are not created here).
    pub fn connect(url: &PgUrl, prefix: &str) -> Result<PgStore, StoreError> {
        let location = url.location();
        let client = url.config().connect(postgres::NoTls).map_err(|e| error::wrap(&location, &e))?;
        Ok(PgStore { client: RefCell::new(client), tables: Tables::new(prefix), location })
    }

    /// The database as it may be printed (the URL without its password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The table names in use (quoted identifiers, the same as on SQLite).
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Runs `f` with the connection, turning its error into a [`StoreError`] naming this database.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let mut client = self.client.borrow_mut();
        f(&mut client).map_err(|e| error::wrap(&self.location, &e))
    }
}
