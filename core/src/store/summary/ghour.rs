//! The `ghour` table: per endpoint, UTC hour, tracked user or IP and version, the hits and durations of the
//! requests whose time is FMD's exact text (the same rows as the `hour` table), so the per-user/IP views of a
//! bounded window can be answered without reading every row of the window.
//!
//! Only tracked users and IPs (see `track` in the module docs) get rows, which keeps the table bounded (at most
//! 64 per endpoint and column, times hours, times versions). The requests of every other user or IP are not
//! stored: their hits per hour are the `hour` table's hits minus the tracked ones. A window answer is
//! *complete* only when that difference is 0 over the window's whole hours, i.e. every request of those hours
//! belongs to a user/IP with `ghour` rows. That test is also what makes newly tracked users and IPs safe while
//! their backfill runs: a tracked one's rows never count more than its requests, so the sum over the tracked
//! equals the hour table's hits only when each of them is complete for those hours.
//!
//! Rows are written by refreshes only (in the tracked-cells mode of the aggregate), merged like the `cell`
//! rows, filled in by the same backfill when a user/IP becomes tracked and deleted with its cells when it is
//! dropped.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use super::agg::{key_into, CellAgg, IP, USER};
use super::histogram::usable;
use super::read::{SummaryView, ODD_LIMIT};
use super::rows::{self, durations_of, Damaged, DURATION_COLUMNS};
use super::schema::{self, Names, FORMAT};
use super::window::split_hours;
use crate::store::views::duration_of;
use crate::store::Store;

/// The table's DDL (`{P}` is the prefix). Keyed hour before user/IP so a window is one range per endpoint and
/// column.
pub(crate) const DDL: &str = r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_ghour" (endpoint INTEGER NOT NULL, col INTEGER NOT NULL, hour INTEGER NOT NULL, grp BLOB NOT NULL, version BLOB NOT NULL, hits INTEGER NOT NULL, valid INTEGER NOT NULL, sum REAL NOT NULL, sum_c REAL NOT NULL, dmin REAL, dmax REAL, hist BLOB NOT NULL, PRIMARY KEY (endpoint, col, hour, grp, version)) WITHOUT ROWID"#;

/// Per `[col] + group key`, UTC hour and version key: hits and durations.
pub(crate) type GHours = HashMap<(Vec<u8>, i64, Vec<u8>), CellAgg>;

/// Per (user/IP key, version key) of one endpoint and column: hits and usable durations.
pub(crate) type GroupCells = HashMap<(Vec<u8>, Vec<u8>), CellAgg>;

/// Counts one request of `[col] + group` in `hour` and `version`.
pub(crate) fn add(map: &mut GHours, col_group: &[u8], hour: i64, version: &[u8], duration: Option<f64>) {
    let cell = map.entry((col_group.to_vec(), hour, version.to_vec())).or_default();
    cell.hits += 1;
    if let Some(d) = duration {
        cell.durations.add(d);
    }
}

/// Merges `c` into the stored row of (endpoint, col, hour, group, version).
#[allow(clippy::too_many_arguments)]
pub(crate) fn merge_row(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    col: u8,
    hour: i64,
    group: &[u8],
    version: &[u8],
    c: CellAgg,
) -> rusqlite::Result<Result<(), Damaged>> {
    let key = "endpoint = ?1 AND col = ?2 AND hour = ?3 AND grp = ?4 AND version = ?5";
    let old = conn
        .prepare_cached(&format!("SELECT hits, {DURATION_COLUMNS} FROM {} WHERE {key}", names.ghour))?
        .query_row(params![endpoint, col, hour, group, version], |r| {
            let hits = u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0);
            Ok(durations_of(r, 1)?.map(|durations| CellAgg { hits, durations }))
        })
        .optional()?;
    let merged = match old {
        None => c,
        Some(None) => return Ok(Err(Damaged)),
        Some(Some(mut old)) => {
            old.merge(&c);
            old
        }
    };
    let key = vec![
        Value::Integer(endpoint),
        Value::Integer(i64::from(col)),
        Value::Integer(hour),
        Value::Blob(group.to_vec()),
        Value::Blob(version.to_vec()),
        rows::int(merged.hits),
    ];
    rows::replace_with_durations(
        conn,
        &names.ghour,
        "endpoint, col, hour, grp, version, hits",
        key,
        &merged.durations,
    )?;
    Ok(Ok(()))
}

/// Deletes every row of one user/IP of an endpoint (when it stops being tracked, or before its backfill).
pub(crate) fn delete_group(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    col: u8,
    group: &[u8],
) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!("DELETE FROM {} WHERE endpoint = ?1 AND col = ?2 AND grp = ?3", names.ghour))?
        .execute(params![endpoint, col, group])?;
    Ok(())
}

/// The request column of a summary column number.
fn column_sql(col: u8) -> Option<&'static str> {
    match col {
        USER => Some("group_by"),
        IP => Some("ip"),
        _ => None,
    }
}

