//! The FMD-compatible SQLite store.
//!
//! FMD 5.x's tables are created exactly as FMD creates them (same names with TABLE_PREFIX, same columns,
//! same two Request indexes), so FMD's web UI opens our files and we open FMD's. Beside them live fmd's own
//! tables, named `{prefix}fmd_*`: a schema version ([`schema::SCHEMA_VERSION`]), per-recorder counters and the
//! [`summary`] tables that make the console's views fast on large files.
//!
//! Connections use WAL and a busy timeout, so several recorder processes can write one file while consoles
//! read it. Readers never change a file fmd did not create or may not write: such files are opened read-only
//! (`mode=ro`, or `immutable=1` when even SQLite's WAL index cannot be created) and their summaries live in
//! fmd's cache ([`SummaryHome`]).

mod exceptions;
mod graphs;
mod housekeeping;
mod open;
mod outliers;
mod overview;
pub mod profiler;
mod profiles;
mod prune;
mod request_detail;
mod schema;
pub mod summary;
mod tables;
mod users;
mod validate;
pub mod views;
mod write;

use std::path::{Path, PathBuf};

pub use exceptions::{sha256_hex, ExceptionGroup, ExceptionStackFrame, NewException, NewFrame};
pub use graphs::{CustomGraph, CustomGraphValue, GraphPoint, GraphSeries, MAX_GRAPH_TITLE};
pub use housekeeping::{Batching, EndpointDeletion, EndpointMerge};
pub use open::detect_prefixes;
pub use outliers::{DurationStats, NewOutlier, OutlierRequest, OutlierRow};
pub use overview::{median, OverviewRow, Window};
pub use profiler::{CallLine, CallTree, CodeRef, GroupedLine, GroupedProfile, ProfiledPage, ProfiledRequest};
pub use profiles::{CodeLineCache, NewProfile, NewStackLine};
pub use prune::{DeletedRows, PruneOptions, PruneReport, PRUNE_BATCH_SIZE};
pub use request_detail::{RequestDetail, RequestException};
pub use schema::SCHEMA_VERSION;
pub use summary::{
    default_cache_dir, RefreshOptions, SummaryCache, SummaryHome, SummaryPolicy, SummaryState, SummaryStatus, Verify,
};
pub use tables::Tables;
pub use users::{check_username, User, MAX_USERNAME_CHARS};
pub use views::{DayRange, DurationSummary, TimeRange};
pub use write::{EndpointLevel, NewRequest, RecorderCounters, WriteBatch};

