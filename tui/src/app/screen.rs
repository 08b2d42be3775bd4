//! What the screen is on: the query of the tab on screen and its answer, the endpoint it selects, the bounds
//! of its cursor, the time window, and moving between tabs and screens.

use chrono::{DateTime, Timelike, Utc};

use super::{App, Screen};
use crate::cursor::Cursor;
use crate::keys::Context;
use crate::nav::{self, DashTab, EndpointTab, Window};
use crate::views::{Cached, ViewKey, ViewKind};

impl App {
    /// The query of the tab on screen (`None` on the overview, which has its own).
    pub fn view_key(&self) -> Option<ViewKey> {
        let (kind, endpoint) = match self.screen {
            Screen::Dashboard => (self.dash_tab.view(self.compare)?, None),
            Screen::Endpoint(id) => match (self.endpoint_tab, self.profiler.open) {
                (EndpointTab::Profiler, Some(request)) => (ViewKind::CallTree(request), Some(id)),
                (EndpointTab::Requests, _) => match self.requests.detail {
                    Some((request, _)) => (ViewKind::RequestDetail(request), Some(id)),
                    None => (ViewKind::Requests(self.requests.key()), Some(id)),
                },
                (tab, _) => (tab.view(), Some(id)),
            },
        };
        // The report compares calendar units or versions: the time window does not apply.
        let window = if kind.ignores_window() { Window::default() } else { self.window };
        Some(ViewKey { kind, window, endpoint })
    }

    /// What the tab on screen shows: the answer to its query, or while that loads the same query's answer for
    /// another window (its key says which).
    pub fn view(&self) -> Option<&Cached> {
        self.view_key().and_then(|key| self.views.get_or_similar(&key))
    }

    /// The tab on screen is a heatmap (the cursor is a day and an hour).
    pub fn on_heatmap(&self) -> bool {
        matches!(self.view_key().map(|k| k.kind), Some(ViewKind::DashHourly | ViewKind::Hourly))
    }

    /// The tab on screen draws box plots (`l` switches their scale).
    pub fn on_box_plots(&self) -> bool {
        matches!(
            self.view_key().map(|k| k.kind),
            Some(ViewKind::DashPerformance | ViewKind::Versions | ViewKind::Users | ViewKind::Ips)
        )
    }

    /// The endpoint ids of the rows on screen, and the position of the selected one, on dashboard tabs whose rows
    /// are endpoints (Versions, Performance, Report). A selection the rows do not hold counts as the first row.
    pub fn endpoint_rows(&self) -> Option<(Vec<i64>, usize)> {
        if self.screen != Screen::Dashboard {
            return None;
        }
        let rows = self.view()?.data.endpoint_rows(|name| self.table.matches(name))?;
        let position = self.table.selected_id().and_then(|id| rows.iter().position(|r| *r == id)).unwrap_or(0);
        Some((rows, position))
    }

    /// The endpoint Enter would open and `m` would set the level of.
    pub fn selected_endpoint(&self) -> Option<i64> {
        match self.screen {
            Screen::Endpoint(id) => Some(id),
            Screen::Dashboard => match self.dash_tab {
                // The Latency chart covers every endpoint: Enter opens the overview's selected one.
                DashTab::Overview | DashTab::Latency => self.table.selected().map(|r| r.id),
                DashTab::Status => self.view().and_then(|v| v.data.endpoint_of_row(self.cursor.row)),
                _ => self.endpoint_rows().and_then(|(rows, position)| rows.get(position).copied()),
            },
        }
    }

    /// Rows the cursor of the tab on screen moves over (an open call tree: its visible lines).
    pub(crate) fn row_count(&self) -> usize {
        match self.tree_rows() {
            Some(rows) => rows.len(),
            None => self.view().map_or(0, |v| v.data.row_count()),
        }
    }

    /// Columns `←`/`→` move over on the tab on screen.
    pub(crate) fn col_count(&self) -> usize {
        self.view().map_or(0, |v| v.data.col_count(|name| self.table.matches(name)))
    }

    /// Adds the custom range `from`..`to` (`--from`/`--to`) to the windows `[` and `]` cycle through, after
    /// `all`, and shows it.
    pub fn set_custom_window(&mut self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) {
        let window = Window::Custom { from, to };
        self.custom_window = Some(window);
        self.window = window;
    }

    /// The windows `[` and `]` step through: the presets, then the custom range if one was given.
    pub fn windows(&self) -> Vec<Window> {
        Window::ALL.iter().copied().chain(self.custom_window).collect()
    }

