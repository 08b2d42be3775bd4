//! The console's state and its router. [`App`] holds everything the screen shows; keys arrive in
//! [`App::handle_key`], which handles the global keys itself (quit, tabs, time window, freeze, refresh, help,
//! level, export, back to the dashboard) and hands the others to the component in focus
//! ([`crate::components`]: one per tab family and per popup). Worker replies arrive in [`App::apply`]
//! (`app/worker.rs`, with the jobs and the refresh ticks); what the screen is on, its query and its cursor's
//! bounds are in `app/screen.rs`. Nothing here draws or touches the terminal or the database; database work
//! leaves as [`Job`]s that the event loop hands to the worker ([`App::take_jobs`]).
//!
//! Where the user is: [`Screen`] (the dashboard or one endpoint), the tab of each ([`DashTab`],
//! [`EndpointTab`]), the time [`Window`] and a [`Cursor`] for the tab on screen. Tabs other than the overview
//! show a [`ViewCache`] entry: the last answer for their (query, window, endpoint), refreshed live.

mod screen;
mod worker;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::activity::Activity;
use crate::components::{self, popups, Component, Press};
use crate::cursor::Cursor;
use crate::detail::outlier::OutlierRule;
use crate::export;
use crate::keys::{self, Action, Context};
use crate::nav::{Compare, DashTab, EndpointTab, Window};
use crate::pace::Pace;
use crate::profiler::ProfilerState;
use crate::query::Job;
use crate::requests::RequestsTab;
use crate::table::OverviewTable;
use crate::theme::Theme;
use crate::views::ViewCache;

pub use crate::components::popups::Popup;

/// Paged lists (latest requests, latest errors) are asked for in multiples of this many rows.
pub const PAGE_ROWS: usize = 200;
/// Most rows a paged list grows to.
pub(crate) const MAX_PAGED_ROWS: usize = 20_000;

/// The screen under the popups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The dashboard (all endpoints), on [`App::dash_tab`].
    Dashboard,
    /// One endpoint, by id, on [`App::endpoint_tab`].
    Endpoint(i64),
}

/// A line of feedback at the bottom of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The text (may hold database strings; sanitised when drawn).
    pub text: String,
    /// Drawn as an error.
    pub error: bool,
    /// Describes the last query: cleared by the next successful one, not by keys. Other messages last until
    /// the next key, so a failed level write is not wiped by the next refresh.
    pub from_query: bool,
}

impl Message {
    /// Feedback that lasts until the next key.
    pub(crate) fn info(text: String) -> Message {
        Message { text, error: false, from_query: false }
    }

    /// An error; `from_query` when the last query failed (cleared by the next successful one).
    pub(crate) fn error(text: String, from_query: bool) -> Message {
        Message { text, error: true, from_query }
    }
}

/// Everything the screen shows.
#[derive(Debug, Clone)]
pub struct App {
    /// File name of the database, for the header.
    pub db_name: String,
    /// Zone of "today" and of times shown.
    pub timezone: Tz,
    clock: Option<DateTime<Utc>>,
    /// Named styles.
    pub theme: Theme,
    /// Current screen.
    pub screen: Screen,
    /// The dashboard's tab (also where Esc returns to from an endpoint).
    pub dash_tab: DashTab,
    /// The endpoint screen's tab.
    pub endpoint_tab: EndpointTab,
    /// Time window of the charts.
    pub window: Window,
    /// The custom range given on the command line, which joins the presets' cycle after `all`.
    pub custom_window: Option<Window>,
    /// What the Report tab compares (`c` cycles).
    pub compare: Compare,
    /// Box plots on a log scale.
    pub log_scale: bool,
    /// Row, column and scroll of the tab on screen (the overview keeps its own in [`App::table`]).
    pub cursor: Cursor,
    /// Open popup.
    pub popup: Option<Popup>,
    /// The overview rows, sorted, filtered, with the selection (the selected endpoint of every dashboard tab).
    pub table: OverviewTable,
    /// The last answer of every view query.
    pub views: ViewCache,
    /// The filter line has the keyboard.
    pub filter_editing: bool,
    /// The endpoint filter (typed on the footer line; the overview table holds the applied copy).
    pub(crate) filter: String,
    /// Live refresh paused.
    pub frozen: bool,
    /// A first result has arrived.
    pub loaded: bool,
    /// Records recorders dropped.
    pub dropped: Option<u64>,
    /// Records recorders lost to database faults.
    pub failed: u64,
    /// Feedback line.
    pub message: Option<Message>,
    /// Spinner ticks while busy (0 until the work has taken one tick: quick queries never flash).
    pub spinner: usize,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    latest_seq: u64,
    latest_view_seq: u64,
    overview_pending: bool,
    view_pending: bool,
    /// Writes (level, housekeeping previews and changes) sent to the worker and not answered yet.
    pub(crate) writes_pending: usize,
    /// Jobs for the worker, taken by the event loop.
    pub(crate) jobs: Vec<Job>,
    /// The user asked to leave.
    pub quit: bool,
    /// Outliers sorted by duration (longest first) instead of by time (newest first).
    pub outliers_by_duration: bool,
    /// The Outliers tab's detail (narrow terminals) or the Exceptions tab's stack is open full-width.
    pub detail_open: bool,
    /// First line of the detail shown (the section holding it is the one `y` copies).
    pub detail_scroll: usize,
    /// Text waiting to be copied to the clipboard: the event loop writes it as an OSC 52 sequence.
    pub clipboard: Option<String>,
    /// The Profiler and Grouped tabs: open call tree, folds, icicle zoom and search.
    pub profiler: ProfilerState,
    /// Query costs: slow queries are refreshed less often.
    pub pace: Pace,
    /// When recorders capture outliers (for the Outliers tab's note).
    pub outlier_rule: OutlierRule,
    /// The Requests tab: filter, order, the request under the cursor, the detail.
    pub requests: RequestsTab,
    /// Requests arriving: the rate, and how many since the screen froze.
    pub activity: Activity,
    /// Where `e` writes its files (the directory the console started in).
    pub export_dir: std::path::PathBuf,
}

