//! The Requests tab's query (filter and order) as a `Copy` value, so that it can be part of a view key
//! ([`crate::views::ViewKind::Requests`]): texts are held inline, at most FMD's column width.

use arrayvec::ArrayString;
use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, StatusRange, TextMatch, MAX_MATCH_LEN};

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
