//! Status codes of an endpoint: the distribution and the latest error requests (FMD's
//! `/api/endpoint_status_code_summary/<id>`).

use std::collections::BTreeMap;

use rusqlite::types::Value;
use serde::Serialize;

use super::requests::{request_row, RequestRow, REQUEST_COLUMNS};
use super::{int_of, text_of, Access, Filter, TimeRange, LOOKUP_VS_INDEX};
use crate::store::summary::{drop_zero_codes, estimate_since, rows_bound, Scope, ViewCodes, NO_ENDPOINT};
use crate::store::{Store, StoreError};
use crate::timefmt;

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

/// Requests per status code (as text) of each endpoint key ([`NO_ENDPOINT`] for rows without a usable id): the
/// summaries' window counts have the same shape.
type CodeCounts = ViewCodes;

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
        self.view_snapshot(|| {
            let filter = self.view_filter(&range, endpoint_id, Access::Covered)?;
            // The summaries hold the counts (the latest errors are a short walk back in time).
            let counts = match self.summary_codes(&range, Some(endpoint_id))? {
                Some(mut counts) => counts.remove(&endpoint_id).unwrap_or_default(),
                None => self.count_codes(&filter)?.remove(&endpoint_id).unwrap_or_default(),
            };
            self.finish_status(counts, &filter, error_limit)
        })
    }

    /// [`Store::status_codes`] of every endpoint in `range`, read in one snapshot, by endpoint id (what
    /// `fmd show status-codes` lists without `--endpoint`). Endpoints without requests get empty entries.
    pub fn status_codes_per_endpoint(
        &self,
        range: TimeRange,
        error_limit: usize,
    ) -> Result<Vec<(i64, StatusCodes)>, StoreError> {
        self.view_snapshot(|| {
            let ids: Vec<i64> = self.view_endpoint_rows()?.iter().map(|e| e.id).collect();
            let mut counts = match self.summary_codes(&range, None)? {
                Some(counts) => counts,
                None => self.count_codes(&Filter::on_time_index(&range, None))?,
            };
            // An endpoint with few requests over all time: seek them on the endpoint index (see `view_filter`).
            let cap = if range.is_bounded() { 0 } else { self.max_rowid()? / LOOKUP_VS_INDEX };
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let codes = counts.remove(&id).unwrap_or_default();
                let few = u64::try_from(cap).is_ok_and(|cap| codes.values().sum::<u64>() < cap);
                let filter = if few { Filter::new(&range, Some(id)) } else { Filter::on_time_index(&range, Some(id)) };
                out.push((id, self.finish_status(codes, &filter, error_limit)?));
            }
            Ok(out)
        })
    }

    /// Status codes over every endpoint in `range` (the dashboard's status tab): requests per code, and the
    /// `error_limit` latest error requests of any endpoint. Requests of unknown endpoints count too.
    pub fn dashboard_status_codes(&self, range: TimeRange, error_limit: usize) -> Result<StatusCodes, StoreError> {
        self.view_snapshot(|| {
            let per_endpoint = match self.summary_codes(&range, None)? {
                Some(counts) => counts,
                None => self.count_codes(&Filter::on_time_index(&range, None))?,
            };
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for (code, n) in per_endpoint.into_values().flatten() {
                *counts.entry(code).or_default() += n;
            }
            self.finish_status(counts, &Filter::on_time_index(&range, None), error_limit)
        })
    }

    /// Per endpoint and code (of `endpoint` only, when given) from the summaries: over all time, their counts; over a window open at the end
    /// (`since`) that holds most requests, their counts minus those of the requests outside it (read from the
    /// rows). `None` without usable summaries, for other ranges, or when scanning the window is cheaper.
    fn summary_codes(&self, range: &TimeRange, endpoint: Option<i64>) -> rusqlite::Result<Option<CodeCounts>> {
        if let Some(counts) = self.window_codes(range, endpoint)? {
            return Ok(Some(counts));
        }
        let since = match (range.from, range.to) {
            (None, None) => None,
            (Some(from), None) => Some(from),
            _ => return Ok(None),
        };
        // A window holding less than half of the requests is scanned: skip the summaries' checks.
        if let Some(from) = since {
            match estimate_since(self, endpoint, from.timestamp().div_euclid(3600))? {
                Some((inside, total)) if inside.saturating_mul(2) > total => {}
                _ => return Ok(None),
            }
        }
        let Some(view) = self.summary_view(endpoint.map_or(Scope::All, Scope::Endpoint), false)? else {
            return Ok(None);
        };
        let codes = match endpoint {
            None => view.all_codes()?,
            Some(e) => view.codes(e)?.map(|codes| codes.into_iter().map(|(code, n)| (e, code, n)).collect()),
        };
        let Some(codes) = codes else { return Ok(None) };
        let mut out = CodeCounts::new();
        for (e, code, n) in codes {
            *out.entry(e).or_default().entry(code).or_default() += n;
        }
        let Some(from) = since else { return Ok(Some(out)) };
        let total: u64 = out.values().flat_map(BTreeMap::values).sum();
        let first_hour = from.timestamp().div_euclid(3600);
        let Some(hours) = view.hour_hits(endpoint, first_hour, i64::MAX)? else { return Ok(None) };
        let inside: u64 = hours.iter().map(|(_, _, n)| n).sum();
        if inside.saturating_mul(2) <= total {
            return Ok(None);
        }
        // Outside `time_requested >= from`: smaller times (numbers sort first) and NULL.
        let mut before = Filter::default();
        before.push("time_requested < ?", Value::Text(timefmt::format_utc(from)));
        let mut null = Filter::default().and("time_requested IS NULL");
        if let Some(e) = endpoint {
            before.push("+endpoint_id = ?", Value::Integer(e));
            null.push("+endpoint_id = ?", Value::Integer(e));
        }
        for outside in [before, null] {
            for (e, codes) in self.count_codes(&outside)? {
                let Some(mine) = out.get_mut(&e) else { return Ok(None) };
                for (code, n) in codes {
                    let Some(count) = mine.get_mut(&code).filter(|c| **c >= n) else { return Ok(None) };
                    *count -= n;
                }
            }
        }
        drop_zero_codes(&mut out);
        Ok(Some(out))
    }

    /// Per endpoint and code of a window (from a time on) of at least a tenth of `exact_window_rows` requests
    /// (a cheap bound), from the `vcode` summary hours plus the rows at its edges; `None` for other ranges,
    /// small windows (their rows are cheaper) and when the summaries cannot answer.
    fn window_codes(&self, range: &TimeRange, endpoint: Option<i64>) -> rusqlite::Result<Option<CodeCounts>> {
        let Some(from) = range.from else { return Ok(None) };
        let policy = self.summary_policy();
        // The bound counts up to `max_delta` rows above the mark that may not be there: past it, the hours alone
        // hold at least a tenth of `exact_window_rows`.
        let small = (policy.exact_window_rows / 10).saturating_add(policy.max_delta);
        if rows_bound(self, from, range.to)?.is_none_or(|n| n < small) {
            return Ok(None);
        }
        let Some(view) = self.summary_view(endpoint.map_or(Scope::All, Scope::Endpoint), false)? else {
            return Ok(None);
        };
        view.window_codes(from, range.to, endpoint)
    }

    /// Counts the requests matching `filter` per endpoint key and code in one pass of the rows (streamed: a
    /// GROUP BY would sort every row first).
    fn count_codes(&self, filter: &Filter) -> rusqlite::Result<CodeCounts> {
        let t = &self.tables.request;
        let sql =
            format!("SELECT endpoint_id, status_code FROM {t} WHERE {} AND status_code IS NOT NULL", filter.sql());
        let mut by_int: Vec<((i64, i64), u64)> = Vec::new();
        let mut last = 0usize;
        let mut out = CodeCounts::new();
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(filter.params())?;
        while let Some(r) = rows.next()? {
            let e = int_of(r.get_ref(0)?).unwrap_or(NO_ENDPOINT);
            let value = r.get_ref(1)?;
            let Some(code) = int_of(value) else {
                *out.entry(e).or_default().entry(text_of(value)).or_default() += 1;
                continue;
            };
            let key = (e, code);
            if !matches!(by_int.get(last), Some((k, _)) if *k == key) {
                last = match by_int.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        by_int.push((key, 0));
                        by_int.len() - 1
                    }
                };
            }
            if let Some((_, n)) = by_int.get_mut(last) {
                *n += 1;
            }
        }
        for ((e, code), n) in by_int {
            *out.entry(e).or_default().entry(code.to_string()).or_default() += n;
        }
        Ok(out)
    }

    /// The distribution and totals of `counts`, with the latest error requests matching `filter`. The error
    /// query stops once it has found as many as the counts hold (none at all: not run), so an endpoint with
    /// few errors never walks the whole index.
    fn finish_status(
        &self,
        counts: BTreeMap<String, u64>,
        filter: &Filter,
        error_limit: usize,
    ) -> rusqlite::Result<StatusCodes> {
        let total: u64 = counts.values().sum();
        let distribution = counts.iter().map(|(code, n)| (code.clone(), *n as f64 / total as f64)).collect();
        let total_errors: u64 = counts
            .iter()
            .filter(|(code, _)| code.parse::<f64>().is_ok_and(|c| (400.0..=599.0).contains(&c)))
            .map(|(_, n)| n)
            .sum();
        let limit = u64::try_from(error_limit).unwrap_or(u64::MAX).min(total_errors);
        let mut error_requests = Vec::new();
        if limit > 0 {
            let errors = filter.clone().and("status_code >= 400 AND status_code <= 599");
            let sql = format!(
                "SELECT {REQUEST_COLUMNS} FROM {} WHERE {} ORDER BY time_requested DESC, id DESC LIMIT ?",
                self.tables.request,
                errors.sql()
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows =
                stmt.query(errors.params_with(&[Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX))]))?;
            while let Some(r) = rows.next()? {
                if let Some(row) = request_row(r)? {
                    error_requests.push(row);
                }
            }
        }
        Ok(StatusCodes { distribution, counts, total_errors, error_requests })
    }
}
