//! Versions: the versions in use with their first request (FMD's `/api/versions[/<id>]`), and the
//! endpoints x versions matrix (FMD's `/api/multi_version`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use serde::Serialize;

use super::{int_of, key_bytes, ser, slot, time_of, Access, Filter, TimeRange};
use crate::store::summary::{key_name, Scope, NO_ENDPOINT};
use crate::store::{Store, StoreError};

/// A version and when it was first requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// `Request.version_requested` (NULL reads as empty).
    pub version: String,
    /// The earliest `time_requested` of that version (`None` when no time is readable).
    #[serde(serialize_with = "ser::opt_time")]
    pub date: Option<DateTime<Utc>>,
}

/// Requests per endpoint and version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiVersion {
    /// Endpoints (rows), by hits in the range, descending, then by name; only those with requests.
    pub endpoints: Vec<VersionEndpoint>,
    /// Versions (columns), oldest first use first.
    pub versions: Vec<VersionInfo>,
    /// `counts[endpoint][version]`: requests.
    pub counts: Vec<Vec<u64>>,
    /// FMD's `multi_version` numbers: `data[endpoint][version]` = percent of that version's requests that went
    /// to this endpoint (FMD divides by `max(1, version total)`).
    pub data: Vec<Vec<f64>>,
    /// `share[endpoint][version]`: fraction (0-1) of this endpoint's requests served by that version.
    pub share: Vec<Vec<f64>>,
}

/// A row of [`MultiVersion`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionEndpoint {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
}

/// The earliest of a stream of `time_requested` values. FMD's exact text sorts chronologically, so those are
/// compared as bytes; other parseable forms are parsed; the rest is ignored.
#[derive(Debug, Clone, Default)]
pub(crate) struct Earliest {
    fmd: Option<Vec<u8>>,
    other: Option<DateTime<Utc>>,
}

impl Earliest {
    /// Takes one value into account.
    pub(crate) fn see(&mut self, value: ValueRef<'_>) {
        let ValueRef::Text(bytes) = value else { return };
        if super::is_fmd_shape(bytes) {
            if !matches!(self.fmd.as_deref(), Some(current) if current <= bytes) {
                self.fmd = Some(bytes.to_vec());
            }
        } else if let Some(t) = time_of(value) {
            self.other = Some(self.other.map_or(t, |o| o.min(t)));
        }
    }

    /// Takes another stream's earliest values into account.
    pub(crate) fn merge(&mut self, other: &Earliest) {
        if let Some(bytes) = &other.fmd {
            if !matches!(self.fmd.as_deref(), Some(current) if current <= bytes.as_slice()) {
                self.fmd = Some(bytes.clone());
            }
        }
        if let Some(t) = other.other {
            self.other = Some(self.other.map_or(t, |o| o.min(t)));
        }
    }

