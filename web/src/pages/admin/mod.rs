//! Admin pages and actions: level changes ([`level`]); delete, merge and prune with previews
//! ([`housekeeping`]); users ([`users`]). Every action is a POST behind [`crate::auth::Admin`]
//! and the CSRF guard; a guest gets 403 and nothing changes.

pub mod housekeeping;
pub mod level;
pub mod users;

use axum::Router;

pub use level::level_cell;

use crate::state::AppState;

/// The routes of the admin pages and actions.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().merge(level::routes(at)).merge(housekeeping::routes(at)).merge(users::routes(at))
}
