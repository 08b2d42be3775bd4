//! Users (FMD's group_by) and client IPs of an endpoint: hits (FMD's `/api/users/<id>` and `/api/ip/<id>`)
//! and duration summaries per user or IP (FMD's per-user box plots).

use std::collections::HashMap;

use serde::Serialize;

use super::{duration_of, key_bytes, lossy_keys, slot_mut, Access, DurationSummary, TimeRange};
use crate::store::summary::histogram::Durations;
use crate::store::summary::{
    key_name, may_track_top, merge_cell, per_group, window_estimate, GroupWindow, RowCell, RowCells, Scope,
    SummaryView, IP, USER,
};
use crate::store::{Store, StoreError};

/// Which request column groups the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupColumn {
    /// `Request.group_by`, which FMD's UI calls "users".
    User,
    /// `Request.ip`.
    Ip,
}

impl GroupColumn {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            GroupColumn::User => "group_by",
            GroupColumn::Ip => "ip",
        }
    }

    /// The column's number in the summary tables.
    pub(crate) fn summary_col(self) -> u8 {
        match self {
            GroupColumn::User => USER,
            GroupColumn::Ip => IP,
        }
    }
}

/// A user and its requests (FMD's `{user, hits}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserHits {
    /// `Request.group_by` (NULL reads as empty).
    pub user: String,
    /// Requests.
    pub hits: u64,
}

/// An IP and its requests (FMD's `{ip, hits}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpHits {
    /// `Request.ip`.
    pub ip: String,
    /// Requests.
    pub hits: u64,
}

/// One user's or IP's durations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupPerformance {
    /// The user (group_by) or IP.
    pub group: String,
    /// Requests in the range.
    pub hits: u64,
    /// Summary of the usable durations, `None` when there are none.
    pub summary: Option<DurationSummary>,
}

/// Busiest first; ties put the larger value first (byte order), which is the order SQLite's sorter gave FMD.
pub fn by_hits_desc(list: &mut [(String, u64)]) {
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
}

impl Store {
    /// An endpoint's users (group_by values) by requests, descending (ties: larger value first, as FMD shows).
    ///
    /// FMD counts `count(group_by)`, which would give a NULL group_by 0 hits; here NULL counts, as `""`.
    pub fn users(&self, endpoint_id: i64, range: TimeRange) -> Result<Vec<UserHits>, StoreError> {
        let list = self.view_snapshot(|| self.view_group_hits(endpoint_id, GroupColumn::User, &range))?;
        Ok(list.into_iter().map(|(user, hits)| UserHits { user, hits }).collect())
    }

    /// An endpoint's client IPs by requests, descending (ties: larger value first).
    pub fn ips(&self, endpoint_id: i64, range: TimeRange) -> Result<Vec<IpHits>, StoreError> {
        let list = self.view_snapshot(|| self.view_group_hits(endpoint_id, GroupColumn::Ip, &range))?;
        Ok(list.into_iter().map(|(ip, hits)| IpHits { ip, hits }).collect())
    }

    /// Requests per value of `column`, busiest first (from the summaries when they can answer: over all time,
    /// and over windows of at least a tenth of `SummaryPolicy::exact_window_rows` requests whose whole hours
    /// hold only tracked users/IPs).
    pub(crate) fn view_group_hits(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: &TimeRange,
    ) -> rusqlite::Result<Vec<(String, u64)>> {
        // Windows under a tenth of `exact_window_rows` requests (50 000 by default) are cheaper to count from
        // the rows than to check the summaries for.
        let small = self.summary_policy().exact_window_rows / 10;
        let wanted = |hits: u64| hits >= small;
        if let Some((_, window)) = self.view_group_window(endpoint_id, column, range, wanted, false)? {
            return Ok(busiest_by_name(per_group(&window.cells).into_iter().map(|(key, c)| (key, c.hits))));
        }
        if !range.is_bounded() {
            if let Some(view) = self.summary_view(Scope::Endpoint(endpoint_id), false)? {
                if let Some(groups) = view.groups(endpoint_id, column.summary_col())? {
                    return Ok(busiest_by_name(groups));
                }
            }
        }
        if range.is_bounded() {
            if let Some(cells) = self.view_group_rows(endpoint_id, column, false, false, range)? {
                return Ok(busiest_by_name(cells.into_iter().map(|((key, _), c)| (key, c.hits))));
            }
        }
        let col = column.sql();
        let filter = self.view_filter(range, endpoint_id, Access::Rows)?;
        let mut stmt =
            self.conn.prepare(&format!("SELECT {col} FROM {} WHERE {}", self.tables.request, filter.sql()))?;
        let mut rows = stmt.query(filter.params())?;
        let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
        while let Some(r) = rows.next()? {
            if let Some(n) = slot_mut(&mut counts, &key_bytes(r.get_ref(0)?)) {
                *n += 1;
            }
        }
        let merged = lossy_keys(counts, |a, b| *a += b);
        let mut list: Vec<(String, u64)> = merged.into_iter().collect();
        by_hits_desc(&mut list);
        Ok(list)
    }

