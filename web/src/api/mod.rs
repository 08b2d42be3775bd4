//! The JSON API under `/{link}/api/`: FMD 5.1's routes with FMD's paths, methods and keys, so scripts written
//! against FMD keep working, and every other view with `fmd show`'s JSON ([`views`]).
//! Without a session a route answers 401; admin routes answer 403 to guests.
//!
//! * [`fmd`]: FMD's dashboard-wide routes (overview, endpoints, versions, requests per day, hourly load,
//!   exceptions, custom graphs).
//! * [`fmd_endpoint`]: FMD's routes of one endpoint (details, users, IPs, versions, status codes).
//! * [`fmd_incidents`]: FMD's outlier and profiler routes.
//! * [`fmd_admin`]: deployment details and configuration, users, the report, `set_rule`.
//! * [`user_admin`]: FMD's `/api/user/create`, `edit`, `delete`.
//! * [`views`]: `GET /api/view/{view}`, every view as `fmd show VIEW --json` prints it.
//! * [`color`]: FMD's colour of a name.
//!
//! Where our answers differ from FMD's, the route's doc comment says how and why. Common to all of them:
//! numbers stay numbers (FMD's `row2dict` turns every column into a string) and instants are RFC 3339 UTC
//! with microseconds (FMD's `jsonify` writes RFC 822, `"Fri, 27 Nov 2026 22:50:03 GMT"`), as `fmd show`
//! writes them. Every answer comes from the dashboard layer ([`fmd_core::dashboard::answer`]).

pub mod color;
pub mod fmd;
pub mod fmd_admin;
pub mod fmd_endpoint;
pub mod fmd_incidents;
pub mod user_admin;
pub mod views;

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use fmd_core::dashboard::{Limits, ViewData, ViewKey, ViewKind, ViewRequest, Window};
use fmd_core::store::views::EndpointInfo;
use fmd_core::store::DayRange;
use http::StatusCode;
use serde::Serialize;
use serde_json::Value;

use crate::state::AppState;

/// Every API route.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .merge(fmd::routes(at))
        .merge(fmd_endpoint::routes(at))
        .merge(fmd_incidents::routes(at))
        .merge(fmd_admin::routes(at))
        .merge(user_admin::routes(at))
        .merge(views::routes(at))
}

/// Why an API route has no answer: its status and a JSON `{"error": ...}` naming the problem.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl ApiError {
    /// 400: `param` is wrong, and why.
    pub fn bad(param: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError(StatusCode::BAD_REQUEST, format!("{param}: {why}"))
    }

    /// 404: there is no such thing.
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError(StatusCode::NOT_FOUND, what.into())
    }

    /// 500: the layer answered another kind of data than the view gives (a bug, never the caller's).
    pub fn unexpected(kind: ViewKind) -> ApiError {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("the {kind:?} view gave an unexpected answer"))
    }
}

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

/// Most rows one paged FMD route answers at once (`per_page`).
pub const MOST_PER_PAGE: usize = 1_000;
/// Most rows a paged FMD route reaches (`offset + per_page`): deeper pages are refused (400) rather than read.
pub const DEEPEST_ROW: usize = 100_000;

/// The layer's answer for `kind` of `endpoint` over `window` with `limits` (and local `days`), in the
/// configured zone at the server's clock.
pub async fn ask(
    state: &AppState,
    kind: ViewKind,
    endpoint: Option<i64>,
    window: Window,
    limits: Limits,
    days: Option<DayRange>,
) -> Result<Arc<ViewData>, ApiError> {
    let request = ViewRequest {
        key: ViewKey { kind, window, endpoint },
        now: state.now(),
        zone: state.settings().zone,
        limits,
        days,
    };
    Ok(state.pool().answer(request, state.settings().now.is_some()).await?)
}

/// The limits of FMD's routes: everything exact and unbounded but lists, which get `rows` rows from `offset`.
pub fn page(rows: usize, offset: usize) -> Limits {
    Limits::page(rows, offset)
}

/// Every row of the Endpoint table (the layer's Endpoints view, kept while the file is unchanged).
pub async fn endpoints(state: &AppState) -> Result<Vec<EndpointInfo>, ApiError> {
    let data = ask(state, ViewKind::Endpoints, None, Window::All, page(0, 0), None).await?;
    match &*data {
        ViewData::Endpoints(rows) => Ok(rows.clone()),
        _ => Err(ApiError::unexpected(ViewKind::Endpoints)),
    }
}

/// The endpoint with id `text` (a path segment named `param`): 400 when it is no number, 404 when there is
/// no such endpoint.
pub async fn endpoint(state: &AppState, param: &str, text: &str) -> Result<EndpointInfo, ApiError> {
    let id: i64 = text.parse().map_err(|_| ApiError::bad(param, format!("{text:?} is not an endpoint id")))?;
    endpoints(state)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::not_found(format!("{param}: no endpoint has id {id}")))
}

