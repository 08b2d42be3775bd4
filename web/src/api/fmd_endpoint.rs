//! FMD 5.1's JSON routes of one endpoint, answered by the dashboard layer with FMD's keys: its details,
//! users and IPs, box plots per version and user, the version matrices, status codes and exception groups.
//! Every route answers 404 for an id that is no endpoint's, 400 for one that is no number. All of them cover
//! all time, as FMD's do.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use fmd_core::dashboard::{ViewData, ViewKind, Window};
use fmd_core::store::DurationSummary;
use serde::Serialize;
use serde_json::Value;

use super::color::color;
use super::fmd::{overview_of, the_overview};
use super::{ask, body, box_values, endpoint, json, page, paging, strings, ApiError};
use crate::auth::Viewer;
use crate::state::AppState;

/// Error requests `/api/endpoint_status_code_summary/<id>` lists at most (the newest).
pub const SUMMARY_ERRORS: usize = 1_000;

/// FMD's routes of one endpoint.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/api/endpoint_info/{{id}}"), get(endpoint_info))
        .route(&format!("{at}/api/users/{{id}}"), get(users))
        .route(&format!("{at}/api/ip/{{id}}"), get(ips))
        .route(&format!("{at}/api/endpoint_versions/{{id}}"), post(endpoint_versions))
        .route(&format!("{at}/api/endpoint_users/{{id}}"), post(endpoint_users))
        .route(&format!("{at}/api/version_user/{{id}}"), post(version_user))
        .route(&format!("{at}/api/version_ip/{{id}}"), post(version_ip))
        .route(&format!("{at}/api/endpoint_status_code_distribution/{{id}}"), get(status_code_distribution))
        .route(&format!("{at}/api/endpoint_status_code_summary/{{id}}"), get(status_code_summary))
        .route(&format!("{at}/api/num_exceptions/{{id}}"), get(num_exceptions))
        .route(
            &format!("{at}/api/detailed_exception_occurrence/{{id}}/{{offset}}/{{per_page}}"),
            get(detailed_exception_occurrence),
        )
}

/// `/api/endpoint_info/<id>`.
#[derive(Serialize)]
struct EndpointDetails {
    id: i64,
    color: String,
    methods: Vec<String>,
    endpoint: String,
    rules: Vec<String>,
    #[serde(rename = "monitor-level")]
    monitor_level: Option<u8>,
    url: Option<String>,
    total_hits: u64,
}

/// `GET /api/endpoint_info/<id>`: `{id, color, methods, endpoint, rules, monitor-level, url, total_hits}`.
/// Differs from FMD: `methods` and `rules` are empty and `url` is null, since they are the monitored app's
/// routing table, which the database does not hold (FMD read them from the Flask app it ran in).
async fn endpoint_info(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    let data = the_overview(&state).await?;
    let total_hits = overview_of(&data)?.rows.iter().find(|r| r.id == e.id).map_or(0, |r| r.hits_overall);
    Ok(json(&EndpointDetails {
        id: e.id,
        color: color(&e.name, &state.settings().colors),
        methods: Vec::new(),
        rules: Vec::new(),
        monitor_level: e.monitor_level,
        url: None,
        endpoint: e.name,
        total_hits,
    }))
}

/// `GET /api/users/<id>`: `[{user, hits}]`, busiest first (FMD's order, ties included).
async fn users(State(state): State<AppState>, _viewer: Viewer, Path(id): Path<String>) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    Ok(json(&*ask(&state, ViewKind::UserHits, Some(e.id), Window::All, page(0, 0), None).await?))
}

/// `GET /api/ip/<id>`: `[{ip, hits}]`, busiest first.
async fn ips(State(state): State<AppState>, _viewer: Viewer, Path(id): Path<String>) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    Ok(json(&*ask(&state, ViewKind::IpHits, Some(e.id), Window::All, page(0, 0), None).await?))
}

/// One box plot of `/api/endpoint_versions/<id>` and `/api/endpoint_users/<id>`.
#[derive(Serialize)]
struct BoxPlot<'a> {
    #[serde(flatten)]
    name: Value,
    date: Option<String>,
    values: Vec<f64>,
    color: String,
    /// fmd's addition: the whole summary (count, mean, percentiles, whiskers).
    summary: Option<&'a DurationSummary>,
}

/// `POST /api/endpoint_versions/<id>` with `{"data": {"versions": [...]}}`: `[{version, date, values, color}]`
/// in the order asked, `date` the endpoint's first request in that version. Differs from FMD: `values` are
/// the box plot's five numbers (FMD: 100 percentiles), with the whole `summary` beside them; a version
/// without requests has `values: []` and `date: null` (FMD: `0` for both).
async fn endpoint_versions(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
    raw: Bytes,
) -> Result<Response, ApiError> {
    let asked = strings(&body(&raw)?, "data.versions")?;
    let e = endpoint(&state, "id", &id).await?;
    let data = ask(&state, ViewKind::Versions, Some(e.id), Window::All, page(0, 0), None).await?;
    let ViewData::Versions(v) = &*data else { return Err(ApiError::unexpected(ViewKind::Versions)) };
    let rows = v.performance.as_deref().unwrap_or_default();
    let colors = &state.settings().colors;
    let out: Vec<BoxPlot> = asked
        .iter()
        .map(|version| {
            let row = rows.iter().find(|r| &r.version == version);
            let summary = row.and_then(|r| r.summary.as_ref());
            BoxPlot {
                name: serde_json::json!({ "version": version }),
                date: row.and_then(|r| r.date).map(fmd_core::timefmt::rfc3339),
                values: box_values(summary),
                color: color(version, colors),
                summary,
            }
        })
        .collect();
    Ok(json(&out))
}

