//! The view side: deciding whether the summaries can answer, adding the requests above the mark, and reading
//! counts, durations and exact order statistics.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::agg::{Agg, CellAgg, CellMode, VersionAgg, ROW_COLUMNS};
use super::histogram::{bucket, bucket_low, Durations, LIMIT};
use super::refresh::{max_rowid, row_fingerprint};
use super::rows::{durations_of, version_of, DURATION_COLUMNS, VERSION_COLUMNS};
use super::schema::{self, Names, State, FORMAT};
use super::window::By;
use super::{SummaryPolicy, SummaryState, SummaryStatus};
use crate::store::views::{duration_of, lerp, virtual_index, DurationSummary};
use crate::store::Store;

/// Windows are answered from the hours only while at most this many requests have odd (non-FMD) times; beyond
/// it their ids are no longer recorded.
pub(crate) const ODD_LIMIT: i64 = 10_000;

/// Per endpoint and version key: the aggregate.
pub(crate) type VersionRows = Vec<(i64, Vec<u8>, VersionAgg)>;

/// Per (user or IP key, version key): the cell.
pub(crate) type Cells = HashMap<(Vec<u8>, Vec<u8>), CellAgg>;

/// What a view reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every endpoint: checked with the table's `count(*)`.
    All,
    /// One endpoint: checked with its count on the endpoint index.
    Endpoint(i64),
}

/// The file as this connection last saw it: `PRAGMA data_version` (which changes when another connection
/// commits) and this connection's own changes. Equal values mean nobody has written the file in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    data_version: i64,
    changes: u64,
}

impl Seen {
    /// The file as `conn` sees it now.
    pub(crate) fn now(conn: &Connection) -> rusqlite::Result<Seen> {
        Ok(Seen { data_version: data_version(conn)?, changes: conn.total_changes() })
    }
}

/// `PRAGMA data_version` of `conn`.
pub(crate) fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

/// What a consistency check of the summaries against the requests saw: the scope, the file, the summaries'
/// generation, the highest rowid and the requests above the mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CheckKey {
    scope: Scope,
    seen: Seen,
    generation: i64,
    max: i64,
    delta: u64,
}

/// The last few checks that found the summaries consistent, and the last complete refresh. A view of a file
/// nobody has changed since then skips the count (a pass over an index: ~60 ms for an endpoint with 3 million
/// requests), so the several reads of one view, and views asked again, pay for it once; a refresh of such a
/// file has nothing to add or check.
#[derive(Debug, Default)]
pub(crate) struct Checked(std::sync::Mutex<Remembered>);

#[derive(Debug, Default)]
struct Remembered {
    checks: Vec<CheckKey>,
    /// The file at the end of the last complete refresh, and what it reported.
    refreshed: Option<(Seen, SummaryStatus)>,
}

impl Checked {
    /// How many checks are remembered (the dashboard's and a few endpoints').
    const KEEP: usize = 16;

    fn forget(&self) {
        if let Ok(mut r) = self.0.lock() {
            *r = Remembered::default();
        }
    }

    /// What the last complete refresh reported, when the file has not changed since (`conn` is the store's).
    pub(crate) fn unchanged_since_refresh(&self, conn: &Connection) -> rusqlite::Result<Option<SummaryStatus>> {
        let Some((seen, status)) = self.0.lock().ok().and_then(|r| r.refreshed) else { return Ok(None) };
        Ok((Seen::now(conn)? == seen).then_some(status))
    }

    /// Notes a complete refresh, after it ended (a write by another process between its end and this note
    /// would leave its rows above the mark until the next change: views add those on the fly, and check for
    /// deletions themselves).
    pub(crate) fn refreshed(&self, conn: &Connection, status: SummaryStatus) -> rusqlite::Result<()> {
        let seen = Seen::now(conn)?;
        if let Ok(mut r) = self.0.lock() {
            r.refreshed = Some((seen, status));
        }
        Ok(())
    }

    fn holds(&self, key: &CheckKey) -> bool {
        self.0.lock().map(|r| r.checks.contains(key)).unwrap_or(false)
    }

