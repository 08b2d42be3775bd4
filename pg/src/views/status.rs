//! Status codes: their distribution per endpoint and over the dashboard, with the latest error requests (FMD's
//! `/api/endpoint_status_code_summary/<id>`). Requests without a status code are left out, as FMD does.

use std::collections::{BTreeMap, HashMap};

use postgres::Transaction;

use super::bind::{opt_instant, Bind};
use crate::PgStore;
use fmd_core::store::views::{RequestRow, StatusCodes};
use fmd_core::store::TimeRange;
use fmd_core::StoreError;

/// The error statuses the views list.
const ERRORS: &str = "status_code >= 400 AND status_code <= 599";

/// The Request columns, in [`RequestRow`] order.
pub(crate) const REQUEST_COLUMNS: &str = "id::int8, endpoint_id::int8, duration::float8, time_requested, \
     version_requested::text, group_by::text, ip::text, status_code::int8";

/// The newest first order of request listings: NULL times last, as SQLite sorts them.
const NEWEST_FIRST: &str = "time_requested DESC NULLS LAST, id DESC";

/// A row selected with [`REQUEST_COLUMNS`] (NULL texts read as empty, a duration that is not finite as `None`).
pub(crate) fn request_row(r: &postgres::Row) -> RequestRow {
    RequestRow {
        id: r.get(0),
        endpoint_id: r.get(1),
        duration: r.get::<_, Option<f64>>(2).filter(|d| d.is_finite()),
        time_requested: opt_instant(r.get(3)),
        version_requested: r.get::<_, Option<String>>(4).unwrap_or_default(),
        group_by: r.get::<_, Option<String>>(5).unwrap_or_default(),
        ip: r.get::<_, Option<String>>(6).unwrap_or_default(),
        status_code: r.get(7),
    }
}

/// Requests per status code (as text) of each endpoint id (`None` for requests without one).
type CodeCounts = HashMap<Option<i64>, BTreeMap<String, u64>>;

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

/// How many error requests to list: at most `error_limit`, and no more than there are.
fn error_cap(total_errors: u64, error_limit: usize) -> u64 {
    u64::try_from(error_limit).unwrap_or(u64::MAX).min(total_errors)
}

