//! FMD 5.1's JSON routes (../shared/fmd-anchor.md section 4), answered by the dashboard layer with FMD's keys.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use fmd_core::dashboard::ViewKind;

use super::{json, ApiError};
use crate::auth::Viewer;
use crate::pages::{limits, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// FMD's routes.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().route(&format!("{at}/api/overview"), get(overview).post(overview))
}

/// `GET,POST /api/overview`: FMD's overview list (today from local midnight, week = the last 7 days).
async fn overview(
    State(state): State<AppState>,
    _viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::Overview, None, limits(0, 0), None).await?;
    Ok(json(&*data))
}
