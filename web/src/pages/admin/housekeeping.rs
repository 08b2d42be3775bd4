//! Deleting an endpoint, merging one into another and pruning old requests from the page, with the console's
//! previews and confirmations: a form asks what (`/endpoint/{id}/admin`, `/prune`), a preview page counts what
//! would go (a dry run, `GET /housekeeping/preview`), and only its confirm button (`POST /housekeeping/apply`)
//! changes the file. All three are admin-only; the apply is behind the CSRF guard.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Duration, Utc};
use fmd_core::dashboard::{housekeeping, Housekeeping, ViewData, ViewKind, PRUNE_AGES};
use fmd_core::store::{DeletedRows, OverviewRow};
use http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;

use crate::auth::{Admin, Viewer};
use crate::pages::format::count;
use crate::pages::frame::{self, csrf_field, Frame, Tabs};
use crate::pages::{PageError, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// The routes: the endpoint's admin tab, the prune form, the preview and the apply.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/endpoint/{{id}}/admin"), get(endpoint_admin))
        .route(&format!("{at}/prune"), get(prune_form))
        .route(&format!("{at}/housekeeping/preview"), get(preview))
        .route(&format!("{at}/housekeeping/apply"), post(apply))
}

/// What a preview or apply is asked for (the query string of the preview, the form of the apply).
#[derive(Debug, Deserialize)]
struct Operation {
    /// `delete`, `merge` or `prune`.
    op: String,
    /// The endpoint to delete or merge away.
    name: Option<String>,
    /// The endpoint a merge keeps.
    into: Option<String>,
    /// The prune age: one of PRUNE_AGES's labels.
    age: Option<String>,
    /// The prune cutoff fixed by the preview (RFC 3339), so the apply deletes what the preview counted.
    cutoff: Option<String>,
    /// `on`: keep custom graph data older than the cutoff.
    keep_graphs: Option<String>,
}

impl Operation {
    fn housekeeping(&self, now: DateTime<Utc>) -> Result<Housekeeping, (StatusCode, String)> {
        let bad = |why: String| (StatusCode::BAD_REQUEST, why);
        let name = || self.name.clone().filter(|n| !n.is_empty()).ok_or_else(|| bad("name: which endpoint?".into()));
        match self.op.as_str() {
            "delete" => Ok(Housekeeping::DeleteEndpoint { name: name()? }),
            "merge" => {
                let into = self
                    .into
                    .clone()
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| bad("into: merge into which endpoint?".into()))?;
                Ok(Housekeeping::MergeEndpoints { from: name()?, into })
            }
            "prune" => {
                let asked = self.age.as_deref().unwrap_or("");
                let Some((age, days)) = PRUNE_AGES.iter().find(|(label, _)| *label == asked) else {
                    let offered: Vec<&str> = PRUNE_AGES.iter().map(|(l, _)| *l).collect();
                    return Err(bad(format!("age: {asked:?} is not one of {}", offered.join(", "))));
                };
                let cutoff = match self.cutoff.as_deref().filter(|c| !c.is_empty()) {
                    Some(text) => DateTime::parse_from_rfc3339(text)
                        .map_err(|_| bad(format!("cutoff: {text:?} is not an RFC 3339 time")))?
                        .with_timezone(&Utc),
                    None => now - Duration::days(i64::from(*days)),
                };
                Ok(Housekeeping::Prune { age, cutoff, keep_custom_graphs: self.keep_graphs.as_deref() == Some("on") })
            }
            other => Err(bad(format!("op: {other:?} is not delete, merge or prune"))),
        }
    }
}

/// The overview's rows (names and levels of every endpoint).
async fn endpoints(state: &AppState, view: &View) -> Result<Vec<OverviewRow>, PageError> {
    let data = view.ask(state, ViewKind::Overview, None, crate::pages::overview_limits(), None).await?;
    match &*data {
        ViewData::Overview(overview) => Ok(overview.rows.clone()),
        _ => Err(PageError::NotFound("the overview has no answer".into())),
    }
}