/// How long a connection waits for another writer's lock before giving up on a statement.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What went wrong with a database, always naming the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file does not exist (and we were asked not to create it).
    #[error("{0}: no such database file")]
    Missing(PathBuf),
    /// The file exists but is not a SQLite database.
    #[error("{0}: not a SQLite database (file is corrupt or of another kind)")]
    NotSqlite(PathBuf),
    /// The file is SQLite but holds no FMD tables.
    #[error("{0}: not an FMD database: {1}")]
    NotFmd(PathBuf, String),
    /// The path cannot be read as the FMD database fmd needs: a directory, an empty or unreadable file, or FMD
    /// tables without a table or column fmd reads (an older FMD's file). `problem` says which.
    #[error("{path}: {problem}")]
    Unusable {
        /// The file.
        path: PathBuf,
        /// What is wrong, e.g. `table "Request" has no column status_code`.
        problem: String,
    },
    /// More than one FMD table set is present and none was chosen.
    #[error("{path}: holds FMD tables with several prefixes ({found}); choose one with --table-prefix")]
    AmbiguousPrefix {
        /// The file.
        path: PathBuf,
        /// The prefixes found, quoted and comma separated.
        found: String,
    },
    /// fmd's schema version in the file is newer than this build understands.
    #[error(
        "{path}: written by a newer fmd (schema version {found}, this build reads up to {SCHEMA_VERSION}); upgrade fmd"
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: i64,
    },
    /// An endpoint name that is not in the database.
    #[error("{path}: no endpoint named {name:?}")]
    UnknownEndpoint {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
    },
    /// Merging an endpoint into itself.
    #[error("{path}: cannot merge endpoint {name:?} into itself")]
    SameEndpoint {
        /// The file.
        path: PathBuf,
        /// The endpoint named twice.
        name: String,
    },
    /// A username that is not in the database.
    #[error("{path}: no user named {name:?}")]
    UnknownUser {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
    },
    /// A user id that is not in the database.
    #[error("{path}: no user with id {id}")]
    UnknownUserId {
        /// The file.
        path: PathBuf,
        /// The id asked for.
        id: i64,
    },
    /// Adding a user whose name is taken.
    #[error("{path}: a user named {name:?} already exists")]
    DuplicateUser {
        /// The file.
        path: PathBuf,
        /// The name.
        name: String,
    },
    /// Removing the only admin user, or taking its admin flag.
    #[error("{path}: {name:?} is the only admin user; make another user admin first")]
    LastAdmin {
        /// The file.
        path: PathBuf,
        /// The admin's name.
        name: String,
    },
    /// A username [`check_username`] refuses.
    #[error("{path}: {problem}")]
    BadUsername {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A value to store as a password hash that is not one fmd can verify (never quoted: it may be a
    /// clear-text password).
    #[error("{path}: {source}")]
    BadPasswordHash {
        /// The file.
        path: PathBuf,
        /// Why it is not a hash.
        #[source]
        source: crate::password::PasswordError,
    },
    /// A write referenced endpoint ids that no longer exist, or now belong to another endpoint (deleted or
    /// merged away by another connection since the writer resolved them); nothing of the batch was written. Resolve the endpoints again
    /// ([`Store::ensure_endpoint`] re-creates them) and write the batch again.
    #[error("{path}: endpoint ids {ids:?} no longer exist (deleted or merged meanwhile)")]
    EndpointsGone {
        /// The file.
        path: PathBuf,
        /// The missing `Endpoint.id`s, ascending.
        ids: Vec<i64>,
    },
    /// A failure of a database server (PostgreSQL): `location` is the database as it may be shown (the URL
    /// without its password), `kind` what went wrong, `message` the server's or client's words.
    #[error("{location}: {message}")]
    Backend {
        /// The database, printable (never with a password).
        location: String,
        /// What kind of failure.
        kind: ErrorKind,
        /// What the server or client library said.
        message: String,
    },
    /// Any other SQLite failure.
    #[error("{path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

/// What kind of failure a [`StoreError`] is, the same for every backend, so callers (the recorder's fault
/// handling, the front-ends' messages) never look at a driver's own error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Contention: another connection holds a lock; trying again later works.
    Busy,
    /// The disk or quota is full.
    Full,
    /// The database may be read but not written.
    ReadOnly,
    /// The file or data is damaged, or not an FMD database of a layout fmd reads.
    Corrupt,
    /// The database, or something a write refers to, is gone (a missing file, endpoints deleted meanwhile).
    Gone,
    /// The server cannot be reached, or the connection was lost.
    Unreachable,
    /// The server refused: authentication, permissions.
    Refused,
    /// A statement ran past its time limit, or was cancelled.
    Timeout,
    /// A request for something that is not there (an unknown endpoint or user), or not allowed (the last admin).
    Invalid,
    /// Written by a newer fmd.
    Newer,
    /// Anything else.
    Other,
}

impl StoreError {
    /// True when the failure is transient contention (another process holds the lock).
    pub fn is_busy(&self) -> bool {
        self.kind() == ErrorKind::Busy
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        use rusqlite::ErrorCode as C;
        match self {
            StoreError::Missing(_) => ErrorKind::Gone,
            StoreError::NotSqlite(_) | StoreError::NotFmd(..) | StoreError::Unusable { .. } => ErrorKind::Corrupt,
            StoreError::AmbiguousPrefix { .. } => ErrorKind::Invalid,
            StoreError::NewerSchema { .. } => ErrorKind::Newer,
            StoreError::UnknownEndpoint { .. }
            | StoreError::SameEndpoint { .. }
            | StoreError::UnknownUser { .. }
            | StoreError::UnknownUserId { .. }
            | StoreError::DuplicateUser { .. }
            | StoreError::LastAdmin { .. }
            | StoreError::BadUsername { .. }
            | StoreError::BadPasswordHash { .. } => ErrorKind::Invalid,
            StoreError::EndpointsGone { .. } => ErrorKind::Gone,
            StoreError::Backend { kind, .. } => *kind,
            StoreError::Sqlite { source: rusqlite::Error::SqliteFailure(e, _), .. } => match e.code {
                C::DatabaseBusy | C::DatabaseLocked => ErrorKind::Busy,
                C::DiskFull => ErrorKind::Full,
                C::ReadOnly => ErrorKind::ReadOnly,
                C::NotADatabase | C::DatabaseCorrupt => ErrorKind::Corrupt,
                C::CannotOpen | C::NotFound => ErrorKind::Gone,
                C::PermissionDenied | C::AuthorizationForStatementDenied => ErrorKind::Refused,
                C::OperationInterrupted => ErrorKind::Timeout,
                _ => ErrorKind::Other,
            },
            StoreError::Sqlite { .. } => ErrorKind::Other,
        }
    }

    /// True when the database could not be opened at all (a missing directory or file, no permission), as
    /// opposed to a failure of an open connection; the recorder names the two differently.
    pub fn is_cannot_open(&self) -> bool {
        matches!(
            self,
            StoreError::Missing(_)
                | StoreError::Sqlite {
                    source: rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error {
                            code: rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied,
                            ..
                        },
                        _
                    ),
                    ..
                }
        )
    }

    /// True for an I/O failure of the disk under the database.
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error { code: rusqlite::ErrorCode::SystemIoFailure, .. },
                    _
                ),
                ..
            }
        )
    }
}

