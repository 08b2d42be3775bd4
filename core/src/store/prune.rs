//! Pruning: deleting old requests and everything that hangs off them, as FMD's `database_pruning.py` does,
//! without making concurrent recorders wait.
//!
//! FMD's steps, in its order:
//! 1. Requests with `time_requested < cutoff` go in batches (10,000 by default), each batch in its own
//!    transaction, together with their Outlier, StackLine and ExceptionOccurrence rows.
//! 2. CodeLines referenced by no StackLine go.
//! 3. Unless kept, CustomGraphData with `time < cutoff` goes.
//! 4. Orphaned exception rows go: ExceptionTypes and ExceptionMessages referenced by no ExceptionOccurrence,
//!    StackTraceSnapshots referenced by none (with their ExceptionStackLines), then ExceptionFrames referenced
//!    by no ExceptionStackLine, FunctionLocations by no ExceptionFrame, FilePaths and FunctionDefinitions by
//!    no FunctionLocation.
//!
//! Endpoint, AlertFingerprint and TelemetryUser rows (and fmd's own tables) are never touched.
//!
//! **Short write transactions.** Every write is a `BEGIN IMMEDIATE` transaction that touches a bounded number
//! of rows, so a recorder waits at most one batch for the lock (well below the 5 s busy timeout):
//! * FMD's files have no index on `Outlier.request_id` or `ExceptionOccurrence.request_id`, so deleting those
//!   per batch of requests would scan both tables once per batch. Instead they are swept first, in ranges of
//!   `batch_size` of their own ids, each range deleting the rows whose request is doomed. Rows added while
//!   pruning runs (ids above the sweep's end) are caught with their requests in step 1.
//! * With a [`PruneOptions::batch_time_target`] (50 ms by default), each kind of batch starts at 500 rows and
//!   doubles while a transaction takes less than half the target, up to `batch_size`; one that takes longer
//!   than the target shrinks the next ones (down to 100 rows).
//! * The "referenced by" sets that need a full scan of a large table (StackLine for CodeLine,
//!   ExceptionOccurrence for types, messages and snapshots) are read *before* the write transaction, into
//!   temporary tables, together with the largest rowid of the scanned table. Inside the write transaction only
//!   rows added after that read are scanned (new rows always get a larger rowid), so the lock is held briefly
//!   and rows a recorder has just started to reference survive. Should that rowid have disappeared meanwhile,
//!   the full scan runs inside the transaction instead.
//! * For the duration, this connection switches foreign key enforcement off (on by default in this SQLite
//!   build, off in FMD; with it, deleting a request would scan the unindexed Outlier and ExceptionOccurrence
//!   tables once per row, and the deletion order keeps every reference valid anyway) and uses
//!   `synchronous = NORMAL`, as recorders do, so no commit waits for an fsync while holding the lock.
//!
//! Caveat: a recorder that writes requests *older* than the cutoff while pruning runs (only possible with a
//! cutoff in the future or a skewed clock) may leave an orphaned Outlier or ExceptionOccurrence behind.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;

use super::{schema, Store, StoreError};
use crate::timefmt;

/// FMD's batch size: requests deleted per transaction.
pub const PRUNE_BATCH_SIZE: usize = 10_000;

/// Batches never shrink below this many rows.
const MIN_BATCH: usize = 100;

/// The first batch's size when batches adapt to a time target.
const SLOW_START: usize = 500;

/// What to prune and how.
#[derive(Debug, Clone, PartialEq)]
pub struct PruneOptions {
    /// Requests with `time_requested` before this instant are deleted.
    pub cutoff: DateTime<Utc>,
    /// Most rows one transaction deletes (FMD: 10,000). Values below 1 count as 1.
    pub batch_size: usize,
    /// When a batch's transaction takes longer than this, the next batches shrink so recorders never wait
    /// long; `None` keeps `batch_size` fixed.
    pub batch_time_target: Option<Duration>,
    /// Keep CustomGraphData older than the cutoff (the inverse of FMD's `delete_custom_graph_data`).
    pub keep_custom_graphs: bool,
    /// Count what would be deleted without deleting anything.
    pub dry_run: bool,
    /// Run `VACUUM` afterwards to give the space back to the file system. It rewrites the whole file under an
    /// exclusive lock, so recorders wait (and may time out) while it runs.
    pub vacuum: bool,
}

