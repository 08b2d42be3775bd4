//! Reporting: per endpoint, compare the requests of one selection (an interval or a version) with those of a
//! baseline selection, asking FMD's two questions.
//!
//! * **`MEDIAN_LATENCY`**: a sample of at most [`ReportOptions::sample_size`] (500) durations per side, the
//!   two medians, `percentual_diff = (m - m_base) / m_base * 100` and Mood's median test ([`mood`]).
//!   Significant iff the medians differ and `p < 0.05`. Unlike FMD (`ORDER BY random()`), the sample is
//!   deterministic: when a side holds `n > 500` requests of an endpoint, they are ordered by
//!   `(time_requested, id)` and the rows at positions `floor(i * n / 500)` for `i = 0..500` are taken, i.e.
//!   evenly spaced over the side's requests; with `n <= 500` all are taken. The same file always gives the
//!   same report. A baseline median of 0 (FMD would divide by zero) gives `percentual_diff = null`; the answer
//!   is then significant iff the medians differ and `p < 0.05`.
//! * **Large sides** (from fmd's summary tables; `summarized.rs`): a side holding more than a quarter of
//!   [`crate::store::SummaryPolicy::exact_window_rows`] requests (all endpoints together; 125 000 by default:
//!   reading a side costs about 60-80 ms per 125 000 requests, and a report reads two) is answered from the
//!   summaries when they can answer (see `store::summary`; never on files below
//!   [`crate::store::SummaryPolicy::min_rows`], and not with `approximate: false`). Its sample is then a
//!   **quantile sample**: with `n` usable durations of an endpoint and `m = min(n, 500)`, the durations at ranks
//!   `floor((i + 1/2) * n / m)` for `i = 0..m` (every rank when `n <= 500`), ascending, read from the merged
//!   duration histograms (the hour table for an interval's whole UTC hours plus the partial hours, odd times and
//!   newest rows read exactly; the version table for a version), each value the midpoint of its bucket (within
//!   0.39 %; the smallest and largest exact). The medians shown are then the side's own medians over all its
//!   requests (within 0.39 %), not a sample's; Mood's test runs on the quantile samples as before. The status
//!   codes and counts stay exact (the vcode summary table), except that infinite durations, which the
//!   histograms leave out, are not counted. Still deterministic: the same file gives the same report. Smaller
//!   sides are read as described above, exactly as before.
//! * **`STATUS_CODE_DISTRIBUTION`**: request counts per status code on each side. With at least 30
//!   requests on each side, the percentage of every code on both sides; significant iff some code's share
//!   grew by more than 3 percentage points (`max(pct - baseline_pct) > 3`, signed as in FMD).
//!
//! An interval selects `time_requested > from AND time_requested <= to` (FMD's criterion, compared as FMD
//! timestamp text); a version selects `version_requested = version`. FMD 5.1.0's version comparison always
//! answers nothing; here it works like the interval one. Endpoints come busiest first (all requests), as in
//! FMD, including endpoints without requests on either side.
//!
//! Entry points: [`Store::report_intervals`], [`Store::report_versions`] and the general [`Store::report`];
//! [`Preset`] gives FMD's day / ISO week / month presets. Every result is `serde::Serialize` with FMD's keys
//! (`summaries: [{endpoint_id, endpoint_name, has_anything_significant, answers: [...]}]`).

pub mod mood;
mod presets;
mod summarized;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::types::{Value, ValueRef};
use serde::ser::SerializeStruct;
use serde::Serialize;

use crate::store::{Store, StoreError};
use crate::timefmt;
pub use mood::{median_test, MedianTest, NotTestable};
pub use presets::{IntervalPair, Preset};
use summarized::SidePlan;

/// A time interval: requests with `time_requested > from AND time_requested <= to`.
/// Serialises as `{from, to}`, RFC 3339 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    /// Exclusive lower bound.
    pub from: DateTime<Utc>,
    /// Inclusive upper bound.
    pub to: DateTime<Utc>,
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Interval", 2)?;
        s.serialize_field("from", &timefmt::rfc3339(self.from))?;
        s.serialize_field("to", &timefmt::rfc3339(self.to))?;
        s.end()
    }
}

