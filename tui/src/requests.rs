//! The Requests tab's own state: its filter (typed on a prompt, `/`), its order (`s`: newest or longest first),
//! the request the cursor is on (kept through live refreshes: rows arrive above it, the cursor stays on it) and
//! the request open in the detail popup (`Enter`).
//!
//! Filtering and sorting run in the database query ([`fmd_core::Store::requests`]); the tab's query key
//! ([`RequestsKey`]) carries them as plain `Copy` values so that it fits the console's view cache keys.

use arrayvec::ArrayString;
use fmd_core::store::views::{
    RequestFilter, RequestOrder, RequestQuery, RequestRow, StatusRange, TextMatch, MAX_MATCH_LEN,
};

use crate::cursor::Cursor;

/// Longest prompt accepted (characters).
const MAX_PROMPT: usize = 400;

/// A [`TextMatch`] as a `Copy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyText {
    text: ArrayString<MAX_MATCH_LEN>,
    prefix: bool,
}

impl KeyText {
    fn new(m: &TextMatch) -> Option<KeyText> {
        Some(KeyText { text: ArrayString::from(&m.text).ok()?, prefix: m.prefix })
    }

    fn get(&self) -> TextMatch {
        TextMatch { text: self.text.to_string(), prefix: self.prefix }
    }
}

/// The Requests tab's query (filter and order) as a `Copy` key for [`crate::views::ViewKind::Requests`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RequestsKey {
    order: RequestOrder,
    status: Option<StatusRange>,
    user: Option<KeyText>,
    ip: Option<KeyText>,
    version: Option<KeyText>,
}

impl RequestsKey {
    /// The key of `query`; `None` when a value is longer than a key holds (the parser refuses those).
    pub fn new(query: &RequestQuery) -> Option<RequestsKey> {
        let text = |m: &Option<TextMatch>| m.as_ref().map(KeyText::new).map_or(Some(None), |k| k.map(Some));
        Some(RequestsKey {
            order: query.order,
            status: query.filter.status,
            user: text(&query.filter.user)?,
            ip: text(&query.filter.ip)?,
            version: text(&query.filter.version)?,
        })
    }

    /// The store's query.
    pub fn query(&self) -> RequestQuery {
        RequestQuery {
            filter: RequestFilter {
                status: self.status,
                user: self.user.map(|k| k.get()),
                ip: self.ip.map(|k| k.get()),
                version: self.version.map(|k| k.get()),
            },
            order: self.order,
        }
    }
}

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
        RequestsKey::new(&self.query).unwrap_or_default()
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
    /// when older ones were pruned); when that request is gone it keeps its row. `page` rows fit on screen.
    pub fn follow(&mut self, rows: &[RequestRow], cursor: &mut Cursor, page: usize) {
        if let Some(at) = self.selected.and_then(|id| rows.iter().position(|r| r.id == id)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ids: &[i64]) -> Vec<RequestRow> {
        ids.iter()
            .map(|id| RequestRow {
                id: *id,
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
