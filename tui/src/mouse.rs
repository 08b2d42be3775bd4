//! The mouse (on unless `--no-mouse`): a click on a tab opens it; a click on a row of the overview or the
//! Requests list selects it, and a click on the selected row (so also a double click) opens it as `Enter`
//! would; the wheel moves as `↓`/`↑` do, three rows a notch. Everything goes through the key handling, so a
//! click does exactly what its key does; popups and the typing line take only the wheel.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::app::{App, Screen};
use crate::cursor::visible_start;
use crate::keys::Context;
use crate::nav::{DashTab, EndpointTab};
use crate::render;
use crate::views::ViewData;

/// Rows one wheel notch moves.
const WHEEL_ROWS: usize = 3;

/// Handles one mouse event.
pub fn handle(app: &mut App, event: MouseEvent) {
    match event.kind {
        MouseEventKind::ScrollDown => press_n(app, KeyCode::Down, WHEEL_ROWS),
        MouseEventKind::ScrollUp => press_n(app, KeyCode::Up, WHEEL_ROWS),
        MouseEventKind::Down(MouseButton::Left) => click(app, event.column, event.row),
        _ => {}
    }
}

fn press_n(app: &mut App, code: KeyCode, n: usize) {
    for _ in 0..n {
        app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
}

fn click(app: &mut App, x: u16, y: u16) {
    let on_screen = matches!(app.context(), Context::Dashboard | Context::Endpoint) && !app.request_open();
    let (width, height) = app.size;
    if !on_screen || crate::layout::too_small(width, height) {
        return;
    }
    let regions = crate::layout::regions(Rect::new(0, 0, width, height));
    if regions.tabs.is_some_and(|t| t.y == y) {
        if let Some(tab) = render::tabs::tab_at(app, width, x) {
            open_tab(app, tab);
        }
        return;
    }
    if let Some((row, len)) = row_at(app, regions.body, y) {
        select_or_open(app, row, len);
    }
}

/// Goes to the tab at index `tab` of the screen's bar: by its digit, or (tabs 10 and on) by Tab presses.
fn open_tab(app: &mut App, tab: usize) {
    let (current, count) = match app.screen {
        Screen::Dashboard => (DashTab::ALL.iter().position(|t| *t == app.dash_tab), DashTab::ALL.len()),
        Screen::Endpoint(_) => (EndpointTab::ALL.iter().position(|t| *t == app.endpoint_tab), EndpointTab::ALL.len()),
    };
    let Some(current) = current else { return };
    if tab == current || tab >= count {
        return;
    }
    match char::from_digit(tab as u32 + 1, 10).filter(|_| tab < 9) {
        Some(digit) => press_n(app, KeyCode::Char(digit), 1),
        None => press_n(app, KeyCode::Tab, (tab + count - current) % count),
    }
}

/// The list row (index into the list) drawn at screen row `y`, on the overview and the Requests tab, and the
/// list's length.
fn row_at(app: &App, body: Rect, y: u16) -> Option<(usize, usize)> {
    // Inside the border, under the heading.
    let first = body.y + 2;
    let height = usize::from(body.height.saturating_sub(3));
    if y < first || usize::from(y - first) >= height {
        return None;
    }
    let line = usize::from(y - first);
    let (start, len) = match app.screen {
        Screen::Dashboard if app.dash_tab == DashTab::Overview => (app.table.visible(height).0, app.table.len()),
        Screen::Endpoint(_) if app.on_tab(EndpointTab::Requests) => {
            let len = match app.request_list().map(|c| &c.data) {
                Some(ViewData::Requests(rows)) => rows.len(),
                _ => 0,
            };
            (visible_start(app.cursor.offset, app.cursor.row, height, len), len)
        }
        _ => return None,
    };
    Some((start + line, len)).filter(|(row, _)| *row < len)
}

/// A click on list row `row` of `len`: selects it, or opens it when it is already selected.
fn select_or_open(app: &mut App, row: usize, len: usize) {
    let selected = match app.screen {
        Screen::Dashboard => app.table.cursor(),
        Screen::Endpoint(_) => app.cursor.row,
    };
    if row == selected {
        return press_n(app, KeyCode::Enter, 1);
    }
    let delta = row as isize - selected as isize;
    match app.screen {
        Screen::Dashboard => app.table.move_by(delta),
        Screen::Endpoint(_) => {
            let page = app.page();
            app.cursor.move_row(delta, len, page);
            app.request_cursor_moved();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{drive, fixture_copy, loaded_app, screen, settle};
    use crossterm::event::KeyModifiers;

    fn at(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
        MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE }
    }

    fn left(column: u16, row: u16) -> MouseEvent {
        at(MouseEventKind::Down(MouseButton::Left), column, row)
    }

    /// The column and row where `text` is drawn.
    fn find(app: &App, text: &str) -> (u16, u16) {
        let shown = screen(app, app.size.0, app.size.1);
        for (y, line) in shown.lines().enumerate() {
            if let Some(byte) = line.find(text) {
                return (line[..byte].chars().count() as u16, y as u16);
            }
        }
        panic!("{text} not on screen:\n{shown}")
    }

    #[test]
    fn clicks_open_tabs_select_and_open_rows_and_the_wheel_scrolls() {
        let (_dir, db) = fixture_copy();
        let mut app = loaded_app(&db, 120, 30);
        // A row of the overview: selected by one click, opened by a second.
        let name = app.table.all_rows().get(2).map(|r| r.name.clone()).expect("three endpoints");
        let (x, y) = find(&app, &format!(" {name} "));
        handle(&mut app, left(x + 1, y));
        assert_eq!(app.table.selected().map(|r| r.name.clone()), Some(name.clone()));
        assert_eq!(app.screen, Screen::Dashboard);
        handle(&mut app, left(x + 1, y));
        settle(&mut app, &db);
        assert!(matches!(app.screen, Screen::Endpoint(_)), "the second click opened it");
        // A tab past the ninth, reached by its name.
        let (x, y) = find(&app, "Exceptions");
        handle(&mut app, left(x + 2, y));
        settle(&mut app, &db);
        assert!(app.on_tab(EndpointTab::Exceptions));
        let (x, y) = find(&app, "Requests");
        handle(&mut app, left(x, y));
        settle(&mut app, &db);
        drive(&mut app, &db, "]]");
        assert!(app.on_tab(EndpointTab::Requests));
        // The wheel moves three rows a notch; a click picks a row, a click on it opens the detail.
        handle(&mut app, at(MouseEventKind::ScrollDown, 10, 10));
        assert_eq!(app.cursor.row, 3);
        handle(&mut app, at(MouseEventKind::ScrollUp, 10, 10));
        assert_eq!(app.cursor.row, 0);
        let body = crate::layout::regions(Rect::new(0, 0, 120, 30)).body;
        handle(&mut app, left(5, body.y + 2 + 4));
        assert_eq!(app.cursor.row, 4);
        assert!(app.requests.selected.is_some());
        handle(&mut app, left(5, body.y + 2 + 4));
        settle(&mut app, &db);
        assert_eq!(app.requests.detail.map(|d| d.0), app.requests.selected, "opened where Enter would");
        // Over the detail, clicks do nothing; Esc closes it.
        handle(&mut app, left(5, body.y + 2));
        assert!(app.request_open());
    }
}
