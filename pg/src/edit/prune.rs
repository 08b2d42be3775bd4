//! Pruning on PostgreSQL: FMD's `database_pruning.py` steps in its order, with the rows and counts of
//! `fmd_core`'s SQLite pruning (core/src/store/prune.rs), and the deletion steps endpoint housekeeping shares.
//!
//! 1. Requests with `time_requested < cutoff` go in batches, each its own transaction, with their StackLine,
//!    Outlier and ExceptionOccurrence rows (deleted first: the foreign keys are enforced).
//! 2. CodeLines referenced by no StackLine go.
//! 3. Unless kept, CustomGraphData with `time < cutoff` goes, in batches.
//! 4. Orphaned exception rows go (types, messages, snapshots with their ExceptionStackLines, then frames,
//!    function locations, file paths and function definitions nothing references any more).
//!
//! Batches are sized as on SQLite: 500 rows first with a time target (default 50 ms), doubling while a
//! transaction takes under half of it, shrinking when one takes longer (never below 100), up to
//! `batch_size`. PostgreSQL's row locks mean a batch only blocks writers of the rows it deletes (readers never
//! wait), but short transactions keep the locks, the WAL and the dead rows VACUUM has to wait for small.
//!
//! A cleanup step (2, 4) that meets a recorder referencing a row it is deleting (a foreign key violation at
//! the end of the statement) is rolled back to its savepoint and skipped: those rows are referenced again, or
//! are cleaned at the next prune.
//!
//! `vacuum` runs a plain `VACUUM (ANALYZE)` of the pruned tables afterwards: it makes the space reusable and
//! never blocks recorders (unlike SQLite's VACUUM and PostgreSQL's `VACUUM FULL`, which fmd does not run).
//!
//! Cost: FMD's PostgreSQL schema has no index on `Outlier.request_id` or `ExceptionOccurrence.request_id`, so
//! PostgreSQL's own foreign key check scans both tables for every deleted request (as it does for Python FMD's
//! pruning): the cost per deleted request grows with the size of those two tables. Measured (release build,
//! this machine's PostgreSQL 15, `measure_prune` in pg/tests/edit.rs, 50 000 of 100 000 requests pruned): 1.1 s
//! without incidents, 9.7 s with 2 000 outliers and 2 000 occurrences, 45 s with 10 000 of each (batches then
//! shrink to stay near the time target). An index on `request_id` of both would remove that cost, but it would
//! change FMD's schema, which fmd leaves as Python FMD creates it.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use fmd_core::store::{DeletedRows, PruneOptions, PruneReport};
use fmd_core::timefmt;
use fmd_core::StoreError;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, Transaction};

use crate::views::bind::param_time;
use crate::{schema, PgStore};
use fmd_core::store::Tables;

/// Batches never shrink below this many rows.
const MIN_BATCH: usize = 100;

/// The first batch's size when batches adapt to a time target.
const SLOW_START: usize = 500;

/// Which requests go.
pub(super) enum Doomed {
    /// `time_requested < cutoff`.
    OlderThan(NaiveDateTime),
    /// `endpoint_id = id`.
    Endpoint(i32),
}

impl Doomed {
    /// The condition on a Request row aliased `r`; its one parameter is `$1`.
    fn condition(&self) -> &'static str {
        match self {
            Doomed::OlderThan(_) => "r.time_requested < $1::timestamp",
            Doomed::Endpoint(_) => "r.endpoint_id = $1::int4",
        }
    }

    fn param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Doomed::OlderThan(cutoff) => cutoff,
            Doomed::Endpoint(id) => id,
        }
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The quoted names pruning touches: FMD's tables (the reader and editor checks make sure they exist) and
/// `CustomGraphData`, which older databases lack.
pub(super) struct Names {
    pub(super) t: Tables,
    pub(super) custom_graph_data: Option<String>,
}

impl Names {
    pub(super) fn of(client: &mut impl GenericClient, tables: &Tables) -> Result<Names, postgres::Error> {
        let cgd = format!("{}CustomGraphData", tables.prefix());
        let custom_graph_data = schema::table_exists(client, &cgd)?.then(|| format!("\"{cgd}\""));
        Ok(Names { t: tables.clone(), custom_graph_data })
    }
}

