//! The Versions tabs.
//!
//! Dashboard: how each endpoint's requests split over the versions of the service, newest version first
//! (`←`/`→` scroll when there are more versions than fit), rows filtered and selected as on the overview; over
//! all time a second heading line says since when each version runs.
//!
//! ```text
//! endpoint      hits  1.1              1.0
//! user_detail    314   67.2% ██████▍    32.8% ██▋
//! ```
//!
//! Endpoint: one box plot of durations per version, newest first, with the day the endpoint first ran it.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::boxplot::{self, Columns, PlotRow, Rows};
use super::{bars, body, cell, line_at, no_data, note, view_title, with_filter};
use crate::app::{App, Screen};
use crate::cursor::visible_start;
use crate::format;
use crate::views::{VersionsView, ViewData};

/// Widest endpoint name.
const LABEL_MAX: usize = 28;
/// Width of a share cell: `100.0%` and a bar.
const SHARE: usize = 6;
/// Width of the bar in a share cell: at least, and at most when there is room to spare.
const BAR: (usize, usize) = (8, 24);

/// Draws the Versions tab (dashboard or endpoint) into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    match app.screen {
        Screen::Dashboard => dashboard(frame, area, app),
        Screen::Endpoint(_) => endpoint(frame, area, app),
    }
}

fn dashboard(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let multi = match cached.map(|c| &c.data) {
        Some(ViewData::Versions(VersionsView { multi_version: Some(m), .. })) => Some(m),
        _ => None,
    };
    // (index in the data, name, hits), filtered.
    let rows: Vec<(usize, &str, u64)> = multi
        .map(|m| {
            m.endpoints
                .iter()
                .enumerate()
                .filter(|(_, e)| app.table.matches(&e.name))
                .map(|(i, e)| (i, e.name.as_str(), m.counts.get(i).map_or(0, |c| c.iter().sum())))
                .collect()
        })
        .unwrap_or_default();
    let cursor = app.endpoint_rows().map_or(0, |(_, position)| position);
    let position = if rows.is_empty() { String::new() } else { format!("{}/{}", cursor + 1, rows.len()) };
    let title = with_filter(app, view_title(app, "Versions · share of each endpoint's requests", cached));
    let inner = body(frame, area, app, &title, &position, 1);
    let Some(multi) = multi else { return no_data(frame, inner, app) };
    if rows.is_empty() {
        return note(frame, inner, app, "no requests in this window");
    }
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let label = rows.iter().map(|(_, name, _)| format::width(&format::sanitize(name))).max().unwrap_or(0);
    let label = label.max("endpoint".len()).min(LABEL_MAX).min(width / 3).max(1);
    let hits_width = rows.iter().map(|(_, _, h)| format::count(*h).len()).max().unwrap_or(1).max(4);
    // Version columns newest first, from the scrolled-to one.
    let newest_first: Vec<usize> = (0..multi.versions.len()).rev().collect();
    let avail = width.saturating_sub(label + 2 + hits_width);
    let fit = (avail.saturating_sub(2) / (2 + SHARE + 1 + BAR.0)).max(1);
    // Never scrolled further than needed to show the last versions.
    let first = app.cursor.col.min(newest_first.len().saturating_sub(fit));
    let shown: Vec<usize> = newest_first.iter().skip(first).take(fit).copied().collect();
    // Room to spare (few versions) widens the bars.
    let bar = (avail.saturating_sub(2) / shown.len().max(1)).saturating_sub(2 + SHARE + 1).clamp(BAR.0, BAR.1);
    let column = SHARE + 1 + bar;
    let more_right = first + shown.len() < newest_first.len();

    let mut heading = vec![cell("endpoint", label, false, theme.heading), Span::raw("  ")];
    heading.push(cell("hits", hits_width, true, theme.heading));
    let mut since = vec![Span::raw(" ".repeat(label + 2 + hits_width))];
    for (n, &v) in shown.iter().enumerate() {
        let gap = if n == 0 && first > 0 { " ‹" } else { "  " };
        let version = multi.versions.get(v);
        heading.push(Span::styled(gap, theme.dim));
        heading.push(cell(&format::sanitize(version.map_or("", |v| v.version.as_str())), column, false, theme.heading));
        let date =
            version.and_then(|v| v.date).map(|d| d.with_timezone(&app.timezone).format("since %m-%d").to_string());
        since.push(Span::raw("  "));
        since.push(cell(&date.unwrap_or_default(), column, false, theme.dim));
    }
    if more_right {
        heading.push(Span::styled(" ›", theme.dim));
    }
    line_at(frame, inner, 0, Line::from(heading));
    // In a bounded window the store dates each version by its first request inside the window, which is not
    // when it was deployed: the "since" row is shown for all time only.
    let with_since = inner.height >= 6 && app.window == crate::nav::Window::All;
    if with_since {
        line_at(frame, inner, 1, Line::from(since));
    }
    let top = 1 + u16::from(with_since);

    let height = usize::from(inner.height.saturating_sub(top));
    let start = visible_start(app.cursor.offset, cursor, height, rows.len());
    for (y, r) in (start..(start + height).min(rows.len())).enumerate() {
        let Some(&(i, name, hits)) = rows.get(r) else { continue };
        let style = if r == cursor { theme.selected } else { Style::new() };
        let mut spans = vec![cell(&format::sanitize(name), label, false, style), Span::raw("  ")];
        spans.push(cell(&format::count(hits), hits_width, true, Style::new()));
        for &v in &shown {
            let share = multi.share.get(i).and_then(|s| s.get(v)).copied().unwrap_or(0.0);
            let count = multi.counts.get(i).and_then(|c| c.get(v)).copied().unwrap_or(0);
            spans.push(Span::raw("  "));
            if count == 0 {
                spans.push(cell(format::NONE, SHARE, true, theme.dim));
                spans.push(Span::raw(" ".repeat(1 + bar)));
            } else {
                spans.push(cell(&format::percent(Some(share * 100.0)), SHARE, true, Style::new()));
                spans.push(Span::raw(" "));
                spans.push(cell(&bars::hbar(share, 1.0, bar), bar, false, theme.bar));
            }
        }
        line_at(frame, inner, top + y as u16, Line::from(spans));
    }
}

