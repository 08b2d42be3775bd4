//! Writes, as `fmd_core`'s SQLite `Store` makes them (core/src/store/write.rs, same signatures and meaning):
//! endpoints on first sight, batches of requests in one transaction each, levels, recorder counters, and the
//! per-endpoint durations a recorder seeds its outlier thresholds from.
//!
//! A batch is one transaction: its endpoints checked (and locked `FOR KEY SHARE`, so a console cannot delete
//! them before commit), its Request rows in one `unnest` insert, then its outliers, exceptions and call trees
//! with their requests' new ids, this recorder's counters, and last the endpoints' `last_requested` (one row
//! update per endpoint, in id order, so that writers sharing endpoints wait for each other only from there to
//! commit and never deadlock).

mod incidents;
mod profiles;
mod requests;
mod values;

use std::path::PathBuf;

use fmd_core::store::{CodeLineCache, DurationStats, EndpointLevel, WriteBatch};
use fmd_core::StoreError;
use postgres::error::SqlState;
use postgres::types::Type;
use postgres::{GenericClient, Transaction};

#[doc(hidden)]
pub use requests::RequestInsert;
use values::{fit, int4, timestamp, NAME_CHARS, SHORT_CHARS};

use crate::{error, schema, PgStore};

/// The statement time limit a recorder's writer sets on its connection.
pub const RECORDER_STATEMENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn level_of(value: Option<i32>) -> Option<u8> {
    value.filter(|l| (0..=3).contains(l)).map(|l| l as u8)
}

/// What a batch's transaction found.
enum Outcome {
    Written,
    /// Endpoint ids that are gone (or now carry another name), ascending; nothing was written.
    Gone(Vec<i64>),
}

impl PgStore {
    /// The database as a path-like value, for the `StoreError` variants that name one.
    fn as_path(&self) -> PathBuf {
        PathBuf::from(&self.location)
    }

    /// Returns the endpoint called `name`, creating it with `level` and `version` when it is new. Two processes
    /// creating the same endpoint at once both get the one row.
    pub fn ensure_endpoint(
        &self,
        name: &str,
        level: u8,
        version: &str,
        now_micros: i64,
    ) -> Result<EndpointLevel, StoreError> {
        let ep = &self.tables.endpoint;
        let stored = fit(name, NAME_CHARS);
        let stored: &str = &stored;
        let version = fit(version, SHORT_CHARS);
        let lookup = format!("SELECT id, monitor_level FROM {ep} WHERE name = $1");
        let row = self.with(|client| {
            if let Some(row) = client.query_opt(&lookup, &[&stored])? {
                return Ok(row);
            }
            client.execute(
                &format!(
                    "INSERT INTO {ep} (name, monitor_level, time_added, version_added) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (name) DO NOTHING"
                ),
                &[&stored, &i32::from(level), &timestamp(now_micros), &&*version],
            )?;
            client.query_one(&lookup, &[&stored])
        })?;
        Ok(EndpointLevel { id: i64::from(row.get::<_, i32>(0)), name: name.to_string(), level: level_of(row.get(1)) })
    }

    /// Every endpoint with its level, by id.
    pub fn endpoint_levels(&self) -> Result<Vec<EndpointLevel>, StoreError> {
        let sql = format!("SELECT id, name, monitor_level FROM {} ORDER BY id", self.tables.endpoint);
        let rows = self.with(|client| client.query(&sql, &[]))?;
        Ok(rows
            .iter()
            .map(|r| EndpointLevel { id: i64::from(r.get::<_, i32>(0)), name: r.get(1), level: level_of(r.get(2)) })
            .collect())
    }

    /// Sets the monitoring level of the endpoint called `name`; running recorders pick it up.
    pub fn set_level(&self, name: &str, level: u8) -> Result<(), StoreError> {
        let level = i32::from(level.min(3));
        let stored = fit(name, NAME_CHARS);
        let sql = format!("UPDATE {} SET monitor_level = $1 WHERE name = $2", self.tables.endpoint);
        let changed = self.with(|client| client.execute(&sql, &[&level, &&*stored]))?;
        if changed == 0 {
            return Err(StoreError::UnknownEndpoint { path: self.as_path(), name: name.to_string() });
        }
        Ok(())
    }

    /// Commits a batch in one transaction: all of it or nothing. The requests are inserted first, then the
    /// outliers, exceptions and call trees that reference them (by position in `batch.requests`) get their
    /// row ids.
    ///
    /// Every endpoint id the batch references (its requests' and its `last_requested` updates') is checked inside
    /// the transaction first: when one no longer exists, or no longer has the name `batch.endpoint_names` gives
    /// it, nothing is written and the error is [`StoreError::EndpointsGone`].
    pub fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError> {
        self.write_cached(batch, &mut CodeLineCache::default())
    }

