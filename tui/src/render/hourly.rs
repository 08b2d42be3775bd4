//! The Hourly tab (dashboard and endpoint): a heatmap of requests, one row per local day (newest on top) and
//! one column per local hour, with the shade legend and the cell under the cursor read out below.
//!
//! ```text
//!        00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23
//! Fr 27  ▒▒ ░░ ▒▒ ▒▒ ▒▒ ░░ ▒▒ ▒▒ ▒▒ ░░ ▒▒ ▒▒ ▒▒ ▒▒ ▒▒ ▒▒ ▒▒ ▒▒ ▒▒ ▒▒ ▒▒[▓▓]
//! ░ 1  ▒ 2-4  ▓ 5-9  █ 10-16  req/h                Fri 27 Nov 21:00-22:00 · 6 requests
//! ```
//!
//! Widest first, the layout that fits is taken: weekday names of three or two letters, cells two columns wide
//! with a gap (the cursor then drawn as `[▓▓]`) or without (the cursor in reverse video), one column per hour,
//! and below 24 columns a window of hours that follows the cursor. A total per day is added when room is left.

use chrono::NaiveDate;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::heatmap::{self, HeatScale};
use super::{body, days_title, line_at, no_data, note, pad};
use crate::app::{App, Screen};
use crate::cursor::visible_start;
use crate::format;
use crate::views::ViewData;

/// How the grid is laid out in the width available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    /// Two-letter weekdays (or month-day only) in the row labels.
    short: bool,
    /// Width of the row labels.
    label: usize,
    /// Columns per hour cell.
    cell: usize,
    /// Columns between cells (0 or 1; with 1 the cursor is bracketed).
    gap: usize,
    /// First hour shown.
    first: usize,
    /// Hours shown.
    hours: usize,
    /// Width of the per-day total column (0: none).
    total: usize,
}

impl Geometry {
    /// The widest layout of 24 hours that fits in `width`, else a window of hours around `cursor_hour`.
    fn fit(width: usize, labels: (usize, usize), cursor_hour: usize, total: usize) -> Geometry {
        for (short, cell, gap) in
            [(false, 2, 1), (true, 2, 1), (false, 2, 0), (true, 2, 0), (false, 1, 0), (true, 1, 0)]
        {
            let label = if short { labels.1 } else { labels.0 };
            let need = label + 1 + 24 * cell + 24 * gap;
            if need <= width {
                let total = if need + 1 + total <= width { total } else { 0 };
                return Geometry { short, label, cell, gap, first: 0, hours: 24, total };
            }
        }
        let label = labels.1;
        let hours = width.saturating_sub(label + 1).min(24);
        let first = visible_start(0, cursor_hour, hours, 24);
        Geometry { short: true, label, cell: 1, gap: 0, first, hours, total: 0 }
    }

    /// Columns from the start of the row to hour `hour`'s cell.
    fn x(&self, hour: usize) -> usize {
        self.label + 1 + (hour - self.first) * (self.cell + self.gap)
    }

    /// Label every n-th hour so that two-digit labels never touch.
    fn label_every(&self) -> usize {
        [1, 2, 3, 4, 6, 12, 24].into_iter().find(|k| k * (self.cell + self.gap) >= 3).unwrap_or(24)
    }
}

/// Row label of a day: `Fri 27` / `Fr 27` for windows up to a month, `2026-11-27` / `11-27` beyond.
fn day_label(day: Option<NaiveDate>, short: bool, long_range: bool) -> String {
    let Some(day) = day else { return "?".to_string() };
    match (long_range, short) {
        (false, false) => day.format("%a %d").to_string(),
        (false, true) => {
            let weekday = day.format("%a").to_string();
            format!("{} {}", weekday.chars().take(2).collect::<String>(), day.format("%d"))
        }
        (true, false) => day.format("%Y-%m-%d").to_string(),
        (true, true) => day.format("%m-%d").to_string(),
    }
}

