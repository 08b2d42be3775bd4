//! The Requests tab's own state: its filter (typed on a prompt, `/`), its order (`s`: newest or longest first),
//! the request the cursor is on (kept through live refreshes: rows arrive above it, the cursor stays on it) and
//! the request open in the detail popup (`Enter`).
//!
//! Filtering and sorting run in the database query ([`fmd_core::Store::requests`]); the tab's query key
//! ([`RequestsKey`], the dashboard layer's) carries them as `Copy` values, as the console's view cache keys are.

use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, RequestRow};

use crossterm::event::KeyCode;

use crate::app::{App, Message, Screen};
use crate::cursor::Cursor;
use crate::keys::Action;
use crate::nav::EndpointTab;
use crate::views::{Cached, ViewCache, ViewData, ViewKey, ViewKind};
pub use fmd_core::dashboard::RequestsKey;

/// Longest prompt accepted (characters).
const MAX_PROMPT: usize = 400;

/// What the prompt takes, shown when it opens.
pub const PROMPT_HELP: &str =
    "filter by status:5xx|404|400-499 user:NAME ip:ADDR version:V (a trailing * matches a prefix)";

/// The Requests tab's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestsTab {
    /// The filter and order applied.
    pub query: RequestQuery,
    /// The filter prompt's text while it is typed.
    pub prompt: Option<String>,
    /// Why the text last submitted was refused (shown on the prompt line until the next key).
    pub error: Option<String>,
    /// The id of the request under the cursor.
    pub selected: Option<i64>,
    /// The request open in the detail popup, and the first line of it shown.
    pub detail: Option<(i64, usize)>,
}

impl RequestsTab {
    /// The key of the applied query.
    pub fn key(&self) -> RequestsKey {
        RequestsKey::new(&self.query)
    }

    /// `s`: newest first ↔ longest first. The cursor goes back to the top (another list).
    pub fn toggle_order(&mut self, cursor: &mut Cursor) {
        self.query.order = match self.query.order {
            RequestOrder::Time => RequestOrder::Duration,
            RequestOrder::Duration => RequestOrder::Time,
        };
        *cursor = Cursor::default();
        self.selected = None;
    }

    /// `/`: opens the prompt on the filter applied, to edit it.
    pub fn start_prompt(&mut self) {
        self.prompt = Some(self.query.filter.to_string());
        self.error = None;
    }

    /// A character typed on the prompt.
    pub fn type_char(&mut self, c: char) {
        if let Some(p) = &mut self.prompt {
            if p.chars().count() < MAX_PROMPT {
                p.push(c);
            }
            self.error = None;
        }
    }

    /// Backspace on the prompt.
    pub fn backspace(&mut self) {
        if let Some(p) = &mut self.prompt {
            p.pop();
            self.error = None;
        }
    }

