//! Server-side SVG charts, drawn from plain numbers and readable without JavaScript: every mark carries a
//! `<title>` tooltip, and pages put the numbers in a table beside the chart. Text goes through maud, so
//! names from the database are escaped like everywhere else.
//!
//! * [`spark`]: the overview's 24-hour bars.
//! * [`scale`]: axes, ticks at round values, linear and log scales, the sequential colour scale.
//! * [`heatmap`]: days x hours (and any rows x columns matrix) with a legend.
//! * [`bars`]: horizontal stacked bars (requests per day and endpoint, status codes per endpoint).
//! * [`boxplot`]: box plots on a shared axis (log when the range spans decades).
//! * [`lines`]: lines over time (p50/p95, hits per day, custom graphs).
//! * [`icicle`]: the grouped profiler's icicle / flame view (zoom and search in the page script).

pub mod bars;
pub mod boxplot;
pub mod heatmap;
pub mod icicle;
pub mod lines;
pub mod scale;
pub mod spark;

pub use spark::sparkline;