/// `Fri 27 Nov 14:00-15:00 · 1 812 requests`.
fn selected_text(day: Option<NaiveDate>, hour: usize, count: u64) -> String {
    let day = day.map_or_else(|| "?".to_string(), |d| d.format("%a %d %b").to_string());
    let noun = if count == 1 { "request" } else { "requests" };
    format!("{day} {hour:02}:00-{:02}:00 · {} {noun}", hour + 1, format::count(count))
}

/// Draws the Hourly tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let what = match app.screen {
        Screen::Dashboard => "Hourly · requests per local hour, all endpoints",
        Screen::Endpoint(_) => "Hourly · requests per local hour",
    };
    let load = match cached.map(|c| &c.data) {
        Some(ViewData::Hourly(load)) => Some(load),
        _ => None,
    };
    let days: Vec<Option<NaiveDate>> =
        load.map(|l| l.days.iter().map(|d| d.parse().ok()).collect()).unwrap_or_default();
    let n = days.len();
    let row = app.cursor.row.min(n.saturating_sub(1));
    let hour = app.cursor.col.min(23);
    let position = if n > 0 { format!("{}/{n}", row + 1) } else { String::new() };
    let inner = body(frame, area, app, &days_title(app, what, cached), &position, 0);
    let Some(load) = load else { return no_data(frame, inner, app) };
    if n == 0 || inner.height == 0 {
        return note(frame, inner, app, "no days in this window");
    }
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let count = |day: usize, hour: usize| load.data.get(hour).and_then(|r| r.get(day)).copied().unwrap_or(0);
    let day_total = |day: usize| load.data.iter().filter_map(|r| r.get(day)).sum::<u64>();
    let max = load.data.iter().flatten().copied().max().unwrap_or(0);
    let scale = HeatScale::new(max);
    let long_range = n > 31;
    let labels = (if long_range { 10 } else { 6 }, 5);
    let total_width = (0..n).map(|d| format::count(day_total(d)).len()).max().unwrap_or(1).max("total".len());
    let g = Geometry::fit(width, labels, hour, total_width);
    // Newest day on top: screen row r shows day n-1-r.
    let day_of = |r: usize| n - 1 - r.min(n - 1);

    // Bottom lines: the legend and the selected cell, side by side when they fit.
    let legend = heatmap::legend_spans(theme, &scale, "req/h");
    let selected = selected_text(days.get(day_of(row)).copied().flatten(), hour, count(day_of(row), hour));
    let side_by_side = heatmap::spans_width(&legend) + 3 + format::width(&selected) <= width;
    let height = usize::from(inner.height);
    let bottom = if height >= 4 && side_by_side {
        1
    } else if height >= 5 {
        2
    } else {
        usize::from(height >= 3)
    };
    let rows = height.saturating_sub(1 + bottom);

    // Heading: hour numbers.
    let mut heading = vec![b' '; g.x(g.first + g.hours.saturating_sub(1)) + g.cell + g.gap];
    let every = g.label_every();
    let mut hour_spans = Vec::new();
    for h in (g.first..g.first + g.hours).filter(|h| h % every == 0) {
        let x = g.x(h);
        if let Some(slot) = heading.get_mut(x..x + 2) {
            slot.copy_from_slice(format!("{h:02}").as_bytes());
        }
    }
    let heading_text = String::from_utf8_lossy(&heading).into_owned();
    // The cursor's hour label in bold when it is labelled.
    let cursor_x = g.x(hour.clamp(g.first, g.first + g.hours.saturating_sub(1)));
    if hour % every == 0 && heading_text.len() >= cursor_x + 2 && hour >= g.first && hour < g.first + g.hours {
        hour_spans.push(Span::styled(heading_text[..cursor_x].to_string(), theme.dim));
        hour_spans.push(Span::styled(heading_text[cursor_x..cursor_x + 2].to_string(), theme.heading));
        hour_spans.push(Span::styled(heading_text[cursor_x + 2..].to_string(), theme.dim));
    } else {
        hour_spans.push(Span::styled(heading_text, theme.dim));
    }
    if g.total > 0 {
        hour_spans.push(Span::styled(format!(" {}", pad("total", g.total, true)), theme.dim));
    }
    line_at(frame, inner, 0, Line::from(hour_spans));

    // Day rows, only the visible ones.
    let start = visible_start(app.cursor.offset, row, rows, n);
    for (y, r) in (start..(start + rows).min(n)).enumerate() {
        let day = day_of(r);
        let on_row = r == row;
        let label_style = if on_row { theme.heading } else { ratatui::style::Style::new() };
        let mut spans = vec![Span::styled(
            pad(&day_label(days.get(day).copied().flatten(), g.short, long_range), g.label, false),
            label_style,
        )];
        if g.gap == 0 {
            spans.push(Span::raw(" "));
        }
        for h in g.first..g.first + g.hours {
            let here = on_row && h == hour;
            if g.gap > 0 {
                let before = if here {
                    "["
                } else if on_row && h == hour + 1 {
                    "]"
                } else {
                    " "
                };
                spans.push(Span::raw(before));
            }
            let mut cell = heatmap::shade(theme, scale.level(count(day, h)), g.cell);
            if here && g.gap == 0 {
                cell.style = cell.style.add_modifier(Modifier::REVERSED);
            }
            spans.push(cell);
        }
        if g.gap > 0 {
            spans.push(Span::raw(if on_row && hour == g.first + g.hours - 1 { "]" } else { " " }));
        }
        if g.total > 0 {
            spans.push(Span::raw(format!(" {}", pad(&format::count(day_total(day)), g.total, true))));
        }
        line_at(frame, inner, 1 + y as u16, Line::from(spans));
    }

    // Legend and the selected cell.
    let selected_span = Span::styled(selected, theme.heading);
    let last = inner.height.saturating_sub(1);
    match bottom {
        1 if side_by_side => {
            let mut spans = legend;
            let gap = width.saturating_sub(heatmap::spans_width(&spans) + selected_span.width());
            spans.push(Span::raw(" ".repeat(gap)));
            spans.push(selected_span);
            line_at(frame, inner, last, Line::from(spans));
        }
        2 => {
            line_at(frame, inner, last - 1, Line::from(selected_span));
            line_at(frame, inner, last, Line::from(legend));
        }
        1 => line_at(frame, inner, last, Line::from(selected_span)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widest_layout_that_fits_is_taken() {
        let g = Geometry::fit(120, (6, 5), 14, 5);
        assert_eq!((g.short, g.cell, g.gap, g.hours, g.total), (false, 2, 1, 24, 5));
        assert_eq!(g.x(0), 7);
        assert_eq!(g.x(23), 7 + 23 * 3);
        let g = Geometry::fit(78, (6, 5), 14, 5);
        assert_eq!((g.short, g.cell, g.gap, g.total), (true, 2, 1, 0), "80 columns: two-letter weekdays");
        assert_eq!(g.label + 73, 78);
        let g = Geometry::fit(38, (6, 5), 14, 5);
        assert_eq!((g.short, g.cell, g.gap, g.hours), (false, 1, 0, 24));
        assert_eq!(g.label_every(), 3);
        let g = Geometry::fit(20, (6, 5), 22, 5);
        assert_eq!((g.first, g.hours), (9, 14), "a window of hours that shows the cursor");
        let g = Geometry::fit(3, (6, 5), 22, 5);
        assert_eq!(g.hours, 0);
    }

    #[test]
    fn labels_and_readout() {
        let d = "2026-11-27".parse().ok();
        assert_eq!(day_label(d, false, false), "Fri 27");
        assert_eq!(day_label(d, true, false), "Fr 27");
        assert_eq!(day_label(d, false, true), "2026-11-27");
        assert_eq!(day_label(d, true, true), "11-27");
        assert_eq!(selected_text(d, 14, 1812), "Fri 27 Nov 14:00-15:00 · 1,812 requests");
        assert_eq!(selected_text(d, 23, 1), "Fri 27 Nov 23:00-24:00 · 1 request");
    }
}
