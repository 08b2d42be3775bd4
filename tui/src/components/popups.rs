//! The popups that are not housekeeping: key help (scrolled with the movement keys), the level picker
//! (`0`-`3` or `j`/`k`, Enter writes through the worker) and the export format (`c` CSV, `j` JSON). Esc, `?`
//! and `q` are the router's. [`Popup`] is what any open popup holds.

use fmd_core::store::DeletedRows;

use super::lists::movement;
use super::{Component, Part, Press};
use crate::app::{App, Message};
use crate::export;
use crate::keys::Action;
use crate::query::{Housekeeping, Job};

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
    /// Choosing how old requests must be to be pruned ([`crate::nav::PRUNE_AGES`]).
    PrunePicker {
        /// Index into [`crate::nav::PRUNE_AGES`].
        choice: usize,
        /// Keep custom graph data older than the cutoff.
        keep_graphs: bool,
    },
    /// Choosing CSV or JSON for exporting the view on screen.
    Export,
    /// The deployment's details (`i`), scrolled by `scroll` lines.
    Info {
        /// First line shown.
        scroll: usize,
        /// The details once they arrive (or why they could not be read).
        info: Option<Result<Box<crate::query::DeploymentInfo>, String>>,
    },
    /// What `op` would delete, asking whether to go ahead.
    Confirm {
        /// The operation.
        op: Housekeeping,
        /// The dry run's counts once they arrive (or why it failed).
        preview: Option<Result<DeletedRows, String>>,
    },
}

/// The help popup.
pub struct Help;

/// The one [`Help`].
pub static HELP: Help = Help;

impl Component for Help {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        let Some(delta) = movement(app, press.action) else { return false };
        let max = crate::layout::help_max_scroll(app.size.0, app.size.1);
        if let Some(Popup::Help { scroll }) = &mut app.popup {
            *scroll = scroll.saturating_add_signed(delta).min(max);
        }
        true
    }

    fn offers(&self, _app: &App, _action: Action) -> Option<bool> {
        None
    }

    fn part(&self, app: &App) -> Part {
        match app.popup {
            Some(Popup::Help { scroll }) => Part::Help(scroll),
            _ => Part::Help(0),
        }
    }
}

/// The info popup.
pub struct Info;

/// The one [`Info`].
pub static INFO: Info = Info;

impl Component for Info {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        let Some(delta) = movement(app, press.action) else { return false };
        let max = crate::render::info::max_scroll(app);
        if let Some(Popup::Info { scroll, .. }) = &mut app.popup {
            *scroll = scroll.saturating_add_signed(delta).min(max);
        }
        true
    }

    fn offers(&self, _app: &App, _action: Action) -> Option<bool> {
        None
    }

    fn part(&self, app: &App) -> Part {
        match app.popup {
            Some(Popup::Info { scroll, .. }) => Part::Info(scroll),
            _ => Part::Info(0),
        }
    }
}

/// `i`: opens the info popup and asks the worker for the details, or closes it.
pub fn toggle_info(app: &mut App) {
    if matches!(app.popup, Some(Popup::Info { .. })) {
        app.popup = None;
        return;
    }
    app.jobs.push(Job::Info { now: app.now() });
    app.writes_pending += 1;
    app.popup = Some(Popup::Info { scroll: 0, info: None });
}

/// The level picker.
pub struct LevelPicker;

/// The one [`LevelPicker`].
pub static LEVEL: LevelPicker = LevelPicker;

impl Component for LevelPicker {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        match press.action {
            Action::PickDigit => {
                if let (crossterm::event::KeyCode::Char(c), Some(Popup::LevelPicker { choice, .. })) =
                    (press.code, &mut app.popup)
                {
                    if let Some(digit) = c.to_digit(10).filter(|d| *d <= 3) {
                        *choice = digit as u8;
                    }
                }
            }
            Action::PickApply => {
                if let Some(Popup::LevelPicker { name, choice, .. }) = app.popup.take() {
                    app.message = Some(Message::info(format!("setting level of {name} to {choice}…")));
                    app.jobs.push(Job::SetLevel { name, level: choice });
                    app.writes_pending += 1;
                }
            }
            action => {
                let Some(delta) = movement(app, action) else { return false };
                if let Some(Popup::LevelPicker { choice, .. }) = &mut app.popup {
                    *choice = (*choice as isize).saturating_add(delta).clamp(0, 3) as u8;
                }
            }
        }
        true
    }

    fn offers(&self, _app: &App, _action: Action) -> Option<bool> {
        None
    }

    fn part(&self, _app: &App) -> Part {
        Part::LevelPicker
    }
}

/// The export format popup.
pub struct Export;

/// The one [`Export`].
pub static EXPORT: Export = Export;

impl Component for Export {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        let format = match press.action {
            Action::ExportCsv => export::Format::Csv,
            Action::ExportJson => export::Format::Json,
            _ => return false,
        };
        app.popup = None;
        app.message = Some(match export::write(app, format, &app.export_dir) {
            Ok((path, rows)) => Message::info(format!("wrote {rows} rows to {}", path.display())),
            Err(e) => Message::error(format!("export: {e}"), false),
        });
        true
    }

    fn offers(&self, _app: &App, _action: Action) -> Option<bool> {
        None
    }

    fn part(&self, _app: &App) -> Part {
        Part::Export
    }
}

/// `e`: the export popup, when the view on screen can be exported.
pub fn open_export(app: &mut App) {
    if app.available(Action::Export) {
        app.popup = Some(Popup::Export);
    }
}

/// `m`: the level picker for the endpoint Enter would open.
pub fn open_level_picker(app: &mut App) {
    let row = app.selected_endpoint().and_then(|id| app.table.row(id));
    if let Some(row) = row {
        app.popup = Some(Popup::LevelPicker {
            id: row.id,
            name: row.name.clone(),
            current: row.monitor_level,
            choice: row.monitor_level.unwrap_or(1),
        });
    }
}
