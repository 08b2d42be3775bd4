//! Outliers and exceptions on PostgreSQL: an endpoint's outlier captures with their requests, exception groups
//! (endpoint, type, message, stack) and a stack's frames, as `fmd_core`'s SQLite store answers them. Stored
//! times come back as FMD's text, as SQLite holds them.

use chrono::NaiveDateTime;
use fmd_core::store::{ExceptionGroup, ExceptionStackFrame, OutlierRequest, OutlierRow};
use fmd_core::StoreError;
use postgres::{GenericClient, Row};

use super::bind::{count, fmd_text, Bind};
use crate::PgStore;

/// The SELECT list [`outlier_row`] reads: an outlier `o` with its request `r`.
pub(crate) const OUTLIER_COLUMNS: &str = "o.id::int8, o.request_id::int8, o.request_header::text, \
     o.request_environment::text, o.request_url::text, o.cpu_percent::text, o.memory::text, o.stacktrace::text, \
     r.id::int8, r.endpoint_id::int8, r.duration::float8, r.time_requested, r.version_requested::text, \
     r.group_by::text, r.ip::text, r.status_code::int8";

/// Reads a row selected with [`OUTLIER_COLUMNS`].
pub(crate) fn outlier_row(r: &Row) -> Result<OutlierRow, postgres::Error> {
    let time: Option<NaiveDateTime> = r.try_get(11)?;
    Ok(OutlierRow {
        id: r.try_get(0)?,
        request_id: r.try_get(1)?,
        request_header: r.try_get(2)?,
        request_environment: r.try_get(3)?,
        request_url: r.try_get(4)?,
        cpu_percent: r.try_get(5)?,
        memory: r.try_get(6)?,
        stacktrace: r.try_get(7)?,
        request: OutlierRequest {
            id: r.try_get(8)?,
            endpoint_id: r.try_get(9)?,
            duration: r.try_get(10)?,
            time_requested: time.map(fmd_text),
            version_requested: r.try_get(12)?,
            group_by: r.try_get(13)?,
            ip: r.try_get::<_, Option<String>>(14)?.unwrap_or_default(),
            status_code: r.try_get(15)?,
        },
    })
}

impl PgStore {
    /// The outliers of an endpoint with their requests, newest request first (then the newest outlier),
    /// skipping `offset` and returning at most `limit`.
    pub fn outliers(&self, endpoint_id: i64, limit: u32, offset: u32) -> Result<Vec<OutlierRow>, StoreError> {
        let t = &self.tables;
        let mut bind = Bind::default();
        let (id, limit, offset) = (bind.int(endpoint_id), bind.int(limit.into()), bind.int(offset.into()));
        let sql = format!(
            "SELECT {OUTLIER_COLUMNS} FROM {} o JOIN {} r ON r.id = o.request_id WHERE r.endpoint_id = {id} \
             ORDER BY r.time_requested DESC NULLS LAST, o.id DESC LIMIT {limit} OFFSET {offset}",
            t.outlier, t.request
        );
        self.with(|c| c.query(&sql, &bind.params())?.iter().map(outlier_row).collect())
    }

    /// Number of outliers of an endpoint (FMD's `/api/num_outliers/<id>`).
    pub fn num_outliers(&self, endpoint_id: i64) -> Result<u64, StoreError> {
        let t = &self.tables;
        let sql = format!(
            "SELECT count(*) FROM {} o JOIN {} r ON r.id = o.request_id WHERE r.endpoint_id = $1::int8",
            t.outlier, t.request
        );
        self.with(|c| Ok(count(c.query_one(&sql, &[&endpoint_id])?.try_get(0)?)))
    }

