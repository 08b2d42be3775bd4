//! Outliers: the rows a recorder writes for requests that ran past their endpoint's threshold (FMD's
//! `Outlier` table), the per-endpoint averages a recorder seeds its thresholds from, and the console's reads.
//!
//! The texts are stored in the formats FMD's web UI shows (see [`NewOutlier`]); `request_url` is stored as
//! TEXT where FMD writes a BLOB (FMD's API tries `.decode('utf-8')` on it, logs the failure on a `str` and
//! shows the text unchanged), and both forms are read back as text.

use rusqlite::types::ValueRef;
use rusqlite::{params, Transaction};
use serde::Serialize;

use super::{Store, StoreError, Tables};

/// One Outlier row as a recorder hands it over, attached to a request of the same [`WriteBatch`].
///
/// [`WriteBatch`]: super::WriteBatch
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOutlier {
    /// Position of its request in [`WriteBatch::requests`](super::WriteBatch::requests); the writer stores
    /// that request's id. Positions outside the batch are ignored.
    pub request: usize,
    /// Request headers as `"Name: value\r\n"` lines followed by `"\r\n"` (FMD's `str(request.headers)`),
    /// sensitive values already replaced by `[redacted]`.
    pub request_header: String,
    /// The request's environment as dict-like text (`{'REQUEST_METHOD': 'GET', ...}`).
    pub request_environment: String,
    /// The URL, with path and query.
    pub request_url: String,
    /// CPU use per core in percent, as a Python list literal: `"[12.5, 3.0]"`.
    pub cpu_percent: String,
    /// Memory as `svmem(total=…, available=…, percent=…, used=…, free=…, …)`.
    pub memory: String,
    /// The stack: frames joined by `<br />`, innermost last (FMD's format), possibly preceded by notes.
    pub stacktrace: String,
}

/// The request an [`OutlierRow`] belongs to (FMD's `Request` columns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlierRequest {
    /// `Request.id`.
    pub id: i64,
    /// `Request.endpoint_id`.
    pub endpoint_id: Option<i64>,
    /// Handler time in ms.
    pub duration: f64,
    /// `Request.time_requested` as stored (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC); RFC 3339 UTC in JSON.
    #[serde(serialize_with = "crate::timefmt::json::opt_fmd_text")]
    pub time_requested: Option<String>,
    /// `Request.version_requested`.
    pub version_requested: Option<String>,
    /// `Request.group_by`.
    pub group_by: Option<String>,
    /// `Request.ip`.
    pub ip: String,
    /// `Request.status_code`.
    pub status_code: Option<i64>,
}

/// One stored outlier with its request; serialises with the keys of FMD's `/api/outlier_table` rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlierRow {
    /// `Outlier.id`.
    pub id: i64,
    /// `Outlier.request_id`.
    pub request_id: i64,
    /// Header lines.
    pub request_header: Option<String>,
    /// Environment text.
    pub request_environment: Option<String>,
    /// URL (TEXT or FMD's BLOB, decoded as UTF-8 with replacement characters).
    pub request_url: Option<String>,
    /// CPU list text.
    pub cpu_percent: Option<String>,
    /// Memory text.
    pub memory: Option<String>,
    /// Stack text.
    pub stacktrace: Option<String>,
    /// The request.
    pub request: OutlierRequest,
}

/// An endpoint's all-time request count and mean duration, as a recorder seeds its outlier thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationStats {
    /// `Endpoint.id`.
    pub endpoint_id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// Number of Request rows.
    pub count: u64,
    /// Their mean duration in ms.
    pub mean_ms: f64,
}

/// Inserts the outliers of a batch; `ids[i]` is the row id of `batch.requests[i]`.
pub(super) fn insert(
    tx: &Transaction<'_>,
    tables: &Tables,
    outliers: &[NewOutlier],
    ids: &[i64],
) -> rusqlite::Result<()> {
    if outliers.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {} (request_id, request_header, request_environment, request_url, cpu_percent, memory, stacktrace) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        tables.outlier
    ))?;
    for o in outliers {
        let Some(request_id) = ids.get(o.request) else {
            continue;
        };
        insert.execute(params![
            request_id,
            o.request_header,
            o.request_environment,
            o.request_url,
            o.cpu_percent,
            o.memory,
            o.stacktrace
        ])?;
    }
    Ok(())
}

