//! Users (FMD's group_by) and client IPs of an endpoint: hits (FMD's `/api/users/<id>` and `/api/ip/<id>`)
//! and duration summaries per user or IP (FMD's per-user box plots).

use std::collections::HashMap;

use serde::Serialize;

use super::{duration_of, key_bytes, lossy_keys, slot_mut, Access, DurationSummary, TimeRange};
use crate::store::summary::{key_name, Scope, IP, USER};
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
pub(crate) fn by_hits_desc(list: &mut [(String, u64)]) {
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

    /// Requests per value of `column`, busiest first (over all time from the summaries when they can answer).
    pub(crate) fn view_group_hits(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: &TimeRange,
    ) -> rusqlite::Result<Vec<(String, u64)>> {
        if !range.is_bounded() {
            if let Some(view) = self.summary_view(Scope::Endpoint(endpoint_id), false)? {
                if let Some(groups) = view.groups(endpoint_id, column.summary_col())? {
                    let mut merged: HashMap<String, u64> = HashMap::new();
                    for (key, n) in groups {
                        *merged.entry(key_name(&key)).or_default() += n;
                    }
                    let mut list: Vec<(String, u64)> = merged.into_iter().collect();
                    by_hits_desc(&mut list);
                    return Ok(list);
                }
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

    /// Duration summaries of an endpoint per user or IP, busiest first, the `top` busiest only when given.
    pub fn group_performance(
        &self,
        endpoint_id: i64,
        column: GroupColumn,
        range: TimeRange,
        top: Option<usize>,
    ) -> Result<Vec<GroupPerformance>, StoreError> {
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
        let mut order: Vec<(String, u64)> = groups.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        by_hits_desc(&mut order);
        let mut groups = groups;
        Ok(order
            .into_iter()
            .take(top.unwrap_or(usize::MAX))
            .map(|(group, hits)| {
                let summary = groups.get_mut(&group).and_then(|(_, v)| DurationSummary::from_unsorted(v));
                GroupPerformance { group, hits, summary }
            })
            .collect())
    }
}
