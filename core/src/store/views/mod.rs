//! The read queries behind the console's dashboard and endpoint views (and `fmd show … --json`).
//!
//! Every view is a method on [`Store`] returning plain, `Serialize`-able structs. Where FMD 5.1.0 has the same
//! JSON route, the JSON key names are FMD's (`{days, data}`, `{user, hits}`, `{version, date}`, …); values are
//! typed (numbers stay numbers) and instants are RFC 3339 UTC strings with microseconds.
//!
//! Common conventions:
//! * A [`TimeRange`] filters on `Request.time_requested`, half-open `[from, to)`, compared as FMD's text
//!   (`timefmt::format_utc`), so the `(time_requested, endpoint_id, status_code, duration)` index serves it.
//!   Day-based views (hourly load, daily utilization) take a [`DayRange`] of local days instead.
//! * Local days and hours are those of a `chrono_tz::Tz`, as FMD buckets them with its TIMEZONE.
//! * Percentiles are numpy's default (`method="linear"`), see [`percentile_sorted`].
//! * Errors are status codes 400-599.
//! * Each view runs in one read transaction, so its numbers come from one snapshot even while recorders write.
//! * Hostile content never panics a view nor fails it: a NULL, mistyped, non-UTF-8 or unparsable value makes
//!   that one row skipped (durations, times used for bucketing) or shown as empty/`None` (text, listings).
//!
//! Speed (10M requests over a year, 30 endpoints, the busiest with 1.8M, file in the page cache; see
//! `tests/views_speed.rs` and `tests/summary_speed.rs`): every view over a bounded window of days stays within
//! ~100 ms (7 days: 5-50 ms), as do per-endpoint views of small endpoints over all time. Over all time, views
//! that need columns outside the indexes (version, group_by, ip) would scan the table (0.5-1.3 s) and the
//! dashboard-wide box plots walk the whole `(endpoint_id, duration)` index (~0.7 s); the overview's overall
//! counts take tens of seconds. On files with fmd's summary tables ([`crate::store::summary`], built and kept up
//! to date by `Store::refresh_summaries`), the overview and those views answer in 1-120 ms instead, with the
//! same numbers except the per-version and per-user/IP-and-version percentiles (within 0.4 %). Files below
//! 200 000 requests, and files without (current) summaries, always take the direct paths.

mod daily;
mod extras;
mod groups;
mod hourly;
mod latency;
mod local_hours;
mod matrix;
mod performance;
mod request_query;
pub(crate) mod requests;
mod status_codes;
mod versions;
mod windows;

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::types::{Value, ValueRef};
use serde::Serialize;

use super::{Store, StoreError};
use crate::timefmt;

pub use crate::store::overview::median;
pub use daily::{DailyUtilization, EndpointDays};
pub use extras::EndpointInfo;
pub use groups::{by_hits_desc, GroupColumn, GroupPerformance, IpHits, UserHits};
pub use hourly::HourlyLoad;
pub use latency::{bucket_width, LatencyBucket, LatencySeries, MIN_BUCKETS};
pub use matrix::{MatrixGroup, VersionMatrix};
pub use performance::{EndpointPerformance, VersionPerformance};
pub use request_query::MAX_MATCH_LEN;
pub use requests::{EndpointSummary, RequestFilter, RequestOrder, RequestQuery, RequestRow, StatusRange, TextMatch};
pub use status_codes::StatusCodes;
pub(crate) use versions::Earliest;
pub use versions::{chronological, merge_first, MultiVersion, VersionEndpoint, VersionInfo};

/// The most local days a [`DayRange`] spans (about ten years); longer ranges keep their last days.
pub const MAX_DAYS: u32 = 3660;

/// A half-open interval `[from, to)` of request times; `None` leaves that side open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Inclusive lower bound.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// Every request.
    pub const ALL: TimeRange = TimeRange { from: None, to: None };

    /// `[from, to)`.
    pub fn new(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> TimeRange {
        TimeRange { from, to }
    }

    /// Everything at or after `from`.
    pub fn since(from: DateTime<Utc>) -> TimeRange {
        TimeRange { from: Some(from), to: None }
    }

    /// True when either side is bounded.
    pub fn is_bounded(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// True when `t` lies in the range.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        !matches!(self.from, Some(from) if t < from) && !matches!(self.to, Some(to) if t >= to)
    }
}

/// An inclusive range of local calendar days, e.g. the columns of the hourly heatmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    /// First day.
    pub first: NaiveDate,
    /// Last day (inclusive). A `last` before `first` is an empty range.
    pub last: NaiveDate,
}