/// Text of a column that may be TEXT or (as FMD writes `request_url`) a BLOB.
fn text_or_blob(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
    }
}

/// The SELECT list [`outlier_row`] reads: an outlier `o` with its request `r`.
pub(super) const OUTLIER_COLUMNS: &str = "o.id, o.request_id, o.request_header, o.request_environment, o.request_url, \
     o.cpu_percent, o.memory, o.stacktrace, r.id, r.endpoint_id, r.duration, r.time_requested, r.version_requested, \
     r.group_by, r.ip, r.status_code";

/// Reads a row selected with [`OUTLIER_COLUMNS`].
pub(super) fn outlier_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutlierRow> {
    Ok(OutlierRow {
        id: r.get(0)?,
        request_id: r.get(1)?,
        request_header: text_or_blob(r.get_ref(2)?),
        request_environment: text_or_blob(r.get_ref(3)?),
        request_url: text_or_blob(r.get_ref(4)?),
        cpu_percent: text_or_blob(r.get_ref(5)?),
        memory: text_or_blob(r.get_ref(6)?),
        stacktrace: text_or_blob(r.get_ref(7)?),
        request: OutlierRequest {
            id: r.get(8)?,
            endpoint_id: r.get(9)?,
            duration: r.get(10)?,
            time_requested: text_or_blob(r.get_ref(11)?),
            version_requested: text_or_blob(r.get_ref(12)?),
            group_by: text_or_blob(r.get_ref(13)?),
            ip: text_or_blob(r.get_ref(14)?).unwrap_or_default(),
            status_code: r.get(15)?,
        },
    })
}

impl Store {
    /// The outliers of an endpoint with their requests, newest request first (FMD orders by
    /// `time_requested` descending), skipping `offset` and returning at most `limit`.
    pub fn outliers(&self, endpoint_id: i64, limit: u32, offset: u32) -> Result<Vec<OutlierRow>, StoreError> {
        let t = &self.tables;
        let run = || -> rusqlite::Result<Vec<OutlierRow>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {OUTLIER_COLUMNS} FROM {} o JOIN {} r ON r.id = o.request_id WHERE r.endpoint_id = ?1 \
                 ORDER BY r.time_requested DESC, o.id DESC LIMIT ?2 OFFSET ?3",
                t.outlier, t.request
            ))?;
            let rows = stmt.query_map(params![endpoint_id, limit, offset], outlier_row)?;
            rows.collect()
        };
        run().map_err(|e| self.wrap(e))
    }

    /// Number of outliers of an endpoint (FMD's `/api/num_outliers/<id>`).
    pub fn num_outliers(&self, endpoint_id: i64) -> Result<u64, StoreError> {
        let t = &self.tables;
        self.conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {} o JOIN {} r ON r.id = o.request_id WHERE r.endpoint_id = ?1",
                    t.outlier, t.request
                ),
                [endpoint_id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.wrap(e))
    }

    /// Every endpoint's all-time request count and mean duration (what FMD's cache loads at startup).
    /// Reads the `(endpoint_id, duration)` index only.
    pub fn endpoint_duration_stats(&self) -> Result<Vec<DurationStats>, StoreError> {
        let t = &self.tables;
        let run = || -> rusqlite::Result<Vec<DurationStats>> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT e.id, e.name, s.n, s.mean FROM (SELECT endpoint_id, count(*) AS n, avg(duration) AS mean \
                 FROM {} GROUP BY endpoint_id) s JOIN {} e ON e.id = s.endpoint_id",
                t.request, t.endpoint
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok(DurationStats {
                    endpoint_id: r.get(0)?,
                    name: r.get(1)?,
                    count: r.get::<_, i64>(2)?.max(0) as u64,
                    mean_ms: r.get::<_, Option<f64>>(3)?.unwrap_or(0.0),
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.wrap(e))
    }
}