/// Which requests one side of a report takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Selection {
    /// Requests in a time interval (`time_requested > from AND <= to`).
    Interval {
        /// The interval.
        #[serde(flatten)]
        interval: Interval,
    },
    /// Requests recorded under one version (`version_requested = version`).
    Version {
        /// The version string as stored.
        version: String,
    },
}

impl Selection {
    /// The SQL condition on the Request table and its parameters.
    fn condition(&self) -> (&'static str, Vec<Value>) {
        match self {
            Selection::Interval { interval } => (
                "time_requested > ?1 AND time_requested <= ?2",
                vec![Value::Text(timefmt::format_utc(interval.from)), Value::Text(timefmt::format_utc(interval.to))],
            ),
            Selection::Version { version } => ("version_requested = ?1", vec![Value::Text(version.clone())]),
        }
    }
}

/// Thresholds of the report; the defaults are FMD's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportOptions {
    /// At most this many durations per side and endpoint feed the median test (FMD: 500).
    pub sample_size: usize,
    /// The status code question needs at least this many requests on each side (FMD: 30).
    pub min_status_requests: u64,
    /// A median difference is significant when the p-value is below this (FMD: 0.05).
    pub significance_level: f64,
    /// A status code distribution is significant when a code's share grew by more than this many
    /// percentage points (FMD: 3).
    pub status_threshold_points: f64,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            sample_size: 500,
            min_status_requests: 30,
            significance_level: 0.05,
            status_threshold_points: 3.0,
        }
    }
}

/// A whole report: one summary per endpoint, busiest endpoint first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The selection under study.
    pub comparison: Selection,
    /// The selection it is compared with.
    pub baseline: Selection,
    /// One entry per endpoint.
    pub summaries: Vec<EndpointSummary>,
}

/// The answers for one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointSummary {
    /// `Endpoint.id`.
    pub endpoint_id: i64,
    /// `Endpoint.name`.
    pub endpoint_name: String,
    /// True when any answer is significant.
    pub has_anything_significant: bool,
    /// The median latency answer, then the status code answer.
    pub answers: Vec<Answer>,
}

/// One answered question; serialises with `type` = `MEDIAN_LATENCY` or `STATUS_CODE_DISTRIBUTION`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum Answer {
    /// Did the median duration change?
    #[serde(rename = "MEDIAN_LATENCY")]
    MedianLatency(MedianLatencyAnswer),
    /// Did the share of some status code grow?
    #[serde(rename = "STATUS_CODE_DISTRIBUTION")]
    StatusCodeDistribution(StatusCodeAnswer),
}

impl Answer {
    /// Whether the answer reports a significant change.
    pub fn is_significant(&self) -> bool {
        match self {
            Answer::MedianLatency(a) => a.is_significant,
            Answer::StatusCodeDistribution(a) => a.is_significant,
        }
    }
}

/// The two duration samples (ms) of a median latency answer, in FMD's keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencySamples {
    /// Sample of the selection under study.
    pub comparison_interval: Vec<f64>,
    /// Sample of the baseline.
    pub compared_to_interval: Vec<f64>,
}

/// The answer to "did the median duration change?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedianLatencyAnswer {
    /// Medians differ and the median test's p-value is below the significance level.
    pub is_significant: bool,
    /// The samples the test ran on.
    pub latencies_sample: LatencySamples,
    /// Median of the comparison sample (ms); `None` when it is empty.
    pub comparison_median: Option<f64>,
    /// Median of the baseline sample (ms); `None` when it is empty.
    pub compared_to_median: Option<f64>,
    /// `(m - m_base) / m_base * 100`; `None` when a side is empty or the baseline median is 0 (and the
    /// comparison median is not).
    pub percentual_diff: Option<f64>,
    /// Requests with a numeric duration on the comparison side (before sampling).
    pub comparison_count: u64,
    /// Requests with a numeric duration on the baseline side (before sampling).
    pub compared_to_count: u64,
    /// The median test's p-value, when testable.
    pub p_value: Option<f64>,
    /// The full median test, when testable.
    pub median_test: Option<MedianTest>,
    /// Why the test could not run (an empty side, all values equal, ...).
    pub not_testable: Option<NotTestable>,
}

