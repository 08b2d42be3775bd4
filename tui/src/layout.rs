//! Layout arithmetic shared by the state and the drawing: the frame's regions, the smallest usable terminal,
//! and how many rows a page of each list, popup or chart holds at a terminal size. The state pages and scrolls
//! with these numbers, and `render/` draws with the same ones, so both agree; nothing here draws.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::format;
use crate::keys;

/// Narrowest terminal with a usable console.
pub const MIN_WIDTH: u16 = 30;
/// Shortest terminal with a usable console.
pub const MIN_HEIGHT: u16 = 8;
/// Shortest terminal with a tab bar.
pub const TABS_MIN_HEIGHT: u16 = 12;
/// Narrowest terminal that shows the Outliers list and its detail side by side.
pub const SPLIT_MIN_WIDTH: u16 = 72;
/// Lines under the Grouped tab's icicle: the selected frame's numbers and the search.
pub const INFO_LINES: usize = 2;
/// Widest housekeeping popup.
pub const PICKER_WIDTH: u16 = 64;

/// The regions of the frame.
#[derive(Debug, Clone, Copy)]
pub struct Regions {
    /// Header line.
    pub header: Rect,
    /// Tab bar line, when tall enough.
    pub tabs: Option<Rect>,
    /// Bordered body.
    pub body: Rect,
    /// Footer line.
    pub footer: Rect,
}

/// Header line, tab bar (when tall enough), bordered body, footer line.
pub fn regions(area: Rect) -> Regions {
    if area.height >= TABS_MIN_HEIGHT {
        let [header, tabs, body, footer] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)])
                .areas(area);
        Regions { header, tabs: Some(tabs), body, footer }
    } else {
        let [header, body, footer] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
        Regions { header, tabs: None, body, footer }
    }
}

/// True when the terminal is too small for anything but the note.
pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// Rows inside the body's border at this terminal size.
fn body_rows(width: u16, height: u16) -> usize {
    if too_small(width, height) {
        return 0;
    }
    usize::from(regions(Rect::new(0, 0, width, height)).body.height.saturating_sub(2))
}

/// Table rows visible in the overview at this terminal size (body minus borders minus the heading).
pub fn table_rows(width: u16, height: u16) -> usize {
    body_rows(width, height).saturating_sub(1)
}

/// Rows of a list or chart tab's page at this terminal size (body minus borders, heading and axis or legend);
/// drawing corrects the scroll when a tab has more fixed lines, so this only needs to be close.
pub fn list_rows(width: u16, height: u16) -> usize {
    body_rows(width, height).saturating_sub(2)
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

/// True when the terminal is wide enough for the Outliers list and detail side by side.
pub fn split(width: u16) -> bool {
    width >= SPLIT_MIN_WIDTH
}

/// Columns and rows of the Grouped tab's icicle at this terminal size (the body inside its border and padding,
/// minus the info lines).
pub fn flame_size(width: u16, height: u16) -> (usize, usize) {
    if too_small(width, height) {
        return (0, 0);
    }
    let body = regions(Rect::new(0, 0, width, height)).body;
    (usize::from(body.width.saturating_sub(4)), usize::from(body.height.saturating_sub(2)).saturating_sub(INFO_LINES))
}

/// The help popup's rows: every binding (keys, description, where), then the notes (in the description column).
pub fn help_rows() -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> =
        keys::help_rows().into_iter().map(|(k, d, w)| (k, d.to_string(), w)).collect();
    rows.push((String::new(), String::new(), String::new()));
    rows.push(("colour".to_string(), crate::theme::error_thresholds(), String::new()));
    rows
}

/// Column widths of the help rows: keys, description, where.
pub fn help_widths(rows: &[(String, String, String)]) -> (usize, usize, usize) {
    rows.iter().fold((0, 0, 0), |(k, d, w), (keys, description, places)| {
        (k.max(format::width(keys)), d.max(format::width(description)), w.max(format::width(places)))
    })
}

/// Where the help popup goes inside the body `area`, and whether the "where" column fits.
pub fn help_area(area: Rect) -> (Rect, bool) {
    let rows = help_rows();
    let (k, d, w) = help_widths(&rows);
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
pub fn help_page(width: u16, height: u16) -> usize {
    let body = regions(Rect::new(0, 0, width, height)).body;
    usize::from(help_area(body).0.height.saturating_sub(2))
}

/// The furthest the help can scroll at this terminal size.
pub fn help_max_scroll(width: u16, height: u16) -> usize {
    help_rows().len().saturating_sub(help_page(width, height))
}

/// The merge picker's popup in the body `area`, for `choices` endpoints.
pub fn picker_area(area: Rect, choices: usize) -> Rect {
    let space = popup_space(area);
    centered(space, PICKER_WIDTH, (choices + 3).min(usize::from(u16::MAX)) as u16)
}

/// Endpoints the merge picker shows at once at this terminal size (for paging).
pub fn picker_rows(width: u16, height: u16) -> usize {
    let body = regions(Rect::new(0, 0, width, height)).body;
    usize::from(picker_area(body, usize::from(u16::MAX)).height.saturating_sub(3)).max(1)
}
