//! The dashboard's and an endpoint's Latency tab: the median and 95th percentile of the durations per time
//! bucket of the window (hours for a day or two, 6 h for a week, days for a month), as two lines of a chart
//! with labelled axes in the console's zone, and the window's numbers on the line above.
//!
//! ```text
//!  ━ p50  ━ p95 ms · per 6 h · 12 345 requests · worst p95 52.3 ms at 11-25 12:00
//!  52.3 ┤          ⢀⠔⠢⡀
//!  26.1 ┤⠤⠤⠒⠊⠉⠉⠉⠒⠊⠁   ⠈⠒⠤⠤⣀⣀⣀
//!     0 ┼──────────────────────────
//!       11-20 22:56   11-24 10:56   11-27 22:56
//! ```
//!
//! Without colours the 95th percentile is drawn with dots (`•`) and the median with braille. Empty buckets
//! have no point; the lines join their neighbours.

use chrono::{DateTime, Utc};
use fmd_core::store::views::{LatencyBucket, LatencySeries};
use ratatui::layout::{Alignment, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
use ratatui::Frame;

use super::graphs::number;
use super::{body, line_at, no_data, note, view_title};
use crate::app::{App, Screen};
use crate::format;
use crate::views::ViewData;

/// A bucket width in words: `10 min`, `6 h`, `1 day`.
pub fn width_label(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        86_400 => "day".to_string(),
        s => format!("{} days", s / 86_400),
    }
}

/// The series' bucket width: the longest bucket (the first and last may be cut by the window).
fn bucket_seconds(series: &LatencySeries) -> i64 {
    series.buckets.iter().map(|b| (b.end - b.start).num_seconds()).max().unwrap_or(0)
}

/// An x-axis instant for a chart spanning `span` seconds, in the console's zone.
fn axis_time(t: DateTime<Utc>, span: i64, app: &App) -> String {
    let local = t.with_timezone(&app.timezone);
    if span <= 86_400 {
        local.format("%H:%M").to_string()
    } else if span <= 90 * 86_400 {
        local.format("%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d").to_string()
    }
}

/// The line above the chart: legend, bucket width, requests and the worst bucket's 95th percentile.
fn summary_line(app: &App, series: &LatencySeries) -> Line<'static> {
    let theme = &app.theme;
    let requests: u64 = series.buckets.iter().map(|b| b.count).sum();
    let worst = series.buckets.iter().filter_map(|b| b.p95.map(|p| (p, b))).max_by(|a, b| a.0.total_cmp(&b.0));
    let mut text = format!(" ms · per {} · {} requests", width_label(bucket_seconds(series)), format::count(requests));
    if let Some((p95, b)) = worst {
        let at = b.start.with_timezone(&app.timezone).format("%m-%d %H:%M");
        text.push_str(&format!(" · worst p95 {} at {at}", format::duration_ms(Some(p95))));
    }
    let (p50, p95) = if theme.heat_glyphs { ("⠤ p50", "• p95") } else { ("━ p50", "━ p95") };
    Line::from(vec![
        Span::styled(p50, theme.bar),
        Span::raw("  "),
        Span::styled(p95, theme.plot_median),
        Span::styled(text, theme.dim),
    ])
}

/// `(x, y)` points of one percentile: x in seconds since `from` at the middle of each non-empty bucket.
fn points(buckets: &[LatencyBucket], from: DateTime<Utc>, pick: fn(&LatencyBucket) -> Option<f64>) -> Vec<(f64, f64)> {
    buckets
        .iter()
        .filter_map(|b| {
            let middle = b.start + (b.end - b.start) / 2;
            pick(b).map(|v| ((middle - from).num_milliseconds() as f64 / 1000.0, v))
        })
        .collect()
}

/// Draws the Latency tab (dashboard or endpoint) into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let what = match app.screen {
        Screen::Dashboard => "Latency · p50 and p95 of all requests",
        Screen::Endpoint(_) => "Latency · p50 and p95",
    };
    let inner = body(frame, area, app, &view_title(app, what, cached), "", 1);
    let Some(ViewData::Latency(series)) = cached.map(|c| &c.data) else { return no_data(frame, inner, app) };
    let (Some(first), Some(last)) = (series.buckets.first(), series.buckets.last()) else {
        return note(frame, inner, app, "no requests in this window");
    };
    if inner.width < 8 || inner.height == 0 {
        return;
    }
    line_at(frame, inner, 0, summary_line(app, series));
    let chart_area = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    if series.buckets.iter().all(|b| b.count == 0) {
        return note(frame, chart_area, app, "no requests in this window");
    }
    if chart_area.height < 3 || chart_area.width < 16 {
        return;
    }
    let (from, to) = (first.start, last.end);
    let span = (to - from).num_seconds().max(1);
    let p50 = points(&series.buckets, from, |b| b.p50);
    let p95 = points(&series.buckets, from, |b| b.p95);
    let top = p95.iter().chain(&p50).map(|p| p.1).fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.05 } else { 1.0 };
    let theme = &app.theme;
    let kind = |n: usize| if n > 1 { GraphType::Line } else { GraphType::Scatter };
    let datasets = vec![
        Dataset::default()
            .name("p95")
            .marker(if theme.heat_glyphs { Marker::Dot } else { Marker::Braille })
            .graph_type(kind(p95.len()))
            .style(theme.plot_median)
            .data(&p95),
        Dataset::default().name("p50").marker(Marker::Braille).graph_type(kind(p50.len())).style(theme.bar).data(&p50),
    ];
    let x_labels = if chart_area.width >= 48 {
        vec![axis_time(from, span, app), axis_time(from + (to - from) / 2, span, app), axis_time(to, span, app)]
    } else {
        vec![axis_time(from, span, app), axis_time(to, span, app)]
    };
    let y_labels = if chart_area.height >= 7 {
        vec!["0".to_string(), number(top / 2.0), number(top)]
    } else {
        vec!["0".to_string(), number(top)]
    };
    let chart = Chart::new(datasets)
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds([0.0, span as f64])
                .labels(x_labels)
                .labels_alignment(Alignment::Right)
                .style(theme.dim),
        )
        .y_axis(Axis::default().bounds([0.0, top]).labels(y_labels).style(theme.dim));
    frame.render_widget(chart, chart_area);
}

#[cfg(test)]
mod tests {
    use super::width_label;

    #[test]
    fn widths_read_as_words() {
        assert_eq!(width_label(600), "10 min");
        assert_eq!(width_label(3600), "1 h");
        assert_eq!(width_label(6 * 3600), "6 h");
        assert_eq!(width_label(86_400), "day");
        assert_eq!(width_label(7 * 86_400), "7 days");
    }
}
