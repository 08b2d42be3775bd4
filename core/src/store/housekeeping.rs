//! Endpoint housekeeping: deleting an endpoint with all its data, and merging one endpoint into another
//! (e.g. after a route was renamed). Both work in short batched transactions like pruning
//! ([`super::prune`]), so recorders keep writing meanwhile, and need a read-write store
//! ([`Store::open_editor`]).
//!
//! A recorder that is still serving a deleted (or merged-away) endpoint notices at its next write (every
//! write checks its endpoint ids inside its transaction, see [`Store::write`]) and creates the endpoint
//! again: its later requests land on a new endpoint row of the same name, never on a dangling id.

use std::time::{Duration, Instant};

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::prune::{BulkDelete, DeletedRows, Doomed, Engine, PRUNE_BATCH_SIZE};
use super::{Store, StoreError};

/// Batch sizing for housekeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batching {
    /// Most rows one transaction changes (default 10,000, as FMD's pruning).
    pub batch_size: usize,
    /// Shrink batches whose transaction takes longer than this (default 50 ms); `None` keeps them fixed.
    pub batch_time_target: Option<Duration>,
}

impl Default for Batching {
    fn default() -> Self {
        Batching { batch_size: PRUNE_BATCH_SIZE, batch_time_target: Some(Duration::from_millis(50)) }
    }
}

/// What deleting an endpoint did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointDeletion {
    /// The deleted endpoint's id.
    pub endpoint_id: i64,
    /// Its name.
    pub endpoint_name: String,
    /// Rows deleted per table: its requests with their outliers, stack lines and exception occurrences, then
    /// the CodeLines and exception rows nothing references any more (as pruning cleans up).
    pub deleted: DeletedRows,
    /// Write transactions run.
    pub batches: u64,
    /// The longest write transaction, ms.
    pub longest_batch_ms: f64,
    /// Wall time, ms.
    pub elapsed_ms: f64,
}

/// What merging two endpoints did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointMerge {
    /// The endpoint merged away (deleted).
    pub from_id: i64,
    /// Its name.
    pub from_name: String,
    /// The endpoint that received the requests.
    pub into_id: i64,
    /// Its name.
    pub into_name: String,
    /// Requests re-pointed from `from` to `into`.
    pub requests_moved: u64,
    /// `into`'s `time_added` afterwards (the earlier of both), FMD text.
    pub time_added: Option<String>,
    /// `into`'s `last_requested` afterwards (the later of both), FMD text.
    pub last_requested: Option<String>,
    /// Write transactions run.
    pub batches: u64,
    /// The longest write transaction, ms.
    pub longest_batch_ms: f64,
    /// Wall time, ms.
    pub elapsed_ms: f64,
}

impl Store {
    fn endpoint_id(&self, name: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row(&format!("SELECT id FROM {} WHERE name = ?1", self.tables.endpoint), [name], |r| r.get(0))
            .optional()
            .map_err(|e| self.wrap(e))?
            .ok_or_else(|| StoreError::UnknownEndpoint { path: self.path.clone(), name: name.to_string() })
    }

