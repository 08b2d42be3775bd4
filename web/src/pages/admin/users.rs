//! User management from the page (`/{link}/users`, admins only) and the rules FMD's `/api/user/*` routes
//! share ([`crate::api::users`]): names and passwords are checked, passwords hashed on a blocking thread
//! (Argon2id, or Werkzeug's pbkdf2 so Python FMD can log in too), nobody removes or demotes themselves, the last
//! admin stays, and a removed user's or changed password's sessions end at once.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use fmd_core::password::{self, Scheme};
use fmd_core::StoreError;
use http::StatusCode;
use maud::html;
use serde::Deserialize;

use crate::auth::{Admin, Viewer};
use crate::pages::frame::{self, csrf_field, Frame, Tabs};
use crate::pages::{PageError, View};
use crate::params::PageQuery;
use crate::pool::PoolError;
use crate::state::AppState;

/// The page and its forms.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/users"), get(page))
        .route(&format!("{at}/users/add"), post(add))
        .route(&format!("{at}/users/{{id}}/admin"), post(admin_flag))
        .route(&format!("{at}/users/{{id}}/password"), post(password_form))
        .route(&format!("{at}/users/{{id}}/remove"), post(remove_form))
}

/// Why a user change was refused: the status and a message naming the problem.
pub type Refused = (StatusCode, String);

