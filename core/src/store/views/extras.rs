//! Small console queries: the overview's trend (requests per endpoint in each of the last hours) and exception
//! groups per endpoint, an endpoint's mean duration, the first request's time, the Endpoint table's rows.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rusqlite::types::ValueRef;
use serde::Serialize;

use super::{int_of, text_of, time_of};
use crate::store::{Store, StoreError};
use crate::timefmt;

/// One row of FMD's Endpoint table with FMD's column names (FMD's `/api/endpoints` rows, typed: numbers
/// stay numbers, instants are RFC 3339 UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointInfo {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name` (lossy text).
    pub name: String,
    /// `Endpoint.monitor_level`, `None` when NULL or out of 0-3.
    pub monitor_level: Option<u8>,
    /// `Endpoint.time_added` (`None` when NULL or unparsable).
    #[serde(serialize_with = "super::ser::opt_time")]
    pub time_added: Option<DateTime<Utc>>,
    /// `Endpoint.version_added` (`None` when NULL).
    pub version_added: Option<String>,
    /// `Endpoint.last_requested` (`None` when NULL or unparsable).
    #[serde(serialize_with = "super::ser::opt_time")]
    pub last_requested: Option<DateTime<Utc>>,
}

impl Store {
    /// Every row of the Endpoint table, by id.
    pub fn endpoint_infos(&self) -> Result<Vec<EndpointInfo>, StoreError> {
        let sql = format!(
            "SELECT id, name, monitor_level, time_added, version_added, last_requested FROM {} ORDER BY id",
            self.tables.endpoint
        );
        self.view_snapshot(|| {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let Some(id) = int_of(r.get_ref(0)?) else { continue };
                let version_added = match r.get_ref(4)? {
                    ValueRef::Null => None,
                    other => Some(text_of(other)),
                };
                out.push(EndpointInfo {
                    id,
                    name: text_of(r.get_ref(1)?),
                    monitor_level: int_of(r.get_ref(2)?).filter(|l| (0..=3).contains(l)).map(|l| l as u8),
                    time_added: time_of(r.get_ref(3)?),
                    version_added,
                    last_requested: time_of(r.get_ref(5)?),
                });
            }
            Ok(out)
        })
    }

    /// Requests per endpoint id in each of the `hours` hours before `now` (`[now - hours h, now)`, oldest hour
    /// first); endpoints without requests in that time, and requests without a usable endpoint id or time,
    /// are absent.
    ///
    /// The hour boundaries are written in FMD's text format and compared to the stored text byte for byte, as
    /// SQLite compares them in the `WHERE`, so no time is parsed per row: one pass over the time index.
    pub fn request_trend(&self, now: DateTime<Utc>, hours: usize) -> Result<HashMap<i64, Vec<u64>>, StoreError> {
        let span = i64::try_from(hours).unwrap_or(i64::MAX);
        let bounds: Vec<String> =
            (0..=span).map(|h| timefmt::format_utc(now - Duration::hours(span) + Duration::hours(h))).collect();
        let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else { return Ok(HashMap::new()) };
        let sql = format!(
            "SELECT endpoint_id, time_requested FROM {} WHERE time_requested >= ?1 AND time_requested < ?2",
            self.tables.request
        );
        self.view_snapshot(|| {
            let mut out: HashMap<i64, Vec<u64>> = HashMap::new();
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query([first, last])?;
            while let Some(row) = rows.next()? {
                let (Some(id), ValueRef::Text(time)) = (int_of(row.get_ref(0)?), row.get_ref(1)?) else { continue };
                let hour = bounds.partition_point(|b| b.as_bytes() <= time).saturating_sub(1);
                if let Some(cell) = out.entry(id).or_insert_with(|| vec![0; hours]).get_mut(hour) {
                    *cell += 1;
                }
            }
            Ok(out)
        })
    }

    /// The earliest request time that parses (`None` for an empty table): the smallest text on the time index.
    pub fn first_request_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = format!(
            "SELECT time_requested FROM {} WHERE time_requested >= '' ORDER BY time_requested LIMIT 64",
            self.tables.request
        );
        self.view_snapshot(|| {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                if let ValueRef::Text(b) = row.get_ref(0)? {
                    if let Some(t) = std::str::from_utf8(b).ok().and_then(timefmt::parse_fmd) {
                        return Ok(Some(t));
                    }
                }
            }
            Ok(None)
        })
    }

    /// Exception groups per endpoint id (FMD's overview key `exceptions`): the groups of
    /// [`Store::exception_groups`] (endpoint, type, message, stack), counted in one query over all endpoints.
    /// Files without exception tables (FMD before 5.0) have none: an empty map, not an error.
    pub fn exception_group_counts(&self) -> Result<HashMap<i64, u64>, StoreError> {
        let t = &self.tables;
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
        self.view_snapshot(|| {
            let mut stmt = match self.conn.prepare(&sql) {
                Ok(stmt) => stmt,
                Err(rusqlite::Error::SqliteFailure(_, Some(message))) if message.starts_with("no such table") => {
                    return Ok(HashMap::new())
                }
                Err(e) => return Err(e),
            };
            let mut out = HashMap::new();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let Some(id) = int_of(row.get_ref(0)?) else { continue };
                *out.entry(id).or_default() += u64::try_from(int_of(row.get_ref(1)?).unwrap_or(0)).unwrap_or(0);
            }
            Ok(out)
        })
    }

    /// An endpoint's mean request duration over all time in ms (SQL's `avg`, reading the
    /// `(endpoint_id, duration)` index only), `None` without requests or without a numeric duration.
    pub fn mean_duration(&self, endpoint_id: i64) -> Result<Option<f64>, StoreError> {
        let sql = format!("SELECT avg(duration) FROM {} WHERE endpoint_id = ?1", self.tables.request);
        self.view_snapshot(|| {
            self.conn.query_row(&sql, [endpoint_id], |row| {
                Ok(match row.get_ref(0)? {
                    ValueRef::Real(f) if f.is_finite() => Some(f),
                    ValueRef::Integer(i) => Some(i as f64),
                    _ => None,
                })
            })
        })
    }
}
