//! Read-only queries the store's views do not offer (yet), run on [`Store::connection`]:
//!
//! * [`trends`]: requests per endpoint in each of the last 24 hours (the overview's sparkline column);
//! * [`exception_groups`]: exception groups per endpoint (the overview's `exc` column);
//! * [`dash_status`]: status codes and latest errors over all endpoints (the dashboard's Status tab);
//! * [`first_request`]: the earliest request (the first day of the "all" window).
//!
//! All of them filter on `time_requested` (compared as FMD's text, like the store does) so SQLite walks the
//! `(time_requested, endpoint_id, status_code, duration)` index; they read every value leniently, as the store's
//! views do: a hostile or mistyped value skips its row or reads as empty, it never fails the query.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::views::RequestRow;
use fmd_core::store::TimeRange;
use fmd_core::timefmt;
use fmd_core::Store;
use rusqlite::types::{Value, ValueRef};

use crate::views::DashStatus;

/// Hours in the overview's trend.
pub const TREND_HOURS: usize = 24;

fn fail(store: &Store, error: rusqlite::Error) -> String {
    format!("{}: {error}", store.path().display())
}

/// An integer column (an integral REAL counts too), as the store reads them.
fn int_of(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}

/// Lossy text (NULL reads as empty, numbers as their decimal form).
fn text_of(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// `WHERE` conditions on `time_requested` for `range`, with their parameters.
fn time_filter(range: &TimeRange) -> (String, Vec<Value>) {
    let mut clauses = vec!["1".to_string()];
    let mut params = Vec::new();
    if let Some(from) = range.from {
        clauses.push("time_requested >= ?".into());
        params.push(Value::Text(timefmt::format_utc(from)));
    }
    if let Some(to) = range.to {
        clauses.push("time_requested < ?".into());
        params.push(Value::Text(timefmt::format_utc(to)));
    }
    (clauses.join(" AND "), params)
}

/// Requests per endpoint id in each of the [`TREND_HOURS`] hours before `now`, oldest first.
///
/// The hour boundaries are written in FMD's text format and compared to the stored text byte for byte (as SQLite
/// compares them in the `WHERE`), so no time is parsed per row.
pub fn trends(store: &Store, now: DateTime<Utc>) -> Result<HashMap<i64, Vec<u64>>, String> {
    let hours = TREND_HOURS as i64;
    let bounds: Vec<String> =
        (0..=hours).map(|h| timefmt::format_utc(now - Duration::hours(hours) + Duration::hours(h))).collect();
    let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else { return Ok(HashMap::new()) };
    let sql = format!(
        "SELECT endpoint_id, time_requested FROM {} WHERE time_requested >= ?1 AND time_requested < ?2",
        store.tables().request
    );
    let run = || -> rusqlite::Result<HashMap<i64, Vec<u64>>> {
        let mut out: HashMap<i64, Vec<u64>> = HashMap::new();
        let mut stmt = store.connection().prepare(&sql)?;
        let mut rows = stmt.query([first, last])?;
        while let Some(row) = rows.next()? {
            let (Some(id), ValueRef::Text(time)) = (int_of(row.get_ref(0)?), row.get_ref(1)?) else { continue };
            let hour = bounds.partition_point(|b| b.as_bytes() <= time).saturating_sub(1);
            if let Some(cell) = out.entry(id).or_insert_with(|| vec![0; TREND_HOURS]).get_mut(hour) {
                *cell += 1;
            }
        }
        Ok(out)
    };
    run().map_err(|e| fail(store, e))
}

/// Exception groups per endpoint id (FMD's overview key `exceptions`, as `fmd show overview` counts them): the
/// groups of [`Store::exception_groups`] (endpoint, type, message, stack), counted in one query over all endpoints
/// instead of read. Files without exception tables (FMD before 5.0) have none: an empty map, not an error.
pub fn exception_groups(store: &Store) -> Result<HashMap<i64, u64>, String> {
    let t = store.tables();
    let sql = format!(
        "SELECT endpoint_id, count(*) FROM (\
         SELECT DISTINCT e.id AS endpoint_id, ty.type, m.message, o.stack_trace_snapshot_id \
         FROM {occ} o JOIN {req} r ON r.id = o.request_id JOIN {ep} e ON e.id = r.endpoint_id \
         JOIN {ty} ty ON ty.id = o.exception_type_id JOIN {msg} m ON m.id = o.exception_msg_id) \
         GROUP BY endpoint_id",
        occ = t.exception_occurrence,
        req = t.request,
        ep = t.endpoint,
        ty = t.exception_type,
        msg = t.exception_message,
    );
    let conn = store.connection();
    let mut stmt = match conn.prepare(&sql) {
        Ok(stmt) => stmt,
        Err(rusqlite::Error::SqliteFailure(_, Some(message))) if message.starts_with("no such table") => {
            return Ok(HashMap::new())
        }
        Err(e) => return Err(fail(store, e)),
    };
    let mut run = || -> rusqlite::Result<HashMap<i64, u64>> {
        let mut out = HashMap::new();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let Some(id) = int_of(row.get_ref(0)?) else { continue };
            *out.entry(id).or_default() += int_of(row.get_ref(1)?).unwrap_or(0).max(0) as u64;
        }
        Ok(out)
    };
    run().map_err(|e| fail(store, e))
}

