//! Level-3 profiler reads on PostgreSQL: an endpoint's profiled requests (those with `StackLine` rows), one
//! request's call tree and FMD's grouped profiler over the last 100, as `fmd_core`'s SQLite store answers
//! them. The trees and the grouping are built by core ([`CallTree::from_lines`], [`group`]) from the same lines.
//!
//! Lines are read as leniently as on SQLite: a NULL or non-finite duration counts as 0 ms, an unusable indent
//! as 0, a missing `CodeLine` as empty text.

use chrono::NaiveDateTime;
use fmd_core::store::profiler::{group, RawLine, GROUPED_REQUESTS};
use fmd_core::store::{CallTree, CodeRef, GroupedProfile, ProfiledPage, ProfiledRequest};
use fmd_core::StoreError;
use postgres::{GenericClient, Row};

use super::bind::{count, instant, usable};
use crate::PgStore;

/// The request columns [`request_of`] reads, for a request `r`, followed by its number of stack lines.
const PROFILED_COLUMNS: &str = "r.id::int8, r.time_requested, r.duration::float8, r.version_requested::text, \
     r.group_by::text, r.status_code::int8";

/// A request row of the profiler queries, its stack line count in column 6.
fn request_of(r: &Row) -> Result<ProfiledRequest, postgres::Error> {
    let time: Option<NaiveDateTime> = r.try_get(1)?;
    let text =
        |i: usize| -> Result<String, postgres::Error> { Ok(r.try_get::<_, Option<String>>(i)?.unwrap_or_default()) };
    Ok(ProfiledRequest {
        id: r.try_get(0)?,
        time_requested: time.map(instant),
        duration: usable(r.try_get(2)?),
        version_requested: text(3)?,
        group_by: text(4)?,
        status_code: r.try_get(5)?,
        stack_lines: count(r.try_get::<_, Option<i64>>(6)?.unwrap_or(0)),
    })
}

/// The stack line columns [`raw_line`] reads, for a line `s` and its code line `c`.
const LINE_COLUMNS: &str = "s.position::int8, s.indent::int8, s.duration::float8, c.filename::text, \
     c.line_number::int8, c.function_name::text, c.code::text";

/// A stack line selected with [`LINE_COLUMNS`] (from column `at` on).
fn raw_line(r: &Row, at: usize) -> Result<RawLine, postgres::Error> {
    let text = |i: usize| -> Result<String, postgres::Error> {
        Ok(r.try_get::<_, Option<String>>(at + i)?.unwrap_or_default())
    };
    let indent: Option<i64> = r.try_get(at + 1)?;
    Ok(RawLine {
        position: r.try_get::<_, Option<i64>>(at)?.unwrap_or(0),
        indent: indent.and_then(|i| u32::try_from(i).ok()).unwrap_or(0),
        duration: usable(r.try_get(at + 2)?).unwrap_or(0.0),
        code: CodeRef {
            filename: text(3)?,
            line_number: r.try_get::<_, Option<i64>>(at + 4)?.unwrap_or(0),
            function_name: text(5)?,
            code: text(6)?,
        },
    })
}

impl PgStore {
    /// The endpoint's profiled requests: `EXISTS` on the StackLine primary key `(request_id, position)`.
    fn profiled_condition(&self) -> String {
        format!("EXISTS (SELECT 1 FROM {} p WHERE p.request_id = r.id)", self.tables.stack_line)
    }

    /// Number of profiled requests of an endpoint.
    fn count_profiled(&self, client: &mut impl GenericClient, endpoint_id: i64) -> Result<u64, postgres::Error> {
        let sql = format!(
            "SELECT count(*) FROM {} r WHERE r.endpoint_id = $1::int8 AND {}",
            self.tables.request,
            self.profiled_condition()
        );
        Ok(count(client.query_one(&sql, &[&endpoint_id])?.try_get(0)?))
    }

    /// An endpoint's profiled requests, newest first (by `time_requested`, requests without one last, then id),
    /// skipping `offset` and returning at most `limit`, each with its number of stack lines, and their number
    /// in all.
    pub fn profiled_page(&self, endpoint_id: i64, limit: u32, offset: u32) -> Result<ProfiledPage, StoreError> {
        let t = &self.tables;
        let sql = format!(
            "SELECT {PROFILED_COLUMNS}, s.n, count(*) OVER () \
             FROM (SELECT request_id, count(*) AS n FROM {} GROUP BY request_id) s \
             JOIN {} r ON r.id = s.request_id WHERE r.endpoint_id = $1::int8 \
             ORDER BY r.time_requested DESC NULLS LAST, r.id DESC LIMIT $2::int8 OFFSET $3::int8",
            t.stack_line, t.request
        );
        self.read_snapshot(|c| {
            let mut page = ProfiledPage::default();
            for r in c.query(&sql, &[&endpoint_id, &i64::from(limit), &i64::from(offset)])? {
                page.total = count(r.try_get(7)?);
                page.requests.push(request_of(&r)?);
            }
            if page.total == 0 && (offset > 0 || limit == 0) {
                // Past the end, or no row asked for: no row carried the count.
                page.total = self.count_profiled(c, endpoint_id)?;
            }
            Ok(page)
        })
    }