impl PruneOptions {
    /// Prune before `cutoff` with FMD's defaults: batches of 10,000 (shrinking above 50 ms), custom graph
    /// data deleted too, no dry run, no vacuum.
    pub fn new(cutoff: DateTime<Utc>) -> PruneOptions {
        PruneOptions {
            cutoff,
            batch_size: PRUNE_BATCH_SIZE,
            batch_time_target: Some(Duration::from_millis(50)),
            keep_custom_graphs: false,
            dry_run: false,
            vacuum: false,
        }
    }

    /// FMD's `age_threshold_weeks`: prune what is older than `weeks` weeks before `now` (a span beyond
    /// chrono's calendar keeps everything: the cutoff becomes the earliest representable instant).
    pub fn older_than_weeks(weeks: u32, now: DateTime<Utc>) -> PruneOptions {
        let cutoff = chrono::Duration::try_weeks(i64::from(weeks)).and_then(|span| now.checked_sub_signed(span));
        PruneOptions::new(cutoff.unwrap_or(DateTime::<Utc>::MIN_UTC))
    }
}

/// Rows deleted (or, in a dry run, that would be deleted), per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeletedRows {
    /// `Request` rows.
    pub requests: u64,
    /// `Outlier` rows.
    pub outliers: u64,
    /// `StackLine` rows.
    pub stack_lines: u64,
    /// `ExceptionOccurrence` rows.
    pub exception_occurrences: u64,
    /// `CodeLine` rows no longer referenced by a StackLine.
    pub code_lines: u64,
    /// `CustomGraphData` rows.
    pub custom_graph_data: u64,
    /// `ExceptionType` rows no longer referenced.
    pub exception_types: u64,
    /// `ExceptionMessage` rows no longer referenced.
    pub exception_messages: u64,
    /// `StackTraceSnapshot` rows no longer referenced.
    pub stack_trace_snapshots: u64,
    /// `ExceptionStackLine` rows of those snapshots.
    pub exception_stack_lines: u64,
    /// `ExceptionFrame` rows no longer referenced.
    pub exception_frames: u64,
    /// `FunctionLocation` rows no longer referenced.
    pub function_locations: u64,
    /// `FilePath` rows no longer referenced.
    pub file_paths: u64,
    /// `FunctionDefinition` rows no longer referenced.
    pub function_definitions: u64,
}

impl DeletedRows {
    /// All rows together.
    pub fn total(&self) -> u64 {
        self.requests
            + self.outliers
            + self.stack_lines
            + self.exception_occurrences
            + self.code_lines
            + self.custom_graph_data
            + self.exception_types
            + self.exception_messages
            + self.stack_trace_snapshots
            + self.exception_stack_lines
            + self.exception_frames
            + self.function_locations
            + self.file_paths
            + self.function_definitions
    }
}

/// What a prune did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PruneReport {
    /// The cutoff in FMD's timestamp text.
    pub cutoff: String,
    /// True when nothing was deleted, only counted.
    pub dry_run: bool,
    /// Rows per table.
    pub deleted: DeletedRows,
    /// Write transactions run.
    pub batches: u64,
    /// The longest write transaction, ms.
    pub longest_batch_ms: f64,
    /// Wall time of the whole prune, ms.
    pub elapsed_ms: f64,
    /// True when `VACUUM` ran.
    pub vacuumed: bool,
}

/// Quoted names of the tables pruning touches; `None` for tables the file does not have (older FMD files).
pub(super) struct Names {
    pub request: String,
    pub outlier: Option<String>,
    pub stack_line: Option<String>,
    pub code_line: Option<String>,
    pub exception_occurrence: Option<String>,
    pub custom_graph_data: Option<String>,
    pub exception_type: Option<String>,
    pub exception_message: Option<String>,
    pub snapshot: Option<String>,
    pub exception_stack_line: Option<String>,
    pub exception_frame: Option<String>,
    pub function_location: Option<String>,
    pub file_path: Option<String>,
    pub function_definition: Option<String>,
}

impl Names {
    pub(super) fn of(store: &Store) -> rusqlite::Result<Names> {
        let prefix = store.tables.prefix();
        let conn = &store.conn;
        let get = |name: &str| -> rusqlite::Result<Option<String>> {
            let full = format!("{prefix}{name}");
            Ok(schema::table_exists(conn, &full)?.then(|| format!("\"{full}\"")))
        };
        Ok(Names {
            request: store.tables.request.clone(),
            outlier: get("Outlier")?,
            stack_line: get("StackLine")?,
            code_line: get("CodeLine")?,
            exception_occurrence: get("ExceptionOccurrence")?,
            custom_graph_data: get("CustomGraphData")?,
            exception_type: get("ExceptionType")?,
            exception_message: get("ExceptionMessage")?,
            snapshot: get("StackTraceSnapshot")?,
            exception_stack_line: get("ExceptionStackLine")?,
            exception_frame: get("ExceptionFrame")?,
            function_location: get("FunctionLocation")?,
            file_path: get("FilePath")?,
            function_definition: get("FunctionDefinition")?,
        })
    }
}