/// Counts what deleting the doomed requests would delete (a dry run): the requests, their StackLine, Outlier
/// and ExceptionOccurrence rows, then the CodeLines and exception rows the cleanup would find unreferenced.
pub(super) fn count_doomed(
    client: &mut impl GenericClient,
    n: &Names,
    doomed: &Doomed,
) -> Result<DeletedRows, postgres::Error> {
    let mut deleted = DeletedRows::default();
    let (cond, param) = (doomed.condition(), doomed.param());
    let req = &n.t.request;
    let mut run = |sql: String| -> Result<u64, postgres::Error> { Ok(count(client.query_one(&sql, &[param])?.get(0))) };
    let dependent =
        |table: &str| format!("SELECT count(*) FROM {table} d JOIN {req} r ON r.id = d.request_id WHERE {cond}");
    deleted.requests = run(format!("SELECT count(*) FROM {req} r WHERE {cond}"))?;
    deleted.outliers = run(dependent(&n.t.outlier))?;
    deleted.stack_lines = run(dependent(&n.t.stack_line))?;
    deleted.exception_occurrences = run(dependent(&n.t.exception_occurrence))?;
    let t = &n.t;
    let alive = |alias: &str| format!("NOT EXISTS (SELECT 1 FROM {req} r WHERE r.id = {alias}.request_id AND {cond})");
    let unreferenced = |table: &str, live: &str, column: &str| {
        format!("(SELECT count(*) FROM {table} x WHERE NOT EXISTS (SELECT 1 FROM {live} l WHERE l.{column} = x.id))")
    };
    let sql = format!(
        "WITH sl_live AS (SELECT s.code_id FROM {sl} s WHERE {sl_alive}), \
         eo_live AS (SELECT o.* FROM {eo} o WHERE {eo_alive}), \
         snap_dead AS (SELECT x.id FROM {snap} x WHERE NOT EXISTS \
             (SELECT 1 FROM eo_live l WHERE l.stack_trace_snapshot_id = x.id)), \
         esl_live AS (SELECT e.* FROM {esl} e WHERE e.stack_trace_snapshot_id NOT IN (SELECT id FROM snap_dead)), \
         frame_live AS (SELECT f.* FROM {frame} f WHERE EXISTS (SELECT 1 FROM esl_live l WHERE l.exception_frame_id = f.id)), \
         loc_live AS (SELECT c.* FROM {loc} c WHERE EXISTS (SELECT 1 FROM frame_live l WHERE l.function_location_id = c.id)) \
         SELECT {code_lines}, {types}, {messages}, (SELECT count(*) FROM snap_dead), \
             (SELECT count(*) FROM {esl} WHERE stack_trace_snapshot_id IN (SELECT id FROM snap_dead)), \
             {frames}, {locations}, {paths}, {definitions}",
        sl = t.stack_line,
        sl_alive = alive("s"),
        eo = t.exception_occurrence,
        eo_alive = alive("o"),
        snap = t.stack_trace_snapshot,
        esl = t.exception_stack_line,
        frame = t.exception_frame,
        loc = t.function_location,
        code_lines = unreferenced(&t.code_line, "sl_live", "code_id"),
        types = unreferenced(&t.exception_type, "eo_live", "exception_type_id"),
        messages = unreferenced(&t.exception_message, "eo_live", "exception_msg_id"),
        frames = unreferenced(&t.exception_frame, "esl_live", "exception_frame_id"),
        locations = unreferenced(&t.function_location, "frame_live", "function_location_id"),
        paths = unreferenced(&t.file_path, "loc_live", "file_path_id"),
        definitions = unreferenced(&t.function_definition, "loc_live", "function_definition_id"),
    );
    let row = client.query_one(&sql, &[param])?;
    let c = |i: usize| count(row.get(i));
    deleted.code_lines = c(0);
    deleted.exception_types = c(1);
    deleted.exception_messages = c(2);
    deleted.stack_trace_snapshots = c(3);
    deleted.exception_stack_lines = c(4);
    deleted.exception_frames = c(5);
    deleted.function_locations = c(6);
    deleted.file_paths = c(7);
    deleted.function_definitions = c(8);
    Ok(deleted)
}

/// Deletes the requests `doomed` (SQL giving their ids, with `params`) and their StackLine, Outlier and
/// ExceptionOccurrence rows, in that order, adding the counts to `deleted`.
pub(super) fn delete_doomed(
    tx: &mut Transaction<'_>,
    t: &Tables,
    doomed: &str,
    params: &[&(dyn ToSql + Sync)],
    deleted: &mut DeletedRows,
) -> Result<(), postgres::Error> {
    deleted.stack_lines +=
        tx.execute(&format!("DELETE FROM {} WHERE request_id IN ({doomed})", t.stack_line), params)?;
    deleted.outliers += tx.execute(&format!("DELETE FROM {} WHERE request_id IN ({doomed})", t.outlier), params)?;
    deleted.exception_occurrences +=
        tx.execute(&format!("DELETE FROM {} WHERE request_id IN ({doomed})", t.exception_occurrence), params)?;
    deleted.requests += tx.execute(&format!("DELETE FROM {} WHERE id IN ({doomed})", t.request), params)?;
    Ok(())
}

