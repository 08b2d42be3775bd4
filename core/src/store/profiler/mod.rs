//! Level-3 profiler reads: an endpoint's profiled requests (those with `StackLine` rows), the call tree of one
//! of them, and FMD's grouped profiler over the last 100 ([`grouped`]).
//!
//! The rows are FMD's: `StackLine(request_id, position, indent, duration, code_id)` joined with
//! `CodeLine(filename, line_number, function_name, code)`, in position order, where `indent` is the depth
//! (0 for the endpoint's own lines) and `duration` the line's share of the request in ms. Nothing here assumes
//! Python: `code` may be empty (a recorder that could not read the source), and then the line reads as its
//! function name with `file:line` ([`CodeRef::label`]).
//!
//! Hostile content never panics nor fails a read: a NULL or mistyped duration counts as 0 ms, an unusable
//! indent as 0, a missing `CodeLine` as empty text.

mod grouped;

use rusqlite::params;
use serde::Serialize;

use super::views::{duration_of, int_of, text_of};
use super::{Store, StoreError};
use crate::timefmt;

pub use grouped::{group, GroupedLine, GroupedProfile, GROUPED_REQUESTS};

/// A profiled request: one with stack lines (FMD's `/api/profiler_table` rows, without the lines).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfiledRequest {
    /// `Request.id`.
    pub id: i64,
    /// `Request.time_requested` (RFC 3339 UTC), `None` when unreadable.
    #[serde(serialize_with = "super::views::ser::opt_time")]
    pub time_requested: Option<chrono::DateTime<chrono::Utc>>,
    /// Handler time in ms (`None` when unusable).
    pub duration: Option<f64>,
    /// `Request.version_requested`.
    pub version_requested: String,
    /// `Request.group_by` (FMD's "user").
    pub group_by: String,
    /// `Request.status_code`.
    pub status_code: Option<i64>,
    /// Number of its stack lines.
    pub stack_lines: u64,
}

/// A page of profiled requests and how many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProfiledPage {
    /// Profiled requests of the endpoint in all (FMD's `num_profiled`), or at least this many when
    /// `total_is_at_least` ([`Store::profiled_page_capped`]).
    pub total: u64,
    /// The page, newest first.
    pub requests: Vec<ProfiledRequest>,
    /// `total` is a lower bound: counting stopped there.
    #[serde(skip)]
    pub total_is_at_least: bool,
}

/// Where a stack line points: FMD's `CodeLine` columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CodeRef {
    /// Source file.
    pub filename: String,
    /// Line in the file.
    pub line_number: i64,
    /// Function (FMD writes the string `None` for the view's own header lines).
    pub function_name: String,
    /// The source text of the line (stripped), empty when the recorder could not read it.
    pub code: String,
}

impl CodeRef {
    /// What to show for the line: its code, or when there is none its function name and `file:line`.
    pub fn label(&self) -> String {
        if self.code.trim().is_empty() {
            format!("{} ({}:{})", self.function_name, self.filename, self.line_number)
        } else {
            self.code.clone()
        }
    }

    /// `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.filename, self.line_number)
    }
}

/// One line of a request's call tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallLine {
    /// `StackLine.position` (0-based order in the request).
    pub position: i64,
    /// Depth: 0 for the endpoint's own lines.
    pub indent: u32,
    /// The code it points at.
    #[serde(flatten)]
    pub code: CodeRef,
    /// Time spent in the line, ms.
    pub duration: f64,
    /// `duration` as a percentage of the request's duration (of its first line when the request has none).
    pub percent: Option<f64>,
    /// Index (in [`CallTree::lines`]) of the line it was called from: the nearest line before it one level up.
    pub parent: Option<usize>,
}

/// A profiled request with its stack lines in position order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallTree {
    /// The request.
    pub request: ProfiledRequest,
    /// Its lines.
    pub lines: Vec<CallLine>,
}

