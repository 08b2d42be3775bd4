//! An endpoint's User×Version and IP×Version tabs: the median duration of each of the busiest users (or IPs,
//! rows) in each version (columns, newest first; `←`/`→` scroll), cells shaded from fastest to slowest on a log
//! scale; a blank cell is a pair without requests.
//!
//! ```text
//! user   hits  1.1         1.0
//! alice   104  ▒ 4.1 ms    ░ 3.8 ms
//! bob      98  ▓ 4.9 ms
//! ░ fastest ▒ ▓ █ slowest median · blank: no requests
//! ```

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::heatmap::{self, shade_between};
use super::users::EMPTY;
use super::{body, cell, line_at, no_data, note, view_title};
use crate::app::App;
use crate::cursor::visible_start;
use crate::format;
use crate::nav::EndpointTab;
use crate::query::MATRIX_TOP;
use crate::views::ViewData;

/// Widest row label.
const LABEL_MAX: usize = 24;
/// Width of a median (`<0.01 ms`).
const VALUE: usize = 8;

/// Draws the User×Version or IP×Version tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let users = app.endpoint_tab == EndpointTab::UserVersion;
    let matrix = match cached.map(|c| &c.data) {
        Some(ViewData::Matrix(m)) => Some(m),
        _ => None,
    };
    let len = matrix.map_or(0, |m| m.groups.len());
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{len}", cursor + 1) };
    let mut what =
        if users { "User × Version · median duration" } else { "IP × Version · median duration" }.to_string();
    if len >= MATRIX_TOP {
        what.push_str(&format!(" (busiest {})", format::count(MATRIX_TOP as u64)));
    }
    let inner = body(frame, area, app, &view_title(app, &what, cached), &position, 1);
    let Some(matrix) = matrix else { return no_data(frame, inner, app) };
    if len == 0 || matrix.versions.is_empty() {
        return note(frame, inner, app, "no requests in this window");
    }
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let name = |g: &str| format::sanitize(if g.is_empty() { EMPTY } else { g }).into_owned();
    let label = matrix.groups.iter().map(|g| format::width(&name(&g.name))).max().unwrap_or(0);
    let label = label.clamp(4, LABEL_MAX).min(width / 3).max(1);
    let hits_width = matrix.groups.iter().map(|g| format::count(g.hits).len()).max().unwrap_or(1).max(4);
    let glyph = if theme.heat_glyphs { 2 } else { 0 };
    let column = |v: usize| {
        let heading = matrix.versions.get(v).map_or(0, |v| format::width(&format::sanitize(&v.version)));
        heading.max(VALUE + glyph).min(VALUE + glyph + 8)
    };
    // Versions newest first, from the scrolled-to one, as many as fit.
    let newest_first: Vec<usize> = (0..matrix.versions.len()).rev().collect();
    let mut first = app.cursor.col.min(newest_first.len().saturating_sub(1));
    let mut used = label + 2 + hits_width;
    let mut shown = Vec::new();
    for &v in newest_first.iter().skip(first) {
        if used + 2 + column(v) + 2 > width && !shown.is_empty() {
            break;
        }
        used += 2 + column(v);
        shown.push(v);
    }
    // Scrolled further than needed: earlier versions come back while they fit.
    while let Some(&v) = first.checked_sub(1).and_then(|i| newest_first.get(i)) {
        if used + 2 + column(v) + 2 > width {
            break;
        }
        used += 2 + column(v);
        shown.insert(0, v);
        first -= 1;
    }
    let more_right = first + shown.len() < newest_first.len();
    let values: Vec<f64> = matrix.data.iter().flatten().flatten().copied().filter(|v| *v > 0.0).collect();
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(0.0, f64::max);

    let mut heading = vec![cell(if users { "user" } else { "ip" }, label, false, theme.heading), Span::raw("  ")];
    heading.push(cell("hits", hits_width, true, theme.heading));
    for (n, &v) in shown.iter().enumerate() {
        heading.push(Span::styled(if n == 0 && first > 0 { " ‹" } else { "  " }, theme.dim));
        let version = matrix.versions.get(v).map_or("", |v| v.version.as_str());
        heading.push(cell(&format::sanitize(version), column(v), true, theme.heading));
    }
    if more_right {
        heading.push(Span::styled(" ›", theme.dim));
    }
    line_at(frame, inner, 0, Line::from(heading));

    let legend = inner.height >= 4;
    let height = usize::from(inner.height).saturating_sub(1 + usize::from(legend));
    let start = visible_start(app.cursor.offset, cursor, height, len);
    for (y, r) in (start..(start + height).min(len)).enumerate() {
        let Some(group) = matrix.groups.get(r) else { continue };
        let style = if r == cursor { theme.selected } else { Style::new() };
        let mut spans = vec![cell(&name(&group.name), label, false, style), Span::raw("  ")];
        spans.push(cell(&format::count(group.hits), hits_width, true, Style::new()));
        for &v in &shown {
            spans.push(Span::raw("  "));
            match matrix.data.get(r).and_then(|row| row.get(v)).copied().flatten() {
                Some(median) => spans.extend(heatmap::shaded_text(
                    theme,
                    shade_between(median, low, high),
                    &format::duration_ms(Some(median)),
                    column(v),
                )),
                None => spans.push(Span::raw(" ".repeat(column(v)))),
            }
        }
        line_at(frame, inner, 1 + y as u16, Line::from(spans));
    }
    if legend {
        let mut spans = vec![heatmap::shade(theme, 1, if theme.heat_glyphs { 1 } else { 2 }), Span::raw(" fastest ")];
        spans.push(heatmap::shade(theme, 2, if theme.heat_glyphs { 1 } else { 2 }));
        spans.push(Span::raw(" "));
        spans.push(heatmap::shade(theme, 3, if theme.heat_glyphs { 1 } else { 2 }));
        spans.push(Span::raw(" "));
        spans.push(heatmap::shade(theme, 4, if theme.heat_glyphs { 1 } else { 2 }));
        spans.push(Span::raw(" slowest median"));
        if heatmap::spans_width(&spans) + 21 <= width {
            spans.push(Span::styled(" · blank: no requests", theme.dim));
        }
        line_at(frame, inner, inner.height - 1, Line::from(spans));
    }
}
