//! `fmd show overview` as an aligned table (its JSON is the dashboard layer's, FMD's /api/overview keys).

use fmd_core::store::OverviewRow;

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
}

/// The overview as a table fitted to the width: hits and error hits today / 7 days / overall, medians (ms)
/// and the last request in the zone.
pub fn text(rows: &[OverviewRow], style: &super::text::Style) -> String {
    if rows.is_empty() {
        return "(no endpoints)\n".into();
    }
    let header = [
        "endpoint",
        "lvl",
        "today",
        "err",
        "7 days",
        "err",
        "total",
        "err",
        "p50 today",
        "p95 today",
        "p99 today",
        "p50 7d",
        "p95 7d",
        "p99 7d",
        "p50 all",
        "p95 all",
        "p99 all",
        "last request",
    ];
    let mut table = crate::table::Table::new(header);
    for r in rows {
        table.row([
            r.name.clone(),
            r.monitor_level.map_or_else(|| "-".into(), |l| l.to_string()),
            r.hits_today.to_string(),
            r.hits_today_errors.to_string(),
            r.hits_week.to_string(),
            r.hits_week_errors.to_string(),
            r.hits_overall.to_string(),
            r.hits_overall_errors.to_string(),
            ms(r.median_today),
            ms(r.p95_today),
            ms(r.p99_today),
            ms(r.median_week),
            ms(r.p95_week),
            ms(r.p99_week),
            ms(r.median_overall),
            ms(r.p95_overall),
            ms(r.p99_overall),
            r.last_requested
                .map_or_else(|| "-".into(), |t| t.with_timezone(&style.tz).format("%Y-%m-%d %H:%M").to_string()),
        ]);
    }
    table.render(style.width)
}
