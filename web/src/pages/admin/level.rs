//! Monitoring levels from the page: a select on each overview row for admins (plain text for guests), posted
//! to `POST /{link}/level` (fields `name`, `value`, `back`); running recorders pick the change up within
//! their level poll.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;

use crate::auth::{Admin, Viewer};
use crate::pages::frame::csrf_field;
use crate::state::AppState;

/// What each level records.
pub const LEVELS: [(u8, &str); 4] =
    [(0, "0 · last request time"), (1, "1 · every request"), (2, "2 · + outliers"), (3, "3 · + profiler")];

/// `POST /{link}/level`.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().route(&format!("{at}/level"), post(set))
}

/// The level of an endpoint in a table: a select that posts itself for admins, the number for guests.
pub fn level_cell(state: &AppState, viewer: &Viewer, name: &str, level: Option<u8>) -> Markup {
    if !viewer.admin {
        return html! { span title="Only admins change levels" { (level.map_or("–".to_string(), |l| l.to_string())) } };
    }
    html! {
        form.level method="post" action=(state.path("level")) {
            (csrf_field(viewer))
            input type="hidden" name="name" value=(name);
            select name="value" aria-label={ "Monitoring level of " (name) } data-autosubmit="1" {
                @for (value, label) in LEVELS { option value=(value) selected[level == Some(value)] { (label) } }
            }
            noscript { button type="submit" { "set" } }
        }
    }
}

#[derive(Deserialize)]
struct SetLevel {
    name: String,
    value: String,
    back: Option<String>,
}

/// Sets `name`'s level to `value` (0-3); answers 400 naming the problem for anything else.
pub async fn change(state: &AppState, name: String, value: &str) -> Result<(), (StatusCode, String)> {
    let level = match value.trim().parse::<u8>() {
        Ok(level) if level <= 3 => level,
        _ => return Err((StatusCode::BAD_REQUEST, format!("value: {value:?} is not a monitoring level (0-3)"))),
    };
    state.pool().edit(move |store| Ok(store.set_level(&name, level)?)).await.map_err(|e| match e {
        crate::pool::PoolError::Store(fmd_core::StoreError::UnknownEndpoint { name, .. }) => {
            (StatusCode::NOT_FOUND, format!("name: no endpoint {name:?}"))
        }
        e => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    })
}

async fn set(State(state): State<AppState>, Admin(_): Admin, Form(form): Form<SetLevel>) -> Response {
    match change(&state, form.name, &form.value).await {
        Ok(()) => {
            let back = form.back.filter(|b| b.starts_with(&state.path("")) && !b.contains("//"));
            Redirect::to(&back.unwrap_or_else(|| state.path(""))).into_response()
        }
        Err(refusal) => refusal.into_response(),
    }
}
