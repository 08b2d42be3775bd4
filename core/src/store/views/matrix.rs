//! Users x versions and IPs x versions of an endpoint: the median duration per cell (FMD's
//! `/api/version_user/<id>` and `/api/version_ip/<id>`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::groups::{by_hits_desc, GroupColumn};
use super::versions::{chronological, merge_first, Earliest};
use super::{duration_of, key_bytes, slot, slot_mut, Access, TimeRange, VersionInfo};
use crate::store::overview::median;
use crate::store::summary::histogram::Durations;
use crate::store::summary::{extend_moving, key_name, may_track_top, Scope};
use crate::store::{Store, StoreError};

/// Median durations per user (or IP) and version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionMatrix {
    /// The columns: the endpoint's versions in the range, oldest first use first; `date` is the endpoint's first
    /// request in that version over all time.
    pub versions: Vec<VersionInfo>,
    /// The rows: the busiest users (or IPs) in the range, busiest first.
    pub groups: Vec<MatrixGroup>,
    /// `data[group][version]`: median ms (numpy's median), `None` where the pair has no usable request
    /// (FMD shows 0 there).
    pub data: Vec<Vec<Option<f64>>>,
}

/// A row of a [`VersionMatrix`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixGroup {
    /// The user (group_by) or IP.
    pub name: String,
    /// Its requests in the range.
    pub hits: u64,
}

impl Store {
    /// The median duration of each of the `top` busiest users (or IPs) in each version, for one endpoint.
    ///
    /// Over all time on large files with summaries, the users/IPs, versions and hits are exact and the medians
    /// come from the per-version histograms kept for the busiest users and IPs of each endpoint (within 0.4 %),
    /// unless `SummaryPolicy::approximate` is off or one of the `top` is not tracked (then the rows are read).
    /// Over a window holding more than `SummaryPolicy::exact_window_rows` requests the same holds when every
    /// request of the window's whole hours is of a tracked user/IP (the `ghour` table; the partial hours at the
    /// edges are read exactly).
    pub fn version_matrix(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: TimeRange,
        top: usize,
    ) -> Result<VersionMatrix, StoreError> {
        if !range.is_bounded() {
            if let Some(m) = self.view_snapshot(|| self.version_matrix_from_summaries(endpoint_id, column, top))? {
                return Ok(m);
            }
        } else if let Some(m) =
            self.view_snapshot(|| self.version_matrix_of_window(endpoint_id, column, &range, top))?
        {
            return Ok(m);
        }
        if let Some(m) = self.view_snapshot(|| self.version_matrix_from_rows(endpoint_id, column, &range, top))? {
            return Ok(m);
        }
        let col = column.sql();
        let (hits, mut cells, first) = self.view_snapshot(|| {
            let filter = self.view_filter(&range, endpoint_id, Access::Rows)?;
            let sql = format!(
                "SELECT {col}, version_requested, duration, time_requested FROM {} WHERE {}",
                self.tables.request,
                filter.sql()
            );
            // Few versions (a vector, cached), more groups (a map on the raw bytes); cells by version index.
            let mut versions: Vec<(Vec<u8>, Earliest)> = Vec::new();
            let mut last = usize::MAX;
            let mut groups: HashMap<Vec<u8>, (u64, Vec<Vec<f64>>)> = HashMap::new();
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(filter.params())?;
            while let Some(r) = rows.next()? {
                let v = slot(&mut versions, &mut last, key_bytes(r.get_ref(1)?), Earliest::default);
                if !range.is_bounded() {
                    if let Some((_, earliest)) = versions.get_mut(v) {
                        earliest.see(r.get_ref(3)?);
                    }
                }
                let Some((hits, cells)) = slot_mut(&mut groups, &key_bytes(r.get_ref(0)?)) else { continue };
                *hits += 1;
                if cells.len() <= v {
                    cells.resize_with(v + 1, Vec::new);
                }
                if let (Some(d), Some(cell)) = (duration_of(r.get_ref(2)?), cells.get_mut(v)) {
                    cell.push(d);
                }
            }
            let names: Vec<String> = versions.iter().map(|(k, _)| String::from_utf8_lossy(k).into_owned()).collect();
            let mut first = HashMap::new();
            for (name, (_, earliest)) in names.iter().zip(&versions) {
                merge_first(&mut first, name.clone(), earliest.get());
            }
            if range.is_bounded() {
                self.date_by_first_use(endpoint_id, &mut first)?;
            }
            let mut hits: HashMap<String, u64> = HashMap::new();
            let mut merged: HashMap<(String, String), Vec<f64>> = HashMap::new();
            for (key, (n, per_version)) in groups {
                let group = String::from_utf8_lossy(&key).into_owned();
                *hits.entry(group.clone()).or_default() += n;
                for (values, version) in per_version.into_iter().zip(&names) {
                    if !values.is_empty() {
                        merged.entry((group.clone(), version.clone())).or_default().extend(values);
                    }
                }
            }
            Ok((hits, merged, first))
        })?;
        Ok(exact_matrix(hits, &mut cells, first, top))
    }