    /// [`write`](Self::write) with the writer's cache of CodeLine ids, as on SQLite. PostgreSQL resolves all of a
    /// batch's code lines in one query, so the cache is neither read nor filled here.
    pub fn write_cached(&mut self, batch: &WriteBatch, cache: &mut CodeLineCache) -> Result<(), StoreError> {
        let _ = cache;
        self.write_with(batch, RequestInsert::Unnest)
    }

    /// [`write`](Self::write) with the Request rows inserted `how` (for the measurement that chose the way).
    #[doc(hidden)]
    pub fn write_with(&mut self, batch: &WriteBatch, how: RequestInsert) -> Result<(), StoreError> {
        let t = self.tables.clone();
        let mut client = self.client.borrow_mut();
        let outcome = (|| -> Result<Outcome, postgres::Error> {
            let mut tx = client.transaction()?;
            let missing = missing_endpoints(&mut tx, &t.endpoint, batch, true)?;
            if !missing.is_empty() {
                return Ok(Outcome::Gone(missing)); // dropping the transaction rolls it back
            }
            let with_ids = !batch.outliers.is_empty() || !batch.exceptions.is_empty() || !batch.profiles.is_empty();
            let ids = requests::insert(&mut tx, &t.request, batch, with_ids, how)?;
            incidents::insert_outliers(&mut tx, &t, &batch.outliers, &ids)?;
            incidents::insert_exceptions(&mut tx, &t, &batch.exceptions, &ids)?;
            profiles::insert(&mut tx, &t, &batch.profiles, &ids)?;
            if let Some(c) = &batch.counters {
                tx.execute_typed(
                    &format!(
                        "INSERT INTO {} (recorder_id, host, pid, started, last_seen, recorded, dropped, failed) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (recorder_id) DO UPDATE SET \
                         last_seen = excluded.last_seen, recorded = excluded.recorded, dropped = excluded.dropped, \
                         failed = excluded.failed",
                        t.recorder
                    ),
                    &[
                        (&&*values::clean(&c.recorder_id), Type::TEXT),
                        (&&*values::clean(&c.host), Type::TEXT),
                        (&i64::from(c.pid), Type::INT8),
                        (&timestamp(c.started_micros), Type::TIMESTAMP),
                        (&chrono::Utc::now().naive_utc(), Type::TIMESTAMP),
                        (&(c.recorded as i64), Type::INT8),
                        (&(c.dropped as i64), Type::INT8),
                        (&(c.failed as i64), Type::INT8),
                    ],
                )?;
            }
            touch_endpoints(&mut tx, &t.endpoint, &batch.last_requested)?;
            tx.commit()?;
            Ok(Outcome::Written)
        })();
        let missing = match outcome {
            Ok(Outcome::Written) => return Ok(()),
            Ok(Outcome::Gone(missing)) => missing,
            // An endpoint deleted between the check and a row referring to it (the check's lock prevents this;
            // kept as the backstop): name the endpoints that are gone.
            Err(e) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => {
                match missing_endpoints(&mut *client, &t.endpoint, batch, false) {
                    Ok(missing) if !missing.is_empty() => missing,
                    _ => return Err(error::wrap(&self.location, &e)),
                }
            }
            Err(e) => return Err(error::wrap(&self.location, &e)),
        };
        Err(StoreError::EndpointsGone { path: self.as_path(), ids: missing })
    }

    /// Tunes this connection for a recorder's writer thread: a statement time limit of
    /// [`RECORDER_STATEMENT_TIMEOUT`], so a stuck server or lock turns into an error the writer retries
    /// instead of a writer that hangs.
    pub fn tune_for_recorder(&self) -> Result<(), StoreError> {
        self.tune_for_recorder_with(RECORDER_STATEMENT_TIMEOUT)
    }

    /// [`tune_for_recorder`](Self::tune_for_recorder) with another statement time limit (at least 1 ms).
    pub fn tune_for_recorder_with(&self, statement_timeout: std::time::Duration) -> Result<(), StoreError> {
        let ms = statement_timeout.as_millis().max(1).to_string();
        self.with(|client| client.execute("SELECT set_config('statement_timeout', $1, false)", &[&ms])).map(|_| ())
    }

    /// True when the database has fmd's recorder counters table (databases written only by Python FMD have
    /// none, so their losses are unknown rather than zero).
    pub fn has_recorder_counters(&self) -> Result<bool, StoreError> {
        let name = format!("{}fmd_recorder", self.tables.prefix());
        self.with(|client| schema::table_exists(client, &name))
    }

