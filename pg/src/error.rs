//! PostgreSQL's failures as [`StoreError::Backend`] with `fmd_core`'s [`ErrorKind`]s, read from SQLSTATE codes
//! (and, for failures without one, from the client's own error).

use fmd_core::{ErrorKind, StoreError};
use postgres::error::SqlState;

/// The kind of a PostgreSQL failure.
pub fn kind(error: &postgres::Error) -> ErrorKind {
    let Some(code) = error.code() else {
        // No SQLSTATE: the connection could not be made or was lost (closed, or an I/O error such as
        // "Connection reset by peer" while the server restarts).
        return if error.is_closed() || error.to_string().contains("connect") || has_io_cause(error) {
            ErrorKind::Unreachable
        } else {
            ErrorKind::Other
        };
    };
    let class = &code.code()[..2];
    match class {
        "08" => ErrorKind::Unreachable,
        "28" => ErrorKind::Refused,
        "53" if *code == SqlState::DISK_FULL => ErrorKind::Full,
        "53" => ErrorKind::Busy,
        "57" if *code == SqlState::QUERY_CANCELED => ErrorKind::Timeout,
        "57" => ErrorKind::Unreachable,
        "40" | "55" => ErrorKind::Busy,
        "42" if *code == SqlState::INSUFFICIENT_PRIVILEGE => ErrorKind::Refused,
        "25" if *code == SqlState::READ_ONLY_SQL_TRANSACTION => ErrorKind::ReadOnly,
        "XX" => ErrorKind::Corrupt,
        _ => ErrorKind::Other,
    }
}

/// Whether an I/O error lies in `error`'s chain of causes.
fn has_io_cause(error: &postgres::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        if current.is::<std::io::Error>() {
            return true;
        }
        cause = current.source();
    }
    false
}

/// `error` as a [`StoreError`] naming `location` (which never holds a password).
pub fn wrap(location: &str, error: &postgres::Error) -> StoreError {
    let message = match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        // "error connecting to server" says little alone: add its cause ("Connection refused (os error 111)").
        None => match std::error::Error::source(error) {
            Some(cause) if !error.to_string().contains(&cause.to_string()) => format!("{error}: {cause}"),
            _ => error.to_string(),
        },
    };
    StoreError::Backend { location: location.to_string(), kind: kind(error), message }
}