/// Runs `sql` in a savepoint; a foreign key violation (a recorder referenced a row meanwhile) rolls the
/// savepoint back and counts nothing.
fn tolerant(
    tx: &mut Transaction<'_>,
    work: impl FnOnce(&mut Transaction<'_>) -> Result<(), postgres::Error>,
) -> Result<bool, postgres::Error> {
    let mut savepoint = tx.savepoint("fmd_cleanup")?;
    match work(&mut savepoint) {
        Ok(()) => savepoint.commit().map(|()| true),
        Err(e) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => Ok(false), // dropped: rolled back
        Err(e) => Err(e),
    }
}

/// Deletes CodeLines no StackLine references.
pub(super) fn delete_code_lines(
    tx: &mut Transaction<'_>,
    t: &Tables,
    deleted: &mut DeletedRows,
) -> Result<(), postgres::Error> {
    let sql = format!(
        "DELETE FROM {} c WHERE NOT EXISTS (SELECT 1 FROM {} s WHERE s.code_id = c.id)",
        t.code_line, t.stack_line
    );
    let mut n = 0;
    tolerant(tx, |tx| {
        n = tx.execute(&sql, &[])?;
        Ok(())
    })?;
    deleted.code_lines += n;
    Ok(())
}

/// Deletes the exception rows nothing references any more, in FMD's order.
pub(super) fn delete_exception_orphans(
    tx: &mut Transaction<'_>,
    t: &Tables,
    deleted: &mut DeletedRows,
) -> Result<(), postgres::Error> {
    let mut found = DeletedRows::default();
    let unreferenced = |target: &str, source: &str, column: &str| {
        format!("DELETE FROM {target} x WHERE NOT EXISTS (SELECT 1 FROM {source} s WHERE s.{column} = x.id)")
    };
    let done = tolerant(tx, |tx| {
        let eo = &t.exception_occurrence;
        found.exception_types = tx.execute(&unreferenced(&t.exception_type, eo, "exception_type_id"), &[])?;
        found.exception_messages = tx.execute(&unreferenced(&t.exception_message, eo, "exception_msg_id"), &[])?;
        let dead: Vec<i32> = tx
            .query(
                &format!(
                    "SELECT x.id FROM {} x WHERE NOT EXISTS (SELECT 1 FROM {eo} s WHERE s.stack_trace_snapshot_id = x.id)",
                    t.stack_trace_snapshot
                ),
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if !dead.is_empty() {
            found.exception_stack_lines = tx.execute(
                &format!("DELETE FROM {} WHERE stack_trace_snapshot_id = ANY($1::int4[])", t.exception_stack_line),
                &[&dead],
            )?;
            found.stack_trace_snapshots =
                tx.execute(&format!("DELETE FROM {} WHERE id = ANY($1::int4[])", t.stack_trace_snapshot), &[&dead])?;
        }
        let (esl, frame, loc) = (&t.exception_stack_line, &t.exception_frame, &t.function_location);
        found.exception_frames = tx.execute(&unreferenced(frame, esl, "exception_frame_id"), &[])?;
        found.function_locations = tx.execute(&unreferenced(loc, frame, "function_location_id"), &[])?;
        found.file_paths = tx.execute(&unreferenced(&t.file_path, loc, "file_path_id"), &[])?;
        found.function_definitions =
            tx.execute(&unreferenced(&t.function_definition, loc, "function_definition_id"), &[])?;
        Ok(())
    })?;
    if done {
        deleted.exception_types += found.exception_types;
        deleted.exception_messages += found.exception_messages;
        deleted.stack_trace_snapshots += found.stack_trace_snapshots;
        deleted.exception_stack_lines += found.exception_stack_lines;
        deleted.exception_frames += found.exception_frames;
        deleted.function_locations += found.function_locations;
        deleted.file_paths += found.file_paths;
        deleted.function_definitions += found.function_definitions;
    }
    Ok(())
}

/// Runs write transactions of adaptive size and keeps their statistics.
pub(super) struct Batches {
    max_batch: usize,
    batch: usize,
    target: Option<Duration>,
    pub(super) count: u64,
    pub(super) longest: Duration,
}

impl Batches {
    pub(super) fn new(batch_size: usize, target: Option<Duration>) -> Batches {
        let max_batch = batch_size.max(1);
        let mut batches = Batches { max_batch, batch: max_batch, target, count: 0, longest: Duration::ZERO };
        batches.restart();
        batches
    }

    /// Starts a new kind of batch (rows of another cost): back to the first batch size.
    fn restart(&mut self) {
        self.batch = if self.target.is_some() { self.max_batch.min(SLOW_START) } else { self.max_batch };
    }

    /// Runs `work` in its own transaction, timing it (and, with a target, adapting the batch size).
    pub(super) fn write<T>(
        &mut self,
        client: &mut Client,
        work: impl FnOnce(&mut Transaction<'_>, usize) -> Result<T, postgres::Error>,
    ) -> Result<T, postgres::Error> {
        let started = Instant::now();
        let mut tx = client.transaction()?;
        let out = work(&mut tx, self.batch)?;
        tx.commit()?;
        let took = started.elapsed();
        self.count += 1;
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
}

/// The batched steps of a prune that deletes.
fn prune_rows(
    client: &mut Client,
    n: &Names,
    options: &PruneOptions,
    cutoff: NaiveDateTime,
) -> Result<(DeletedRows, Batches), postgres::Error> {
    let mut deleted = DeletedRows::default();
    let mut batches = Batches::new(options.batch_size, options.batch_time_target);
    let doomed = Doomed::OlderThan(cutoff);
    let pick = format!("SELECT r.id FROM {} r WHERE {} LIMIT $2::int8", n.t.request, doomed.condition());
    loop {
        let (found, batch) = batches.write(client, |tx, batch| {
            let ids: Vec<i32> = tx.query(&pick, &[doomed.param(), &(batch as i64)])?.iter().map(|r| r.get(0)).collect();
            if !ids.is_empty() {
                delete_doomed(tx, &n.t, "SELECT unnest($1::int4[])", &[&ids], &mut deleted)?;
            }
            Ok((ids.len(), batch))
        })?;
        if found < batch {
            break;
        }
    }
    batches.write(client, |tx, _| delete_code_lines(tx, &n.t, &mut deleted))?;
    if let (Some(cgd), false) = (&n.custom_graph_data, options.keep_custom_graphs) {
        batches.restart();
        let sql =
            format!("DELETE FROM {cgd} WHERE id IN (SELECT id FROM {cgd} WHERE time < $1::timestamp LIMIT $2::int8)");
        loop {
            let (gone, batch) =
                batches.write(client, |tx, batch| Ok((tx.execute(&sql, &[&cutoff, &(batch as i64)])?, batch)))?;
            deleted.custom_graph_data += gone;
            if gone < batch as u64 {
                break;
            }
        }
    }
    batches.write(client, |tx, _| delete_exception_orphans(tx, &n.t, &mut deleted))?;
    Ok((deleted, batches))
}

impl PgStore {
    /// Prunes requests older than `options.cutoff` and what hangs off them, as FMD does and with the counts of
    /// the SQLite store (see the module documentation). With `dry_run` it only counts, in one read-only
    /// snapshot (works on a reader); otherwise it needs a read-write connection ([`PgStore::open_editor`]).
    pub fn prune(&self, options: &PruneOptions) -> Result<PruneReport, StoreError> {
        let started = Instant::now();
        let cutoff = param_time(options.cutoff);
        let tables = self.tables.clone();
        let (deleted, batches, longest, vacuumed) = if options.dry_run {
            let deleted = self.read_snapshot(|tx| {
                let n = Names::of(tx, &tables)?;
                let doomed = Doomed::OlderThan(cutoff);
                let mut deleted = count_doomed(tx, &n, &doomed)?;
                if let (Some(cgd), false) = (&n.custom_graph_data, options.keep_custom_graphs) {
                    let sql = format!("SELECT count(*) FROM {cgd} WHERE time < $1::timestamp");
                    deleted.custom_graph_data = count(tx.query_one(&sql, &[&cutoff])?.get(0));
                }
                Ok(deleted)
            })?;
            (deleted, 0, Duration::ZERO, false)
        } else {
            self.with(|client| {
                let n = Names::of(client, &tables)?;
                let (deleted, batches) = prune_rows(client, &n, options, cutoff)?;
                if options.vacuum {
                    let t = &n.t;
                    let mut pruned = vec![
                        &t.request,
                        &t.stack_line,
                        &t.outlier,
                        &t.exception_occurrence,
                        &t.code_line,
                        &t.exception_type,
                        &t.exception_message,
                        &t.stack_trace_snapshot,
                        &t.exception_stack_line,
                        &t.exception_frame,
                        &t.function_location,
                        &t.file_path,
                        &t.function_definition,
                    ];
                    pruned.extend(n.custom_graph_data.iter());
                    let list: Vec<&str> = pruned.iter().map(|s| s.as_str()).collect();
                    client.batch_execute(&format!("VACUUM (ANALYZE) {}", list.join(", ")))?;
                }
                Ok((deleted, batches.count, batches.longest, options.vacuum))
            })?
        };
        Ok(PruneReport {
            cutoff: timefmt::format_utc(options.cutoff),
            dry_run: options.dry_run,
            deleted,
            batches,
            longest_batch_ms: longest.as_secs_f64() * 1000.0,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            vacuumed,
        })
    }
}