/// One status code's shares in a status code answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCodeShare {
    /// The status code (`None` for NULL or non-numeric values in the file).
    pub status_code: Option<i64>,
    /// Percentage of the comparison side's requests.
    pub comparison_interval: f64,
    /// Percentage of the baseline side's requests.
    pub compared_to_interval: f64,
    /// `comparison_interval - compared_to_interval`, in percentage points.
    pub percentage_diff: f64,
    /// Request count on the comparison side.
    pub comparison_count: u64,
    /// Request count on the baseline side.
    pub compared_to_count: u64,
}

/// The answer to "did the share of some status code grow?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCodeAnswer {
    /// Some code's share grew by more than the threshold.
    pub is_significant: bool,
    /// Per code (ascending, NULL first), or `None` when a side has fewer than the minimum of requests.
    pub percentages: Option<Vec<StatusCodeShare>>,
    /// Requests on the comparison side.
    pub comparison_count: u64,
    /// Requests on the baseline side.
    pub compared_to_count: u64,
}

/// What one side contributes, per endpoint. A backend without fmd's summaries builds it with
/// [`SideData::from_rows`] and hands both sides to [`assemble`].
#[derive(Default)]
pub struct SideData {
    /// Status code → count.
    status: HashMap<i64, BTreeMap<Option<i64>, u64>>,
    /// Requests with numeric durations.
    counts: HashMap<i64, u64>,
    /// The deterministic duration sample.
    samples: HashMap<i64, Vec<f64>>,
    /// A summarized side's own medians (from the histograms), which replace the sample's.
    medians: HashMap<i64, Option<f64>>,
}

impl Store {
    /// Compares requests in `interval` with those in `baseline` (FMD's "make_report/intervals").
    pub fn report_intervals(
        &self,
        interval: &Interval,
        baseline: &Interval,
        options: &ReportOptions,
    ) -> Result<Report, StoreError> {
        self.report(&Selection::Interval { interval: *interval }, &Selection::Interval { interval: *baseline }, options)
    }

    /// Compares requests recorded under `version` with those under `baseline_version` (FMD's
    /// "make_report/commits", which is broken in FMD 5.1.0 and works here). Equal versions are allowed and
    /// simply find nothing significant.
    pub fn report_versions(
        &self,
        version: &str,
        baseline_version: &str,
        options: &ReportOptions,
    ) -> Result<Report, StoreError> {
        self.report(
            &Selection::Version { version: version.to_string() },
            &Selection::Version { version: baseline_version.to_string() },
            options,
        )
    }

    /// Compares any two selections (intervals, versions or one of each). Reads in one transaction, so both
    /// sides see the same state of the file.
    pub fn report(
        &self,
        comparison: &Selection,
        baseline: &Selection,
        options: &ReportOptions,
    ) -> Result<Report, StoreError> {
        let wrap = |source| StoreError::Sqlite { path: self.path().to_path_buf(), source };
        let tx = self.connection().unchecked_transaction().map_err(wrap)?;
        // The summaries (one check) give the endpoints' order, each large side, and predict each other
        // interval's counts (see `summarized`).
        let plan = summarized::plan(self, comparison, baseline, options.sample_size).map_err(wrap)?;
        let endpoints = endpoints_by_hits(self, plan.hits.as_ref()).map_err(wrap)?;
        let [current_plan, base_plan] = plan.sides;
        let read = |selection: &Selection, plan: SidePlan| match plan {
            SidePlan::Summary(data) => Ok(data),
            SidePlan::Direct(predicted) => side_data(self, selection, options.sample_size, predicted),
        };
        let current = read(comparison, current_plan).map_err(wrap)?;
        let base = read(baseline, base_plan).map_err(wrap)?;
        tx.finish().map_err(wrap)?;

        Ok(assemble(comparison, baseline, endpoints, &current, &base, options))
    }
}