impl CallTree {
    /// The tree of `request` from its stack lines in position order: each line's parent (FMD's rule, see
    /// [`parents`]) and its share of the request's duration (of the first line's when the request has none).
    pub fn from_lines(request: ProfiledRequest, raw: Vec<RawLine>) -> CallTree {
        let indents: Vec<u32> = raw.iter().map(|l| l.indent).collect();
        let parents = parents(&indents);
        let whole = request.duration.filter(|d| *d > 0.0).or_else(|| raw.first().map(|l| l.duration));
        let lines = raw
            .into_iter()
            .zip(parents)
            .map(|(l, parent)| CallLine {
                position: l.position,
                indent: l.indent,
                percent: whole.filter(|w| *w > 0.0).map(|w| l.duration * 100.0 / w),
                duration: l.duration,
                code: l.code,
                parent,
            })
            .collect();
        CallTree { request, lines }
    }

    /// Indexes of the hottest path: from the costliest root, the costliest child at every level down (on a
    /// tie the later line, so FMD's `def` line wins over the decorator lines above it).
    pub fn hottest_path(&self) -> Vec<usize> {
        let mut path = Vec::new();
        let mut parent: Option<usize> = None;
        loop {
            let next = self.lines.iter().enumerate().filter(|(_, l)| l.parent == parent).fold(
                None::<(usize, f64)>,
                |best, (i, l)| match best {
                    Some((_, d)) if d > l.duration => best,
                    _ => Some((i, l.duration)),
                },
            );
            match next {
                Some((i, _)) => {
                    path.push(i);
                    parent = Some(i);
                }
                None => return path,
            }
        }
    }
}

/// The parent of each line: the nearest earlier line whose indent is one less (FMD's rule), else none.
/// One pass: the nearest earlier line at a given indent is the last one seen there.
pub fn parents(indents: &[u32]) -> Vec<Option<usize>> {
    let mut last_at: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(indents.len());
    for (i, &indent) in indents.iter().enumerate() {
        out.push(indent.checked_sub(1).and_then(|up| last_at.get(&up).copied()));
        last_at.insert(indent, i);
    }
    out
}

/// A stack line as read (what [`group`] merges).
#[derive(Debug, Clone)]
pub struct RawLine {
    /// `StackLine.position`.
    pub position: i64,
    /// `StackLine.indent` (0 when unusable).
    pub indent: u32,
    /// `StackLine.duration` in ms (0 when unusable).
    pub duration: f64,
    /// The `CodeLine` it points at (empty texts when missing).
    pub code: CodeRef,
}

impl Store {
    /// Number of profiled requests of an endpoint (FMD's `/api/num_profiled/<id>`), exact: it walks the whole
    /// StackLine index (~0.3 s for 4M stack lines). The console counts with [`Store::profiled_page_capped`].
    pub fn num_profiled(&self, endpoint_id: i64) -> Result<u64, StoreError> {
        self.view_snapshot(|| self.count_profiled(endpoint_id))
    }