    /// The console's page: the `limit` profiled requests stored last (highest ids), shown newest first by
    /// `time_requested`, and their number in all counted only up to `count_up_to` (then
    /// [`ProfiledPage::total_is_at_least`] is set).
    pub fn profiled_page_capped(
        &self,
        endpoint_id: i64,
        limit: u32,
        count_up_to: u32,
    ) -> Result<ProfiledPage, StoreError> {
        let t = &self.tables;
        let page_sql = format!(
            "SELECT {PROFILED_COLUMNS}, (SELECT count(*) FROM {} c WHERE c.request_id = r.id) \
             FROM {} r WHERE r.endpoint_id = $1::int8 AND {} ORDER BY r.id DESC LIMIT $2::int8",
            t.stack_line,
            t.request,
            self.profiled_condition()
        );
        let count_sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} r WHERE r.endpoint_id = $1::int8 AND {} LIMIT $2::int8) s",
            t.request,
            self.profiled_condition()
        );
        self.read_snapshot(|c| {
            let mut requests = Vec::new();
            for r in c.query(&page_sql, &[&endpoint_id, &i64::from(limit)])? {
                requests.push(request_of(&r)?);
            }
            requests.sort_by(|x, y| y.time_requested.cmp(&x.time_requested).then(y.id.cmp(&x.id)));
            let counted = count(c.query_one(&count_sql, &[&endpoint_id, &(i64::from(count_up_to) + 1)])?.try_get(0)?);
            let at_least = counted > u64::from(count_up_to);
            Ok(ProfiledPage { total: counted.min(u64::from(count_up_to)), requests, total_is_at_least: at_least })
        })
    }

    /// The call tree of request `request_id`: its stack lines in position order with their code, durations and
    /// percentages. `None` when there is no such request; a request without stack lines has no lines.
    pub fn call_tree(&self, request_id: i64) -> Result<Option<CallTree>, StoreError> {
        let t = &self.tables;
        let request_sql = format!(
            "SELECT {PROFILED_COLUMNS}, (SELECT count(*) FROM {} s WHERE s.request_id = r.id) FROM {} r \
             WHERE r.id = $1::int8",
            t.stack_line, t.request
        );
        let lines_sql = format!(
            "SELECT {LINE_COLUMNS} FROM {} s LEFT JOIN {} c ON c.id = s.code_id WHERE s.request_id = $1::int8 \
             ORDER BY s.position",
            t.stack_line, t.code_line
        );
        self.read_snapshot(|c| {
            let Some(request) = c.query_opt(&request_sql, &[&request_id])? else { return Ok(None) };
            let request = request_of(&request)?;
            let raw = c.query(&lines_sql, &[&request_id])?.iter().map(|r| raw_line(r, 0)).collect::<Result<_, _>>()?;
            Ok(Some(CallTree::from_lines(request, raw)))
        })
    }

    /// FMD's grouped profiler of an endpoint: its [`GROUPED_REQUESTS`] most recent profiled requests (by id)
    /// merged, their lines read in one query.
    pub fn grouped_profiler(&self, endpoint_id: i64) -> Result<GroupedProfile, StoreError> {
        let t = &self.tables;
        let sql = format!(
            "WITH ids AS (SELECT r.id FROM {} r WHERE r.endpoint_id = $1::int8 AND {} ORDER BY r.id DESC \
             LIMIT $2::int8) \
             SELECT s.request_id::int8, {LINE_COLUMNS} FROM ids JOIN {} s ON s.request_id = ids.id \
             LEFT JOIN {} c ON c.id = s.code_id ORDER BY s.request_id DESC, s.position",
            t.request,
            self.profiled_condition(),
            t.stack_line,
            t.code_line
        );
        let requests = self.with(|c| {
            let mut requests: Vec<Vec<RawLine>> = Vec::new();
            let mut current = None;
            for r in c.query(&sql, &[&endpoint_id, &i64::from(GROUPED_REQUESTS)])? {
                let id: i64 = r.try_get(0)?;
                if current != Some(id) {
                    requests.push(Vec::new());
                    current = Some(id);
                }
                if let Some(lines) = requests.last_mut() {
                    lines.push(raw_line(&r, 1)?);
                }
            }
            Ok(requests)
        })?;
        Ok(group(&requests))
    }
}
