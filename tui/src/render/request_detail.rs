//! The Requests tab's detail popup (`Enter`): every column of the request, then its outlier capture (request
//! line, stack, CPU, memory, headers, environment) and its exceptions with their stacks, when it has any.
//! `j`/`k` scroll, `Esc` closes.

use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear};
use ratatui::Frame;

use super::outliers::draw_sections;
use super::{centered, note, popup_space};
use crate::app::App;
pub use crate::detail::request::sections;

/// Draws the popup over the body `area`.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some((id, scroll)) = app.requests.detail else { return };
    let space = popup_space(area);
    let width = if space.width < 60 { space.width } else { space.width - 4 };
    let popup = centered(space, width, space.height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(app.theme.border)
        .title(format!(" Request #{id} "))
        .title_bottom(" j/k scroll · Esc back ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let inner = Rect { x: inner.x + 1, width: inner.width.saturating_sub(2), ..inner };
    match app.request_detail() {
        Some(detail) => draw_sections(frame, inner, app, &sections(detail, app), scroll),
        None if app.view().is_some_and(|c| matches!(c.data, crate::views::ViewData::RequestDetail(None))) => {
            note(frame, inner, app, "this request is gone (pruned or deleted)")
        }
        None => note(frame, inner, app, "loading…"),
    }
}