    /// Counts what [`Store::delete_endpoint`] would delete (its requests with their outliers, stack lines and
    /// exception occurrences, then the CodeLines and exception rows left unreferenced), deleting nothing. Works
    /// on a read-only store; the counts are read in one transaction.
    pub fn endpoint_deletion_preview(&self, name: &str) -> Result<DeletedRows, StoreError> {
        let id = self.endpoint_id(name)?;
        let run = || -> rusqlite::Result<DeletedRows> {
            let mut engine = Engine::new(self, PRUNE_BATCH_SIZE, None)?;
            let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Deferred)?;
            engine.count_requests(&Doomed::Endpoint(id))?;
            engine.count_orphans(&Doomed::Endpoint(id))?;
            tx.finish()?;
            Ok(engine.deleted)
        };
        run().map_err(|e| self.wrap(e))
    }

    /// Deletes the endpoint called `name` with its requests and their outliers, stack lines and exception
    /// occurrences, then CodeLines and exception rows left unreferenced. The endpoint row goes in the same
    /// transaction as its last requests.
    pub fn delete_endpoint(&self, name: &str) -> Result<EndpointDeletion, StoreError> {
        self.delete_endpoint_with(name, &Batching::default(), |_, _| {})
    }

    /// [`Store::delete_endpoint`] with explicit batching, calling `progress(requests deleted, requests to
    /// delete)` after every batch.
    pub fn delete_endpoint_with(
        &self,
        name: &str,
        batching: &Batching,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<EndpointDeletion, StoreError> {
        let started = Instant::now();
        let id = self.endpoint_id(name)?;
        let endpoint = self.tables.endpoint.clone();
        let mut run = || -> rusqlite::Result<(DeletedRows, u64, Duration)> {
            let _tuning = BulkDelete::new(&self.conn)?;
            let mut engine = Engine::new(self, batching.batch_size, batching.batch_time_target)?;
            engine.delete_requests(&Doomed::Endpoint(id), &mut progress, &mut |tx| {
                tx.execute(&format!("DELETE FROM {endpoint} WHERE id = ?1"), [id]).map(|_| ())
            })?;
            engine.delete_code_lines()?;
            engine.delete_exception_orphans()?;
            Ok((engine.deleted, engine.batches, engine.longest))
        };
        let (deleted, batches, longest) = run().map_err(|e| self.wrap(e))?;
        Ok(EndpointDeletion {
            endpoint_id: id,
            endpoint_name: name.to_string(),
            deleted,
            batches,
            longest_batch_ms: longest.as_secs_f64() * 1000.0,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Moves every request of endpoint `from` to endpoint `into`, then deletes `from`. `into` keeps its
    /// monitoring level and gets the later `last_requested` and the earlier `time_added` of both (with the
    /// `version_added` that goes with that `time_added`). Fails when either endpoint is missing or both are
    /// the same.
    pub fn merge_endpoints(&self, from: &str, into: &str) -> Result<EndpointMerge, StoreError> {
        self.merge_endpoints_with(from, into, &Batching::default(), |_, _| {})
    }

    /// [`Store::merge_endpoints`] with explicit batching, calling `progress(requests moved, requests to move)`
    /// after every batch.
    pub fn merge_endpoints_with(
        &self,
        from: &str,
        into: &str,
        batching: &Batching,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<EndpointMerge, StoreError> {
        let started = Instant::now();
        if from == into {
            return Err(StoreError::SameEndpoint { path: self.path.clone(), name: from.to_string() });
        }
        let from_id = self.endpoint_id(from)?;
        let into_id = self.endpoint_id(into)?;
        let (e, r) = (self.tables.endpoint.clone(), self.tables.request.clone());
        let mut run = || -> rusqlite::Result<EndpointMerge> {
            let mut engine = Engine::new(self, batching.batch_size, batching.batch_time_target)?;
            let total: i64 =
                self.conn.query_row(&format!("SELECT count(*) FROM {r} WHERE endpoint_id = ?1"), [from_id], |row| {
                    row.get(0)
                })?;
            let total = total.max(0) as u64;
            progress(0, total);
            let mut moved = 0;
            loop {
                let (n, batch) = engine.write(|tx, batch| {
                    let n = tx.execute(
                        &format!(
                            "UPDATE {r} SET endpoint_id = ?2 WHERE id IN \
                             (SELECT id FROM {r} WHERE endpoint_id = ?1 LIMIT ?3)"
                        ),
                        params![from_id, into_id, batch as i64],
                    )? as u64;
                    if n < batch as u64 {
                        tx.execute(
                            &format!(
                                "UPDATE {e} SET \
                                 last_requested = max(coalesce({e}.last_requested, f.last_requested), \
                                                      coalesce(f.last_requested, {e}.last_requested)), \
                                 time_added = min(coalesce({e}.time_added, f.time_added), \
                                                  coalesce(f.time_added, {e}.time_added)), \
                                 version_added = CASE WHEN f.time_added IS NOT NULL AND \
                                     ({e}.time_added IS NULL OR f.time_added < {e}.time_added) \
                                     THEN f.version_added ELSE {e}.version_added END \
                                 FROM (SELECT last_requested, time_added, version_added FROM {e} WHERE id = ?1) AS f \
                                 WHERE {e}.id = ?2"
                            ),
                            params![from_id, into_id],
                        )?;
                        tx.execute(&format!("DELETE FROM {e} WHERE id = ?1"), [from_id])?;
                    }
                    Ok((n, batch as u64))
                })?;
                moved += n;
                if n > 0 {
                    progress(moved, total.max(moved));
                }
                if n < batch {
                    break;
                }
            }
            let (time_added, last_requested) = self.conn.query_row(
                &format!("SELECT time_added, last_requested FROM {e} WHERE id = ?1"),
                [into_id],
                |row| Ok((optional_text(row.get_ref(0)?), optional_text(row.get_ref(1)?))),
            )?;
            Ok(EndpointMerge {
                from_id,
                from_name: from.to_string(),
                into_id,
                into_name: into.to_string(),
                requests_moved: moved,
                time_added,
                last_requested,
                batches: engine.batches,
                longest_batch_ms: engine.longest.as_secs_f64() * 1000.0,
                elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            })
        };
        let merge = run().map_err(|e| self.wrap(e))?;
        // Requests changed endpoint in place, which the summaries' cheap checks cannot see: rebuild them.
        self.clear_summaries()?;
        Ok(merge)
    }
}

/// A column as text, `None` for NULL (other types are rendered as text).
fn optional_text(value: rusqlite::types::ValueRef<'_>) -> Option<String> {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => None,
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
    }
}
