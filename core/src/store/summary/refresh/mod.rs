//! Building and refreshing the summaries: checks, span aggregation, short write transactions, tracking of the
//! busiest users and IPs and their backfill (see the module docs for the protocol).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, DatabaseName, ErrorCode, OpenFlags, OptionalExtension};

use super::agg::{fingerprint, fmd_hour, key_into, Agg, CellAgg, CellMode, NO_ENDPOINT, ROW_COLUMNS};
use super::ghour::{self, GHours};
use super::histogram::usable;
use super::home::{self, writer_of, SummaryHome};
use super::ops::{apply, ops_of, Op};
use super::packed;
use super::read::ODD_LIMIT;
use super::rows::Damaged;
use super::schema::{self, Names, State, FORMAT};
use super::{RefreshOptions, SummaryState, SummaryStatus, Verify};
use crate::store::views::{duration_of, int_of};
use crate::store::{Store, StoreError, Tables, BUSY_TIMEOUT};

mod track;

/// Rows per read statement.
const CHUNK_ROWS: i64 = 20_000;
/// Rows aggregated in memory before they are written.
const SPAN_ROWS: u64 = 1_000_000;
/// How long a lease holds without renewal.
const LEASE_MS: i64 = 30_000;
/// Age of the last per-endpoint check that makes the next refresh run one.
const VERIFY_EVERY_SECS: i64 = 600;
/// Wanted duration of one write transaction.
const TXN_TARGET: Duration = Duration::from_millis(50);
/// Users, IPs and versions numbered per write transaction (about 10-20 ms each).
const DICT_KEYS_PER_TXN: usize = 5_000;
/// A user/IP among this many busiest of its endpoint that is not tracked triggers choosing again.
pub(crate) const TRACK_NEED: usize = 16;
/// Choosing again tracks this many busiest.
const TRACK_KEEP: usize = 32;
/// Tracked users/IPs that fall out of this many busiest are dropped.
const TRACK_MAX: usize = 64;

/// Why a refresh stopped.
#[derive(Debug)]
pub(crate) enum Fail {
    /// SQLite failed.
    Sql(rusqlite::Error),
    /// A summary row does not decode: rebuild.
    Damaged,
    /// Another process took over (lease lost or state changed under us).
    Lost,
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Sql(e)
    }
}

impl From<Damaged> for Fail {
    fn from(_: Damaged) -> Self {
        Fail::Damaged
    }
}

