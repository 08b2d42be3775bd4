//! Status codes of an endpoint: the distribution and the latest error requests (FMD's
//! `/api/endpoint_status_code_summary/<id>`).

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::{Value, ValueRef};
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
    ///
    /// The latest errors of all endpoints come from one walk back through the time index (see
    /// [`Store::latest_errors_per_endpoint`]), not one walk or one endpoint's rows per endpoint: with dozens of
    /// endpoints, the rarely failing ones each walked most of the index or looked up every row of theirs.
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
            let mut out: Vec<(i64, StatusCodes)> =
                ids.into_iter().map(|id| (id, tally(counts.remove(&id).unwrap_or_default()))).collect();
            // In requests (with a status code) of the range: what walking back through them costs, roughly.
            let rows: u64 = out.iter().map(|(_, s)| s.counts.values().sum::<u64>()).sum::<u64>()
                + counts.values().flat_map(BTreeMap::values).sum::<u64>();
            let plan: Vec<ErrorWant> = out
                .iter()
                .map(|(id, s)| ErrorWant {
                    endpoint: *id,
                    limit: error_cap(s.total_errors, error_limit),
                    errors: s.total_errors,
                    requests: s.counts.values().sum(),
                })
                .collect();
            let (walk, seek) = split_walk(&plan, rows, range.is_bounded());
            let mut found = self.latest_errors_per_endpoint(&Filter::on_time_index(&range, None), &walk)?;
            for want in seek {
                let rows = self.latest_errors(&Filter::new(&range, Some(want.endpoint)), want.limit)?;
                found.insert(want.endpoint, rows);
            }
            for (id, status) in &mut out {
                status.error_requests = found.remove(id).unwrap_or_default();
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
        let mut status = tally(counts);
        status.error_requests = self.latest_errors(filter, error_cap(status.total_errors, error_limit))?;
        Ok(status)
    }

    /// The `limit` latest error requests (status 400-599) matching `filter`, newest first.
    fn latest_errors(&self, filter: &Filter, limit: u64) -> rusqlite::Result<Vec<RequestRow>> {
        let mut error_requests = Vec::new();
        if limit == 0 {
            return Ok(error_requests);
        }
        let errors = filter.clone().and(ERRORS);
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM {} WHERE {} ORDER BY time_requested DESC, id DESC LIMIT ?",
            self.tables.request,
            errors.sql()
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(errors.params_with(&[Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX))]))?;
        while let Some(r) = rows.next()? {
            if let Some(row) = request_row(r)? {
                error_requests.push(row);
            }
        }
        Ok(error_requests)
    }

    /// For each endpoint of `wants`, its `limit` latest error requests matching `filter` (which names no
    /// endpoint), newest first: the same rows as [`Store::latest_errors`] with that endpoint's condition, found
    /// in one walk back through the time index (which holds time, endpoint and status: only the rows kept are
    /// read from the table), stopped once every endpoint has its share.
    fn latest_errors_per_endpoint(
        &self,
        filter: &Filter,
        wants: &[ErrorWant],
    ) -> rusqlite::Result<HashMap<i64, Vec<RequestRow>>> {
        let mut need: HashMap<i64, u64> = wants.iter().filter(|w| w.limit > 0).map(|w| (w.endpoint, w.limit)).collect();
        let mut ids: HashMap<i64, Vec<i64>> = HashMap::new();
        if !need.is_empty() {
            let errors = filter.clone().and(ERRORS);
            let sql = format!(
                "SELECT id, endpoint_id FROM {} WHERE {} ORDER BY time_requested DESC, id DESC",
                self.tables.request,
                errors.sql()
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(errors.params())?;
            while let Some(r) = rows.next()? {
                // `endpoint_id = ?` with an integer id matches integers only (the column's affinity stores every
                // integral number as one).
                let ValueRef::Integer(e) = r.get_ref(1)? else { continue };
                let Some(left) = need.get_mut(&e) else { continue };
                let Some(id) = int_of(r.get_ref(0)?) else { continue };
                ids.entry(e).or_default().push(id);
                *left -= 1;
                if *left == 0 {
                    need.remove(&e);
                    if need.is_empty() {
                        break;
                    }
                }
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {REQUEST_COLUMNS} FROM {} WHERE id = ?1", self.tables.request))?;
        let mut out = HashMap::new();
        for (e, list) in ids {
            let mut found = Vec::with_capacity(list.len());
            for id in list {
                let mut rows = stmt.query([id])?;
                if let Some(r) = rows.next()? {
                    if let Some(row) = request_row(r)? {
                        found.push(row);
                    }
                }
            }
            out.insert(e, found);
        }
        Ok(out)
    }
}

/// The error statuses the views list.
const ERRORS: &str = "status_code >= 400 AND status_code <= 599";

/// The distribution and totals of `counts`, without error requests yet.
fn tally(counts: BTreeMap<String, u64>) -> StatusCodes {
    let total: u64 = counts.values().sum();
    let distribution = counts.iter().map(|(code, n)| (code.clone(), *n as f64 / total as f64)).collect();
    let total_errors: u64 = counts
        .iter()
        .filter(|(code, _)| code.parse::<f64>().is_ok_and(|c| (400.0..=599.0).contains(&c)))
        .map(|(_, n)| n)
        .sum();
    StatusCodes { distribution, counts, total_errors, error_requests: Vec::new() }
}

/// How many error requests to list: at most `error_limit`, and no more than the counts hold (so a query stops
/// once it has them all).
fn error_cap(total_errors: u64, error_limit: usize) -> u64 {
    u64::try_from(error_limit).unwrap_or(u64::MAX).min(total_errors)
}

/// One endpoint's share of the latest errors: how many to list, of how many errors in how many requests.
#[derive(Debug, Clone, Copy)]
struct ErrorWant {
    endpoint: i64,
    limit: u64,
    errors: u64,
    requests: u64,
}

/// Splits `wants` between the shared walk back through the time index and a seek of the endpoint's own rows
/// (one table lookup each, about [`LOOKUP_VS_INDEX`] index entries): an endpoint whose listed errors lie deep
/// in the past (estimated from its error share, over `rows` requests) and that has few requests is cheaper to
/// seek than to walk down to. Bounded ranges always walk (the walk ends at the range's start).
fn split_walk(wants: &[ErrorWant], rows: u64, bounded: bool) -> (Vec<ErrorWant>, Vec<ErrorWant>) {
    let depth = |w: &ErrorWant| match w.errors {
        0 => 0,
        errors => rows.saturating_mul(w.limit) / errors,
    };
    let seek_cost = |w: &ErrorWant| w.requests.saturating_mul(LOOKUP_VS_INDEX.unsigned_abs());
    let mut listed: Vec<ErrorWant> = wants.iter().copied().filter(|w| w.limit > 0).collect();
    if bounded || listed.is_empty() {
        return (listed, Vec::new());
    }
    // Deepest first: walking down to the k-th deepest seeks the k-1 deeper ones.
    listed.sort_by_key(|w| std::cmp::Reverse(depth(w)));
    let (mut best, mut best_cost, mut seeks) = (0usize, u64::MAX, 0u64);
    for (k, w) in listed.iter().enumerate() {
        let cost = depth(w).saturating_add(seeks);
        if cost < best_cost {
            (best, best_cost) = (k, cost);
        }
        seeks = seeks.saturating_add(seek_cost(w));
    }
    if seeks < best_cost {
        best = listed.len();
    }
    let walk = listed.split_off(best);
    (walk, listed)
}