    /// The earliest instant seen.
    pub(crate) fn get(&self) -> Option<DateTime<Utc>> {
        let fmd = self.fmd.as_deref().and_then(|b| time_of(ValueRef::Text(b)));
        match (fmd, self.other) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A version's earliest request and its requests per endpoint id.
type VersionCounts = (Earliest, HashMap<i64, u64>);

/// `(endpoint id, version, requests, first use of the version)`.
pub(crate) type MultiVersionCell = (i64, String, u64, Option<DateTime<Utc>>);

/// Merges a `(version, first time)` pair into a map, keeping the earliest time.
pub fn merge_first(map: &mut HashMap<String, Option<DateTime<Utc>>>, version: String, t: Option<DateTime<Utc>>) {
    let entry = map.entry(version).or_insert(None);
    *entry = match (*entry, t) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

/// Versions oldest first (unknown dates last, then by name).
pub fn chronological(map: HashMap<String, Option<DateTime<Utc>>>) -> Vec<VersionInfo> {
    let mut list: Vec<VersionInfo> = map.into_iter().map(|(version, date)| VersionInfo { version, date }).collect();
    list.sort_by(|a, b| match (a.date, b.date) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.version.cmp(&b.version)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.version.cmp(&b.version),
    });
    list
}

impl Store {
    /// The versions requested in `range` (of one endpoint, or all), newest first use first, as FMD lists them.
    pub fn versions(&self, range: TimeRange, endpoint: Option<i64>) -> Result<Vec<VersionInfo>, StoreError> {
        let map = self.view_snapshot(|| self.view_first_use(&range, endpoint))?;
        let mut list = chronological(map);
        list.reverse();
        Ok(list)
    }

    /// `version -> earliest time_requested` within `range`, aggregated while streaming (a GROUP BY would sort
    /// every row first). Over all time, from the summaries when they can answer (exactly).
    pub(crate) fn view_first_use(
        &self,
        range: &TimeRange,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<HashMap<String, Option<DateTime<Utc>>>> {
        if !range.is_bounded() {
            if let Some(view) = self.summary_view(endpoint.map_or(Scope::All, Scope::Endpoint), false)? {
                if let Some(versions) = view.versions(endpoint, false)? {
                    let mut map = HashMap::new();
                    for (_, key, v) in versions {
                        merge_first(&mut map, key_name(&key), v.first_use());
                    }
                    return Ok(map);
                }
            }
        } else if let Some(map) = self.first_use_window(range, endpoint)? {
            return Ok(map);
        }
        let filter = match endpoint {
            Some(id) => self.view_filter(range, id, Access::Rows)?,
            None => Filter::new(range, None),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT version_requested, time_requested FROM {} WHERE {}",
            self.tables.request,
            filter.sql()
        ))?;
        let rows = stmt.query(filter.params())?;
        first_use_of_rows(rows, 0, |_| Ok(true))
    }

    /// `(endpoint id, version, requests, first use of the version)` over all time from the summaries.
    fn multi_version_cells_from_summaries(&self) -> rusqlite::Result<Option<Vec<MultiVersionCell>>> {
        let Some(view) = self.summary_view(Scope::All, false)? else { return Ok(None) };
        let Some(versions) = view.versions(None, false)? else { return Ok(None) };
        // A version's first use counts the requests of every usable endpoint id, as the scan does.
        let first = first_use_of_usable(versions.iter().map(|(e, key, v)| (*e, key.as_slice(), v.first_use())));
        Ok(Some(
            versions
                .into_iter()
                .filter(|(e, _, v)| *e != NO_ENDPOINT && v.hits > 0)
                .map(|(e, key, v)| {
                    let name = key_name(&key);
                    let date = first.get(&name).copied().flatten();
                    (e, name, v.hits, date)
                })
                .collect(),
        ))
    }

    /// `version -> first use over all time` of the requests with a usable endpoint id: from the summaries when
    /// they can answer (exactly), else one pass over the requests.
    fn first_use_overall(&self) -> rusqlite::Result<HashMap<String, Option<DateTime<Utc>>>> {
        if let Some(cells) = self.multi_version_cells_from_summaries()? {
            return Ok(cells.into_iter().map(|(_, version, _, first)| (version, first)).collect());
        }
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT endpoint_id, version_requested, time_requested FROM {}", self.tables.request))?;
        let rows = stmt.query([])?;
        first_use_of_rows(rows, 1, |r| Ok(int_of(r.get_ref(0)?).is_some()))
    }

    /// Requests per endpoint and version in `range`; versions are dated (and ordered) by their first use over
    /// all time.
    pub fn multi_version(&self, range: TimeRange) -> Result<MultiVersion, StoreError> {
        let filter = Filter::new(&range, None);
        let sql = format!(
            "SELECT endpoint_id, version_requested, time_requested FROM {} WHERE {}",
            self.tables.request,
            filter.sql()
        );
        let (cells, endpoints) = self.view_snapshot(|| {
            let from_summaries = if range.is_bounded() {
                self.multi_version_window(&range)?
            } else {
                self.multi_version_cells_from_summaries()?
            };
            if let Some(cells) = from_summaries {
                return Ok((cells, self.view_endpoint_rows()?));
            }
            // Few versions: a vector with a cache of the last one beats hashing every row.
            let mut versions: Vec<(Vec<u8>, VersionCounts)> = Vec::new();
            let mut last = usize::MAX;
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(filter.params())?;
            while let Some(r) = rows.next()? {
                let Some(id) = int_of(r.get_ref(0)?) else { continue };
                let index = slot(&mut versions, &mut last, key_bytes(r.get_ref(1)?), Default::default);
                let Some((_, (earliest, per_endpoint))) = versions.get_mut(index) else { continue };
                earliest.see(r.get_ref(2)?);
                *per_endpoint.entry(id).or_default() += 1;
            }
            // A version is dated by its first use overall, as FMD's `/api/versions` does, not within the window.
            let overall = if range.is_bounded() { Some(self.first_use_overall()?) } else { None };
            let mut cells = Vec::new();
            for (key, (earliest, per_endpoint)) in versions {
                let version = String::from_utf8_lossy(&key).into_owned();
                let first = match &overall {
                    Some(map) => map.get(&version).copied().flatten().or_else(|| earliest.get()),
                    None => earliest.get(),
                };
                for (id, n) in per_endpoint {
                    cells.push((id, version.clone(), n, first));
                }
            }
            Ok((cells, self.view_endpoint_rows()?))
        })?;
        let names: HashMap<i64, String> = endpoints.into_iter().map(|e| (e.id, e.name)).collect();
        let mut first = HashMap::new();
        let mut hits: HashMap<i64, u64> = HashMap::new();
        for (id, version, n, t) in &cells {
            if names.contains_key(id) {
                merge_first(&mut first, version.clone(), *t);
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

/// `version -> first use` of query rows holding `version_requested` at column `at` and `time_requested` right
/// after it; rows for which `keep` answers false are skipped.
fn first_use_of_rows(
    mut rows: rusqlite::Rows<'_>,
    at: usize,
    keep: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<bool>,
) -> rusqlite::Result<HashMap<String, Option<DateTime<Utc>>>> {
    let mut versions: Vec<(Vec<u8>, Earliest)> = Vec::new();
    let mut last = usize::MAX;
    while let Some(r) = rows.next()? {
        if !keep(r)? {
            continue;
        }
        let index = slot(&mut versions, &mut last, key_bytes(r.get_ref(at)?), Earliest::default);
        if let Some((_, earliest)) = versions.get_mut(index) {
            earliest.see(r.get_ref(at + 1)?);
        }
    }
    let mut map = HashMap::new();
    for (key, earliest) in versions {
        merge_first(&mut map, String::from_utf8_lossy(&key).into_owned(), earliest.get());
    }
    Ok(map)
}

/// `version -> first use` from summary rows `(endpoint id, version key, first use)`, counting the requests of
/// usable endpoint ids only, as the scan over the requests does.
pub(crate) fn first_use_of_usable<'a>(
    rows: impl IntoIterator<Item = (i64, &'a [u8], Option<DateTime<Utc>>)>,
) -> HashMap<String, Option<DateTime<Utc>>> {
    let mut first = HashMap::new();
    for (e, key, at) in rows {
        if e != NO_ENDPOINT {
            merge_first(&mut first, key_name(key), at);
        }
    }
    first
}
