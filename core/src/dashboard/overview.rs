//! The overview serialised as FMD's `/api/overview` list: FMD's keys (`last-accessed` as RFC 3339 UTC, the
//! number of exception groups), then fmd's 95th and 99th percentiles of the same windows.

use chrono::SecondsFormat;
use serde::{Serialize, Serializer};

use super::answer::Overview;
use crate::store::OverviewRow;

/// One overview entry with FMD's `/api/overview` keys (`last-accessed` as RFC 3339 UTC).
#[derive(Debug, Serialize)]
struct OverviewJson<'a> {
    id: i64,
    name: &'a str,
    monitor: Option<u8>,
    #[serde(rename = "hits-today")]
    hits_today: u64,
    #[serde(rename = "hits-today-errors")]
    hits_today_errors: u64,
    #[serde(rename = "hits-week")]
    hits_week: u64,
    #[serde(rename = "hits-week-errors")]
    hits_week_errors: u64,
    #[serde(rename = "hits-overall")]
    hits_overall: u64,
    #[serde(rename = "hits-overall-errors")]
    hits_overall_errors: u64,
    #[serde(rename = "median-today")]
    median_today: Option<f64>,
    #[serde(rename = "median-week")]
    median_week: Option<f64>,
    #[serde(rename = "median-overall")]
    median_overall: Option<f64>,
    #[serde(rename = "last-accessed")]
    last_accessed: Option<String>,
    /// Number of exception groups of the endpoint.
    exceptions: u64,
    /// fmd's additions: 95th and 99th percentiles of the same windows, after FMD's keys.
    #[serde(rename = "p95-today")]
    p95_today: Option<f64>,
    #[serde(rename = "p99-today")]
    p99_today: Option<f64>,
    #[serde(rename = "p95-week")]
    p95_week: Option<f64>,
    #[serde(rename = "p99-week")]
    p99_week: Option<f64>,
    #[serde(rename = "p95-overall")]
    p95_overall: Option<f64>,
    #[serde(rename = "p99-overall")]
    p99_overall: Option<f64>,
}

impl<'a> OverviewJson<'a> {
    /// The entry of `r`, with its number of exception groups.
    fn new(r: &'a OverviewRow, exceptions: u64) -> Self {
        OverviewJson {
            id: r.id,
            name: &r.name,
            monitor: r.monitor_level,
            hits_today: r.hits_today,
            hits_today_errors: r.hits_today_errors,
            hits_week: r.hits_week,
            hits_week_errors: r.hits_week_errors,
            hits_overall: r.hits_overall,
            hits_overall_errors: r.hits_overall_errors,
            median_today: r.median_today,
            median_week: r.median_week,
            median_overall: r.median_overall,
            last_accessed: r.last_requested.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true)),
            exceptions,
            p95_today: r.p95_today,
            p99_today: r.p99_today,
            p95_week: r.p95_week,
            p99_week: r.p99_week,
            p95_overall: r.p95_overall,
            p99_overall: r.p99_overall,
        }
    }
}

impl Serialize for Overview {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.rows.iter().map(|r| OverviewJson::new(r, self.exceptions.get(&r.id).copied().unwrap_or(0))),
        )
    }
}