    /// An endpoint's requests in a bounded `range` per (user or IP key, version key) from the summaries (see
    /// `SummaryView::group_window`), with durations when `durations`, and the view it came from; `None` for an
    /// open range, when they cannot answer, or when `wanted(requests in the window)` says the rows are
    /// cheaper. An unchecked estimate decides first, so windows the summaries would not answer (small ones,
    /// untracked users/IPs) cost no more than their direct query.
    pub(crate) fn view_group_window(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: &TimeRange,
        wanted: impl Fn(u64) -> bool,
        durations: bool,
    ) -> rusqlite::Result<Option<(SummaryView<'_>, GroupWindow)>> {
        let Some(from) = range.from else { return Ok(None) };
        let col = column.summary_col();
        match window_estimate(self, endpoint_id, col, from, range.to)? {
            Some((hits, true)) if wanted(hits) => {}
            _ => return Ok(None),
        }
        let Some(view) = self.summary_view(Scope::Endpoint(endpoint_id), false)? else { return Ok(None) };
        let Some(window) = view.group_window(endpoint_id, col, from, range.to, durations)? else { return Ok(None) };
        if !wanted(window.hits) {
            return Ok(None);
        }
        Ok(Some((view, window)))
    }

    /// An endpoint's requests in `range` per (user or IP key, version key when `by_version`, else empty) with
    /// every duration, exactly, from the `packed` summary table; `None` when the summaries cannot answer, and
    /// for windows of fewer than a tenth of `SummaryPolicy::exact_window_rows` requests in whole hours (the rows
    /// are cheaper there).
    pub(crate) fn view_group_rows(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        by_version: bool,
        durations: bool,
        range: &TimeRange,
    ) -> rusqlite::Result<Option<RowCells>> {
        let small = self.summary_policy().exact_window_rows / 10;
        if let Some(from) = range.from {
            match window_estimate(self, endpoint_id, column.summary_col(), from, range.to)? {
                Some((hits, _)) if hits >= small => {}
                _ => return Ok(None),
            }
        }
        let Some(view) = self.summary_view(Scope::Endpoint(endpoint_id), false)? else { return Ok(None) };
        view.packed_window(endpoint_id, column.summary_col(), by_version, durations, range.from, range.to)
    }

    /// Duration summaries of an endpoint per user or IP, busiest first, the `top` busiest only when given.
    ///
    /// On large files with summaries, and unless `SummaryPolicy::approximate` is off, hits, counts, means,
    /// minima and maxima are exact and the percentiles come from histograms (within 0.4 %): over all time when
    /// each of the `top` is a tracked user/IP (their per-version cells), over a window holding more than
    /// `SummaryPolicy::exact_window_rows` requests when every request of its whole hours is of a tracked one
    /// (the `ghour` table). Otherwise the rows are read.
    pub fn group_performance(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: TimeRange,
        top: Option<usize>,
    ) -> Result<Vec<GroupPerformance>, StoreError> {
        if let Some(list) =
            self.view_snapshot(|| self.group_performance_from_summaries(endpoint_id, column, &range, top))?
        {
            return Ok(list);
        }
        if let Some(cells) = self.view_snapshot(|| self.view_group_rows(endpoint_id, column, false, true, &range))? {
            let mut groups: HashMap<String, RowCell> = HashMap::new();
            for ((key, _), c) in cells {
                merge_cell(groups.entry(key_name(&key)).or_default(), c);
            }
            let groups = groups.into_iter().map(|(name, c)| (name, (c.hits, c.durations))).collect();
            return Ok(busiest_summaries(groups, top));
        }
        let col = column.sql();
        let groups = self.view_snapshot(|| {
            let filter = self.view_filter(&range, endpoint_id, Access::Rows)?;
            let sql = format!("SELECT {col}, duration FROM {} WHERE {}", self.tables.request, filter.sql());
            let mut groups: HashMap<Vec<u8>, (u64, Vec<f64>)> = HashMap::new();
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(filter.params())?;
            while let Some(r) = rows.next()? {
                let Some(entry) = slot_mut(&mut groups, &key_bytes(r.get_ref(0)?)) else { continue };
                entry.0 += 1;
                if let Some(d) = duration_of(r.get_ref(1)?) {
                    entry.1.push(d);
                }
            }
            Ok(lossy_keys(groups, |a, b| {
                a.0 += b.0;
                a.1.extend(b.1);
            }))
        })?;
        Ok(busiest_summaries(groups, top))
    }

