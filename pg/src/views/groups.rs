//! Users (FMD's group_by) and client IPs of an endpoint on PostgreSQL: hits, duration summaries per user or IP,
//! and the users x versions (IPs x versions) median matrix. The same answers as `fmd_core`'s SQLite views
//! (their direct queries): PostgreSQL counts and groups, Rust sorts and computes the statistics with core's own
//! functions.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use fmd_core::store::views::{
    by_hits_desc, chronological, median, GroupColumn, GroupPerformance, IpHits, MatrixGroup, UserHits, VersionMatrix,
};
use fmd_core::store::{DurationSummary, TimeRange};
use fmd_core::StoreError;
use postgres::GenericClient;

use super::bind::{count, instant, Bind, FINITE};
use crate::PgStore;

/// The request column of a [`GroupColumn`].
fn column(column: GroupColumn) -> &'static str {
    match column {
        GroupColumn::User => "group_by",
        GroupColumn::Ip => "ip",
    }
}

impl PgStore {
    /// An endpoint's users (group_by values) by requests, descending (ties: larger value first); a NULL
    /// group_by counts as `""` (see `fmd_core::Store::users`).
    pub fn users(&self, endpoint_id: i64, range: TimeRange) -> Result<Vec<UserHits>, StoreError> {
        let list = self.read_snapshot(|c| self.group_hits(c, endpoint_id, GroupColumn::User, &range))?;
        Ok(list.into_iter().map(|(user, hits)| UserHits { user, hits }).collect())
    }

    /// An endpoint's client IPs by requests, descending (ties: larger value first).
    pub fn ips(&self, endpoint_id: i64, range: TimeRange) -> Result<Vec<IpHits>, StoreError> {
        let list = self.read_snapshot(|c| self.group_hits(c, endpoint_id, GroupColumn::Ip, &range))?;
        Ok(list.into_iter().map(|(ip, hits)| IpHits { ip, hits }).collect())
    }

    /// Requests per value of `col` (NULL as `""`), busiest first.
    fn group_hits(
        &self,
        client: &mut impl GenericClient,
        endpoint_id: i64,
        col: GroupColumn,
        range: &TimeRange,
    ) -> Result<Vec<(String, u64)>, postgres::Error> {
        let col = column(col);
        let bind = requests_of(endpoint_id, range);
        let sql = format!(
            "SELECT coalesce({col}::text, ''), count(*) FROM {} WHERE {} GROUP BY 1",
            self.tables.request,
            bind.conditions()
        );
        let mut list = Vec::new();
        for row in client.query(&sql, &bind.params())? {
            list.push((row.try_get::<_, String>(0)?, count(row.try_get(1)?)));
        }
        by_hits_desc(&mut list);
        Ok(list)
    }

    /// Duration summaries of an endpoint per user or IP, busiest first, the `top` busiest only when given
    /// (exact: every usable duration of each group, summarised by [`DurationSummary::from_unsorted`]).
    pub fn group_performance(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: TimeRange,
        top: Option<usize>,
    ) -> Result<Vec<GroupPerformance>, StoreError> {
        let col = self::column(column);
        let bind = requests_of(endpoint_id, &range);
        let sql = format!(
            "SELECT coalesce({col}::text, ''), count(*), \
             coalesce(array_agg(duration) FILTER (WHERE {FINITE}), '{{}}') \
             FROM {} WHERE {} GROUP BY 1",
            self.tables.request,
            bind.conditions()
        );
        let mut groups: HashMap<String, (u64, Vec<f64>)> = HashMap::new();
        self.with(|c| {
            for row in c.query(&sql, &bind.params())? {
                groups.insert(row.try_get(0)?, (count(row.try_get(1)?), row.try_get(2)?));
            }
            Ok(())
        })?;
        let mut order: Vec<(String, u64)> = groups.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        by_hits_desc(&mut order);
        Ok(order
            .into_iter()
            .take(top.unwrap_or(usize::MAX))
            .map(|(group, hits)| {
                let summary = groups.get_mut(&group).and_then(|(_, v)| DurationSummary::from_unsorted(v));
                GroupPerformance { group, hits, summary }
            })
            .collect())
    }

    /// The median duration of each of the `top` busiest users (or IPs) in each version, for one endpoint:
    /// columns are the versions requested in the range, dated by the endpoint's first request in each over all
    /// time, oldest first; cells are numpy's median of the pair's usable durations.
    pub fn version_matrix(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: TimeRange,
        top: usize,
    ) -> Result<VersionMatrix, StoreError> {
        let col = self::column(column);
        let bind = requests_of(endpoint_id, &range);
        let cells_sql = format!(
            "SELECT coalesce({col}::text, ''), coalesce(version_requested::text, ''), count(*), \
             coalesce(array_agg(duration) FILTER (WHERE {FINITE}), '{{}}') \
             FROM {} WHERE {} GROUP BY 1, 2",
            self.tables.request,
            bind.conditions()
        );
        let all_time = requests_of(endpoint_id, &TimeRange::ALL);
        let first_sql = format!(
            "SELECT coalesce(version_requested::text, ''), min(time_requested) FROM {} WHERE {} GROUP BY 1",
            self.tables.request,
            all_time.conditions()
        );
        let (cells, dates) = self.read_snapshot(|c| {
            let mut cells: Vec<(String, String, u64, Vec<f64>)> = Vec::new();
            for row in c.query(&cells_sql, &bind.params())? {
                cells.push((row.try_get(0)?, row.try_get(1)?, count(row.try_get(2)?), row.try_get(3)?));
            }
            let mut dates: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
            if !cells.is_empty() {
                for row in c.query(&first_sql, &all_time.params())? {
                    let first: Option<NaiveDateTime> = row.try_get(1)?;
                    dates.insert(row.try_get(0)?, first.map(instant));
                }
            }
            Ok((cells, dates))
        })?;
        let mut hits: HashMap<String, u64> = HashMap::new();
        let mut first: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
        let mut durations: HashMap<(String, String), Vec<f64>> = HashMap::new();
        for (group, version, n, values) in cells {
            *hits.entry(group.clone()).or_default() += n;
            first.insert(version.clone(), dates.get(&version).copied().flatten());
            if !values.is_empty() {
                durations.entry((group, version)).or_default().extend(values);
            }
        }
        let versions = chronological(first);
        let mut order: Vec<(String, u64)> = hits.into_iter().collect();
        by_hits_desc(&mut order);
        order.truncate(top);
        let data = order
            .iter()
            .map(|(group, _)| {
                versions
                    .iter()
                    .map(|v| durations.get_mut(&(group.clone(), v.version.clone())).and_then(|values| median(values)))
                    .collect()
            })
            .collect();
        let groups = order.into_iter().map(|(name, hits)| MatrixGroup { name, hits }).collect();
        Ok(VersionMatrix { versions, groups, data })
    }
}

/// The requests of one endpoint within `range` (over all time, the `(endpoint_id, duration)` index finds them;
/// over a window, the `(time_requested, endpoint_id, ...)` index).
pub(crate) fn requests_of(endpoint_id: i64, range: &TimeRange) -> Bind {
    let mut bind = Bind::default();
    let id = bind.int(endpoint_id);
    bind.and(format!("endpoint_id = {id}"));
    bind.time_range("time_requested", range);
    bind
}
