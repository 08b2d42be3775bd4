//! An endpoint's Exceptions tab: its exception groups (type, message, stack), newest first, with how often
//! they occurred, when first and last (relative and local time), whether they were captured with `capture`
//! or uncaught (panics), and one request that had it. Enter shows the selected group's stack, outermost
//! frame first (`J`/`K` or `j`/`k` scroll, `y` copies, Esc closes).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::outliers::draw_sections;
use super::{body, cell, line_at, no_data, note};
use crate::app::App;
use crate::cursor::visible_start;
use crate::format;
use crate::views::{ExceptionEntry, ViewData};

fn instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(fmd_core::timefmt::parse_fmd)
}

/// A column of the groups table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Count,
    Last,
    First,
    Kind,
    Example,
    What,
}

impl Col {
    fn heading(self) -> &'static str {
        match self {
            Col::Count => "count",
            Col::Last => "last seen",
            Col::First => "first seen",
            Col::Kind => "kind",
            Col::Example => "request",
            Col::What => "type: message",
        }
    }

    fn width(self) -> usize {
        match self {
            Col::Count => 6,
            Col::Last => 10,
            Col::First => 16,
            Col::Kind => 8,
            Col::Example => 8,
            Col::What => 24,
        }
    }

    /// Lower survives longer.
    fn priority(self) -> u8 {
        match self {
            Col::What => 0,
            Col::Count => 1,
            Col::Last => 2,
            Col::Kind => 3,
            Col::First => 4,
            Col::Example => 5,
        }
    }
}

fn text(entry: &ExceptionEntry, col: Col, tz: Tz, now: DateTime<Utc>) -> String {
    let g = &entry.group;
    match col {
        Col::Count => format::count(g.count),
        Col::Last => format::relative(instant(g.latest_timestamp.as_deref()), now),
        Col::First => instant(g.first_timestamp.as_deref())
            .map_or_else(|| format::NONE.to_string(), |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()),
        Col::Kind => if g.user_captured { "captured" } else { "uncaught" }.to_string(),
        Col::Example => format!("#{}", g.example_request_id),
        Col::What => format!("{}: {}", g.type_name, g.message.lines().next().unwrap_or_default()),
    }
}

/// Draws the Exceptions tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let cached = app.view();
    let entries = match cached.map(|c| &c.data) {
        Some(ViewData::Exceptions(entries)) => Some(entries),
        _ => None,
    };
    let len = entries.map_or(0, Vec::len);
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{}", cursor + 1, format::count(len as u64)) };
    let title = if app.detail_open {
        "Exceptions · stack · Esc back"
    } else {
        "Exceptions · by type and stack · newest first"
    };
    let inner = body(frame, area, app, title, &position, 1);
    let Some(entries) = entries else { return no_data(frame, inner, app) };
    if entries.is_empty() {
        return note(frame, inner, app, "no exceptions recorded");
    }
    if app.detail_open {
        return draw_sections(frame, inner, app, &app.detail_sections(), app.detail_scroll);
    }
    let (tz, now) = (app.timezone, app.now());
    let width = usize::from(inner.width);
    let order = [Col::Count, Col::Last, Col::First, Col::Kind, Col::Example, Col::What];
    let mut by_priority = order;
    by_priority.sort_by_key(|c| c.priority());
    let mut shown: Vec<Col> = Vec::new();
    let mut used = 0;
    for c in by_priority {
        let w = c.width() + if shown.is_empty() { 0 } else { 2 };
        if used + w <= width || shown.is_empty() {
            used += w;
            shown.push(c);
        }
    }
    shown.sort_by_key(|c| order.iter().position(|o| o == c));
    // The type and message take what is left.
    let what_width = width.saturating_sub(used.saturating_sub(Col::What.width()));
    let col_width = |c: Col| if c == Col::What { what_width } else { c.width() };
    let mut heading = Vec::new();
    for (i, c) in shown.iter().enumerate() {
        if i > 0 {
            heading.push(Span::raw("  "));
        }
        heading.push(cell(c.heading(), col_width(*c), *c == Col::Count, theme.heading));
    }
    line_at(frame, inner, 0, Line::from(heading));
    let height = usize::from(inner.height).saturating_sub(1);
    let start = visible_start(app.cursor.offset, cursor, height, entries.len());
    for (y, entry) in entries.iter().skip(start).take(height).enumerate() {
        let selected = start + y == cursor;
        let mut spans = Vec::new();
        for (i, c) in shown.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            let style = match c {
                Col::What if selected => theme.selected,
                Col::Kind if !entry.group.user_captured => theme.err_high,
                Col::What => Style::new(),
                _ => theme.dim,
            };
            let text = format::sanitize(&text(entry, *c, tz, now)).into_owned();
            spans.push(cell(&text, col_width(*c), *c == Col::Count, style));
        }
        line_at(frame, inner, 1 + y as u16, Line::from(spans));
    }
}
