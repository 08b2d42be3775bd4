//! Whole-console tests: the app driven by keys and drawn to ratatui's `TestBackend` (insta snapshots, pinned
//! clock 2026-11-27T22:56:55Z, UTC, no colours), the worker against real database files, and `run`'s
//! errors before the terminal is touched. Databases are copies of the FMD 5.1.0 fixture in a tempdir, or
//! small files written with `Store::open_writer`.

mod confirmations;
mod custom_window;
mod graphs_report;
mod hostile_fuzz;
mod incidents;
mod info;
mod labels;
mod latency;
mod profiler;
mod readability;
mod requests_tab;
mod snapshots;
mod timing;
mod worker;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fmd_core::Store;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use unicode_width::UnicodeWidthStr;

use crate::app::App;
use crate::query::{self, StoreSource};
use crate::render;

/// The instant the fixture's expected numbers were computed at.
pub fn now() -> DateTime<Utc> {
    match "2026-11-27T22:56:55Z".parse() {
        Ok(t) => t,
        Err(e) => panic!("pinned clock: {e}"),
    }
}

/// A copy of the FMD 5.1.0 sample database, named `demo.db`, in a fresh tempdir.
pub fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db");
    let copy = dir.path().join("demo.db");
    std::fs::copy(&source, &copy).expect("copy fixture");
    (dir, copy)
}

/// Requests of endpoint 1 with these ids (1 ms, status 200, nothing else set), for tests of lists and paging.
pub fn request_rows(ids: impl IntoIterator<Item = i64>) -> Vec<fmd_core::store::views::RequestRow> {
    ids.into_iter()
        .map(|id| fmd_core::store::views::RequestRow {
            id,
            endpoint_id: Some(1),
            duration: Some(1.0),
            time_requested: None,
            version_requested: String::new(),
            group_by: String::new(),
            ip: String::new(),
            status_code: Some(200),
        })
        .collect()
}

/// An app on `db` with the first overview applied synchronously (no worker: deterministic).
pub fn loaded_app(db: &Path, width: u16, height: u16) -> App {
    let mut app = App::new("demo.db".into(), chrono_tz::UTC, Some(now()), false);
    app.resize(width, height);
    refresh(&mut app, db);
    app
}

/// Runs the app's pending jobs against `db` in this thread and applies the replies (and their follow-ups),
/// after asking for a fresh overview.
pub fn refresh(app: &mut App, db: &Path) {
    app.request_overview();
    settle(app, db);
}

/// Runs the app's pending jobs (overview, views, level writes, housekeeping) against `db` in this thread, applying the replies
/// and the jobs they cause, until none is left.
pub fn settle(app: &mut App, db: &Path) {
    let store = Store::open_reader(db, None).expect("open reader");
    let mut source = StoreSource::new(store, chrono_tz::UTC);
    for _ in 0..4 {
        let jobs = app.take_jobs();
        if jobs.is_empty() {
            break;
        }
        for job in jobs {
            app.apply(query::run(&mut source, job));
        }
    }
}

/// Presses `keys` (characters; `\t` is Tab, `\n` Enter, `\x1b` Esc), each after the queries of the one before
/// have been answered, as a user who waits for the screen would.
pub fn drive(app: &mut App, db: &Path, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        press(app, code);
        settle(app, db);
    }
}

/// Presses the keys of `text` (characters) one by one.
pub fn type_keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Presses one key.
pub fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// The screen as text, one line per row, trailing spaces removed (cells hidden by wide characters skipped).
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| render::draw(frame, app)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            if skip == 0 {
                line.push_str(symbol);
            }
            skip = skip.max(symbol.width()).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
