//! An endpoint's Outliers and Exceptions tabs: Enter opens the selected row's detail (the outlier's is beside
//! the list on wide terminals), `J`/`K` (and `j`/`k` while it is open) scroll it, `y` copies its section on
//! top, Esc closes it; `s` orders outliers by time or by duration. The detail's model is [`crate::detail`].

use super::lists::movement;
use super::{Component, Part, Press};
use crate::app::{App, Message};
use crate::cursor::Cursor;
use crate::keys::Action;
use crate::nav::EndpointTab;
use crate::views::ViewData;

/// The Outliers and Exceptions tabs.
pub struct Incidents;

/// The one [`Incidents`].
pub static INCIDENTS: Incidents = Incidents;

impl Component for Incidents {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        match press.action {
            Action::SortNext if app.on_tab(EndpointTab::Outliers) => {
                app.outliers_by_duration = !app.outliers_by_duration;
                app.cursor = Cursor::default();
                app.detail_scroll = 0;
            }
            Action::Detail => {
                if app.available(Action::Detail) {
                    app.detail_open = !app.detail_open;
                    app.detail_scroll = 0;
                }
            }
            Action::DetailDown => app.scroll_detail(1),
            Action::DetailUp => app.scroll_detail(-1),
            Action::Copy => app.copy_section(),
            Action::Back if app.detail_open => {
                app.detail_open = false;
                app.detail_scroll = 0;
            }
            action if app.detail_open => match movement(app, action) {
                Some(delta) => {
                    let delta = if delta == isize::MIN { -(app.detail_scroll as isize) } else { delta };
                    app.scroll_detail(delta);
                }
                None => return false,
            },
            _ => return false,
        }
        true
    }

    fn offers(&self, app: &App, action: Action) -> Option<bool> {
        Some(match action {
            Action::SortNext => app.on_tab(EndpointTab::Outliers),
            Action::Detail => app.row_count() > 0,
            Action::DetailDown | Action::DetailUp | Action::Copy => app.detail_shown(),
            _ => return None,
        })
    }

    fn part(&self, app: &App) -> Part {
        if app.on_tab(EndpointTab::Outliers) {
            Part::Outliers
        } else {
            Part::Exceptions
        }
    }
}

impl App {
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
            Some(ViewData::Outliers(view)) if self.on_tab(EndpointTab::Outliers) => {
                let rows = crate::detail::outlier::sorted(view, self.outliers_by_duration);
                let row = rows.get(self.cursor.row.min(rows.len().saturating_sub(1)));
                row.map(|r| crate::detail::outlier::sections(r, view.average, self.timezone)).unwrap_or_default()
            }
            Some(ViewData::Exceptions(entries)) if self.on_tab(EndpointTab::Exceptions) => {
                let entry = entries.get(self.cursor.row.min(entries.len().saturating_sub(1)));
                entry.map(|e| crate::detail::exception::sections(e, self.timezone, self.now())).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// Scrolls the detail on screen by `delta` lines.
    pub(crate) fn scroll_detail(&mut self, delta: isize) {
        if !self.detail_shown() {
            return;
        }
        let lines: usize = self.detail_sections().iter().map(|s| s.lines.len() + 1).sum();
        self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(lines.saturating_sub(1));
    }

    /// Puts the section at the top of the detail on the clipboard (an OSC 52 sequence the event loop writes).
    pub(crate) fn copy_section(&mut self) {
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
}
