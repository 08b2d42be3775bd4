//! What every dashboard tab shares: the endpoint filter (`/`, typed live on the footer line, Enter keeps it,
//! Esc clears it) and the overview's sort keys (`s` `S` `I` sort the overview table from any dashboard tab;
//! the footer offers them on the Overview only).

use crossterm::event::KeyCode;

use super::{Component, Part, Press};
use crate::app::{App, Screen};
use crate::keys::Action;
use crate::nav::DashTab;

/// Longest filter accepted (characters).
const MAX_FILTER: usize = 200;

/// The endpoint filter line and the dashboard's shared sort and filter keys.
pub struct Filter;

/// The one [`Filter`].
pub static FILTER: Filter = Filter;

impl Component for Filter {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        let dashboard = app.screen == Screen::Dashboard;
        match press.action {
            Action::SortNext if dashboard => app.table.cycle_sort(1),
            Action::SortPrev if dashboard => app.table.cycle_sort(-1),
            Action::SortInvert if dashboard => app.table.invert_sort(),
            Action::Filter => {
                if app.available(Action::Filter) {
                    app.filter_editing = true;
                }
            }
            Action::FilterType => {
                if let KeyCode::Char(c) = press.code {
                    if app.filter.chars().count() < MAX_FILTER {
                        app.filter.push(c);
                        app.table.set_filter(&app.filter);
                    }
                }
            }
            Action::FilterDelete => {
                app.filter.pop();
                app.table.set_filter(&app.filter);
            }
            Action::FilterKeep => app.filter_editing = false,
            Action::FilterClear => {
                app.filter.clear();
                app.filter_editing = false;
                app.table.set_filter("");
            }
            _ => return false,
        }
        true
    }

    fn offers(&self, app: &App, action: Action) -> Option<bool> {
        Some(match action {
            Action::FilterClear => app.filter_editing || !app.filter.is_empty() || app.requests.prompt.is_some(),
            Action::Filter => {
                app.screen == Screen::Dashboard
                    && matches!(
                        app.dash_tab,
                        DashTab::Overview | DashTab::Daily | DashTab::Versions | DashTab::Performance | DashTab::Report
                    )
            }
            _ => return None,
        })
    }

    fn part(&self, app: &App) -> Part {
        super::tab(app).part(app)
    }
}
