//! The tabs without keys of their own (the dashboard's Hourly, Daily, Versions, Performance, Status, Graphs,
//! Report and Latency; an endpoint's Summary, Hourly, Versions, Users, IPs, matrices, Status and Latency), and
//! the movement every tab falls back to: rows (on the dashboard's endpoint lists, the shared selection),
//! heatmap cells, columns, and paged lists that load more rows near their end.

use super::{Component, Part, Press};
use crate::app::{App, Screen, MAX_PAGED_ROWS};
use crate::cursor::Cursor;
use crate::keys::Action;
use crate::nav::{DashTab, EndpointTab};

/// The list and chart tabs, and the movement shared by every tab.
pub struct List;

/// The one [`List`].
pub static LIST: List = List;

/// How far a movement key moves: rows, a page, or to an end (`isize::MIN` is the top, `isize::MAX` the bottom).
pub fn movement(app: &App, action: Action) -> Option<isize> {
    Some(match action {
        Action::Down => 1,
        Action::Up => -1,
        Action::PageDown => app.page() as isize,
        Action::PageUp => -(app.page() as isize),
        Action::Top => isize::MIN,
        Action::Bottom => isize::MAX,
        _ => return None,
    })
}

impl Component for List {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        match press.action {
            Action::Left => app.step_col(-1),
            Action::Right => app.step_col(1),
            action => match movement(app, action) {
                Some(delta) => app.step_rows(delta),
                None => return false,
            },
        }
        true
    }

    fn offers(&self, _app: &App, _action: Action) -> Option<bool> {
        None
    }

    fn part(&self, app: &App) -> Part {
        match app.screen {
            Screen::Dashboard => match app.dash_tab {
                DashTab::Overview => Part::Overview,
                DashTab::Hourly => Part::Hourly,
                DashTab::Daily => Part::Daily,
                DashTab::Versions => Part::Versions,
                DashTab::Performance => Part::Performance,
                DashTab::Status => Part::Status,
                DashTab::Graphs => Part::Graphs,
                DashTab::Report => Part::Report,
                DashTab::Latency => Part::Latency,
            },
            Screen::Endpoint(id) => match app.endpoint_tab {
                EndpointTab::Summary => Part::Summary(id),
                EndpointTab::Latency => Part::Latency,
                EndpointTab::Hourly => Part::Hourly,
                EndpointTab::Versions => Part::Versions,
                EndpointTab::Users | EndpointTab::Ips => Part::Users,
                EndpointTab::UserVersion | EndpointTab::IpVersion => Part::Matrix,
                EndpointTab::Status => Part::Status,
                EndpointTab::Requests => Part::Requests,
                EndpointTab::Outliers => Part::Outliers,
                EndpointTab::Exceptions => Part::Exceptions,
                EndpointTab::Profiler => Part::Profiler,
                EndpointTab::Grouped => Part::Grouped,
            },
        }
    }
}

impl App {
    /// Moves the cursor of the tab on screen by `delta` rows (saturating: `isize::MIN` is the top): on the
    /// dashboard's endpoint lists it moves the shared selection; paged lists ask for more rows near their end.
    pub(crate) fn step_rows(&mut self, delta: isize) {
        let before = self.cursor.row;
        if let Some((rows, position)) = self.endpoint_rows() {
            let mut cursor = Cursor { row: position, ..self.cursor };
            cursor.move_row(delta, rows.len(), self.page());
            if let Some(id) = rows.get(cursor.row) {
                self.table.select_id(*id);
            }
            self.cursor = cursor;
        } else {
            let (len, page) = (self.row_count(), self.page());
            self.cursor.move_row(delta, len, page);
            self.more_rows_if_needed();
            self.request_cursor_moved();
        }
        if self.cursor.row != before {
            self.detail_scroll = 0;
        }
    }

    /// Moves the cursor of the tab on screen by `delta` columns.
    pub(crate) fn step_col(&mut self, delta: isize) {
        let len = self.col_count();
        self.cursor.move_col(delta, len);
    }

    /// A paged list scrolled near the end of what was loaded, and more may exist: ask for more rows.
    fn more_rows_if_needed(&mut self) {
        let Some(key) = self.view_key().filter(|k| k.kind.is_paged()) else { return };
        let Some(cached) = self.views.get(&key) else { return };
        let loaded = cached.data.paged_len().unwrap_or(0);
        let maybe_more = loaded >= cached.limit && cached.limit < MAX_PAGED_ROWS;
        if maybe_more && self.cursor.row + self.page() >= loaded && self.wanted_rows(key.kind) > cached.limit {
            self.request_view();
        }
    }
}
