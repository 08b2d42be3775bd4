//! `/{link}/exceptions`: every endpoint's exception groups (type, message, stack) of all time, as FMD keeps
//! them until pruned: how often, first and last seen in the page's zone, the endpoint (a link to its
//! Exceptions tab), and the stack in a `<details>`, outermost frame first. Sortable, filtered by endpoint, type
//! or message, a page at a time (of the newest groups the layer reads).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use fmd_core::dashboard::{ExceptionEntry, ViewData, ViewKind};
use maud::{html, Markup};

use super::{filter_form, order, rows_of_page, Page};
use crate::auth::Viewer;
use crate::pages::format::{ago, count, instant};
use crate::pages::table::{pager, sort_heading};
use crate::pages::{frame, limits, PageError, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// Groups on one page.
pub const PER_PAGE: usize = 20;

/// `GET /{link}/exceptions`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    // The console's bound: the newest groups, each with its stack.
    let web = limits(0, 0);
    let data = view.ask(&state, ViewKind::Exceptions, None, web, None).await?;
    let ViewData::Exceptions(groups) = &*data else {
        return Err(PageError::NotFound("the exceptions view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let capped = groups.len() >= web.exceptions;
    let content = html! {
        h1 { "Exceptions · all time, every endpoint" }
        (body(&page, groups, capped))
    };
    Ok(page.render("exceptions", "Exceptions", false, content))
}

fn time(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(fmd_core::timefmt::parse_fmd)
}

fn body(page: &Page<'_>, all: &[ExceptionEntry], capped: bool) -> Markup {
    if all.is_empty() {
        return frame::empty(
            "No exceptions recorded: uncaught panics of monitored endpoints and errors passed to `capture(&error)` \
             appear here, grouped by endpoint, type, message and stack.",
        );
    }
    let mut rows: Vec<&ExceptionEntry> = all
        .iter()
        .filter(|e| {
            page.matches(&e.group.endpoint) || page.matches(&e.group.type_name) || page.matches(&e.group.message)
        })
        .collect();
    let occurrences: u64 = all.iter().map(|e| e.group.count).sum();
    let note = html! {
        (rows.len()) " of " (all.len()) " groups" @if capped { " (the newest " (all.len()) ")" }
        " · " (count(occurrences)) " occurrences"
    };
    let filter = filter_form(page.query, "filter endpoint, type or message…  (/)", note);
    match page.query.sort.as_deref() {
        Some("count") => order(&mut rows, page.query, |a, b| b.group.count.cmp(&a.group.count)),
        Some("first") => order(&mut rows, page.query, |a, b| {
            time(b.group.first_timestamp.as_deref()).cmp(&time(a.group.first_timestamp.as_deref()))
        }),
        Some("endpoint") => order(&mut rows, page.query, |a, b| a.group.endpoint.cmp(&b.group.endpoint)),
        Some("type") => order(&mut rows, page.query, |a, b| a.group.type_name.cmp(&b.group.type_name)),
        // The layer's order: newest first.
        _ => {
            if !page.query.descending() {
                rows.reverse();
            }
        }
    }
    if rows.is_empty() {
        return html! { (filter) (frame::empty("No exception group matches the filter.")) };
    }
    let number = page.query.page();
    let range = rows_of_page(rows.len(), number, PER_PAGE);
    let shown = &rows[range];
    let (zone, now) = (page.view.zone, page.state.now());
    html! {
        (filter)
        table.data.exceptions {
            thead { tr {
                (sort_heading(page.query, "type", "type", false, "last"))
                th { "message" }
                (sort_heading(page.query, "endpoint", "endpoint", false, "last"))
                (sort_heading(page.query, "count", "count", true, "last"))
                (sort_heading(page.query, "first", "first seen", true, "last"))
                (sort_heading(page.query, "last", "last seen", true, "last"))
            } }
            @for e in shown {
                tbody.group {
                    tr {
                        td { code { (e.group.type_name) } @if e.group.user_captured { " " span.muted title="recorded with capture(&error)" { "captured" } } }
                        td.wrap { (e.group.message) }
                        td { a href=(page.endpoint(e.group.endpoint_id, "exceptions")) { (e.group.endpoint) } }
                        td.num { (count(e.group.count)) }
                        td.num { (when(time(e.group.first_timestamp.as_deref()), zone)) }
                        td.num {
                            (when(time(e.group.latest_timestamp.as_deref()), zone))
                            @if let Some(t) = time(e.group.latest_timestamp.as_deref()) { br; span.muted.small { (ago(t, now)) } }
                        }
                    }
                    tr.stack {
                        td colspan="6" {
                            details {
                                summary { "stack · " (e.stack.len()) " frames · latest request " (e.group.example_request_id) }
                                (stack(e))
                            }
                        }
                    }
                }
            }
        }
        (pager(page.query, number, PER_PAGE, shown.len(), Some(rows.len() as u64)))
    }
}

fn when(t: Option<DateTime<Utc>>, zone: chrono_tz::Tz) -> Markup {
    match t {
        Some(t) => instant(t, zone),
        None => html! { "–" },
    }
}

/// The stack, outermost frame first: `file:line in function` and the stored code under it.
fn stack(e: &ExceptionEntry) -> Markup {
    if e.stack.is_empty() {
        return html! { p.muted { "No stack was stored for this group." } };
    }
    html! {
        pre.stack {
            @for frame in &e.stack {
                (frame.file_path) ":" (frame.line_number) " in " (frame.function_name.as_deref().unwrap_or("?")) "\n"
                @if let Some(code) = frame.code.as_deref().map(str::trim_end).filter(|c| !c.is_empty()) {
                    @for line in code.lines() { "    " (line) "\n" }
                }
            }
        }
    }
}
