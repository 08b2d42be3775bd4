//! The overview's housekeeping popups: the merge target picker (`M`), the prune age picker (`P`: `1`-`4`, `c`
//! keeps or deletes custom graph data), and the confirmation that shows a dry run's counts before anything is
//! deleted (`D`, and after either picker); only `y` confirms. The worker previews and applies
//! ([`crate::query::Housekeeping`]).

use crossterm::event::KeyCode;

use super::lists::movement;
use super::popups::Popup;
use super::{Component, Part, Press};
use crate::app::{App, Message};
use crate::keys::Action;
use crate::nav::PRUNE_AGES;
use crate::query::{Housekeeping, Job};

/// The merge target picker.
pub struct MergePicker;

/// The one [`MergePicker`].
pub static MERGE: MergePicker = MergePicker;

/// The prune age picker.
pub struct PrunePicker;

/// The one [`PrunePicker`].
pub static PRUNE: PrunePicker = PrunePicker;

/// The confirmation with the dry run's counts.
pub struct Confirm;

/// The one [`Confirm`].
pub static CONFIRM: Confirm = Confirm;

impl Component for MergePicker {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        if press.action == Action::Choose {
            match app.popup.take() {
                Some(Popup::MergePicker { from, choices, choice }) => match choices.get(choice) {
                    Some(into) => preview(app, Housekeeping::MergeEndpoints { from, into: into.clone() }),
                    None => app.popup = Some(Popup::MergePicker { from, choices, choice }),
                },
                other => app.popup = other,
            }
            return true;
        }
        let Some(delta) = movement(app, press.action) else { return false };
        if let Some(Popup::MergePicker { choices, choice, .. }) = &mut app.popup {
            let last = choices.len().saturating_sub(1) as isize;
            *choice = (*choice as isize).saturating_add(delta).clamp(0, last) as usize;
        }
        true
    }

    fn offers(&self, _app: &App, _action: Action) -> Option<bool> {
        None
    }

    fn part(&self, _app: &App) -> Part {
        Part::Housekeeping
    }
}

impl Component for PrunePicker {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        match press.action {
            Action::PickAge => {
                if let (KeyCode::Char(c), Some(Popup::PrunePicker { choice, .. })) = (press.code, &mut app.popup) {
                    if let Some(digit) = c.to_digit(10).filter(|d| (1..=PRUNE_AGES.len() as u32).contains(d)) {
                        *choice = digit as usize - 1;
                    }
                }
            }
            Action::ToggleGraphs => {
                if let Some(Popup::PrunePicker { keep_graphs, .. }) = &mut app.popup {
                    *keep_graphs = !*keep_graphs;
                }
            }
            Action::Choose => match app.popup.take() {
                Some(Popup::PrunePicker { choice, keep_graphs }) => {
                    let (age, days) = PRUNE_AGES.get(choice).copied().unwrap_or(PRUNE_AGES[1]);
                    let cutoff = app.now() - chrono::Duration::days(i64::from(days));
                    preview(app, Housekeeping::Prune { age, cutoff, keep_custom_graphs: keep_graphs });
                }
                other => app.popup = other,
            },
            action => {
                let Some(delta) = movement(app, action) else { return false };
                if let Some(Popup::PrunePicker { choice, .. }) = &mut app.popup {
                    let last = PRUNE_AGES.len() as isize - 1;
                    *choice = (*choice as isize).saturating_add(delta).clamp(0, last) as usize;
                }
            }
        }
        true
    }

    fn offers(&self, _app: &App, _action: Action) -> Option<bool> {
        None
    }

    fn part(&self, _app: &App) -> Part {
        Part::Housekeeping
    }
}

impl Component for Confirm {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        if press.action != Action::Confirm {
            return false;
        }
        if app.available(Action::Confirm) {
            if let Some(Popup::Confirm { op, .. }) = app.popup.take() {
                let doing = match &op {
                    Housekeeping::DeleteEndpoint { name } => format!("deleting endpoint {name}…"),
                    Housekeeping::MergeEndpoints { from, into } => format!("merging {from} into {into}…"),
                    Housekeeping::Prune { age, .. } => format!("pruning requests older than {age}…"),
                };
                app.message = Some(Message::info(doing));
                app.jobs.push(Job::Apply(op));
                app.writes_pending += 1;
            }
        }
        true
    }

    fn offers(&self, app: &App, action: Action) -> Option<bool> {
        match (action, &app.popup) {
            (Action::Confirm, Some(Popup::Confirm { op, preview: Some(Ok(rows)) })) => {
                Some(!matches!(op, Housekeeping::Prune { .. }) || rows.total() > 0)
            }
            _ => None,
        }
    }

    fn part(&self, _app: &App) -> Part {
        Part::Housekeeping
    }
}

/// Opens the confirmation popup for `op` and asks the worker what it would delete.
fn preview(app: &mut App, op: Housekeeping) {
    app.jobs.push(Job::Preview(op.clone()));
    app.writes_pending += 1;
    app.popup = Some(Popup::Confirm { op, preview: None });
}

/// `D`: asks to delete the selected endpoint (after a dry run).
pub fn ask_delete(app: &mut App) {
    if let Some(row) = app.table.selected().filter(|_| app.available(Action::DeleteEndpoint)) {
        let op = Housekeeping::DeleteEndpoint { name: row.name.clone() };
        preview(app, op);
    }
}

/// `M`: the picker of the endpoint the selected one is merged into.
pub fn open_merge_picker(app: &mut App) {
    if let Some(row) = app.table.selected().filter(|_| app.available(Action::MergeEndpoint)) {
        let from = row.name.clone();
        let mut choices: Vec<String> =
            app.table.all_rows().iter().map(|r| r.name.clone()).filter(|n| *n != from).collect();
        choices.sort();
        app.popup = Some(Popup::MergePicker { from, choices, choice: 0 });
    }
}

/// `P`: the picker of the age of the requests to prune (90 days first).
pub fn open_prune_picker(app: &mut App) {
    if app.available(Action::Prune) {
        app.popup = Some(Popup::PrunePicker { choice: 1, keep_graphs: false });
    }
}
