//! The dashboard's Graphs tab: FMD's custom graphs (`Recorder::add_graph`), the selected one as a line chart over
//! the time window with axis labels, and its count, minimum, maximum and latest value; `j`/`k` choose the graph.
//!
//! ```text
//!  process RSS MB   48.2 │ process RSS MB · added 2026-11-20 · version 1.1
//!  queue length        3 │ 52.0 ┤        ⣀⡠⠤⠒⠉⠉⠑⠒⠤⣀
//!                        │ 44.0 ┤⠤⠤⠒⠊⠉            ⠉⠉⠒⠢⠤
//!                        │      └──────────────────────────
//!                        │      11-20 22:56        11-27 22:56
//!                        │ n 10 080 · min 40.1 · max 52.0 · last 48.2 at 22:56:00
//! ```
//!
//! Narrow terminals put the graph's name on one line above the chart (`‹ 1/2 ›` when there are more).

use chrono::{DateTime, Utc};
use fmd_core::store::GraphSeries;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
use ratatui::Frame;

use super::{body, cell, line_at, no_data, note, view_title};
use crate::app::App;
use crate::format;
use crate::views::ViewData;

/// Narrowest body with the list of graphs beside the chart.
const SIDE_LIST_MIN_WIDTH: u16 = 64;

/// A graph value in at most about seven characters: `0.125`, `4.20`, `48.2`, `12,346`, `2.50M`.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return format::NONE.to_string();
    }
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a == 0.0 {
        "0".to_string()
    } else if v.fract() == 0.0 && a < 9_999.5 {
        format!("{v:.0}")
    } else if a >= 1e9 {
        format!("{v:.2e}")
    } else if a >= 1e6 {
        format!("{sign}{:.2}M", a / 1e6)
    } else if a >= 9_999.5 {
        format!("{sign}{}", format::count(a.round() as u64))
    } else if a >= 99.95 {
        format!("{v:.0}")
    } else if a >= 9.995 {
        format!("{v:.1}")
    } else if a >= 0.9995 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// How an x-axis instant is written for a chart spanning `span` seconds.
fn axis_time(t: DateTime<Utc>, span: f64, app: &App) -> String {
    let local = t.with_timezone(&app.timezone);
    if span <= 86_400.0 {
        local.format("%H:%M").to_string()
    } else if span <= 60.0 * 86_400.0 {
        local.format("%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d").to_string()
    }
}

/// Share of the value range left free above the maximum and below the minimum.
const Y_MARGIN: f64 = 0.02;

/// The line's points, seconds from the axis start: a bucket of one value is that value; a bucket of several
/// goes through its minimum and maximum (the nearer one to the previous point first), so the line reaches every
/// extreme the numbers line names instead of only the buckets' means.
fn plot_points(series: &GraphSeries) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(series.points.len() * 2);
    for p in &series.points {
        let x = (p.time - series.from).num_milliseconds() as f64 / 1000.0;
        if p.count <= 1 || p.max <= p.min {
            out.push((x, p.mean));
            continue;
        }
        let previous = out.last().map_or(p.min, |(_, y)| *y);
        let pair = if (previous - p.min).abs() <= (previous - p.max).abs() { [p.min, p.max] } else { [p.max, p.min] };
        out.extend(pair.map(|y| (x, y)));
    }
    out
}

/// The y range of `points`: their minimum and maximum with a small margin, opened up when they are equal.
fn y_bounds(points: &[(f64, f64)]) -> [f64; 2] {
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return [0.0, 1.0];
    }
    let pad = if hi > lo {
        (hi - lo) * Y_MARGIN
    } else if lo == 0.0 {
        1.0
    } else {
        lo.abs() * 0.1
    };
    [lo - pad, hi + pad]
}

/// Draws the Graphs tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let graphs = match cached.map(|c| &c.data) {
        Some(ViewData::Graphs(graphs)) => Some(graphs),
        _ => None,
    };
    let len = graphs.map_or(0, Vec::len);
    let selected = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{}", selected + 1, len) };
    let inner = body(frame, area, app, &view_title(app, "Graphs · custom graphs", cached), &position, 1);
    let Some(graphs) = graphs else { return no_data(frame, inner, app) };
    let Some(series) = graphs.get(selected) else {
        return note(frame, inner, app, "no custom graphs in this database (Recorder::add_graph adds them)");
    };
    if inner.width < 8 || inner.height < 2 {
        return;
    }
    let theme = &app.theme;
    let chart_area = if inner.width >= SIDE_LIST_MIN_WIDTH {
        let widest = graphs.iter().map(|g| format::width(&format::sanitize(&g.graph.title))).max().unwrap_or(0);
        let list_width = (widest + 10).clamp(16, usize::from(inner.width) / 3) as u16;
        let list = Rect { width: list_width, ..inner };
        let start = crate::cursor::visible_start(app.cursor.offset, selected, usize::from(list.height), len);
        for (y, (i, g)) in graphs.iter().enumerate().skip(start).take(usize::from(list.height)).enumerate() {
            let style = if i == selected { theme.selected } else { Style::new() };
            let last = g.last.as_ref().map_or_else(|| format::NONE.to_string(), |v| number(v.value));
            let value_width = format::width(&last).max(1);
            let title_width = usize::from(list_width).saturating_sub(value_width + 2);
            let line = Line::from(vec![
                cell(&format::sanitize(&g.graph.title), title_width, false, style),
                Span::styled(" ", style),
                cell(&last, value_width, true, style),
                Span::styled(" ", style),
            ]);
            line_at(frame, list, y as u16, line);
        }
        let gap = 2;
        Rect { x: inner.x + list_width + gap, width: inner.width.saturating_sub(list_width + gap), ..inner }
    } else {
        inner
    };
    // Without the list beside it, the name line says which of how many graphs this is.
    let counter = (chart_area.width == inner.width && len > 1).then(|| format!("‹ {}/{len} › ", selected + 1));
    draw_series(frame, chart_area, app, series, counter.as_deref().unwrap_or(""));
}

