//! The footer line: the keys that work here, generated from the key table (`keys::footer`), or, while a
//! filter is typed, the filter line itself with the terminal cursor at its end.

use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::App;
use crate::format;
use crate::keys::{self, Context};

/// Key hints for `app`'s context that fit in `width` cells (those that do not fit are skipped).
fn hints(app: &App, width: usize) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let mut spans = Vec::new();
    let mut used = 0;
    for (keys, label) in keys::footer(app.context(), |a| app.available(a)) {
        let w = 2 + format::width(&keys) + 1 + format::width(label);
        if used + w > width {
            continue;
        }
        used += w;
        spans.push(Span::raw("  "));
        spans.push(Span::styled(keys, theme.key));
        spans.push(Span::styled(format!(" {label}"), theme.dim));
    }
    if !spans.is_empty() {
        spans.remove(0);
        spans.insert(0, Span::raw(" "));
    }
    spans
}

/// Draws the footer into `area` (one line).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let width = usize::from(area.width);
    if app.context() != Context::Filter {
        frame.render_widget(Paragraph::new(Line::from(hints(app, width))), area);
        return;
    }
    // ` / text▏   Enter keep  Esc clear`: the text keeps its tail visible while it is longer than the line.
    let theme = &app.theme;
    let hint_spans = hints(app, width / 2);
    let hint_width: usize = hint_spans.iter().map(|s| s.width()).sum();
    let room = width.saturating_sub(3 + hint_width + 2).max(1);
    let text = format::sanitize(app.filter()).into_owned();
    let shown = format::truncate_start(&text, room.saturating_sub(1)).into_owned();
    let cursor_x = area.x.saturating_add((3 + format::width(&shown)).min(width.saturating_sub(1)) as u16);
    let mut spans = vec![Span::styled(" / ", theme.key), Span::raw(shown)];
    let pad = width.saturating_sub(3 + format::width(&spans[1].content) + hint_width);
    spans.push(Span::raw(" ".repeat(pad.max(1))));
    spans.extend(hint_spans);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    frame.set_cursor_position(Position { x: cursor_x, y: area.y });
}
