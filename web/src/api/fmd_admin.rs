//! FMD 5.1's deployment, user, report and level routes: `deploy_details`, `deploy_config`, `users`,
//! `reporting/make_report/{intervals,commits}` and `set_rule` (admins only).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use fmd_core::dashboard::{Compare, ViewData, ViewKind, Window};
use fmd_core::report::Interval;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fmd::{overview_of, the_overview};
use super::{ask, json, page, ApiError};
use crate::auth::{Admin, Viewer};
use crate::state::AppState;

/// FMD's deployment, user, report and level routes.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/api/deploy_details"), get(deploy_details))
        .route(&format!("{at}/api/deploy_config"), get(deploy_config))
        .route(&format!("{at}/api/users"), get(users))
        .route(&format!("{at}/api/reporting/make_report/intervals"), post(report_intervals))
        .route(&format!("{at}/api/reporting/make_report/commits"), post(report_commits))
        .route(&format!("{at}/api/set_rule"), post(set_rule))
}

/// `/api/deploy_details`.
#[derive(Serialize)]
struct DeployDetails {
    link: String,
    #[serde(rename = "dashboard-version")]
    dashboard_version: &'static str,
    #[serde(rename = "config-version")]
    config_version: Option<String>,
    #[serde(rename = "first-request")]
    first_request: Option<String>,
    #[serde(rename = "first-request-version")]
    first_request_version: Option<String>,
    #[serde(rename = "total-requests")]
    total_requests: u64,
    #[serde(rename = "fmd-id")]
    fmd_id: Option<String>,
}