impl App {
    /// A console on `db_name` showing times in `timezone`; `clock` pins "now" (tests, `--now`).
    pub fn new(db_name: String, timezone: Tz, clock: Option<DateTime<Utc>>, colors: bool) -> App {
        App {
            db_name,
            timezone,
            clock,
            theme: Theme::new(colors),
            screen: Screen::Dashboard,
            dash_tab: DashTab::Overview,
            endpoint_tab: EndpointTab::Summary,
            window: Window::default(),
            custom_window: None,
            compare: Compare::default(),
            log_scale: false,
            cursor: Cursor::default(),
            popup: None,
            table: OverviewTable::default(),
            views: ViewCache::default(),
            filter_editing: false,
            filter: String::new(),
            frozen: false,
            loaded: false,
            dropped: None,
            failed: 0,
            message: None,
            spinner: 0,
            size: (0, 0),
            latest_seq: 0,
            latest_view_seq: 0,
            overview_pending: false,
            view_pending: false,
            writes_pending: 0,
            jobs: Vec::new(),
            quit: false,
            outliers_by_duration: false,
            detail_open: false,
            detail_scroll: 0,
            clipboard: None,
            profiler: ProfilerState::default(),
            pace: Pace::default(),
            outlier_rule: OutlierRule::default(),
            requests: RequestsTab::default(),
            activity: Activity::default(),
            export_dir: std::path::PathBuf::from("."),
        }
    }

    /// "Now": the pinned clock or the real one.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// The filter text.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The text being typed on the footer line: the profiler search, or the filter.
    pub fn typed(&self) -> &str {
        if self.profiler.searching {
            &self.profiler.search
        } else if let Some(prompt) = &self.requests.prompt {
            prompt
        } else {
            self.filter()
        }
    }

    /// Work is running or queued: the header shows the spinner.
    pub fn busy(&self) -> bool {
        self.overview_pending || self.view_pending || self.writes_pending > 0
    }

    /// Which part of the key table applies now.
    pub fn context(&self) -> Context {
        let typing = self.filter_editing || self.profiler.searching || self.requests.prompt.is_some();
        match (&self.popup, typing, self.screen) {
            // The info popup scrolls and closes like help.
            (Some(Popup::Help { .. } | Popup::Info { .. }), _, _) => Context::Help,
            (Some(Popup::LevelPicker { .. }), _, _) => Context::LevelPicker,
            (Some(Popup::MergePicker { .. }), _, _) => Context::MergePicker,
            (Some(Popup::PrunePicker { .. }), _, _) => Context::PrunePicker,
            (Some(Popup::Confirm { .. }), _, _) => Context::Confirm,
            (Some(Popup::Export), _, _) => Context::Export,
            (None, true, _) => Context::Filter,
            (None, false, Screen::Endpoint(_)) => Context::Endpoint,
            (None, false, Screen::Dashboard) => Context::Dashboard,
        }
    }

    /// Whether an action would do something now (the footer leaves out those that would not): the open popup's
    /// answer, else the tab's, else the dashboard filter's, else the router's own.
    pub fn available(&self, action: Action) -> bool {
        let answer = components::popup(self)
            .and_then(|popup| popup.offers(self, action))
            .or_else(|| components::tab(self).offers(self, action))
            .or_else(|| components::dashboard::FILTER.offers(self, action));
        answer.unwrap_or_else(|| self.offers(action))
    }

