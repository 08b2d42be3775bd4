//! An endpoint's Outliers tab: the outliers list on the left (local time, duration, × the endpoint's mean;
//! `s` sorts by time or by duration), the selected one's detail on the right: request, stack (the service's
//! own frames emphasised, library frames dim), CPU per core as small bars, memory, headers (sensitive values
//! as stored: `[redacted]`) and environment. `J`/`K` scroll the detail, `y` copies the section on top.
//! Narrower than [`crate::layout::SPLIT_MIN_WIDTH`], the list is alone and Enter opens the detail full-width.
//!
//! The detail is a list of [`Section`]s (`crate::detail`, also used by the Exceptions tab and the request
//! detail), drawn here by [`draw_sections`].

use fmd_core::store::OutlierRow;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{body, cell, line_at, no_data, note};
use crate::app::App;
use crate::cursor::visible_start;
use crate::detail::outlier::{sorted, OutlierRule};
use crate::detail::{instant, Kind, Section};
use crate::format;
use crate::layout::split;
use crate::views::{OutlierView, ViewData};

/// Width of the list in the split view (time, duration, × avg).
const LIST_WIDTH: u16 = 35;

/// Most screen rows one detail line wraps to (the last ends in `…` when more remains).
const WRAP_LINES: usize = 40;

/// Draws `sections` into `area` from line `scroll` on, each line wrapped to the width (continuations indented
/// by two more columns). The section on top (the one `y` copies) is marked `▸`; when the scroll is inside it,
/// its heading stays on the first row.
pub fn draw_sections(frame: &mut Frame, area: Rect, app: &App, sections: &[Section], scroll: usize) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    if width == 0 || height == 0 {
        return;
    }
    // Every row: (section, line index or None for the heading).
    let rows: Vec<(usize, Option<usize>)> = sections
        .iter()
        .enumerate()
        .flat_map(|(s, section)| std::iter::once((s, None)).chain((0..section.lines.len()).map(move |l| (s, Some(l)))))
        .collect();
    let scroll = scroll.min(rows.len().saturating_sub(1));
    let current = rows.get(scroll).map(|(s, _)| *s);
    let heading = |s: usize| {
        let title = sections.get(s).map_or("", |x| x.title.as_str());
        let marker = if Some(s) == current { "▸ " } else { "  " };
        Span::styled(format::truncate(&format!("{marker}{title}"), width).into_owned(), theme.heading)
    };
    let mut y = 0usize;
    if let Some((s, Some(_))) = rows.get(scroll) {
        line_at(frame, area, 0, Line::from(heading(*s)));
        y = 1;
    }
    for (s, line) in rows.iter().skip(scroll) {
        if y >= height {
            break;
        }
        let Some(l) = line else {
            line_at(frame, area, y as u16, Line::from(heading(*s)));
            y += 1;
            continue;
        };
        let section = sections.get(*s);
        let text = section.and_then(|x| x.lines.get(*l)).map_or("", String::as_str);
        let style = match section.and_then(|x| x.kinds.get(*l)) {
            Some(Kind::Own) => theme.heading,
            Some(Kind::Dim) => theme.dim,
            _ => Style::new(),
        };
        // Continuations hang two columns deeper than the line's own indent (source lines under frames have one).
        let text = format::sanitize(text);
        let own_indent = text.len() - text.trim_start().len();
        let hang = 2 + own_indent + 2;
        let pieces =
            format::wrap_hanging(&text, width.saturating_sub(2), width.saturating_sub(hang).max(1), WRAP_LINES);
        let parts = pieces.into_iter().enumerate().map(|(i, piece)| {
            let indent = if i == 0 { "  ".to_string() } else { " ".repeat(hang) };
            format!("{indent}{piece}")
        });
        for part in parts {
            if y >= height {
                break;
            }
            line_at(frame, area, y as u16, Line::from(Span::styled(part, style)));
            y += 1;
        }
    }
}

/// `× avg` of a duration.
fn times_average(duration: f64, average: Option<f64>) -> String {
    match average.filter(|a| *a > 0.0) {
        Some(a) => format!("{:.1}×", duration / a),
        None => format::NONE.to_string(),
    }
}

