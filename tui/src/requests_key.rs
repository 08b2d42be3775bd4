//! The Requests tab's query (filter and order) as a small `Copy` value, so that it can be part of a view key
//! ([`crate::views::ViewKind::Requests`]). Its texts are interned: each distinct text a filter is given is kept
//! once for the life of the process (a few bytes per filter typed), so keys hold a `&'static str`.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, StatusRange, TextMatch};

/// The one copy of `text` (made on first use).
fn intern(text: &str) -> &'static str {
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut texts = TEXTS.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(kept) = texts.get(text) {
        return kept;
    }
    let kept: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(kept);
    kept
}

/// A [`TextMatch`] as a `Copy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyText {
    text: &'static str,
    prefix: bool,
}

impl KeyText {
    fn new(m: &TextMatch) -> KeyText {
        KeyText { text: intern(&m.text), prefix: m.prefix }
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
    /// The key of `query`.
    pub fn new(query: &RequestQuery) -> RequestsKey {
        let text = |m: &Option<TextMatch>| m.as_ref().map(KeyText::new);
        RequestsKey {
            order: query.order,
            status: query.filter.status,
            user: text(&query.filter.user),
            ip: text(&query.filter.ip),
            version: text(&query.filter.version),
        }
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