impl DayRange {
    /// `first..=last`.
    pub fn new(first: NaiveDate, last: NaiveDate) -> DayRange {
        DayRange { first, last }
    }

    /// The `days` local days ending with today (the day of `now` in `tz`), like FMD's date pickers.
    pub fn ending_today(now: DateTime<Utc>, tz: Tz, days: u32) -> DayRange {
        let last = now.with_timezone(&tz).date_naive();
        let first = last.checked_sub_days(Days::new(u64::from(days.max(1) - 1))).unwrap_or(last);
        DayRange { first, last }
    }

    /// The days, first to last (at most [`MAX_DAYS`], the latest ones).
    pub fn days(&self) -> Vec<NaiveDate> {
        let Some(first) = self.effective_first() else {
            return Vec::new();
        };
        first.iter_days().take_while(|d| *d <= self.last).collect()
    }

    /// The instants covered: local midnight of the first day to local midnight after the last day.
    pub fn time_range(&self, tz: Tz) -> TimeRange {
        match self.effective_first() {
            Some(first) => TimeRange {
                from: Some(local_midnight(first, tz)),
                to: Some(local_midnight(self.last.succ_opt().unwrap_or(self.last), tz)),
            },
            // Empty: a range nothing falls into.
            None => TimeRange { from: Some(DateTime::<Utc>::MIN_UTC), to: Some(DateTime::<Utc>::MIN_UTC) },
        }
    }

    fn effective_first(&self) -> Option<NaiveDate> {
        if self.last < self.first {
            return None;
        }
        let earliest = self.last.checked_sub_days(Days::new(u64::from(MAX_DAYS - 1))).unwrap_or(self.first);
        Some(self.first.max(earliest))
    }
}

/// The first instant of local day `date` in `tz` (local midnight, or the end of a DST gap that swallows it).
pub fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    for quarter in 0..=12 {
        let local = midnight + chrono::Duration::minutes(15 * quarter);
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    midnight.and_utc()
}

/// A box-plot summary of durations in ms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationSummary {
    /// Number of requests with a usable duration.
    pub count: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest duration.
    pub min: f64,
    /// 25th percentile (numpy linear).
    pub p25: f64,
    /// Median (50th percentile, numpy linear; equals `numpy.median` up to the last bit).
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest duration.
    pub max: f64,
    /// Lower whisker: the smallest duration at or above `p25 - 1.5 IQR`.
    pub whisker_low: f64,
    /// Upper whisker: the largest duration at or below `p75 + 1.5 IQR`.
    pub whisker_high: f64,
}

impl DurationSummary {
    /// The summary of an ascending slice (`None` when empty). Sort with `f64::total_cmp`.
    pub fn from_sorted(sorted: &[f64]) -> Option<DurationSummary> {
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        let p = |q: f64| percentile_sorted(sorted, q).unwrap_or(f64::NAN);
        let (p25, p75) = (p(25.0), p(75.0));
        let (low_fence, high_fence) = fences(p25, p75);
        let low = sorted.partition_point(|v| *v < low_fence);
        let high = sorted.partition_point(|v| *v <= high_fence);
        Some(DurationSummary {
            count: sorted.len() as u64,
            mean: mean(sorted),
            min,
            p25,
            p50: p(50.0),
            p75,
            p95: p(95.0),
            max,
            whisker_low: sorted.get(low).copied().unwrap_or(min),
            whisker_high: high.checked_sub(1).and_then(|i| sorted.get(i)).copied().unwrap_or(max),
        })
    }

    /// Sorts `values` in place and summarises them.
    pub fn from_unsorted(values: &mut [f64]) -> Option<DurationSummary> {
        values.sort_unstable_by(f64::total_cmp);
        DurationSummary::from_sorted(values)
    }
}

/// Tukey's fences: `p25 - 1.5 IQR` and `p75 + 1.5 IQR`.
pub(crate) fn fences(p25: f64, p75: f64) -> (f64, f64) {
    let iqr = p75 - p25;
    (p25 - 1.5 * iqr, p75 + 1.5 * iqr)
}

/// `numpy.percentile(sorted, p)` with numpy's default `method="linear"`, bit for bit: virtual index
/// `(n-1)·p/100`, then numpy's `_lerp` (which interpolates from the upper neighbour when the fraction is ≥ 0.5).
/// `None` for an empty slice; `p` is clamped to 0-100.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    let (index, gamma) = virtual_index(n as u64, p)?;
    let a = *sorted.get(index as usize)?;
    let b = sorted.get(index as usize + 1).copied().unwrap_or(a);
    Some(lerp(a, b, gamma))
}