fn read_only_error(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Opens `path` read-write without creating it; `None` when the file can only be read.
pub(super) fn open_rw(path: &Path) -> rusqlite::Result<Option<Connection>> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(path, flags) {
        Ok(c) => c,
        Err(e) if read_only_error(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if conn.is_readonly(DatabaseName::Main)? {
        return Ok(None);
    }
    Ok(Some(conn))
}

/// Runs `f` in a `BEGIN IMMEDIATE` transaction, committed when it succeeds.
fn in_write<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T, Fail>) -> Result<T, Fail> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(v) => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn status(state: SummaryState) -> SummaryStatus {
    SummaryStatus { state, covered: 0, behind: 0 }
}

/// True when the store's policy says the file is too small for summaries and none have been built yet: then
/// nothing is created or written (the views answer it directly anyway).
fn too_small(store: &Store) -> rusqlite::Result<bool> {
    let names = Names::new(store.tables());
    if schema::read_state(&store.conn, &names)?.is_some_and(|s| s.mark > 0) {
        return Ok(false);
    }
    // The highest rowid bounds the row count from above, cheaply.
    let max = max_rowid(&store.conn, &store.tables().request)?;
    Ok(u64::try_from(max).unwrap_or(0) < store.summary_policy.min_rows)
}

/// [`Store::refresh_summaries_with`].
pub(crate) fn run(
    store: &Store,
    options: &RefreshOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<SummaryStatus, StoreError> {
    if options.verify != Verify::Always {
        if let Some(status) = store.checked.unchanged_since_refresh(&store.conn).map_err(|e| store.wrap(e))? {
            return Ok(status);
        }
    }
    if too_small(store).map_err(|e| store.wrap(e))? {
        return Ok(status(SummaryState::Missing));
    }
    let conn = match writer_of(store) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(status(SummaryState::ReadOnly)),
        Err(e) if read_only_error(&e) => return Ok(status(SummaryState::ReadOnly)),
        Err(e) => return Err(store.wrap(e)),
    };
    let cache = match store.summary_home() {
        SummaryHome::Cache(cache) => Some(cache),
        _ => None,
    };
    if cache.is_some() {
        match home::claim(&conn, store.path(), store.tables()) {
            Ok(()) => {}
            Err(e) if read_only_error(&e) => return Ok(status(SummaryState::ReadOnly)),
            Err(e) => return Err(store.wrap(e)),
        }
    }
    let mut refresher = Refresher::new(&conn, store.tables(), options, progress);
    let result = refresher.run();
    if let Some(cache) = cache {
        // The store's own connection reads the cache from now on (a cache it cannot read leaves views direct).
        let _ = home::attach(store, cache);
    }
    match result {
        Ok(s) => {
            if s.state == SummaryState::Ready {
                store.checked.refreshed(&store.conn, s).map_err(|e| store.wrap(e))?;
            }
            Ok(s)
        }
        Err(Fail::Sql(e)) if read_only_error(&e) => Ok(status(SummaryState::ReadOnly)),
        Err(Fail::Sql(e)) => Err(store.wrap(e)),
        Err(Fail::Lost) => Ok(status(SummaryState::Busy)),
        Err(Fail::Damaged) => Ok(status(SummaryState::Partial)),
    }
}

/// [`Store::clear_summaries`].
pub(crate) fn clear(store: &Store) -> Result<(), StoreError> {
    store.forget_summary_checks();
    if let SummaryHome::Cache(cache) = store.summary_home() {
        if !cache.is_file() {
            return Ok(());
        }
    }
    let names = Names::new(store.tables());
    let conn = match writer_of(store) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(()),
        Err(e) if read_only_error(&e) => return Ok(()),
        Err(e) => return Err(store.wrap(e)),
    };
    let result = in_write(&conn, |conn| {
        if schema::read_state(conn, &names)?.is_some() {
            schema::reset(conn, &names)?;
        }
        Ok(())
    });
    match result {
        Ok(()) | Err(Fail::Damaged) | Err(Fail::Lost) => Ok(()),
        Err(Fail::Sql(e)) if read_only_error(&e) => Ok(()),
        Err(Fail::Sql(e)) => Err(store.wrap(e)),
    }
}

/// The fingerprint of the request with this rowid (`None` when there is none).
pub(crate) fn row_fingerprint(conn: &Connection, request: &str, rowid: i64) -> rusqlite::Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM {request} WHERE rowid = ?1"))?;
    stmt.query_row([rowid], fingerprint).optional()
}

/// `max(rowid)` of the requests (0 when empty).
pub(crate) fn max_rowid(conn: &Connection, request: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(&format!("SELECT max(rowid) FROM {request}"))?
        .query_row([], |r| Ok(r.get::<_, Option<i64>>(0)?.unwrap_or(0)))
}