fn refused(e: PoolError) -> Refused {
    match e {
        PoolError::Store(e @ (StoreError::DuplicateUser { .. } | StoreError::LastAdmin { .. })) => {
            (StatusCode::CONFLICT, e.to_string())
        }
        PoolError::Store(e @ (StoreError::UnknownUser { .. } | StoreError::UnknownUserId { .. })) => {
            (StatusCode::NOT_FOUND, e.to_string())
        }
        e => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

fn bad(why: impl Into<String>) -> Refused {
    (StatusCode::BAD_REQUEST, why.into())
}

fn check_new(password: &str, again: &str) -> Result<(), Refused> {
    if password != again {
        return Err(bad("the two passwords differ"));
    }
    password::check_new_password(password).map_err(|e| bad(e.to_string()))
}

/// Adds a user; answers its id.
pub async fn create(
    state: &AppState,
    name: String,
    password: String,
    again: &str,
    admin: bool,
    scheme: Scheme,
) -> Result<i64, Refused> {
    fmd_core::store::check_username(&name).map_err(bad)?;
    check_new(&password, again)?;
    state
        .pool()
        .edit(move |store| {
            let hash = password::hash(&password, scheme).map_err(|e| PoolError::Thread(e.to_string()))?;
            Ok(store.add_user(&name, &hash, admin)?)
        })
        .await
        .map_err(refused)
}

/// Makes user `id` an admin or a guest; nobody demotes themselves.
pub async fn set_admin(state: &AppState, actor: &Viewer, id: i64, admin: bool) -> Result<(), Refused> {
    if id == actor.id && !admin {
        return Err((StatusCode::CONFLICT, "you cannot take your own admin rights".into()));
    }
    state.pool().edit(move |store| Ok(store.set_admin(id, admin)?)).await.map_err(refused)
}

/// Sets user `id`'s password. Your own needs your current password (`old`); an admin sets another's without.
/// Every session of the user ends.
pub async fn set_password(
    state: &AppState,
    actor: &Viewer,
    id: i64,
    old: Option<String>,
    new: String,
    again: &str,
    scheme: Scheme,
) -> Result<(), Refused> {
    check_new(&new, again)?;
    let own = id == actor.id;
    state
        .pool()
        .edit(move |store| {
            let user = store.user_by_id(id)?.ok_or_else(|| PoolError::Thread(format!("no user with id {id}")))?;
            if own || old.is_some() {
                let old = old.unwrap_or_default();
                if !user.check_password(&old).unwrap_or(false) {
                    return Err(PoolError::Thread("the current password is wrong".into()));
                }
            }
            let hash = password::hash(&new, scheme).map_err(|e| PoolError::Thread(e.to_string()))?;
            Ok(store.set_password(id, &hash)?)
        })
        .await
        .map_err(|e| match e {
            PoolError::Thread(why) => bad(why),
            e => refused(e),
        })?;
    state.sessions().end_user(id);
    Ok(())
}

/// Removes user `id` (not yourself, not the last admin); their sessions end.
pub async fn remove(state: &AppState, actor: &Viewer, id: i64) -> Result<(), Refused> {
    if id == actor.id {
        return Err((StatusCode::CONFLICT, "you cannot remove yourself".into()));
    }
    state.pool().edit(move |store| Ok(store.remove_user(id)?)).await.map_err(refused)?;
    state.sessions().end_user(id);
    Ok(())
}

/// What the page says after a change (fixed texts: the URL cannot make the page say anything else).
const DONE: [(&str, &str); 4] = [
    ("added", "The user was added."),
    ("admin", "The user's rights changed."),
    ("password", "The password changed; the user's sessions ended."),
    ("removed", "The user was removed; their sessions ended."),
];

#[derive(Deserialize, Default)]
struct PageArgs {
    done: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(args): Query<PageArgs>,
) -> Result<Response, PageError> {
    let users = state.pool().run(|store| Ok(store.list_users()?)).await?;
    let query = PageQuery::default();
    let view = View::of(&state, &query)?;
    let done = args.done.as_deref().and_then(|d| DONE.iter().find(|(k, _)| *k == d)).map(|(_, text)| *text);
    let at = |rest: &str| state.path(rest);
    let content = html! {
        h1 { "Users" }
        @if let Some(done) = done { p.notice role="status" { (done) } }
        p.muted { "Users live in FMD's User table, shared with Python FMD. Admins change levels, delete, merge, prune and manage users; guests read (headers and environment redacted)." }
        table.data {
            thead { tr { th { "name" } th { "rights" } th { "hash" } th { "password" } th { "" } } }
            tbody {
                @for user in &users {
                    tr {
                        td { (user.username) @if user.id == viewer.id { " (you)" } }
                        td {
                            form.inline method="post" action=(at(&format!("users/{}/admin", user.id))) {
                                (csrf_field(&viewer))
                                input type="hidden" name="admin" value=(if user.is_admin { "false" } else { "true" });
                                (if user.is_admin { "admin" } else { "guest" }) " "
                                button type="submit" disabled[user.id == viewer.id] { @if user.is_admin { "make guest" } @else { "make admin" } }
                            }
                        }
                        td.muted { (user.scheme()) }
                        td {
                            form.inline method="post" action=(at(&format!("users/{}/password", user.id))) {
                                (csrf_field(&viewer))
                                @if user.id == viewer.id {
                                    input type="password" name="old_password" placeholder="current" autocomplete="current-password" required;
                                }
                                input type="password" name="new_password" placeholder="new" autocomplete="new-password" required minlength="8";
                                input type="password" name="new_password2" placeholder="again" autocomplete="new-password" required minlength="8";
                                label.small { input type="checkbox" name="werkzeug" value="on"; " for Python FMD" }
                                button type="submit" { "set" }
                            }
                        }
                        td {
                            @if user.id != viewer.id {
                                form.inline method="post" action=(at(&format!("users/{}/remove", user.id))) data-confirm={ "Remove " (user.username) "?" } {
                                    (csrf_field(&viewer))
                                    button.danger type="submit" { "remove" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Add a user" }
        form.panel method="post" action=(at("users/add")) {
            (csrf_field(&viewer))
            label { "Name " input name="username" required maxlength="250" autocomplete="off"; } " "
            label { "Password " input type="password" name="password" required minlength="8" autocomplete="new-password"; } " "
            label { "Again " input type="password" name="password2" required minlength="8" autocomplete="new-password"; } " "
            label { input type="checkbox" name="is_admin" value="true"; " admin" } " "
            label { input type="checkbox" name="werkzeug" value="on"; " Python FMD can log in too (Werkzeug pbkdf2)" } " "
            button type="submit" { "Add" }
        }
        p.muted.small { "From a terminal: " code { "fmd user add NAME [--admin] [--werkzeug]" } ", " code { "fmd user passwd NAME" } ", " code { "fmd user remove NAME" } "." }
    };
    let frame = Frame {
        title: "Users",
        viewer: &viewer,
        query: &query,
        window: None,
        zone: view.zone,
        tabs: Tabs::None,
        live: false,
    };
    Ok(frame::page(&state, &frame, content).into_response())
}

fn scheme(werkzeug: Option<&str>) -> Scheme {
    if werkzeug == Some("on") {
        Scheme::Werkzeug
    } else {
        Scheme::Argon2id
    }
}

fn back(state: &AppState, result: Result<(), Refused>, done: &str) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("{}?done={done}", state.path("users"))).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

#[derive(Deserialize)]
struct AddForm {
    username: String,
    password: String,
    password2: String,
    is_admin: Option<String>,
    werkzeug: Option<String>,
}

async fn add(State(state): State<AppState>, Admin(_): Admin, Form(form): Form<AddForm>) -> Response {
    let admin = form.is_admin.as_deref() == Some("true");
    let result =
        create(&state, form.username, form.password, &form.password2, admin, scheme(form.werkzeug.as_deref())).await;
    back(&state, result.map(|_| ()), "added")
}

#[derive(Deserialize)]
struct AdminForm {
    admin: String,
}

async fn admin_flag(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<i64>,
    Form(form): Form<AdminForm>,
) -> Response {
    let result = set_admin(&state, &viewer, id, form.admin == "true").await;
    back(&state, result, "admin")
}

#[derive(Deserialize)]
struct PasswordForm {
    old_password: Option<String>,
    new_password: String,
    new_password2: String,
    werkzeug: Option<String>,
}

async fn password_form(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<i64>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let old = form.old_password.filter(|p| !p.is_empty());
    let werkzeug = scheme(form.werkzeug.as_deref());
    let result = set_password(&state, &viewer, id, old, form.new_password, &form.new_password2, werkzeug).await;
    back(&state, result, "password")
}

async fn remove_form(State(state): State<AppState>, Admin(viewer): Admin, Path(id): Path<i64>) -> Response {
    let result = remove(&state, &viewer, id).await;
    back(&state, result, "removed")
}