/// A cheap, unchecked look at a window of one endpoint before the checked summaries are opened: the requests
/// of its whole UTC hours in the hour table, and whether the tracked users/IPs (`col`) account for all of them
/// in `ghour`. `None` without usable summaries. Views use it to go straight to the rows when the summaries
/// would not answer (small windows, untracked users/IPs) without paying for the checks.
pub(crate) fn window_estimate(
    store: &Store,
    endpoint: i64,
    col: u8,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> rusqlite::Result<Option<(u64, bool)>> {
    let names = Names::new(store.tables());
    let Some(state) = schema::read_state(&store.conn, &names)? else { return Ok(None) };
    if state.format != FORMAT || state.mark <= 0 || state.pending.is_some() {
        return Ok(None);
    }
    let Some((Some((first, end)), _)) = split_hours(from, to) else { return Ok(Some((0, true))) };
    let sum = |table: &str, filter: &str| -> rusqlite::Result<u64> {
        let sql = format!(
            "SELECT coalesce(sum(hits), 0) FROM {table} WHERE endpoint = ?1 {filter} AND hour >= ?2 AND hour < ?3"
        );
        let n: i64 = store.conn.prepare_cached(&sql)?.query_row(params![endpoint, first, end, col], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let hours = sum(&names.hour, "AND ?4 = ?4")?;
    let tracked = sum(&names.ghour, "AND col = ?4")?;
    Ok(Some((hours, hours == tracked)))
}

/// A cheap, unchecked look before an all-time per-user/IP view opens the checked summaries: false when fewer
/// users/IPs (`col`) of `endpoint` are tracked than the `top` busiest it asks for (and the endpoint has more),
/// so their cells cannot all be there. A wrong guess only costs time: the checked path decides.
pub(crate) fn may_track_top(store: &Store, endpoint: i64, col: u8, top: Option<usize>) -> rusqlite::Result<bool> {
    let names = Names::new(store.tables());
    let Some(state) = schema::read_state(&store.conn, &names)? else { return Ok(false) };
    if state.format != FORMAT {
        return Ok(false);
    }
    let count = |table: &str, filter: &str| -> rusqlite::Result<u64> {
        let sql = format!("SELECT count(*) FROM {table} WHERE endpoint = ?1 AND col = ?2 {filter}");
        let n: i64 = store.conn.prepare_cached(&sql)?.query_row(params![endpoint, col], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let tracked = count(&names.track, "AND complete = 1")?;
    let groups = count(&names.group, "")?;
    let wanted = top.map_or(groups, |t| groups.min(u64::try_from(t).unwrap_or(u64::MAX)));
    Ok(tracked >= wanted)
}

/// A complete window of one endpoint per user/IP and version (see the module docs of this file).
#[derive(Debug, Default)]
pub(crate) struct GroupWindow {
    /// Per (user/IP key, version key).
    pub(crate) cells: GroupCells,
    /// Requests of the endpoint in the window.
    pub(crate) hits: u64,
}

impl SummaryView<'_> {
    /// Hits (and, when `durations`, usable durations) per user (col 0) or IP (col 1) key and version key of
    /// `endpoint`'s requests with `from <= time_requested` (`< to` when given), exact: whole hours from the
    /// `ghour` table, the rest (partial hours, odd times, rows above the mark) from the requests, as
    /// [`SummaryView::window`] does. `None` when a request of the window's whole hours belongs to a user/IP
    /// without complete `ghour` rows (the caller then reads the rows), when there are too many odd times, or
    /// when a row is damaged.
    pub(crate) fn group_window(
        &self,
        endpoint: i64,
        col: u8,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        durations: bool,
    ) -> rusqlite::Result<Option<GroupWindow>> {
        let Some(column) = column_sql(col) else { return Ok(None) };
        if !self.covers(endpoint) || self.odd_rows() > ODD_LIMIT {
            return Ok(None);
        }
        let plan = self.window_plan(Some(from), to, &format!("{column}, version_requested, duration"), Some(endpoint));
        let Some(plan) = plan else { return Ok(None) };
        let mut out = GroupWindow::default();
        if let Some((first_hour, end_hour)) = plan.hours {
            let names = self.names();
            let total = self.hours_total(endpoint, first_hour, end_hour)?;
            let columns = if durations { DURATION_COLUMNS } else { "0, 0.0, 0.0, NULL, NULL, X'0100'" };
            let mut stmt = self.conn().prepare_cached(&format!(
                "SELECT grp, version, hits, {columns} FROM {} \
                 WHERE endpoint = ?1 AND col = ?2 AND hour >= ?3 AND hour < ?4",
                names.ghour
            ))?;
            let mut rows = stmt.query(params![endpoint, col, first_hour, end_hour])?;
            while let Some(r) = rows.next()? {
                let group = r.get_ref(0)?.as_blob().unwrap_or_default().to_vec();
                let version = r.get_ref(1)?.as_blob().unwrap_or_default().to_vec();
                let hits = u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0);
                let Some(d) = durations_of(r, 3)? else { return Ok(None) };
                out.hits += hits;
                out.cells.entry((group, version)).or_default().merge(&CellAgg { hits, durations: d });
            }
            // Requests of users/IPs without (complete) rows: the hour table's hits minus the tracked ones.
            if u64::try_from(total).ok() != Some(out.hits) {
                return Ok(None);
            }
        }
        let (mut group, mut version) = (Vec::new(), Vec::new());
        plan.each_row(self.conn(), |r| {
            key_into(r.get_ref(0)?, &mut group);
            key_into(r.get_ref(1)?, &mut version);
            let cell = out.cells.entry((group.clone(), version.clone())).or_default();
            cell.hits += 1;
            out.hits += 1;
            if durations {
                if let Some(d) = duration_of(r.get_ref(2)?).filter(|d| usable(*d)) {
                    cell.durations.add(d);
                }
            }
            Ok(())
        })?;
        Ok(Some(out))
    }
}

/// All durations of a cell map merged per user/IP key (over versions).
pub(crate) fn per_group(cells: &GroupCells) -> HashMap<Vec<u8>, CellAgg> {
    let mut out: HashMap<Vec<u8>, CellAgg> = HashMap::new();
    for ((group, _), c) in cells {
        out.entry(group.clone()).or_default().merge(c);
    }
    out
}
