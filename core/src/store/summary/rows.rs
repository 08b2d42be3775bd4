//! Reading and writing single summary rows.

use chrono::DateTime;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::agg::{CellAgg, Code, HourAgg, SqlVal, VersionAgg};
use super::histogram::{Durations, Hist, Sum};
use super::schema::Names;

/// The duration columns, in [`durations_of`]'s order.
pub(crate) const DURATION_COLUMNS: &str = "valid, sum, sum_c, dmin, dmax, hist";

/// The version columns after the key, in [`version_of`]'s order.
pub(crate) const VERSION_COLUMNS: &str =
    "hits, errors, valid, sum, sum_c, dmin, dmax, hist, first_s, first_ns, tmin, tmax";

/// Reads [`DURATION_COLUMNS`] starting at column `at`; `None` when they do not agree (a damaged row).
pub(crate) fn durations_of(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<Durations>> {
    let valid: i64 = r.get(at)?;
    let sum = Sum { sum: r.get(at + 1)?, compensation: r.get(at + 2)? };
    let min: Option<f64> = r.get(at + 3)?;
    let max: Option<f64> = r.get(at + 4)?;
    let Some(hist) = r.get_ref(at + 5)?.as_blob_or_null().ok().flatten().and_then(Hist::decode) else {
        return Ok(None);
    };
    if u64::try_from(valid).ok() != Some(hist.total()) {
        return Ok(None);
    }
    Ok(Some(Durations { hist, sum, min: min.unwrap_or(f64::INFINITY), max: max.unwrap_or(f64::NEG_INFINITY) }))
}

/// Reads [`VERSION_COLUMNS`] starting at column `at`; `None` for a damaged row.
pub(crate) fn version_of(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<VersionAgg>> {
    let Some(durations) = durations_of(r, at + 2)? else { return Ok(None) };
    let first_s: Option<i64> = r.get(at + 8)?;
    let first_ns: Option<i64> = r.get(at + 9)?;
    let first = first_s.and_then(|s| DateTime::from_timestamp(s, u32::try_from(first_ns.unwrap_or(0)).ok()?));
    Ok(Some(VersionAgg {
        hits: count(r.get(at)?),
        errors: count(r.get(at + 1)?),
        durations,
        first,
        tmin: SqlVal::of(r.get_ref(at + 10)?),
        tmax: SqlVal::of(r.get_ref(at + 11)?),
        ..VersionAgg::default()
    }))
}

/// Writes (replaces) one row of `table` whose last columns are [`DURATION_COLUMNS`]: `key` names the columns
/// before them (comma-separated), `values` holds their values in that order.
pub(crate) fn replace_with_durations(
    conn: &Connection,
    table: &str,
    key: &str,
    mut values: Vec<Value>,
    d: &Durations,
) -> rusqlite::Result<()> {
    let (dmin, dmax) = min_max(d);
    let real = |v: Option<f64>| v.map_or(Value::Null, Value::Real);
    values.extend([
        Value::Integer(i64::try_from(d.count()).unwrap_or(i64::MAX)),
        Value::Real(d.sum.sum),
        Value::Real(d.sum.compensation),
        real(dmin),
        real(dmax),
        Value::Blob(d.hist.encode()),
    ]);
    let slots = (1..=values.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    conn.prepare_cached(&format!("INSERT OR REPLACE INTO {table} ({key}, {DURATION_COLUMNS}) VALUES ({slots})"))?
        .execute(rusqlite::params_from_iter(values))?;
    Ok(())
}

/// A count as SQLite stores it.
pub(crate) fn int(n: u64) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn min_max(d: &Durations) -> (Option<f64>, Option<f64>) {
    if d.count() == 0 {
        (None, None)
    } else {
        (Some(d.min), Some(d.max))
    }
}

/// The stored version row, `Err(None)`-like `Ok(Err(()))` when damaged.
pub(crate) fn load_version(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    key: &[u8],
) -> rusqlite::Result<Result<Option<VersionAgg>, Damaged>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM {} WHERE endpoint = ?1 AND version = ?2",
        names.version
    ))?;
    let row = stmt.query_row(params![endpoint, key], |r| version_of(r, 0)).optional()?;
    Ok(match row {
        None => Ok(None),
        Some(Some(v)) => Ok(Some(v)),
        Some(None) => Err(Damaged),
    })
}

/// A summary row that does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Damaged;