    fn count_profiled(&self, endpoint_id: i64) -> rusqlite::Result<u64> {
        let t = &self.tables;
        self.conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT DISTINCT request_id FROM {}) s JOIN {} r ON r.id = s.request_id \
                 WHERE r.endpoint_id = ?1",
                t.stack_line, t.request
            ))?
            .query_row([endpoint_id], |r| Ok(int_of(r.get_ref(0)?).unwrap_or(0).max(0) as u64))
    }

    /// An endpoint's profiled requests, newest first (by `time_requested`, then id, as FMD's
    /// `/api/profiler_table` orders them), skipping `offset` and returning at most `limit`, each with its
    /// number of stack lines.
    pub fn profiled_requests(
        &self,
        endpoint_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ProfiledRequest>, StoreError> {
        Ok(self.profiled_page(endpoint_id, limit, offset)?.requests)
    }

    /// [`Store::profiled_requests`] with the number of profiled requests in all, counted in the same pass over
    /// the StackLine index (exact, in FMD's order; the console uses [`Store::profiled_page_capped`]).
    pub fn profiled_page(&self, endpoint_id: i64, limit: u32, offset: u32) -> Result<ProfiledPage, StoreError> {
        let t = &self.tables;
        let page = self.view_snapshot(|| {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT r.id, r.time_requested, r.duration, r.version_requested, r.group_by, r.status_code, s.n, \
                 count(*) OVER () FROM (SELECT request_id, count(*) AS n FROM {} GROUP BY request_id) s \
                 JOIN {} r ON r.id = s.request_id WHERE r.endpoint_id = ?1 \
                 ORDER BY r.time_requested DESC, r.id DESC LIMIT ?2 OFFSET ?3",
                t.stack_line, t.request
            ))?;
            let mut rows = stmt.query(params![endpoint_id, limit, offset])?;
            let mut page = ProfiledPage::default();
            while let Some(r) = rows.next()? {
                page.total = int_of(r.get_ref(7)?).unwrap_or(0).max(0) as u64;
                if let Some(request) = request_of(r)? {
                    page.requests.push(request);
                }
            }
            Ok(page)
        })?;
        if page.total == 0 && (offset > 0 || limit == 0) {
            // Past the end, or no row asked for: no row carried the count.
            return Ok(ProfiledPage { total: self.num_profiled(endpoint_id)?, ..page });
        }
        Ok(page)
    }

    /// The console's page: the `limit` profiled requests stored last (highest ids), shown newest first by
    /// `time_requested`, and their number in all counted only up to `count_up_to` (then
    /// [`ProfiledPage::total_is_at_least`] is set). Its cost follows the stack lines of the requests it
    /// reads, not the file's, so it can refresh every second on a large file. Where ids and times disagree
    /// (FMD stores a request when it ends) the set can differ from [`Store::profiled_page`]'s at its edge.
    pub fn profiled_page_capped(
        &self,
        endpoint_id: i64,
        limit: u32,
        count_up_to: u32,
    ) -> Result<ProfiledPage, StoreError> {
        let t = &self.tables;
        self.view_snapshot(|| {
            let mut requests = self.newest_profiled(endpoint_id, limit)?;
            requests.sort_by(|x, y| y.time_requested.cmp(&x.time_requested).then(y.id.cmp(&x.id)));
            let counted = self
                .conn
                .prepare_cached(&format!(
                    "SELECT count(*) FROM (SELECT 1 FROM (SELECT DISTINCT request_id FROM {} ORDER BY request_id DESC) s \
                     WHERE (SELECT endpoint_id FROM {} WHERE id = s.request_id) = ?1 LIMIT ?2)",
                    t.stack_line, t.request
                ))?
                .query_row(params![endpoint_id, i64::from(count_up_to) + 1], |r| {
                    Ok(int_of(r.get_ref(0)?).unwrap_or(0).max(0) as u64)
                })?;
            let at_least = counted > u64::from(count_up_to);
            Ok(ProfiledPage { total: counted.min(u64::from(count_up_to)), requests, total_is_at_least: at_least })
        })
    }

    /// Newest-first walk of the distinct request ids of the StackLine index (its primary key), keeping the
    /// endpoint's: it stops once the page is full, so it reads only the stack lines of the requests it passes.
    fn newest_profiled(&self, endpoint_id: i64, limit: u32) -> rusqlite::Result<Vec<ProfiledRequest>> {
        let t = &self.tables;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.time_requested, r.duration, r.version_requested, r.group_by, r.status_code, \
             (SELECT count(*) FROM {sl} c WHERE c.request_id = r.id) \
             FROM (SELECT s.request_id AS id FROM (SELECT DISTINCT request_id FROM {sl} ORDER BY request_id DESC) s \
                   WHERE (SELECT endpoint_id FROM {rq} WHERE id = s.request_id) = ?1 LIMIT ?2) p \
             JOIN {rq} r ON r.id = p.id ORDER BY r.id DESC",
            sl = t.stack_line,
            rq = t.request
        ))?;
        let mut rows = stmt.query(params![endpoint_id, limit])?;
        let mut requests = Vec::new();
        while let Some(r) = rows.next()? {
            if let Some(request) = request_of(r)? {
                requests.push(request);
            }
        }
        Ok(requests)
    }

    /// The call tree of request `request_id`: its stack lines in position order with their code, durations and
    /// percentages. `None` when there is no such request; a request without stack lines has no lines.
    pub fn call_tree(&self, request_id: i64) -> Result<Option<CallTree>, StoreError> {
        let t = &self.tables;
        self.view_snapshot(|| {
            let request = self
                .conn
                .prepare_cached(&format!(
                    "SELECT r.id, r.time_requested, r.duration, r.version_requested, r.group_by, r.status_code, \
                     (SELECT count(*) FROM {} s WHERE s.request_id = r.id) FROM {} r WHERE r.id = ?1",
                    t.stack_line, t.request
                ))?
                .query([request_id])?
                .next()?
                .map(request_of)
                .transpose()?
                .flatten();
            let Some(request) = request else { return Ok(None) };
            let raw = self.stack_lines(request_id)?;
            Ok(Some(CallTree::from_lines(request, raw)))
        })
    }

    /// The endpoint a request belongs to (`None`: no such request, or no endpoint stored).
    pub fn request_endpoint(&self, request_id: i64) -> Result<Option<i64>, StoreError> {
        let t = &self.tables;
        self.view_snapshot(|| {
            let mut stmt = self.conn.prepare_cached(&format!("SELECT endpoint_id FROM {} WHERE id = ?1", t.request))?;
            let mut rows = stmt.query([request_id])?;
            Ok(match rows.next()? {
                Some(r) => int_of(r.get_ref(0)?),
                None => None,
            })
        })
    }

    /// The stack lines of one request in position order, joined with their code lines.
    pub(crate) fn stack_lines(&self, request_id: i64) -> rusqlite::Result<Vec<RawLine>> {
        let t = &self.tables;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT s.position, s.indent, s.duration, c.filename, c.line_number, c.function_name, c.code \
             FROM {} s LEFT JOIN {} c ON c.id = s.code_id WHERE s.request_id = ?1 ORDER BY s.position",
            t.stack_line, t.code_line
        ))?;
        let mut rows = stmt.query([request_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(RawLine {
                position: int_of(r.get_ref(0)?).unwrap_or(0),
                indent: int_of(r.get_ref(1)?).and_then(|i| u32::try_from(i).ok()).unwrap_or(0),
                duration: duration_of(r.get_ref(2)?).unwrap_or(0.0),
                code: CodeRef {
                    filename: text_of(r.get_ref(3)?),
                    line_number: int_of(r.get_ref(4)?).unwrap_or(0),
                    function_name: text_of(r.get_ref(5)?),
                    code: text_of(r.get_ref(6)?),
                },
            });
        }
        Ok(out)
    }
}

