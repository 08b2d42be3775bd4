//! The console's state and how events change it: keys ([`App::handle_key`]), worker replies
//! ([`App::apply`]) and timer ticks. Nothing here draws or touches the terminal or the database; database
//! work leaves as [`Job`]s that the event loop hands to the worker ([`App::take_jobs`]).
//!
//! Where the user is: [`Screen`] (the dashboard or one endpoint), the tab of each ([`DashTab`],
//! [`EndpointTab`]), the time [`Window`] and a [`Cursor`] for the tab on screen. Tabs other than the overview
//! show a [`ViewCache`] entry: the last answer for their (query, window, endpoint), refreshed live.

use std::time::Instant;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use fmd_core::store::DeletedRows;

use crate::activity::{self, Activity};
use crate::cursor::Cursor;
use crate::export;
use crate::keys::{self, Action, Context};
use crate::nav::{self, Compare, DashTab, EndpointTab, Window, PRUNE_AGES};
use crate::pace::{Pace, Slot};
use crate::profiler::{self, FrameStep, ProfilerState};
use crate::query::{Housekeeping, Job, Reply};
use crate::requests::RequestsTab;
use crate::table::OverviewTable;
use crate::theme::Theme;
use crate::views::{Cached, ViewCache, ViewKey, ViewKind};

/// Longest filter accepted (characters).
const MAX_FILTER: usize = 200;
/// Paged lists (latest requests, latest errors) are asked for in multiples of this many rows.
pub const PAGE_ROWS: usize = 200;
/// Most rows a paged list grows to.
const MAX_PAGED_ROWS: usize = 20_000;
/// How often the live refresh recomputes the Report tab.
const REPORT_REFRESH: chrono::Duration = chrono::Duration::seconds(15);