fn endpoint(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let versions = match cached.map(|c| &c.data) {
        Some(ViewData::Versions(VersionsView { performance: Some(v), .. })) => Some(v),
        _ => None,
    };
    let len = versions.map_or(0, Vec::len);
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{len}", cursor + 1) };
    let inner = body(frame, area, app, &view_title(app, "Versions · durations per version", cached), &position, 1);
    let Some(versions) = versions else { return no_data(frame, inner, app) };
    // Newest first: row i shows the version len-1-i.
    let at = |i: usize| len.checked_sub(i + 1).and_then(|v| versions.get(v));
    let since = |i: usize| {
        at(i)
            .and_then(|v| v.date)
            .map_or_else(String::new, |d| d.with_timezone(&app.timezone).format("%Y-%m-%d").to_string())
    };
    let count = |i: usize| at(i).and_then(|v| v.summary.as_ref()).map_or(0, |s| s.count);
    let columns = Columns {
        label: "version",
        label_width: versions.iter().map(|v| format::width(&format::sanitize(&v.version))).max().unwrap_or(0),
        count: "n",
        max_count: (0..len).map(count).max().unwrap_or(0),
        extra: Some(("since", 10)),
    };
    let rows = Rows {
        len,
        summaries: versions.iter().filter_map(|v| v.summary.as_ref()),
        cursor: Some(cursor),
        offset: app.cursor.offset,
        row: |i| PlotRow {
            label: at(i).map_or_else(String::new, |v| v.version.clone()),
            summary: at(i).and_then(|v| v.summary.as_ref()),
            count: count(i),
            extra: since(i),
        },
    };
    boxplot::render_table(frame, inner, app, columns, rows);
}
