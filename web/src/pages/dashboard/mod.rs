//! The dashboard's tabs beside the overview, one module each (the console's dashboard tabs, `tui/src/render/`):
//!
//! * [`hourly`]: `/{link}/hourly`, requests per local day and hour as a heatmap.
//! * [`daily`]: `/{link}/daily`, requests per local day split by endpoint.
//! * [`versions`]: `/{link}/versions`, each endpoint's share per version, and the versions in use.
//! * [`performance`]: `/{link}/performance`, box plots of durations per endpoint.
//! * [`latency`]: `/{link}/latency`, p50 and p95 over time.
//! * [`status`]: `/{link}/status`, status codes per endpoint and the latest errors.
//! * [`exceptions`]: `/{link}/exceptions`, every endpoint's exception groups with their stacks.
//! * [`graphs`]: `/{link}/graphs`, the custom graphs over the window.
//! * [`report`]: `/{link}/report`, which endpoints changed between two days, weeks, months or versions.
//!
//! Each reads its window and zone from the URL ([`View::of`]), asks the dashboard layer once or twice and
//! draws the answer inside the frame; lists are bounded (pages of rows or days) and say how many there are.

pub mod daily;
pub mod exceptions;
pub mod graphs;
pub mod hourly;
pub mod latency;
pub mod performance;
pub mod report;
pub mod status;
pub mod versions;

use std::cmp::Ordering;
use std::ops::Range;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use maud::{html, Markup};

use super::frame::{self, Frame, Tabs};
use super::View;
use crate::auth::Viewer;
use crate::charts::bars::{Paint, PALETTE};
use crate::params::PageQuery;
use crate::state::AppState;

/// The routes of these pages.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/hourly"), get(hourly::page))
        .route(&format!("{at}/daily"), get(daily::page))
        .route(&format!("{at}/versions"), get(versions::page))
        .route(&format!("{at}/performance"), get(performance::page))
        .route(&format!("{at}/latency"), get(latency::page))
        .route(&format!("{at}/status"), get(status::page))
        .route(&format!("{at}/exceptions"), get(exceptions::page))
        .route(&format!("{at}/graphs"), get(graphs::page))
        .route(&format!("{at}/report"), get(report::page))
}

/// Local days on one page of the day-based charts (hourly, daily).
pub const DAYS_PER_PAGE: usize = 31;

/// Everything a dashboard page draws its frame with.
pub(crate) struct Page<'a> {
    pub state: &'a AppState,
    pub viewer: &'a Viewer,
    pub query: &'a PageQuery,
    pub view: View,
}

impl Page<'_> {
    /// The page inside the frame: tab `slug` selected, `title` in the header, the window picker when `window`.
    pub fn render(&self, slug: &str, title: &str, window: bool, content: Markup) -> Response {
        let frame = Frame {
            title,
            viewer: self.viewer,
            query: self.query,
            window: window.then_some(self.view.window),
            zone: self.view.zone,
            tabs: Tabs::Dashboard(slug),
            live: true,
        };
        frame::page(self.state, &frame, content).into_response()
    }

    /// The query string other pages are linked with: window and zone kept, this page's order, filter and
    /// page dropped.
    pub fn keep(&self) -> String {
        self.query.with(&[("sort", None), ("dir", None), ("q", None), ("page", None)])
    }

    /// The link to endpoint `id`'s tab `tab` (`""`: its summary), keeping window and zone.
    pub fn endpoint(&self, id: i64, tab: &str) -> String {
        format!("{}{}", self.state.path(&format!("endpoint/{id}/{tab}")), self.keep())
    }

    /// Whether `name` passes the page's filter (`q`, case-insensitive, anywhere in the name).
    pub fn matches(&self, name: &str) -> bool {
        match self.query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            None => true,
            Some(q) => name.to_lowercase().contains(&q.to_lowercase()),
        }
    }

    /// What the window covers in words, with the zone: `last 7 days (UTC)`.
    pub fn phrase(&self, days: bool) -> String {
        let zone = self.view.zone;
        let what = if days { self.view.window.days_phrase(zone) } else { self.view.window.phrase(zone) };
        format!("{what} ({})", zone.name())
    }

    /// The colour of endpoint `name`, the `index`-th drawn: the configuration's, else the palette's.
    pub fn paint(&self, name: &str, index: usize) -> Paint {
        match self.state.settings().colors.get(name) {
            Some(rgb) => Paint::Rgb(*rgb),
            None => Paint::Rgb(PALETTE[index % PALETTE.len()]),
        }
    }
}