    /// Exception groups, newest first (by their latest occurrence, then the newest occurrence), at most
    /// `limit`: grouped by endpoint, type, message and stack; all endpoints when `endpoint` is `None`.
    pub fn exception_groups(&self, endpoint: Option<i64>, limit: u32) -> Result<Vec<ExceptionGroup>, StoreError> {
        let t = &self.tables;
        let sql = format!(
            "SELECT ty.type::text, m.message::text, e.name::text, e.id::int8, o.stack_trace_snapshot_id::int8, \
             max(r.time_requested), min(r.time_requested), count(o.request_id), max(r.id)::int8, \
             max(o.is_user_captured::int)::int8 \
             FROM {occ} o JOIN {req} r ON r.id = o.request_id JOIN {ep} e ON e.id = r.endpoint_id \
             JOIN {ty} ty ON ty.id = o.exception_type_id JOIN {msg} m ON m.id = o.exception_msg_id \
             WHERE $1::int8 IS NULL OR e.id = $1::int8 \
             GROUP BY e.name, e.id, ty.type, m.message, o.stack_trace_snapshot_id \
             ORDER BY max(r.time_requested) DESC NULLS LAST, max(o.id) DESC LIMIT $2::int8",
            occ = t.exception_occurrence,
            req = t.request,
            ep = t.endpoint,
            ty = t.exception_type,
            msg = t.exception_message,
        );
        self.with(|c| {
            let mut out = Vec::new();
            for r in c.query(&sql, &[&endpoint, &i64::from(limit)])? {
                let latest: Option<NaiveDateTime> = r.try_get(5)?;
                let first: Option<NaiveDateTime> = r.try_get(6)?;
                out.push(ExceptionGroup {
                    type_name: r.try_get(0)?,
                    message: r.try_get(1)?,
                    endpoint: r.try_get(2)?,
                    endpoint_id: r.try_get(3)?,
                    stack_trace_snapshot_id: r.try_get(4)?,
                    latest_timestamp: latest.map(fmd_text),
                    first_timestamp: first.map(fmd_text),
                    count: count(r.try_get(7)?),
                    example_request_id: r.try_get(8)?,
                    user_captured: r.try_get::<_, Option<i64>>(9)?.unwrap_or(0) != 0,
                });
            }
            Ok(out)
        })
    }

    /// The stack of a snapshot, outermost frame first.
    pub fn exception_stack(&self, snapshot_id: i64) -> Result<Vec<ExceptionStackFrame>, StoreError> {
        self.with(|c| self.stack_of(c, snapshot_id))
    }

    /// [`PgStore::exception_stack`] on an open connection or transaction.
    pub(crate) fn stack_of(
        &self,
        client: &mut impl GenericClient,
        snapshot_id: i64,
    ) -> Result<Vec<ExceptionStackFrame>, postgres::Error> {
        let t = &self.tables;
        let sql = format!(
            "SELECT sl.position::int8, fp.path::text, fd.name::text, fd.id::int8, \
             fl.function_start_line_number::int8, f.line_number::int8, fd.code::text \
             FROM {sl} sl JOIN {fr} f ON f.id = sl.exception_frame_id \
             LEFT JOIN {fl} fl ON fl.id = f.function_location_id \
             LEFT JOIN {fp} fp ON fp.id = fl.file_path_id \
             LEFT JOIN {fd} fd ON fd.id = fl.function_definition_id \
             WHERE sl.stack_trace_snapshot_id = $1::int8 ORDER BY sl.position",
            sl = t.exception_stack_line,
            fr = t.exception_frame,
            fl = t.function_location,
            fp = t.file_path,
            fd = t.function_definition,
        );
        let mut out = Vec::new();
        for r in client.query(&sql, &[&snapshot_id])? {
            let path: String = r.try_get::<_, Option<String>>(1)?.unwrap_or_default();
            out.push(ExceptionStackFrame {
                position: r.try_get(0)?,
                full_file_path: path.clone(),
                file_path: path,
                function_name: r.try_get(2)?,
                function_definition_id: r.try_get(3)?,
                function_start_line_number: r.try_get::<_, Option<i64>>(4)?.unwrap_or(0),
                line_number: r.try_get(5)?,
                code: r.try_get(6)?,
            });
        }
        Ok(out)
    }
}