struct Refresher<'a> {
    conn: &'a Connection,
    tables: Tables,
    names: Names,
    request: String,
    owner: String,
    verify: Verify,
    started: Instant,
    budget: Option<Duration>,
    ops_per_txn: usize,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl<'a> Refresher<'a> {
    fn new(
        conn: &'a Connection,
        tables: &Tables,
        options: &RefreshOptions,
        progress: &'a mut dyn FnMut(u64, u64),
    ) -> Refresher<'a> {
        let owner = format!("{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
        Refresher {
            conn,
            tables: tables.clone(),
            names: Names::new(tables),
            request: tables.request.clone(),
            owner,
            verify: options.verify,
            started: Instant::now(),
            budget: options.budget,
            ops_per_txn: 5_000,
            progress,
        }
    }

    /// True once the budget is used up (`share` of it, to leave room for writing).
    fn out_of_time(&self, share: f64) -> bool {
        self.budget.is_some_and(|b| self.started.elapsed().as_secs_f64() >= b.as_secs_f64() * share)
    }

    fn run(&mut self) -> Result<SummaryStatus, Fail> {
        let tables_ok = in_write(self.conn, |conn| {
            // The tables of a previous format are dropped here and created anew.
            if let Some(state) = schema::read_state(conn, &self.names)? {
                if state.format > FORMAT {
                    return Ok(false);
                }
            }
            let stale = self.stale_layout(conn)?;
            if stale {
                for table in self.names.data_tables().into_iter().chain([self.names.state.as_str()]) {
                    conn.execute(&format!("DROP TABLE IF EXISTS {table}"), [])?;
                }
            }
            schema::create(conn, &self.tables)?;
            Ok(true)
        })?;
        if !tables_ok {
            return Ok(status(SummaryState::Newer));
        }
        let Some(mut state) = self.acquire()? else { return Ok(status(SummaryState::Busy)) };
        let result = self.work(&mut state);
        let released = in_write(self.conn, |conn| {
            if schema::read_state(conn, &self.names)?.and_then(|s| s.lease).is_some_and(|(o, _)| o == self.owner) {
                schema::set_lease(conn, &self.names, None)?;
            }
            Ok(())
        });
        let status = result?;
        released?;
        Ok(status)
    }

    /// True when the state row exists with a different (older) format, or cannot be read.
    fn stale_layout(&self, conn: &Connection) -> rusqlite::Result<bool> {
        if !self.names.present(conn)? {
            return Ok(false);
        }
        Ok(match schema::read_state(conn, &self.names) {
            Ok(Some(s)) => s.format != FORMAT,
            // Tables made by `schema::ensure` have no state row yet.
            Ok(None) => false,
            Err(_) => true,
        })
    }

    /// Takes the lease; `None` when another live process holds it.
    fn acquire(&mut self) -> Result<Option<State>, Fail> {
        in_write(self.conn, |conn| {
            let Some(state) = schema::read_state(conn, &self.names)? else { return Err(Fail::Lost) };
            if let Some((owner, until)) = &state.lease {
                if *owner != self.owner && *until > now_ms() {
                    return Ok(None);
                }
            }
            schema::set_lease(conn, &self.names, Some((&self.owner, now_ms() + LEASE_MS)))?;
            Ok(Some(state))
        })
    }

    /// Reads the state inside a write transaction and checks we still hold the lease.
    fn own_state(&self, conn: &Connection) -> Result<State, Fail> {
        let state = schema::read_state(conn, &self.names)?.ok_or(Fail::Lost)?;
        if state.lease.as_ref().map(|(o, _)| o.as_str()) != Some(self.owner.as_str()) {
            return Err(Fail::Lost);
        }
        schema::set_lease(conn, &self.names, Some((&self.owner, now_ms() + LEASE_MS)))?;
        Ok(state)
    }

    fn work(&mut self, state: &mut State) -> Result<SummaryStatus, Fail> {
        let mut retried = false;
        loop {
            match self.attempt(state) {
                Err(Fail::Damaged) if !retried => {
                    retried = true;
                    self.reset(state)?;
                }
                other => return other,
            }
        }
    }

    fn attempt(&mut self, state: &mut State) -> Result<SummaryStatus, Fail> {
        if self.needs_reset(state)? {
            self.reset(state)?;
        } else if state.mark > 0 && self.verify_due(state) {
            if self.deep_check(state)? {
                let verified = chrono::Utc::now().timestamp();
                *state = in_write(self.conn, |conn| {
                    let mut s = self.own_state(conn)?;
                    s.verified = verified;
                    schema::write_state(conn, &self.names, &s)?;
                    Ok(s)
                })?;
            } else {
                self.reset(state)?;
            }
        }
        if state.mark == 0 && state.verified == 0 {
            // Empty summaries agree with anything: the build starts verified.
            *state = in_write(self.conn, |conn| {
                let mut s = self.own_state(conn)?;
                s.verified = chrono::Utc::now().timestamp();
                schema::write_state(conn, &self.names, &s)?;
                Ok(s)
            })?;
        }
        let caught_up = self.catch_up(state)?;
        let tracked = caught_up && self.track(state)?;
        let max = max_rowid(self.conn, &self.request)?;
        let behind = u64::try_from(max - state.mark).unwrap_or(0);
        let state_kind = if behind == 0 && tracked { SummaryState::Ready } else { SummaryState::Partial };
        Ok(SummaryStatus { state: state_kind, covered: u64::try_from(state.rows).unwrap_or(0), behind })
    }

    fn verify_due(&self, state: &State) -> bool {
        match self.verify {
            Verify::Always => true,
            Verify::Cheap => false,
            Verify::WhenDue => chrono::Utc::now().timestamp() - state.verified >= VERIFY_EVERY_SECS,
        }
    }

    /// The cheap checks: format, interrupted writes, the mark's fingerprint, the count of covered rows.
    fn needs_reset(&self, s: &State) -> Result<bool, Fail> {
        if s.format != FORMAT || s.pending.is_some() {
            return Ok(true);
        }
        if s.mark == 0 {
            return Ok(s.rows != 0);
        }
        if row_fingerprint(self.conn, &self.request, s.mark)? != Some(s.mark_fp) {
            return Ok(true);
        }
        let r = &self.request;
        let total: i64 = self.conn.query_row(&format!("SELECT count(*) FROM {r}"), [], |row| row.get(0))?;
        let above: i64 =
            self.conn.query_row(&format!("SELECT count(*) FROM {r} WHERE rowid > ?1"), [s.mark], |row| row.get(0))?;
        // Rows with an id of 0 or less (only ever inserted by hand) are never summarised; views that see them
        // answer directly, but they must not make every refresh rebuild.
        let unreachable: i64 =
            self.conn.query_row(&format!("SELECT count(*) FROM {r} WHERE rowid <= 0"), [], |row| row.get(0))?;
        Ok(total - above - unreachable != s.rows)
    }

    /// Per endpoint: usable durations (count and sum) up to the mark, from the `(endpoint_id, duration)` index,
    /// against the summaries (about 0.1 s per million requests).
    fn deep_check(&self, s: &State) -> Result<bool, Fail> {
        let mut summary: Vec<(i64, i64, f64)> = Vec::new();
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT endpoint, sum(valid), total(sum) + total(sum_c) FROM {} WHERE endpoint != ?1 GROUP BY endpoint",
                self.names.version
            ))?;
            let mut rows = stmt.query([NO_ENDPOINT])?;
            while let Some(r) = rows.next()? {
                summary.push((r.get(0)?, r.get(1)?, r.get(2)?));
            }
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT count(*), total(duration) FROM {} WHERE endpoint_id = ?1 AND duration BETWEEN -1e308 AND 1e308 \
             AND rowid <= ?2",
            self.request
        ))?;
        for (e, valid, sum) in summary {
            let (n, total): (i64, f64) = stmt.query_row(params![e, s.mark], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if n != valid || (total - sum).abs() > 1e-9 * total.abs().max(sum.abs()).max(1.0) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn reset(&mut self, state: &mut State) -> Result<(), Fail> {
        *state = in_write(self.conn, |conn| {
            self.own_state(conn)?;
            schema::reset(conn, &self.names)?;
            let mut s = schema::read_state(conn, &self.names)?.ok_or(Fail::Lost)?;
            s.verified = chrono::Utc::now().timestamp();
            schema::write_state(conn, &self.names, &s)?;
            Ok(s)
        })?;
        Ok(())
    }

    /// Every tracked user/IP per endpoint as `[col] + key`; `incomplete_only` for those being backfilled.
    fn tracked(&self, incomplete_only: bool) -> rusqlite::Result<HashMap<i64, HashSet<Vec<u8>>>> {
        let filter = if incomplete_only { "WHERE complete = 0" } else { "" };
        let mut stmt = self.conn.prepare(&format!("SELECT endpoint, col, grp FROM {} {filter}", self.names.track))?;
        let mut rows = stmt.query([])?;
        let mut out: HashMap<i64, HashSet<Vec<u8>>> = HashMap::new();
        while let Some(r) = rows.next()? {
            let (e, col): (i64, i64) = (r.get(0)?, r.get(1)?);
            let mut key = vec![col as u8];
            key.extend_from_slice(r.get_ref(2)?.as_blob().unwrap_or_default());
            out.entry(e).or_default().insert(key);
        }
        Ok(out)
    }

    /// Adds every request above the mark, span by span. True when none is left.
    fn catch_up(&mut self, state: &mut State) -> Result<bool, Fail> {
        let tracked = self.tracked(false)?;
        let sql = format!("SELECT {ROW_COLUMNS} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2", self.request);
        let mut spans = 0;
        loop {
            let max = max_rowid(self.conn, &self.request)?;
            if max <= state.mark {
                return Ok(true);
            }
            // Every call gets at least one span done, however small its budget.
            if spans > 0 && self.out_of_time(1.0) {
                return Ok(false);
            }
            spans += 1;
            let done_before = u64::try_from(state.rows).unwrap_or(0);
            let total = done_before + u64::try_from(max - state.mark).unwrap_or(0);
            let mut agg = Agg::packing(CellMode::Tracked(tracked.clone()));
            let mut pos = state.mark;
            while agg.rows < SPAN_ROWS {
                let before = agg.rows;
                {
                    let mut stmt = self.conn.prepare_cached(&sql)?;
                    let mut rows = stmt.query(params![pos, CHUNK_ROWS])?;
                    while let Some(r) = rows.next()? {
                        agg.add(r)?;
                    }
                }
                if agg.rows == before {
                    break;
                }
                pos = agg.last_rowid.unwrap_or(pos);
                (self.progress)(done_before + agg.rows, total.max(done_before + agg.rows));
                if self.out_of_time(0.6) {
                    break;
                }
            }
            if agg.rows == 0 {
                return Ok(true);
            }
            self.flush(state, agg)?;
        }
    }

    /// Writes a span's aggregate and moves the mark past it, in as many short transactions as needed.
    fn flush(&mut self, state: &mut State, agg: Agg) -> Result<(), Fail> {
        let Some(new_mark) = agg.last_rowid else { return Ok(()) };
        let added_rows = i64::try_from(agg.rows).unwrap_or(i64::MAX);
        let added_odd = i64::try_from(agg.odd.len()).unwrap_or(i64::MAX);
        let start_mark = state.mark;
        // Past the limit, odd times are only counted (windows then query the requests directly).
        let keep_odd = state.odd.saturating_add(added_odd) <= ODD_LIMIT;
        let mut agg = agg;
        let packed_ops = match agg.packed.take() {
            Some(p) => self.number_packed(p)?,
            None => Vec::new(),
        };
        let mut ops =
            ops_of(agg).into_iter().filter(|op| keep_odd || !matches!(op, Op::Odd(_))).chain(packed_ops).peekable();
        let mut first = true;
        loop {
            let batch: Vec<Op> = ops.by_ref().take(self.ops_per_txn).collect();
            let last = ops.peek().is_none();
            let n = batch.len();
            let t0 = Instant::now();
            let next = in_write(self.conn, |conn| {
                let mut s = self.own_state(conn)?;
                let expected =
                    if first { s.mark == start_mark && s.pending.is_none() } else { s.pending == Some(new_mark) };
                if !expected {
                    return Err(Fail::Lost);
                }
                for op in batch {
                    apply(conn, &self.names, op)?;
                }
                if last {
                    s.mark = new_mark;
                    s.rows += added_rows;
                    s.odd += added_odd;
                    s.pending = None;
                    s.mark_fp = row_fingerprint(conn, &self.request, new_mark)?.unwrap_or(0);
                } else {
                    s.pending = Some(new_mark);
                }
                schema::write_state(conn, &self.names, &s)?;
                Ok(s)
            })?;
            self.adapt(n, t0.elapsed());
            first = false;
            if last {
                *state = next;
                return Ok(());
            }
        }
    }

    /// The `packed` writes of a span, its users, IPs and versions numbered in the `dict` table (in
    /// transactions of a few thousand keys; numbers left unused by an interrupted span are harmless).
    fn number_packed(&mut self, packed: packed::PackedAgg) -> Result<Vec<Op>, Fail> {
        let (keys, hours) = packed.into_parts();
        let mut numbers = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(DICT_KEYS_PER_TXN) {
            let got = in_write(self.conn, |conn| {
                self.own_state(conn)?;
                Ok(packed::numbers(conn, &self.names, chunk)?)
            })?;
            numbers.extend(got);
        }
        let global = |local: u32| {
            let number = numbers.get(usize::try_from(local).ok()?)?;
            u32::try_from(*number).ok()
        };
        let mut ops = Vec::with_capacity(hours.len());
        let mut hours: Vec<_> = hours.into_iter().collect();
        hours.sort_unstable_by_key(|((e, h), _)| (*e, *h));
        for ((e, hour), mut entries) in hours {
            for entry in &mut entries {
                let (Some(user), Some(ip), Some(version)) =
                    (global(entry.user), global(entry.ip), global(entry.version))
                else {
                    return Err(Fail::Damaged);
                };
                *entry = packed::Entry::new(user, ip, version, entry.duration());
            }
            ops.push(Op::Packed(e, hour, entries));
        }
        Ok(ops)
    }

    /// Sizes the next write transactions to take about [`TXN_TARGET`].
    fn adapt(&mut self, ops: usize, took: Duration) {
        if ops < self.ops_per_txn / 2 {
            return;
        }
        let per_op = took.as_secs_f64() / ops.max(1) as f64;
        if per_op > 0.0 {
            let wanted = (TXN_TARGET.as_secs_f64() / per_op) as usize;
            self.ops_per_txn = wanted.clamp(200, 50_000);
        }
    }
}