/// The filter box (`q`), keeping the query's other keys, with what it filters and how many pass.
pub(crate) fn filter_form(query: &PageQuery, placeholder: &str, note: Markup) -> Markup {
    html! {
        div.toolbar {
            form.filter method="get" role="search" {
                @for (key, value) in frame::hidden_keeping(query, &[]) { input type="hidden" name=(key) value=(value); }
                input #filter type="search" name="q" value=(query.q.as_deref().unwrap_or("")) placeholder=(placeholder) aria-label=(placeholder);
            }
            span.muted { (note) }
        }
    }
}

/// `Fri 27 Nov` for a layer's `YYYY-MM-DD` day (the text itself when it is not one).
pub(crate) fn day_label(day: &str) -> String {
    match day.parse::<NaiveDate>() {
        Ok(d) => d.format("%a %d %b").to_string(),
        Err(_) => day.to_string(),
    }
}

/// The days of page `page` (from 1) of `len` days listed newest first: indexes into the oldest-first list,
/// newest first.
pub(crate) fn day_page(len: usize, page: usize) -> Vec<usize> {
    let end = len.saturating_sub((page - 1) * DAYS_PER_PAGE);
    let start = end.saturating_sub(DAYS_PER_PAGE);
    (start..end).rev().collect()
}

/// Links to the newer and older days of a day-based chart of `len` days, on page `page` (from 1).
pub(crate) fn day_pager(query: &PageQuery, page: usize, len: usize) -> Markup {
    let pages = len.div_ceil(DAYS_PER_PAGE).max(1);
    if pages <= 1 && page <= 1 {
        return html! {};
    }
    let newer = (page > 1).then(|| query.with(&[("page", Some(&(page - 1).min(pages).to_string()))]));
    let older = (page < pages).then(|| query.with(&[("page", Some(&(page + 1).to_string()))]));
    html! {
        nav.pager aria-label="Days" {
            @if let Some(href) = newer { a href=(href) rel="prev" { "‹ newer days" } }
            span.muted { "days page " (page) " of " (pages) " · " (len) " days in all" }
            @if let Some(href) = older { a href=(href) rel="next" { "older days ›" } }
        }
    }
}

/// Rows `page` (from 1) of `len` rows, `per_page` a page.
pub(crate) fn rows_of_page(len: usize, page: usize, per_page: usize) -> Range<usize> {
    let start = ((page - 1) * per_page).min(len);
    start..(start + per_page).min(len)
}

/// Orders `rows` by `natural` (the column's natural reading: biggest, slowest, newest first; names A-Z),
/// reversed when the query asks for ascending.
pub(crate) fn order<T>(rows: &mut [T], query: &PageQuery, natural: impl Fn(&T, &T) -> Ordering) {
    rows.sort_by(natural);
    if !query.descending() {
        rows.reverse();
    }
}

/// Descending by a number that may be missing (missing last).
pub(crate) fn by_number(a: Option<f64>, b: Option<f64>) -> Ordering {
    b.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.unwrap_or(f64::NEG_INFINITY))
}

/// `1 request`, `28 requests`.
pub(crate) fn requests(n: u64) -> String {
    if n == 1 {
        "1 request".to_string()
    } else {
        format!("{} requests", super::format::count(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_pages_run_newest_first() {
        assert_eq!(day_page(3, 1), [2, 1, 0]);
        let first = day_page(40, 1);
        assert_eq!((first.len(), first[0], first[30]), (31, 39, 9));
        assert_eq!(day_page(40, 2), (0..9).rev().collect::<Vec<_>>());
        assert!(day_page(40, 3).is_empty());
        assert_eq!(rows_of_page(120, 3, 50), 100..120);
        assert_eq!(rows_of_page(10, 5, 50), 10..10);
        assert_eq!(day_label("2026-11-27"), "Fri 27 Nov");
    }
}