    fn remember(&self, key: CheckKey) {
        if let Ok(mut r) = self.0.lock() {
            // Checks of an older state of the file never match again.
            r.checks.retain(|k| k.seen == key.seen);
            if r.checks.len() >= Self::KEEP {
                r.checks.remove(0);
            }
            r.checks.push(key);
        }
    }
}

/// Usable summaries plus the requests above their mark, for one view's snapshot.
pub(crate) struct SummaryView<'s> {
    pub(super) conn: &'s Connection,
    pub(super) names: Names,
    pub(super) request: String,
    policy: SummaryPolicy,
    pub(super) state: State,
    pub(super) scope: Scope,
    /// The requests above the mark (of the scope's endpoint only, for [`Scope::Endpoint`]).
    pub(super) delta: Agg,
}

/// Counts and durations of a time window, per endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct WindowAgg {
    /// Requests.
    pub(crate) hits: u64,
    /// Of those, status 400-599.
    pub(crate) errors: u64,
    /// Usable durations (only when asked for).
    pub(crate) durations: Durations,
}

/// [`Store::summary_status`].
pub(crate) fn status(store: &Store) -> rusqlite::Result<SummaryStatus> {
    let names = Names::new(store.tables());
    let Some(state) = schema::read_state(&store.conn, &names)? else {
        return Ok(SummaryStatus { state: SummaryState::Missing, covered: 0, behind: 0 });
    };
    let max = max_rowid(&store.conn, &store.tables().request)?;
    let behind = u64::try_from(max - state.mark).unwrap_or(0);
    let kind = if state.format > FORMAT {
        SummaryState::Newer
    } else if state.format < FORMAT || state.mark == 0 {
        SummaryState::Missing
    } else if state.pending.is_some() || behind > 0 || state.backfill_to > 0 {
        SummaryState::Partial
    } else {
        SummaryState::Ready
    };
    Ok(SummaryStatus { state: kind, covered: u64::try_from(state.rows).unwrap_or(0), behind })
}

