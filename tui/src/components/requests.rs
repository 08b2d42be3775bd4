//! An endpoint's Requests tab: `/` opens the filter prompt (`status:5xx user:alice …`, typed on the footer
//! line), `s` switches newest ↔ longest first, Enter opens the request under the cursor in the detail popup,
//! whose `j`/`k` scroll it and Esc closes it. The tab's state is [`crate::requests::RequestsTab`].

use super::lists::movement;
use super::{Component, Part, Press};
use crate::app::{App, Message};
use crate::keys::Action;

/// The Requests tab.
pub struct Requests;

/// The one [`Requests`].
pub static REQUESTS: Requests = Requests;

impl Component for Requests {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        match press.action {
            Action::FilterType | Action::FilterDelete | Action::FilterKeep | Action::FilterClear
                if app.requests.prompt.is_some() =>
            {
                app.request_prompt_key(press.action, press.code)
            }
            Action::Search => {
                if app.available(Action::Search) {
                    app.requests.start_prompt();
                    app.message = Some(Message::info(crate::requests::PROMPT_HELP.into()));
                }
            }
            Action::SortNext => {
                if app.available(Action::SortNext) {
                    app.toggle_request_order();
                }
            }
            Action::Detail => {
                if app.available(Action::Detail) {
                    app.open_request();
                }
            }
            Action::Back if app.request_open() => app.close_request(),
            action if app.request_open() => match movement(app, action) {
                Some(delta) => app.scroll_request(if delta == isize::MIN { isize::MIN / 2 } else { delta }),
                None => return false,
            },
            _ => return false,
        }
        true
    }

    fn offers(&self, app: &App, action: Action) -> Option<bool> {
        let open = app.request_open();
        Some(match action {
            Action::SortNext | Action::Search => !open,
            Action::Detail => !open && app.row_count() > 0,
            _ => return None,
        })
    }

    fn part(&self, _app: &App) -> Part {
        Part::Requests
    }
}
