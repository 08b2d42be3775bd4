//! The footer line: the keys that work here, generated from the key table (`keys::footer`), or, while a
//! filter is typed, the filter line itself with the terminal cursor at its end.

use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::App;
use crate::format;
use crate::keys::{self, Context};

/// Footer labels kept before any other when the line is short.
const ESSENTIAL: [&str; 6] = ["quit", "help", "back", "open", "move", "tab"];

/// Key hints for `app`'s context that fit in `width` cells: the essential ones first (quit, help, back, open,
/// move, tab), then the others in key-table order while they fit; shown in key-table order.
fn hints(app: &App, width: usize) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let all = keys::footer(app.context(), |a| app.available(a));
    let cost = |(keys, label): &(String, &str)| 2 + format::width(keys) + 1 + format::width(label);
    let mut keep = vec![false; all.len()];
    let mut used = 0;
    for pass in [true, false] {
        for (i, hint) in all.iter().enumerate() {
            if keep[i] || ESSENTIAL.contains(&hint.1) != pass {
                continue;
            }
            if used + cost(hint) <= width {
                used += cost(hint);
                keep[i] = true;
            }
        }
    }
    let mut spans = Vec::new();
    for ((keys, label), _) in all.into_iter().zip(&keep).filter(|(_, k)| **k) {
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
    let text = format::sanitize(app.typed()).into_owned();
    let shown = format::truncate_start(&text, room.saturating_sub(1)).into_owned();
    let cursor_x = area.x.saturating_add((3 + format::width(&shown)).min(width.saturating_sub(1)) as u16);
    let mut spans = vec![Span::styled(" / ", theme.key), Span::raw(shown)];
    let pad = width.saturating_sub(3 + format::width(&spans[1].content) + hint_width);
    spans.push(Span::raw(" ".repeat(pad.max(1))));
    spans.extend(hint_spans);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    frame.set_cursor_position(Position { x: cursor_x, y: area.y });
}