    /// [`Store::version_matrix`] from every request's entry in the `packed` summary table (exact, like the
    /// direct query); `None` when they cannot answer.
    fn version_matrix_from_rows(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: &TimeRange,
        top: usize,
    ) -> rusqlite::Result<Option<VersionMatrix>> {
        let Some(rows) = self.view_group_rows(endpoint_id, column, true, true, range)? else { return Ok(None) };
        let mut hits: HashMap<String, u64> = HashMap::new();
        let mut cells: HashMap<(String, String), Vec<f64>> = HashMap::new();
        let mut first: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
        for ((group, version), cell) in rows {
            let (group, version) = (key_name(&group), key_name(&version));
            *hits.entry(group.clone()).or_default() += cell.hits;
            first.insert(version.clone(), None);
            if !cell.durations.is_empty() {
                extend_moving(cells.entry((group, version)).or_default(), cell.durations);
            }
        }
        // Columns are dated by their first use over all time, as the direct query does.
        self.date_by_first_use(endpoint_id, &mut first)?;
        Ok(Some(exact_matrix(hits, &mut cells, first, top)))
    }

    /// Dates each version of `first` by the endpoint's first request in it over all time.
    fn date_by_first_use(
        &self,
        endpoint_id: i64,
        first: &mut HashMap<String, Option<DateTime<Utc>>>,
    ) -> rusqlite::Result<()> {
        if first.is_empty() {
            return Ok(());
        }
        let all_time = self.view_first_use(&TimeRange::ALL, Some(endpoint_id))?;
        for (version, date) in first.iter_mut() {
            *date = all_time.get(version).copied().flatten();
        }
        Ok(())
    }

    /// [`Store::version_matrix`] over all time from the summaries; `None` when they cannot answer.
    fn version_matrix_from_summaries(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        top: usize,
    ) -> rusqlite::Result<Option<VersionMatrix>> {
        let col = column.summary_col();
        if !self.summary_policy().approximate || !may_track_top(self, endpoint_id, col, Some(top))? {
            return Ok(None);
        }
        let Some(view) = self.summary_view(Scope::Endpoint(endpoint_id), true)? else { return Ok(None) };
        let Some(groups) = view.groups(endpoint_id, col)? else { return Ok(None) };
        let Some(versions) = view.versions(Some(endpoint_id), false)? else { return Ok(None) };
        let mut hits: HashMap<String, u64> = HashMap::new();
        let mut keys: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        for (key, n) in groups {
            let name = key_name(&key);
            *hits.entry(name.clone()).or_default() += n;
            keys.entry(name).or_default().push(key);
        }
        let mut order: Vec<(String, u64)> = hits.into_iter().collect();
        by_hits_desc(&mut order);
        order.truncate(top);
        let wanted: Vec<Vec<u8>> = order.iter().flat_map(|(name, _)| keys.remove(name).unwrap_or_default()).collect();
        let Some(cells) = view.cells(endpoint_id, col, &wanted)? else { return Ok(None) };
        let mut first = HashMap::new();
        for (_, key, v) in &versions {
            merge_first(&mut first, key_name(key), v.first_use());
        }
        let versions = chronological(first);
        let mut merged: HashMap<(String, String), Durations> = HashMap::new();
        for ((group, version), cell) in cells {
            merged.entry((key_name(&group), key_name(&version))).or_default().merge(&cell.durations);
        }
        Ok(Some(from_histograms(versions, order, &merged)))
    }

