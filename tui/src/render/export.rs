//! The export popup (`e`): which file `c` (CSV) and `j` (JSON) would write, and how many rows.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use crate::app::App;
use crate::export::{file_name, Format};
use crate::format;

/// Draws the popup centred over `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let popup = super::centered(super::popup_space(area), 76, 6);
    let inner_width = usize::from(popup.width.saturating_sub(2));
    let rows = match crate::export::json(app) {
        Some(serde_json::Value::Array(items)) => format!("{} rows", format::count(items.len() as u64)),
        Some(_) => "1 row".to_string(),
        None => "nothing to export".to_string(),
    };
    let block = Block::bordered().border_style(theme.popup_border).title(Line::styled(
        format::truncate(&format!(" Export the view ({rows}) "), inner_width).into_owned(),
        theme.heading,
    ));
    let line = |key: &'static str, what: &str, format: Format| {
        let name = format!("  {what}  ./{}", file_name(app, format));
        Line::from(vec![
            Span::styled(key, theme.key),
            Span::raw(format::truncate(&name, inner_width.saturating_sub(1)).into_owned()),
        ])
    };
    let lines = vec![
        line("c", "CSV ", Format::Csv),
        line("j", "JSON", Format::Json),
        Line::default(),
        Line::styled(format::truncate("Esc: cancel", inner_width).into_owned(), theme.dim),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