/// numpy's virtual index of percentile `p` among `n` sorted values: `(floor, fraction)`.
pub fn virtual_index(n: u64, p: f64) -> Option<(u64, f64)> {
    if n == 0 {
        return None;
    }
    let q = if p.is_nan() { 0.5 } else { p.clamp(0.0, 100.0) / 100.0 };
    let virtual_index = (n - 1) as f64 * q;
    let floor = virtual_index.floor();
    let index = (floor as u64).min(n - 1);
    Some((index, virtual_index - floor))
}

/// numpy's `_lerp(a, b, t)`.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// Mean with compensated (Neumaier) summation.
fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for &v in values {
        let t = sum + v;
        compensation += if sum.abs() >= v.abs() { (sum - t) + v } else { (v - t) + sum };
        sum = t;
    }
    (sum + compensation) / values.len() as f64
}

/// A duration as stored: REAL or INTEGER and finite; anything else is unusable.
pub(crate) fn duration_of(value: ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Real(f) if f.is_finite() => Some(f),
        ValueRef::Integer(i) => Some(i as f64),
        _ => None,
    }
}

/// SQL condition that keeps only usable durations (numbers within f64's finite range; text, blobs, NULL and
/// infinities fail it). It is a range on `duration`, so the `(endpoint_id, duration)` index serves it.
pub(crate) const VALID_DURATION: &str = "duration BETWEEN -1e308 AND 1e308";

/// An integer column (an integral REAL counts too).
pub(crate) fn int_of(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}

/// An FMD DATETIME column read as an instant (`None` for NULL or anything unparsable).
pub(crate) fn time_of(value: ValueRef<'_>) -> Option<DateTime<Utc>> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok().and_then(timefmt::parse_fmd),
        _ => None,
    }
}

/// The grouping key of a text column: its bytes (NULL, like [`text_of`], reads as empty).
pub(crate) fn key_bytes(value: ValueRef<'_>) -> Cow<'_, [u8]> {
    match value {
        ValueRef::Text(b) | ValueRef::Blob(b) => Cow::Borrowed(b),
        ValueRef::Null => Cow::Borrowed(&[]),
        other => Cow::Owned(text_of(other).into_bytes()),
    }
}

/// The index of `key` in `list` (appended with `new()` when absent); `last` caches the previous answer, since
/// consecutive rows mostly share their version.
pub(crate) fn slot<T>(
    list: &mut Vec<(Vec<u8>, T)>,
    last: &mut usize,
    key: Cow<'_, [u8]>,
    new: impl FnOnce() -> T,
) -> usize {
    if let Some((k, _)) = list.get(*last) {
        if k.as_slice() == key.as_ref() {
            return *last;
        }
    }
    let index = match list.iter().position(|(k, _)| k.as_slice() == key.as_ref()) {
        Some(i) => i,
        None => {
            list.push((key.into_owned(), new()));
            list.len() - 1
        }
    };
    *last = index;
    index
}

/// The value under `key`, inserted as default first when absent (allocating only then).
pub(crate) fn slot_mut<'m, T: Default>(map: &'m mut HashMap<Vec<u8>, T>, key: &[u8]) -> Option<&'m mut T> {
    if !map.contains_key(key) {
        map.insert(key.to_vec(), T::default());
    }
    map.get_mut(key)
}

/// Turns byte keys into lossy text keys, merging those that read the same.
pub(crate) fn lossy_keys<T>(map: HashMap<Vec<u8>, T>, mut merge: impl FnMut(&mut T, T)) -> HashMap<String, T> {
    let mut out: HashMap<String, T> = HashMap::with_capacity(map.len());
    for (key, value) in map {
        match out.entry(String::from_utf8_lossy(&key).into_owned()) {
            std::collections::hash_map::Entry::Occupied(mut e) => merge(e.get_mut(), value),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(value);
            }
        }
    }
    out
}

/// Lossy text (see `overview::text`).
pub(crate) fn text_of(value: ValueRef<'_>) -> String {
    super::overview::text(value)
}

/// Maps request times to (day index, local hour) in a [`DayRange`], fast for FMD's exact text format: rows come
/// in time order, so consecutive rows share their minute and the conversion is done once per minute.
#[derive(Clone)]
pub(crate) struct LocalBucketer {
    tz: Tz,
    first: NaiveDate,
    days: usize,
    minute: [u8; 16],
    cached: Option<(usize, u32)>,
    has_cache: bool,
}

