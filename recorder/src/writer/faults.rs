//! Database faults: what kind of problem an error is, and logging once per fault episode.
//!
//! An episode starts with the first failure after a success and ends with the next success. Within it the
//! writer logs one warning (again only if the kind of problem changes, e.g. a missing directory becomes a
//! read-only file), and one line when it recovers, so a database that stays broken for hours does not flood
//! the service's log.

use std::path::Path;
use std::time::Instant;

use fmd_core::{ErrorKind, StoreError};

/// What is wrong with the database, as far as the recorder can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// The parent directory of the database file does not exist.
    MissingDirectory,
    /// SQLite cannot open the file (permissions, a directory in the way, ...).
    CannotOpen,
    /// The file (or its directory) is read-only.
    ReadOnly,
    /// Another connection holds the write lock beyond the busy timeout.
    Locked,
    /// The file is not a SQLite database, or is corrupt.
    NotADatabase,
    /// The disk (or quota) is full.
    DiskFull,
    /// The file was written by a newer fmd.
    NewerSchema,
    /// An I/O error.
    Io,
    /// The database server cannot be reached, or the connection was lost.
    Unreachable,
    /// The database server refused the connection (authentication, permissions).
    Refused,
    /// A statement ran past the server's time limit.
    Timeout,
    /// Anything else.
    Other,
}

impl FaultKind {
    /// Classifies a store error for the database at `path`, by its backend-neutral [`ErrorKind`].
    pub(crate) fn of(error: &StoreError, path: &Path) -> FaultKind {
        if error.is_cannot_open() {
            return if parent_missing(path) { FaultKind::MissingDirectory } else { FaultKind::CannotOpen };
        }
        if error.is_io() {
            return FaultKind::Io;
        }
        match error.kind() {
            ErrorKind::Busy => FaultKind::Locked,
            ErrorKind::ReadOnly => FaultKind::ReadOnly,
            ErrorKind::Corrupt => FaultKind::NotADatabase,
            ErrorKind::Full => FaultKind::DiskFull,
            ErrorKind::Newer => FaultKind::NewerSchema,
            ErrorKind::Unreachable => FaultKind::Unreachable,
            ErrorKind::Refused => FaultKind::Refused,
            ErrorKind::Timeout => FaultKind::Timeout,
            // Two FMD table sets in one file: nothing the recorder may pick between.
            ErrorKind::Invalid if matches!(error, StoreError::AmbiguousPrefix { .. }) => FaultKind::NotADatabase,
            // A file that cannot be opened was told apart above; endpoints deleted meanwhile are no fault of the file.
            ErrorKind::Gone | ErrorKind::Invalid | ErrorKind::Other => FaultKind::Other,
        }
    }

    /// True when the connection stays usable (only contention); otherwise it is closed and reopened.
    pub(crate) fn keeps_connection(self) -> bool {
        self == FaultKind::Locked
    }

    /// A short description of the problem.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            FaultKind::MissingDirectory => "its directory does not exist",
            FaultKind::CannotOpen => "the file cannot be opened",
            FaultKind::ReadOnly => "the file is read-only",
            FaultKind::Locked => "the database is locked by another process",
            FaultKind::NotADatabase => "the file is not a usable SQLite database (corrupt or of another kind)",
            FaultKind::DiskFull => "the disk is full",
            FaultKind::NewerSchema => "the file was written by a newer fmd",
            FaultKind::Io => "an I/O error occurred",
            FaultKind::Unreachable => "the database server cannot be reached",
            FaultKind::Refused => "the database server refused the connection",
            FaultKind::Timeout => "a statement ran past the server's time limit",
            FaultKind::Other => "a database error occurred",
        }
    }
}

fn parent_missing(path: &Path) -> bool {
    path.parent().filter(|p| !p.as_os_str().is_empty()).is_some_and(|p| !p.is_dir())
}

#[derive(Debug)]
struct Episode {
    kind: FaultKind,
    since: Instant,
    failed_before: u64,
}

/// Logs faults once per episode and the recovery that ends it.
#[derive(Debug, Default)]
pub(crate) struct FaultLog {
    episode: Option<Episode>,
}

impl FaultLog {
    /// True between a failure and the next success.
    pub(crate) fn in_episode(&self) -> bool {
        self.episode.is_some()
    }

