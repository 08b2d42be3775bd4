//! `/{link}/endpoint/{id}/exceptions`: the endpoint's exception groups (all time, newest first, the newest
//! [`MOST`]): type, message, how often, captured or uncaught, first and last seen, an example request, and the
//! stack (file:line, function, code) folded in a `<details>`.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{ViewData, ViewKind};
use maud::html;

use super::{fmd_time, stored, Answer, Endpoint};
use crate::auth::Viewer;
use crate::pages::format::count;
use crate::pages::{frame, limits};
use crate::params::PageQuery;
use crate::state::AppState;

/// Most groups on the page (the newest), each with its stack.
pub const MOST: usize = 100;

/// `GET /{link}/endpoint/{id}/exceptions`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path(id): Path<String>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let mut web = limits(0, 0);
    web.exceptions = MOST;
    let data = ep.ask(ViewKind::Exceptions, web).await?;
    let ViewData::Exceptions(groups) = &*data else { return Err(ep.missing("No exceptions answer.", "", "summary")) };
    let total = ep.exception_groups().max(groups.len() as u64);
    let content = html! {
        p.muted {
            (count(total)) " exception groups in all (kept until pruned; the window does not apply)"
            @if total > groups.len() as u64 { " · the newest " (groups.len()) " shown" }
        }
        @if groups.is_empty() {
            (frame::empty("No exceptions recorded: a panic in a handler, or an error passed to capture(), is recorded at level 1 and above."))
        }
        @for entry in groups.iter() {
            @let g = &entry.group;
            div.panel.exception {
                p {
                    b.error { (g.type_name) } ": " (g.message.lines().next().unwrap_or_default())
                }
                @for more in g.message.lines().skip(1).take(20) { p.mono.small { (more) } }
                p.small.muted {
                    @if g.count == 1 { "once" } @else { (count(g.count)) " times" }
                    " · " @if g.user_captured { "captured with capture()" } @else { "uncaught" }
                    " · first " (fmd_time(g.first_timestamp.as_deref(), ep.view.zone))
                    " · last " (fmd_time(g.latest_timestamp.as_deref(), ep.view.zone))
                    " · " a href=(ep.link(&format!("requests/{}", g.example_request_id))) { "request #" (g.example_request_id) }
                }
                details {
                    summary { "stack (" (entry.stack.len()) " frames, most recent call last)" }
                    (stored::stack(&stored::exception_stack(&entry.stack)))
                }
            }
        }
    };
    Ok(ep.page("exceptions", "Exceptions", ViewKind::Exceptions, false, content))
}
