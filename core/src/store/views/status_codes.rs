//! Status codes of an endpoint: the distribution and the latest error requests (FMD's
//! `/api/endpoint_status_code_summary/<id>`).

use std::collections::BTreeMap;

use rusqlite::types::Value;
use serde::Serialize;

use super::requests::{request_row, RequestRow, REQUEST_COLUMNS};
use super::{int_of, text_of, Access, TimeRange};
use crate::store::summary::Scope;
use crate::store::{Store, StoreError};

/// An endpoint's status codes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCodes {
    /// `{code: fraction}` of the requests with a status code (FMD's `distribution`).
    pub distribution: BTreeMap<String, f64>,
    /// `{code: requests}`.
    pub counts: BTreeMap<String, u64>,
    /// Requests with status 400-599 in the range, of which [`StatusCodes::error_requests`] shows the latest.
    pub total_errors: u64,
    /// The latest error requests (status 400-599), newest first, at most the limit asked for (FMD lists all,
    /// in no particular order).
    pub error_requests: Vec<RequestRow>,
}

impl Store {
    /// Status-code distribution of an endpoint in `range` and its `error_limit` latest error requests.
    ///
    /// Codes are keyed by their text (`"404"`); requests without a status code are left out, as FMD does.
    pub fn status_codes(
        &self,
        endpoint_id: i64,
        range: TimeRange,
        error_limit: usize,
    ) -> Result<StatusCodes, StoreError> {
        let t = &self.tables.request;
        let limit = i64::try_from(error_limit).unwrap_or(i64::MAX);
        let (counts, error_requests) = self.view_snapshot(|| {
            let filter = self.view_filter(&range, endpoint_id, Access::Covered)?;
            // Counted while streaming: a GROUP BY would sort every row first.
            let counts_sql = format!("SELECT status_code FROM {t} WHERE {} AND status_code IS NOT NULL", filter.sql());
            let errors = filter.clone().and("status_code >= 400 AND status_code <= 599");
            let errors_sql = format!(
                "SELECT {REQUEST_COLUMNS} FROM {t} WHERE {} ORDER BY time_requested DESC, id DESC LIMIT ?",
                errors.sql()
            );
            let mut by_int: Vec<(i64, u64)> = Vec::new();
            let mut last = 0usize;
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            // Over all time the summaries hold the counts (the latest errors are a short walk back in time).
            let view = if range.is_bounded() { None } else { self.summary_view(Scope::Endpoint(endpoint_id), false)? };
            let summary = match view {
                Some(view) => view.codes(endpoint_id)?,
                None => None,
            };
            let counted = summary.is_some();
            for (code, n) in summary.into_iter().flatten() {
                *counts.entry(code).or_default() += n;
            }
            if !counted {
                let mut stmt = self.conn.prepare(&counts_sql)?;
                let mut rows = stmt.query(filter.params())?;
                while let Some(r) = rows.next()? {
                    let value = r.get_ref(0)?;
                    let Some(code) = int_of(value) else {
                        *counts.entry(text_of(value)).or_default() += 1;
                        continue;
                    };
                    if !matches!(by_int.get(last), Some((c, _)) if *c == code) {
                        last = match by_int.iter().position(|(c, _)| *c == code) {
                            Some(i) => i,
                            None => {
                                by_int.push((code, 0));
                                by_int.len() - 1
                            }
                        };
                    }
                    if let Some((_, n)) = by_int.get_mut(last) {
                        *n += 1;
                    }
                }
            }
            for (code, n) in by_int {
                *counts.entry(code.to_string()).or_default() += n;
            }
            let mut stmt = self.conn.prepare(&errors_sql)?;
            let mut rows = stmt.query(errors.params_with(&[Value::Integer(limit)]))?;
            let mut error_requests = Vec::new();
            while let Some(r) = rows.next()? {
                if let Some(row) = request_row(r)? {
                    error_requests.push(row);
                }
            }
            Ok((counts, error_requests))
        })?;
        let total: u64 = counts.values().sum();
        let distribution = counts.iter().map(|(code, n)| (code.clone(), *n as f64 / total as f64)).collect();
        let total_errors = counts
            .iter()
            .filter(|(code, _)| code.parse::<f64>().is_ok_and(|c| (400.0..=599.0).contains(&c)))
            .map(|(_, n)| n)
            .sum();
        Ok(StatusCodes { distribution, counts, total_errors, error_requests })
    }
}