/// Requests per status code over all endpoints in `range`, and the `limit` latest with status 400-599, read in
/// one snapshot.
pub fn dash_status(store: &Store, range: TimeRange, limit: usize) -> Result<DashStatus, String> {
    let t = &store.tables().request;
    let (filter, params) = time_filter(&range);
    let counts_sql = format!(
        "SELECT status_code, count(*) FROM {t} WHERE {filter} AND status_code IS NOT NULL GROUP BY status_code"
    );
    let errors_sql = format!(
        "SELECT id, endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code FROM {t} \
         WHERE {filter} AND status_code >= 400 AND status_code <= 599 ORDER BY time_requested DESC, id DESC LIMIT ?"
    );
    let conn = store.connection();
    let run = || -> rusqlite::Result<DashStatus> {
        let mut by_code: HashMap<String, u64> = HashMap::new();
        let mut stmt = conn.prepare(&counts_sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            let code = match row.get_ref(0)? {
                value @ (ValueRef::Integer(_) | ValueRef::Real(_)) => {
                    int_of(value).map_or_else(|| text_of(value), |c| c.to_string())
                }
                value => text_of(value),
            };
            *by_code.entry(code).or_default() += int_of(row.get_ref(1)?).unwrap_or(0).max(0) as u64;
        }
        let mut counts: Vec<(String, u64)> = by_code.into_iter().collect();
        counts.sort_by(|a, b| crate::format::status_code_order(&a.0, &b.0));
        let total_errors = counts
            .iter()
            .filter(|(code, _)| code.parse::<f64>().is_ok_and(|c| (400.0..=599.0).contains(&c)))
            .map(|(_, n)| n)
            .sum();

        let mut error_params = params.clone();
        error_params.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let mut stmt = conn.prepare(&errors_sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(error_params.iter()))?;
        let mut errors = Vec::new();
        while let Some(r) = rows.next()? {
            let Some(id) = int_of(r.get_ref(0)?) else { continue };
            let duration = match r.get_ref(2)? {
                ValueRef::Real(f) if f.is_finite() => Some(f),
                ValueRef::Integer(i) => Some(i as f64),
                _ => None,
            };
            let time_requested = match r.get_ref(3)? {
                ValueRef::Text(b) => std::str::from_utf8(b).ok().and_then(timefmt::parse_fmd),
                _ => None,
            };
            errors.push(RequestRow {
                id,
                endpoint_id: int_of(r.get_ref(1)?),
                duration,
                time_requested,
                version_requested: text_of(r.get_ref(4)?),
                group_by: text_of(r.get_ref(5)?),
                ip: text_of(r.get_ref(6)?),
                status_code: int_of(r.get_ref(7)?),
            });
        }
        Ok(DashStatus { counts, total_errors, errors })
    };
    // One read transaction, so counts and the error list come from the same snapshot while recorders write.
    let own = conn.is_autocommit();
    if own {
        conn.execute_batch("BEGIN DEFERRED").map_err(|e| fail(store, e))?;
    }
    let result = run();
    if own {
        let _ = conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
    }
    result.map_err(|e| fail(store, e))
}