/// Which requests go.
pub(super) enum Doomed {
    /// `time_requested < cutoff` (FMD text).
    OlderThan(String),
    /// `endpoint_id = id`.
    Endpoint(i64),
}

impl Doomed {
    /// The condition on a Request row aliased `r`; its parameter is `?1`.
    fn condition(&self) -> &'static str {
        match self {
            Doomed::OlderThan(_) => "r.time_requested < ?1",
            Doomed::Endpoint(_) => "r.endpoint_id = ?1",
        }
    }

    fn param(&self) -> Value {
        match self {
            Doomed::OlderThan(cutoff) => Value::Text(cutoff.clone()),
            Doomed::Endpoint(id) => Value::Integer(*id),
        }
    }
}

/// Tunes this connection for bulk deletion for the life of the guard, restoring its settings afterwards:
/// foreign key enforcement off (see the module documentation) and `synchronous = NORMAL`, as recorders use,
/// so a commit does not wait for an fsync while recorders wait for the lock (in WAL mode a crash can lose
/// the last deletions, never consistency).
pub(super) struct BulkDelete<'a> {
    conn: &'a Connection,
    foreign_keys: i64,
    synchronous: i64,
}

impl<'a> BulkDelete<'a> {
    pub(super) fn new(conn: &'a Connection) -> rusqlite::Result<BulkDelete<'a>> {
        let foreign_keys = conn.query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0))?;
        let synchronous = conn.query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0))?;
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        if synchronous > 1 {
            conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        }
        Ok(BulkDelete { conn, foreign_keys, synchronous })
    }
}

impl Drop for BulkDelete<'_> {
    fn drop(&mut self) {
        let _ = self.conn.execute_batch(&format!(
            "PRAGMA foreign_keys = {}; PRAGMA synchronous = {};",
            i64::from(self.foreign_keys != 0),
            self.synchronous.clamp(0, 3)
        ));
    }
}

/// Runs the batched deletions and keeps their statistics.
pub(super) struct Engine<'a> {
    conn: &'a Connection,
    pub(super) names: Names,
    max_batch: usize,
    batch: usize,
    target: Option<Duration>,
    pub(super) deleted: DeletedRows,
    pub(super) batches: u64,
    pub(super) longest: Duration,
}

