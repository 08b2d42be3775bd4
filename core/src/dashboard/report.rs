//! The report's view: FMD's report (which endpoints' median latency or status codes changed between two
//! intervals or versions, [`crate::report`]) distilled to its evidence per endpoint, significant ones first.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::source::ViewSource;
use super::window::Compare;
use crate::report::{Answer, Interval, Preset, Report, ReportOptions, Selection};
use crate::store::{StoreError, TimeRange};

/// The report's view: FMD's report distilled to what the screen shows, endpoints with a significant
/// change first (busiest first within each group, as the report orders them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportView {
    /// What was compared (`today vs yesterday`, `version 1.1 vs 1.0`).
    pub label: String,
    /// Why there is no report (fewer than two versions), instead of rows.
    pub note: Option<String>,
    /// One row per endpoint.
    pub rows: Vec<ReportRow>,
    /// FMD's report itself (`fmd show report --json` prints it; `None` with a `note`).
    #[serde(skip)]
    pub report: Option<Box<Report>>,
}

/// One endpoint's evidence in the report's view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// `Endpoint.id`.
    pub endpoint_id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// Any answer is significant.
    pub significant: bool,
    /// The median latency changed significantly.
    pub latency_significant: bool,
    /// Median of the baseline side (ms).
    pub median_before: Option<f64>,
    /// Median of the compared side (ms).
    pub median_after: Option<f64>,
    /// `(after - before) / before * 100`.
    pub change: Option<f64>,
    /// Mood's median test p-value.
    pub p_value: Option<f64>,
    /// Requests on the baseline side.
    pub n_before: u64,
    /// Requests on the compared side.
    pub n_after: u64,
    /// The status code distribution changed significantly.
    pub codes_significant: bool,
    /// Status codes whose share grew by more than 3 points: code (`None`: none stored), share before and after (%).
    pub grown_codes: Vec<(Option<i64>, f64, f64)>,
}

/// Share growth (percentage points) above which a status code is listed, as FMD's threshold.
pub const GROWN_POINTS: f64 = 3.0;

impl ReportView {
    /// Distils `report`, compared as `label`, and keeps it.
    pub fn from_report(report: Report, label: String) -> ReportView {
        let mut rows: Vec<ReportRow> = report
            .summaries
            .iter()
            .map(|s| {
                let mut row = ReportRow {
                    endpoint_id: s.endpoint_id,
                    name: s.endpoint_name.clone(),
                    significant: s.has_anything_significant,
                    latency_significant: false,
                    median_before: None,
                    median_after: None,
                    change: None,
                    p_value: None,
                    n_before: 0,
                    n_after: 0,
                    codes_significant: false,
                    grown_codes: Vec::new(),
                };
                for answer in &s.answers {
                    match answer {
                        Answer::MedianLatency(a) => {
                            row.latency_significant = a.is_significant;
                            row.median_before = a.compared_to_median;
                            row.median_after = a.comparison_median;
                            row.change = a.percentual_diff;
                            row.p_value = a.p_value;
                            row.n_before = a.compared_to_count;
                            row.n_after = a.comparison_count;
                        }
                        Answer::StatusCodeDistribution(a) => {
                            row.codes_significant = a.is_significant;
                            row.grown_codes = a
                                .percentages
                                .iter()
                                .flatten()
                                .filter(|share| share.percentage_diff > GROWN_POINTS)
                                .map(|share| (share.status_code, share.compared_to_interval, share.comparison_interval))
                                .collect();
                        }
                    }
                }
                row
            })
            .collect();
        // Stable: significant first, the report's order (busiest first) within each group.
        rows.sort_by_key(|r| !r.significant);
        ReportView { label, note: None, rows, report: Some(Box::new(report)) }
    }
}

/// FMD's report for `compare` at `now` in zone `tz`; comparing the newest versions needs two of them (else a
/// note says why there are no rows).
pub fn report_view(
    store: &dyn ViewSource,
    compare: Compare,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<ReportView, StoreError> {
    let options = ReportOptions::default();
    let label = compare.label().into_owned();
    let preset = match compare {
        Compare::Day => Preset::Day,
        Compare::Week => Preset::Week,
        Compare::Month => Preset::Month,
        Compare::Intervals { interval, baseline } => {
            return Ok(ReportView::from_report(intervals(store, &interval, &baseline, &options)?, label));
        }
        Compare::VersionPair { version, baseline } => {
            return Ok(ReportView::from_report(by_versions(store, version, baseline, &options)?, label));
        }
        Compare::Versions => {
            let versions = store.versions(TimeRange::ALL, None)?;
            let [newest, before, ..] = versions.as_slice() else {
                let note = format!(
                    "needs requests of two versions; this database has {}",
                    match versions.first() {
                        Some(v) => format!("only version {}", v.version),
                        None => "no requests".to_string(),
                    }
                );
                return Ok(ReportView { label, note: Some(note), rows: Vec::new(), report: None });
            };
            let report = by_versions(store, &newest.version, &before.version, &options)?;
            return Ok(ReportView::from_report(report, format!("version {} vs {}", newest.version, before.version)));
        }
    };
    let pair = preset.intervals(now, tz);
    Ok(ReportView::from_report(intervals(store, &pair.interval, &pair.baseline, &options)?, label))
}

/// FMD's report comparing two intervals.
fn intervals(
    store: &dyn ViewSource,
    interval: &Interval,
    baseline: &Interval,
    options: &ReportOptions,
) -> Result<Report, StoreError> {
    store.report(&Selection::Interval { interval: *interval }, &Selection::Interval { interval: *baseline }, options)
}

/// FMD's report comparing two versions.
fn by_versions(
    store: &dyn ViewSource,
    version: &str,
    baseline: &str,
    options: &ReportOptions,
) -> Result<Report, StoreError> {
    store.report(
        &Selection::Version { version: version.to_string() },
        &Selection::Version { version: baseline.to_string() },
        options,
    )
}
