//! The dashboard's Daily tab: one row per local day (newest on top) with a bar of that day's requests, the
//! total, and the requests of each endpoint in columns, busiest endpoint first. Endpoints that do not fit are
//! reached with `←`/`→` (`‹` and `›` in the heading say there are more); the filter keeps only matching endpoints
//! (and their requests in the totals).
//!
//! ```text
//! day     requests                     total  user_detail  index  search  upload
//! Fri 27  ███████████████████▋           140           38     39      27      19
//! Thu 26  █████████████████████▏         152           45     40      29      17
//! ```

use chrono::NaiveDate;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{bars, body, cell, days_title, line_at, no_data, note};
use crate::app::App;
use crate::cursor::visible_start;
use crate::format;
use crate::views::ViewData;
use fmd_core::store::views::EndpointDays;

/// Widest endpoint column.
const ENDPOINT_MAX: usize = 14;
/// Narrowest bar kept before endpoint columns are dropped.
const BAR_MIN: usize = 10;
/// Widest bar (the rest goes to endpoint columns).
const BAR_MAX: usize = 40;

/// `Fri 27`, or `2026-11-27` when the window spans more than a month.
fn day_label(day: &str, long_range: bool) -> String {
    match day.parse::<NaiveDate>() {
        Ok(d) if !long_range => d.format("%a %d").to_string(),
        Ok(d) => d.format("%Y-%m-%d").to_string(),
        Err(_) => format::sanitize(day).into_owned(),
    }
}

/// Draws the Daily tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let daily = match cached.map(|c| &c.data) {
        Some(ViewData::Daily(d)) => Some(d),
        _ => None,
    };
    let n = daily.map_or(0, |d| d.days.len());
    let row = app.cursor.row.min(n.saturating_sub(1));
    let position = if n > 0 { format!("{}/{n}", row + 1) } else { String::new() };
    let title = super::with_filter(app, days_title(app, "Daily · requests per day and endpoint", cached));
    let inner = body(frame, area, app, &title, &position, 1);
    let Some(daily) = daily else { return no_data(frame, inner, app) };
    if n == 0 || inner.height == 0 {
        return note(frame, inner, app, "no days in this window");
    }
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let endpoints: Vec<_> = daily.data.iter().filter(|e| app.table.matches(&e.name)).collect();
    let total = |day: usize| endpoints.iter().filter_map(|e| e.values.get(day)).sum::<u64>();
    let max = (0..n).map(total).max().unwrap_or(0);
    let long_range = n > 31;
    let label = if long_range { 10 } else { 6 };
    let total_width = format::count(max).len().max("total".len());

    // Endpoint columns from the scrolled-to one, as many as fit beside a bar of BAR_MIN; when the last ones
    // leave room, earlier ones are pulled back in (scrolling never shows fewer columns than fit).
    let mut first = app.cursor.col.min(endpoints.len().saturating_sub(1));
    let avail = width.saturating_sub(label + 1 + 1 + total_width);
    let column_width = |e: &EndpointDays| {
        let busiest = e.values.iter().copied().max().unwrap_or(0);
        format::width(&format::sanitize(&e.name)).min(ENDPOINT_MAX).max(format::count(busiest).len()).max(3)
    };
    let mut columns = Vec::new();
    let mut used = 0;
    for (i, e) in endpoints.iter().enumerate().skip(first) {
        let w = column_width(e);
        // Two spaces before each column, two more kept for the `›` marker while columns remain.
        let marker = if i + 1 < endpoints.len() { 2 } else { 0 };
        if used + 2 + w + marker + BAR_MIN > avail {
            break;
        }
        used += 2 + w;
        columns.push((*e, w));
    }
    while let Some(e) = first.checked_sub(1).and_then(|i| endpoints.get(i)) {
        let w = column_width(e);
        if used + 2 + w + 2 + BAR_MIN > avail {
            break;
        }
        used += 2 + w;
        columns.insert(0, (*e, w));
        first -= 1;
    }
    let more_right = first + columns.len() < endpoints.len();
    let more_left = first > 0;
    let bar_width = avail.saturating_sub(used + if more_right { 2 } else { 0 }).min(BAR_MAX);

    let mut heading = vec![
        cell("day", label, false, theme.heading),
        Span::raw(" "),
        cell("requests", bar_width, false, theme.heading),
        Span::raw(" "),
        cell("total", total_width, true, theme.heading),
    ];
    for (i, (e, w)) in columns.iter().enumerate() {
        let gap = if i == 0 && more_left { " ‹" } else { "  " };
        heading.push(Span::styled(gap, theme.dim));
        heading.push(cell(&format::sanitize(&e.name), *w, true, theme.heading));
    }
    if more_right {
        heading.push(Span::styled(" ›", theme.dim));
    }
    if endpoints.is_empty() {
        heading.push(Span::styled("  no endpoint matches the filter", theme.dim));
    }
    line_at(frame, inner, 0, Line::from(heading));

    // Newest day on top.
    let rows = usize::from(inner.height).saturating_sub(1);
    let start = visible_start(app.cursor.offset, row, rows, n);
    for (y, r) in (start..(start + rows).min(n)).enumerate() {
        let day = n - 1 - r;
        let day_total = total(day);
        let label_style = if r == row { theme.selected } else { Style::new() };
        let mut spans = vec![
            cell(&day_label(daily.days.get(day).map_or("", String::as_str), long_range), label, false, label_style),
            Span::raw(" "),
            cell(&bars::hbar(day_total as f64, max as f64, bar_width), bar_width, false, theme.bar),
            Span::raw(" "),
            cell(&format::count(day_total), total_width, true, Style::new()),
        ];
        for (e, w) in &columns {
            let value = e.values.get(day).copied().unwrap_or(0);
            let style = if value == 0 { theme.dim } else { Style::new() };
            spans.push(Span::raw("  "));
            spans.push(cell(&format::count(value), *w, true, style));
        }
        line_at(frame, inner, 1 + y as u16, Line::from(spans));
    }
}