fn limit_param(limit: u64) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl PgStore {
    /// Requests per endpoint id and code in `range` (of `endpoint` only, when given).
    fn code_counts(
        &self,
        tx: &mut Transaction<'_>,
        range: &TimeRange,
        endpoint: Option<i64>,
    ) -> Result<CodeCounts, postgres::Error> {
        let mut w = Bind::requests(range, endpoint);
        w.and("status_code IS NOT NULL");
        let sql = format!(
            "SELECT endpoint_id::int8, status_code::int8, count(*) FROM {} WHERE {} GROUP BY 1, 2",
            self.tables().request,
            w.conditions()
        );
        let mut out = CodeCounts::new();
        for r in tx.query(&sql, &w.params())? {
            let code: i64 = r.get(1);
            *out.entry(r.get(0)).or_default().entry(code.to_string()).or_default() +=
                u64::try_from(r.get::<_, i64>(2)).unwrap_or(0);
        }
        Ok(out)
    }

    /// The `limit` latest error requests in `range` (of `endpoint` only, when given), newest first (ties by id,
    /// descending).
    fn latest_errors(
        &self,
        tx: &mut Transaction<'_>,
        range: &TimeRange,
        endpoint: Option<i64>,
        limit: u64,
    ) -> Result<Vec<RequestRow>, postgres::Error> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut w = Bind::requests(range, endpoint);
        w.and(ERRORS);
        let p = w.value(limit_param(limit));
        // The rows with a time newest first walk the time index backwards (ties by id sorted incrementally);
        // those without one come after them, as NULLS LAST orders them. One `ORDER BY … NULLS LAST` would sort
        // every error request.
        let (t, c) = (&self.tables().request, w.conditions());
        let sql = format!(
            "SELECT * FROM ((SELECT {REQUEST_COLUMNS} FROM {t} WHERE {c} AND time_requested IS NOT NULL \
             ORDER BY time_requested DESC, id DESC LIMIT {p}) UNION ALL (SELECT {REQUEST_COLUMNS} FROM {t} \
             WHERE {c} AND time_requested IS NULL ORDER BY id DESC LIMIT {p})) e \
             ORDER BY time_requested DESC NULLS LAST, id DESC LIMIT {p}"
        );
        Ok(tx.query(&sql, &w.params())?.iter().map(request_row).collect())
    }

    /// Status-code distribution of an endpoint in `range` and its `error_limit` latest error requests.
    pub fn status_codes(
        &self,
        endpoint_id: i64,
        range: TimeRange,
        error_limit: usize,
    ) -> Result<StatusCodes, StoreError> {
        self.read_snapshot(|tx| {
            let counts =
                self.code_counts(tx, &range, Some(endpoint_id))?.remove(&Some(endpoint_id)).unwrap_or_default();
            let mut status = tally(counts);
            let cap = error_cap(status.total_errors, error_limit);
            status.error_requests = self.latest_errors(tx, &range, Some(endpoint_id), cap)?;
            Ok(status)
        })
    }

    /// Status codes over every endpoint in `range` (requests of no endpoint count too) and the `error_limit`
    /// latest error requests of any of them.
    pub fn dashboard_status_codes(&self, range: TimeRange, error_limit: usize) -> Result<StatusCodes, StoreError> {
        self.read_snapshot(|tx| {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for (code, n) in self.code_counts(tx, &range, None)?.into_values().flatten() {
                *counts.entry(code).or_default() += n;
            }
            let mut status = tally(counts);
            let cap = error_cap(status.total_errors, error_limit);
            status.error_requests = self.latest_errors(tx, &range, None, cap)?;
            Ok(status)
        })
    }

    /// [`PgStore::status_codes`] of every endpoint of the Endpoint table in `range`, by endpoint id, in one
    /// snapshot; the latest errors of all of them come from one query.
    pub fn status_codes_per_endpoint(
        &self,
        range: TimeRange,
        error_limit: usize,
    ) -> Result<Vec<(i64, StatusCodes)>, StoreError> {
        self.read_snapshot(|tx| {
            let ids: Vec<i64> = self.endpoint_rows(tx)?.iter().map(|e| e.id).collect();
            let mut counts = self.code_counts(tx, &range, None)?;
            let mut out: Vec<(i64, StatusCodes)> =
                ids.into_iter().map(|id| (id, tally(counts.remove(&Some(id)).unwrap_or_default()))).collect();
            let mut found: HashMap<i64, Vec<RequestRow>> = HashMap::new();
            let limit = out.iter().map(|(_, s)| error_cap(s.total_errors, error_limit)).max().unwrap_or(0);
            if limit > 0 {
                let mut w = Bind::requests(&range, None);
                w.and(ERRORS).and("endpoint_id IS NOT NULL");
                let p = w.value(limit_param(limit));
                let sql = format!(
                    "SELECT {REQUEST_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY endpoint_id \
                     ORDER BY {NEWEST_FIRST}) AS rank FROM {} WHERE {}) ranked WHERE rank <= {p} \
                     ORDER BY endpoint_id, rank",
                    self.tables().request,
                    w.conditions()
                );
                for r in tx.query(&sql, &w.params())? {
                    let row = request_row(&r);
                    if let Some(e) = row.endpoint_id {
                        found.entry(e).or_default().push(row);
                    }
                }
            }
            for (id, status) in &mut out {
                let mut rows = found.remove(id).unwrap_or_default();
                rows.truncate(usize::try_from(error_cap(status.total_errors, error_limit)).unwrap_or(usize::MAX));
                status.error_requests = rows;
            }
            Ok(out)
        })
    }
}
