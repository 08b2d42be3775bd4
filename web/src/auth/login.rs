//! `GET/POST /{link}/login` (FMD's form: fields `name` and `password`) and `GET/POST /{link}/logout`.
//! Passwords are checked on a blocking thread (hashing is slow by design), failures are rate-limited
//! (see [`super::limit`]), and an unknown name costs as much as a wrong password.

use std::net::SocketAddr;
use std::sync::LazyLock;

use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Extension;
use axum::{Form, Router};
use http::header::{RETRY_AFTER, SET_COOKIE};
use http::{HeaderMap, StatusCode};
use maud::html;
use serde::Deserialize;

use super::{cleared_cookie, session_cookie, session_id, Viewer};
use crate::pages::frame;
use crate::state::AppState;

pub(super) fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/login"), get(form).post(submit))
        .route(&format!("{at}/logout"), get(logout_form).post(logout))
}

#[derive(Deserialize, Default)]
struct Back {
    next: Option<String>,
}

#[derive(Deserialize)]
struct Credentials {
    name: String,
    password: String,
    next: Option<String>,
}

/// Where to go after logging in: a path under the dashboard, never another site.
fn destination(state: &AppState, next: Option<&str>) -> String {
    let home = state.path("");
    match next {
        Some(next) if next.starts_with(&home) && !next.contains("//") && !next.contains('\\') => next.to_string(),
        _ => home,
    }
}

async fn form(State(state): State<AppState>, Query(back): Query<Back>) -> Response {
    page(&state, back.next.as_deref(), None, StatusCode::OK)
}

fn page(state: &AppState, next: Option<&str>, error: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        main.login {
            h1 { "fmd" }
            p.muted { "Log in to the dashboard of " code { (state.pool().name()) } }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action=(state.path("login")) {
                input type="hidden" name="next" value=(destination(state, next));
                label { "Name" input name="name" autocomplete="username" required autofocus; }
                label { "Password" input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { "Log in" }
            }
            p.muted.small { "No account? An admin adds one with " code { "fmd user add NAME" } "." }
        }
    };
    (status, frame::bare(state, "Log in", body)).into_response()
}

/// The client's address, for the rate limit (`unknown` when the server was not told, as in tests).
fn client(connect: Option<Extension<ConnectInfo<SocketAddr>>>) -> String {
    connect.map_or_else(|| "unknown".to_string(), |Extension(ConnectInfo(addr))| addr.ip().to_string())
}

/// A hash that an unknown name is checked against, so that it costs what a known one costs.
static DECOY: LazyLock<Option<String>> =
    LazyLock::new(|| fmd_core::password::hash("decoy password", fmd_core::password::Scheme::Argon2id).ok());

async fn submit(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(credentials): Form<Credentials>,
) -> Response {
    let client = client(connect);
    let next = credentials.next.clone();
    if let Some(wait) = state.limiter().refused(&client, &credentials.name) {
        let mut response = page(
            &state,
            next.as_deref(),
            Some("Too many failed logins; wait a few minutes and try again."),
            StatusCode::TOO_MANY_REQUESTS,
        );
        if let Ok(value) = http::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        return response;
    }
    let name = credentials.name.clone();
    let checked = state
        .pool()
        .run(move |store| {
            let user = store.user_by_name(&credentials.name)?;
            let Some(user) = user else {
                if let Some(decoy) = DECOY.as_deref() {
                    let _ = fmd_core::password::verify(decoy, &credentials.password);
                }
                return Ok(None);
            };
            match fmd_core::password::verify(&user.password_hash, &credentials.password) {
                Ok(true) => Ok(Some(user)),
                Ok(false) => Ok(None),
                Err(e) => {
                    tracing::warn!("user {:?}: {e}", user.username);
                    Ok(None)
                }
            }
        })
        .await;
    match checked {
        Ok(Some(user)) => {
            state.limiter().succeeded(&name);
            let Ok(id) = state.sessions().start(user.id, &user.password_hash) else {
                return (StatusCode::SERVICE_UNAVAILABLE, "no random numbers for a session id").into_response();
            };
            let mut response = Redirect::to(&destination(&state, next.as_deref())).into_response();
            if let Ok(cookie) = http::HeaderValue::from_str(&session_cookie(&state, &id)) {
                response.headers_mut().insert(SET_COOKIE, cookie);
            }
            response
        }
        Ok(None) => {
            state.limiter().failed(&client, &name);
            page(&state, next.as_deref(), Some("Wrong name or password."), StatusCode::UNAUTHORIZED)
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

async fn logout_form(State(state): State<AppState>, viewer: Option<Viewer>) -> Response {
    let Some(viewer) = viewer else { return Redirect::to(&state.path("login")).into_response() };
    let body = html! {
        main.login {
            h1 { "Log out" }
            p { "Logged in as " strong { (viewer.name) } "." }
            form method="post" action=(state.path("logout")) {
                input type="hidden" name=(super::csrf::FIELD) value=(viewer.csrf);
                button type="submit" { "Log out" }
            }
        }
    };
    frame::bare(&state, "Log out", body).into_response()
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        state.sessions().end(&id);
    }
    let mut response = Redirect::to(&state.path("login")).into_response();
    if let Ok(cookie) = http::HeaderValue::from_str(&cleared_cookie(&state)) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}
