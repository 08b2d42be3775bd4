//! `/{link}/performance`: a box plot of each endpoint's durations in the window on one shared axis (log when
//! they span decades), with p50, p95 and requests beside it; sortable by name, median, p95 and requests,
//! filtered by name, a page of endpoints at a time.

use axum::extract::{Query, State};
use axum::response::Response;
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::views::EndpointPerformance;
use fmd_core::store::DurationSummary;
use maud::{html, Markup};

use super::{by_number, filter_form, order, rows_of_page, Page};
use crate::auth::Viewer;
use crate::charts::boxplot;
use crate::pages::format::{count, ms};
use crate::pages::table::{pager, sort_heading};
use crate::pages::{frame, limits, PageError, View, PAGE_ROWS};
use crate::params::PageQuery;
use crate::state::AppState;

/// Width of a plot.
const PLOT: f64 = 420.0;

/// `GET /{link}/performance`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::DashPerformance, None, limits(0, 0), None).await?;
    let ViewData::Performance(rows) = &*data else {
        return Err(PageError::NotFound("the performance view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let content = html! {
        h1 { "Durations per endpoint · " (page.phrase(false)) }
        (body(&page, rows))
    };
    Ok(page.render("performance", "Performance", true, content))
}

fn summary(e: &EndpointPerformance) -> Option<&DurationSummary> {
    e.summary.as_ref()
}

fn body(page: &Page<'_>, all: &[EndpointPerformance]) -> Markup {
    let mut rows: Vec<&EndpointPerformance> = all.iter().filter(|e| page.matches(&e.name)).collect();
    let with_requests = all.iter().filter(|e| e.summary.is_some()).count();
    let note = html! { (rows.len()) " of " (all.len()) " endpoints · " (with_requests) " with requests in the window" };
    let filter = filter_form(page.query, "filter endpoints…  (/)", note);
    if with_requests == 0 {
        return frame::empty(&format!(
            "No requests with a duration in this window, {}: box plots appear as monitored services record requests (level 1 \
             or more).",
            page.phrase(false)
        ));
    }
    match page.query.sort.as_deref() {
        Some("name") => order(&mut rows, page.query, |a, b| a.name.cmp(&b.name)),
        Some("p50") => {
            order(&mut rows, page.query, |a, b| by_number(summary(a).map(|s| s.p50), summary(b).map(|s| s.p50)))
        }
        Some("p95") => {
            order(&mut rows, page.query, |a, b| by_number(summary(a).map(|s| s.p95), summary(b).map(|s| s.p95)))
        }
        _ => order(&mut rows, page.query, |a, b| {
            summary(b).map_or(0, |s| s.count).cmp(&summary(a).map_or(0, |s| s.count))
        }),
    }
    let number = page.query.page();
    let range = rows_of_page(rows.len(), number, PAGE_ROWS);
    let shown = &rows[range.clone()];
    // One axis for every endpoint that passes the filter, so pages compare too.
    let Some(scale) = boxplot::scale_for(rows.iter().filter_map(|e| summary(e)), PLOT) else {
        return html! { (filter) (frame::empty("No endpoint with requests in this window matches the filter.")) };
    };
    html! {
        (filter)
        p.muted {
            "Whiskers reach the furthest durations within 1.5 IQR of the box (p25 to p75); the bar is the median; dots are the \
             fastest and slowest beyond them. "
            @if scale.is_log() { "Log scale: the durations span decades." } @else { "Linear scale." }
        }
        table.data.boxes {
            thead {
                tr {
                    (sort_heading(page.query, "name", "endpoint", false, "count"))
                    th.plot { (boxplot::axis(&scale, PLOT)) }
                    (sort_heading(page.query, "p50", "p50", true, "count"))
                    (sort_heading(page.query, "p95", "p95", true, "count"))
                    (sort_heading(page.query, "count", "requests", true, "count"))
                }
            }
            tbody {
                @for e in shown {
                    tr data-href=(page.endpoint(e.id, "")) {
                        td { a href=(page.endpoint(e.id, "")) { (e.name) } }
                        @match summary(e) {
                            Some(s) => {
                                td.plot { (boxplot::plot(&scale, s, PLOT, &boxplot::title(&e.name, s))) }
                                td.num { (ms(Some(s.p50))) }
                                td.num { (ms(Some(s.p95))) }
                                td.num { (count(s.count)) }
                            }
                            None => {
                                td.plot.muted { "no requests in this window" }
                                td.num { "–" } td.num { "–" } td.num { "0" }
                            }
                        }
                    }
                }
            }
        }
        @if rows.len() > PAGE_ROWS { (pager(page.query, number, PAGE_ROWS, shown.len(), Some(rows.len() as u64))) }
    }
}
