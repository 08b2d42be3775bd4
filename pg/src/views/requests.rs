//! Request rows of an endpoint on PostgreSQL (the console's Requests tab: newest or longest first, paged, with
//! the console's filter) and one request with everything stored about it, as `fmd_core`'s SQLite store
//! answers them.
//!
//! The filter terms mean what they mean on SQLite: a status range keeps `from <= status_code <= to`; a user,
//! IP or version equals the text byte for byte, or (`text*`) starts with it byte for byte (SQLite's escaped
//! GLOB; here `starts_with`, which compares bytes too); NULL columns never match. Longest first leaves out
//! durations outside ±1e308 (infinities, NaN), as SQLite's `VALID_DURATION` does; newest first puts requests
//! without a time last (SQLite sorts NULL lowest).

use chrono::NaiveDateTime;
use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, RequestRow, TextMatch};
use fmd_core::store::{RequestDetail, RequestException, TimeRange};
use fmd_core::StoreError;
use postgres::Row;

use super::bind::{big, count, instant, usable, Bind, VALID_DURATION};
use super::groups::requests_of;
use super::incidents::{outlier_row, OUTLIER_COLUMNS};
use crate::PgStore;

/// The Request columns, in [`RequestRow`] order.
const REQUEST_COLUMNS: &str = "id::int8, endpoint_id::int8, duration::float8, time_requested, \
     version_requested::text, group_by::text, ip::text, status_code::int8";

/// Reads a row selected with [`REQUEST_COLUMNS`], every column as leniently as SQLite's `request_row`.
fn request_row(r: &Row) -> Result<RequestRow, postgres::Error> {
    let time: Option<NaiveDateTime> = r.try_get(3)?;
    let text =
        |i: usize| -> Result<String, postgres::Error> { Ok(r.try_get::<_, Option<String>>(i)?.unwrap_or_default()) };
    Ok(RequestRow {
        id: r.try_get(0)?,
        endpoint_id: r.try_get(1)?,
        duration: usable(r.try_get(2)?),
        time_requested: time.map(instant),
        version_requested: text(4)?,
        group_by: text(5)?,
        ip: text(6)?,
        status_code: r.try_get(7)?,
    })
}

/// Adds `filter`'s conditions.
fn add_filter(bind: &mut Bind, filter: &RequestFilter) {
    if let Some(status) = filter.status {
        let (from, to) = (bind.int(status.from), bind.int(status.to));
        bind.and(format!("status_code >= {from} AND status_code <= {to}"));
    }
    for (m, column) in [(&filter.user, "group_by"), (&filter.ip, "ip"), (&filter.version, "version_requested")] {
        if let Some(m) = m {
            add_match(bind, m, column);
        }
    }
}

/// `column` equals `m`'s text, or starts with it (both byte for byte, as SQLite's `=` and GLOB compare).
fn add_match(bind: &mut Bind, m: &TextMatch, column: &str) {
    if m.text.contains('\0') {
        // PostgreSQL's text cannot hold NUL, so no stored value holds it (and it cannot be sent).
        bind.and("FALSE");
        return;
    }
    let text = bind.text(&m.text);
    if m.prefix {
        bind.and(format!("starts_with({column}::text, {text})"));
    } else {
        bind.and(format!("{column}::text = {text}"));
    }
}

