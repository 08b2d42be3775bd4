//! Pages of the endpoint (filled in by their own modules).

use axum::Router;

use crate::state::AppState;

/// The routes of these pages.
pub fn routes(at: &str) -> Router<AppState> {
    let _ = at;
    Router::new()
}
