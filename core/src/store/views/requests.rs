//! Request rows of an endpoint (newest first, paged) and the endpoint screen's header numbers.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use serde::Serialize;

use super::{
    duration_of, int_of, lerp, percentile_sorted, ser, text_of, time_of, virtual_index, Access, TimeRange,
    VALID_DURATION,
};
use super::{EndpointRow, Filter};
use crate::store::overview::median;
use crate::store::summary::histogram::{Durations, Sum};
use crate::store::summary::{keep_max, keep_min, key_is_null, Scope};
use crate::store::{Store, StoreError};

pub use super::request_query::{RequestFilter, RequestOrder, RequestQuery, StatusRange, TextMatch};

/// The Request columns, in [`RequestRow`] order.
pub(crate) const REQUEST_COLUMNS: &str =
    "id, endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code";

/// Requests of the walk that a user, IP or version filter over all time (before scanning the table instead)
/// and a longest-first listing over a window look at first (see `Store::probe`).
const PROBE: i64 = 4096;

/// One `Request` row, every column read leniently (FMD's `row2dict` keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    /// `id`.
    pub id: i64,
    /// `endpoint_id` (`None` when NULL or not an integer).
    pub endpoint_id: Option<i64>,
    /// `duration` in ms (`None` when not a finite number).
    pub duration: Option<f64>,
    /// `time_requested` (`None` when NULL or unparsable).
    #[serde(serialize_with = "ser::opt_time")]
    pub time_requested: Option<DateTime<Utc>>,
    /// `version_requested` (lossy text; NULL reads as empty).
    pub version_requested: String,
    /// `group_by` (lossy text).
    pub group_by: String,
    /// `ip` (lossy text).
    pub ip: String,
    /// `status_code` (`None` when NULL or not an integer).
    pub status_code: Option<i64>,
}

/// Reads a row selected with [`REQUEST_COLUMNS`]; `None` only when the id itself is unusable.
pub(crate) fn request_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<RequestRow>> {
    let Some(id) = int_of(r.get_ref(0)?) else { return Ok(None) };
    Ok(Some(RequestRow {
        id,
        endpoint_id: int_of(r.get_ref(1)?),
        duration: duration_of(r.get_ref(2)?),
        time_requested: time_of(r.get_ref(3)?),
        version_requested: text_of(r.get_ref(4)?),
        group_by: text_of(r.get_ref(5)?),
        ip: text_of(r.get_ref(6)?),
        status_code: int_of(r.get_ref(7)?),
    }))
}

/// The numbers at the top of an endpoint's screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointSummary {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// `Endpoint.monitor_level` (`None` when NULL or out of 0-3).
    pub monitor_level: Option<u8>,
    /// `Endpoint.last_requested` as FMD maintains it.
    #[serde(serialize_with = "ser::opt_time")]
    pub last_requested: Option<DateTime<Utc>>,
    /// Requests in the range.
    pub hits: u64,
    /// Of those, status 400-599.
    pub errors: u64,
    /// Median duration in ms (numpy's median), `None` without usable durations.
    pub median: Option<f64>,
    /// 95th percentile in ms (numpy linear; the same sources as the median).
    pub p95: Option<f64>,
    /// 99th percentile in ms.
    pub p99: Option<f64>,
    /// Mean duration in ms.
    pub mean: Option<f64>,
    /// Longest duration in ms.
    pub max: Option<f64>,
    /// The earliest request time in the range.
    #[serde(serialize_with = "ser::opt_time")]
    pub first_request: Option<DateTime<Utc>>,
    /// The latest request time in the range.
    #[serde(serialize_with = "ser::opt_time")]
    pub last_request: Option<DateTime<Utc>>,
    /// Distinct versions requested in the range.
    pub versions: u64,
}

