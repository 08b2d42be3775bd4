//! The destructive changes every front-end offers (the console's popups, the web's admin pages): deleting an
//! endpoint, merging one into another, pruning old requests. Each is previewed first ([`preview`]: a dry run
//! that counts what would go) and applied after the user confirmed ([`apply`]), with the same numbers and
//! words everywhere.

use chrono::{DateTime, Utc};

use std::path::PathBuf;

use crate::backend::{Editor, Reader};
use crate::store::{DeletedRows, PruneOptions};
use crate::StoreError;

/// The ages offered for pruning, with their length in days.
pub const PRUNE_AGES: [(&str, u32); 4] = [("30 days", 30), ("90 days", 90), ("180 days", 180), ("1 year", 365)];

/// A destructive change, always previewed and confirmed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Housekeeping {
    /// Delete an endpoint with its requests and what hangs off them.
    DeleteEndpoint {
        /// Endpoint name as stored.
        name: String,
    },
    /// Move every request of `from` to `into`, then delete `from`.
    MergeEndpoints {
        /// The endpoint that goes away.
        from: String,
        /// The endpoint that keeps the requests.
        into: String,
    },
    /// Delete requests recorded before `cutoff` (and what hangs off them).
    Prune {
        /// How the age was chosen (`90 days`, one of [`PRUNE_AGES`]).
        age: &'static str,
        /// Requests before this instant go (fixed when the preview was asked for, so the numbers match).
        cutoff: DateTime<Utc>,
        /// Keep custom graph data older than the cutoff.
        keep_custom_graphs: bool,
    },
}

/// Counts what `op` would delete (for a merge: the requests it would move, in `requests`) on `store` (a
/// reader is enough), whichever backend holds it.
pub fn preview(store: &dyn Reader, op: &Housekeeping) -> Result<DeletedRows, StoreError> {
    match op {
        Housekeeping::DeleteEndpoint { name } => store.endpoint_deletion_preview(name),
        Housekeeping::MergeEndpoints { from, into } => {
            if from == into {
                return Err(StoreError::SameEndpoint { path: PathBuf::from(store.location()), name: from.clone() });
            }
            if !store.endpoint_levels()?.iter().any(|l| &l.name == into) {
                return Err(StoreError::UnknownEndpoint { path: PathBuf::from(store.location()), name: into.clone() });
            }
            // Only the endpoint row goes; its requests move.
            let moved = store.endpoint_deletion_preview(from)?.requests;
            Ok(DeletedRows { requests: moved, ..DeletedRows::default() })
        }
        Housekeeping::Prune { cutoff, keep_custom_graphs, .. } => {
            let options =
                PruneOptions { dry_run: true, keep_custom_graphs: *keep_custom_graphs, ..PruneOptions::new(*cutoff) };
            store.prune(&options).map(|report| report.deleted)
        }
    }
}

/// Runs `op` on `editor` (a connection that may change the database, [`crate::backend::Backend::editor`]);
/// says what was done, numbers written with `count`.
pub fn apply(editor: &dyn Editor, op: &Housekeeping, count: impl Fn(u64) -> String) -> Result<String, StoreError> {
    match op {
        Housekeeping::DeleteEndpoint { name } => {
            let done = editor.delete_endpoint(name)?;
            Ok(format!(
                "deleted endpoint {name} with {} requests ({} rows in all)",
                count(done.deleted.requests),
                count(done.deleted.total())
            ))
        }
        Housekeeping::MergeEndpoints { from, into } => {
            let done = editor.merge_endpoints(from, into)?;
            Ok(format!("merged {from} into {into}: {} requests moved", count(done.requests_moved)))
        }
        Housekeeping::Prune { age, cutoff, keep_custom_graphs } => {
            let options = PruneOptions { keep_custom_graphs: *keep_custom_graphs, ..PruneOptions::new(*cutoff) };
            let report = editor.prune(&options)?;
            Ok(format!(
                "pruned {} requests older than {age} ({} rows in all)",
                count(report.deleted.requests),
                count(report.deleted.total())
            ))
        }
    }
}