fn admin_frame<'a>(title: &'a str, viewer: &'a Viewer, query: &'a PageQuery, view: &View, tabs: Tabs<'a>) -> Frame<'a> {
    Frame { title, viewer, query, window: None, zone: view.zone, tabs, live: false }
}

async fn endpoint_admin(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let rows = endpoints(&state, &view).await?;
    let Some(row) = rows.iter().find(|r| r.id == id) else {
        return Err(PageError::NotFound(format!("no endpoint with id {id}")));
    };
    let preview = state.path("housekeeping/preview");
    let content = html! {
        h1 { "Admin · " (row.name) }
        section.panel {
            h2 { "Monitoring level" }
            (super::level_cell(&state, &viewer, &row.name, row.monitor_level))
            p.muted.small { "0 records when it was last requested; 1 every request; 2 adds outliers (stack, CPU, memory, headers); 3 adds the sampling profiler. Running recorders pick a change up within their level poll." }
        }
        section.panel {
            h2 { "Delete" }
            p { "Deletes " (row.name) " with its " (count(row.hits_overall)) " requests, their outliers, stack lines and exceptions. A running service creates the endpoint again on its next request." }
            form method="get" action=(preview) {
                input type="hidden" name="op" value="delete";
                input type="hidden" name="name" value=(row.name);
                button.danger type="submit" { "Preview the deletion…" }
            }
        }
        section.panel {
            h2 { "Merge into another endpoint" }
            p { "Moves every request of " (row.name) " to the endpoint you choose (a renamed route), then deletes " (row.name) "." }
            form method="get" action=(preview) {
                input type="hidden" name="op" value="merge";
                input type="hidden" name="name" value=(row.name);
                label { "Into " select name="into" {
                    @for other in rows.iter().filter(|r| r.id != id) { option value=(other.name) { (other.name) } }
                } }
                " "
                button.danger type="submit" disabled[rows.len() < 2] { "Preview the merge…" }
            }
        }
    };
    let frame = admin_frame("Admin", &viewer, &query, &view, Tabs::Endpoint(id, &row.name, "admin"));
    Ok(frame::page(&state, &frame, content).into_response())
}

async fn prune_form(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let content = html! {
        h1 { "Prune old requests" }
        p { "Deletes requests older than the age you choose, with their outliers, stack lines and exceptions, in short batches (services keep recording meanwhile). Endpoints stay." }
        form.panel method="get" action=(state.path("housekeeping/preview")) {
            input type="hidden" name="op" value="prune";
            fieldset {
                legend { "Older than" }
                @for (i, (label, _)) in PRUNE_AGES.iter().enumerate() {
                    label { input type="radio" name="age" value=(label) checked[i == 1]; " " (label) } " "
                }
            }
            label { input type="checkbox" name="keep_graphs" value="on"; " keep custom graph data older than that" }
            p { button.danger type="submit" { "Preview the prune…" } }
        }
    };
    let frame = admin_frame("Prune", &viewer, &query, &view, Tabs::None);
    Ok(frame::page(&state, &frame, content).into_response())
}

async fn preview(State(state): State<AppState>, Admin(viewer): Admin, Query(operation): Query<Operation>) -> Response {
    let query = PageQuery::default();
    let Ok(view) = View::of(&state, &query) else { return StatusCode::BAD_REQUEST.into_response() };
    let op = match operation.housekeeping(state.now()) {
        Ok(op) => op,
        Err(refusal) => return refusal.into_response(),
    };
    let counted = op.clone();
    let rows = state.pool().run(move |store| Ok(housekeeping::preview(store, &counted)?)).await;
    let content = match rows {
        Ok(rows) => confirm_form(&state, &viewer, &op, &rows),
        Err(e) => html! { p.notice.error { (e.to_string()) } p { a href=(state.path("")) { "Back to the overview" } } },
    };
    let frame = admin_frame("Confirm", &viewer, &query, &view, Tabs::None);
    frame::page(&state, &frame, content).into_response()
}

fn describe(op: &Housekeeping) -> String {
    match op {
        Housekeeping::DeleteEndpoint { name } => format!("Delete endpoint {name}"),
        Housekeeping::MergeEndpoints { from, into } => format!("Merge {from} into {into}"),
        Housekeeping::Prune { age, .. } => format!("Prune requests older than {age}"),
    }
}