impl Store {
    /// An endpoint's requests in `range`, newest first (ties by id, descending), skipping `offset` rows and
    /// returning at most `limit` (`fmd show requests`): [`Store::requests`] with the default query.
    pub fn recent_requests(
        &self,
        endpoint_id: i64,
        range: TimeRange,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<RequestRow>, StoreError> {
        self.requests(endpoint_id, range, &RequestQuery::default(), limit, offset)
    }

    /// An endpoint's requests in `range` that `query`'s filter keeps, in its order (ties by id, descending),
    /// skipping `offset` rows and returning at most `limit`. The filter and the order run in the query:
    ///
    /// * by time, the time index is walked newest first (status is in it);
    /// * by duration over all time, the `(endpoint_id, duration)` index is walked longest first, so the first
    ///   page costs a few lookups however busy the endpoint;
    /// * by duration over a window, the endpoint's [`PROBE`] longest requests are looked at first (enough when
    ///   the window holds much of the endpoint's traffic), else the time index is walked over the window only
    ///   (it holds the durations) and only the page's rows are read;
    /// * user, IP and version (outside the indexes) over all time: the first [`PROBE`] requests of the walk,
    ///   else one pass over the table (a rare value), instead of a random lookup per request of the endpoint.
    pub fn requests(
        &self,
        endpoint_id: i64,
        range: TimeRange,
        query: &RequestQuery,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<RequestRow>, StoreError> {
        let page = [
            Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)),
            Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)),
        ];
        let t = &self.tables.request;
        self.view_snapshot(|| {
            let order = match query.order {
                RequestOrder::Time => "time_requested DESC, id DESC",
                RequestOrder::Duration => "duration DESC, id DESC",
            };
            // The walk: the endpoint's requests in the range, in the query's order.
            let mut walk = match query.order {
                RequestOrder::Time => self.view_filter(&range, endpoint_id, Access::Covered)?,
                // Over all time the endpoint's duration index holds the order; over a window the time index
                // bounds the walk.
                RequestOrder::Duration if range.is_bounded() => Filter::on_time_index(&range, Some(endpoint_id)),
                RequestOrder::Duration => Filter::new(&range, Some(endpoint_id)),
            };
            if query.order == RequestOrder::Duration {
                walk = walk.and(VALID_DURATION);
            }
            let mut conditions = Filter::default();
            query.filter.add_to(&mut conditions);
            let need = limit.saturating_add(offset);
            let planned = if query.filter.needs_rows() && !range.is_bounded() {
                // User, IP and version are outside the indexes: each request looked at costs a lookup.
                match self.probe(&walk, &conditions, order, need)? {
                    Some(plan) => Some(plan),
                    None => Some(self.scan_plan(endpoint_id, &conditions, order)),
                }
            } else if query.order == RequestOrder::Duration && range.is_bounded() {
                // A window holding much of the endpoint's requests holds much of its longest ones too.
                let longest = Filter::new(&TimeRange::ALL, Some(endpoint_id)).and(VALID_DURATION);
                let mut in_window = Filter::new(&range, None);
                query.filter.add_to(&mut in_window);
                self.probe(&longest, &in_window, order, need)?
            } else {
                None
            };
            let (sql, params) = if let Some(plan) = planned {
                plan
            } else {
                // Status is in the time index; a window bounds the walk: filter on the way.
                let sql = match query.order {
                    RequestOrder::Time => format!(
                        "SELECT {REQUEST_COLUMNS} FROM {t} WHERE {} AND {} ORDER BY {order} LIMIT ? OFFSET ?",
                        walk.sql(),
                        conditions.sql()
                    ),
                    // Only the page's rows are read: the walk holds id and duration.
                    RequestOrder::Duration => format!(
                        "SELECT {REQUEST_COLUMNS} FROM {t} WHERE id IN (SELECT id FROM {t} WHERE {} AND {} \
                         ORDER BY {order} LIMIT ? OFFSET ?) ORDER BY {order}",
                        walk.sql(),
                        conditions.sql()
                    ),
                };
                (sql, walk.params.iter().chain(&conditions.params).cloned().collect())
            };
            let mut stmt = self.conn.prepare(&sql)?;
            let all: Vec<Value> = params.into_iter().chain(page.iter().cloned()).collect();
            let mut rows = stmt.query(rusqlite::params_from_iter(all))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                if let Some(row) = request_row(r)? {
                    out.push(row);
                }
            }
            Ok(out)
        })
    }

    /// When the first [`PROBE`] requests of `walk` (in `order`) that meet `conditions` hold the page (its end
    /// is `need`), or the walk has no more, the query taking the page from them: the SQL (ending in
    /// `LIMIT ? OFFSET ?`) and its parameters before those two. `None` when they do not (a rare value, a small
    /// window): the caller takes another path. Costs at most [`PROBE`] lookups.
    fn probe(
        &self,
        walk: &Filter,
        conditions: &Filter,
        order: &str,
        need: usize,
    ) -> rusqlite::Result<Option<(String, Vec<Value>)>> {
        let t = &self.tables.request;
        let candidates = format!("SELECT * FROM {t} WHERE {} ORDER BY {order} LIMIT {PROBE}", walk.sql());
        let walked: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {} LIMIT {PROBE})", walk.sql()),
            rusqlite::params_from_iter(walk.params.iter()),
            |r| r.get(0),
        )?;
        let need_param = Value::Integer(i64::try_from(need).unwrap_or(i64::MAX));
        let found: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM (SELECT 1 FROM ({candidates}) WHERE {} LIMIT ?)", conditions.sql()),
            rusqlite::params_from_iter(walk.params.iter().chain(&conditions.params).chain([&need_param])),
            |r| r.get(0),
        )?;
        let found = usize::try_from(found).unwrap_or(0);
        if walked < PROBE || found >= need {
            let sql = format!(
                "SELECT {REQUEST_COLUMNS} FROM ({candidates}) WHERE {} ORDER BY {order} LIMIT ? OFFSET ?",
                conditions.sql()
            );
            return Ok(Some((sql, walk.params.iter().chain(&conditions.params).cloned().collect())));
        }
        Ok(None)
    }

    /// The endpoint's requests meeting `conditions` in `order`, by one pass over the table in its own order
    /// (`+endpoint_id`, NOT INDEXED) and a sort of the matches: for a rare user, IP or version over all time,
    /// one sequential read of the file instead of a random lookup per request of the endpoint.
    fn scan_plan(&self, endpoint_id: i64, conditions: &Filter, order: &str) -> (String, Vec<Value>) {
        let t = &self.tables.request;
        let scan = Filter::on_time_index(&TimeRange::ALL, Some(endpoint_id));
        let duration = if order.starts_with("duration") { VALID_DURATION } else { "1" };
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM {t} NOT INDEXED WHERE {} AND {} AND {duration} ORDER BY {order} \
             LIMIT ? OFFSET ?",
            scan.sql(),
            conditions.sql()
        );
        (sql, scan.params.iter().chain(&conditions.params).cloned().collect())
    }

    /// Hits, errors, median, first and last request and number of versions of an endpoint in `range`;
    /// `None` when there is no endpoint with that id. On files with summaries every number is exact except the
    /// median over windows holding more than `SummaryPolicy::exact_window_rows` requests (from the hour
    /// histograms, within 0.4 %).
    pub fn endpoint_summary(&self, endpoint_id: i64, range: TimeRange) -> Result<Option<EndpointSummary>, StoreError> {
        let t = &self.tables.request;
        self.view_snapshot(|| {
            let Some(endpoint) = self.view_endpoint_row(endpoint_id)? else { return Ok(None) };
            let from_summaries = if range.is_bounded() {
                self.endpoint_summary_window(&endpoint, &range)?
            } else {
                self.endpoint_summary_from_summaries(&endpoint)?
            };
            if let Some(summary) = from_summaries {
                return Ok(Some(summary));
            }
            // One pass: counting versions needs the rows anyway, so the time columns come along.
            let filter = self.view_filter(&range, endpoint_id, Access::Rows)?;
            let sql = format!(
                "SELECT count(*), coalesce(sum(status_code >= 400 AND status_code < 600), 0), min(time_requested), \
                 max(time_requested), count(DISTINCT version_requested) FROM {t} WHERE {}",
                filter.sql()
            );
            let count = |v: rusqlite::types::ValueRef<'_>| int_of(v).unwrap_or(0).max(0) as u64;
            let (hits, errors, first_request, last_request, versions) =
                self.conn.query_row(&sql, filter.params(), |r| {
                    Ok((
                        count(r.get_ref(0)?),
                        count(r.get_ref(1)?),
                        time_of(r.get_ref(2)?),
                        time_of(r.get_ref(3)?),
                        count(r.get_ref(4)?),
                    ))
                })?;
            let tail = if range.is_bounded() {
                let mut values = self.view_durations_of(endpoint_id, &range)?;
                values.sort_unstable_by(f64::total_cmp);
                let mut sum = Sum::default();
                values.iter().for_each(|v| sum.add(*v));
                Tail {
                    median: median(&mut values),
                    p95: percentile_sorted(&values, 95.0),
                    p99: percentile_sorted(&values, 99.0),
                    mean: (!values.is_empty()).then(|| sum.value() / values.len() as f64),
                    max: values.last().copied(),
                }
            } else {
                self.view_indexed_tail(endpoint_id)?
            };
            Ok(Some(EndpointSummary {
                id: endpoint.id,
                name: endpoint.name,
                monitor_level: endpoint.level,
                last_requested: endpoint.last_requested,
                hits,
                errors,
                median: tail.median,
                p95: tail.p95,
                p99: tail.p99,
                mean: tail.mean,
                max: tail.max,
                first_request,
                last_request,
                versions,
            }))
        })
    }

    /// [`Store::endpoint_summary`] over all time from the summaries (exactly), `None` when they cannot answer.
    fn endpoint_summary_from_summaries(&self, endpoint: &EndpointRow) -> rusqlite::Result<Option<EndpointSummary>> {
        let Some(view) = self.summary_view(Scope::Endpoint(endpoint.id), false)? else { return Ok(None) };
        let Some(versions) = view.versions(Some(endpoint.id), true)? else { return Ok(None) };
        let (mut hits, mut errors, mut distinct) = (0u64, 0u64, 0u64);
        let (mut tmin, mut tmax) = (None, None);
        let mut all = Durations::new();
        for (_, key, v) in &versions {
            hits += v.hits;
            errors += v.errors;
            // SQL's count(DISTINCT version_requested) leaves NULL out.
            distinct += u64::from(v.hits > 0 && !key_is_null(key));
            if let Some(t) = &v.tmin {
                keep_min(&mut tmin, t.as_ref());
            }
            if let Some(t) = &v.tmax {
                keep_max(&mut tmax, t.as_ref());
            }
            all.merge(&v.durations);
        }
        let Some(median) = view.exact_median(endpoint.id, &all)? else { return Ok(None) };
        let mut tail = Tail { median, mean: all.mean(), max: (all.count() > 0).then_some(all.max), ..Tail::default() };
        for (slot, p) in [(&mut tail.p95, 95.0), (&mut tail.p99, 99.0)] {
            let Some((k, gamma)) = virtual_index(all.count(), p) else { continue };
            let Some((a, b)) = view.exact_pair(endpoint.id, &all, k)? else { return Ok(None) };
            *slot = Some(lerp(a, b, gamma));
        }
        Ok(Some(EndpointSummary {
            id: endpoint.id,
            name: endpoint.name.clone(),
            monitor_level: endpoint.level,
            last_requested: endpoint.last_requested,
            hits,
            errors,
            median: tail.median,
            p95: tail.p95,
            p99: tail.p99,
            mean: tail.mean,
            max: tail.max,
            first_request: tmin.as_ref().and_then(|t| time_of(t.as_ref())),
            last_request: tmax.as_ref().and_then(|t| time_of(t.as_ref())),
            versions: distinct,
        }))
    }

    /// numpy's median, 95th and 99th percentile, the mean and the maximum of an endpoint's usable durations,
    /// from the `(endpoint_id, duration)` index.
    fn view_indexed_tail(&self, endpoint_id: i64) -> rusqlite::Result<Tail> {
        let (n, mean, max): (i64, Option<f64>, Option<f64>) = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*), avg(duration), max(duration) FROM {} WHERE endpoint_id = ?1 AND {VALID_DURATION}",
                self.tables.request
            ))?
            .query_row([endpoint_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let Ok(n @ 1..) = u64::try_from(n) else { return Ok(Tail::default()) };
        let median =
            self.view_indexed_pair(endpoint_id, n, (n - 1) / 2)?
                .map(|(a, b)| if n % 2 == 1 { a } else { (a + b) / 2.0 });
        let at = |p: f64| -> rusqlite::Result<Option<f64>> {
            let Some((k, gamma)) = virtual_index(n, p) else { return Ok(None) };
            Ok(self.view_indexed_pair(endpoint_id, n, k)?.map(|(a, b)| lerp(a, b, gamma)))
        };
        Ok(Tail { median, p95: at(95.0)?, p99: at(99.0)?, mean, max })
    }
}

/// The duration numbers of an endpoint summary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tail {
    pub(crate) median: Option<f64>,
    pub(crate) p95: Option<f64>,
    pub(crate) p99: Option<f64>,
    pub(crate) mean: Option<f64>,
    pub(crate) max: Option<f64>,
}

impl Tail {
    /// From a histogram: percentiles within half a bucket, mean and maximum exact.
    pub(crate) fn approx(d: &Durations) -> Tail {
        Tail {
            median: d.approx_median(),
            p95: d.approx_percentile(95.0),
            p99: d.approx_percentile(99.0),
            mean: d.mean(),
            max: (d.count() > 0).then_some(d.max),
        }
    }
}
