//! The help popup: every binding of the key table with where it works, then notes on what colours mean;
//! scrollable when the terminal is short.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::pad;
use crate::app::App;
use crate::format;
use crate::layout::{help_area, help_rows, help_widths};

/// Draws the help popup over `area` (the body), from line `scroll`.
pub fn render(frame: &mut Frame, area: Rect, app: &App, scroll: usize) {
    let theme = &app.theme;
    let rows = help_rows();
    let (k, d, _) = help_widths(&rows);
    let (popup, with_places) = help_area(area);
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(rows.len().saturating_sub(visible));
    let inner_width = usize::from(popup.width.saturating_sub(2));
    let lines: Vec<Line> = rows
        .iter()
        .skip(scroll)
        .take(visible)
        .map(|(keys, description, places)| {
            let mut left = inner_width;
            let mut spans = Vec::new();
            let places = if with_places { places.clone() } else { String::new() };
            for (text, style) in [
                (format!(" {} ", pad(keys, k, true)), theme.key),
                (format!(" {}  ", pad(description, d, false)), ratatui::style::Style::new()),
                (places, theme.dim),
            ] {
                let text = format::truncate(&text, left).into_owned();
                left -= format::width(&text);
                spans.push(Span::styled(text, style));
            }
            Line::from(spans)
        })
        .collect();
    super::scrolling_popup(frame, (popup, area), " Keys ", lines, (scroll, visible, rows.len()), theme);
}