impl<'a> Engine<'a> {
    pub(super) fn new(store: &'a Store, batch_size: usize, target: Option<Duration>) -> rusqlite::Result<Engine<'a>> {
        let max_batch = batch_size.max(1);
        // With a time target, start small and double while batches stay fast ("slow start"), so the first
        // transaction cannot hold the lock for long on a file with heavy rows.
        let first = if target.is_some() { max_batch.min(SLOW_START) } else { max_batch };
        Ok(Engine {
            conn: &store.conn,
            names: Names::of(store)?,
            max_batch,
            batch: first,
            target,
            deleted: DeletedRows::default(),
            batches: 0,
            longest: Duration::ZERO,
        })
    }

    /// Starts a new kind of batch (rows of another cost): back to the first batch size.
    fn restart(&mut self) {
        self.batch = if self.target.is_some() { self.max_batch.min(SLOW_START) } else { self.max_batch };
    }

    /// Runs `work` in its own IMMEDIATE transaction, timing it and adapting the batch size.
    pub(super) fn write<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>, usize) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let started = Instant::now();
        let tx = Transaction::new_unchecked(self.conn, TransactionBehavior::Immediate)?;
        let out = work(&tx, self.batch)?;
        tx.commit()?;
        let took = started.elapsed();
        self.batches += 1;
        self.longest = self.longest.max(took);
        if let Some(target) = self.target {
            if took > target && self.batch > MIN_BATCH {
                let scaled = self.batch as f64 * target.as_secs_f64() / took.as_secs_f64().max(1e-9) * 0.8;
                self.batch = (scaled as usize).clamp(MIN_BATCH, self.max_batch);
            } else if took < target / 2 && self.batch < self.max_batch {
                self.batch = (self.batch * 2).min(self.max_batch);
            }
        }
        Ok(out)
    }

    fn count(&self, sql: &str, param: &Value) -> rusqlite::Result<u64> {
        self.conn.query_row(sql, [param], |r| r.get::<_, i64>(0)).map(|n| n.max(0) as u64)
    }

    /// Counts the doomed requests and their dependents without deleting (dry run).
    pub(super) fn count_requests(&mut self, doomed: &Doomed) -> rusqlite::Result<()> {
        let (cond, param) = (doomed.condition(), doomed.param());
        let req = self.names.request.clone();
        self.deleted.requests = self.count(&format!("SELECT count(*) FROM {req} r WHERE {cond}"), &param)?;
        let dependents =
            [self.names.outlier.clone(), self.names.stack_line.clone(), self.names.exception_occurrence.clone()];
        let mut counts = [0; 3];
        for (table, n) in dependents.iter().zip(counts.iter_mut()) {
            if let Some(table) = table {
                *n = self.count(
                    &format!("SELECT count(*) FROM {table} d JOIN {req} r ON r.id = d.request_id WHERE {cond}"),
                    &param,
                )?;
            }
        }
        [self.deleted.outliers, self.deleted.stack_lines, self.deleted.exception_occurrences] = counts;
        Ok(())
    }

    /// Deletes the doomed requests with their Outlier, StackLine and ExceptionOccurrence rows in short
    /// transactions. `last` runs inside the final batch's transaction (no doomed request is left then).
    pub(super) fn delete_requests(
        &mut self,
        doomed: &Doomed,
        progress: &mut dyn FnMut(u64, u64),
        last: &mut dyn FnMut(&Transaction<'_>) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let (cond, param) = (doomed.condition(), doomed.param());
        let req = self.names.request.clone();
        let total = self.count(&format!("SELECT count(*) FROM {req} r WHERE {cond}"), &param)?;
        progress(0, total);

        // Outliers and exception occurrences: swept by their own ids (they have no request_id index).
        let mut marks = Vec::new();
        for table in [self.names.outlier.clone(), self.names.exception_occurrence.clone()].into_iter().flatten() {
            let (lo, hi): (Option<i64>, Option<i64>) =
                self.conn
                    .query_row(&format!("SELECT min(id), max(id) FROM {table}"), [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mark = hi.unwrap_or(0);
            let mut n = 0;
            if let (Some(lo), Some(hi)) = (lo, hi) {
                n = self.sweep(&table, cond, &param, lo.saturating_sub(1), hi)?;
            }
            marks.push((table, mark, n));
        }
        for (table, _, n) in &marks {
            if Some(table) == self.names.outlier.as_ref() {
                self.deleted.outliers += n;
            } else {
                self.deleted.exception_occurrences += n;
            }
        }

        self.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS fmd_doomed (id INTEGER PRIMARY KEY); DELETE FROM temp.fmd_doomed;",
        )?;
        let outcome = self.request_batches(cond, &param, &marks, total, progress, last);
        let _ = self.conn.execute_batch("DROP TABLE IF EXISTS temp.fmd_doomed");
        outcome
    }

    fn request_batches(
        &mut self,
        cond: &str,
        param: &Value,
        marks: &[(String, i64, u64)],
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
        last: &mut dyn FnMut(&Transaction<'_>) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let req = self.names.request.clone();
        let stack_line = self.names.stack_line.clone();
        let outlier = self.names.outlier.clone();
        let mut done = 0;
        self.restart();
        loop {
            let (found, batch, stack_lines, late) = self.write(|tx, batch| {
                let batch = batch as u64;
                let found = tx.execute(
                    &format!("INSERT INTO temp.fmd_doomed (id) SELECT r.id FROM {req} r WHERE {cond} LIMIT ?2"),
                    params![param, batch as i64],
                )? as u64;
                let mut stack_lines = 0;
                let mut late = [0_u64; 2];
                if found > 0 {
                    if let Some(sl) = &stack_line {
                        stack_lines = tx.execute(
                            &format!("DELETE FROM {sl} WHERE request_id IN (SELECT id FROM temp.fmd_doomed)"),
                            [],
                        )? as u64;
                    }
                    // Outliers and occurrences written after the sweep (ids above its end) for doomed requests.
                    for (table, mark, _) in marks {
                        let n = tx.execute(
                            &format!(
                                "DELETE FROM {table} WHERE id > ?1 AND request_id IN (SELECT id FROM temp.fmd_doomed)"
                            ),
                            [mark],
                        )? as u64;
                        late[usize::from(Some(table) != outlier.as_ref())] += n;
                    }
                    tx.execute(&format!("DELETE FROM {req} WHERE id IN (SELECT id FROM temp.fmd_doomed)"), [])?;
                    tx.execute("DELETE FROM temp.fmd_doomed", [])?;
                }
                if found < batch {
                    last(tx)?;
                }
                Ok((found, batch, stack_lines, late))
            })?;
            self.deleted.requests += found;
            self.deleted.stack_lines += stack_lines;
            self.deleted.outliers += late[0];
            self.deleted.exception_occurrences += late[1];
            done += found;
            if found > 0 {
                progress(done, total.max(done));
            }
            if found < batch {
                return Ok(());
            }
        }
    }

    /// Deletes rows of `table` with ids in `(lo, hi]` whose request is doomed, `batch` ids per transaction.
    fn sweep(&mut self, table: &str, cond: &str, param: &Value, mut lo: i64, hi: i64) -> rusqlite::Result<u64> {
        let req = self.names.request.clone();
        let mut deleted = 0;
        self.restart();
        while lo < hi {
            let upper: Option<i64> = self
                .conn
                .query_row(
                    &format!("SELECT id FROM {table} WHERE id > ?1 ORDER BY id LIMIT 1 OFFSET ?2"),
                    params![lo, self.batch.saturating_sub(1) as i64],
                    |r| r.get(0),
                )
                .optional()?;
            let upper = upper.unwrap_or(hi).min(hi);
            deleted += self.write(|tx, _| {
                tx.execute(
                    &format!(
                        "DELETE FROM {table} WHERE id > ?2 AND id <= ?3 AND EXISTS \
                         (SELECT 1 FROM {req} r WHERE r.id = {table}.request_id AND {cond})"
                    ),
                    params![param, lo, upper],
                )
            })? as u64;
            lo = upper;
        }
        Ok(deleted)
    }

    /// Counts the CodeLines and exception rows the cleanup would delete once the doomed requests are gone.
    pub(super) fn count_orphans(&mut self, doomed: &Doomed) -> rusqlite::Result<()> {
        let (cond, param) = (doomed.condition(), doomed.param());
        let req = &self.names.request;
        let dead_request =
            |alias: &str| format!("EXISTS (SELECT 1 FROM {req} r WHERE r.id = {alias}.request_id AND {cond})");
        if let (Some(cl), Some(sl)) = (&self.names.code_line, &self.names.stack_line) {
            self.deleted.code_lines = self.count(
                &format!(
                    "SELECT count(*) FROM {cl} WHERE id NOT IN \
                     (SELECT s.code_id FROM {sl} s WHERE s.code_id IS NOT NULL AND NOT {})",
                    dead_request("s")
                ),
                &param,
            )?;
        } else if let Some(cl) = &self.names.code_line {
            self.deleted.code_lines = self.count(&format!("SELECT count(*) FROM {cl} WHERE ?1 IS NOT NULL"), &param)?;
        }
        let live_occurrences = match &self.names.exception_occurrence {
            Some(eo) => format!("SELECT * FROM {eo} o WHERE NOT {}", dead_request("o")),
            None => "SELECT NULL AS exception_type_id, NULL AS exception_msg_id, NULL AS stack_trace_snapshot_id \
                     WHERE ?1 IS NULL AND 0"
                .to_string(),
        };
        let n = &self.names;
        let dead_snapshots = match &n.snapshot {
            Some(s) => format!(
                "SELECT id FROM {s} WHERE id NOT IN \
                 (SELECT stack_trace_snapshot_id FROM eo_live WHERE stack_trace_snapshot_id IS NOT NULL)"
            ),
            None => "SELECT NULL AS id WHERE 0".to_string(),
        };
        let live_stack_lines = match &n.exception_stack_line {
            Some(esl) => format!("SELECT * FROM {esl} WHERE stack_trace_snapshot_id NOT IN (SELECT id FROM snap_dead)"),
            None => "SELECT NULL AS exception_frame_id, NULL AS stack_trace_snapshot_id WHERE 0".to_string(),
        };
        let live_frames = match &n.exception_frame {
            Some(f) => format!(
                "SELECT * FROM {f} WHERE id IN (SELECT exception_frame_id FROM esl_live WHERE exception_frame_id IS NOT NULL)"
            ),
            None => "SELECT NULL AS id, NULL AS function_location_id WHERE 0".to_string(),
        };
        let live_locations = match &n.function_location {
            Some(l) => format!(
                "SELECT * FROM {l} WHERE id IN \
                 (SELECT function_location_id FROM frame_live WHERE function_location_id IS NOT NULL)"
            ),
            None => "SELECT NULL AS file_path_id, NULL AS function_definition_id WHERE 0".to_string(),
        };
        let orphans = |table: &Option<String>, column: &str, live: &str| match table {
            Some(t) => format!(
                "(SELECT count(*) FROM {t} WHERE id NOT IN (SELECT {column} FROM {live} WHERE {column} IS NOT NULL))"
            ),
            None => "0".to_string(),
        };
        let sql = format!(
            "WITH eo_live AS ({live_occurrences}), snap_dead AS ({dead_snapshots}), esl_live AS ({live_stack_lines}), \
             frame_live AS ({live_frames}), loc_live AS ({live_locations}) SELECT {}, {}, (SELECT count(*) FROM snap_dead), {}, {}, {}, {}, {}",
            orphans(&n.exception_type, "exception_type_id", "eo_live"),
            orphans(&n.exception_message, "exception_msg_id", "eo_live"),
            match &n.exception_stack_line {
                Some(esl) => format!("(SELECT count(*) FROM {esl} WHERE stack_trace_snapshot_id IN (SELECT id FROM snap_dead))"),
                None => "0".to_string(),
            },
            orphans(&n.exception_frame, "exception_frame_id", "esl_live"),
            orphans(&n.function_location, "function_location_id", "frame_live"),
            orphans(&n.file_path, "file_path_id", "loc_live"),
            orphans(&n.function_definition, "function_definition_id", "loc_live"),
        );
        // `eo_live` always mentions ?1, so the statement always takes the one parameter.
        let counts: [i64; 8] = self.conn.query_row(&sql, [&param], |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?])
        })?;
        let [types, messages, snapshots, stack_lines, frames, locations, paths, definitions] =
            counts.map(|c| c.max(0) as u64);
        let d = &mut self.deleted;
        d.exception_types = types;
        d.exception_messages = messages;
        d.stack_trace_snapshots = snapshots;
        d.exception_stack_lines = stack_lines;
        d.exception_frames = frames;
        d.function_locations = locations;
        d.file_paths = paths;
        d.function_definitions = definitions;
        Ok(())
    }

    /// Deletes CodeLines no StackLine references, in one short transaction (the scan runs before it).
    pub(super) fn delete_code_lines(&mut self) -> rusqlite::Result<()> {
        let Some(cl) = self.names.code_line.clone() else { return Ok(()) };
        let Some(sl) = self.names.stack_line.clone() else {
            self.deleted.code_lines += self.write(|tx, _| tx.execute(&format!("DELETE FROM {cl}"), []))? as u64;
            return Ok(());
        };
        let keep = KeepSet::read(self.conn, &sl, "rowid", &["code_id"])?;
        let max_code: Option<i64> = self.conn.query_row(&format!("SELECT max(id) FROM {cl}"), [], |r| r.get(0))?;
        let Some(max_code) = max_code else { return Ok(()) };
        let n = self.write(|tx, _| {
            let referenced = keep.referenced(tx, &sl, "rowid", "code_id", 0)?;
            tx.execute(
                &format!("DELETE FROM {cl} WHERE id NOT IN ({referenced}) AND id <= ?2"),
                params![keep.mark, max_code],
            )
        });
        keep.drop_tables(self.conn);
        self.deleted.code_lines += n? as u64;
        Ok(())
    }

    /// Deletes CustomGraphData with `time < cutoff`, in batches.
    pub(super) fn delete_custom_graph_data(&mut self, cutoff: &str) -> rusqlite::Result<()> {
        let Some(cgd) = self.names.custom_graph_data.clone() else { return Ok(()) };
        self.restart();
        loop {
            let (n, batch) = self.write(|tx, batch| {
                let n = tx.execute(
                    &format!("DELETE FROM {cgd} WHERE id IN (SELECT id FROM {cgd} WHERE time < ?1 LIMIT ?2)"),
                    params![cutoff, batch as i64],
                )?;
                Ok((n as u64, batch as u64))
            })?;
            self.deleted.custom_graph_data += n;
            if n < batch {
                return Ok(());
            }
        }
    }

    /// Counts CustomGraphData with `time < cutoff` (dry run).
    pub(super) fn count_custom_graph_data(&mut self, cutoff: &str) -> rusqlite::Result<()> {
        if let Some(cgd) = &self.names.custom_graph_data {
            self.deleted.custom_graph_data =
                self.count(&format!("SELECT count(*) FROM {cgd} WHERE time < ?1"), &Value::Text(cutoff.to_string()))?;
        }
        Ok(())
    }

    /// Deletes orphaned exception rows in FMD's order, in one transaction (the ExceptionOccurrence scan runs
    /// before it).
    pub(super) fn delete_exception_orphans(&mut self) -> rusqlite::Result<()> {
        let n = &self.names;
        let (eo, ty, msg, snap, esl, frame, loc, path, def) = (
            n.exception_occurrence.clone(),
            n.exception_type.clone(),
            n.exception_message.clone(),
            n.snapshot.clone(),
            n.exception_stack_line.clone(),
            n.exception_frame.clone(),
            n.function_location.clone(),
            n.file_path.clone(),
            n.function_definition.clone(),
        );
        let columns = ["exception_type_id", "exception_msg_id", "stack_trace_snapshot_id"];
        let keep = match &eo {
            Some(eo) => Some(KeepSet::read(self.conn, eo, "id", &columns)?),
            None => None,
        };
        let outcome = self.write(|tx, _| {
            let mut counts = [0_u64; 8];
            // `referenced(i)`: the ids column i of ExceptionOccurrence still points at.
            let referenced = |i: usize| -> rusqlite::Result<String> {
                match (&keep, &eo) {
                    (Some(keep), Some(eo)) => keep.referenced(tx, eo, "id", columns[i], i),
                    _ => Ok("SELECT NULL WHERE ?1 IS NULL AND 0".to_string()),
                }
            };
            let mark = keep.as_ref().map_or(0, |k| k.mark);
            if let Some(ty) = &ty {
                counts[0] = tx.execute(&format!("DELETE FROM {ty} WHERE id NOT IN ({})", referenced(0)?), [mark])? as u64;
            }
            if let Some(msg) = &msg {
                counts[1] = tx.execute(&format!("DELETE FROM {msg} WHERE id NOT IN ({})", referenced(1)?), [mark])? as u64;
            }
            if let Some(snap) = &snap {
                tx.execute_batch(
                    "CREATE TEMP TABLE IF NOT EXISTS fmd_dead_snapshots (id INTEGER PRIMARY KEY); \
                     DELETE FROM temp.fmd_dead_snapshots;",
                )?;
                counts[2] = tx.execute(
                    &format!(
                        "INSERT INTO temp.fmd_dead_snapshots (id) SELECT id FROM {snap} WHERE id NOT IN ({})",
                        referenced(2)?
                    ),
                    [mark],
                )? as u64;
                if let Some(esl) = &esl {
                    counts[3] = tx.execute(
                        &format!(
                            "DELETE FROM {esl} WHERE stack_trace_snapshot_id IN (SELECT id FROM temp.fmd_dead_snapshots)"
                        ),
                        [],
                    )? as u64;
                }
                tx.execute(&format!("DELETE FROM {snap} WHERE id IN (SELECT id FROM temp.fmd_dead_snapshots)"), [])?;
                tx.execute("DROP TABLE temp.fmd_dead_snapshots", [])?;
            }
            let unreferenced = |target: &Option<String>, source: &Option<String>, column: &str| -> rusqlite::Result<u64> {
                let Some(target) = target else { return Ok(0) };
                let sql = match source {
                    Some(source) => format!(
                        "DELETE FROM {target} WHERE id NOT IN (SELECT {column} FROM {source} WHERE {column} IS NOT NULL)"
                    ),
                    None => format!("DELETE FROM {target}"),
                };
                Ok(tx.execute(&sql, [])? as u64)
            };
            counts[4] = unreferenced(&frame, &esl, "exception_frame_id")?;
            counts[5] = unreferenced(&loc, &frame, "function_location_id")?;
            counts[6] = unreferenced(&path, &loc, "file_path_id")?;
            counts[7] = unreferenced(&def, &loc, "function_definition_id")?;
            Ok(counts)
        });
        if let Some(keep) = &keep {
            keep.drop_tables(self.conn);
        }
        let [types, messages, snapshots, stack_lines, frames, locations, paths, definitions] = outcome?;
        let d = &mut self.deleted;
        d.exception_types += types;
        d.exception_messages += messages;
        d.stack_trace_snapshots += snapshots;
        d.exception_stack_lines += stack_lines;
        d.exception_frames += frames;
        d.function_locations += locations;
        d.file_paths += paths;
        d.function_definitions += definitions;
        Ok(())
    }
}