/// The screen under the popups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The dashboard (all endpoints), on [`App::dash_tab`].
    Dashboard,
    /// One endpoint, by id, on [`App::endpoint_tab`].
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
    /// Choosing the endpoint `from` is merged into.
    MergePicker {
        /// The endpoint that would go away.
        from: String,
        /// Every other endpoint, by name.
        choices: Vec<String>,
        /// Index of the one under the cursor.
        choice: usize,
    },
    /// Choosing how old requests must be to be pruned ([`PRUNE_AGES`]).
    PrunePicker {
        /// Index into [`PRUNE_AGES`].
        choice: usize,
        /// Keep custom graph data older than the cutoff.
        keep_graphs: bool,
    },
    /// Choosing CSV or JSON for exporting the view on screen.
    Export,
    /// What `op` would delete, asking whether to go ahead.
    Confirm {
        /// The operation.
        op: Housekeeping,
        /// The dry run's counts once they arrive (or why it failed).
        preview: Option<Result<DeletedRows, String>>,
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
    filter: String,
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
    writes_pending: usize,
    jobs: Vec<Job>,
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
    pub outlier_rule: crate::detail::outlier::OutlierRule,
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
            outlier_rule: crate::detail::outlier::OutlierRule::default(),
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
            (Some(Popup::Help { .. }), _, _) => Context::Help,
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

    /// The query of the tab on screen (`None` on the overview, which has its own).
    pub fn view_key(&self) -> Option<ViewKey> {
        let (kind, endpoint) = match self.screen {
            Screen::Dashboard => (ViewKind::of_dashboard(self.dash_tab, self.compare)?, None),
            Screen::Endpoint(id) => match (self.endpoint_tab, self.profiler.open) {
                (EndpointTab::Profiler, Some(request)) => (ViewKind::CallTree(request), Some(id)),
                (EndpointTab::Requests, _) => match self.requests.detail {
                    Some((request, _)) => (ViewKind::RequestDetail(request), Some(id)),
                    None => (ViewKind::Requests(self.requests.key()), Some(id)),
                },
                (tab, _) => (ViewKind::of_endpoint(tab), Some(id)),
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
    fn row_count(&self) -> usize {
        match self.tree_rows() {
            Some(rows) => rows.len(),
            None => self.view().map_or(0, |v| v.data.row_count()),
        }
    }

    /// The open call tree on screen.
    pub fn call_tree(&self) -> Option<&fmd_core::store::CallTree> {
        match self.view().map(|c| &c.data) {
            Some(crate::views::ViewData::CallTree(tree)) if self.profiler.open.is_some() => tree.as_ref(),
            _ => None,
        }
    }

    /// The grouped profile on screen.
    pub fn grouped(&self) -> Option<&fmd_core::store::GroupedProfile> {
        match self.view().map(|c| &c.data) {
            Some(crate::views::ViewData::Grouped(g)) if self.on_tab(EndpointTab::Grouped) => Some(g),
            _ => None,
        }
    }

    /// The visible lines of the open call tree (indexes into its lines), `None` without one.
    pub fn tree_rows(&self) -> Option<Vec<usize>> {
        let tree = self.call_tree()?;
        let parents: Vec<Option<usize>> = tree.lines.iter().map(|l| l.parent).collect();
        Some(profiler::visible(&parents, &self.profiler.collapsed))
    }

    /// The tree line under the cursor.
    pub fn tree_line(&self) -> Option<usize> {
        let rows = self.tree_rows()?;
        rows.get(self.cursor.row.min(rows.len().saturating_sub(1))).copied()
    }

    /// The Grouped tab shows its icicle.
    pub fn on_flame(&self) -> bool {
        self.on_tab(EndpointTab::Grouped) && self.profiler.flame
    }

    /// The icicle's frames at this terminal size.
    pub fn flame_frames(&self) -> Vec<profiler::Frame> {
        let Some(g) = self.grouped() else { return Vec::new() };
        let (width, rows) = crate::layout::flame_size(self.size.0, self.size.1);
        profiler::layout(g, self.profiler.zoom, width, rows)
    }

    /// The selected icicle frame: the chosen one when drawn, else the top-left one.
    pub fn flame_frame(&self) -> Option<usize> {
        let frames = self.flame_frames();
        match self.profiler.frame {
            Some(f) if frames.iter().any(|x| x.line == f) => Some(f),
            _ => frames.first().map(|f| f.line),
        }
    }

    /// The grouped line of the table row under the cursor.
    fn grouped_row(&self) -> Option<usize> {
        let g = self.grouped()?;
        let order = profiler::table_order(g, self.profiler.tree_order);
        order.get(self.cursor.row.min(order.len().saturating_sub(1))).copied()
    }

    /// Columns `←`/`→` move over on the tab on screen.
    fn col_count(&self) -> usize {
        self.view().map_or(0, |v| v.data.col_count(|name| self.table.matches(name)))
    }

    /// Whether an action would do something now (the footer leaves out those that would not).
    pub fn available(&self, action: Action) -> bool {
        let dashboard = self.screen == Screen::Dashboard;
        let overview = dashboard && self.dash_tab == DashTab::Overview;
        let report = dashboard && self.dash_tab == DashTab::Report;
        match action {
            Action::FilterClear => self.filter_editing || !self.filter.is_empty() || self.requests.prompt.is_some(),
            Action::Filter => {
                dashboard
                    && matches!(
                        self.dash_tab,
                        DashTab::Overview | DashTab::Daily | DashTab::Versions | DashTab::Performance | DashTab::Report
                    )
            }
            Action::WindowShorter | Action::WindowLonger => self.window_applies(),
            Action::Compare => report,
            Action::Export => export::exportable(self),
            Action::DeleteEndpoint => overview && self.table.selected().is_some(),
            Action::MergeEndpoint => overview && self.table.selected().is_some() && self.table.all_rows().len() > 1,
            Action::Prune => overview,
            Action::Confirm => match &self.popup {
                Some(Popup::Confirm { op, preview: Some(Ok(rows)) }) => {
                    !matches!(op, Housekeeping::Prune { .. }) || rows.total() > 0
                }
                _ => false,
            },
            Action::SortNext => {
                overview
                    || self.on_tab(EndpointTab::Outliers)
                    || (self.on_tab(EndpointTab::Requests) && !self.request_open())
                    || (self.on_tab(EndpointTab::Grouped) && !self.on_flame())
            }
            Action::Toggle => {
                self.profiler.open.is_some() && self.on_tab(EndpointTab::Profiler) && self.row_count() > 0
            }
            Action::Flame => self.on_tab(EndpointTab::Grouped),
            Action::Search => {
                (self.on_tab(EndpointTab::Grouped) && self.grouped().is_some_and(|g| !g.lines.is_empty()))
                    || (self.on_tab(EndpointTab::Requests) && !self.request_open())
            }
            Action::NextMatch => self.on_flame() && !self.profiler.search.is_empty(),
            Action::SortPrev | Action::SortInvert => overview,
            Action::Detail => {
                ((self.on_incidents() || self.on_tab(EndpointTab::Profiler) || self.on_tab(EndpointTab::Grouped))
                    && self.row_count() > 0)
                    || (self.on_tab(EndpointTab::Requests) && !self.request_open() && self.row_count() > 0)
            }
            Action::DetailDown | Action::DetailUp | Action::Copy => self.detail_shown(),
            Action::Open => dashboard && self.selected_endpoint().is_some(),
            Action::Level => self.selected_endpoint().is_some_and(|id| self.table.row(id).is_some()),
            Action::Left | Action::Right => {
                self.popup.is_none() && (self.col_count() > 0 || self.tree_line().is_some() || self.on_flame())
            }
            Action::LogScale => self.on_box_plots(),
            Action::Down | Action::Up | Action::Top | Action::Bottom | Action::PageDown | Action::PageUp => {
                self.popup.is_some() || overview || self.row_count() > 0 || self.request_open()
            }
            _ => true,
        }
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
            Some(k) if matches!(k.kind, ViewKind::DashReport(_)) => self.compare.label().into(),
            Some(_) => "all time".into(),
        }
    }

    /// The jobs produced since the last call, for the worker.
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.jobs)
    }

    /// Asks for a new overview (the worker keeps only the latest request).
    pub fn request_overview(&mut self) {
        self.pace.sent(Slot::Overview, Instant::now());
        self.latest_seq += 1;
        self.jobs.push(Job::Overview { seq: self.latest_seq, now: self.now() });
        self.overview_pending = true;
    }

    /// Asks for the data of the tab on screen (nothing on the overview).
    pub fn request_view(&mut self) {
        let Some(key) = self.view_key() else { return };
        self.latest_view_seq += 1;
        let limit = self.wanted_rows(key.kind);
        self.pace.sent(Slot::View(key), Instant::now());
        self.jobs.push(Job::View { seq: self.latest_view_seq, key, now: self.now(), limit });
        self.view_pending = true;
    }

    /// Rows to ask for: paged lists enough for the cursor plus two pages, in steps of [`PAGE_ROWS`].
    fn wanted_rows(&self, kind: ViewKind) -> usize {
        if !kind.is_paged() {
            return 0;
        }
        let need = self.cursor.row + 2 * self.page();
        (need / PAGE_ROWS + 1).saturating_mul(PAGE_ROWS).min(MAX_PAGED_ROWS)
    }

    /// The live refresh period has passed.
    pub fn on_refresh_tick(&mut self) {
        let now = Instant::now();
        if self.frozen {
            // The screen keeps its data; the overview is still asked for, only to count what arrives.
            if self.pace.due(Slot::Overview, now, self.overview_pending) {
                self.request_overview();
            }
            return;
        }
        if self.pace.due(Slot::Overview, now, self.overview_pending) {
            self.request_overview();
        }
        let due = self.view_key().is_some_and(|key| self.pace.due(Slot::View(key), now, self.view_pending));
        if due && !self.report_is_fresh() {
            self.request_view();
        }
    }

    /// The cost of the query on screen (the tab's, else the overview's) when it is slow, and so refreshed less
    /// often (see [`crate::pace`]).
    pub fn slow_query(&self) -> Option<std::time::Duration> {
        self.pace.slow(self.view_key().map_or(Slot::Overview, Slot::View))
    }

    /// The report on screen was computed less than [`REPORT_REFRESH`] ago: it reads and tests every endpoint's
    /// requests of two days, weeks or months, so the live refresh redoes it less often (`r` redoes it now).
    fn report_is_fresh(&self) -> bool {
        let Some(key) = self.view_key().filter(|k| matches!(k.kind, ViewKind::DashReport(_))) else { return false };
        self.views.get(&key).is_some_and(|c| self.now() - c.now < REPORT_REFRESH)
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
        self.table.set_page(crate::layout::table_rows(width, height));
    }

    /// A worker reply arrived.
    pub fn apply(&mut self, reply: Reply) {
        match reply {
            Reply::Overview { seq, now, result } => {
                self.pace.answered(Slot::Overview, Instant::now());
                if seq == self.latest_seq {
                    self.overview_pending = false;
                }
                match result {
                    Ok(overview) if self.frozen => self.activity.observe(now, activity::total(&overview.rows)),
                    Ok(overview) => {
                        self.activity.observe(now, activity::total(&overview.rows));
                        self.table.set_overview(overview.rows, overview.trends, overview.exceptions, now);
                        self.dropped = overview.dropped;
                        self.failed = overview.failed;
                        self.loaded = true;
                        self.clear_query_message();
                    }
                    Err(error) => self.message = Some(Message::error(error, true)),
                }
            }
            Reply::View { seq, key, now, limit, result } => {
                self.pace.answered(Slot::View(key), Instant::now());
                if seq == self.latest_view_seq {
                    self.view_pending = false;
                }
                match result {
                    Ok(data) => {
                        self.keep_grouped_frames(&key, &data);
                        self.views.insert(key, now, limit, data);
                        self.request_list_arrived(&key);
                        self.clear_query_message();
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
            Reply::Previewed { op, result } => {
                self.writes_pending = self.writes_pending.saturating_sub(1);
                // Only for the popup that asked (the user may have closed it meanwhile).
                if let Some(Popup::Confirm { op: shown, preview: preview @ None }) = &mut self.popup {
                    if *shown == op {
                        *preview = Some(result);
                    }
                }
            }
            Reply::Applied { result, .. } => {
                self.writes_pending = self.writes_pending.saturating_sub(1);
                self.message = Some(match result {
                    Ok(done) => Message::info(done),
                    Err(error) => Message::error(error, false),
                });
                self.request_overview();
                self.request_view();
            }
        }
        if !self.busy() {
            self.spinner = 0;
        }
    }

    /// A new grouped profile for the one on screen: the zoom and the selected frame follow their frames.
    fn keep_grouped_frames(&mut self, key: &ViewKey, data: &crate::views::ViewData) {
        let crate::views::ViewData::Grouped(new) = data else { return };
        let Some(crate::views::ViewData::Grouped(old)) = self.views.get(key).map(|c| &c.data) else { return };
        let zoom = self.profiler.zoom.map(|z| profiler::remap(old, new, z));
        let frame = self.profiler.frame.map(|f| profiler::remap(old, new, f));
        if let Some(zoom) = zoom {
            self.profiler.zoom = zoom;
        }
        if let Some(frame) = frame {
            self.profiler.frame = frame;
        }
    }

    fn clear_query_message(&mut self) {
        if self.message.as_ref().is_some_and(|m| m.from_query) {
            self.message = None;
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

    fn perform(&mut self, action: Action, context: Context, code: KeyCode) {
        match action {
            Action::FilterType | Action::FilterDelete | Action::FilterKeep | Action::FilterClear
                if self.requests.prompt.is_some() =>
            {
                self.request_prompt_key(action, code)
            }
            Action::Search if self.on_tab(EndpointTab::Requests) => {
                if self.available(Action::Search) {
                    self.requests.start_prompt();
                    self.message = Some(Message::info(crate::requests::PROMPT_HELP.into()));
                }
            }
            Action::SortNext if self.on_tab(EndpointTab::Requests) => {
                if self.available(Action::SortNext) {
                    self.toggle_request_order();
                }
            }
            Action::Detail if self.on_tab(EndpointTab::Requests) => {
                if self.available(Action::Detail) {
                    self.open_request();
                }
            }
            Action::Back if self.request_open() => self.close_request(),
            Action::Export => {
                if self.available(Action::Export) {
                    self.popup = Some(Popup::Export);
                }
            }
            Action::ExportCsv | Action::ExportJson => {
                self.popup = None;
                let format = if action == Action::ExportCsv { export::Format::Csv } else { export::Format::Json };
                self.message = Some(match export::write(self, format, &self.export_dir) {
                    Ok((path, rows)) => Message::info(format!("wrote {rows} rows to {}", path.display())),
                    Err(e) => Message::error(format!("export: {e}"), false),
                });
            }
            Action::Down => self.step(context, 1),
            Action::Up => self.step(context, -1),
            Action::PageDown => self.step(context, self.page() as isize),
            Action::PageUp => self.step(context, -(self.page() as isize)),
            Action::Top => self.step(context, isize::MIN),
            Action::Bottom => self.step(context, isize::MAX),
            Action::Left | Action::Right if self.tree_line().is_some() => self.tree_arrow(action == Action::Right),
            Action::Left if self.on_flame() => self.step_frame(FrameStep::Left),
            Action::Right if self.on_flame() => self.step_frame(FrameStep::Right),
            Action::Left => self.step_col(-1),
            Action::Right => self.step_col(1),
            Action::SortNext if self.on_tab(EndpointTab::Grouped) => {
                self.profiler.tree_order = !self.profiler.tree_order;
                self.cursor = Cursor::default();
            }
            Action::Toggle => {
                if let Some(line) = self.tree_line() {
                    self.tree_move(|parents, collapsed| profiler::toggle(parents, collapsed, line));
                }
            }
            Action::Flame => {
                if self.available(Action::Flame) {
                    self.profiler.flame = !self.profiler.flame;
                    if self.profiler.flame {
                        self.profiler.frame = self.grouped_row().or(self.profiler.frame);
                    }
                }
            }
            Action::NextMatch => {
                if self.available(Action::NextMatch) {
                    let frames = self.flame_frames();
                    if let (Some(g), Some(from)) = (self.grouped(), self.flame_frame()) {
                        self.profiler.frame = Some(profiler::next_match(&frames, g, from, &self.profiler.search));
                    }
                }
            }
            Action::Search => {
                if self.available(Action::Search) {
                    self.profiler.searching = true;
                    self.profiler.search.clear();
                }
            }
            Action::Detail if self.on_tab(EndpointTab::Profiler) || self.on_tab(EndpointTab::Grouped) => {
                self.profiler_enter()
            }
            Action::FilterType | Action::FilterDelete | Action::FilterKeep | Action::FilterClear
                if self.profiler.searching =>
            {
                match (action, code) {
                    (Action::FilterType, KeyCode::Char(c)) => {
                        if self.profiler.search.chars().count() < profiler::MAX_SEARCH {
                            self.profiler.search.push(c);
                        }
                    }
                    (Action::FilterDelete, _) => {
                        self.profiler.search.pop();
                    }
                    (Action::FilterKeep, _) => self.profiler.searching = false,
                    _ => {
                        self.profiler.search.clear();
                        self.profiler.searching = false;
                    }
                }
            }
            Action::SortNext if self.on_tab(EndpointTab::Outliers) => {
                self.outliers_by_duration = !self.outliers_by_duration;
                self.cursor = Cursor::default();
                self.detail_scroll = 0;
            }
            Action::SortNext => {
                if self.screen == Screen::Dashboard {
                    self.table.cycle_sort(1)
                }
            }
            Action::Detail => {
                if self.available(Action::Detail) {
                    self.detail_open = !self.detail_open;
                    self.detail_scroll = 0;
                }
            }
            Action::DetailDown => self.scroll_detail(1),
            Action::DetailUp => self.scroll_detail(-1),
            Action::Copy => self.copy_section(),
            Action::SortPrev => self.table.cycle_sort(-1),
            Action::SortInvert => self.table.invert_sort(),
            Action::Filter => {
                if self.available(Action::Filter) {
                    self.filter_editing = true;
                }
            }
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
            Action::Open => self.open_selected(),
            Action::Back if self.detail_open => {
                self.detail_open = false;
                self.detail_scroll = 0;
            }
            Action::Back if self.on_tab(EndpointTab::Profiler) && self.profiler.open.is_some() => {
                self.profiler.open = None;
                self.profiler.collapsed.clear();
                self.cursor = self.profiler.list_cursor;
                self.show_view();
            }
            Action::Back if self.on_flame() && self.profiler.zoom.is_some() => {
                self.profiler.frame = self.profiler.zoom.take();
            }
            Action::Back if self.on_tab(EndpointTab::Grouped) && !self.profiler.search.is_empty() => {
                self.profiler.search.clear();
            }
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
                    let graphs = self.view_key().is_some_and(|k| k.kind == ViewKind::DashGraphs);
                    self.cursor = Cursor {
                        col: if self.on_heatmap() { self.cursor.col } else { 0 },
                        row: if graphs { self.cursor.row } else { 0 },
                        offset: if graphs { self.cursor.offset } else { 0 },
                    };
                    self.show_view();
                }
            }
            Action::LogScale => {
                if self.on_box_plots() {
                    self.log_scale = !self.log_scale;
                }
            }
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
            Action::Close => self.popup = None,
            Action::Quit => self.quit = true,
            Action::Compare => {
                if self.available(Action::Compare) {
                    self.compare = self.compare.next();
                    self.cursor = Cursor::default();
                    self.show_view();
                }
            }
            Action::DeleteEndpoint => {
                if let Some(row) = self.table.selected().filter(|_| self.available(Action::DeleteEndpoint)) {
                    let op = Housekeeping::DeleteEndpoint { name: row.name.clone() };
                    self.preview(op);
                }
            }
            Action::MergeEndpoint => {
                if let Some(row) = self.table.selected().filter(|_| self.available(Action::MergeEndpoint)) {
                    let from = row.name.clone();
                    let mut choices: Vec<String> =
                        self.table.all_rows().iter().map(|r| r.name.clone()).filter(|n| *n != from).collect();
                    choices.sort();
                    self.popup = Some(Popup::MergePicker { from, choices, choice: 0 });
                }
            }
            Action::Prune => {
                if self.available(Action::Prune) {
                    self.popup = Some(Popup::PrunePicker { choice: 1, keep_graphs: false });
                }
            }
            Action::PickAge => {
                if let (KeyCode::Char(c), Some(Popup::PrunePicker { choice, .. })) = (code, &mut self.popup) {
                    if let Some(digit) = c.to_digit(10).filter(|d| (1..=PRUNE_AGES.len() as u32).contains(d)) {
                        *choice = digit as usize - 1;
                    }
                }
            }
            Action::ToggleGraphs => {
                if let Some(Popup::PrunePicker { keep_graphs, .. }) = &mut self.popup {
                    *keep_graphs = !*keep_graphs;
                }
            }
            Action::Choose => match self.popup.take() {
                Some(Popup::MergePicker { from, choices, choice }) => match choices.get(choice) {
                    Some(into) => self.preview(Housekeeping::MergeEndpoints { from, into: into.clone() }),
                    None => self.popup = Some(Popup::MergePicker { from, choices, choice }),
                },
                Some(Popup::PrunePicker { choice, keep_graphs }) => {
                    let (age, days) = PRUNE_AGES.get(choice).copied().unwrap_or(PRUNE_AGES[1]);
                    let cutoff = self.now() - chrono::Duration::days(i64::from(days));
                    self.preview(Housekeeping::Prune { age, cutoff, keep_custom_graphs: keep_graphs });
                }
                other => self.popup = other,
            },
            Action::Confirm => {
                if self.available(Action::Confirm) {
                    if let Some(Popup::Confirm { op, .. }) = self.popup.take() {
                        let doing = match &op {
                            Housekeeping::DeleteEndpoint { name } => format!("deleting endpoint {name}…"),
                            Housekeeping::MergeEndpoints { from, into } => format!("merging {from} into {into}…"),
                            Housekeeping::Prune { age, .. } => format!("pruning requests older than {age}…"),
                        };
                        self.message = Some(Message::info(doing));
                        self.jobs.push(Job::Apply(op));
                        self.writes_pending += 1;
                    }
                }
            }
        }
    }

    /// Opens the confirmation popup for `op` and asks the worker what it would delete.
    fn preview(&mut self, op: Housekeeping) {
        self.jobs.push(Job::Preview(op.clone()));
        self.writes_pending += 1;
        self.popup = Some(Popup::Confirm { op, preview: None });
    }

    /// Moves to the tab `change` picks; when it is another tab, resets the cursor and shows it.
    fn switch_tab(&mut self, change: impl FnOnce(&mut App) -> bool) {
        if change(self) {
            self.show_tab();
        }
    }

    fn cycle_tab(&mut self, step: isize) -> bool {
        match self.screen {
            Screen::Dashboard => self.dash_tab = nav::cycle(&DashTab::ALL, self.dash_tab, step),
            Screen::Endpoint(_) => self.endpoint_tab = nav::cycle(&EndpointTab::ALL, self.endpoint_tab, step),
        }
        true
    }

    fn jump_tab(&mut self, digit: u32) -> bool {
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

    /// The endpoint screen is on the Outliers or the Exceptions tab.
    fn on_incidents(&self) -> bool {
        self.on_tab(EndpointTab::Outliers) || self.on_tab(EndpointTab::Exceptions)
    }

    /// A detail is on screen: the outlier's (side by side when wide, else opened with Enter) or an exception
    /// group's stack (opened with Enter).
    pub fn detail_shown(&self) -> bool {
        if self.row_count() == 0 {
            return false;
        }
        if self.on_tab(EndpointTab::Outliers) {
            self.detail_open || crate::layout::split(self.size.0)
        } else {
            self.on_tab(EndpointTab::Exceptions) && self.detail_open
        }
    }

    /// The detail's sections for the selected row (title, lines), as drawn and copied.
    pub fn detail_sections(&self) -> Vec<crate::detail::Section> {
        match self.view().map(|c| &c.data) {
            Some(crate::views::ViewData::Outliers(view)) if self.on_tab(EndpointTab::Outliers) => {
                let rows = crate::detail::outlier::sorted(view, self.outliers_by_duration);
                let row = rows.get(self.cursor.row.min(rows.len().saturating_sub(1)));
                row.map(|r| crate::detail::outlier::sections(r, view.average, self.timezone)).unwrap_or_default()
            }
            Some(crate::views::ViewData::Exceptions(entries)) if self.on_tab(EndpointTab::Exceptions) => {
                let entry = entries.get(self.cursor.row.min(entries.len().saturating_sub(1)));
                entry.map(|e| crate::detail::exception::sections(e, self.timezone, self.now())).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    fn scroll_detail(&mut self, delta: isize) {
        if !self.detail_shown() {
            return;
        }
        let lines: usize = self.detail_sections().iter().map(|s| s.lines.len() + 1).sum();
        self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(lines.saturating_sub(1));
    }

    /// Puts the section at the top of the detail on the clipboard (an OSC 52 sequence the event loop writes).
    fn copy_section(&mut self) {
        if !self.detail_shown() {
            return;
        }
        let sections = self.detail_sections();
        let Some(section) = crate::detail::section_at(&sections, self.detail_scroll) else { return };
        let text = section.lines.join("\n");
        self.message = Some(Message::info(format!(
            "copied {} ({} lines) to the clipboard",
            section.title.to_lowercase(),
            section.lines.len()
        )));
        self.clipboard = Some(text);
    }

    /// Takes the text waiting for the clipboard.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    /// A tab (or screen) just came up: a fresh cursor, and its data.
    fn show_tab(&mut self) {
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

    fn open_selected(&mut self) {
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

    /// Moves whatever has the cursor in `context` by `delta` (saturating: `isize::MIN` is the top).
    fn step(&mut self, context: Context, delta: isize) {
        match context {
            Context::Dashboard if self.dash_tab == DashTab::Overview => match delta {
                isize::MIN => self.table.top(),
                isize::MAX => self.table.bottom(),
                d => self.table.move_by(d),
            },
            Context::Endpoint if self.on_flame() => match delta {
                1 => self.step_frame(FrameStep::Down),
                -1 => self.step_frame(FrameStep::Up),
                _ => {}
            },
            Context::Endpoint if self.request_open() => self.scroll_request(match delta {
                isize::MIN => isize::MIN / 2,
                d => d,
            }),
            Context::Endpoint if self.detail_open && self.on_incidents() => {
                let delta = match delta {
                    isize::MIN => -(self.detail_scroll as isize),
                    d => d,
                };
                self.scroll_detail(delta);
            }
            Context::Dashboard | Context::Endpoint => {
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
            Context::LevelPicker => {
                if let Some(Popup::LevelPicker { choice, .. }) = &mut self.popup {
                    *choice = (*choice as isize).saturating_add(delta).clamp(0, 3) as u8;
                }
            }
            Context::MergePicker => {
                if let Some(Popup::MergePicker { choices, choice, .. }) = &mut self.popup {
                    let last = choices.len().saturating_sub(1) as isize;
                    *choice = (*choice as isize).saturating_add(delta).clamp(0, last) as usize;
                }
            }
            Context::PrunePicker => {
                if let Some(Popup::PrunePicker { choice, .. }) = &mut self.popup {
                    let last = PRUNE_AGES.len() as isize - 1;
                    *choice = (*choice as isize).saturating_add(delta).clamp(0, last) as usize;
                }
            }
            Context::Confirm | Context::Export => {}
            Context::Help => {
                let max = crate::layout::help_max_scroll(self.size.0, self.size.1);
                if let Some(Popup::Help { scroll }) = &mut self.popup {
                    *scroll = scroll.saturating_add_signed(delta).min(max);
                }
            }
            Context::Filter => {}
        }
    }

    /// Enter on the Profiler tab (open the selected request's tree, or fold the selected line) or the Grouped
    /// tab (zoom into the selected frame; from the table, into the selected row's frame).
    fn profiler_enter(&mut self) {
        if self.on_tab(EndpointTab::Profiler) {
            if let Some(line) = self.tree_line() {
                self.tree_move(|parents, collapsed| profiler::toggle(parents, collapsed, line));
                return;
            }
            let request = match self.view().map(|c| &c.data) {
                Some(crate::views::ViewData::Profiler(list)) if self.profiler.open.is_none() => {
                    list.rows.get(self.cursor.row.min(list.rows.len().saturating_sub(1))).map(|r| r.id)
                }
                _ => None,
            };
            if let Some(request) = request {
                self.profiler.open = Some(request);
                self.profiler.collapsed.clear();
                self.profiler.list_cursor = self.cursor;
                self.cursor = Cursor::default();
                self.show_view();
            }
        } else if self.on_flame() {
            if let Some(frame) = self.flame_frame() {
                self.profiler.zoom = Some(frame);
                self.profiler.frame = Some(frame);
            }
        } else if let Some(row) = self.grouped_row() {
            self.profiler.flame = true;
            self.profiler.zoom = Some(row);
            self.profiler.frame = Some(row);
        }
    }

    /// `←` (collapse or to the parent) or `→` (expand or to the first child) in the open call tree.
    fn tree_arrow(&mut self, right: bool) {
        let Some(line) = self.tree_line() else { return };
        self.tree_move(|parents, collapsed| {
            if right {
                profiler::right(parents, collapsed, line)
            } else {
                profiler::left(parents, collapsed, line)
            }
        });
    }

    /// Applies what `decide` says to the open call tree, keeping the cursor on the selected line.
    fn tree_move(
        &mut self,
        decide: impl FnOnce(&[Option<usize>], &std::collections::HashSet<usize>) -> profiler::TreeMove,
    ) {
        let Some(tree) = self.call_tree() else { return };
        let parents: Vec<Option<usize>> = tree.lines.iter().map(|l| l.parent).collect();
        let Some(mut line) = self.tree_line() else { return };
        match decide(&parents, &self.profiler.collapsed) {
            profiler::TreeMove::Collapse(l) => {
                self.profiler.collapsed.insert(l);
            }
            profiler::TreeMove::Expand(l) => {
                self.profiler.collapsed.remove(&l);
            }
            profiler::TreeMove::Select(l) => line = l,
            profiler::TreeMove::Stay => {}
        }
        let rows = profiler::visible(&parents, &self.profiler.collapsed);
        let row = rows.iter().position(|r| *r == line).unwrap_or(0);
        self.cursor.row = row;
        let page = self.page();
        self.cursor.move_row(0, rows.len(), page);
    }

    /// Moves the icicle's selection.
    fn step_frame(&mut self, step: FrameStep) {
        let frames = self.flame_frames();
        let (Some(g), Some(from)) = (self.grouped(), self.flame_frame()) else { return };
        self.profiler.frame = Some(profiler::step_frame(&frames, g, from, step));
    }

    fn step_col(&mut self, delta: isize) {
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

    fn open_level_picker(&mut self) {
        let row = self.selected_endpoint().and_then(|id| self.table.row(id));
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
    use crate::views::ViewKey;
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
            ..OverviewRow::default()
        }
    }

    fn app() -> App {
        let mut app = App::new("demo.db".into(), chrono_tz::UTC, Some(Utc::now()), false);
        app.resize(80, 24);
        app.request_overview();
        let jobs = app.take_jobs();
        let Some(Job::Overview { seq, now }) = jobs.first().cloned() else { panic!("{jobs:?}") };
        let rows = vec![row(1, "index", 30), row(2, "search", 20), row(3, "upload", 10)];
        app.apply(Reply::Overview {
            seq,
            now,
            result: Ok(Overview {
                rows,
                dropped: Some(0),
                failed: 0,
                trends: Default::default(),
                exceptions: Default::default(),
            }),
        });
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
        assert_eq!(app.screen, Screen::Endpoint(2), "j does not leave the endpoint");
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, Screen::Dashboard);
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
        assert_eq!(app.context(), Context::Dashboard);
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
        let counting = app.take_jobs();
        let Some(Job::Overview { seq, now }) = counting.first().cloned() else { panic!("{counting:?}") };
        assert_eq!(counting.len(), 1, "frozen, only the overview is asked for (to count what arrives)");
        let more = Overview {
            rows: vec![row(1, "index", 35), row(2, "search", 20), row(3, "upload", 10)],
            dropped: Some(0),
            failed: 0,
            trends: Default::default(),
            exceptions: Default::default(),
        };
        app.apply(Reply::Overview { seq, now, result: Ok(more) });
        assert_eq!(app.table.row(1).map(|r| r.hits_overall), Some(30), "the screen keeps its data");
        assert_eq!(app.activity.new_since_freeze(), Some(5));
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
        app.apply(Reply::Overview {
            seq,
            now,
            result: Ok(Overview {
                rows: vec![],
                dropped: Some(5),
                failed: 0,
                trends: Default::default(),
                exceptions: Default::default(),
            }),
        });
        assert!(app.busy(), "the newer request is still out");
        assert_eq!(app.dropped, Some(5));
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

    #[test]
    fn esc_and_a_key_read_together_as_alt_key_are_both_done() {
        let mut app = app();
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Endpoint(1));
        app.handle_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT));
        assert_eq!(app.screen, Screen::Dashboard, "Esc went back");
        assert!(app.quit, "then q quit");
    }

    fn view_jobs(app: &mut App) -> Vec<ViewKey> {
        app.take_jobs()
            .into_iter()
            .filter_map(|job| match job {
                Job::View { key, .. } => Some(key),
                _ => None,
            })
            .collect()
    }

    /// Answers the app's pending view job with `data`.
    fn answer(app: &mut App, data: crate::views::ViewData) {
        let jobs = app.take_jobs();
        for job in jobs {
            if let Job::View { seq, key, now, limit } = job {
                app.apply(Reply::View { seq, key, now, limit, result: Ok(data.clone()) });
            }
        }
    }

    fn performance(ids: &[(i64, &str)]) -> crate::views::ViewData {
        crate::views::ViewData::Performance(
            ids.iter()
                .map(|(id, name)| fmd_core::store::views::EndpointPerformance {
                    id: *id,
                    name: name.to_string(),
                    summary: None,
                })
                .collect(),
        )
    }

    #[test]
    fn tabs_cycle_jump_and_ask_for_their_data() {
        let mut app = app();
        assert_eq!(app.view_key(), None, "the overview has its own query");
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.dash_tab, DashTab::Hourly);
        assert_eq!(view_jobs(&mut app).iter().map(|k| k.kind).collect::<Vec<_>>(), [ViewKind::DashHourly]);
        assert!(app.busy());
        key(&mut app, KeyCode::BackTab);
        key(&mut app, KeyCode::BackTab);
        assert_eq!(app.dash_tab, DashTab::Latency, "wraps around");
        assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::DashLatency));
        key(&mut app, KeyCode::BackTab);
        assert_eq!(app.dash_tab, DashTab::Report);
        assert_eq!(
            view_jobs(&mut app).last().map(|k| (k.kind, k.window)),
            Some((ViewKind::DashReport(Compare::Day), Window::Week))
        );
        key(&mut app, KeyCode::Char('5'));
        assert_eq!(app.dash_tab, DashTab::Performance);
        key(&mut app, KeyCode::Char('0'));
        assert_eq!(app.dash_tab, DashTab::Performance, "no tab 0");
        key(&mut app, KeyCode::Char('1'));
        key(&mut app, KeyCode::Enter);
        assert_eq!((app.screen, app.endpoint_tab), (Screen::Endpoint(1), EndpointTab::Summary));
        key(&mut app, KeyCode::Char('9'));
        assert_eq!(app.endpoint_tab, EndpointTab::Requests);
        let keys = view_jobs(&mut app);
        assert_eq!(keys.last().map(|k| (k.kind, k.endpoint)), Some((ViewKind::Requests(Default::default()), Some(1))));
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.endpoint_tab, EndpointTab::Outliers, "tabs 10 to 13 are reached with Tab");
        let keys = view_jobs(&mut app);
        assert_eq!(
            keys.last().map(|k| (k.kind, k.window)),
            Some((ViewKind::Outliers, Window::Week)),
            "all time: the window does not apply"
        );
        assert!(!app.available(Action::WindowLonger));
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.endpoint_tab, EndpointTab::Exceptions);
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.endpoint_tab, EndpointTab::Profiler);
        assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::Profiler));
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.endpoint_tab, EndpointTab::Grouped);
        assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::Grouped));
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.endpoint_tab, EndpointTab::Latency);
        assert_eq!(view_jobs(&mut app).last().map(|k| (k.kind, k.endpoint)), Some((ViewKind::Latency, Some(1))));
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.endpoint_tab, EndpointTab::Summary);
        key(&mut app, KeyCode::BackTab);
        assert_eq!(app.endpoint_tab, EndpointTab::Latency, "and with Shift-Tab");
        key(&mut app, KeyCode::Esc);
        assert_eq!((app.screen, app.dash_tab), (Screen::Dashboard, DashTab::Overview));
    }

    #[test]
    fn housekeeping_asks_first_and_ignores_late_previews() {
        let mut app = app();
        let delete = Housekeeping::DeleteEndpoint { name: "index".into() };
        key(&mut app, KeyCode::Char('D'));
        assert_eq!(app.take_jobs(), vec![Job::Preview(delete.clone())]);
        assert_eq!(app.context(), Context::Confirm);
        assert!(!app.available(Action::Confirm), "nothing to confirm before the counts arrive");
        key(&mut app, KeyCode::Char('y'));
        assert!(app.take_jobs().is_empty());
        let rows = DeletedRows { requests: 30, outliers: 2, ..DeletedRows::default() };
        app.apply(Reply::Previewed { op: delete.clone(), result: Ok(rows) });
        assert!(app.available(Action::Confirm));
        key(&mut app, KeyCode::Char('y'));
        assert_eq!(app.popup, None);
        assert_eq!(app.take_jobs(), vec![Job::Apply(delete.clone())]);
        app.apply(Reply::Applied { op: delete.clone(), result: Ok("deleted endpoint index".into()) });
        let refreshed = app.take_jobs();
        assert!(matches!(refreshed.as_slice(), [Job::Overview { .. }]), "{refreshed:?}");
        // A preview that arrives after the popup was closed changes nothing.
        key(&mut app, KeyCode::Char('D'));
        key(&mut app, KeyCode::Esc);
        app.apply(Reply::Previewed { op: delete, result: Ok(rows) });
        assert_eq!(app.popup, None);
        // Only on the overview.
        app.take_jobs();
        key(&mut app, KeyCode::Char('2'));
        app.take_jobs();
        for c in ['D', 'M', 'P'] {
            key(&mut app, KeyCode::Char(c));
            assert_eq!(app.popup, None, "{c} on the Hourly tab");
        }
        assert!(app.take_jobs().is_empty());
    }

    #[test]
    fn merge_and_prune_pickers_lead_to_a_preview() {
        let mut app = app();
        key(&mut app, KeyCode::Char('M'));
        assert!(matches!(&app.popup, Some(Popup::MergePicker { from, choices, choice: 0 })
            if from == "index" && choices == &["search".to_string(), "upload".to_string()]));
        key(&mut app, KeyCode::Char('G'));
        key(&mut app, KeyCode::Enter);
        let merge = Housekeeping::MergeEndpoints { from: "index".into(), into: "upload".into() };
        assert_eq!(app.take_jobs(), vec![Job::Preview(merge)]);
        key(&mut app, KeyCode::Char('n'));
        assert_eq!(app.popup, None);
        key(&mut app, KeyCode::Char('P'));
        assert_eq!(app.popup, Some(Popup::PrunePicker { choice: 1, keep_graphs: false }), "90 days by default");
        key(&mut app, KeyCode::Char('4'));
        key(&mut app, KeyCode::Char('c'));
        key(&mut app, KeyCode::Char('k'));
        assert_eq!(app.popup, Some(Popup::PrunePicker { choice: 2, keep_graphs: true }));
        key(&mut app, KeyCode::Enter);
        let cutoff = app.now() - chrono::Duration::days(180);
        let prune = Housekeeping::Prune { age: "180 days", cutoff, keep_custom_graphs: true };
        assert_eq!(app.take_jobs(), vec![Job::Preview(prune.clone())]);
        // Nothing that old: y has nothing to do.
        app.apply(Reply::Previewed { op: prune, result: Ok(DeletedRows::default()) });
        assert!(!app.available(Action::Confirm));
        key(&mut app, KeyCode::Char('y'));
        assert!(app.take_jobs().is_empty());
    }

    #[test]
    fn the_report_compares_what_c_chooses_and_ignores_the_window() {
        let mut app = app();
        key(&mut app, KeyCode::Char('c'));
        assert_eq!(app.compare, Compare::Day, "c does nothing outside the report");
        key(&mut app, KeyCode::Char('8'));
        assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::DashReport(Compare::Day)));
        assert!(!app.available(Action::WindowLonger) && app.available(Action::Compare));
        key(&mut app, KeyCode::Char(']'));
        assert!(view_jobs(&mut app).is_empty(), "no window on the report");
        key(&mut app, KeyCode::Char('c'));
        assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::DashReport(Compare::Week)));
        // A fresh report is not recomputed by the live refresh, only by `r`.
        let report = crate::views::ReportView { label: String::new(), note: None, rows: Vec::new() };
        let shown = app.view_key().expect("the report's key");
        let computed = app.now();
        app.views.insert(shown, computed, 0, crate::views::ViewData::Report(report));
        app.on_refresh_tick();
        assert!(view_jobs(&mut app).is_empty());
        key(&mut app, KeyCode::Char('r'));
        assert_eq!(view_jobs(&mut app).len(), 1);
    }

    #[test]
    fn the_window_changes_the_query_and_the_cache_answers_at_once() {
        let mut app = app();
        key(&mut app, KeyCode::Char('5'));
        answer(&mut app, performance(&[(1, "index"), (2, "search")]));
        assert!(!app.busy());
        key(&mut app, KeyCode::Char(']'));
        assert_eq!(app.window, Window::Month);
        let keys = view_jobs(&mut app);
        assert_eq!(keys.iter().map(|k| k.window).collect::<Vec<_>>(), [Window::Month]);
        let shown = app.view().map(|c| c.key.window);
        assert_eq!(shown, Some(Window::Week), "the 7-day answer stays on screen while 30 days load");
        key(&mut app, KeyCode::Char('['));
        assert_eq!(app.view().map(|c| c.key.window), Some(Window::Week), "back: the cached answer");
        // Frozen, a cached answer is shown without a query; an uncached one is still fetched.
        key(&mut app, KeyCode::Char('f'));
        app.take_jobs();
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::BackTab);
        assert_eq!(view_jobs(&mut app).len(), 1, "Status was not cached, Performance was");
        assert!(!app.busy());
    }

    fn hourly(days: usize) -> crate::views::ViewData {
        crate::views::ViewData::Hourly(fmd_core::store::views::HourlyLoad {
            days: (0..days).map(|d| format!("2026-11-{:02}", 20 + d)).collect(),
            data: vec![vec![1; days]; 24],
        })
    }

    #[test]
    fn the_heatmap_cursor_starts_at_the_current_hour_and_stays_on_the_grid() {
        let mut app = app();
        let hour = app.now().hour() as usize;
        key(&mut app, KeyCode::Char('2'));
        answer(&mut app, hourly(7));
        assert!(app.on_heatmap());
        assert_eq!((app.cursor.row, app.cursor.col), (0, hour));
        for _ in 0..30 {
            key(&mut app, KeyCode::Right);
        }
        assert_eq!(app.cursor.col, 23);
        key(&mut app, KeyCode::Left);
        key(&mut app, KeyCode::Char('G'));
        assert_eq!((app.cursor.row, app.cursor.col), (6, 22));
        key(&mut app, KeyCode::Down);
        assert_eq!(app.cursor.row, 6, "no day below the oldest");
        key(&mut app, KeyCode::Up);
        assert_eq!(app.cursor.row, 5);
        assert!(app.available(Action::Left) && !app.available(Action::LogScale) && !app.available(Action::Open));
        // A new window keeps the hour and goes back to the newest day.
        key(&mut app, KeyCode::Char(']'));
        assert_eq!((app.cursor.row, app.cursor.col), (0, 22));
    }

    #[test]
    fn scrolling_near_the_end_of_a_paged_list_asks_for_more_rows() {
        let mut app = app();
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('9'));
        let rows = |n: usize| {
            crate::views::ViewData::Requests(
                (0..n)
                    .map(|i| fmd_core::store::views::RequestRow {
                        id: i as i64,
                        endpoint_id: Some(1),
                        duration: Some(1.0),
                        time_requested: None,
                        version_requested: String::new(),
                        group_by: String::new(),
                        ip: String::new(),
                        status_code: Some(200),
                    })
                    .collect(),
            )
        };
        let jobs = app.take_jobs();
        let Some(Job::View { seq, key: view, now, limit }) = jobs.last().cloned() else { panic!("{jobs:?}") };
        assert_eq!(limit, PAGE_ROWS);
        app.apply(Reply::View { seq, key: view, now, limit, result: Ok(rows(PAGE_ROWS)) });
        key(&mut app, KeyCode::Char('j'));
        assert!(app.take_jobs().is_empty(), "far from the end");
        key(&mut app, KeyCode::Char('G'));
        assert_eq!(app.cursor.row, PAGE_ROWS - 1);
        let jobs = app.take_jobs();
        assert!(matches!(jobs.as_slice(), [Job::View { limit, .. }] if *limit > PAGE_ROWS), "{jobs:?}");
        // A list shorter than asked for is complete: no more queries.
        app.views.insert(view, now, limit, rows(10));
        app.cursor.row = 0;
        key(&mut app, KeyCode::Char('G'));
        assert!(app.take_jobs().is_empty());
    }

    #[test]
    fn performance_rows_move_the_shared_selection_and_follow_it_through_re_sorts() {
        let mut app = app();
        key(&mut app, KeyCode::Char('5'));
        answer(&mut app, performance(&[(2, "search"), (1, "index"), (3, "upload")]));
        assert_eq!(app.endpoint_rows(), Some((vec![2, 1, 3], 1)), "index is selected on the overview");
        key(&mut app, KeyCode::Char('j'));
        assert_eq!(app.table.selected_id(), Some(3));
        // A refresh re-sorts the rows: the selection stays on upload.
        app.request_view();
        answer(&mut app, performance(&[(3, "upload"), (2, "search"), (1, "index")]));
        assert_eq!(app.endpoint_rows(), Some((vec![3, 2, 1], 0)));
        assert!(app.available(Action::LogScale));
        key(&mut app, KeyCode::Char('l'));
        assert!(app.log_scale);
        // The filter applies here too.
        key(&mut app, KeyCode::Char('/'));
        key(&mut app, KeyCode::Char('e'));
        key(&mut app, KeyCode::Char('a'));
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.endpoint_rows(), Some((vec![2], 0)));
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Endpoint(2));
        assert_eq!(app.table.selected_id(), Some(2));
        key(&mut app, KeyCode::Char('m'));
        assert!(matches!(app.popup, Some(Popup::LevelPicker { id: 2, .. })), "m works on an endpoint screen");
    }
}