/// An open database: one SQLite connection plus the table names for its prefix.
pub struct Store {
    conn: rusqlite::Connection,
    path: PathBuf,
    tables: Tables,
    /// When views use fmd's summary tables (see [`summary`]).
    summary_policy: SummaryPolicy,
    /// The SQL of the multi-row Request inserts, built once per connection.
    insert_sql: write::InsertSql,
    /// Snapshots whose summaries were found consistent (see [`summary`]).
    checked: summary::Checked,
    /// Where the summary tables live: the file, or fmd's cache for files it must not change.
    home: SummaryHome,
    /// The `file:` URI that opens the file read-only as this store reads it (`mode=ro`, or `immutable=1`).
    source_uri: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).field("prefix", &self.tables.prefix()).finish()
    }
}

impl Store {
    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The table names in use.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Where this store's summary tables live (see [`summary`]): in the file for files fmd created and may write,
    /// else in fmd's cache (the file itself is then never changed).
    pub fn summary_home(&self) -> &SummaryHome {
        &self.home
    }

    /// The `file:` URI opening the file read-only the way this store reads it.
    pub(crate) fn source_uri(&self) -> &str {
        &self.source_uri
    }

    /// The underlying connection, for queries this crate does not wrap yet.
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.conn
    }

    /// SQLite's `data_version` of this connection: it changes when another connection (a recorder, a console
    /// changing a level, a summary refresh) has committed to the file since the last call. Equal values mean
    /// the file's content is unchanged, so an answer computed between them can be reused.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        summary::data_version(&self.conn).map_err(|e| self.wrap(e))
    }

    fn wrap(&self, source: rusqlite::Error) -> StoreError {
        open::classify(&self.path, source)
    }
}