fn confirm_form(state: &AppState, viewer: &Viewer, op: &Housekeeping, rows: &DeletedRows) -> Markup {
    let nothing = matches!(op, Housekeeping::Prune { .. }) && rows.total() == 0;
    html! {
        h1 { (describe(op)) "?" }
        @match op {
            Housekeeping::MergeEndpoints { from, into } => p { (count(rows.requests)) " requests move from " strong { (from) } " to " strong { (into) } "; " (from) " is deleted." },
            _ => {
                table.data {
                    thead { tr { th { "what goes" } th.num { "rows" } } }
                    tbody {
                        @for (what, n) in rows_of(rows) { @if n > 0 { tr { td { (what) } td.num { (count(n)) } } } }
                        tr { td { strong { "in all" } } td.num { strong { (count(rows.total())) } } }
                    }
                }
            }
        }
        @if nothing {
            p.notice { "Nothing is that old: there is nothing to prune." }
        } @else {
            form method="post" action=(state.path("housekeeping/apply")) {
                (csrf_field(viewer))
                @match op {
                    Housekeeping::DeleteEndpoint { name } => { input type="hidden" name="op" value="delete"; input type="hidden" name="name" value=(name); }
                    Housekeeping::MergeEndpoints { from, into } => { input type="hidden" name="op" value="merge"; input type="hidden" name="name" value=(from); input type="hidden" name="into" value=(into); }
                    Housekeeping::Prune { age, cutoff, keep_custom_graphs } => {
                        input type="hidden" name="op" value="prune"; input type="hidden" name="age" value=(age);
                        input type="hidden" name="cutoff" value=(cutoff.to_rfc3339());
                        @if *keep_custom_graphs { input type="hidden" name="keep_graphs" value="on"; }
                    }
                }
                p.notice.error { "This cannot be undone." }
                button.danger type="submit" { (describe(op)) }
                " " a href=(state.path("")) { "Cancel" }
            }
        }
    }
}

fn rows_of(rows: &DeletedRows) -> [(&'static str, u64); 8] {
    [
        ("requests", rows.requests),
        ("outliers", rows.outliers),
        ("stack lines", rows.stack_lines),
        ("exception occurrences", rows.exception_occurrences),
        ("code lines no longer used", rows.code_lines),
        ("custom graph values", rows.custom_graph_data),
        ("exception stacks no longer used", rows.stack_trace_snapshots + rows.exception_stack_lines),
        (
            "exception types, messages, frames, files, functions no longer used",
            rows.exception_types
                + rows.exception_messages
                + rows.exception_frames
                + rows.function_locations
                + rows.file_paths
                + rows.function_definitions,
        ),
    ]
}

async fn apply(State(state): State<AppState>, Admin(viewer): Admin, Form(operation): Form<Operation>) -> Response {
    let op = match operation.housekeeping(state.now()) {
        Ok(op) => op,
        Err(refusal) => return refusal.into_response(),
    };
    let query = PageQuery::default();
    let Ok(view) = View::of(&state, &query) else { return StatusCode::BAD_REQUEST.into_response() };
    let done = op.clone();
    let result = state.pool().edit(move |editor| Ok(housekeeping::apply(editor, &done, count)?)).await;
    tracing::info!(
        "{} by {}: {}",
        describe(&op),
        viewer.name,
        result.as_ref().map_or_else(|e| e.to_string(), Clone::clone)
    );
    let (status, content) = match result {
        Ok(said) => (
            StatusCode::OK,
            html! { h1 { "Done" } p.notice { (said) } p { a href=(state.path("")) { "Back to the overview" } } },
        ),
        Err(e) => (
            StatusCode::CONFLICT,
            html! { h1 { "Not done" } p.notice.error { (e.to_string()) } p { a href=(state.path("")) { "Back to the overview" } } },
        ),
    };
    let frame = admin_frame("Done", &viewer, &query, &view, Tabs::None);
    (status, frame::page(&state, &frame, content)).into_response()
}