/// A whole number from a path segment named `param`, at most `most`.
pub fn count(param: &str, text: &str, most: usize) -> Result<usize, ApiError> {
    let n: usize = text.parse().map_err(|_| ApiError::bad(param, format!("{text:?} is not a whole number")))?;
    if n > most {
        return Err(ApiError::bad(param, format!("{n} is more than {most}")));
    }
    Ok(n)
}

/// `offset` and `per_page` path segments: `per_page` at most [`MOST_PER_PAGE`], the page within the first
/// [`DEEPEST_ROW`] rows.
pub fn paging(offset: &str, per_page: &str) -> Result<(usize, usize), ApiError> {
    let per_page = count("per_page", per_page, MOST_PER_PAGE)?;
    let offset = count("offset", offset, DEEPEST_ROW)?;
    if offset + per_page > DEEPEST_ROW {
        return Err(ApiError::bad("offset", format!("pages end at row {DEEPEST_ROW}")));
    }
    Ok((offset, per_page))
}

/// A `YYYY-MM-DD` path segment named `param`.
pub fn date(param: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::bad(param, format!("{text:?} is not a date (YYYY-MM-DD)")))
}

/// `start_date..=end_date` path segments as local days.
pub fn days(start: &str, end: &str) -> Result<DayRange, ApiError> {
    let (first, last) = (date("start_date", start)?, date("end_date", end)?);
    if last < first {
        return Err(ApiError::bad("end_date", format!("{last} is before start_date {first}")));
    }
    Ok(DayRange::new(first, last))
}

/// A JSON request body (FMD's POST routes read `request.data` whatever its content type).
pub fn body(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad("body", format!("not JSON ({e})")))
}

/// The list of strings at `path` (`data.endpoints`) of a request body.
pub fn strings(body: &Value, path: &str) -> Result<Vec<String>, ApiError> {
    let value = path.split('.').try_fold(body, |v, key| v.get(key));
    let Some(list) = value.and_then(Value::as_array) else {
        return Err(ApiError::bad(path, "missing: a list of strings is expected"));
    };
    list.iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(ApiError::bad(path, format!("{other} is not a string"))),
        })
        .collect()
}

/// The box plot numbers of a summary as FMD's `values` list: smallest, quartiles, median, largest (FMD sends
/// the raw durations or `simplify`'s percentiles; the layer keeps box plots as summaries, and a box plot drawn
/// from these shows the same box).
pub fn box_values(summary: Option<&fmd_core::store::DurationSummary>) -> Vec<f64> {
    summary.map_or_else(Vec::new, |s| vec![s.min, s.p25, s.p50, s.p75, s.max])
}

/// FMD's `simplify(values, n)`: the values themselves when there are at most `n`, else the `n` percentiles
/// `i * 100 // (n - 1)` (numpy's linear method).
pub fn simplify(values: &[f64], n: usize) -> Vec<f64> {
    if values.len() <= n || n < 2 {
        return values.to_vec();
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    (0..n).filter_map(|i| fmd_core::store::views::percentile_sorted(&sorted, (i * 100 / (n - 1)) as f64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplify_is_fmds() {
        assert_eq!(simplify(&[3.0, 1.0, 2.0], 5), vec![3.0, 1.0, 2.0], "few values stay as they are");
        let values: Vec<f64> = (1..=11).map(f64::from).collect();
        // numpy: np.percentile(range(1, 12), [0, 33, 66, 100]) = [1, 4.3, 7.6, 11]
        let got = simplify(&values, 4);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], 1.0);
        assert!((got[1] - 4.3).abs() < 1e-12 && (got[2] - 7.6).abs() < 1e-12, "{got:?}");
        assert_eq!(got[3], 11.0);
    }

    #[test]
    fn paths_name_their_bad_segments() {
        assert!(paging("0", "5").is_ok());
        assert!(paging("x", "5").expect_err("bad").1.starts_with("offset:"));
        assert!(paging("0", "5000").expect_err("bad").1.starts_with("per_page:"));
        assert!(days("2026-11-27", "2026-11-20").expect_err("bad").1.starts_with("end_date:"));
        assert!(days("27-11-2026", "2026-11-20").expect_err("bad").1.starts_with("start_date:"));
        let body = serde_json::json!({"data": {"endpoints": ["a", 1], "bad": [{}]}});
        assert_eq!(strings(&body, "data.endpoints").expect("list"), vec!["a", "1"]);
        assert!(strings(&body, "data.versions").expect_err("missing").1.starts_with("data.versions:"));
        assert!(strings(&body, "data.bad").is_err());
    }
}
