//! One request with everything stored about it: its row, its outlier capture and its exceptions (the
//! console's request detail popup).

use rusqlite::params;
use serde::Serialize;

use super::exceptions::ExceptionStackFrame;
use super::outliers::{outlier_row, OUTLIER_COLUMNS};
use super::views::requests::{request_row, REQUEST_COLUMNS};
use super::views::RequestRow;
use super::{OutlierRow, Store, StoreError};

/// An exception recorded on a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestException {
    /// `ExceptionType.type`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// `ExceptionMessage.message`.
    pub message: String,
    /// Recorded with `capture` (a handled error) rather than by a panic.
    pub user_captured: bool,
    /// The stack, outermost frame first.
    pub stack: Vec<ExceptionStackFrame>,
}

/// A request and what hangs off it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestDetail {
    /// Every column of the request.
    pub request: RequestRow,
    /// Its outlier capture (level 2 and 3), if one was taken.
    pub outlier: Option<OutlierRow>,
    /// Its exceptions, in the order they were stored.
    pub exceptions: Vec<RequestException>,
}

impl Store {
    /// The request `id` with its outlier and exceptions; `None` when there is no such request.
    pub fn request_detail(&self, id: i64) -> Result<Option<RequestDetail>, StoreError> {
        let t = &self.tables;
        let mut occurrences = Vec::new();
        let detail = self.view_snapshot(|| {
            let request = self
                .conn
                .prepare_cached(&format!("SELECT {REQUEST_COLUMNS} FROM {} WHERE id = ?1", t.request))?
                .query_map([id], request_row)?
                .next()
                .transpose()?
                .flatten();
            let Some(request) = request else { return Ok(None) };
            let outlier = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {OUTLIER_COLUMNS} FROM {} o JOIN {} r ON r.id = o.request_id WHERE o.request_id = ?1 \
                     ORDER BY o.id LIMIT 1",
                    t.outlier, t.request
                ))?
                .query_map([id], outlier_row)?
                .next()
                .transpose()?;
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT ty.type, m.message, o.is_user_captured, o.stack_trace_snapshot_id FROM {occ} o \
                 JOIN {ty} ty ON ty.id = o.exception_type_id JOIN {msg} m ON m.id = o.exception_msg_id \
                 WHERE o.request_id = ?1 ORDER BY o.id",
                occ = t.exception_occurrence,
                ty = t.exception_type,
                msg = t.exception_message,
            ))?;
            let rows = stmt.query_map(params![id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?.unwrap_or(0) != 0,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            for row in rows {
                occurrences.push(row?);
            }
            Ok(Some((request, outlier)))
        })?;
        let Some((request, outlier)) = detail else { return Ok(None) };
        let mut exceptions = Vec::new();
        for (type_name, message, user_captured, snapshot) in occurrences {
            exceptions.push(RequestException {
                type_name,
                message,
                user_captured,
                stack: self.exception_stack(snapshot)?,
            });
        }
        Ok(Some(RequestDetail { request, outlier, exceptions }))
    }
}
