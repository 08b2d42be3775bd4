//! fmd's terminal console: every dashboard and endpoint view of an FMD-compatible database, live.
//!
//! The `fmd` binary calls [`run`] with [`ConsoleOptions`]. The database is opened first, so a missing or
//! foreign file is reported as a one-line [`ConsoleError`] before the terminal changes mode. All queries
//! then run in a worker thread (`query`) and the screen is redrawn only when something happens: a key, a
//! result, a spinner tick.
//!
//! Inside: `app` (the state, and the router of keys and worker replies), `components/*` (one component per tab
//! family and per popup: its keys, what it offers, which part of the screen it is), `nav` (tabs and time
//! windows), `cursor` (list and grid positions), `table/*` (the overview's columns, sort, filter, selection
//! model), `views` (the query of each tab and the cache of answers), `detail/*` (the sections of the outlier,
//! exception and request details), `profiler` (call-tree folding, icicle layout, zoom and search of the
//! profiler tabs), `keys` (the key table that also generates footer and help), `layout` (regions and rows per
//! page, shared by state and drawing), `query` (worker, latest-wins slots, the store's views and a few own
//! queries), `format` (numbers, durations, times, safe strings), `bars` (text bars), `theme`, `render/*` (one
//! file per screen region or chart; reads the state, never the other way round), `terminal` (raw mode and
//! restore on every exit).

#![warn(missing_docs)]

mod activity;
mod app;
mod bars;
mod code_text;
mod components;
mod cursor;
mod detail;
mod export;
mod format;
mod keys;
mod layout;
mod mouse;
mod nav;
mod pace;
mod profiler;
mod query;
mod render;
mod requests;
mod table;
mod terminal;
mod theme;
mod views;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};
use fmd_core::backend::Backend;
use fmd_core::StoreError;

use app::App;
pub use detail::outlier::OutlierRule;
use query::{StoreSource, Worker};

/// How the console is started.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// The database (a SQLite file, never created; a PostgreSQL database) with its table prefix.
    pub backend: Arc<dyn Backend>,
    /// What the header calls the database (a file's name, a server URL without its password).
    pub title: String,
    /// Zone of "today" and of the times shown.
    pub timezone: chrono_tz::Tz,
    /// A pinned "now" (tests, `--now`); `None` uses the real clock.
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
    /// Live refresh period (1 s by default in the CLI).
    pub refresh: Duration,
    /// False with NO_COLOR or `--no-color`: bold, dim and reverse only.
    pub colors: bool,
    /// A custom time window (`--from`, `--to`; `None`, `None`: only the presets), shown first and cycled
    /// after `all`.
    pub window: (Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>),
    /// When recorders capture outliers (from the configuration), for the Outliers tab's note.
    pub outliers: OutlierRule,
    /// Capture the mouse (clicks and wheel); false with `--no-mouse`, leaving the terminal's own selection.
    pub mouse: bool,
    /// The configuration in effect, for the info popup (`i`; secrets hidden); `None`: not known.
    pub config: Option<fmd_core::Config>,
}

/// Why the console stopped with an error. Displays as one line naming the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The database could not be opened or read.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The terminal failed (setup, drawing, input).
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    /// The query worker thread could not start or stopped unexpectedly.
    #[error("{0}: the query worker thread failed")]
    Worker(String),
}

/// Fastest live refresh accepted.
const MIN_REFRESH: Duration = Duration::from_millis(100);
/// Spinner frame period while work runs (also how soon a reply is noticed).
const SPINNER_TICK: Duration = Duration::from_millis(100);
/// Longest sleep when nothing is scheduled (frozen, idle).
const IDLE: Duration = Duration::from_secs(60);

/// Runs the console on `options.backend` until the user quits.
pub fn run(options: ConsoleOptions) -> Result<(), ConsoleError> {
    let source = StoreSource::open(Arc::clone(&options.backend), options.timezone)?.with_config(options.config.clone());
    let worker = Worker::spawn(source).map_err(|_| ConsoleError::Worker(options.backend.location()))?;
    let mut app = App::new(options.title.clone(), options.timezone, options.clock, options.colors);
    let (from, to) = options.window;
    if from.is_some() || to.is_some() {
        app.set_custom_window(from, to);
    }
    app.pace = pace::Pace::measuring();
    app.outlier_rule = options.outliers;

    let mut guard = terminal::enter(options.mouse)?;
    let result = event_loop(&mut guard, &mut app, &worker, &options);
    drop(guard);
    result
}

fn event_loop(
    guard: &mut terminal::Guard,
    app: &mut App,
    worker: &Worker,
    options: &ConsoleOptions,
) -> Result<(), ConsoleError> {
    let refresh = options.refresh.max(MIN_REFRESH);
    let size = guard.terminal.size()?;
    app.resize(size.width, size.height);
    app.request_overview();
    let mut next_refresh = Instant::now() + refresh;
    let mut next_spin = Instant::now() + SPINNER_TICK;
    let mut dirty = true;
    loop {
        for job in app.take_jobs() {
            worker.submit(job);
        }
        if let Some(text) = app.take_clipboard() {
            use std::io::Write;
            let backend = guard.terminal.backend_mut();
            backend.write_all(format::osc52(&text).as_bytes())?;
            backend.flush()?;
        }
        if dirty {
            guard.terminal.draw(|frame| render::draw(frame, app))?;
            dirty = false;
        }
        if app.quit {
            return Ok(());
        }

        let now = Instant::now();
        let mut deadline = if app.frozen { now + IDLE } else { next_refresh };
        if app.busy() {
            deadline = deadline.min(next_spin);
        }
        if event::poll(deadline.saturating_duration_since(now))? {
            // Take every event already waiting before drawing again (key repeat, paste, resize storms).
            loop {
                match event::read()? {
                    Event::Key(key) => {
                        app.handle_key(key);
                        dirty = true;
                    }
                    Event::Mouse(mouse) => {
                        mouse::handle(app, mouse);
                        dirty = true;
                    }
                    Event::Resize(width, height) => {
                        app.resize(width, height);
                        dirty = true;
                    }
                    _ => {}
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        loop {
            match worker.try_recv() {
                Ok(Some(reply)) => {
                    app.apply(reply);
                    dirty = true;
                }
                Ok(None) => break,
                Err(query::WorkerGone) => return Err(ConsoleError::Worker(options.backend.location())),
            }
        }

        let now = Instant::now();
        if !app.busy() {
            next_spin = now + SPINNER_TICK;
        } else if now >= next_spin {
            app.on_spinner_tick();
            next_spin = now + SPINNER_TICK;
            dirty = true;
        }
        if now >= next_refresh {
            app.on_refresh_tick();
            next_refresh = now + refresh;
        }
    }
}
