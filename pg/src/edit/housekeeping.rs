//! Endpoint housekeeping on PostgreSQL: deleting an endpoint with all its data, and merging one endpoint into
//! another, with the rows and answers of `fmd_core`'s SQLite functions (core/src/store/housekeeping.rs).
//!
//! Each is one transaction that starts by locking the endpoint rows `FOR UPDATE` (in id order): a recorder
//! writing to them waits (its own check locks them `FOR KEY SHARE`) until the change is committed, then finds
//! the endpoint gone and creates it again, so no request ever lands on a deleted endpoint and the deletion
//! never fails on a request written meanwhile. Recorders of other endpoints, and all readers, go on.

use std::time::Instant;

use fmd_core::store::{DeletedRows, EndpointDeletion, EndpointMerge};
use fmd_core::StoreError;
use postgres::types::ToSql;

use super::prune::{count_doomed, delete_code_lines, delete_doomed, delete_exception_orphans};
use super::prune::{Doomed, Names};
use super::Failure;
use crate::views::bind::fmd_text;
use crate::PgStore;

impl PgStore {
    /// Counts what [`PgStore::delete_endpoint`] would delete (its requests with their outliers, stack lines and
    /// exception occurrences, then the CodeLines and exception rows left unreferenced), deleting nothing, in one
    /// read-only snapshot (works on a reader).
    pub fn endpoint_deletion_preview(&self, name: &str) -> Result<DeletedRows, StoreError> {
        let tables = self.tables.clone();
        let mut unknown = None;
        let counted = self.read_snapshot(|tx| {
            let id = match self.endpoint_id_in(tx, name, false) {
                Ok(id) => id,
                Err(Failure::Pg(e)) => return Err(e),
                Err(Failure::Store(e)) => {
                    unknown = Some(e);
                    return Ok(DeletedRows::default());
                }
            };
            let n = Names::of(tx, &tables)?;
            count_doomed(tx, &n, &Doomed::Endpoint(id))
        })?;
        match unknown {
            Some(e) => Err(e),
            None => Ok(counted),
        }
    }

    /// Deletes the endpoint called `name` with its requests and their outliers, stack lines and exception
    /// occurrences, then CodeLines and exception rows left unreferenced, in one transaction.
    pub fn delete_endpoint(&self, name: &str) -> Result<EndpointDeletion, StoreError> {
        let started = Instant::now();
        let t = self.tables.clone();
        let (id, deleted) = self.in_transaction(|tx| {
            let id = self.endpoint_id_in(tx, name, true)?;
            let mut deleted = DeletedRows::default();
            let doomed = format!("SELECT r.id FROM {} r WHERE r.endpoint_id = $1::int4", t.request);
            delete_doomed(tx, &t, &doomed, &[&id], &mut deleted)?;
            tx.execute(&format!("DELETE FROM {} WHERE id = $1::int4", t.endpoint), &[&id])?;
            delete_code_lines(tx, &t, &mut deleted)?;
            delete_exception_orphans(tx, &t, &mut deleted)?;
            Ok((id, deleted))
        })?;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(EndpointDeletion {
            endpoint_id: i64::from(id),
            endpoint_name: name.to_string(),
            deleted,
            batches: 1,
            longest_batch_ms: elapsed_ms,
            elapsed_ms,
        })
    }

    /// Moves every request of endpoint `from` to endpoint `into`, then deletes `from`, in one transaction.
    /// `into` keeps its monitoring level and gets the later `last_requested` and the earlier `time_added` of
    /// both (with the `version_added` that goes with that `time_added`). Fails when either endpoint is missing
    /// or both are the same.
    pub fn merge_endpoints(&self, from: &str, into: &str) -> Result<EndpointMerge, StoreError> {
        let started = Instant::now();
        if from == into {
            return Err(StoreError::SameEndpoint { path: self.location_path(), name: from.to_string() });
        }
        let (e, r) = (self.tables.endpoint.clone(), self.tables.request.clone());
        let (from_id, into_id, moved, times) = self.in_transaction(|tx| {
            // Both rows locked in id order (recorders lock theirs in id order too: no deadlock).
            let (from_id, into_id) = loop {
                let from_id = self.endpoint_id_in(tx, from, false)?;
                let into_id = self.endpoint_id_in(tx, into, false)?;
                let ids = vec![from_id, into_id];
                let locked = tx
                    .query(&format!("SELECT id FROM {e} WHERE id = ANY($1::int4[]) ORDER BY id FOR UPDATE"), &[&ids])?;
                if locked.len() == 2 {
                    break (from_id, into_id);
                }
                // One went meanwhile: look again (an unknown name ends the loop with its error).
            };
            let ids: [&(dyn ToSql + Sync); 2] = [&from_id, &into_id];
            let moved =
                tx.execute(&format!("UPDATE {r} SET endpoint_id = $2::int4 WHERE endpoint_id = $1::int4"), &ids)?;
            tx.execute(
                &format!(
                    "UPDATE {e} SET last_requested = greatest({e}.last_requested, f.last_requested), \
                     time_added = least({e}.time_added, f.time_added), \
                     version_added = CASE WHEN f.time_added IS NOT NULL AND \
                         ({e}.time_added IS NULL OR f.time_added < {e}.time_added) \
                         THEN f.version_added ELSE {e}.version_added END \
                     FROM (SELECT last_requested, time_added, version_added FROM {e} WHERE id = $1::int4) AS f \
                     WHERE {e}.id = $2::int4"
                ),
                &ids,
            )?;
            tx.execute(&format!("DELETE FROM {e} WHERE id = $1::int4"), &[&from_id])?;
            let row =
                tx.query_one(&format!("SELECT time_added, last_requested FROM {e} WHERE id = $1::int4"), &[&into_id])?;
            let times: (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) = (row.get(0), row.get(1));
            Ok((from_id, into_id, moved, times))
        })?;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(EndpointMerge {
            from_id: i64::from(from_id),
            from_name: from.to_string(),
            into_id: i64::from(into_id),
            into_name: into.to_string(),
            requests_moved: moved,
            time_added: times.0.map(fmd_text),
            last_requested: times.1.map(fmd_text),
            batches: 1,
            longest_batch_ms: elapsed_ms,
            elapsed_ms,
        })
    }
}