/// The values some columns of a (large) table held at one moment, in temporary tables, plus the largest
/// rowid then; read outside any write lock.
struct KeepSet {
    tables: Vec<String>,
    mark: i64,
}

impl KeepSet {
    fn read(conn: &Connection, table: &str, rowid: &str, columns: &[&str]) -> rusqlite::Result<KeepSet> {
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?;
        let mark: Option<i64> = tx.query_row(&format!("SELECT max({rowid}) FROM {table}"), [], |r| r.get(0))?;
        let mut tables = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            let name = format!("fmd_keep_{i}");
            tx.execute_batch(&format!(
                "DROP TABLE IF EXISTS temp.{name}; CREATE TEMP TABLE {name} (id PRIMARY KEY) WITHOUT ROWID; \
                 INSERT OR IGNORE INTO temp.{name} (id) SELECT {column} FROM {table} WHERE {column} IS NOT NULL;"
            ))?;
            tables.push(name);
        }
        tx.commit()?;
        Ok(KeepSet { tables, mark: mark.unwrap_or(0) })
    }

    /// SQL (with `?1` = the mark) for the values of `column` in `table` now: the saved ones plus those of rows
    /// added since, or a full scan when the mark row is gone (rowids might then have been reused).
    fn referenced(
        &self,
        tx: &Transaction<'_>,
        table: &str,
        rowid: &str,
        column: &str,
        i: usize,
    ) -> rusqlite::Result<String> {
        let mark_still_there = self.mark == 0
            || tx
                .query_row(&format!("SELECT 1 FROM {table} WHERE {rowid} = ?1"), [self.mark], |_| Ok(()))
                .optional()?
                .is_some();
        let saved = self.tables.get(i).filter(|_| mark_still_there);
        Ok(match saved {
            Some(saved) => format!(
                "SELECT id FROM temp.{saved} WHERE ?1 IS NOT NULL UNION ALL \
                 SELECT {column} FROM {table} WHERE {rowid} > ?1 AND {column} IS NOT NULL"
            ),
            None => format!("SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND ?1 IS NOT NULL"),
        })
    }

    fn drop_tables(&self, conn: &Connection) {
        for name in &self.tables {
            let _ = conn.execute_batch(&format!("DROP TABLE IF EXISTS temp.{name}"));
        }
    }
}