/// A request row of the profiler queries (`None` when its id is unusable).
fn request_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<ProfiledRequest>> {
    let Some(id) = int_of(r.get_ref(0)?) else { return Ok(None) };
    let time = match r.get_ref(1)? {
        rusqlite::types::ValueRef::Text(b) => std::str::from_utf8(b).ok().and_then(timefmt::parse_fmd),
        _ => None,
    };
    Ok(Some(ProfiledRequest {
        id,
        time_requested: time,
        duration: duration_of(r.get_ref(2)?),
        version_requested: text_of(r.get_ref(3)?),
        group_by: text_of(r.get_ref(4)?),
        status_code: int_of(r.get_ref(5)?),
        stack_lines: int_of(r.get_ref(6)?).unwrap_or(0).max(0) as u64,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_are_the_nearest_line_one_level_up() {
        assert_eq!(
            parents(&[0, 0, 1, 2, 2, 1, 3, 0]),
            vec![None, None, Some(1), Some(2), Some(2), Some(1), Some(4), None]
        );
    }

    #[test]
    fn labels_fall_back_to_function_and_location() {
        let mut c =
            CodeRef { filename: "src/a.rs".into(), line_number: 7, function_name: "app::a".into(), code: "".into() };
        assert_eq!(c.label(), "app::a (src/a.rs:7)");
        c.code = "let x = 1;".into();
        assert_eq!(c.label(), "let x = 1;");
        assert_eq!(c.location(), "src/a.rs:7");
    }
}