    /// Enter on the prompt: applies the text when it parses (true when the filter changed), else keeps the
    /// prompt open with the reason.
    pub fn submit(&mut self, cursor: &mut Cursor) -> bool {
        let Some(text) = &self.prompt else { return false };
        match RequestFilter::parse(text) {
            Ok(filter) => {
                self.prompt = None;
                self.error = None;
                self.set_filter(filter, cursor)
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }

    /// Esc: on the prompt, closes it and clears the filter; true when the filter changed.
    pub fn clear(&mut self, cursor: &mut Cursor) -> bool {
        self.prompt = None;
        self.error = None;
        self.set_filter(RequestFilter::default(), cursor)
    }

    fn set_filter(&mut self, filter: RequestFilter, cursor: &mut Cursor) -> bool {
        if filter == self.query.filter {
            return false;
        }
        self.query.filter = filter;
        *cursor = Cursor::default();
        self.selected = None;
        true
    }

    /// After the cursor moved over `rows`: remember which request it is on.
    pub fn track(&mut self, rows: &[RequestRow], cursor: &Cursor) {
        self.selected = rows.get(cursor.row.min(rows.len().saturating_sub(1))).map(|r| r.id);
    }

    /// New `rows` arrived: the cursor moves to the request it was on (rows arrived above it, or it moved down
    /// when older ones were pruned); when that request is gone it keeps its row. On the first row of the
    /// newest-first list it stays on top, following the newest request as `tail -f` would. `page` rows fit on
    /// screen.
    pub fn follow(&mut self, rows: &[RequestRow], cursor: &mut Cursor, page: usize) {
        let tailing = cursor.row == 0 && self.query.order == RequestOrder::Time;
        if let Some(at) = self.selected.and_then(|id| rows.iter().position(|r| r.id == id)).filter(|_| !tailing) {
            // Scroll with it: the rows it passed stay where they were on screen.
            let shift = at as isize - cursor.row as isize;
            cursor.offset = cursor.offset.saturating_add_signed(shift);
            cursor.row = at;
        }
        cursor.move_row(0, rows.len(), page);
        self.track(rows, cursor);
    }

    /// The request `Enter` opens: the one under the cursor.
    pub fn open(&mut self, rows: &[RequestRow], cursor: &Cursor) -> Option<i64> {
        let id = rows.get(cursor.row.min(rows.len().saturating_sub(1)))?.id;
        self.detail = Some((id, 0));
        Some(id)
    }

    /// Scrolls the detail by `delta` lines within `lines`.
    pub fn scroll(&mut self, delta: isize, lines: usize) {
        if let Some((_, scroll)) = &mut self.detail {
            *scroll = scroll.saturating_add_signed(delta).min(lines.saturating_sub(1));
        }
    }

    /// The title's words for the query: `newest first`, `longest first · status:5xx user:alice`.
    pub fn describe(&self) -> String {
        let order = match self.query.order {
            RequestOrder::Time => "newest first",
            RequestOrder::Duration => "longest first",
        };
        if self.query.filter.is_empty() {
            order.to_string()
        } else {
            format!("{order} · {}", self.query.filter)
        }
    }
}

/// The rows of the Requests list `key` in `views` (another window's while it loads; none when absent).
fn rows_of(views: &ViewCache, key: Option<ViewKey>) -> &[RequestRow] {
    match key.and_then(|key| views.get_or_similar(&key)).map(|c| &c.data) {
        Some(ViewData::Requests(rows)) => rows,
        _ => &[],
    }
}

impl App {
    /// The Requests tab's list query (also while the detail is open over it).
    fn request_list_key(&self) -> Option<ViewKey> {
        let Screen::Endpoint(id) = self.screen else { return None };
        Some(ViewKey { kind: ViewKind::Requests(self.requests.key()), window: self.window, endpoint: Some(id) })
    }

    /// The Requests tab's list: the answer to its query, or while that loads the same query's in another window.
    pub fn request_list(&self) -> Option<&Cached> {
        self.request_list_key().and_then(|key| self.views.get_or_similar(&key))
    }

    /// The request detail's answer, when open and loaded.
    pub fn request_detail(&self) -> Option<&fmd_core::store::RequestDetail> {
        let (id, _) = self.requests.detail?;
        let key = ViewKey {
            kind: ViewKind::RequestDetail(id),
            window: Default::default(),
            endpoint: self.view_key()?.endpoint,
        };
        match self.views.get(&key).map(|c| &c.data) {
            Some(ViewData::RequestDetail(detail)) => detail.as_deref(),
            _ => None,
        }
    }

    /// A key for the Requests tab's filter prompt.
    pub(crate) fn request_prompt_key(&mut self, action: Action, code: KeyCode) {
        let changed = match (action, code) {
            (Action::FilterType, KeyCode::Char(c)) => {
                self.requests.type_char(c);
                false
            }
            (Action::FilterDelete, _) => {
                self.requests.backspace();
                false
            }
            (Action::FilterKeep, _) => {
                let changed = self.requests.submit(&mut self.cursor);
                if let Some(error) = &self.requests.error {
                    self.message = Some(Message { text: error.clone(), error: true, from_query: false });
                }
                changed
            }
            _ => self.requests.clear(&mut self.cursor),
        };
        if changed {
            self.show_view();
        }
    }

    /// `s` on the Requests tab: newest ↔ longest first.
    pub(crate) fn toggle_request_order(&mut self) {
        self.requests.toggle_order(&mut self.cursor);
        self.show_view();
    }

    /// `Enter` on the Requests tab: the request under the cursor in the detail popup.
    pub(crate) fn open_request(&mut self) {
        let rows = rows_of(&self.views, self.request_list_key());
        if self.requests.open(rows, &self.cursor).is_some() {
            self.show_view();
        }
    }

    /// `Esc` in the detail: back to the list.
    pub(crate) fn close_request(&mut self) {
        self.requests.detail = None;
        self.show_view();
    }

    /// The request detail is open over the Requests tab.
    pub fn request_open(&self) -> bool {
        self.on_tab(EndpointTab::Requests) && self.requests.detail.is_some()
    }

    /// Scrolls the open detail.
    pub(crate) fn scroll_request(&mut self, delta: isize) {
        let lines = self.request_detail().map_or(0, |d| crate::detail::request::line_count(d, self));
        self.requests.scroll(delta, lines);
    }

    /// The cursor moved on the Requests tab: remember its request.
    pub(crate) fn request_cursor_moved(&mut self) {
        if self.on_tab(EndpointTab::Requests) && self.requests.detail.is_none() {
            let rows = rows_of(&self.views, self.request_list_key());
            self.requests.track(rows, &self.cursor);
        }
    }

    /// An answer for `key` arrived: when it is the Requests list on screen, the cursor goes to its request.
    pub(crate) fn request_list_arrived(&mut self, key: &ViewKey) {
        if self.on_tab(EndpointTab::Requests) && Some(*key) == self.request_list_key() {
            let page = self.page();
            let rows = rows_of(&self.views, Some(*key));
            self.requests.follow(rows, &mut self.cursor, page);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ids: &[i64]) -> Vec<RequestRow> {
        crate::tests::request_rows(ids.iter().copied())
    }

    #[test]
    fn the_cursor_stays_on_its_request_as_newer_ones_arrive_above_it() {
        let mut tab = RequestsTab::default();
        let mut cursor = Cursor::default();
        let first = rows(&[10, 9, 8, 7, 6, 5]);
        cursor.move_row(2, first.len(), 4);
        tab.track(&first, &cursor);
        assert_eq!(tab.selected, Some(8));
        // Three new requests arrive on top.
        let next = rows(&[13, 12, 11, 10, 9, 8, 7, 6, 5]);
        tab.follow(&next, &mut cursor, 4);
        assert_eq!((cursor.row, tab.selected), (5, Some(8)));
        assert!(cursor.offset <= 5 && 5 < cursor.offset + 4, "still on screen: {cursor:?}");
        // The request is gone (pruned): the cursor keeps its row and takes the request there.
        tab.follow(&rows(&[13, 12, 11, 10, 9, 7, 6, 5]), &mut cursor, 4);
        assert_eq!((cursor.row, tab.selected), (5, Some(7)));
        // Fewer rows than the cursor's row: the last one.
        tab.follow(&rows(&[13, 12]), &mut cursor, 4);
        assert_eq!((cursor.row, tab.selected), (1, Some(12)));
        // On the first row it follows the newest.
        cursor.move_row(isize::MIN, 2, 4);
        tab.track(&rows(&[13, 12]), &cursor);
        tab.follow(&rows(&[15, 14, 13, 12]), &mut cursor, 4);
        assert_eq!((cursor.row, tab.selected), (0, Some(15)));
    }

    #[test]
    fn the_prompt_applies_parsed_filters_and_keeps_refused_text() {
        let mut tab = RequestsTab::default();
        let mut cursor = Cursor { row: 4, col: 0, offset: 2 };
        tab.start_prompt();
        for c in "status:5xx user:al*".chars() {
            tab.type_char(c);
        }
        assert!(tab.submit(&mut cursor), "a new filter");
        assert_eq!((tab.prompt.as_deref(), cursor), (None, Cursor::default()));
        assert_eq!(tab.describe(), "newest first · status:5xx user:al*");
        let key = tab.key();
        assert_eq!(key.query(), tab.query, "the key carries the whole query");
        tab.start_prompt();
        assert_eq!(tab.prompt.as_deref(), Some("status:5xx user:al*"), "edits what is applied");
        tab.type_char(' ');
        tab.type_char('x');
        assert!(!tab.submit(&mut cursor));
        assert!(tab.error.as_deref().is_some_and(|e| e.contains("key:value")), "{:?}", tab.error);
        assert!(tab.prompt.is_some(), "still open to fix the text");
        assert!(tab.clear(&mut cursor), "Esc clears the filter");
        assert!(tab.query.filter.is_empty());
        tab.toggle_order(&mut cursor);
        assert_eq!(tab.describe(), "longest first");
        assert_ne!(tab.key(), RequestsKey::default(), "the order is part of the key");
    }
}
