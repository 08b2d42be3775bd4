//! Pieces of every table page: headings that sort by their column (server-side, a plain link, so it works
//! without JavaScript) and a pager for paged lists.

use maud::{html, Markup};

use crate::params::PageQuery;

/// A heading that sorts by `key` when clicked (a second click reverses); `numeric` right-aligns it.
/// `default` is the key the page sorts by without `?sort=`.
pub fn sort_heading(query: &PageQuery, key: &str, heading: &str, numeric: bool, default: &str) -> Markup {
    let current = query.sort.as_deref().unwrap_or(default) == key;
    let descending = query.descending();
    let dir = if current && descending { "asc" } else { "desc" };
    let aria = current.then_some(if descending { "descending" } else { "ascending" });
    html! {
        th.num[numeric] aria-sort=[aria] {
            a href=(query.with(&[("sort", Some(key)), ("dir", Some(dir)), ("page", None)])) {
                (heading) @if current { @if descending { " ▼" } @else { " ▲" } }
            }
        }
    }
}

/// Previous / next links for page `page` (from 1) of `per_page` rows, `shown` rows on this page, `total`
/// rows in all when known.
pub fn pager(query: &PageQuery, page: usize, per_page: usize, shown: usize, total: Option<u64>) -> Markup {
    let first = (page - 1) * per_page + 1;
    let last = (page - 1) * per_page + shown;
    let more = match total {
        Some(total) => (last as u64) < total,
        None => shown == per_page,
    };
    let previous = (page > 1).then(|| query.with(&[("page", Some(&(page - 1).to_string()))]));
    let next = more.then(|| query.with(&[("page", Some(&(page + 1).to_string()))]));
    html! {
        nav.pager aria-label="Pages" {
            @if let Some(href) = previous { a href=(href) rel="prev" { "‹ newer" } }
            span.muted {
                @if shown == 0 { "none" } @else { (first) "–" (last) }
                @if let Some(total) = total { " of " (super::format::count(total)) }
            }
            @if let Some(href) = next { a href=(href) rel="next" { "older ›" } }
        }
    }
}