/// The report from both sides' data, one summary per endpoint of `endpoints` (busiest first, ties by name).
pub fn assemble(
    comparison: &Selection,
    baseline: &Selection,
    endpoints: Vec<(i64, String)>,
    current: &SideData,
    base: &SideData,
    options: &ReportOptions,
) -> Report {
    let summaries = endpoints
        .into_iter()
        .map(|(id, name)| {
            let answers = vec![
                Answer::MedianLatency(median_latency(id, current, base, options)),
                Answer::StatusCodeDistribution(status_distribution(id, current, base, options)),
            ];
            EndpointSummary {
                endpoint_id: id,
                endpoint_name: name,
                has_anything_significant: answers.iter().any(Answer::is_significant),
                answers,
            }
        })
        .collect();
    Report { comparison: comparison.clone(), baseline: baseline.clone(), summaries }
}

impl SideData {
    /// One side from its requests `(endpoint_id, status_code, duration)` in `(time_requested, id)` order (NULL
    /// times first), as the SQLite backend reads them: status codes counted, durations sampled evenly per endpoint
    /// to at most `sample_size`.
    pub fn from_rows(rows: impl IntoIterator<Item = (i64, Option<i64>, Option<f64>)>, sample_size: usize) -> SideData {
        let mut data = SideData::default();
        let mut kept: HashMap<i64, Vec<f64>> = HashMap::new();
        for (endpoint, code, duration) in rows {
            *data.status.entry(endpoint).or_default().entry(code).or_default() += 1;
            let Some(duration) = duration else { continue };
            *data.counts.entry(endpoint).or_default() += 1;
            kept.entry(endpoint).or_default().push(duration);
        }
        let mut sampler = Sampler::new(sample_size);
        for (endpoint, durations) in kept {
            let n = data.counts.get(&endpoint).copied().unwrap_or(0);
            for d in durations {
                sampler.offer(endpoint, n, d);
            }
        }
        data.samples = sampler.samples;
        data
    }
}

/// Endpoints with their total hits, busiest first (ties by name). The hits come from the summaries when they
/// can answer (exactly), else from one count per endpoint on the endpoint index.
fn endpoints_by_hits(store: &Store, hits: Option<&HashMap<i64, u64>>) -> rusqlite::Result<Vec<(i64, String)>> {
    let t = store.tables();
    let Some(hits) = hits else {
        let mut stmt = store.connection().prepare(&format!(
            "SELECT e.id, e.name, (SELECT count(*) FROM {r} r WHERE r.endpoint_id = e.id) AS hits \
             FROM {e} e ORDER BY hits DESC, e.name",
            r = t.request,
            e = t.endpoint
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, lossy_text(r.get_ref(1)?))))?;
        return rows.collect();
    };
    let mut stmt = store.connection().prepare(&format!("SELECT id, name FROM {} ORDER BY name", t.endpoint))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, lossy_text(r.get_ref(1)?))))?;
    let mut list: Vec<(i64, String)> = rows.collect::<Result<_, _>>()?;
    // Stable: ties keep SQL's order of the names.
    list.sort_by_key(|(id, _)| std::cmp::Reverse(hits.get(id).copied().unwrap_or(0)));
    Ok(list)
}

/// Numeric durations one pass keeps in memory to sample them afterwards (16 MB); a side with more is sampled by
/// a second pass instead.
const KEEP_DURATIONS: usize = 2_000_000;

/// Picks the evenly spaced sample of `size` from an endpoint's `n` durations in order: position `k` is taken iff
/// `k == floor(i * n / size)` for the next `i` (every one when `n <= size`).
struct Sampler {
    size: u128,
    seen: HashMap<i64, u64>,
    samples: HashMap<i64, Vec<f64>>,
}

