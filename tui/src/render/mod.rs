//! Drawing. One file per region of the screen, each with a `render(frame, area, app)`:
//!
//! ```text
//!  fmd  demo.db  ·  Overview › search   22:56:55 UTC  ● live  dropped 0  ⟳ ⠙  ? help    <- header.rs
//! ┌ 6 endpoints ───────────────────────────────────────────────────────────────────┐
//! │ endpoint    lvl today 7 days total▼  err% p50 today  p50 7d p50 all last seen │   <- overview.rs
//! │ user_detail  3     38    314    443  5.9%    3.8 ms  4.0 ms  4.0 ms 1 h ago   │      (endpoint.rs on
//! │ …  (only the visible rows are built)                                           │       an endpoint)
//! └ message (level set, query error) ────────────────────────────────────── 1/6 ──┘
//!  j/k move  Enter open  / filter  s/S sort  m level  f freeze  ? help  q quit          <- footer.rs
//!                                     (or the filter line while typing one)
//!
//!  popups last, centred inside the body's border:  help.rs, level_picker.rs
//!  below MIN_WIDTH x MIN_HEIGHT the whole frame is one note:  too_small.rs
//! ```
//!
//! Drawing only reads the [`App`]; layout arithmetic the state needs (rows per page) lives here too, so
//! both sides agree on it.

pub mod endpoint;
pub mod footer;
pub mod header;
pub mod help;
pub mod level_picker;
pub mod overview;
pub mod too_small;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::Frame;

use crate::app::{App, Popup, Screen};

/// Narrowest terminal with a usable console.
pub const MIN_WIDTH: u16 = 30;
/// Shortest terminal with a usable console.
pub const MIN_HEIGHT: u16 = 8;

/// Header line, bordered body, footer line.
fn regions(area: Rect) -> [Rect; 3] {
    Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area)
}

/// True when the terminal is too small for anything but the note.
pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// Table rows visible in the overview at this terminal size (body minus borders minus the heading).
pub fn table_rows(width: u16, height: u16) -> usize {
    if too_small(width, height) {
        return 0;
    }
    usize::from(height.saturating_sub(2 + 2 + 1))
}

/// Draws the whole screen for `app`.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if too_small(area.width, area.height) {
        too_small::render(frame, area, app);
        return;
    }
    let [header, body, footer] = regions(area);
    header::render(frame, header, app);
    match app.screen {
        Screen::Overview => overview::render(frame, body, app),
        Screen::Endpoint(id) => endpoint::render(frame, body, app, id),
    }
    footer::render(frame, footer, app);
    match &app.popup {
        Some(Popup::Help { scroll }) => help::render(frame, body, app, *scroll),
        Some(picker @ Popup::LevelPicker { .. }) => level_picker::render(frame, body, app, picker),
        None => {}
    }
}

/// A `width` x `height` rectangle centred in `area` (shrunk to fit).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

/// Where popups may go inside the body `area`: inside its borders, so the frame stays readable.
pub fn popup_space(area: Rect) -> Rect {
    area.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 })
}

/// `text` padded with spaces (or cut with `…`) to exactly `width` cells, aligned right or left.
pub fn pad(text: &str, width: usize, right: bool) -> String {
    let text = crate::format::truncate(text, width);
    let fill = " ".repeat(width.saturating_sub(crate::format::width(&text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}
