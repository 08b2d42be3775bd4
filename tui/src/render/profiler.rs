//! An endpoint's Profiler tab: its profiled requests (level 3), newest first (local time, duration, stack
//! lines, status, version, user); Enter opens the selected one's call tree:
//!
//! ```text
//!  ┃100.0%   15.2 ms  ▼ report()                        src/demo.rs:88
//!  ┃ 66.1%   10.0 ms    ▼ load_rows()                   src/demo.rs:95
//!  ┃ 64.0%    9.7 ms        checksum()                  src/demo.rs:61
//!    33.2%    5.0 ms    ▶ render()                      src/demo.rs:97
//! ```
//!
//! `▼`/`▶` expanded / collapsed (Enter, space, `←`/`→`), `┃` and the hot style mark the hottest path (the
//! costliest child at every level), percentages are of the request's duration. Lines without source text read
//! as their function and `file:line`. Esc goes back to the list.

use fmd_core::store::{CallTree, ProfiledRequest};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::users::EMPTY;
use super::{body, cell, line_at, no_data, note};
use crate::app::App;
use crate::code_text;
use crate::cursor::visible_start;
use crate::format;
use crate::profiler;
use crate::views::{ProfilerView, ViewData};

/// Deepest indentation drawn (deeper lines keep this indent, their depth is still in the tree).
const MAX_INDENT: usize = 24;

/// Draws the Profiler tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    if app.profiler.open.is_some() {
        tree(frame, area, app);
    } else {
        list(frame, area, app);
    }
}

fn list(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let view = match cached.map(|c| &c.data) {
        Some(ViewData::Profiler(v)) => Some(v),
        _ => None,
    };
    let len = view.map_or(0, |v| v.rows.len());
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{}", cursor + 1, format::count(len as u64)) };
    let plus = |v: &ProfilerView| if v.total_is_at_least { "+" } else { "" };
    let title = match view {
        Some(v) if v.total as usize > len => format!(
            "Profiler · {}{} profiled requests, newest {} · Enter call tree",
            format::count(v.total),
            plus(v),
            format::count(len as u64)
        ),
        Some(v) => format!("Profiler · {}{} profiled requests · Enter call tree", format::count(v.total), plus(v)),
        None => "Profiler".to_string(),
    };
    let inner = body(frame, area, app, &title, &position, 1);
    let Some(view) = view else { return no_data(frame, inner, app) };
    if view.rows.is_empty() {
        return note(frame, inner, app, &no_profiles(super::endpoint_level(app)));
    }
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let wide = width >= 60;
    let time_width = if wide { 19 } else { 14 };
    let columns: [(&str, usize, bool); 6] = [
        ("time", time_width, false),
        ("duration", 9, true),
        ("lines", 5, true),
        ("code", 4, true),
        ("version", 10, false),
        ("user", 16, false),
    ];
    let mut heading = Vec::new();
    let mut used = 0;
    let mut shown = 0;
    for (i, (name, w, right)) in columns.iter().enumerate() {
        let gap = if i == 0 { 0 } else { 2 };
        if used + gap + w > width && i > 0 {
            break;
        }
        if i > 0 {
            heading.push(Span::raw("  "));
        }
        heading.push(cell(name, *w, *right, theme.heading));
        used += gap + w;
        shown += 1;
    }
    line_at(frame, inner, 0, Line::from(heading));
    let height = usize::from(inner.height).saturating_sub(1);
    let start = visible_start(app.cursor.offset, cursor, height, len);
    for (y, row) in view.rows.iter().enumerate().skip(start).take(height) {
        let texts = request_cells(app, row, wide);
        let mut spans = Vec::new();
        for (i, ((_, w, right), text)) in columns.iter().zip(texts).enumerate().take(shown) {
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            let style = if i == 0 && y == cursor { theme.selected } else { Style::new() };
            spans.push(cell(&text, *w, *right, style));
        }
        line_at(frame, inner, 1 + (y - start) as u16, Line::from(spans));
    }
}

/// The note of the Profiler and Grouped tabs without profiled requests for an endpoint at `level`: what would
/// record them, or at level 3 why none is there yet.
pub fn no_profiles(level: Option<u8>) -> String {
    match level {
        Some(3) => "no profiled requests yet: level 3 samples every request longer than one sampling period".into(),
        _ => "no profiled requests: level 3 records them (m sets the level)".into(),
    }
}

/// The list cells of one request: time, duration, lines, status, version, user.
fn request_cells(app: &App, row: &ProfiledRequest, wide: bool) -> [String; 6] {
    let format = if wide { "%Y-%m-%d %H:%M:%S" } else { "%m-%d %H:%M:%S" };
    let or_empty = |s: &str| if s.is_empty() { EMPTY.to_string() } else { format::sanitize(s).into_owned() };
    [
        row.time_requested
            .map_or_else(|| format::NONE.to_string(), |t| t.with_timezone(&app.timezone).format(format).to_string()),
        format::duration_ms(row.duration),
        format::count(row.stack_lines),
        row.status_code.map_or_else(|| format::NONE.to_string(), |c| c.to_string()),
        or_empty(&row.version_requested),
        or_empty(&row.group_by),
    ]
}