    /// Records dropped (queue full) and lost (database faults) by every recorder that wrote this database.
    /// Databases written only by Python FMD have no such table and report zero.
    pub fn recorder_losses(&self) -> Result<(u64, u64), StoreError> {
        if !self.has_recorder_counters()? {
            return Ok((0, 0));
        }
        let sql = format!(
            "SELECT coalesce(sum(dropped), 0)::int8, coalesce(sum(failed), 0)::int8 FROM {}",
            self.tables.recorder
        );
        let row = self.with(|client| client.query_one(&sql, &[]))?;
        let (d, f): (i64, i64) = (row.get(0), row.get(1));
        Ok((d.max(0) as u64, f.max(0) as u64))
    }

    /// Every endpoint's all-time request count and mean duration (what FMD's cache loads at startup).
    pub fn endpoint_duration_stats(&self) -> Result<Vec<DurationStats>, StoreError> {
        let t = &self.tables;
        let sql = format!(
            "SELECT e.id, e.name, s.n, s.mean FROM (SELECT endpoint_id, count(*) AS n, avg(duration) AS mean \
             FROM {} GROUP BY endpoint_id) s JOIN {} e ON e.id = s.endpoint_id ORDER BY e.id",
            t.request, t.endpoint
        );
        let rows = self.with(|client| client.query(&sql, &[]))?;
        Ok(rows
            .iter()
            .map(|r| DurationStats {
                endpoint_id: i64::from(r.get::<_, i32>(0)),
                name: r.get(1),
                count: r.get::<_, i64>(2).max(0) as u64,
                mean_ms: r.get::<_, Option<f64>>(3).unwrap_or(0.0),
            })
            .collect())
    }
}

/// The endpoint ids `batch` references that are not in the `Endpoint` table, or no longer carry the name
/// `batch.endpoint_names` gives them (as stored: cut to the column's length), ascending. With `lock`, the rows
/// found are locked `FOR KEY SHARE` until the transaction ends, so they cannot be deleted before it commits.
fn missing_endpoints(
    client: &mut impl GenericClient,
    endpoint: &str,
    batch: &WriteBatch,
    lock: bool,
) -> Result<Vec<i64>, postgres::Error> {
    let mut ids: Vec<i64> = Vec::new();
    for id in batch.requests.iter().map(|r| r.endpoint_id).chain(batch.last_requested.iter().map(|(id, _)| *id)) {
        if ids.last() != Some(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Ok(ids);
    }
    ids.sort_unstable();
    ids.dedup();
    let wanted: Vec<i32> = ids.iter().filter_map(|&id| i32::try_from(id).ok()).collect();
    let rows = client.query_typed(
        &format!(
            "SELECT id, name FROM {endpoint} WHERE id = ANY($1::int4[]) ORDER BY id{}",
            if lock { " FOR KEY SHARE" } else { "" }
        ),
        &[(&wanted, Type::INT4_ARRAY)],
    )?;
    let found: Vec<(i64, String)> = rows.iter().map(|r| (i64::from(r.get::<_, i32>(0)), r.get(1))).collect();
    let mut names: Vec<(i64, &str)> = batch.endpoint_names.iter().map(|(id, name)| (*id, &**name)).collect();
    names.sort_unstable();
    let mut missing = Vec::new();
    for id in ids {
        let expected = names.binary_search_by_key(&id, |(id, _)| *id).ok().map(|at| names[at].1);
        let still_there = match (found.binary_search_by_key(&id, |(id, _)| *id), expected) {
            (Err(_), _) => false,
            (Ok(_), None) => true,
            (Ok(at), Some(name)) => found[at].1 == fit(name, NAME_CHARS),
        };
        if !still_there {
            missing.push(id);
        }
    }
    Ok(missing)
}

/// Raises `Endpoint.last_requested` (never lowers it), one row at a time in ascending id order.
fn touch_endpoints(tx: &mut Transaction<'_>, endpoint: &str, times: &[(i64, i64)]) -> Result<(), postgres::Error> {
    if times.is_empty() {
        return Ok(());
    }
    let mut latest: Vec<(i64, i64)> = times.to_vec();
    latest.sort_unstable();
    // Keep each endpoint's latest time (the last of its run after sorting).
    latest.reverse();
    latest.dedup_by_key(|(id, _)| *id);
    latest.reverse();
    let update = format!(
        "UPDATE {endpoint} SET last_requested = $2 WHERE id = $1 AND (last_requested IS NULL OR last_requested < $2)"
    );
    for (id, micros) in latest {
        tx.execute_typed(&update, &[(&int4(id), Type::INT4), (&timestamp(micros), Type::TIMESTAMP)])?;
    }
    Ok(())
}
