//! The `vhour` table: per endpoint, UTC hour and version key, the same counts and durations as the `hour`
//! table. It answers the version views over a window (requests per endpoint and version, box plots per
//! version, versions in use) from whole hours, with the edges read exactly (see `window.rs`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use super::agg::{key_into, HourAgg, VersionAgg};
use super::read::SummaryView;
use super::refresh::Fail;
use super::rows::{self, durations_of, DURATION_COLUMNS};
use super::schema::Names;
use super::window::{hour_start, Parts};
use crate::store::views::Earliest;
use crate::timefmt;

/// An endpoint's hours per version as `(endpoint, hour, version key, aggregate)`, from the aggregate's
/// `(hour, index into versions)` keys.
pub(crate) fn keyed(
    endpoint: i64,
    versions: &[(Vec<u8>, VersionAgg)],
    vhours: HashMap<(i64, usize), HourAgg>,
) -> Vec<(i64, i64, Vec<u8>, HourAgg)> {
    vhours
        .into_iter()
        .filter_map(|((hour, index), h)| versions.get(index).map(|(key, _)| (endpoint, hour, key.clone(), h)))
        .collect()
}

/// Adds `h` to the stored row of (`endpoint`, `hour`, `version`).
pub(crate) fn merge_row(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    hour: i64,
    version: &[u8],
    h: &HourAgg,
) -> Result<(), Fail> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT hits, errors, {DURATION_COLUMNS} FROM {} WHERE endpoint = ?1 AND hour = ?2 AND version = ?3",
        names.vhour
    ))?;
    let stored = stmt
        .query_row(params![endpoint, hour, version], |r| {
            let (hits, errors): (i64, i64) = (r.get(0)?, r.get(1)?);
            Ok(durations_of(r, 2)?.map(|durations| HourAgg {
                hits: u64::try_from(hits).unwrap_or(0),
                errors: u64::try_from(errors).unwrap_or(0),
                durations,
            }))
        })
        .optional()?;
    let merged = match stored {
        None => h.clone(),
        Some(None) => return Err(Fail::Damaged),
        Some(Some(mut old)) => {
            old.merge(h);
            old
        }
    };
    let key = vec![
        Value::Integer(endpoint),
        Value::Integer(hour),
        Value::Blob(version.to_vec()),
        rows::int(merged.hits),
        rows::int(merged.errors),
    ];
    rows::replace_with_durations(conn, &names.vhour, "endpoint, hour, version, hits, errors", key, &merged.durations)?;
    Ok(())
}

impl SummaryView<'_> {
    /// Per version key, the earliest request time of a window split [`super::window::By::Version`] (of
    /// `endpoint` only, when given), as the views' first-use rule reads it: the rows read for the window plus,
    /// for the whole hours, the rows of the first hour each version has requests in (one scan of the time index
    /// per distinct such hour).
    pub(crate) fn first_use_in(
        &self,
        parts: &Parts,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<HashMap<Vec<u8>, Option<DateTime<Utc>>>> {
        let mut earliest: HashMap<Vec<u8>, Earliest> = HashMap::new();
        let mut hours: HashMap<i64, Vec<Vec<u8>>> = HashMap::new();
        for ((_, key), part) in parts {
            if part.agg.hits == 0 {
                continue;
            }
            let e = earliest.entry(key.clone()).or_default();
            e.merge(&part.earliest);
            if let Some(h) = part.first_hour {
                hours.entry(h).or_default().push(key.clone());
            }
        }
        let filter = if endpoint.is_some() { "AND +endpoint_id = ?3" } else { "AND ?3 IS NULL" };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT version_requested, time_requested FROM {} WHERE time_requested >= ?1 AND time_requested < ?2 {filter}",
            self.request
        ))?;
        let mut key = Vec::new();
        for (h, wanted) in hours {
            let (Some(a), Some(b)) = (hour_start(h), hour_start(h + 1)) else { continue };
            let mut rows = stmt.query(params![timefmt::format_utc(a), timefmt::format_utc(b), endpoint])?;
            while let Some(r) = rows.next()? {
                key_into(r.get_ref(0)?, &mut key);
                if wanted.contains(&key) {
                    if let Some(e) = earliest.get_mut(&key) {
                        e.see(r.get_ref(1)?);
                    }
                }
            }
        }
        Ok(earliest.into_iter().map(|(k, e)| (k, e.get())).collect())
    }
}