/// The selected graph: its name line, the chart, its numbers line.
fn draw_series(frame: &mut Frame, area: Rect, app: &App, series: &GraphSeries, counter: &str) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let mut name = format!("{counter}{}", format::sanitize(&series.graph.title));
    if let Some(added) = series.graph.time_added {
        name.push_str(&format!(" · added {}", added.with_timezone(&app.timezone).format("%Y-%m-%d")));
        if let Some(version) = &series.graph.version_added {
            name.push_str(&format!(" in {}", format::sanitize(version)));
        }
    }
    line_at(frame, area, 0, Line::styled(format::truncate(&name, width).into_owned(), theme.heading));
    // The latest value first: a cut line loses the count, not the news.
    let stats = match &series.last {
        Some(last) => {
            let at = if (app.now() - last.time).num_hours() < 24 {
                format::local_time(last.time, app.timezone)
            } else {
                last.time.with_timezone(&app.timezone).format("%Y-%m-%d %H:%M").to_string()
            };
            format!(
                "last {} at {at} · min {} · max {} · n {}",
                number(last.value),
                number(series.min.unwrap_or(f64::NAN)),
                number(series.max.unwrap_or(f64::NAN)),
                format::count(series.count)
            )
        }
        None => String::new(),
    };
    let chart = Rect { y: area.y + 1, height: area.height.saturating_sub(2), ..area };
    if series.count == 0 || series.points.is_empty() {
        return note(frame, chart, app, "no values in this window");
    }
    line_at(
        frame,
        area,
        area.height.saturating_sub(1),
        Line::styled(format::truncate(&stats, width).into_owned(), theme.dim),
    );
    if chart.height < 3 || chart.width < 12 {
        return;
    }
    let span = (series.to - series.from).num_milliseconds().max(1) as f64 / 1000.0;
    let points = plot_points(series);
    let bounds = y_bounds(&points);
    // Labelled with the values' own extremes (the numbers line's min and max); the margin stays unlabelled.
    let (lo, hi) = match (series.min, series.max) {
        (Some(lo), Some(hi)) if hi > lo => (lo, hi),
        _ => (bounds[0], bounds[1]),
    };
    let x_labels = if chart.width >= 48 {
        let middle = series.from + (series.to - series.from) / 2;
        vec![axis_time(series.from, span, app), axis_time(middle, span, app), axis_time(series.to, span, app)]
    } else {
        vec![axis_time(series.from, span, app), axis_time(series.to, span, app)]
    };
    let y_labels = if chart.height >= 6 {
        vec![number(lo), number((lo + hi) / 2.0), number(hi)]
    } else {
        vec![number(lo), number(hi)]
    };
    let dataset = Dataset::default()
        .marker(symbols::Marker::Braille)
        .graph_type(if points.len() > 1 { GraphType::Line } else { GraphType::Scatter })
        .style(theme.bar)
        .data(&points);
    let widget = Chart::new(vec![dataset])
        .x_axis(
            Axis::default().bounds([0.0, span]).labels(x_labels).labels_alignment(Alignment::Right).style(theme.dim),
        )
        .y_axis(Axis::default().bounds(bounds).labels(y_labels).style(theme.dim));
    frame.render_widget(widget, chart);
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_stay_short() {
        let cases = [
            (0.0, "0"),
            (0.1234, "0.123"),
            (4.2, "4.20"),
            (2.0, "2"),
            (480.0, "480"),
            (48.25, "48.2"),
            (512.4, "512"),
            (1_234.0, "1234"),
            (12_345.6, "12,346"),
            (2_500_000.0, "2.50M"),
            (-3.5, "-3.50"),
            (-20_000.0, "-20,000"),
        ];
        for (v, want) in cases {
            assert_eq!(number(v), want, "{v}");
        }
    }
}
