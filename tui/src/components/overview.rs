//! The dashboard's Overview tab: the endpoint table's selection (`j`/`k`, pages, ends), its sort keys in the
//! footer, and the housekeeping keys that start from the selected endpoint (`D` delete, `M` merge, `P` prune).

use super::lists::movement;
use super::{housekeeping, Component, Part, Press};
use crate::app::App;
use crate::keys::Action;

/// The Overview tab.
pub struct Overview;

/// The one [`Overview`].
pub static OVERVIEW: Overview = Overview;

impl Component for Overview {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        match press.action {
            Action::DeleteEndpoint => housekeeping::ask_delete(app),
            Action::MergeEndpoint => housekeeping::open_merge_picker(app),
            Action::Prune => housekeeping::open_prune_picker(app),
            action => match movement(app, action) {
                Some(isize::MIN) => app.table.top(),
                Some(isize::MAX) => app.table.bottom(),
                Some(delta) => app.table.move_by(delta),
                None => return false,
            },
        }
        true
    }

    fn offers(&self, app: &App, action: Action) -> Option<bool> {
        Some(match action {
            Action::DeleteEndpoint => app.table.selected().is_some(),
            Action::MergeEndpoint => app.table.selected().is_some() && app.table.all_rows().len() > 1,
            Action::Prune | Action::SortNext | Action::SortPrev | Action::SortInvert => true,
            _ => return None,
        })
    }

    fn part(&self, _app: &App) -> Part {
        Part::Overview
    }
}
