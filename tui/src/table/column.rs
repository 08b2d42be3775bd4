//! The overview's columns: headings, alignment, which survive a narrow terminal, each cell's text and the
//! value it sorts by.

use chrono::{DateTime, Utc};
use fmd_core::store::OverviewRow;

use crate::format;

/// A column of the overview, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Endpoint name.
    Endpoint,
    /// Monitoring level.
    Level,
    /// Hits since local midnight.
    Today,
    /// Hits in the last 7 days.
    Week,
    /// All hits.
    Total,
    /// Error hits overall / all hits.
    ErrPct,
    /// Median duration today.
    P50Today,
    /// Median duration, last 7 days.
    P50Week,
    /// 95th percentile of the durations, last 7 days.
    P95Week,
    /// 99th percentile, last 7 days.
    P99Week,
    /// Median duration, all requests.
    P50All,
    /// Time since the last request.
    LastSeen,
    /// Exception groups of the endpoint (FMD's overview column `exceptions`).
    Exceptions,
    /// Requests per hour over the last 24 hours (a sparkline; sorted by their sum).
    Trend,
}

/// Cells of the trend sparkline (two hours each).
pub const TREND_WIDTH: usize = 12;

impl Column {
    /// Every column in screen order.
    pub const ALL: [Column; 14] = [
        Column::Endpoint,
        Column::Level,
        Column::Today,
        Column::Week,
        Column::Total,
        Column::ErrPct,
        Column::P50Today,
        Column::P50Week,
        Column::P95Week,
        Column::P99Week,
        Column::P50All,
        Column::LastSeen,
        Column::Exceptions,
        Column::Trend,
    ];

    /// Position in [`Column::ALL`] (declaration order).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The heading.
    pub fn heading(self) -> &'static str {
        match self {
            Column::Endpoint => "endpoint",
            Column::Level => "lvl",
            Column::Today => "today",
            Column::Week => "7 days",
            Column::Total => "total",
            Column::ErrPct => "err%",
            Column::P50Today => "p50 today",
            Column::P50Week => "p50 7d",
            Column::P95Week => "p95 7d",
            Column::P99Week => "p99 7d",
            Column::P50All => "p50 all",
            Column::LastSeen => "last seen",
            Column::Exceptions => "exc",
            Column::Trend => "trend 24h",
        }
    }

    /// Numbers are right-aligned.
    pub fn right_aligned(self) -> bool {
        !matches!(self, Column::Endpoint | Column::LastSeen | Column::Trend)
    }

    /// Which columns survive a narrow terminal: lower keeps longer. The endpoint always stays.
    pub fn priority(self) -> u8 {
        match self {
            Column::Endpoint => 0,
            Column::Today => 1,
            Column::P50Today => 2,
            Column::Total => 3,
            Column::ErrPct => 4,
            Column::LastSeen => 5,
            Column::Level => 6,
            Column::Week => 7,
            Column::P50Week => 8,
            Column::P95Week => 9,
            Column::Exceptions => 10,
            Column::P99Week => 11,
            Column::P50All => 12,
            Column::Trend => 13,
        }
    }

    /// Names sort A-Z first; numbers biggest (and times most recent) first.
    pub(super) fn descending_by_default(self) -> bool {
        self != Column::Endpoint
    }

    /// The cell text of `row` with its `exceptions` groups (the endpoint name sanitised, not yet cut to the
    /// column); the trend is drawn, not written, so its text is blank.
    pub fn text(self, row: &OverviewRow, exceptions: u64, now: DateTime<Utc>) -> String {
        match self {
            Column::Endpoint => format::sanitize(&row.name).into_owned(),
            Column::Level => row.monitor_level.map_or_else(|| format::NONE.to_string(), |l| l.to_string()),
            Column::Today => format::count(row.hits_today),
            Column::Week => format::count(row.hits_week),
            Column::Total => format::count(row.hits_overall),
            Column::ErrPct => format::percent(error_rate(row)),
            Column::P50Today => format::duration_ms(row.median_today),
            Column::P50Week => format::duration_ms(row.median_week),
            Column::P95Week => format::duration_ms(row.p95_week),
            Column::P99Week => format::duration_ms(row.p99_week),
            Column::P50All => format::duration_ms(row.median_overall),
            Column::LastSeen => format::relative(row.last_requested, now),
            Column::Exceptions => format::count(exceptions),
            Column::Trend => " ".repeat(TREND_WIDTH),
        }
    }

    /// The value sorted on, for every column but the endpoint; `trend` is the row's last 24 hours, `exceptions`
    /// its exception groups.
    pub(super) fn number(self, row: &OverviewRow, trend: Option<&[u64]>, exceptions: u64) -> Option<f64> {
        match self {
            Column::Endpoint => None,
            Column::Level => row.monitor_level.map(f64::from),
            Column::Today => Some(row.hits_today as f64),
            Column::Week => Some(row.hits_week as f64),
            Column::Total => Some(row.hits_overall as f64),
            Column::ErrPct => error_rate(row),
            Column::P50Today => row.median_today,
            Column::P50Week => row.median_week,
            Column::P95Week => row.p95_week,
            Column::P99Week => row.p99_week,
            Column::P50All => row.median_overall,
            Column::LastSeen => row.last_requested.map(|t| t.timestamp_micros() as f64),
            Column::Exceptions => Some(exceptions as f64),
            Column::Trend => Some(trend.map_or(0, |t| t.iter().sum::<u64>()) as f64),
        }
    }
}

/// Error hits overall / all hits, in percent (`None` without hits).
pub fn error_rate(row: &OverviewRow) -> Option<f64> {
    format::ratio(row.hits_overall_errors, row.hits_overall)
}