impl LocalBucketer {
    pub(crate) fn new(tz: Tz, first: NaiveDate, days: usize) -> LocalBucketer {
        LocalBucketer { tz, first, days, minute: [0; 16], cached: None, has_cache: false }
    }

    /// Days in the range.
    pub(crate) fn days(&self) -> usize {
        self.days
    }

    /// The bucket of a `time_requested` value, `None` when unusable or outside the days.
    pub(crate) fn bucket(&mut self, value: ValueRef<'_>) -> Option<(usize, u32)> {
        let ValueRef::Text(bytes) = value else {
            return None;
        };
        if is_fmd_shape(bytes) {
            if self.has_cache && bytes[..16] == self.minute {
                return self.cached;
            }
            let instant = parse_minute(&bytes[..16]);
            let bucket = instant.and_then(|t| self.of_instant(t));
            self.minute.copy_from_slice(&bytes[..16]);
            self.cached = bucket;
            self.has_cache = true;
            return bucket;
        }
        let instant = std::str::from_utf8(bytes).ok().and_then(timefmt::parse_fmd)?;
        self.of_instant(instant)
    }

    pub(crate) fn of_instant(&self, t: DateTime<Utc>) -> Option<(usize, u32)> {
        use chrono::Timelike;
        let local = t.with_timezone(&self.tz);
        let day = (local.date_naive() - self.first).num_days();
        let day = usize::try_from(day).ok().filter(|d| *d < self.days)?;
        Some((day, local.hour()))
    }
}

/// True for exactly `YYYY-MM-DD HH:MM:SS.ffffff` (digits where digits belong).
pub(crate) fn is_fmd_shape(b: &[u8]) -> bool {
    const SHAPE: &[u8; 26] = b"dddd-dd-dd dd:dd:dd.dddddd";
    b.len() == 26 && b.iter().zip(SHAPE).all(|(c, s)| if *s == b'd' { c.is_ascii_digit() } else { c == s })
}

/// Parses `YYYY-MM-DD HH:MM` (already known to be digits in place) as a UTC instant.
fn parse_minute(b: &[u8]) -> Option<DateTime<Utc>> {
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
    let date = NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10))?;
    let time = chrono::NaiveTime::from_hms_opt(num(11..13), num(14..16), 0)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// One random table lookup costs about as much as this many time-index entries scanned (~2.5 µs vs ~40 ns).
pub(crate) const LOOKUP_VS_INDEX: i64 = 64;

/// One random table lookup costs about as much as this many table rows scanned in order (~2.5 µs vs ~150 ns).
const LOOKUP_VS_ROW: i64 = 16;

/// What a query reads of each request, which decides its access path (see `Store::view_filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Only time, endpoint, status and duration (the time index holds them), or a few rows in time order.
    Covered,
    /// Other columns of every matching row (version, group_by, ip).
    Rows,
}

/// A WHERE clause with its parameters, built from a range and an optional endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    /// `range` on `time_requested` and `endpoint` on `endpoint_id`. With a bounded range the endpoint test is
    /// written `+endpoint_id` so SQLite walks the time index (which holds endpoint_id) instead of the endpoint
    /// index; with an open range it uses the `(endpoint_id, duration)` index.
    pub(crate) fn new(range: &TimeRange, endpoint: Option<i64>) -> Filter {
        let mut f = Filter::default();
        if let Some(from) = range.from {
            f.push("time_requested >= ?", Value::Text(timefmt::format_utc(from)));
        }
        if let Some(to) = range.to {
            f.push("time_requested < ?", Value::Text(timefmt::format_utc(to)));
        }
        if let Some(id) = endpoint {
            let column = if range.is_bounded() { "+endpoint_id = ?" } else { "endpoint_id = ?" };
            f.push(column, Value::Integer(id));
        }
        f
    }

    /// Like [`Filter::new`] but never letting SQLite use the endpoint index (`+endpoint_id`): it walks the time
    /// index over a bounded range, and over an open range scans the time index (when it covers the query) or the
    /// table.
    pub(crate) fn on_time_index(range: &TimeRange, endpoint: Option<i64>) -> Filter {
        let mut f = Filter::new(range, None);
        if let Some(id) = endpoint {
            f.push("+endpoint_id = ?", Value::Integer(id));
        }
        f
    }

    /// Adds a condition with one `?` placeholder.
    pub(crate) fn push(&mut self, clause: &str, param: Value) {
        self.clauses.push(clause.to_string());
        self.params.push(param);
    }

    /// Adds a condition without parameters.
    pub(crate) fn and(mut self, clause: &str) -> Filter {
        self.clauses.push(clause.to_string());
        self
    }

    /// The condition text, `1` when there is none.
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// The parameters, in placeholder order.
    pub(crate) fn params(&self) -> rusqlite::ParamsFromIter<std::slice::Iter<'_, Value>> {
        rusqlite::params_from_iter(self.params.iter())
    }

    /// The parameters plus trailing extra ones (e.g. LIMIT and OFFSET).
    pub(crate) fn params_with(&self, extra: &[Value]) -> rusqlite::ParamsFromIter<Vec<Value>> {
        rusqlite::params_from_iter(self.params.iter().cloned().chain(extra.iter().cloned()).collect::<Vec<_>>())
    }
}

