//! The JSON API under `/{link}/api/`: FMD 5.1's routes with FMD's paths, methods and keys ([`fmd`]), so
//! scripts written against FMD keep working, and every other view with `fmd show`'s JSON ([`views`]).
//! Without a session a route answers 401; admin routes answer 403 to guests.

pub mod fmd;
pub mod user_admin;

use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use http::StatusCode;
use serde::Serialize;

use crate::state::AppState;

/// Every API route.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().merge(fmd::routes(at)).merge(user_admin::routes(at))
}

/// Why an API route has no answer: its status and a JSON `{"error": ...}` naming the problem.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<crate::pool::PoolError> for ApiError {
    fn from(e: crate::pool::PoolError) -> ApiError {
        match e {
            crate::pool::PoolError::Dashboard(e) => ApiError(StatusCode::BAD_REQUEST, e.to_string()),
            e => ApiError(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        }
    }
}

impl From<crate::params::BadParam> for ApiError {
    fn from(e: crate::params::BadParam) -> ApiError {
        ApiError(StatusCode::BAD_REQUEST, e.to_string())
    }
}

/// A JSON answer.
pub fn json<T: Serialize>(value: &T) -> Response {
    Json(value).into_response()
}