    /// True when the tab on screen follows the time window (`[` `]`); the overview has its own columns (today,
    /// 7 days, all) and the report, outliers, exceptions and profiles are over all time.
    pub fn window_applies(&self) -> bool {
        self.view_key().is_some_and(|k| !k.kind.ignores_window())
    }

    /// What the header says the tab on screen covers: the window when it applies, else the tab's own span.
    pub fn window_label(&self) -> std::borrow::Cow<'static, str> {
        match self.view_key() {
            _ if self.window_applies() => self.window.label(self.timezone),
            None => "today/7d/all".into(),
            Some(k) if matches!(k.kind, ViewKind::DashReport(_)) => self.compare.label(),
            Some(_) => "all time".into(),
        }
    }

    /// Moves to the tab `change` picks; when it is another tab, resets the cursor and shows it.
    pub(crate) fn switch_tab(&mut self, change: impl FnOnce(&mut App) -> bool) {
        if change(self) {
            self.show_tab();
        }
    }

    /// Steps to the next (`step` 1) or previous tab of the screen; true: another tab.
    pub(crate) fn cycle_tab(&mut self, step: isize) -> bool {
        match self.screen {
            Screen::Dashboard => self.dash_tab = nav::cycle(&DashTab::ALL, self.dash_tab, step),
            Screen::Endpoint(_) => self.endpoint_tab = nav::cycle(&EndpointTab::ALL, self.endpoint_tab, step),
        }
        true
    }

    /// Goes to the tab of `digit`; true when that is another tab.
    pub(crate) fn jump_tab(&mut self, digit: u32) -> bool {
        match self.screen {
            Screen::Dashboard => match nav::jump(&DashTab::ALL, digit) {
                Some(tab) if tab != self.dash_tab => self.dash_tab = tab,
                _ => return false,
            },
            Screen::Endpoint(_) => match nav::jump(&EndpointTab::ALL, digit) {
                Some(tab) if tab != self.endpoint_tab => self.endpoint_tab = tab,
                _ => return false,
            },
        }
        true
    }

    /// The endpoint screen is on `tab`.
    pub fn on_tab(&self, tab: EndpointTab) -> bool {
        matches!(self.screen, Screen::Endpoint(_)) && self.endpoint_tab == tab
    }

    /// A tab (or screen) just came up: a fresh cursor, and its data.
    pub(crate) fn show_tab(&mut self) {
        self.requests.detail = None;
        self.detail_open = false;
        self.detail_scroll = 0;
        let hour = self.now().with_timezone(&self.timezone).hour() as usize;
        self.cursor = Cursor { col: if self.on_heatmap() { hour } else { 0 }, ..Cursor::default() };
        self.show_view();
    }

    /// Asks for the data on screen, unless frozen with an answer for exactly this already at hand.
    pub(crate) fn show_view(&mut self) {
        let cached = self.view_key().is_some_and(|key| self.views.get(&key).is_some());
        if !(self.frozen && cached) {
            self.request_view();
        } else {
            self.view_pending = false;
        }
    }

    /// Enter on the dashboard: the selected endpoint's screen, on the tab matching the dashboard's.
    pub(crate) fn open_selected(&mut self) {
        if self.screen != Screen::Dashboard {
            return;
        }
        let Some(id) = self.selected_endpoint() else { return };
        self.table.select_id(id);
        self.profiler.reset();
        self.endpoint_tab = match self.dash_tab {
            DashTab::Hourly => EndpointTab::Hourly,
            DashTab::Versions => EndpointTab::Versions,
            DashTab::Status => EndpointTab::Status,
            DashTab::Latency => EndpointTab::Latency,
            DashTab::Overview | DashTab::Daily | DashTab::Performance | DashTab::Graphs | DashTab::Report => {
                EndpointTab::Summary
            }
        };
        self.screen = Screen::Endpoint(id);
        self.show_tab();
    }

    /// Rows one page holds on the screen in front.
    pub(crate) fn page(&self) -> usize {
        match self.context() {
            Context::Help => crate::layout::help_page(self.size.0, self.size.1),
            Context::MergePicker => crate::layout::picker_rows(self.size.0, self.size.1),
            Context::Dashboard if self.dash_tab == DashTab::Overview => {
                crate::layout::table_rows(self.size.0, self.size.1)
            }
            _ => crate::layout::list_rows(self.size.0, self.size.1),
        }
        .max(1)
    }
}
