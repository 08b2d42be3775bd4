//! Writes: endpoints on first sight, batches of requests in one transaction, levels, recorder counters.

use rusqlite::types::ValueRef;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::exceptions::{self, NewException};
use super::outliers::{self, NewOutlier};
use super::profiles::{self, CodeLineCache, NewProfile};
use super::{schema, Store, StoreError};
use crate::timefmt;

/// One request row as the recorder hands it over (version is per batch).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    /// `Endpoint.id` of the matched endpoint.
    pub endpoint_id: i64,
    /// Handler time in milliseconds.
    pub duration_ms: f64,
    /// When the request was recorded, microseconds since the Unix epoch (UTC).
    pub time_micros: i64,
    /// The group-by value as FMD writes it (`"None"` when no group-by is configured).
    pub group_by: String,
    /// Client address.
    pub ip: String,
    /// HTTP status code.
    pub status_code: u16,
}

/// Per-recorder totals, stored in `{p}fmd_recorder` so consoles can show drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderCounters {
    /// Unique per recorder process (host, pid, start time).
    pub recorder_id: String,
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// When the recorder started (µs since epoch).
    pub started_micros: i64,
    /// Rows committed so far, this batch included.
    pub recorded: u64,
    /// Records dropped because the queue was full.
    pub dropped: u64,
    /// Records lost to database faults.
    pub failed: u64,
}

/// Everything one writer transaction commits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    /// `version_requested` for every row of this batch.
    pub version: String,
    /// Request rows.
    pub requests: Vec<NewRequest>,
    /// `(endpoint id, µs)`: raises `Endpoint.last_requested` (never lowers it).
    pub last_requested: Vec<(i64, i64)>,
    /// This recorder's totals after the batch.
    pub counters: Option<RecorderCounters>,
    /// Outlier rows, each attached to one of `requests` by position.
    pub outliers: Vec<NewOutlier>,
    /// Exceptions, each attached to one of `requests` by position (FMD's deduplicated exception tables).
    pub exceptions: Vec<NewException>,
    /// Level 3 call trees (StackLine rows and the CodeLines they need), each attached to one of `requests`
    /// by position.
    pub profiles: Vec<NewProfile>,
    /// `(Endpoint.id, Endpoint.name)` of endpoints the batch references, in any order, duplicates allowed.
    /// An id listed here must still name that endpoint when the batch is written (SQLite reuses the id of a
    /// deleted row for the next new row, which may be another endpoint); ids not listed only have to exist.
    pub endpoint_names: Vec<(i64, std::sync::Arc<str>)>,
}

/// An endpoint's id, name and monitoring level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointLevel {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// `Endpoint.monitor_level`, `None` when NULL or out of 0-3.
    pub level: Option<u8>,
}

fn level_of(value: Option<i64>) -> Option<u8> {
    value.filter(|l| (0..=3).contains(l)).map(|l| l as u8)
}

impl Store {
    /// Returns the endpoint called `name`, creating it with `level` and `version` when it is new.
    pub fn ensure_endpoint(
        &self,
        name: &str,
        level: u8,
        version: &str,
        now_micros: i64,
    ) -> Result<EndpointLevel, StoreError> {
        let t = &self.tables;
        let run = || -> rusqlite::Result<EndpointLevel> {
            self.conn.execute(
                &format!(
                    "INSERT OR IGNORE INTO {} (name, monitor_level, time_added, version_added) VALUES (?1, ?2, ?3, ?4)",
                    t.endpoint
                ),
                params![name, level, timefmt::format_micros(now_micros), version],
            )?;
            self.conn.query_row(&format!("SELECT id, monitor_level FROM {} WHERE name = ?1", t.endpoint), [name], |r| {
                Ok(EndpointLevel { id: r.get(0)?, name: name.to_string(), level: level_of(r.get(1)?) })
            })
        };
        run().map_err(|e| self.wrap(e))
    }