impl Sampler {
    fn new(size: usize) -> Sampler {
        Sampler { size: size as u128, seen: HashMap::new(), samples: HashMap::new() }
    }

    fn offer(&mut self, endpoint: i64, n: u64, duration: f64) {
        let n = u128::from(n);
        let position = self.seen.entry(endpoint).or_default();
        let k = u128::from(*position);
        *position += 1;
        let sample = self.samples.entry(endpoint).or_default();
        let taken = sample.len() as u128;
        if taken < self.size && (n <= self.size || k == taken * n / self.size) {
            sample.push(duration);
        }
    }
}

/// The same counts without zeros, for comparing predicted and actual counts.
fn nonzero(counts: &HashMap<i64, u64>) -> HashMap<i64, u64> {
    counts.iter().filter(|(_, n)| **n > 0).map(|(e, n)| (*e, *n)).collect()
}

/// One side's status codes, numeric-duration counts and sample, in one pass in `(time_requested, id)` order
/// where possible:
///
/// * `predicted` (an interval on a file with summaries): the summaries predict each endpoint's count (their usable
///   durations in the interval, by FMD's criterion), so the pass samples as it goes; if
///   the pass counts otherwise (hostile rows), the prediction is discarded;
/// * else the pass keeps the durations (up to [`KEEP_DURATIONS`]) and samples them afterwards;
/// * else a second pass samples, knowing the counts.
fn side_data(
    store: &Store,
    selection: &Selection,
    sample_size: usize,
    predicted: Option<HashMap<i64, u64>>,
) -> rusqlite::Result<SideData> {
    let t = store.tables();
    let conn = store.connection();
    let (condition, params) = selection.condition();
    let mut data = SideData::default();
    let sql = format!(
        "SELECT endpoint_id, status_code, duration FROM {} WHERE {condition} ORDER BY time_requested, id",
        t.request
    );
    let mut online = predicted.as_ref().map(|_| Sampler::new(sample_size));
    let mut kept: Option<HashMap<i64, Vec<f64>>> = if online.is_some() { None } else { Some(HashMap::new()) };
    let mut total_kept = 0usize;
    {
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            let Some(endpoint) = integer(row.get_ref(0)?) else { continue };
            let code = integer(row.get_ref(1)?);
            *data.status.entry(endpoint).or_default().entry(code).or_default() += 1;
            let Some(duration) = real(row.get_ref(2)?) else { continue };
            *data.counts.entry(endpoint).or_default() += 1;
            if let (Some(sampler), Some(n)) = (online.as_mut(), predicted.as_ref()) {
                sampler.offer(endpoint, n.get(&endpoint).copied().unwrap_or(0), duration);
            }
            if let Some(map) = kept.as_mut() {
                map.entry(endpoint).or_default().push(duration);
                total_kept += 1;
                if total_kept > KEEP_DURATIONS {
                    kept = None;
                }
            }
        }
    }
    if let (Some(sampler), Some(n)) = (online, predicted.as_ref()) {
        if nonzero(n) == nonzero(&data.counts) {
            data.samples = sampler.samples;
            return Ok(data);
        }
    }
    let mut sampler = Sampler::new(sample_size);
    if let Some(kept) = kept {
        for (endpoint, durations) in kept {
            let n = data.counts.get(&endpoint).copied().unwrap_or(0);
            for d in durations {
                sampler.offer(endpoint, n, d);
            }
        }
        data.samples = sampler.samples;
        return Ok(data);
    }
    let numeric = "typeof(duration) IN ('integer', 'real')";
    let mut stmt = conn.prepare(&format!(
        "SELECT endpoint_id, duration FROM {} WHERE {condition} AND {numeric} ORDER BY time_requested, id",
        t.request
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    while let Some(row) = rows.next()? {
        let Some(endpoint) = integer(row.get_ref(0)?) else { continue };
        let Some(duration) = real(row.get_ref(1)?) else { continue };
        sampler.offer(endpoint, data.counts.get(&endpoint).copied().unwrap_or(0), duration);
    }
    data.samples = sampler.samples;
    Ok(data)
}

fn median_latency(endpoint: i64, current: &SideData, base: &SideData, options: &ReportOptions) -> MedianLatencyAnswer {
    let sample = current.samples.get(&endpoint).cloned().unwrap_or_default();
    let base_sample = base.samples.get(&endpoint).cloned().unwrap_or_default();
    let median = current.medians.get(&endpoint).copied().unwrap_or_else(|| mood::median(&sample));
    let base_median = base.medians.get(&endpoint).copied().unwrap_or_else(|| mood::median(&base_sample));
    let percentual_diff = match (median, base_median) {
        (Some(m), Some(b)) if b != 0.0 => Some((m - b) / b * 100.0).filter(|d| d.is_finite()),
        (Some(m), Some(b)) if m == b => Some(0.0),
        _ => None,
    };
    let test = mood::median_test(&sample, &base_sample);
    let p_value = test.as_ref().ok().map(|t| t.p_value);
    let differs = match (percentual_diff, median, base_median) {
        (Some(d), _, _) => d.abs() > 0.0,
        (None, Some(m), Some(b)) => m != b,
        _ => false,
    };
    let is_significant = differs && p_value.is_some_and(|p| p < options.significance_level);
    MedianLatencyAnswer {
        is_significant,
        comparison_median: median,
        compared_to_median: base_median,
        percentual_diff,
        comparison_count: current.counts.get(&endpoint).copied().unwrap_or(0),
        compared_to_count: base.counts.get(&endpoint).copied().unwrap_or(0),
        p_value,
        not_testable: test.as_ref().err().copied(),
        median_test: test.ok(),
        latencies_sample: LatencySamples { comparison_interval: sample, compared_to_interval: base_sample },
    }
}

fn status_distribution(
    endpoint: i64,
    current: &SideData,
    base: &SideData,
    options: &ReportOptions,
) -> StatusCodeAnswer {
    let empty = BTreeMap::new();
    let counts = current.status.get(&endpoint).unwrap_or(&empty);
    let base_counts = base.status.get(&endpoint).unwrap_or(&empty);
    let total: u64 = counts.values().sum();
    let base_total: u64 = base_counts.values().sum();
    let mut answer = StatusCodeAnswer {
        is_significant: false,
        percentages: None,
        comparison_count: total,
        compared_to_count: base_total,
    };
    if total < options.min_status_requests.max(1) || base_total < options.min_status_requests.max(1) {
        return answer;
    }
    let mut codes: Vec<Option<i64>> = counts.keys().chain(base_counts.keys()).copied().collect();
    codes.sort_unstable();
    codes.dedup();
    let mut max_increase = 0.0_f64;
    let shares: Vec<StatusCodeShare> = codes
        .into_iter()
        .map(|code| {
            let n = counts.get(&code).copied().unwrap_or(0);
            let base_n = base_counts.get(&code).copied().unwrap_or(0);
            let pct = n as f64 / total as f64 * 100.0;
            let base_pct = base_n as f64 / base_total as f64 * 100.0;
            let diff = pct - base_pct;
            max_increase = max_increase.max(diff);
            StatusCodeShare {
                status_code: code,
                comparison_interval: pct,
                compared_to_interval: base_pct,
                percentage_diff: diff,
                comparison_count: n,
                compared_to_count: base_n,
            }
        })
        .collect();
    answer.is_significant = max_increase > options.status_threshold_points;
    answer.percentages = Some(shares);
    answer
}

/// An integer column value, tolerating reals and numeric text; `None` for NULL or anything else.
fn integer(value: ValueRef<'_>) -> Option<i64> {
    // The summaries key status codes the same way.
    crate::store::summary::status_key(value)
}

/// A numeric column value as f64; `None` for anything else.
fn real(value: ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Real(f) => Some(f),
        _ => None,
    }
}

/// A text column that may hold invalid UTF-8 or another type.
fn lossy_text(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Null => String::new(),
    }
}
