//! The console's state and how events change it: keys ([`App::handle_key`]), worker replies
//! ([`App::apply`]) and timer ticks. Nothing here draws or touches the terminal or the database; database
//! work leaves as [`Job`]s that the event loop hands to the worker ([`App::take_jobs`]).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent};

use crate::keys::{self, Action, Context};
use crate::query::{Job, Reply};
use crate::render;
use crate::table::OverviewTable;
use crate::theme::Theme;

/// Longest filter accepted (characters).
const MAX_FILTER: usize = 200;

/// The screen under the popups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The endpoint table.
    Overview,
    /// One endpoint, by id.
    Endpoint(i64),
}

/// A popup that has the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    /// Key help, scrolled by `scroll` lines.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// The level picker for one endpoint.
    LevelPicker {
        /// Endpoint id.
        id: i64,
        /// Endpoint name (as the database spells it: the write goes by name).
        name: String,
        /// Level now in the database.
        current: Option<u8>,
        /// Level under the cursor.
        choice: u8,
    },
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
    fn info(text: String) -> Message {
        Message { text, error: false, from_query: false }
    }

    fn error(text: String, from_query: bool) -> Message {
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
    /// Open popup.
    pub popup: Option<Popup>,
    /// The overview rows, sorted, filtered, with the selection.
    pub table: OverviewTable,
    /// The filter line has the keyboard.
    pub filter_editing: bool,
    filter: String,
    /// Live refresh paused.
    pub frozen: bool,
    /// A first result has arrived.
    pub loaded: bool,
    /// Records recorders dropped.
    pub dropped: u64,
    /// Records recorders lost to database faults.
    pub failed: u64,
    /// Feedback line.
    pub message: Option<Message>,
    /// Spinner ticks while busy (0 until the work has taken one tick: quick queries never flash).
    pub spinner: usize,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    latest_seq: u64,
    overview_pending: bool,
    writes_pending: usize,
    jobs: Vec<Job>,
    /// The user asked to leave.
    pub quit: bool,
}

impl App {
    /// A console on `db_name` showing times in `timezone`; `clock` pins "now" (tests, `--now`).
    pub fn new(db_name: String, timezone: Tz, clock: Option<DateTime<Utc>>, colors: bool) -> App {
        App {
            db_name,
            timezone,
            clock,
            theme: Theme::new(colors),
            screen: Screen::Overview,
            popup: None,
            table: OverviewTable::default(),
            filter_editing: false,
            filter: String::new(),
            frozen: false,
            loaded: false,
            dropped: 0,
            failed: 0,
            message: None,
            spinner: 0,
            size: (0, 0),
            latest_seq: 0,
            overview_pending: false,
            writes_pending: 0,
            jobs: Vec::new(),
            quit: false,
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

    /// Work is running or queued: the header shows the spinner.
    pub fn busy(&self) -> bool {
        self.overview_pending || self.writes_pending > 0
    }

    /// Which part of the key table applies now.
    pub fn context(&self) -> Context {
        match (&self.popup, self.filter_editing, self.screen) {
            (Some(Popup::Help { .. }), _, _) => Context::Help,
            (Some(Popup::LevelPicker { .. }), _, _) => Context::LevelPicker,
            (None, true, _) => Context::Filter,
            (None, false, Screen::Endpoint(_)) => Context::Endpoint,
            (None, false, Screen::Overview) => Context::Overview,
        }
    }

    /// Whether an action would do something now (the footer leaves out those that would not).
    pub fn available(&self, action: Action) -> bool {
        match action {
            Action::FilterClear => self.filter_editing || !self.filter.is_empty(),
            Action::Open | Action::Level => match self.screen {
                Screen::Overview => self.table.selected().is_some(),
                Screen::Endpoint(id) => self.table.row(id).is_some(),
            },
            _ => true,
        }
    }

    /// The jobs produced since the last call, for the worker.
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.jobs)
    }

    /// Asks for a new overview (the worker keeps only the latest request).
    pub fn request_overview(&mut self) {
        self.latest_seq += 1;
        self.jobs.push(Job::Overview { seq: self.latest_seq, now: self.now() });
        self.overview_pending = true;
    }