    /// [`Store::version_matrix`] over a bounded window from the summaries; `None` when they cannot answer.
    fn version_matrix_of_window(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: &TimeRange,
        top: usize,
    ) -> rusqlite::Result<Option<VersionMatrix>> {
        let policy = self.summary_policy();
        if !policy.enabled || !policy.approximate {
            return Ok(None);
        }
        let wanted = |hits: u64| hits > policy.exact_window_rows;
        let Some((view, window)) = self.view_group_window(endpoint_id, column, range, wanted, true)? else {
            return Ok(None);
        };
        let Some(all_time) = view.versions(Some(endpoint_id), false)? else { return Ok(None) };
        let mut hits: HashMap<String, u64> = HashMap::new();
        let mut merged: HashMap<(String, String), Durations> = HashMap::new();
        let mut first: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
        for ((group, version), cell) in &window.cells {
            let (group, version) = (key_name(group), key_name(version));
            *hits.entry(group.clone()).or_default() += cell.hits;
            first.insert(version.clone(), None);
            merged.entry((group, version)).or_default().merge(&cell.durations);
        }
        // Columns are the window's versions, dated by their first use over all time (as the direct query does).
        let mut dates = HashMap::new();
        for (_, key, v) in &all_time {
            merge_first(&mut dates, key_name(key), v.first_use());
        }
        for (version, date) in first.iter_mut() {
            *date = dates.get(version).copied().flatten();
        }
        let versions = chronological(first);
        let mut order: Vec<(String, u64)> = hits.into_iter().collect();
        by_hits_desc(&mut order);
        order.truncate(top);
        Ok(Some(from_histograms(versions, order, &merged)))
    }
}

/// The matrix of the `top` busiest groups by the versions (oldest first use first), each cell the exact median
/// of its durations.
fn exact_matrix(
    hits: HashMap<String, u64>,
    cells: &mut HashMap<(String, String), Vec<f64>>,
    first: HashMap<String, Option<DateTime<Utc>>>,
    top: usize,
) -> VersionMatrix {
    let versions = chronological(first);
    let mut order: Vec<(String, u64)> = hits.into_iter().collect();
    by_hits_desc(&mut order);
    order.truncate(top);
    let data = order
        .iter()
        .map(|(group, _)| {
            versions
                .iter()
                .map(|v| cells.get_mut(&(group.clone(), v.version.clone())).and_then(|values| median(values)))
                .collect()
        })
        .collect();
    let groups = order.into_iter().map(|(name, hits)| MatrixGroup { name, hits }).collect();
    VersionMatrix { versions, groups, data }
}

/// The matrix of `order`'s groups (busiest first) by `versions`, each cell the approximate median of its merged
/// histogram.
fn from_histograms(
    versions: Vec<VersionInfo>,
    order: Vec<(String, u64)>,
    merged: &HashMap<(String, String), Durations>,
) -> VersionMatrix {
    let data = order
        .iter()
        .map(|(group, _)| {
            versions
                .iter()
                .map(|v| merged.get(&(group.clone(), v.version.clone())).and_then(Durations::approx_median))
                .collect()
        })
        .collect();
    let groups = order.into_iter().map(|(name, hits)| MatrixGroup { name, hits }).collect();
    VersionMatrix { versions, groups, data }
}
