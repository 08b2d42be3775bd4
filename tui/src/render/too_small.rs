//! The note shown instead of the console when the terminal is smaller than `MIN_WIDTH` x `MIN_HEIGHT`.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{MIN_HEIGHT, MIN_WIDTH};
use crate::app::App;

/// Draws the note over the whole `area`.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let lines = vec![
        Line::styled("terminal too small", app.theme.heading),
        Line::from(format!("{}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}", area.width, area.height)),
        Line::styled("q quits", app.theme.dim),
    ];
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    let text = Rect { y: area.y + top, height: area.height - top, ..area };
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center).wrap(Wrap { trim: true }), text);
}