    /// The live refresh period has passed.
    pub fn on_refresh_tick(&mut self) {
        if !self.frozen {
            self.request_overview();
        }
    }

    /// The spinner period has passed.
    pub fn on_spinner_tick(&mut self) {
        if self.busy() {
            self.spinner = self.spinner.wrapping_add(1);
        }
    }

    /// The terminal has a new size.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.table.set_page(render::table_rows(width, height));
    }

    /// A worker reply arrived.
    pub fn apply(&mut self, reply: Reply) {
        match reply {
            Reply::Overview { seq, now, result } => {
                if seq == self.latest_seq {
                    self.overview_pending = false;
                }
                match result {
                    Ok(overview) => {
                        self.table.set_rows(overview.rows, now);
                        self.dropped = overview.dropped;
                        self.failed = overview.failed;
                        self.loaded = true;
                        if self.message.as_ref().is_some_and(|m| m.from_query) {
                            self.message = None;
                        }
                    }
                    Err(error) => self.message = Some(Message::error(error, true)),
                }
            }
            Reply::LevelSet { name, level, result } => {
                self.writes_pending = self.writes_pending.saturating_sub(1);
                match result {
                    Ok(()) => {
                        self.message = Some(Message::info(format!("level of {name} set to {level}")));
                        self.request_overview();
                    }
                    Err(error) => self.message = Some(Message::error(error, false)),
                }
            }
        }
        if !self.busy() {
            self.spinner = 0;
        }
    }

    /// A key was pressed.
    pub fn handle_key(&mut self, event: KeyEvent) {
        if !keys::is_press(&event) {
            return;
        }
        let context = self.context();
        let Some(binding) = keys::lookup(context, &event) else {
            return;
        };
        if !matches!(binding.action, Action::FilterType | Action::FilterDelete) {
            self.message = self.message.take().filter(|m| m.from_query);
        }
        self.perform(binding.action, context, event.code);
    }

    fn perform(&mut self, action: Action, context: Context, code: KeyCode) {
        match action {
            Action::Down => self.step(context, 1),
            Action::Up => self.step(context, -1),
            Action::PageDown => self.step(context, self.page() as isize),
            Action::PageUp => self.step(context, -(self.page() as isize)),
            Action::Top => self.step(context, isize::MIN),
            Action::Bottom => self.step(context, isize::MAX),
            Action::SortNext => self.table.cycle_sort(1),
            Action::SortPrev => self.table.cycle_sort(-1),
            Action::SortInvert => self.table.invert_sort(),
            Action::Filter => self.filter_editing = true,
            Action::FilterType => {
                if let KeyCode::Char(c) = code {
                    if self.filter.chars().count() < MAX_FILTER {
                        self.filter.push(c);
                        self.table.set_filter(&self.filter);
                    }
                }
            }
            Action::FilterDelete => {
                self.filter.pop();
                self.table.set_filter(&self.filter);
            }
            Action::FilterKeep => self.filter_editing = false,
            Action::FilterClear => {
                self.filter.clear();
                self.filter_editing = false;
                self.table.set_filter("");
            }
            Action::Open => {
                if let Some(row) = self.table.selected() {
                    self.screen = Screen::Endpoint(row.id);
                }
            }
            Action::Back => self.screen = Screen::Overview,
            Action::Level => self.open_level_picker(),
            Action::PickDigit => {
                if let (KeyCode::Char(c), Some(Popup::LevelPicker { choice, .. })) = (code, &mut self.popup) {
                    if let Some(digit) = c.to_digit(10).filter(|d| *d <= 3) {
                        *choice = digit as u8;
                    }
                }
            }
            Action::PickApply => {
                if let Some(Popup::LevelPicker { name, choice, .. }) = self.popup.take() {
                    self.message = Some(Message::info(format!("setting level of {name} to {choice}…")));
                    self.jobs.push(Job::SetLevel { name, level: choice });
                    self.writes_pending += 1;
                }
            }
            Action::Freeze => {
                self.frozen = !self.frozen;
                if !self.frozen {
                    self.request_overview();
                }
            }
            Action::Refresh => self.request_overview(),
            Action::Help => {
                self.popup = match self.popup {
                    Some(Popup::Help { .. }) => None,
                    _ => Some(Popup::Help { scroll: 0 }),
                }
            }
            Action::Close => self.popup = None,
            Action::Quit => self.quit = true,
        }
    }

    fn page(&self) -> usize {
        match self.context() {
            Context::Help => render::help::page(self.size.0, self.size.1),
            _ => render::table_rows(self.size.0, self.size.1),
        }
        .max(1)
    }

    /// Moves whatever has the cursor in `context` by `delta` (saturating: `isize::MIN` is the top).
    fn step(&mut self, context: Context, delta: isize) {
        match context {
            Context::Overview => match delta {
                isize::MIN => self.table.top(),
                isize::MAX => self.table.bottom(),
                d => self.table.move_by(d),
            },
            Context::LevelPicker => {
                if let Some(Popup::LevelPicker { choice, .. }) = &mut self.popup {
                    *choice = (*choice as isize).saturating_add(delta).clamp(0, 3) as u8;
                }
            }
            Context::Help => {
                let max = render::help::max_scroll(self.size.0, self.size.1);
                if let Some(Popup::Help { scroll }) = &mut self.popup {
                    *scroll = scroll.saturating_add_signed(delta).min(max);
                }
            }
            Context::Endpoint | Context::Filter => {}
        }
    }

    fn open_level_picker(&mut self) {
        let row = match self.screen {
            Screen::Overview => self.table.selected(),
            Screen::Endpoint(id) => self.table.row(id),
        };
        if let Some(row) = row {
            self.popup = Some(Popup::LevelPicker {
                id: row.id,
                name: row.name.clone(),
                current: row.monitor_level,
                choice: row.monitor_level.unwrap_or(1),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Overview;
    use crossterm::event::KeyModifiers;
    use fmd_core::store::OverviewRow;

    fn row(id: i64, name: &str, total: u64) -> OverviewRow {
        OverviewRow {
            id,
            name: name.to_string(),
            monitor_level: Some(3),
            hits_today: 0,
            hits_today_errors: 0,
            hits_week: 0,
            hits_week_errors: 0,
            hits_overall: total,
            hits_overall_errors: 0,
            median_today: None,
            median_week: None,
            median_overall: Some(1.0),
            last_requested: None,
        }
    }

    fn app() -> App {
        let mut app = App::new("demo.db".into(), chrono_tz::UTC, Some(Utc::now()), false);
        app.resize(80, 24);
        app.request_overview();
        let jobs = app.take_jobs();
        let Some(Job::Overview { seq, now }) = jobs.first().cloned() else { panic!("{jobs:?}") };
        let rows = vec![row(1, "index", 30), row(2, "search", 20), row(3, "upload", 10)];
        app.apply(Reply::Overview { seq, now, result: Ok(Overview { rows, dropped: 0, failed: 0 }) });
        app
    }

    fn key(app: &mut App, code: KeyCode) {
        app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    fn selected(app: &App) -> Option<&str> {
        app.table.selected().map(|r| r.name.as_str())
    }

    #[test]
    fn keys_move_open_and_go_back() {
        let mut app = app();
        assert!(!app.busy());
        key(&mut app, KeyCode::Char('j'));
        assert_eq!(selected(&app), Some("search"));
        key(&mut app, KeyCode::Char('G'));
        assert_eq!(selected(&app), Some("upload"));
        key(&mut app, KeyCode::Char('g'));
        assert_eq!(selected(&app), Some("index"));
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Endpoint(2));
        assert_eq!(app.context(), Context::Endpoint);
        key(&mut app, KeyCode::Char('j'));
        assert_eq!(app.screen, Screen::Endpoint(2), "j does nothing on the detail");
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, Screen::Overview);
        key(&mut app, KeyCode::Char('q'));
        assert!(app.quit);
    }

    #[test]
    fn filter_is_typed_live_kept_with_enter_and_cleared_with_esc() {
        let mut app = app();
        key(&mut app, KeyCode::Char('/'));
        assert_eq!(app.context(), Context::Filter);
        for c in "ar".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        assert_eq!(app.table.len(), 1);
        assert_eq!(selected(&app), Some("search"));
        key(&mut app, KeyCode::Char('q'));
        assert!(!app.quit, "q is text while filtering");
        key(&mut app, KeyCode::Backspace);
        assert_eq!(app.filter(), "ar");
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.context(), Context::Overview);
        assert_eq!(app.filter(), "ar");
        assert!(app.available(Action::FilterClear));
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.filter(), "");
        assert_eq!(app.table.len(), 3);
        assert_eq!(selected(&app), Some("search"), "selection kept through the filter");
        key(&mut app, KeyCode::Char('/'));
        key(&mut app, KeyCode::Char('x'));
        key(&mut app, KeyCode::Esc);
        assert_eq!((app.filter(), app.filter_editing), ("", false));
    }

    #[test]
    fn level_picker_writes_through_a_job_and_refreshes_after() {
        let mut app = app();
        key(&mut app, KeyCode::Char('m'));
        assert!(matches!(app.popup, Some(Popup::LevelPicker { id: 1, choice: 3, .. })));
        key(&mut app, KeyCode::Char('k'));
        key(&mut app, KeyCode::Char('k'));
        key(&mut app, KeyCode::Char('9'));
        assert!(matches!(app.popup, Some(Popup::LevelPicker { choice: 1, .. })));
        key(&mut app, KeyCode::Char('0'));
        key(&mut app, KeyCode::Up);
        assert!(matches!(app.popup, Some(Popup::LevelPicker { choice: 0, .. })));
        key(&mut app, KeyCode::Char('2'));
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.popup, None);
        assert_eq!(app.take_jobs(), vec![Job::SetLevel { name: "index".into(), level: 2 }]);
        assert!(app.busy());
        app.apply(Reply::LevelSet { name: "index".into(), level: 2, result: Ok(()) });
        assert!(matches!(app.take_jobs().as_slice(), [Job::Overview { .. }]), "refreshes after writing");
        assert_eq!(app.message.as_ref().map(|m| m.text.as_str()), Some("level of index set to 2"));
        // Esc closes the picker without writing; q still quits from it.
        key(&mut app, KeyCode::Char('m'));
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.popup, None);
        assert!(app.take_jobs().is_empty());
    }

    #[test]
    fn freeze_stops_the_live_refresh_and_errors_keep_old_data() {
        let mut app = app();
        app.on_refresh_tick();
        assert_eq!(app.take_jobs().len(), 1);
        key(&mut app, KeyCode::Char('f'));
        assert!(app.frozen);
        app.on_refresh_tick();
        assert!(app.take_jobs().is_empty());
        key(&mut app, KeyCode::Char('r'));
        let jobs = app.take_jobs();
        let Some(Job::Overview { seq, now }) = jobs.first().cloned() else { panic!("{jobs:?}") };
        app.on_spinner_tick();
        assert_eq!(app.spinner, 1);
        app.apply(Reply::Overview { seq, now, result: Err("x.db: disk I/O error".into()) });
        assert!(!app.busy());
        assert_eq!(app.spinner, 0);
        assert_eq!(app.table.len(), 3, "previous result stays");
        assert!(app.message.as_ref().is_some_and(|m| m.error));
        key(&mut app, KeyCode::Char('f'));
        assert!(!app.frozen);
        assert_eq!(app.take_jobs().len(), 1, "resuming refreshes at once");
    }

    #[test]
    fn an_older_reply_does_not_end_the_busy_state() {
        let mut app = app();
        app.request_overview();
        app.request_overview();
        let jobs = app.take_jobs();
        let Some(Job::Overview { seq, now }) = jobs.first().cloned() else { panic!("{jobs:?}") };
        app.apply(Reply::Overview { seq, now, result: Ok(Overview { rows: vec![], dropped: 5, failed: 0 }) });
        assert!(app.busy(), "the newer request is still out");
        assert_eq!(app.dropped, 5);
    }

    #[test]
    fn help_toggles_and_escape_closes_popups_first() {
        let mut app = app();
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('?'));
        assert_eq!(app.context(), Context::Help);
        key(&mut app, KeyCode::Char('j'));
        assert_eq!(app.popup, Some(Popup::Help { scroll: 1 }));
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.popup, None);
        assert_eq!(app.screen, Screen::Endpoint(1), "Esc closed the popup, not the screen");
        key(&mut app, KeyCode::Char('?'));
        key(&mut app, KeyCode::Char('?'));
        assert_eq!(app.popup, None);
        app.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert!(app.quit);
    }
}