    /// [`App::available`] for the global keys and the movement every tab shares; the components' own actions
    /// do nothing where no component offers them.
    fn offers(&self, action: Action) -> bool {
        let dashboard = self.screen == Screen::Dashboard;
        let overview = dashboard && self.dash_tab == DashTab::Overview;
        match action {
            Action::WindowShorter | Action::WindowLonger => self.window_applies(),
            Action::Compare => dashboard && self.dash_tab == DashTab::Report,
            Action::Export => export::exportable(self),
            Action::Open => dashboard && self.selected_endpoint().is_some(),
            Action::Level => self.selected_endpoint().is_some_and(|id| self.table.row(id).is_some()),
            Action::Left | Action::Right => {
                self.popup.is_none() && (self.col_count() > 0 || self.tree_line().is_some() || self.on_flame())
            }
            Action::LogScale => self.on_box_plots(),
            Action::Down | Action::Up | Action::Top | Action::Bottom | Action::PageDown | Action::PageUp => {
                self.popup.is_some() || overview || self.row_count() > 0 || self.request_open()
            }
            Action::DeleteEndpoint
            | Action::MergeEndpoint
            | Action::Prune
            | Action::Confirm
            | Action::SortNext
            | Action::SortPrev
            | Action::SortInvert
            | Action::Toggle
            | Action::Flame
            | Action::Search
            | Action::NextMatch
            | Action::Detail
            | Action::DetailDown
            | Action::DetailUp
            | Action::Copy
            | Action::Filter
            | Action::FilterClear => false,
            _ => true,
        }
    }

    /// A key was pressed.
    pub fn handle_key(&mut self, event: KeyEvent) {
        if !keys::is_press(&event) {
            return;
        }
        let context = self.context();
        let Some(binding) = keys::lookup(context, &event) else {
            // A terminal sends Esc and a key typed right after it as one Alt+key sequence (and so does a
            // busy console reading both at once): with no Alt binding, it is Esc, then the key.
            if event.modifiers == KeyModifiers::ALT && event.code != KeyCode::Esc {
                self.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
                if !self.quit {
                    self.handle_key(KeyEvent::new(event.code, KeyModifiers::NONE));
                }
            }
            return;
        };
        if !matches!(binding.action, Action::FilterType | Action::FilterDelete) {
            self.message = self.message.take().filter(|m| m.from_query);
        }
        self.perform(binding.action, context, event.code);
    }

    /// Routes one key: the text line or the popup that has the keyboard, else the tab's component, the
    /// dashboard's shared keys and the shared movement; what none of them takes is a global key.
    fn perform(&mut self, action: Action, context: Context, code: KeyCode) {
        let press = Press { action, code };
        let consumed = match context {
            Context::Filter => components::typing(self).handle(self, press),
            Context::Dashboard | Context::Endpoint => {
                components::tab(self).handle(self, press)
                    || components::dashboard::FILTER.handle(self, press)
                    || components::lists::LIST.handle(self, press)
            }
            _ => components::popup(self).is_some_and(|popup| popup.handle(self, press)),
        };
        if !consumed {
            self.global(action, code);
        }
    }

    /// The keys that work the same everywhere: screens, tabs, window, refresh, help, quit.
    fn global(&mut self, action: Action, code: KeyCode) {
        match action {
            Action::Export => popups::open_export(self),
            Action::Open => self.open_selected(),
            Action::Back => {
                self.screen = Screen::Dashboard;
                self.profiler.reset();
                self.show_tab();
            }
            Action::NextTab => self.switch_tab(|app| app.cycle_tab(1)),
            Action::PrevTab => self.switch_tab(|app| app.cycle_tab(-1)),
            Action::JumpTab => {
                if let KeyCode::Char(c) = code {
                    let digit = c.to_digit(10).unwrap_or(0);
                    self.switch_tab(|app| app.jump_tab(digit));
                }
            }
            Action::WindowShorter | Action::WindowLonger if !self.available(action) => {}
            Action::WindowShorter | Action::WindowLonger => {
                let step = if action == Action::WindowLonger { 1 } else { -1 };
                let window = self.window.step_in(&self.windows(), step);
                if window != self.window {
                    self.window = window;
                    // The heatmap keeps its hour and the graphs their selected graph; lists start over.
                    let graphs = self.view_key().is_some_and(|k| k.kind == crate::views::ViewKind::DashGraphs);
                    self.cursor = Cursor {
                        col: if self.on_heatmap() { self.cursor.col } else { 0 },
                        row: if graphs { self.cursor.row } else { 0 },
                        offset: if graphs { self.cursor.offset } else { 0 },
                    };
                    self.show_view();
                }
            }
            Action::LogScale if self.on_box_plots() => self.log_scale = !self.log_scale,
            Action::Level => popups::open_level_picker(self),
            Action::Freeze => {
                self.frozen = !self.frozen;
                self.activity.set_frozen(self.frozen);
                if !self.frozen {
                    self.request_overview();
                    self.request_view();
                }
            }
            Action::Refresh => {
                self.request_overview();
                self.request_view();
            }
            Action::Help => {
                self.popup = match self.popup {
                    Some(Popup::Help { .. }) => None,
                    _ => Some(Popup::Help { scroll: 0 }),
                }
            }
            Action::Info => popups::toggle_info(self),
            Action::Close => self.popup = None,
            Action::Quit => self.quit = true,
            Action::Compare if self.available(Action::Compare) => {
                self.compare = self.compare.next();
                self.cursor = Cursor::default();
                self.show_view();
            }
            // A component's key where no component took it does nothing.
            _ => {}
        }
    }

    /// Takes the text waiting for the clipboard.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }
}