/// Writes (replaces) a version row.
pub(crate) fn save_version(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    key: &[u8],
    v: &VersionAgg,
) -> rusqlite::Result<()> {
    let d = &v.durations;
    let (dmin, dmax) = min_max(d);
    let first = v.first_use();
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO {} (endpoint, version, {VERSION_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        names.version
    ))?
    .execute(params![
        endpoint,
        key,
        v.hits as i64,
        v.errors as i64,
        d.count() as i64,
        d.sum.sum,
        d.sum.compensation,
        dmin,
        dmax,
        d.hist.encode(),
        first.map(|t| t.timestamp()),
        first.map(|t| i64::from(t.timestamp_subsec_nanos())),
        v.tmin.as_ref().map(SqlVal::to_value),
        v.tmax.as_ref().map(SqlVal::to_value),
    ])?;
    Ok(())
}

/// The stored hour row.
pub(crate) fn load_hour(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    hour: i64,
) -> rusqlite::Result<Result<Option<HourAgg>, Damaged>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT hits, errors, {DURATION_COLUMNS} FROM {} WHERE endpoint = ?1 AND hour = ?2",
        names.hour
    ))?;
    let row = stmt
        .query_row(params![endpoint, hour], |r| {
            Ok(durations_of(r, 2)?.map(|durations| HourAgg {
                hits: count(r.get(0).unwrap_or(0)),
                errors: count(r.get(1).unwrap_or(0)),
                durations,
            }))
        })
        .optional()?;
    Ok(match row {
        None => Ok(None),
        Some(Some(h)) => Ok(Some(h)),
        Some(None) => Err(Damaged),
    })
}

/// Writes (replaces) an hour row.
pub(crate) fn save_hour(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    hour: i64,
    h: &HourAgg,
) -> rusqlite::Result<()> {
    let key = vec![Value::Integer(endpoint), Value::Integer(hour), int(h.hits), int(h.errors)];
    replace_with_durations(conn, &names.hour, "endpoint, hour, hits, errors", key, &h.durations)
}

/// The stored cell row.
pub(crate) fn load_cell(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    col: u8,
    group: &[u8],
    version: &[u8],
) -> rusqlite::Result<Result<Option<CellAgg>, Damaged>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT hits, {DURATION_COLUMNS} FROM {} WHERE endpoint = ?1 AND col = ?2 AND grp = ?3 AND version = ?4",
        names.cell
    ))?;
    let row = stmt
        .query_row(params![endpoint, col, group, version], |r| {
            Ok(durations_of(r, 1)?.map(|durations| CellAgg { hits: count(r.get(0).unwrap_or(0)), durations }))
        })
        .optional()?;
    Ok(match row {
        None => Ok(None),
        Some(Some(c)) => Ok(Some(c)),
        Some(None) => Err(Damaged),
    })
}

/// Writes (replaces) a cell row.
pub(crate) fn save_cell(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    col: u8,
    group: &[u8],
    version: &[u8],
    c: &CellAgg,
) -> rusqlite::Result<()> {
    let key = vec![
        Value::Integer(endpoint),
        Value::Integer(i64::from(col)),
        Value::Blob(group.to_vec()),
        Value::Blob(version.to_vec()),
        int(c.hits),
    ];
    replace_with_durations(conn, &names.cell, "endpoint, col, grp, version, hits", key, &c.durations)
}

/// Adds requests to a user's or IP's count.
pub(crate) fn add_group(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    col: u8,
    group: &[u8],
    n: u64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO {} (endpoint, col, grp, hits) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (endpoint, col, grp) DO UPDATE SET hits = hits + excluded.hits",
        names.group
    ))?
    .execute(params![endpoint, col, group, n as i64])?;
    Ok(())
}

/// Adds requests to a status code's count.
pub(crate) fn add_code(conn: &Connection, names: &Names, endpoint: i64, code: &Code, n: u64) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO {} (endpoint, code, hits) VALUES (?1, ?2, ?3) \
         ON CONFLICT (endpoint, code) DO UPDATE SET hits = hits + excluded.hits",
        names.code
    ))?
    .execute(params![endpoint, code.text(), n as i64])?;
    Ok(())
}

/// Records a request whose time is not FMD's exact text.
pub(crate) fn add_odd(conn: &Connection, names: &Names, rowid: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!("INSERT OR IGNORE INTO {} (request) VALUES (?1)", names.odd))?.execute([rowid])?;
    Ok(())
}