/// The earliest parseable request time (`None` for an empty table).
pub fn first_request(store: &Store) -> Result<Option<DateTime<Utc>>, String> {
    let sql = format!("SELECT min(time_requested) FROM {}", store.tables().request);
    store
        .connection()
        .query_row(&sql, [], |row| {
            Ok(match row.get_ref(0)? {
                ValueRef::Text(b) => std::str::from_utf8(b).ok().and_then(timefmt::parse_fmd),
                _ => None,
            })
        })
        .map_err(|e| fail(store, e))
}

/// An endpoint's all-time mean request duration in ms (the outliers' `× avg`; reads the
/// `(endpoint_id, duration)` index only), `None` without requests or with no numeric duration.
pub fn mean_duration(store: &Store, endpoint_id: i64) -> Result<Option<f64>, String> {
    let sql = format!("SELECT avg(duration) FROM {} WHERE endpoint_id = ?1", store.tables().request);
    store
        .connection()
        .query_row(&sql, [endpoint_id], |row| {
            Ok(match row.get_ref(0)? {
                ValueRef::Real(f) if f.is_finite() => Some(f),
                ValueRef::Integer(i) => Some(i as f64),
                _ => None,
            })
        })
        .map_err(|e| fail(store, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{fixture_copy, now};

    fn reader(db: &std::path::Path) -> Store {
        Store::open_reader(db, None).expect("reader")
    }

    #[test]
    fn trends_count_each_hour_before_now() {
        let (_dir, db) = fixture_copy();
        let store = reader(&db);
        let trends = trends(&store, now()).expect("trends");
        // The fixture's requests stop at 21:52:22, so the last hour before 22:56:55 is empty.
        let user_detail = trends.get(&2).expect("user_detail has requests today");
        assert_eq!(user_detail.len(), TREND_HOURS);
        assert_eq!(user_detail.last(), Some(&0));
        let total: u64 = trends.values().flatten().sum();
        let expected: u64 = store
            .connection()
            .query_row("SELECT count(*) FROM Request WHERE time_requested >= '2026-11-26 22:56:55.000000'", [], |r| {
                r.get::<_, i64>(0)
            })
            .expect("count") as u64;
        assert_eq!(total, expected);
    }

    #[test]
    fn exception_groups_count_the_stores_groups_and_files_without_exception_tables_have_none() {
        let (_dir, db) = fixture_copy();
        let store = reader(&db);
        let counts = exception_groups(&store).expect("counts");
        let mut expected: HashMap<i64, u64> = HashMap::new();
        for group in store.exception_groups(None, u32::MAX).expect("groups") {
            *expected.entry(group.endpoint_id).or_default() += 1;
        }
        assert!(!expected.is_empty(), "the fixture has exceptions");
        assert_eq!(counts, expected);
        drop(store);

        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch("DROP TABLE ExceptionOccurrence").expect("drop");
        drop(conn);
        assert_eq!(exception_groups(&reader(&db)), Ok(HashMap::new()));
    }

    #[test]
    fn dash_status_matches_the_per_endpoint_view() {
        let (_dir, db) = fixture_copy();
        let store = reader(&db);
        let status = dash_status(&store, TimeRange::ALL, 5).expect("status");
        let codes: Vec<(&str, u64)> = status.counts.iter().map(|(c, n)| (c.as_str(), *n)).collect();
        assert_eq!(codes, [("200", 1253), ("201", 122), ("404", 26), ("413", 53), ("500", 72)]);
        assert_eq!(status.total_errors, 26 + 53 + 72);
        assert_eq!(status.errors.len(), 5);
        assert!(status.errors.windows(2).all(|w| w[0].time_requested >= w[1].time_requested), "newest first");
        let one = store.status_codes(2, TimeRange::ALL, 1).expect("view");
        assert_eq!(one.counts.get("404"), Some(&26), "user_detail's 404s are all of them");
        assert_eq!(
            first_request(&store).expect("first").map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-17T22:06:11.259339+00:00")
        );
    }
}
