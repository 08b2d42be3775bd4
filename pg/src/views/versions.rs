//! Versions: the versions in use with their first request (FMD's `/api/versions[/<id>]`) and the endpoints x
//! versions matrix (FMD's `/api/multi_version`). A NULL `version_requested` reads as the empty version, as on
//! SQLite.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use postgres::Transaction;

use super::bind::{opt_instant, Bind};
use crate::PgStore;
use fmd_core::store::views::{MultiVersion, VersionEndpoint, VersionInfo};
use fmd_core::store::TimeRange;
use fmd_core::StoreError;

/// Versions oldest first (unknown dates last, then by name), as the SQLite store orders them.
pub(crate) fn chronological(map: HashMap<String, Option<DateTime<Utc>>>) -> Vec<VersionInfo> {
    let mut list: Vec<VersionInfo> = map.into_iter().map(|(version, date)| VersionInfo { version, date }).collect();
    list.sort_by(|a, b| match (a.date, b.date) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.version.cmp(&b.version)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.version.cmp(&b.version),
    });
    list
}

/// The earlier of two optional instants (either when the other is unknown).
fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The version of a request as the views key it.
const VERSION: &str = "coalesce(version_requested::text, '')";

impl PgStore {
    /// `version -> earliest time_requested` of the requests in `range` (of one endpoint, or all of them).
    pub(crate) fn first_use(
        &self,
        tx: &mut Transaction<'_>,
        range: &TimeRange,
        endpoint: Option<i64>,
    ) -> Result<HashMap<String, Option<DateTime<Utc>>>, postgres::Error> {
        let w = Bind::requests(range, endpoint);
        let sql = format!(
            "SELECT {VERSION}, min(time_requested) FROM {} WHERE {} GROUP BY 1",
            self.tables().request,
            w.conditions()
        );
        Ok(tx.query(&sql, &w.params())?.iter().map(|r| (r.get(0), opt_instant(r.get(1)))).collect())
    }

    /// The versions requested in `range` (of one endpoint, or all), newest first use first, as FMD lists them.
    pub fn versions(&self, range: TimeRange, endpoint: Option<i64>) -> Result<Vec<VersionInfo>, StoreError> {
        let map = self.read_snapshot(|tx| self.first_use(tx, &range, endpoint))?;
        let mut list = chronological(map);
        list.reverse();
        Ok(list)
    }

    /// Requests per endpoint and version in `range`; versions are dated (and ordered) by their first use over
    /// all time, endpoints by their requests in the range (then by name).
    pub fn multi_version(&self, range: TimeRange) -> Result<MultiVersion, StoreError> {
        let mut w = Bind::requests(&range, None);
        w.and("endpoint_id IS NOT NULL");
        let t = &self.tables().request;
        let sql = format!(
            "SELECT endpoint_id::int8, {VERSION}, count(*), min(time_requested) FROM {t} WHERE {} GROUP BY 1, 2",
            w.conditions()
        );
        let overall_sql =
            format!("SELECT {VERSION}, min(time_requested) FROM {t} WHERE endpoint_id IS NOT NULL GROUP BY 1");
        let (cells, overall, endpoints) = self.read_snapshot(|tx| {
            let cells: Vec<(i64, String, u64, Option<DateTime<Utc>>)> = tx
                .query(&sql, &w.params())?
                .iter()
                .map(|r| (r.get(0), r.get(1), u64::try_from(r.get::<_, i64>(2)).unwrap_or(0), opt_instant(r.get(3))))
                .collect();
            // A version is dated by its first use overall (of requests with an endpoint), not within the window.
            let overall: Option<HashMap<String, Option<DateTime<Utc>>>> = if range.is_bounded() {
                Some(tx.query(&overall_sql, &[])?.iter().map(|r| (r.get(0), opt_instant(r.get(1)))).collect())
            } else {
                None
            };
            Ok((cells, overall, self.endpoint_rows(tx)?))
        })?;
        let mut in_window: HashMap<&str, Option<DateTime<Utc>>> = HashMap::new();
        for (_, version, _, t) in &cells {
            let entry = in_window.entry(version.as_str()).or_insert(None);
            *entry = earliest(*entry, *t);
        }
        let date_of = |version: &str| {
            let window = in_window.get(version).copied().flatten();
            match &overall {
                Some(map) => map.get(version).copied().flatten().or(window),
                None => window,
            }
        };
        let names: HashMap<i64, String> = endpoints.into_iter().map(|e| (e.id, e.name)).collect();
        let mut first: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
        let mut hits: HashMap<i64, u64> = HashMap::new();
        for (id, version, n, _) in &cells {
            if names.contains_key(id) {
                let entry = first.entry(version.clone()).or_insert(None);
                *entry = earliest(*entry, date_of(version));
                *hits.entry(*id).or_default() += n;
            }
        }
        let versions = chronological(first);
        let column: HashMap<&str, usize> = versions.iter().enumerate().map(|(i, v)| (v.version.as_str(), i)).collect();
        let mut rows: Vec<VersionEndpoint> = hits
            .keys()
            .filter_map(|id| names.get(id).map(|name| VersionEndpoint { id: *id, name: name.clone() }))
            .collect();
        let hits_of = |id: &i64| hits.get(id).copied().unwrap_or(0);
        rows.sort_by(|a, b| hits_of(&b.id).cmp(&hits_of(&a.id)).then_with(|| a.name.cmp(&b.name)));
        let row: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        let mut counts = vec![vec![0u64; versions.len()]; rows.len()];
        for (id, version, n, _) in &cells {
            if let (Some(&r), Some(&c)) = (row.get(id), column.get(version.as_str())) {
                if let Some(cell) = counts.get_mut(r).and_then(|row| row.get_mut(c)) {
                    *cell += n;
                }
            }
        }
        let version_totals: Vec<u64> =
            (0..versions.len()).map(|c| counts.iter().filter_map(|r| r.get(c)).sum()).collect();
        let data = counts
            .iter()
            .map(|r| {
                r.iter().zip(&version_totals).map(|(n, t)| n.saturating_mul(100) as f64 / (*t).max(1) as f64).collect()
            })
            .collect();
        let share = counts
            .iter()
            .map(|r| {
                let total: u64 = r.iter().sum();
                r.iter().map(|n| if total == 0 { 0.0 } else { *n as f64 / total as f64 }).collect()
            })
            .collect();
        Ok(MultiVersion { endpoints: rows, versions, counts, data, share })
    }
}
