//! The level picker popup: FMD's four monitoring levels with what each records; the chosen one is
//! highlighted, the one in the database is named below.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use crate::app::{App, Popup};
use crate::format;

/// FMD's monitoring levels: name and what is recorded (each level adds to the one below).
pub const LEVELS: [(&str, &str); 4] = [
    ("disabled", "only the time of the last request"),
    ("performance", "duration, status, version, IP of every request"),
    ("outliers", "level 1 + stack, CPU, memory, headers of slow ones"),
    ("profiler", "level 2 + sampled call stacks of every request"),
];

/// The name of a level (`unset` for NULL or out of range).
pub fn level_name(level: Option<u8>) -> &'static str {
    level.and_then(|l| LEVELS.get(usize::from(l))).map_or("unset", |(name, _)| name)
}

/// Draws the picker centred over `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App, popup: &Popup) {
    let Popup::LevelPicker { name, current, choice, .. } = popup else { return };
    let theme = &app.theme;
    let popup = super::centered(super::popup_space(area), 72, 8);
    let inner_width = usize::from(popup.width.saturating_sub(2));
    let title = format!(" Level of {} ", format::sanitize(name));
    let block = Block::bordered()
        .border_style(theme.popup_border)
        .title(Line::styled(format::truncate(&title, inner_width).into_owned(), theme.heading));
    let mut lines: Vec<Line> = LEVELS
        .iter()
        .enumerate()
        .map(|(level, (label, meaning))| {
            let chosen = level == usize::from(*choice);
            let base = if chosen { theme.selected } else { Style::new() };
            let cursor = if chosen { "▶ " } else { "  " };
            let rest = super::pad(&format!("  {label:<11}  {meaning}"), inner_width.saturating_sub(3), false);
            Line::from(vec![
                Span::styled(cursor, base),
                Span::styled(level.to_string(), base.patch(theme.level(Some(level as u8)))),
                Span::styled(rest, base),
            ])
        })
        .collect();
    lines.push(Line::default());
    let now = match current {
        Some(level) => format!("now {level} ({})", level_name(Some(*level))),
        None => "now unset".to_string(),
    };
    lines.push(Line::styled(format::truncate(&now, inner_width).into_owned(), theme.dim));
    super::clear_popup(frame, popup, area);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