fn tree(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let loaded = matches!(cached.map(|c| &c.data), Some(ViewData::CallTree(_)));
    let tree = app.call_tree();
    let rows = app.tree_rows().unwrap_or_default();
    let cursor = app.cursor.row.min(rows.len().saturating_sub(1));
    let position = if rows.is_empty() { String::new() } else { format!("{}/{}", cursor + 1, rows.len()) };
    let title = match tree {
        Some(t) => tree_title(app, t),
        None => format!("Call tree · request #{}", app.profiler.open.unwrap_or_default()),
    };
    let inner = body(frame, area, app, &title, &position, 1);
    let Some(tree) = tree else {
        if loaded {
            return note(frame, inner, app, "this request is gone (pruned or deleted) · Esc back");
        }
        return no_data(frame, inner, app);
    };
    if tree.lines.is_empty() {
        return note(frame, inner, app, "this request has no stack lines · Esc back");
    }
    let theme = &app.theme;
    let parents: Vec<Option<usize>> = tree.lines.iter().map(|l| l.parent).collect();
    let hot = tree.hottest_path();
    let children = profiler::child_counts(&parents);
    let width = usize::from(inner.width);
    let head_width = |line: &fmd_core::store::CallLine| 19 + 2 * (line.indent as usize).min(MAX_INDENT / 2) + 2;
    // The file column takes what the labels leave (at least 28 columns when the body is 70 wide or more).
    let label_need = tree.lines.iter().map(|l| head_width(l) + format::width(&label_of(l))).max().unwrap_or(0);
    let location_need = tree.lines.iter().map(|l| format::width(&location_of(l))).max().unwrap_or(0);
    let location_width = if width >= 70 && location_need > 0 {
        location_need.min(width.saturating_sub(label_need + 1).max(28))
    } else {
        0
    };
    // The last line reads the selected line in full: its text, where it is and its function.
    let height = usize::from(inner.height).saturating_sub(1);
    let start = visible_start(app.cursor.offset, cursor, height, rows.len());
    if let Some(line) = rows.get(cursor).and_then(|i| tree.lines.get(*i)) {
        let text = format::sanitize(&format!("▸ {}", code_text::detail(&line.code))).into_owned();
        let shown = format::truncate(&text, width).into_owned();
        line_at(frame, inner, height as u16, Line::from(Span::styled(shown, theme.dim)));
    }
    for (y, &index) in rows.iter().enumerate().skip(start).take(height) {
        let Some(line) = tree.lines.get(index) else { continue };
        let marker = match (children.get(index).copied().unwrap_or(0), app.profiler.collapsed.contains(&index)) {
            (0, _) => ' ',
            (_, true) => '▶',
            (_, false) => '▼',
        };
        let is_hot = hot.contains(&index);
        let indent = " ".repeat(2 * (line.indent as usize).min(MAX_INDENT / 2));
        let percent = line.percent.map_or_else(|| format::NONE.to_string(), |p| format!("{p:.1}%"));
        let gutter = if is_hot { '┃' } else { ' ' };
        let ms = format::duration_ms(Some(line.duration));
        let head =
            format!("{gutter}{:>6} {:>9}  {indent}{marker} ", format::truncate(&percent, 6), format::truncate(&ms, 9));
        let label = label_of(line);
        let location = location_of(line);
        let label_width =
            width.saturating_sub(format::width(&head) + if location_width > 0 { location_width + 1 } else { 0 });
        let base = if is_hot { theme.hot } else { Style::new() };
        let mut spans = vec![
            Span::styled(head, if y == cursor { theme.selected } else { base }),
            cell(&label, label_width, false, base),
        ];
        if location_width > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(format::truncate_start(&location, location_width).into_owned(), theme.dim));
        }
        line_at(frame, inner, (y - start) as u16, Line::from(spans));
    }
}

/// A call tree line's label, safe to print.
fn label_of(line: &fmd_core::store::CallLine) -> String {
    format::sanitize(&code_text::label(&line.code)).into_owned()
}

/// A call tree line's file column: its `file:line` when the label is its source text (else the label has it).
fn location_of(line: &fmd_core::store::CallLine) -> String {
    if line.code.code.trim().is_empty() {
        return String::new();
    }
    code_text::location(&line.code).map_or_else(String::new, |l| format::sanitize(&l).into_owned())
}

/// `Call tree · request #12 · 2026-11-27 22:50:03 · 15.2 ms · Esc list`.
fn tree_title(app: &App, tree: &CallTree) -> String {
    let r = &tree.request;
    let when = r.time_requested.map_or_else(|| format::NONE.to_string(), |t| format::local_datetime(t, app.timezone));
    format!("Call tree · request #{} · {when} · {} · Esc list", r.id, format::duration_ms(r.duration))
}