impl Store {
    /// Prunes requests older than `options.cutoff` and what hangs off them, as FMD does (see the module
    /// documentation for the steps and the locking). Needs a read-write store ([`Store::open_editor`] or
    /// [`Store::open_writer`]).
    pub fn prune(&self, options: &PruneOptions) -> Result<PruneReport, StoreError> {
        self.prune_with_progress(options, |_, _| {})
    }

    /// [`Store::prune`], calling `progress(requests deleted so far, requests to delete)` after every batch.
    pub fn prune_with_progress(
        &self,
        options: &PruneOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<PruneReport, StoreError> {
        let started = Instant::now();
        let cutoff = timefmt::format_utc(options.cutoff);
        let mut run = || -> rusqlite::Result<(DeletedRows, u64, Duration, bool)> {
            let _tuning = BulkDelete::new(&self.conn)?;
            let mut engine = Engine::new(self, options.batch_size, options.batch_time_target)?;
            let doomed = Doomed::OlderThan(cutoff.clone());
            if options.dry_run {
                let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)?;
                engine.count_requests(&doomed)?;
                engine.count_orphans(&doomed)?;
                if !options.keep_custom_graphs {
                    engine.count_custom_graph_data(&cutoff)?;
                }
                tx.finish()?;
                progress(engine.deleted.requests, engine.deleted.requests);
                return Ok((engine.deleted, 0, Duration::ZERO, false));
            }
            engine.delete_requests(&doomed, &mut progress, &mut |_| Ok(()))?;
            engine.delete_code_lines()?;
            if !options.keep_custom_graphs {
                engine.delete_custom_graph_data(&cutoff)?;
            }
            engine.delete_exception_orphans()?;
            let (deleted, batches, longest) = (engine.deleted, engine.batches, engine.longest);
            if options.vacuum {
                self.conn.execute_batch("VACUUM")?;
            }
            Ok((deleted, batches, longest, options.vacuum))
        };
        let (deleted, batches, longest, vacuumed) = run().map_err(|e| self.wrap(e))?;
        Ok(PruneReport {
            cutoff,
            dry_run: options.dry_run,
            deleted,
            batches,
            longest_batch_ms: longest.as_secs_f64() * 1000.0,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            vacuumed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_to_cutoff() {
        let now: DateTime<Utc> = "2026-11-27T22:56:55Z".parse().expect("instant");
        let two = PruneOptions::older_than_weeks(2, now);
        assert_eq!(two.cutoff, "2026-11-13T22:56:55Z".parse::<DateTime<Utc>>().expect("instant"));
        assert_eq!((two.batch_size, two.keep_custom_graphs, two.dry_run, two.vacuum), (10_000, false, false, false));
        assert_eq!(PruneOptions::older_than_weeks(0, now).cutoff, now);
        assert_eq!(PruneOptions::older_than_weeks(u32::MAX, now).cutoff, DateTime::<Utc>::MIN_UTC);
    }
}