/// An endpoint row as the views need it.
#[derive(Debug, Clone)]
pub(crate) struct EndpointRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) level: Option<u8>,
    pub(crate) last_requested: Option<DateTime<Utc>>,
}

impl Store {
    /// Runs `f` inside one read transaction (unless one is already open), so a view reads one snapshot.
    pub(crate) fn view_snapshot<T>(&self, f: impl FnOnce() -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN DEFERRED").map_err(|e| self.wrap(e))?;
        }
        let result = f();
        if own {
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            if let Err(e) = self.conn.execute_batch(end) {
                let _ = self.conn.execute_batch("ROLLBACK");
                if result.is_ok() {
                    return Err(self.wrap(e));
                }
            }
        }
        result.map_err(|e| self.wrap(e))
    }

    /// The largest rowid of the requests (0 when empty): one b-tree descent; ids are dense enough to size the
    /// table.
    pub(crate) fn max_rowid(&self) -> rusqlite::Result<i64> {
        self.conn
            .prepare_cached(&format!("SELECT coalesce(max(rowid), 0) FROM {}", self.tables.request))?
            .query_row([], |r| Ok(int_of(r.get_ref(0)?).unwrap_or(0)))
    }

    /// The filter for one endpoint's requests in `range`, choosing the access path SQLite should take:
    ///
    /// * bounded range: walk the time index over the range (`+endpoint_id`), looking rows up only for the
    ///   endpoint's requests in the range;
    /// * open range, few requests for the endpoint: seek them through the `(endpoint_id, duration)` index;
    /// * open range, many requests: scan the time index whole when it holds every column needed
    ///   ([`Access::Covered`]), else scan the table, which beats a random row lookup per request.
    ///
    /// "Few" is measured, not guessed: the endpoint's rows are counted on its index up to a cap of
    /// `total / cost`, where a table lookup costs as much as [`LOOKUP_VS_INDEX`] index entries or
    /// [`LOOKUP_VS_ROW`] sequential table rows (measured on a 10M-row file in the page cache).
    pub(crate) fn view_filter(&self, range: &TimeRange, endpoint_id: i64, access: Access) -> rusqlite::Result<Filter> {
        if range.is_bounded() {
            return Ok(Filter::on_time_index(range, Some(endpoint_id)));
        }
        let t = &self.tables.request;
        let total = self.max_rowid()?;
        let cost = match access {
            Access::Covered => LOOKUP_VS_INDEX,
            Access::Rows => LOOKUP_VS_ROW,
        };
        let cap = (total / cost).max(1000);
        let n: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM (SELECT 1 FROM {t} WHERE endpoint_id = ?1 LIMIT ?2)"))?
            .query_row(rusqlite::params![endpoint_id, cap], |r| Ok(int_of(r.get_ref(0)?).unwrap_or(0)))?;
        Ok(if n < cap {
            Filter::new(range, Some(endpoint_id))
        } else {
            Filter::on_time_index(range, Some(endpoint_id))
        })
    }

    /// Every endpoint (id, lossy name, level, last_requested), by id.
    pub(crate) fn view_endpoint_rows(&self) -> rusqlite::Result<Vec<EndpointRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, name, monitor_level, last_requested FROM {} ORDER BY id",
            self.tables.endpoint
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let Some(id) = int_of(r.get_ref(0)?) else { continue };
            out.push(EndpointRow {
                id,
                name: text_of(r.get_ref(1)?),
                level: int_of(r.get_ref(2)?).filter(|l| (0..=3).contains(l)).map(|l| l as u8),
                last_requested: time_of(r.get_ref(3)?),
            });
        }
        Ok(out)
    }

    /// One endpoint, `None` when there is no such id.
    pub(crate) fn view_endpoint_row(&self, id: i64) -> rusqlite::Result<Option<EndpointRow>> {
        Ok(self.view_endpoint_rows()?.into_iter().find(|e| e.id == id))
    }
}

