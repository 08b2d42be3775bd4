//! The help popup: every binding of the key table with where it works, then notes on what colours mean;
//! scrollable when the terminal is short.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::{centered, pad, popup_space, regions};
use crate::app::App;
use crate::format;
use crate::keys;

/// The popup's rows: every binding (keys, description, where), then the notes (in the description column).
fn help_rows() -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> =
        keys::help_rows().into_iter().map(|(k, d, w)| (k, d.to_string(), w)).collect();
    rows.push((String::new(), String::new(), String::new()));
    rows.push(("colour".to_string(), crate::theme::error_thresholds(), String::new()));
    rows
}

/// Column widths of the help rows: keys, description, where.
fn widths(rows: &[(String, String, String)]) -> (usize, usize, usize) {
    rows.iter().fold((0, 0, 0), |(k, d, w), (keys, description, places)| {
        (k.max(format::width(keys)), d.max(format::width(description)), w.max(format::width(places)))
    })
}

/// Where the popup goes inside the body `area`, and whether the "where" column fits.
fn popup_area(area: Rect) -> (Rect, bool) {
    let rows = help_rows();
    let (k, d, w) = widths(&rows);
    let space = popup_space(area);
    let narrow = 1 + k + 2 + d + 2 + 2;
    let full = narrow + w;
    let with_places = full <= usize::from(space.width);
    let width = if with_places { full } else { narrow };
    let popup =
        centered(space, width.min(usize::from(u16::MAX)) as u16, (rows.len() + 2).min(usize::from(u16::MAX)) as u16);
    (popup, with_places)
}

/// Help rows visible at this terminal size.
pub fn page(width: u16, height: u16) -> usize {
    let body = regions(Rect::new(0, 0, width, height)).body;
    usize::from(popup_area(body).0.height.saturating_sub(2))
}

/// The furthest the help can scroll at this terminal size.
pub fn max_scroll(width: u16, height: u16) -> usize {
    help_rows().len().saturating_sub(page(width, height))
}

/// Draws the help popup over `area` (the body), from line `scroll`.
pub fn render(frame: &mut Frame, area: Rect, app: &App, scroll: usize) {
    let theme = &app.theme;
    let rows = help_rows();
    let (k, d, _) = widths(&rows);
    let (popup, with_places) = popup_area(area);
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
    let mut block = Block::bordered().border_style(theme.popup_border).title(Line::styled(" Keys ", theme.heading));
    if visible < rows.len() {
        let last = (scroll + visible).min(rows.len());
        block = block.title_bottom(
            Line::styled(format!(" {}-{last} of {} ", scroll + 1, rows.len()), theme.dim).right_aligned(),
        );
    }
    super::clear_popup(frame, popup, area);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