    /// Every endpoint with its level.
    pub fn endpoint_levels(&self) -> Result<Vec<EndpointLevel>, StoreError> {
        let run = || -> rusqlite::Result<Vec<EndpointLevel>> {
            let mut stmt =
                self.conn.prepare_cached(&format!("SELECT id, name, monitor_level FROM {}", self.tables.endpoint))?;
            let rows = stmt.query_map([], |r| {
                // Names are read leniently: one name that is not UTF-8 (or not text) must not stop every
                // recorder and view that lists endpoints.
                Ok(EndpointLevel {
                    id: r.get(0)?,
                    name: super::overview::text(r.get_ref(1)?),
                    level: level_of(r.get(2)?),
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.wrap(e))
    }

    /// Sets the monitoring level of the endpoint called `name`; running recorders pick it up.
    pub fn set_level(&self, name: &str, level: u8) -> Result<(), StoreError> {
        let level = level.min(3);
        let changed = self
            .conn
            .execute(
                &format!("UPDATE {} SET monitor_level = ?1 WHERE name = ?2", self.tables.endpoint),
                params![level, name],
            )
            .map_err(|e| self.wrap(e))?;
        if changed == 0 {
            return Err(StoreError::UnknownEndpoint { path: self.path.clone(), name: name.to_string() });
        }
        Ok(())
    }

    /// Commits a batch in one transaction: all of it or nothing. Each request is inserted first, then the
    /// outliers and exceptions that reference it (by its position in `batch.requests`) get its row id.
    ///
    /// Every endpoint id the batch references (its requests' and its `last_requested` updates') is checked
    /// inside the transaction first: when one no longer exists, or no longer has the name
    /// `batch.endpoint_names` gives it (another connection deleted or merged the endpoint) nothing is written and the error is [`StoreError::EndpointsGone`], so no row is ever stored
    /// with a dangling endpoint id, whether or not this connection enforces foreign keys.
    pub fn write(&mut self, batch: &WriteBatch) -> Result<(), StoreError> {
        self.write_cached(batch, &mut CodeLineCache::default())
    }

    /// [`write`](Self::write) with a cache of CodeLine ids kept between batches by a writer (for this file
    /// only; ids added by a transaction that fails are not kept).
    pub fn write_cached(&mut self, batch: &WriteBatch, cache: &mut CodeLineCache) -> Result<(), StoreError> {
        let t = self.tables.clone();
        let insert_sql = &mut self.insert_sql;
        let mut resolved = None;
        let mut run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<Vec<i64>> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                // The write lock is held from here on: an endpoint that exists now still exists at commit.
                let missing = missing_endpoints(&tx, &t.endpoint, batch)?;
                if !missing.is_empty() {
                    return Ok(missing); // dropping the transaction rolls it back
                }
                let with_dependents =
                    !batch.outliers.is_empty() || !batch.exceptions.is_empty() || !batch.profiles.is_empty();
                let ids = insert_requests(&tx, &t.request, insert_sql, batch, with_dependents)?;
                outliers::insert(&tx, &t, &batch.outliers, &ids)?;
                exceptions::insert(&tx, &t, &batch.exceptions, &ids)?;
                resolved = Some(profiles::insert(&tx, &t, &batch.profiles, &ids, cache)?);
                let mut touch = tx.prepare_cached(&format!(
                    "UPDATE {} SET last_requested = ?2 WHERE id = ?1 AND (last_requested IS NULL OR last_requested < ?2)",
                    t.endpoint
                ))?;
                let mut times = timefmt::TimeFormatter::default();
                for (id, micros) in &batch.last_requested {
                    touch.execute(params![id, times.format(*micros).as_str()])?;
                }
                if let Some(c) = &batch.counters {
                    let now = timefmt::format_utc(chrono::Utc::now());
                    tx.prepare_cached(&format!(
                        "INSERT INTO {} (recorder_id, host, pid, started, last_seen, recorded, dropped, failed) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(recorder_id) DO UPDATE SET \
                         last_seen = excluded.last_seen, recorded = excluded.recorded, dropped = excluded.dropped, failed = excluded.failed",
                        t.recorder
                    ))?
                    .execute(params![
                        c.recorder_id,
                        c.host,
                        c.pid,
                        timefmt::format_micros(c.started_micros),
                        now,
                        c.recorded as i64,
                        c.dropped as i64,
                        c.failed as i64
                    ])?;
                }
            }
            tx.commit()?;
            Ok(Vec::new())
        };
        let missing = run(&mut self.conn).map_err(|e| classify_write(&self.path, e))?;
        if !missing.is_empty() {
            return Err(StoreError::EndpointsGone { path: self.path.clone(), ids: missing });
        }
        if let Some(resolved) = resolved {
            cache.absorb(resolved);
        }
        Ok(())
    }

    /// Tunes this connection for a recorder's writer thread: `foreign_keys = OFF`, `temp_store = MEMORY`.
    ///
    /// Foreign keys: FMD itself never enables them, and with them enforced (this SQLite build's default)
    /// every Request row costs a lookup of its endpoint and every multi-row statement a statement journal
    /// (about 0.25 µs per row). Nothing is lost by switching them off here: every id a write uses that an
    /// earlier transaction resolved is checked inside the write's own transaction (endpoints by
    /// [`write_cached`](Self::write_cached), which fails with [`StoreError::EndpointsGone`] instead of storing
    /// a dangling id; CodeLines by their cache); outlier, exception and stack-line rows reference rows the
    /// same transaction inserts or looks up.
    ///
    /// Temporary storage in memory: should a statement journal be needed (e.g. a connection that enforces
    /// foreign keys again), it would otherwise spill to a temporary file, about one `pwrite` per row. Not
    /// for connections that prune: their temporary tables would be held in memory too.
    ///
    /// Also room for 40 cached statements (rusqlite's default is 16): the nine Request inserts (128 and 16
    /// rows, each with and without a shared group-by value and address, and one row), the endpoint check,
    /// endpoint and counter updates and the incident and profile statements stay prepared.
    pub fn tune_for_recorder(&self) -> Result<(), StoreError> {
        self.conn.set_prepared_statement_cache_capacity(40);
        self.conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY").map_err(|e| self.wrap(e))
    }

    /// True when the file has fmd's recorder counters table (files written only by Python FMD have none, so
    /// their losses are unknown rather than zero).
    pub fn has_recorder_counters(&self) -> Result<bool, StoreError> {
        schema::table_exists(&self.conn, &format!("{}fmd_recorder", self.tables.prefix())).map_err(|e| self.wrap(e))
    }

    /// Records dropped (queue full) and lost (database faults) by every recorder that wrote this file.
    /// Files written only by FMD have no such table and report zero.
    pub fn recorder_losses(&self) -> Result<(u64, u64), StoreError> {
        let run = || -> rusqlite::Result<(u64, u64)> {
            if !schema::table_exists(&self.conn, &format!("{}fmd_recorder", self.tables.prefix()))? {
                return Ok((0, 0));
            }
            let row: Option<(i64, i64)> = self
                .conn
                .query_row(
                    &format!(
                        "SELECT coalesce(sum(dropped), 0), coalesce(sum(failed), 0) FROM {}",
                        self.tables.recorder
                    ),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (d, f) = row.unwrap_or((0, 0));
            Ok((d.max(0) as u64, f.max(0) as u64))
        };
        run().map_err(|e| self.wrap(e))
    }
}

/// Rows per multi-row `INSERT INTO Request` statement, largest first: a batch goes 128 rows per statement,
/// what is left 16 per statement, then one by one (7 values a row, the version bound once: at most
/// 3 + 6 × 128 parameters). Per stored row (callgrind, 200k rows through the writer, foreign keys still
/// enforced): 8 rows per statement 20,600 instructions, 16: 18,900, 32: 17,500, 64: 16,800, 128: 16,300,
/// 256: 15,900; one row per statement (before) 24,300 with the old formatting.
const ROWS_PER_INSERT: [usize; 3] = [128, 16, 1];

/// Which texts one multi-row statement binds once for all its rows instead of once per row. Binding a text
/// copies it into SQLite (and frees the previous copy), ~500 instructions a value; consecutive requests
/// mostly share the group-by value and often the client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shared {
    group_by: bool,
    ip: bool,
}

impl Shared {
    /// What every row of `chunk` has in common.
    fn of(chunk: &[NewRequest]) -> Shared {
        let Some((first, rest)) = chunk.split_first() else {
            return Shared { group_by: false, ip: false };
        };
        Shared {
            group_by: !rest.is_empty() && rest.iter().all(|r| r.group_by == first.group_by),
            ip: !rest.is_empty() && rest.iter().all(|r| r.ip == first.ip),
        }
    }

    /// This kind's place among the four.
    fn index(self) -> usize {
        usize::from(self.group_by) * 2 + usize::from(self.ip)
    }

    /// Parameters per row: endpoint, duration, time, status, and the texts not shared.
    fn per_row(self) -> usize {
        4 + usize::from(!self.group_by) + usize::from(!self.ip)
    }
}

/// The SQL of the Request inserts (per size of [`ROWS_PER_INSERT`] and kind of [`Shared`]), built when first
/// needed and kept by the [`Store`]: building a 128-row statement's text costs ~150 instructions per row,
/// once per batch when rebuilt.
#[derive(Debug, Default)]
pub(super) struct InsertSql {
    texts: [[Option<String>; 4]; ROWS_PER_INSERT.len()],
}

impl InsertSql {
    /// The statement for the `size`-th entry of [`ROWS_PER_INSERT`] (`rows` rows) into `table`.
    fn get(&mut self, table: &str, size: usize, rows: usize, shared: Shared) -> &str {
        self.texts[size][shared.index()].get_or_insert_with(|| insert_sql(table, rows, shared))
    }
}

/// First parameter of row 0: `?1` is the version, `?2` a shared group-by, `?3` a shared address (unused
/// numbers stay unbound).
const FIRST_ROW_PARAMETER: usize = 4;

/// `INSERT INTO Request … VALUES (…), (…)` for `rows` rows; `?1` is the batch's version for every row,
/// `?2` / `?3` the group-by / address when `shared`, row `i`'s other values are `?(4 + k·i) …` with
/// `k = shared.per_row()`.
fn insert_sql(table: &str, rows: usize, shared: Shared) -> String {
    let mut sql = format!(
        "INSERT OR ROLLBACK INTO {table} (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) VALUES "
    );
    for i in 0..rows {
        let mut next = FIRST_ROW_PARAMETER + shared.per_row() * i;
        let mut own = || {
            next += 1;
            format!("?{}", next - 1)
        };
        let (endpoint, duration, time) = (own(), own(), own());
        let group_by = if shared.group_by { "?2".to_string() } else { own() };
        let ip = if shared.ip { "?3".to_string() } else { own() };
        let status = own();
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("({endpoint}, {duration}, {time}, ?1, {group_by}, {ip}, {status})"));
    }
    sql
}

/// Binds one request's own values (those not `shared`) from parameter `base` on, in [`insert_sql`]'s order.
fn bind_request(
    stmt: &mut rusqlite::CachedStatement<'_>,
    base: usize,
    r: &NewRequest,
    shared: Shared,
    times: &mut timefmt::TimeFormatter,
) -> rusqlite::Result<()> {
    let mut at = base;
    stmt.raw_bind_parameter(at, r.endpoint_id)?;
    stmt.raw_bind_parameter(at + 1, r.duration_ms)?;
    stmt.raw_bind_parameter(at + 2, times.format(r.time_micros).as_str())?;
    at += 3;
    if !shared.group_by {
        stmt.raw_bind_parameter(at, r.group_by.as_str())?;
        at += 1;
    }
    if !shared.ip {
        stmt.raw_bind_parameter(at, r.ip.as_str())?;
        at += 1;
    }
    stmt.raw_bind_parameter(at, r.status_code)
}

/// Inserts the batch's Request rows; returns their row ids when `with_ids` (in `batch.requests` order).
///
/// Without ids, rows go [`ROWS_PER_INSERT`] per statement (one VDBE run, one bind of the version and far
/// fewer statement resets per row), and a group-by value or address common to all rows of a statement is
/// bound once ([`Shared`]); with ids (a batch with outliers, exceptions or profiles, which reference their
/// request) every row is its own statement and its id is `last_insert_rowid`.
fn insert_requests(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    sql: &mut InsertSql,
    batch: &WriteBatch,
    with_ids: bool,
) -> rusqlite::Result<Vec<i64>> {
    let mut times = timefmt::TimeFormatter::default();
    let mut ids = Vec::with_capacity(if with_ids { batch.requests.len() } else { 0 });
    let mut rest = batch.requests.as_slice();
    for (size, rows) in ROWS_PER_INSERT.into_iter().enumerate() {
        if rest.len() < rows || with_ids && rows > 1 {
            continue;
        }
        // This size's statements, one per kind of sharing, prepared (and given the version) when first used.
        let mut statements: [Option<rusqlite::CachedStatement<'_>>; 4] = [None, None, None, None];
        while rest.len() >= rows {
            let (chunk, tail) = rest.split_at(rows);
            let shared = Shared::of(chunk);
            let insert = match &mut statements[shared.index()] {
                Some(insert) => insert,
                slot => {
                    let mut insert = tx.prepare_cached(sql.get(table, size, rows, shared))?;
                    insert.raw_bind_parameter(1, batch.version.as_str())?;
                    slot.insert(insert)
                }
            };
            if shared.group_by {
                insert.raw_bind_parameter(2, chunk[0].group_by.as_str())?;
            }
            if shared.ip {
                insert.raw_bind_parameter(3, chunk[0].ip.as_str())?;
            }
            for (i, r) in chunk.iter().enumerate() {
                bind_request(insert, FIRST_ROW_PARAMETER + shared.per_row() * i, r, shared, &mut times)?;
            }
            insert.raw_execute()?;
            if with_ids {
                ids.push(tx.last_insert_rowid());
            }
            rest = tail;
        }
    }
    Ok(ids)
}

/// The endpoint ids `batch` references that are not in the `Endpoint` table, or no longer carry the name
/// `batch.endpoint_names` gives them, ascending. One primary-key lookup per distinct id (a batch usually
/// holds few endpoints; consecutive rows mostly share one).
fn missing_endpoints(tx: &rusqlite::Transaction<'_>, endpoint: &str, batch: &WriteBatch) -> rusqlite::Result<Vec<i64>> {
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
    let mut names: Vec<(i64, &str)> = batch.endpoint_names.iter().map(|(id, name)| (*id, &**name)).collect();
    names.sort_unstable();
    let mut lookup = tx.prepare_cached(&format!("SELECT name FROM {endpoint} WHERE id = ?1"))?;
    let mut missing = Vec::new();
    for id in ids {
        let expected = names.binary_search_by_key(&id, |(id, _)| *id).ok().map(|at| names[at].1);
        let still_there = lookup
            .query_row([id], |r| {
                Ok(match (expected, r.get_ref(0)?) {
                    (None, _) => true,
                    (Some(name), ValueRef::Text(found) | ValueRef::Blob(found)) => found == name.as_bytes(),
                    (Some(_), _) => false,
                })
            })
            .optional()?
            .unwrap_or(false);
        if !still_there {
            missing.push(id);
        }
    }
    Ok(missing)
}

fn classify_write(path: &std::path::Path, e: rusqlite::Error) -> StoreError {
    super::open::classify(path, e)
}