    /// Notes a failure; logs a warning when an episode starts or the kind of problem changes.
    pub(crate) fn fault(
        &mut self,
        kind: FaultKind,
        error: &StoreError,
        path: &Path,
        retry_capacity: usize,
        failed: u64,
    ) {
        match &mut self.episode {
            // A directory that appears between a failed open and its classification turns "missing
            // directory" into "cannot open": the same problem, so the same episode (logged once).
            Some(episode)
                if episode.kind == kind
                    || (episode.kind == FaultKind::MissingDirectory && kind == FaultKind::CannotOpen) =>
            {
                return
            }
            Some(episode) => episode.kind = kind,
            None => self.episode = Some(Episode { kind, since: Instant::now(), failed_before: failed }),
        }
        // StoreError's own text starts with the path; only SQLite's words add to the description.
        let detail = match error {
            StoreError::Sqlite { source, .. } => format!(" (SQLite: {source})"),
            StoreError::NewerSchema { found, .. } => format!(" (schema version {found})"),
            StoreError::Unusable { problem, .. } => format!(" ({problem})"),
            StoreError::Backend { message, .. } => format!(" ({message})"),
            _ => String::new(),
        };
        tracing::warn!(
            "fmd recorder: cannot write to {}: {}{detail}; requests are still served and counted, up to \
             {retry_capacity} records are kept and retried with backoff",
            path.display(),
            kind.describe()
        );
    }

    /// Notes a success; logs the recovery when it ends an episode.
    pub(crate) fn recovered(&mut self, path: &Path, failed: u64) {
        if let Some(episode) = self.episode.take() {
            let lost = failed.saturating_sub(episode.failed_before);
            tracing::info!(
                "fmd recorder: writing to {} again after {:.1} s ({}); {lost} records were given up meanwhile",
                path.display(),
                episode.since.elapsed().as_secs_f64(),
                episode.kind.describe()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_error(code: i32) -> StoreError {
        StoreError::Sqlite {
            path: "x.db".into(),
            source: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None),
        }
    }

    #[test]
    fn classifies_sqlite_codes() {
        let here = Path::new("x.db");
        assert_eq!(FaultKind::of(&sqlite_error(5), here), FaultKind::Locked);
        assert_eq!(FaultKind::of(&sqlite_error(8), here), FaultKind::ReadOnly);
        assert_eq!(FaultKind::of(&sqlite_error(13), here), FaultKind::DiskFull);
        assert_eq!(FaultKind::of(&sqlite_error(26), here), FaultKind::NotADatabase);
        assert_eq!(FaultKind::of(&sqlite_error(14), here), FaultKind::CannotOpen);
        let nowhere = Path::new("/definitely/not/here/x.db");
        assert_eq!(FaultKind::of(&sqlite_error(14), nowhere), FaultKind::MissingDirectory);
        assert_eq!(FaultKind::of(&StoreError::NotSqlite("x.db".into()), here), FaultKind::NotADatabase);
        let old =
            StoreError::Unusable { path: "x.db".into(), problem: "table \"Request\" has no column status_code".into() };
        assert_eq!(FaultKind::of(&old, here), FaultKind::NotADatabase);
        assert!(FaultKind::Locked.keeps_connection());
        assert!(!FaultKind::ReadOnly.keeps_connection());
    }

    #[test]
    fn one_episode_until_recovery() {
        let mut log = FaultLog::default();
        let path = Path::new("x.db");
        log.fault(FaultKind::ReadOnly, &sqlite_error(8), path, 10, 0);
        assert!(log.in_episode());
        log.fault(FaultKind::ReadOnly, &sqlite_error(8), path, 10, 3);
        log.recovered(path, 5);
        assert!(!log.in_episode());
    }

    #[test]
    fn a_directory_appearing_mid_episode_is_not_a_new_problem() {
        let mut log = FaultLog::default();
        let path = Path::new("dir/x.db");
        log.fault(FaultKind::MissingDirectory, &sqlite_error(14), path, 10, 0);
        log.fault(FaultKind::CannotOpen, &sqlite_error(14), path, 10, 0);
        assert_eq!(log.episode.as_ref().map(|e| e.kind), Some(FaultKind::MissingDirectory));
        log.fault(FaultKind::ReadOnly, &sqlite_error(8), path, 10, 0);
        assert_eq!(log.episode.as_ref().map(|e| e.kind), Some(FaultKind::ReadOnly), "another problem is new");
    }
}
