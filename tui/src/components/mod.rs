//! The console's components: one per tab (or family of tabs that behave alike) and one per popup, each
//! owning its keys. [`crate::app`] only routes: global keys, worker replies, and a key press handed to the
//! component in focus (the popup's, the text line's or the tab's: [`popup`], [`typing`], [`tab`]), then to
//! the keys every tab shares ([`dashboard::FILTER`], [`lists::LIST`]).
//!
//! The contract ([`Component`]): a component
//! * **handles** a key press ([`Press`]: the action the key table found, and the key) and says whether it
//!   consumed it;
//! * says which **part** of the screen it is ([`Part`]); `render::draw` maps each part to its render function
//!   (state never imports `render/`);
//! * **offers** its actions: whether one would do something now. The footer and the help page are generated
//!   from the key table (`keys.rs`) filtered by these answers ([`crate::app::App::available`]).
//!
//! The state stays in [`App`] (the tabs share the cursor, the view cache and the selected endpoint); a
//! component is a unit value that reads and changes it.
//!
//! | component | file | focus |
//! |---|---|---|
//! | [`overview::OVERVIEW`] | `overview.rs` | the dashboard's Overview tab (table, housekeeping keys) |
//! | [`dashboard::FILTER`] | `dashboard.rs` | the endpoint filter line, and the sort and filter keys every dashboard tab shares |
//! | [`lists::LIST`] | `lists.rs` | every other tab: rows, heatmap cells, columns, paged lists |
//! | [`requests::REQUESTS`] | `requests.rs` | an endpoint's Requests tab: prompt, order, detail popup |
//! | [`incidents::INCIDENTS`] | `incidents.rs` | an endpoint's Outliers and Exceptions tabs: detail, scroll, copy |
//! | [`profiler::PROFILER`] | `profiler.rs` | an endpoint's Profiler and Grouped tabs: call tree, icicle, search |
//! | [`popups::HELP`], [`popups::LEVEL`], [`popups::EXPORT`] | `popups.rs` | the help, level picker and export popups |
//! | [`housekeeping::MERGE`], [`housekeeping::PRUNE`], [`housekeeping::CONFIRM`] | `housekeeping.rs` | merge and prune pickers, the confirmation |

pub mod dashboard;
pub mod housekeeping;
pub mod incidents;
pub mod lists;
pub mod overview;
pub mod popups;
pub mod profiler;
pub mod requests;

use crossterm::event::KeyCode;

use crate::app::{App, Screen};
use crate::keys::Action;
use crate::nav::{DashTab, EndpointTab};

/// A key press as the router hands it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Press {
    /// What the key table says the key does in the context on screen.
    pub action: Action,
    /// The key itself (digits and typed text need it).
    pub code: KeyCode,
}

/// What a component is on screen: `render::draw` draws each with its own function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The dashboard's Overview table.
    Overview,
    /// A heatmap of requests per day and hour (dashboard or endpoint).
    Hourly,
    /// Requests per day.
    Daily,
    /// Versions (shares on the dashboard, box plots on an endpoint).
    Versions,
    /// The dashboard's box plots per endpoint.
    Performance,
    /// Status codes.
    Status,
    /// Custom graphs.
    Graphs,
    /// The report.
    Report,
    /// Latency over time (dashboard or endpoint).
    Latency,
    /// An endpoint's summary.
    Summary(i64),
    /// Users or IPs.
    Users,
    /// User×Version or IP×Version.
    Matrix,
    /// The Requests list (and its detail popup).
    Requests,
    /// The outliers list and detail.
    Outliers,
    /// The exception groups and their stacks.
    Exceptions,
    /// Profiled requests and call trees.
    Profiler,
    /// The grouped profiler.
    Grouped,
    /// The help popup, scrolled this many lines.
    Help(usize),
    /// The info popup, from line `usize`.
    Info(usize),
    /// The level picker popup.
    LevelPicker,
    /// The export format popup.
    Export,
    /// A housekeeping popup (merge or prune picker, confirmation).
    Housekeeping,
}

/// A tab or popup that owns some keys.
pub trait Component: Sync {
    /// Does `press` if it is this component's to do now; `false` hands it back to the router.
    fn handle(&self, app: &mut App, press: Press) -> bool;

    /// Whether `action` would do something here now: `Some` when the action is this component's to answer,
    /// `None` to leave it to the router's shared answer.
    fn offers(&self, app: &App, action: Action) -> Option<bool>;

    /// Which part of the screen the component is.
    fn part(&self, app: &App) -> Part;
}

/// The component of the tab on screen.
pub fn tab(app: &App) -> &'static dyn Component {
    match app.screen {
        Screen::Dashboard if app.dash_tab == DashTab::Overview => &overview::OVERVIEW,
        Screen::Dashboard => &lists::LIST,
        Screen::Endpoint(_) => match app.endpoint_tab {
            EndpointTab::Requests => &requests::REQUESTS,
            EndpointTab::Outliers | EndpointTab::Exceptions => &incidents::INCIDENTS,
            EndpointTab::Profiler | EndpointTab::Grouped => &profiler::PROFILER,
            _ => &lists::LIST,
        },
    }
}

/// The component of the open popup.
pub fn popup(app: &App) -> Option<&'static dyn Component> {
    use popups::Popup;
    Some(match app.popup.as_ref()? {
        Popup::Help { .. } => &popups::HELP,
        Popup::Info { .. } => &popups::INFO,
        Popup::LevelPicker { .. } => &popups::LEVEL,
        Popup::Export => &popups::EXPORT,
        Popup::MergePicker { .. } => &housekeeping::MERGE,
        Popup::PrunePicker { .. } => &housekeeping::PRUNE,
        Popup::Confirm { .. } => &housekeeping::CONFIRM,
    })
}

/// The component whose text line has the keyboard: the Requests prompt, the profiler search, or the filter.
pub fn typing(app: &App) -> &'static dyn Component {
    if app.requests.prompt.is_some() {
        &requests::REQUESTS
    } else if app.profiler.searching {
        &profiler::PROFILER
    } else {
        &dashboard::FILTER
    }
}