/// Serde helpers: instants as RFC 3339 UTC with microseconds.
pub(crate) mod ser {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::Serializer;

    /// Formats an instant.
    pub(crate) fn rfc3339(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    /// `Option<DateTime<Utc>>` as a string or null.
    pub(crate) fn opt_time<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&rfc3339(t)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(values: &[f64]) -> DurationSummary {
        DurationSummary::from_unsorted(&mut values.to_vec()).expect("non-empty")
    }

    #[test]
    fn percentiles_match_numpy_bit_for_bit() {
        // Values printed by numpy 2.x: np.percentile(x, [0, 25, 50, 75, 95, 100]).
        let s = summary(&[10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
        assert_eq!((s.min, s.p25, s.p50, s.p75, s.p95, s.max), (1.0, 3.25, 5.5, 7.75, 9.549999999999999, 10.0));
        assert_eq!(s.mean, 5.5);
        let s = summary(&[0.1, 0.7, 0.2, 0.3]);
        assert_eq!((s.p25, s.p50, s.p75, s.p95), (0.17500000000000002, 0.25, 0.39999999999999997, 0.6399999999999998));
        let s = summary(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 100.0]);
        assert_eq!((s.p25, s.p50, s.p75, s.p95, s.max), (3.5, 6.0, 8.5, 55.0, 100.0));
        assert_eq!((s.whisker_low, s.whisker_high), (1.0, 10.0), "100 lies beyond p75 + 1.5 IQR = 16");
        assert_eq!(percentile_sorted(&[], 50.0), None);
        assert_eq!(percentile_sorted(&[4.0], 95.0), Some(4.0));
    }

    #[test]
    fn day_ranges() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let now: DateTime<Utc> = "2026-11-27T23:30:00Z".parse().expect("instant");
        let r = DayRange::ending_today(now, chrono_tz::UTC, 7);
        assert_eq!((r.first, r.last), (d("2026-11-21"), d("2026-11-27")));
        assert_eq!(r.days().len(), 7);
        // 23:30 UTC is already the 28th in Amsterdam.
        let r = DayRange::ending_today(now, chrono_tz::Europe::Amsterdam, 1);
        assert_eq!(r.days(), vec![d("2026-11-28")]);
        let t = r.time_range(chrono_tz::Europe::Amsterdam);
        assert_eq!(t.from, Some("2026-11-27T23:00:00Z".parse().expect("instant")));
        assert_eq!(t.to, Some("2026-11-28T23:00:00Z".parse().expect("instant")));
        let empty = DayRange::new(d("2026-11-27"), d("2026-11-20"));
        assert!(empty.days().is_empty());
        assert!(!empty.time_range(chrono_tz::UTC).contains(now));
        let huge = DayRange::new(NaiveDate::MIN, d("2026-11-27"));
        assert_eq!(huge.days().len(), MAX_DAYS as usize);
    }

    #[test]
    fn bucketer_reads_fmd_text_and_skips_garbage() {
        let first = "2026-11-21".parse::<NaiveDate>().expect("date");
        let mut b = LocalBucketer::new(chrono_tz::Europe::Amsterdam, first, 7);
        let t = |s: &'static str| ValueRef::Text(s.as_bytes());
        assert_eq!(b.bucket(t("2026-11-21 23:30:00.000000")), Some((1, 0)));
        assert_eq!(b.bucket(t("2026-11-21 23:30:59.999999")), Some((1, 0)), "cached minute");
        assert_eq!(b.bucket(t("2026-11-21 10:15:00")), Some((0, 11)), "FMD text without fraction");
        assert_eq!(b.bucket(t("2026-13-21 10:15:00.000000")), None);
        assert_eq!(b.bucket(t("garbage")), None);
        assert_eq!(b.bucket(ValueRef::Integer(5)), None);
        assert_eq!(b.bucket(ValueRef::Text(b"2026-11-21 10:15:00.\xff00000")), None);
        assert_eq!(b.bucket(t("2026-11-28 10:15:00.000000")), None, "after the last day");
    }
}
