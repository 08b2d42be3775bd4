//! `/{link}/status`: requests per status code over every endpoint, a stacked bar of codes per endpoint
//! (filtered by name), and the latest error requests (400-599) of any endpoint, newest first, a page at a
//! time, each linking to its endpoint's requests.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use fmd_core::dashboard::{DashStatus, NamedStatus, ViewData, ViewKind};
use maud::{html, Markup};

use super::{filter_form, requests, rows_of_page, Page};
use crate::auth::Viewer;
use crate::charts::bars::{self, status_paint, Bar, Paint, Segment};
use crate::pages::format::{count, instant, ms, share};
use crate::pages::table::pager;
use crate::pages::{frame, limits, PageError, View, PAGE_ROWS};
use crate::params::PageQuery;
use crate::state::AppState;

/// Endpoints with a bar at most (the busiest).
const BARS: usize = 50;

/// `GET /{link}/status`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let number = query.page();
    // The layer lists the latest errors from the newest: this page's are the last PAGE_ROWS of those.
    let data = view.ask(&state, ViewKind::DashStatus, None, limits(number * PAGE_ROWS, 0), None).await?;
    let ViewData::DashStatus(status) = &*data else {
        return Err(PageError::NotFound("the status view has no answer".into()));
    };
    let per_endpoint = view.ask(&state, ViewKind::StatusPerEndpoint, None, limits(0, 0), None).await?;
    let ViewData::StatusPerEndpoint(per_endpoint) = &*per_endpoint else {
        return Err(PageError::NotFound("the status view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let total: u64 = status.counts.iter().map(|(_, n)| n).sum();
    let content = html! {
        h1 { "Status codes · " (page.phrase(false)) }
        @if total == 0 {
            (frame::empty(&format!("No requests with a status code in this window, {}.", page.phrase(false))))
        } @else {
            (codes(status, total))
            h2 { "Per endpoint" }
            (endpoints(&page, per_endpoint))
            h2 { "Latest errors" }
            (errors(&page, status, per_endpoint, number))
        }
    };
    Ok(page.render("status", "Status", true, content))
}

fn codes(status: &DashStatus, total: u64) -> Markup {
    html! {
        table.data.codes {
            thead { tr { th { "code" } th.num { "requests" } th.num { "share" } } }
            tbody {
                @for (code, n) in &status.counts {
                    tr {
                        td { (bars::swatch(&status_paint(code))) " " span.error[code.starts_with('5')] { (code) } }
                        td.num { (count(*n)) }
                        td.num { (share(*n, total)) }
                    }
                }
            }
        }
        p.muted { (count(status.total_errors)) " error requests (400-599) in " (requests(total)) "." }
    }
}

fn endpoints(page: &Page<'_>, all: &[NamedStatus]) -> Markup {
    let sum = |s: &NamedStatus| s.status.counts.values().sum::<u64>();
    let mut shown: Vec<&NamedStatus> = all.iter().filter(|s| page.matches(&s.endpoint) && sum(s) > 0).collect();
    shown.sort_by(|a, b| sum(b).cmp(&sum(a)).then_with(|| a.endpoint.cmp(&b.endpoint)));
    let note = html! { (shown.len()) " of " (all.len()) " endpoints have requests in the window and match" };
    let filter = filter_form(page.query, "filter endpoints…  (/)", note);
    if shown.is_empty() {
        return html! { (filter) (frame::empty("No endpoint with requests in this window matches the filter.")) };
    }
    let cut = shown.len().saturating_sub(BARS);
    shown.truncate(BARS);
    let bars: Vec<Bar> = shown
        .iter()
        .map(|s| {
            let n = sum(s);
            let mut codes: Vec<(&String, &u64)> = s.status.counts.iter().collect();
            codes.sort_by(|a, b| fmd_core::dashboard::answer::status_code_order(a.0, b.0));
            let segments = codes
                .into_iter()
                .map(|(code, c)| Segment {
                    value: *c as f64,
                    paint: status_paint(code),
                    title: format!("{} · {code}: {} ({})", s.endpoint, requests(*c), share(*c, n)),
                })
                .collect();
            Bar {
                label: s.endpoint.clone(),
                href: Some(page.endpoint(s.endpoint_id, "status")),
                segments,
                total: count(n),
            }
        })
        .collect();
    let keys = [("s2", "2xx"), ("s3", "3xx"), ("s4", "4xx"), ("s5", "5xx"), ("sx", "other")]
        .map(|(class, text)| (Paint::Class(class), text.to_string()));
    html! {
        (filter)
        div.chart { (bars::stacked(&bars, 760.0, "Requests per status code and endpoint")) }
        (bars::legend(&keys))
        @if cut > 0 { p.muted { (cut) " less busy endpoints not drawn; the filter finds them." } }
    }
}

fn errors(page: &Page<'_>, status: &DashStatus, per_endpoint: &[NamedStatus], number: usize) -> Markup {
    if status.total_errors == 0 {
        return frame::empty("No error requests (400-599) in this window.");
    }
    let names: HashMap<i64, &str> = per_endpoint.iter().map(|s| (s.endpoint_id, s.endpoint.as_str())).collect();
    let range = rows_of_page(status.errors.len(), number, PAGE_ROWS);
    let rows = &status.errors[range];
    let zone = page.view.zone;
    html! {
        table.data.errors {
            thead { tr {
                th { "time" } th.num { "code" } th.num { "duration" } th { "endpoint" } th { "version" } th { "user" } th { "ip" }
            } }
            tbody {
                @for r in rows {
                    tr {
                        td { @if let Some(t) = r.time_requested { (instant(t, zone)) } @else { "–" } }
                        td.num.error { (r.status_code.map_or("–".to_string(), |c| c.to_string())) }
                        td.num { (ms(r.duration)) }
                        td {
                            @match r.endpoint_id {
                                Some(id) => a href=(page.endpoint(id, "requests")) { (names.get(&id).copied().unwrap_or("(removed endpoint)")) },
                                None => span.muted { "(no endpoint)" },
                            }
                        }
                        td { (r.version_requested) }
                        td { (r.group_by) }
                        td { (r.ip) }
                    }
                }
            }
        }
        (pager(page.query, number, PAGE_ROWS, rows.len(), Some(status.total_errors)))
    }
}