/// `POST /api/endpoint_users/<id>` with `{"data": {"users": [...]}}`: `[{user, date, values, color}]` in the
/// order asked. `date` is null (FMD's is always 0, a lookup bug); `values` as in `endpoint_versions`.
async fn endpoint_users(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
    raw: Bytes,
) -> Result<Response, ApiError> {
    let asked = strings(&body(&raw)?, "data.users")?;
    let e = endpoint(&state, "id", &id).await?;
    let data = ask(&state, ViewKind::Users, Some(e.id), Window::All, page(0, 0), None).await?;
    let ViewData::Groups(rows) = &*data else { return Err(ApiError::unexpected(ViewKind::Users)) };
    let colors = &state.settings().colors;
    let out: Vec<BoxPlot> = asked
        .iter()
        .map(|user| {
            let summary = rows.iter().find(|r| &r.group == user).and_then(|r| r.summary.as_ref());
            BoxPlot {
                name: serde_json::json!({ "user": user }),
                date: None,
                values: box_values(summary),
                color: color(user, colors),
                summary,
            }
        })
        .collect();
    Ok(json(&out))
}

/// `POST /api/version_user/<id>` with `{"data": {"versions": [...], "users": [...]}}`: `{versions: [{version,
/// date}], data: [[median ms]]}` (`data[user][version]`, 0 where the pair has no request, as FMD).
async fn version_user(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
    raw: Bytes,
) -> Result<Response, ApiError> {
    matrix(&state, &id, &raw, ViewKind::UserVersion, "data.users").await
}

/// `POST /api/version_ip/<id>` with `{"data": {"versions": [...], "ip": [...]}}`: the same per IP.
async fn version_ip(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
    raw: Bytes,
) -> Result<Response, ApiError> {
    matrix(&state, &id, &raw, ViewKind::IpVersion, "data.ip").await
}

/// `{versions, data}` of a version matrix.
#[derive(Serialize)]
struct MatrixJson {
    versions: Vec<Value>,
    data: Vec<Vec<f64>>,
}

async fn matrix(state: &AppState, id: &str, raw: &[u8], kind: ViewKind, rows_at: &str) -> Result<Response, ApiError> {
    let body = body(raw)?;
    let (versions, groups) = (strings(&body, "data.versions")?, strings(&body, rows_at)?);
    let e = endpoint(state, "id", id).await?;
    let mut limits = page(0, 0);
    limits.matrix = usize::MAX;
    let data = ask(state, kind, Some(e.id), Window::All, limits, None).await?;
    let ViewData::Matrix(m) = &*data else { return Err(ApiError::unexpected(kind)) };
    let cols: Vec<Option<usize>> = versions.iter().map(|v| m.versions.iter().position(|c| &c.version == v)).collect();
    let out = MatrixJson {
        versions: versions
            .iter()
            .zip(&cols)
            .map(|(v, col)| {
                let date = col.and_then(|c| m.versions[c].date).map(fmd_core::timefmt::rfc3339);
                serde_json::json!({ "version": v, "date": date })
            })
            .collect(),
        data: groups
            .iter()
            .map(|g| {
                let row = m.groups.iter().position(|r| &r.name == g);
                cols.iter()
                    .map(|col| row.zip(*col).and_then(|(r, c)| m.data.get(r)?.get(c).copied().flatten()).unwrap_or(0.0))
                    .collect()
            })
            .collect(),
    };
    Ok(json(&out))
}

/// `GET /api/endpoint_status_code_distribution/<id>`: `{code: fraction}` of the requests with a code.
async fn status_code_distribution(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    let data = ask(&state, ViewKind::Status, Some(e.id), Window::All, page(0, 0), None).await?;
    let ViewData::Status(s) = &*data else { return Err(ApiError::unexpected(ViewKind::Status)) };
    Ok(json(&s.distribution))
}

/// `GET /api/endpoint_status_code_summary/<id>`: `{distribution, counts, total_errors, error_requests}`.
/// Differs from FMD: `error_requests` are the newest [`SUMMARY_ERRORS`] (1000) requests with status 400-599,
/// newest first (FMD lists every one, unbounded and unordered), and `total_errors` says how many there are in
/// all; `counts` (requests per code) is ours; rows are typed (FMD stringifies every column).
async fn status_code_summary(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    Ok(json(&*ask(&state, ViewKind::Status, Some(e.id), Window::All, page(SUMMARY_ERRORS, 0), None).await?))
}

/// `GET /api/num_exceptions/<id>`: the endpoint's number of exception groups.
async fn num_exceptions(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    let data = the_overview(&state).await?;
    Ok(json(&overview_of(&data)?.exceptions.get(&e.id).copied().unwrap_or(0)))
}

/// `GET /api/detailed_exception_occurrence/<id>/<offset>/<per_page>`: the endpoint's exception groups,
/// newest first, each with `stack_trace_snapshot` (its frames, outermost first). `per_page` at most 1000,
/// pages within the first 100 000 groups.
async fn detailed_exception_occurrence(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((id, offset, per_page)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (offset, per_page) = paging(&offset, &per_page)?;
    let e = endpoint(&state, "id", &id).await?;
    let data = ask(&state, ViewKind::Exceptions, Some(e.id), Window::All, page(offset + per_page, 0), None).await?;
    let ViewData::Exceptions(entries) = &*data else { return Err(ApiError::unexpected(ViewKind::Exceptions)) };
    Ok(json(&entries.iter().skip(offset).take(per_page).collect::<Vec<_>>()))
}
