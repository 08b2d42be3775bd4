//! The HTML pages. Each page reads its query string ([`crate::params`]), asks the dashboard layer through the
//! pool ([`View::ask`]) and draws the answer inside the frame ([`frame`]). Pages are complete without
//! JavaScript; the script only refreshes them live and adds keys.
//!
//! * [`overview`]: `/{link}/` (every endpoint, sortable, filterable; levels for admins).
//! * [`dashboard`]: `/{link}/hourly`, `daily`, `versions`, `performance`, `latency`, `status`, `exceptions`,
//!   `graphs`, `report`.
//! * [`endpoint`]: an endpoint's tabs, `/{link}/endpoint/ID/TAB`.
//! * [`admin`]: level changes, delete, merge, prune, users.
//! * [`info`]: `/{link}/info`, what the dashboard serves.

pub mod admin;
pub mod dashboard;
pub mod endpoint;
pub mod format;
pub mod frame;
pub mod info;
pub mod overview;
pub mod table;

use std::sync::Arc;

use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use chrono_tz::Tz;
use fmd_core::dashboard::{Limits, ViewData, ViewKey, ViewKind, ViewRequest, Window};
use fmd_core::store::DayRange;
use http::StatusCode;
use maud::html;

use crate::params::{BadParam, PageQuery};
use crate::pool::PoolError;
use crate::state::AppState;

/// Every page route.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .merge(overview::routes(at))
        .merge(dashboard::routes(at))
        .merge(endpoint::routes(at))
        .merge(admin::routes(at))
        .merge(info::routes(at))
}

/// `/{link}` without the slash.
pub async fn to_overview(axum::extract::State(state): axum::extract::State<AppState>) -> Redirect {
    Redirect::permanent(&state.path(""))
}

/// Anything else: 404.
pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such page").into_response()
}

/// Why a page could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A query parameter is wrong (400).
    #[error(transparent)]
    Param(#[from] BadParam),
    /// The database could not answer (503, the message names the file).
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// No such endpoint, request, outlier (404).
    #[error("{0}")]
    NotFound(String),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::Param(_) => StatusCode::BAD_REQUEST,
            PageError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::NotFound(_) => StatusCode::NOT_FOUND,
        };
        let body = html! {
            (maud::DOCTYPE)
            html lang="en" { head { meta charset="utf-8"; title { "fmd · error" } } body { main { h1 { (status) } p { (self.to_string()) } } } }
        };
        (status, body).into_response()
    }
}

/// A page's view: its window and zone from the URL, the clock, and the limits of a web page.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// The window the URL asks for (default 7 days).
    pub window: Window,
    /// The zone the URL asks for (default: the configuration's).
    pub zone: Tz,
}

/// Rows of a paged list on one page.
pub const PAGE_ROWS: usize = 50;

/// The limits of a web page: the console's (bounded lists, the busiest users/IPs) with `rows` rows from
/// `offset`.
pub fn limits(rows: usize, offset: usize) -> Limits {
    let mut limits = Limits::console(rows);
    limits.offset = offset;
    limits
}

/// The limits every page that needs the overview asks it with (the overview page, endpoint pages, admin
/// and info pages, FMD's `/api/overview`), so they share one kept answer: the console's with the 24-hour trend.
pub fn overview_limits() -> Limits {
    let mut web = limits(0, 0);
    web.trend_hours = 24;
    web
}

impl View {
    /// The window and zone of `query`.
    pub fn of(state: &AppState, query: &PageQuery) -> Result<View, BadParam> {
        let zone = query.zone(state.settings().zone)?;
        Ok(View { window: query.window(zone)?, zone })
    }

    /// The layer's answer for `kind` (of `endpoint`) in this view, with `limits` and optional local `days`.
    pub async fn ask(
        &self,
        state: &AppState,
        kind: ViewKind,
        endpoint: Option<i64>,
        limits: Limits,
        days: Option<DayRange>,
    ) -> Result<Arc<ViewData>, PoolError> {
        let request = ViewRequest {
            key: ViewKey { kind, window: self.window, endpoint },
            now: state.now(),
            zone: self.zone,
            limits,
            days,
        };
        state.pool().answer(request, state.settings().now.is_some()).await
    }
}