/// `GET /api/deploy_details`: `{link, dashboard-version, config-version, first-request,
/// first-request-version, total-requests, fmd-id}`. Differs from FMD: the dashboard is not the monitored
/// app, so `config-version` is the newest version in the file (FMD: its app's configured version) and
/// `first-request-version` that version's first request; `dashboard-version` is fmd's; `fmd-id` (FMD's
/// telemetry id) is null, fmd sends no telemetry. Instants are RFC 3339 UTC, computed without FMD's
/// `mktime`-on-UTC shift, and null without requests (FMD failed there, #437).
async fn deploy_details(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, ApiError> {
    let data = ask(&state, ViewKind::DashVersions, None, Window::All, page(0, 0), None).await?;
    let ViewData::Versions(v) = &*data else { return Err(ApiError::unexpected(ViewKind::DashVersions)) };
    let newest = v.versions.iter().filter(|v| v.date.is_some()).max_by_key(|v| v.date);
    let first = v.versions.iter().filter_map(|v| v.date).min();
    let overview = the_overview(&state).await?;
    let total_requests = overview_of(&overview)?.rows.iter().map(|r| r.hits_overall).sum();
    let text = |t: Option<DateTime<Utc>>| t.map(fmd_core::timefmt::rfc3339);
    Ok(json(&DeployDetails {
        link: state.link().to_string(),
        dashboard_version: env!("CARGO_PKG_VERSION"),
        config_version: newest.map(|v| v.version.clone()),
        first_request: text(first),
        first_request_version: text(newest.and_then(|v| v.date)),
        total_requests,
        fmd_id: None,
    }))
}

/// `GET /api/deploy_config`: `{database_name, outlier_detection_constant, timezone, colors}`. Differs from
/// FMD: `database_name` is a file's name only, never its path, and a server's URL never holds its password
/// (FMD's held the database password when it had one); `outlier_detection_constant` is null (each recorder
/// holds its own, in its fmd.toml); `colors` are the configured `{name: [r, g, b]}`.
async fn deploy_config(State(state): State<AppState>, _viewer: Viewer) -> Response {
    let settings = state.settings();
    let name = state.pool().name();
    json(&serde_json::json!({
        "database_name": name,
        "outlier_detection_constant": Value::Null,
        "timezone": settings.zone.name(),
        "colors": settings.colors,
    }))
}

/// A user as `/api/users` lists them.
#[derive(Serialize)]
struct UserJson {
    id: i64,
    username: String,
    is_admin: bool,
}

/// `GET /api/users`: `[{id, username, is_admin}]` for an admin, `[]` for a guest (as FMD). The User table is
/// read as the login reads it (no dashboard view: users are not monitoring data).
async fn users(State(state): State<AppState>, viewer: Viewer) -> Result<Response, ApiError> {
    if !viewer.admin {
        return Ok(json(&Vec::<UserJson>::new()));
    }
    let users = state.pool().run(|store| Ok(store.list_users()?)).await?;
    let out: Vec<UserJson> =
        users.into_iter().map(|u| UserJson { id: u.id, username: u.username, is_admin: u.is_admin }).collect();
    Ok(json(&out))
}

/// 422 with `{"error": ...}` naming the field: the reporting routes answer 422 to a bad payload, as FMD's.
fn unprocessable(why: String) -> ApiError {
    ApiError(StatusCode::UNPROCESSABLE_ENTITY, why)
}

/// A unix time in seconds at `path` (`interval.from`) of a body: a number or a text of one, as FMD's
/// `int(...)` takes it.
fn unix_at(body: &Value, path: &str) -> Result<DateTime<Utc>, ApiError> {
    let value = path.split('.').try_fold(body, |v, key| v.get(key));
    let seconds = match value {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f.trunc() as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    seconds
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| unprocessable(format!("{path}: a unix time in seconds is expected")))
}

/// The report of `compare` as `{comparison, baseline, summaries}` (FMD's `summaries`, then ours).
async fn report(state: &AppState, compare: Compare) -> Result<Response, ApiError> {
    let kind = ViewKind::DashReport(compare);
    let data = ask(state, kind, None, Window::All, page(0, 0), None).await?;
    let ViewData::Report(view) = &*data else { return Err(ApiError::unexpected(kind)) };
    match &view.report {
        Some(report) => Ok(json(report)),
        None => Ok(json(&serde_json::json!({ "summaries": [], "note": view.note }))),
    }
}

/// `POST /api/reporting/make_report/intervals` with `{"interval": {"from", "to"}, "baseline_interval":
/// {"from", "to"}}` (unix seconds): FMD's report of the requests with `from < time_requested <= to` in each.
/// A bad payload is 422 as in FMD, but naming the field (FMD: `"Invalid payload"`).
async fn report_intervals(State(state): State<AppState>, _viewer: Viewer, raw: Bytes) -> Result<Response, ApiError> {
    let body: Value = serde_json::from_slice(&raw).map_err(|e| unprocessable(format!("body: not JSON ({e})")))?;
    let interval = Interval { from: unix_at(&body, "interval.from")?, to: unix_at(&body, "interval.to")? };
    let baseline =
        Interval { from: unix_at(&body, "baseline_interval.from")?, to: unix_at(&body, "baseline_interval.to")? };
    report(&state, Compare::Intervals { interval, baseline }).await
}

/// `POST /api/reporting/make_report/commits` with `{"commit_version", "baseline_commit_version"}`: FMD's
/// report of one version's requests against another's; 422 when one is missing or both are the same, as FMD.
/// FMD 5.1.0's own route is broken (its status-code question fails and the error is swallowed, so it always
/// answers `{"summaries": []}`); this one answers the report.
async fn report_commits(State(state): State<AppState>, _viewer: Viewer, raw: Bytes) -> Result<Response, ApiError> {
    let body: Value = serde_json::from_slice(&raw).map_err(|e| unprocessable(format!("body: not JSON ({e})")))?;
    let text = |key: &str| match body.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(unprocessable(format!("{key}: please select two commits (a version is expected)"))),
    };
    let (version, baseline) = (text("commit_version")?, text("baseline_commit_version")?);
    if version == baseline {
        return Err(unprocessable("baseline_commit_version: can't compare a commit to itself".into()));
    }
    report(&state, Compare::version_pair(&version, &baseline)).await
}

/// `set_rule`'s form.
#[derive(Deserialize)]
struct SetRule {
    name: Option<String>,
    value: Option<String>,
}

/// `POST /api/set_rule` (admins; form fields `name`, `value` 0-3): sets the endpoint's monitoring level and
/// answers `"OK"`; running recorders pick it up within their level poll (FMD re-wrapped the view in its own
/// process). A bad value is 400 naming the field, an unknown name 404.
async fn set_rule(State(state): State<AppState>, Admin(_): Admin, Form(form): Form<SetRule>) -> Response {
    let Some(name) = form.name else { return ApiError::bad("name", "missing").into_response() };
    let Some(value) = form.value else { return ApiError::bad("value", "missing").into_response() };
    match crate::pages::admin::level::change(&state, name, &value).await {
        Ok(()) => "OK".into_response(),
        Err((status, why)) => ApiError(status, why).into_response(),
    }
}