impl PgStore {
    /// An endpoint's requests in `range` that `query`'s filter keeps, in its order (ties by id, descending),
    /// skipping `offset` rows and returning at most `limit`.
    ///
    /// Newest first reads the requests with a time through the time index (backwards, ties sorted on the way),
    /// and only when the page reaches past them the ones without (SQLite's NULLs sort lowest): one ORDER BY
    /// with `NULLS LAST` would sort every request of the endpoint first. Longest first walks the
    /// `(endpoint_id, duration)` index.
    pub fn requests(
        &self,
        endpoint_id: i64,
        range: TimeRange,
        query: &RequestQuery,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<RequestRow>, StoreError> {
        let t = &self.tables.request;
        let kept = |extra: &str| {
            let mut bind = requests_of(endpoint_id, &range);
            bind.and(extra);
            add_filter(&mut bind, &query.filter);
            bind
        };
        let page = |extra: &str, order: &str, limit: usize, offset: usize| {
            let mut bind = kept(extra);
            let conditions = bind.conditions();
            let (limit, offset) = (bind.int(big(limit)), bind.int(big(offset)));
            let sql = format!(
                "SELECT {REQUEST_COLUMNS} FROM {t} WHERE {conditions} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            );
            (sql, bind)
        };
        let read = |c: &mut postgres::Transaction<'_>, (sql, bind): (String, Bind)| -> Result<Vec<RequestRow>, _> {
            c.query(&sql, &bind.params())?.iter().map(request_row).collect()
        };
        if query.order == RequestOrder::Duration {
            return self.read_snapshot(|c| read(c, page(VALID_DURATION, "duration DESC, id DESC", limit, offset)));
        }
        const TIMED: &str = "time_requested IS NOT NULL";
        self.read_snapshot(|c| {
            let mut rows = read(c, page(TIMED, "time_requested DESC, id DESC", limit, offset))?;
            if range.is_bounded() || rows.len() >= limit {
                return Ok(rows);
            }
            // The page ends past the requests with a time: those without follow, newest id first.
            let skip = if rows.is_empty() && offset > 0 {
                let bind = kept(TIMED);
                let sql = format!("SELECT count(*) FROM {t} WHERE {}", bind.conditions());
                let timed = count(c.query_one(&sql, &bind.params())?.try_get(0)?);
                offset.saturating_sub(usize::try_from(timed).unwrap_or(usize::MAX))
            } else {
                0
            };
            rows.extend(read(c, page("time_requested IS NULL", "id DESC", limit - rows.len(), skip))?);
            Ok(rows)
        })
    }

    /// The request `id` with its outlier and exceptions (each with its stack); `None` when there is no such
    /// request.
    pub fn request_detail(&self, id: i64) -> Result<Option<RequestDetail>, StoreError> {
        let t = &self.tables;
        let request_sql = format!("SELECT {REQUEST_COLUMNS} FROM {} WHERE id = $1::int8", t.request);
        let outlier_sql = format!(
            "SELECT {OUTLIER_COLUMNS} FROM {} o JOIN {} r ON r.id = o.request_id WHERE o.request_id = $1::int8 \
             ORDER BY o.id LIMIT 1",
            t.outlier, t.request
        );
        let exceptions_sql = format!(
            "SELECT ty.type::text, m.message::text, coalesce(o.is_user_captured::int, 0)::int8, \
             o.stack_trace_snapshot_id::int8 FROM {occ} o \
             JOIN {ty} ty ON ty.id = o.exception_type_id JOIN {msg} m ON m.id = o.exception_msg_id \
             WHERE o.request_id = $1::int8 ORDER BY o.id",
            occ = t.exception_occurrence,
            ty = t.exception_type,
            msg = t.exception_message,
        );
        self.read_snapshot(|c| {
            let Some(request) = c.query_opt(&request_sql, &[&id])? else { return Ok(None) };
            let request = request_row(&request)?;
            let outlier = c.query_opt(&outlier_sql, &[&id])?.map(|r| outlier_row(&r)).transpose()?;
            let mut exceptions = Vec::new();
            for r in c.query(&exceptions_sql, &[&id])? {
                let user_captured: i64 = r.try_get(2)?;
                let snapshot: i64 = r.try_get(3)?;
                exceptions.push(RequestException {
                    type_name: r.try_get(0)?,
                    message: r.try_get(1)?,
                    user_captured: user_captured != 0,
                    stack: self.stack_of(c, snapshot)?,
                });
            }
            Ok(Some(RequestDetail { request, outlier, exceptions }))
        })
    }
}
