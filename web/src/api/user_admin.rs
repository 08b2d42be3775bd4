//! FMD's user routes (admin only; form fields as FMD's Angular page posts them): `POST /api/user/create`
//! (`username`, `password`, `password2`, `is_admin` = `true`), `POST /api/user/edit` (`user_id`, `is_admin`,
//! optional `old_password`, `new_password`, `new_password2`), `POST /api/user/delete` (`user_id`). They answer
//! `"OK"`, or FMD's `{"message": ...}` with 400 (409 for the last admin or yourself, 404 for an unknown user).
//! The rules are the users page's ([`crate::pages::admin::users`]).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use fmd_core::password::Scheme;
use serde::Deserialize;

use crate::auth::Admin;
use crate::pages::admin::users::{self, Refused};
use crate::state::AppState;

/// The three routes.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/api/user/create"), post(create))
        .route(&format!("{at}/api/user/edit"), post(edit))
        .route(&format!("{at}/api/user/delete"), post(delete))
}

fn answer(result: Result<(), Refused>) -> Response {
    match result {
        Ok(()) => Json("OK").into_response(),
        Err((status, message)) => (status, Json(serde_json::json!({ "message": message }))).into_response(),
    }
}

#[derive(Deserialize)]
struct CreateForm {
    username: String,
    password: String,
    password2: String,
    is_admin: Option<String>,
}

async fn create(State(state): State<AppState>, Admin(_): Admin, Form(form): Form<CreateForm>) -> Response {
    let admin = form.is_admin.as_deref() == Some("true");
    // FMD writes Werkzeug hashes; so does this route, so that Python FMD sharing the file can log the user in.
    let result = users::create(&state, form.username, form.password, &form.password2, admin, Scheme::Werkzeug).await;
    answer(result.map(|_| ()))
}

#[derive(Deserialize)]
struct EditForm {
    user_id: i64,
    is_admin: Option<String>,
    old_password: Option<String>,
    new_password: Option<String>,
    new_password2: Option<String>,
}

async fn edit(State(state): State<AppState>, Admin(viewer): Admin, Form(form): Form<EditForm>) -> Response {
    if let Some(flag) = form.is_admin.as_deref() {
        if let Err(refusal) = users::set_admin(&state, &viewer, form.user_id, flag == "true").await {
            return answer(Err(refusal));
        }
    }
    if let Some(new) = form.new_password.filter(|p| !p.is_empty()) {
        let again = form.new_password2.unwrap_or_default();
        let old = form.old_password.filter(|p| !p.is_empty());
        return answer(users::set_password(&state, &viewer, form.user_id, old, new, &again, Scheme::Werkzeug).await);
    }
    answer(Ok(()))
}

#[derive(Deserialize)]
struct DeleteForm {
    user_id: i64,
}

async fn delete(State(state): State<AppState>, Admin(viewer): Admin, Form(form): Form<DeleteForm>) -> Response {
    answer(users::remove(&state, &viewer, form.user_id).await)
}
