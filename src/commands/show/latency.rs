//! `fmd show latency`: the median and 95th percentile per time bucket, as `{buckets: [...]}` JSON or a table
//! with the buckets' starts and ends in the configured zone.

use chrono_tz::Tz;
use fmd_core::store::views::LatencySeries;

use crate::failure::Failure;

/// Prints `series` as JSON or as the table of [`text`]; a reader that stops early (`| head`) ends it quietly.
pub fn show(series: &LatencySeries, json: bool, tz: Tz) -> Result<(), Failure> {
    let out = if json {
        let mut text = serde_json::to_string_pretty(series).map_err(Failure::runtime)?;
        text.push('\n');
        text
    } else {
        text(series, tz)
    };
    crate::output::print(&out)
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
}

/// One line per bucket: start and end (local time in `tz`), requests, p50 and p95 in ms; a note without
/// buckets.
pub fn text(series: &LatencySeries, tz: Tz) -> String {
    if series.buckets.is_empty() {
        return "no requests in this window\n".to_string();
    }
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let mut table: Vec<[String; 5]> =
        vec![[format!("start ({tz})"), "end".into(), "requests".into(), "p50 ms".into(), "p95 ms".into()]];
    for b in &series.buckets {
        table.push([local(b.start), local(b.end), b.count.to_string(), ms(b.p50), ms(b.p95)]);
    }
    let widths: Vec<usize> = (0..5).map(|c| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &table {
        for (c, cell) in row.iter().enumerate() {
            match c {
                0 => out.push_str(&format!("{cell:<w$}", w = widths[c])),
                1 => out.push_str(&format!("  {cell:<w$}", w = widths[c])),
                _ => out.push_str(&format!("  {cell:>w$}", w = widths[c])),
            }
        }
        out.push('\n');
    }
    out
}