/// A rough share of the requests from UTC hour `first_hour` on, to choose between the summaries and a direct
/// scan: `(requests in the hour table from that hour, requests in the version table)`, of `endpoint` only when
/// given; unchecked (the summaries may be stale or missing: `None`). Cheap: no pass over the requests.
pub(crate) fn estimate_since(
    store: &Store,
    endpoint: Option<i64>,
    first_hour: i64,
) -> rusqlite::Result<Option<(u64, u64)>> {
    let names = Names::new(&store.tables);
    let Some(state) = schema::read_state(&store.conn, &names)? else { return Ok(None) };
    if state.format != FORMAT || state.mark <= 0 {
        return Ok(None);
    }
    let filter = if endpoint.is_some() { "endpoint = ?2 AND" } else { "?2 IS NULL AND" };
    let sum = |sql: String| -> rusqlite::Result<u64> {
        let n: i64 = store.conn.prepare_cached(&sql)?.query_row(params![first_hour, endpoint], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let inside = sum(format!("SELECT coalesce(sum(hits), 0) FROM {} WHERE {filter} hour >= ?1", names.hour))?;
    let total = sum(format!("SELECT coalesce(sum(hits), 0) FROM {} WHERE {filter} ?1 = ?1", names.version))?;
    Ok(Some((inside, total)))
}

impl Store {
    /// Makes the next views check the summaries against the requests again, as after a change of the file
    /// (for benchmarks of that case; changes are noticed without it).
    pub fn forget_summary_checks(&self) {
        self.checked.forget();
    }

    /// The summaries for a view over `scope`, or `None` when the view must query the requests directly (see
    /// the module docs). `cells`: also aggregate the per user/IP and version cells of the newest requests.
    pub(crate) fn summary_view(&self, scope: Scope, cells: bool) -> rusqlite::Result<Option<SummaryView<'_>>> {
        let policy = self.summary_policy;
        if !policy.enabled {
            return Ok(None);
        }
        let conn = &self.conn;
        let names = Names::new(&self.tables);
        let request = self.tables.request.clone();
        let Some(state) = schema::read_state(conn, &names)? else { return Ok(None) };
        if state.format != FORMAT || state.pending.is_some() || state.mark <= 0 {
            return Ok(None);
        }
        let max = max_rowid(conn, &request)?;
        let Ok(behind) = u64::try_from(max - state.mark) else { return Ok(None) };
        let covered = u64::try_from(state.rows).unwrap_or(0);
        if behind > policy.max_delta || covered + behind < policy.min_rows {
            return Ok(None);
        }
        if row_fingerprint(conn, &request, state.mark)? != Some(state.mark_fp) {
            return Ok(None);
        }
        let mut delta = Agg::new(if cells { CellMode::All } else { CellMode::Off });
        let (sql, endpoint) = match scope {
            Scope::All => (format!("SELECT {ROW_COLUMNS} FROM {request} WHERE rowid > ?1"), None),
            Scope::Endpoint(e) => {
                (format!("SELECT {ROW_COLUMNS} FROM {request} WHERE rowid > ?1 AND +endpoint_id = ?2"), Some(e))
            }
        };
        {
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = match endpoint {
                Some(e) => stmt.query(params![state.mark, e])?,
                None => stmt.query(params![state.mark])?,
            };
            while let Some(r) = rows.next()? {
                delta.add(r)?;
            }
        }
        let key = CheckKey { scope, seen: Seen::now(conn)?, generation: state.generation, max, delta: delta.rows };
        if self.checked.holds(&key) {
            return Ok(Some(SummaryView { conn, names, request, policy, state, scope, delta }));
        }
        let consistent = match scope {
            Scope::All => {
                let total: i64 =
                    conn.prepare_cached(&format!("SELECT count(*) FROM {request}"))?.query_row([], |r| r.get(0))?;
                u64::try_from(total).ok() == Some(covered + delta.rows)
            }
            Scope::Endpoint(e) => {
                let actual: i64 = conn
                    .prepare_cached(&format!("SELECT count(*) FROM {request} WHERE endpoint_id = ?1"))?
                    .query_row([e], |r| r.get(0))?;
                let stored: i64 = conn
                    .prepare_cached(&format!(
                        "SELECT coalesce(sum(hits), 0) FROM {} WHERE endpoint = ?1",
                        names.version
                    ))?
                    .query_row([e], |r| r.get(0))?;
                actual == stored + i64::try_from(delta.hits_of(e)).unwrap_or(i64::MAX)
            }
        };
        if !consistent {
            return Ok(None);
        }
        self.checked.remember(key);
        Ok(Some(SummaryView { conn, names, request, policy, state, scope, delta }))
    }
}

impl SummaryView<'_> {
    /// `[endpoint]`, or every endpoint the summaries know when `None`.
    pub(crate) fn endpoints_or(&self, endpoint: Option<i64>) -> rusqlite::Result<Vec<i64>> {
        if let Some(e) = endpoint {
            return Ok(vec![e]);
        }
        let mut stmt = self.conn.prepare_cached(&format!("SELECT DISTINCT endpoint FROM {}", self.names.version))?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect()
    }

    /// The policy in force.
    pub(crate) fn policy(&self) -> SummaryPolicy {
        self.policy
    }

    pub(super) fn in_scope(&self, endpoint: Option<i64>) -> bool {
        match (self.scope, endpoint) {
            (Scope::All, _) => true,
            (Scope::Endpoint(s), Some(e)) => s == e,
            (Scope::Endpoint(_), None) => false,
        }
    }

    /// Every canonical request (FMD's exact time text) with a rowid up to this is in the hour table.
    pub(crate) fn mark(&self) -> i64 {
        self.state.mark
    }

    /// Covered requests whose time is not FMD's exact text (kept out of the hours); their ids are in
    /// [`SummaryView::odd_table`] while there are at most [`ODD_LIMIT`].
    pub(crate) fn odd_rows(&self) -> i64 {
        self.state.odd
    }

    /// The quoted name of the table of odd-time request ids (column `request`).
    pub(crate) fn odd_table(&self) -> &str {
        &self.names.odd
    }

    /// Requests per (endpoint key, UTC hour) of the hours `first_hour..end_hour` in the hour table (of `endpoint`
    /// only, when given): canonical requests up to the mark, nothing above it.
    pub(crate) fn hour_hits(
        &self,
        endpoint: Option<i64>,
        first_hour: i64,
        end_hour: i64,
    ) -> rusqlite::Result<Option<Vec<(i64, i64, u64)>>> {
        if !self.in_scope(endpoint) {
            return Ok(None);
        }
        let endpoints = self.endpoints_or(endpoint)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT hour, hits FROM {} WHERE endpoint = ?1 AND hour >= ?2 AND hour < ?3",
            self.names.hour
        ))?;
        let mut out = Vec::new();
        for e in endpoints {
            let mut rows = stmt.query(params![e, first_hour, end_hour])?;
            while let Some(r) = rows.next()? {
                out.push((e, r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)));
            }
        }
        Ok(Some(out))
    }

    /// Per endpoint and version key (of `endpoint`, or every one including [`NO_ENDPOINT`]): counts, first
    /// use, SQL min/max of times and, when `durations`, the durations. `None` when a row is damaged.
    pub(crate) fn versions(&self, endpoint: Option<i64>, durations: bool) -> rusqlite::Result<Option<VersionRows>> {
        if !self.in_scope(endpoint) {
            return Ok(None);
        }
        let columns = if durations {
            VERSION_COLUMNS.to_string()
        } else {
            // Empty durations (no histogram to decode) in the same shape.
            "hits, errors, 0, 0.0, 0.0, NULL, NULL, X'0100', first_s, first_ns, tmin, tmax".to_string()
        };
        let filter = if endpoint.is_some() { "WHERE endpoint = ?1" } else { "" };
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT endpoint, version, {columns} FROM {} {filter}", self.names.version))?;
        let mut rows = match endpoint {
            Some(e) => stmt.query([e])?,
            None => stmt.query([])?,
        };
        let mut out: Vec<(i64, Vec<u8>, VersionAgg)> = Vec::new();
        let mut index: HashMap<(i64, Vec<u8>), usize> = HashMap::new();
        while let Some(r) = rows.next()? {
            let e: i64 = r.get(0)?;
            let key = r.get_ref(1)?.as_blob().unwrap_or_default().to_vec();
            let Some(v) = version_of(r, 2)? else { return Ok(None) };
            index.insert((e, key.clone()), out.len());
            out.push((e, key, v));
        }
        for (&e, ea) in &self.delta.endpoints {
            if endpoint.is_some_and(|want| want != e) {
                continue;
            }
            for (key, v) in &ea.versions {
                let mut v = v.clone();
                if !durations {
                    v.durations = Durations::new();
                }
                match index.get(&(e, key.clone())).and_then(|&i| out.get_mut(i)) {
                    Some((_, _, stored)) => stored.merge(&v),
                    None => {
                        index.insert((e, key.clone()), out.len());
                        out.push((e, key.clone(), v));
                    }
                }
            }
        }
        Ok(Some(out))
    }

    /// All usable durations of one endpoint (all versions merged); `None` when a row is damaged.
    pub(crate) fn endpoint_durations(&self, endpoint: i64) -> rusqlite::Result<Option<Durations>> {
        let Some(versions) = self.versions(Some(endpoint), true)? else { return Ok(None) };
        let mut all = Durations::new();
        for (_, _, v) in &versions {
            all.merge(&v.durations);
        }
        Ok(Some(all))
    }

    /// Requests per user (col 0) or IP (col 1) key of an endpoint.
    pub(crate) fn groups(&self, endpoint: i64, col: u8) -> rusqlite::Result<Option<HashMap<Vec<u8>, u64>>> {
        if !self.in_scope(Some(endpoint)) {
            return Ok(None);
        }
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT grp, hits FROM {} WHERE endpoint = ?1 AND col = ?2", self.names.group))?;
        let mut rows = stmt.query(params![endpoint, col])?;
        let mut out: HashMap<Vec<u8>, u64> = HashMap::new();
        while let Some(r) = rows.next()? {
            let key = r.get_ref(0)?.as_blob().unwrap_or_default().to_vec();
            *out.entry(key).or_default() += u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
        }
        if let Some(ea) = self.delta.endpoints.get(&endpoint) {
            if let Some(map) = ea.groups.get(usize::from(col)) {
                for (k, n) in map {
                    *out.entry(k.clone()).or_default() += n;
                }
            }
        }
        Ok(Some(out))
    }

    /// Requests per status code (as text) of an endpoint.
    pub(crate) fn codes(&self, endpoint: i64) -> rusqlite::Result<Option<Vec<(String, u64)>>> {
        if !self.in_scope(Some(endpoint)) {
            return Ok(None);
        }
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT code, hits FROM {} WHERE endpoint = ?1", self.names.code))?;
        let mut rows = stmt.query([endpoint])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push((r.get::<_, String>(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)));
        }
        if let Some(ea) = self.delta.endpoints.get(&endpoint) {
            out.extend(ea.codes.iter().map(|(c, n)| (c.text(), *n)));
        }
        Ok(Some(out))
    }

    /// Requests per endpoint key and status code (as text) of every endpoint (a [`Scope::All`] view only).
    pub(crate) fn all_codes(&self) -> rusqlite::Result<Option<Vec<(i64, String, u64)>>> {
        if self.scope != Scope::All {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(&format!("SELECT endpoint, code, hits FROM {}", self.names.code))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push((r.get(0)?, r.get::<_, String>(1)?, u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0)));
        }
        for (&e, ea) in &self.delta.endpoints {
            out.extend(ea.codes.iter().map(|(c, n)| (e, c.text(), *n)));
        }
        Ok(Some(out))
    }

    /// The cells of the given user/IP keys of an endpoint, per (group key, version key); `None` unless every
    /// one of them is tracked with complete cells (or a row is damaged).
    pub(crate) fn cells(&self, endpoint: i64, col: u8, groups: &[Vec<u8>]) -> rusqlite::Result<Option<Cells>> {
        if !self.in_scope(Some(endpoint)) || !matches!(self.delta.cells, CellMode::All) {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT grp FROM {} WHERE endpoint = ?1 AND col = ?2 AND complete = 1",
            self.names.track
        ))?;
        let tracked: HashSet<Vec<u8>> = stmt
            .query_map(params![endpoint, col], |r| Ok(r.get_ref(0)?.as_blob().unwrap_or_default().to_vec()))?
            .collect::<Result<_, _>>()?;
        if groups.iter().any(|g| !tracked.contains(g)) {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT version, hits, {DURATION_COLUMNS} FROM {} WHERE endpoint = ?1 AND col = ?2 AND grp = ?3",
            self.names.cell
        ))?;
        let mut out: HashMap<(Vec<u8>, Vec<u8>), CellAgg> = HashMap::new();
        for g in groups {
            let mut rows = stmt.query(params![endpoint, col, g])?;
            while let Some(r) = rows.next()? {
                let version = r.get_ref(0)?.as_blob().unwrap_or_default().to_vec();
                let Some(durations) = durations_of(r, 2)? else { return Ok(None) };
                let hits = u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
                out.entry((g.clone(), version)).or_default().merge(&CellAgg { hits, durations });
            }
        }
        if let Some(ea) = self.delta.endpoints.get(&endpoint) {
            for g in groups {
                let mut key = vec![col];
                key.extend_from_slice(g);
                for (version, c) in ea.cells.get(&key).into_iter().flatten() {
                    out.entry((g.clone(), version.clone())).or_default().merge(c);
                }
            }
        }
        Ok(Some(out))
    }

    /// Counts (and, when `durations`, usable durations) per endpoint key of the requests with
    /// `from <= time_requested` (`< to` when given), exact (see [`SummaryView::window_by`]). `None` when there
    /// are too many odd times (or a row is damaged).
    pub(crate) fn window(
        &self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        durations: bool,
    ) -> rusqlite::Result<Option<HashMap<i64, WindowAgg>>> {
        if self.scope != Scope::All {
            return Ok(None);
        }
        let Some(parts) = self.window_by(from, to, durations, By::Endpoint, None)? else { return Ok(None) };
        Ok(Some(parts.into_iter().map(|((e, _), part)| (e, part.agg)).collect()))
    }

    /// True when this view may answer for `endpoint` (its scope holds it).
    pub(crate) fn covers(&self, endpoint: i64) -> bool {
        self.in_scope(Some(endpoint))
    }

    /// Requests of `endpoint` in the hour table's hours `first_hour..end_hour`.
    pub(crate) fn hours_total(&self, endpoint: i64, first_hour: i64, end_hour: i64) -> rusqlite::Result<i64> {
        self.conn
            .prepare_cached(&format!(
                "SELECT coalesce(sum(hits), 0) FROM {} WHERE endpoint = ?1 AND hour >= ?2 AND hour < ?3",
                self.names.hour
            ))?
            .query_row(params![endpoint, first_hour, end_hour], |r| r.get(0))
    }

    /// The connection of the view's snapshot.
    pub(crate) fn conn(&self) -> &Connection {
        self.conn
    }

    /// The summary tables' names.
    pub(crate) fn names(&self) -> &Names {
        &self.names
    }

    /// `(x[k], x[k + 1])` of an endpoint's sorted usable durations (`x[k]` twice at the end), read exactly from
    /// the `(endpoint_id, duration)` index at the position the histogram gives. `None` when the index does not
    /// agree with the histogram (the caller then queries directly).
    pub(crate) fn exact_pair(&self, endpoint: i64, d: &Durations, k: u64) -> rusqlite::Result<Option<(f64, f64)>> {
        let n = d.count();
        let Some((b, rank)) = d.hist.locate(k) else { return Ok(None) };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT duration FROM {} WHERE endpoint_id = ?1 AND duration >= ?2 AND duration <= ?3 \
             ORDER BY duration LIMIT 2 OFFSET ?4",
            self.request
        ))?;
        let offset = i64::try_from(rank).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![endpoint, bucket_low(b), LIMIT, offset])?;
        let mut values = Vec::with_capacity(2);
        while let Some(r) = rows.next()? {
            values.push(duration_of(r.get_ref(0)?));
        }
        let Some(Some(a)) = values.first().copied() else { return Ok(None) };
        if bucket(a) != b {
            return Ok(None);
        }
        let next = if k + 1 < n {
            match values.get(1).copied() {
                Some(Some(v)) => v,
                _ => return Ok(None),
            }
        } else {
            a
        };
        Ok(Some((a, next)))
    }

    /// numpy's median of an endpoint's usable durations, exact (see [`SummaryView::exact_pair`]).
    pub(crate) fn exact_median(&self, endpoint: i64, d: &Durations) -> rusqlite::Result<Option<Option<f64>>> {
        let n = d.count();
        if n == 0 {
            return Ok(Some(None));
        }
        Ok(self.exact_pair(endpoint, d, (n - 1) / 2)?.map(|(a, b)| Some(if n % 2 == 1 { a } else { (a + b) / 2.0 })))
    }

    /// An endpoint's box-plot summary over all time, exact: count, mean (compensated sum), minimum and maximum
    /// from the summaries, percentiles by [`SummaryView::exact_pair`], whiskers by `whiskers(low, high)`.
    /// `Ok(None)` when the index disagrees.
    pub(crate) fn exact_summary(
        &self,
        endpoint: i64,
        d: &Durations,
        whiskers: impl Fn(f64, f64, f64, f64) -> rusqlite::Result<(f64, f64)>,
    ) -> rusqlite::Result<Option<Option<DurationSummary>>> {
        let n = d.count();
        let Some(mean) = d.mean() else { return Ok(Some(None)) };
        let mut p = [0.0f64; 4];
        for (slot, q) in p.iter_mut().zip([25.0, 50.0, 75.0, 95.0]) {
            let Some((k, gamma)) = virtual_index(n, q) else { return Ok(None) };
            let Some((a, b)) = self.exact_pair(endpoint, d, k)? else { return Ok(None) };
            *slot = lerp(a, b, gamma);
        }
        let [p25, p50, p75, p95] = p;
        let (low, high) = crate::store::views::fences(p25, p75);
        let (whisker_low, whisker_high) = whiskers(low, high, d.min, d.max)?;
        Ok(Some(Some(DurationSummary {
            count: n,
            mean,
            min: d.min,
            p25,
            p50,
            p75,
            p95,
            max: d.max,
            whisker_low,
            whisker_high,
        })))
    }
}