/// Draws the outliers list into `area`: heading, then the visible rows with the cursor highlighted.
fn list(frame: &mut Frame, area: Rect, app: &App, view: &OutlierView, rows: &[&OutlierRow], cursor: usize) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let height = usize::from(area.height).saturating_sub(1);
    let (time_w, dur_w, avg_w) = (14usize, 10usize, 6usize);
    let show_avg = width >= time_w + dur_w + avg_w + 4;
    let sorted_mark =
        |by_duration: bool| if app.outliers_by_duration == by_duration { theme.sorted_heading } else { theme.heading };
    let mut heading = vec![
        cell(if app.outliers_by_duration { "time" } else { "time ▼" }, time_w.min(width), false, sorted_mark(false)),
        Span::raw("  "),
        cell(if app.outliers_by_duration { "duration ▼" } else { "duration" }, dur_w, true, sorted_mark(true)),
    ];
    if show_avg {
        heading.extend([Span::raw("  "), cell("× avg", avg_w, true, theme.heading)]);
    }
    line_at(frame, area, 0, Line::from(heading));
    let start = visible_start(app.cursor.offset, cursor, height, rows.len());
    for (y, row) in rows.iter().skip(start).take(height).enumerate() {
        let time = instant(row.request.time_requested.as_deref()).map_or_else(
            || format::NONE.to_string(),
            |t| t.with_timezone(&app.timezone).format("%m-%d %H:%M:%S").to_string(),
        );
        let style = if start + y == cursor { theme.selected } else { Style::new() };
        let mut spans = vec![
            cell(&time, time_w.min(width), false, style),
            Span::raw("  "),
            cell(&format::duration_ms(Some(row.request.duration)), dur_w, true, Style::new()),
        ];
        if show_avg {
            spans.extend([
                Span::raw("  "),
                cell(&times_average(row.request.duration, view.average), avg_w, true, theme.dim),
            ]);
        }
        line_at(frame, area, 1 + y as u16, Line::from(spans));
    }
}

/// Draws the Outliers tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let view = match cached.map(|c| &c.data) {
        Some(ViewData::Outliers(view)) => Some(view),
        _ => None,
    };
    let len = view.map_or(0, |v| v.rows.len());
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{}", cursor + 1, format::count(len as u64)) };
    let sort = if app.outliers_by_duration { "longest first" } else { "newest first" };
    let title = match view {
        Some(v) if v.total > len as u64 => {
            format!("Outliers · {} in all, newest {} · {sort}", format::count(v.total), format::count(len as u64))
        }
        Some(v) => format!("Outliers · {} · {sort}", format::count(v.total)),
        None => "Outliers".to_string(),
    };
    let title = if app.detail_open { format!("{title} · detail, Esc back") } else { title };
    let inner = body(frame, area, app, &title, &position, 1);
    let Some(view) = view else { return no_data(frame, inner, app) };
    if view.rows.is_empty() {
        return note(frame, inner, app, &none_yet(super::endpoint_level(app), app.outlier_rule));
    }
    let rows = sorted(view, app.outliers_by_duration);
    if app.detail_open {
        return draw_sections(frame, inner, app, &app.detail_sections(), app.detail_scroll);
    }
    if !split(app.size.0) || inner.width < LIST_WIDTH + 12 {
        return list(frame, inner, app, view, &rows, cursor);
    }
    let list_area = Rect { width: LIST_WIDTH, ..inner };
    list(frame, list_area, app, view, &rows, cursor);
    let rule = Rect { x: inner.x + LIST_WIDTH, width: 1, ..inner };
    for y in 0..rule.height {
        line_at(frame, rule, y, Line::styled("│", theme_border(app)));
    }
    let detail = Rect { x: inner.x + LIST_WIDTH + 2, width: inner.width.saturating_sub(LIST_WIDTH + 2), ..inner };
    draw_sections(frame, detail, app, &app.detail_sections(), app.detail_scroll);
}

/// The note of an empty Outliers tab for an endpoint at `level`: what would record them, or, at levels 2 and
/// 3, what an outlier is.
pub fn none_yet(level: Option<u8>, rule: OutlierRule) -> String {
    match level {
        Some(2 | 3) => format!(
            "no outliers yet: a request slower than {} x average after {} requests is captured",
            rule.constant,
            format::count(u64::from(rule.min_samples))
        ),
        _ => "no outliers: levels 2 and 3 record them (m sets the level)".to_string(),
    }
}

fn theme_border(app: &App) -> Style {
    app.theme.border
}