    /// [`Store::group_performance`] from the summaries; `None` when they cannot answer.
    fn group_performance_from_summaries(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: &TimeRange,
        top: Option<usize>,
    ) -> rusqlite::Result<Option<Vec<GroupPerformance>>> {
        let policy = self.summary_policy();
        if !policy.enabled || !policy.approximate {
            return Ok(None);
        }
        // Per user/IP name: hits and durations.
        let mut merged: HashMap<String, (u64, Durations)> = HashMap::new();
        if range.is_bounded() {
            let wanted = |hits: u64| hits > policy.exact_window_rows;
            let Some((_, window)) = self.view_group_window(endpoint_id, column, range, wanted, true)? else {
                return Ok(None);
            };
            for (key, c) in per_group(&window.cells) {
                let entry = merged.entry(key_name(&key)).or_default();
                entry.0 += c.hits;
                entry.1.merge(&c.durations);
            }
        } else {
            let col = column.summary_col();
            if !may_track_top(self, endpoint_id, col, top)? {
                return Ok(None);
            }
            let Some(view) = self.summary_view(Scope::Endpoint(endpoint_id), true)? else { return Ok(None) };
            let Some(groups) = view.groups(endpoint_id, col)? else { return Ok(None) };
            let mut keys: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
            for (key, n) in groups {
                let name = key_name(&key);
                merged.entry(name.clone()).or_default().0 += n;
                keys.entry(name).or_default().push(key);
            }
            let mut order: Vec<(String, u64)> = merged.iter().map(|(k, v)| (k.clone(), v.0)).collect();
            by_hits_desc(&mut order);
            order.truncate(top.unwrap_or(usize::MAX));
            let wanted: Vec<Vec<u8>> =
                order.iter().flat_map(|(name, _)| keys.remove(name).unwrap_or_default()).collect();
            let Some(cells) = view.cells(endpoint_id, col, &wanted)? else { return Ok(None) };
            for ((group, _), cell) in cells {
                merged.entry(key_name(&group)).or_default().1.merge(&cell.durations);
            }
        }
        let mut order: Vec<(String, u64)> = merged.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        by_hits_desc(&mut order);
        Ok(Some(
            order
                .into_iter()
                .take(top.unwrap_or(usize::MAX))
                .map(|(group, hits)| {
                    let summary = merged.get(&group).and_then(|(_, d)| d.approx_summary());
                    GroupPerformance { group, hits, summary }
                })
                .collect(),
        ))
    }
}

/// Requests per encoded key, merged per name (keys that read the same), busiest first.
fn busiest_by_name(keyed: impl IntoIterator<Item = (Vec<u8>, u64)>) -> Vec<(String, u64)> {
    let mut merged: HashMap<String, u64> = HashMap::new();
    for (key, n) in keyed {
        *merged.entry(key_name(&key)).or_default() += n;
    }
    let mut list: Vec<(String, u64)> = merged.into_iter().collect();
    by_hits_desc(&mut list);
    list
}

/// The `top` busiest (all when `None`) of per-name hits and durations, with their exact duration summaries.
fn busiest_summaries(mut groups: HashMap<String, (u64, Vec<f64>)>, top: Option<usize>) -> Vec<GroupPerformance> {
    let mut order: Vec<(String, u64)> = groups.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    by_hits_desc(&mut order);
    order
        .into_iter()
        .take(top.unwrap_or(usize::MAX))
        .map(|(group, hits)| {
            let summary = groups.get_mut(&group).and_then(|(_, v)| DurationSummary::from_unsorted(v));
            GroupPerformance { group, hits, summary }
        })
        .collect()
}
