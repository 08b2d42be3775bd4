//! Who is asking: the session cookie, the [`Viewer`] and [`Admin`] extractors every page and route takes,
//! the login form and logout. See [`session`] for sessions, [`csrf`] for forged requests, [`limit`] for
//! login failures.
//!
//! Without a session, pages redirect to the login page and API routes answer 401; a guest asking for an
//! admin route gets 403.

pub mod csrf;
pub mod limit;
mod login;
pub mod session;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use http::header::COOKIE;
use http::request::Parts;
use http::{HeaderMap, StatusCode};

use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "fmd_session";

/// The routes of this module: `/login`, `/logout`.
pub fn routes(at: &str) -> Router<AppState> {
    login::routes(at)
}

/// A signed-in user (admin or guest), checked against FMD's User table on every request.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The user's id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Admins change levels, delete, merge, prune and manage users; guests only read.
    pub admin: bool,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
}

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct Admin(pub Viewer);

/// Why a request may not go on.
#[derive(Debug)]
pub enum Refusal {
    /// No (live) session: a page goes to the login form, an API route answers 401.
    SignIn {
        /// The path to come back to.
        back: String,
        /// An API route (JSON answer) rather than a page.
        api: bool,
        /// The login form's path.
        login: String,
    },
    /// A guest asked for an admin route.
    NotAdmin,
    /// The database could not be read.
    Failed(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn { api: true, .. } => {
                (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({"error": "log in first"}))).into_response()
            }
            Refusal::SignIn { back, login, .. } => {
                Redirect::to(&format!("{login}?next={}", crate::params::encode(&back))).into_response()
            }
            Refusal::NotAdmin => (StatusCode::FORBIDDEN, "this needs an admin").into_response(),
            Refusal::Failed(why) => (StatusCode::SERVICE_UNAVAILABLE, why).into_response(),
        }
    }
}

/// The session id the request's cookie carries.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE_NAME && !value.is_empty()).then(|| value.to_string())
    })
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Refusal> {
        let back = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        let sign_in = || Refusal::SignIn {
            api: back.starts_with(&state.path("api/")),
            login: state.path("login"),
            back: back.clone(),
        };
        let id = session_id(&parts.headers).ok_or_else(sign_in)?;
        let session = state.sessions().get(&id).ok_or_else(sign_in)?;
        let user_id = session.user_id;
        let user = state
            .pool()
            .run(move |store| Ok(store.user_by_id(user_id)?))
            .await
            .map_err(|e| Refusal::Failed(e.to_string()))?;
        // Removed, or the password changed (here or by `fmd user passwd`): the session ends.
        let Some(user) = user.filter(|u| session::hash_mark(&u.password_hash) == session.hash_mark) else {
            state.sessions().end(&id);
            return Err(sign_in());
        };
        Ok(Viewer { id: user.id, name: user.username, admin: user.is_admin, csrf: session.csrf })
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Viewer>, Refusal> {
        match <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(viewer) => Ok(Some(viewer)),
            Err(Refusal::SignIn { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, Refusal> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        if viewer.admin {
            Ok(Admin(viewer))
        } else {
            Err(Refusal::NotAdmin)
        }
    }
}

/// `Set-Cookie` for a new session (HttpOnly, SameSite=Strict, Secure over TLS, path of the dashboard).
pub fn session_cookie(state: &AppState, id: &str) -> String {
    let secure = if state.settings().secure_cookies { "; Secure" } else { "" };
    let age = state.sessions().max().as_secs();
    format!("{COOKIE_NAME}={id}; Path=/{}; HttpOnly; SameSite=Strict; Max-Age={age}{secure}", state.link())
}

/// `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie(state: &AppState) -> String {
    format!("{COOKIE_NAME}=; Path=/{}; HttpOnly; SameSite=Strict; Max-Age=0", state.link())
}
