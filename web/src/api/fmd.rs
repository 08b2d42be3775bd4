//! FMD 5.1's dashboard-wide JSON routes (../shared/fmd-anchor.md section 4), answered by the dashboard layer
//! with FMD's keys: the overview, the endpoints, versions, requests per day, the hourly load, exception groups
//! and custom graphs.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{Days, NaiveDate};
use fmd_core::dashboard::{Overview, ViewData, ViewKind, Window};
use serde::Serialize;

use super::{ask, body, days, endpoint, endpoints, json, page, paging, strings, ApiError};
use crate::auth::Viewer;
use crate::pages::View;
use crate::params::PageQuery;
use crate::state::AppState;

/// FMD's dashboard-wide routes.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/api/overview"), get(overview).post(overview))
        .route(&format!("{at}/api/endpoints"), get(all_endpoints))
        .route(&format!("{at}/api/endpoints_hits"), get(endpoints_hits))
        .route(&format!("{at}/api/api_performance"), post(api_performance))
        .route(&format!("{at}/api/versions"), get(versions))
        .route(&format!("{at}/api/versions/{{id}}"), get(endpoint_versions))
        .route(&format!("{at}/api/multi_version"), post(multi_version))
        .route(&format!("{at}/api/requests/{{start}}/{{end}}"), get(requests))
        .route(&format!("{at}/api/hourly_load/{{start}}/{{end}}"), get(hourly_load))
        .route(&format!("{at}/api/hourly_load/{{start}}/{{end}}/{{id}}"), get(endpoint_hourly_load))
        .route(&format!("{at}/api/num_exceptions"), get(num_exceptions))
        .route(&format!("{at}/api/exception_occurrence/{{offset}}/{{per_page}}"), get(exception_occurrence))
        .route(&format!("{at}/api/custom_graphs"), get(custom_graphs))
        .route(&format!("{at}/api/custom_graph/{{id}}/{{start}}/{{end}}"), get(custom_graph))
}

/// `GET,POST /api/overview`: FMD's overview list (today from local midnight, week = the last 7 days), FMD's
/// keys then our 95th and 99th percentiles. Differs from FMD: no `blueprint` and `color` keys (the layer's
/// overview has neither); `last-accessed` is RFC 3339.
async fn overview(
    State(state): State<AppState>,
    _viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::Overview, None, crate::pages::overview_limits(), None).await?;
    Ok(json(&*data))
}

/// The overview at the server's clock (hits overall, exception groups per endpoint).
pub(super) async fn the_overview(state: &AppState) -> Result<Arc<ViewData>, ApiError> {
    ask(state, ViewKind::Overview, None, Window::All, page(0, 0), None).await
}

/// The overview of [`the_overview`]'s answer.
pub(super) fn overview_of(data: &ViewData) -> Result<&Overview, ApiError> {
    match data {
        ViewData::Overview(o) => Ok(o),
        _ => Err(ApiError::unexpected(ViewKind::Overview)),
    }
}

/// `GET /api/endpoints`: every row of the Endpoint table with FMD's columns (`id`, `name`, `monitor_level`,
/// `time_added`, `version_added`, `last_requested`), busiest first (ties by id). Differs from FMD: typed
/// values (FMD's `row2dict` stringifies them) and RFC 3339 UTC instants.
async fn all_endpoints(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, ApiError> {
    let mut rows = endpoints(&state).await?;
    let data = the_overview(&state).await?;
    let overview = overview_of(&data)?;
    let hits = |id: i64| overview.rows.iter().find(|r| r.id == id).map_or(0, |r| r.hits_overall);
    rows.sort_by_key(|e| std::cmp::Reverse(hits(e.id)));
    Ok(json(&rows))
}

/// `{name, hits}`.
#[derive(Serialize)]
struct NameHits<'a> {
    name: &'a str,
    hits: u64,
}

/// `GET /api/endpoints_hits`: `[{name, hits}]` of the endpoints with requests, busiest first.
async fn endpoints_hits(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, ApiError> {
    let data = the_overview(&state).await?;
    let mut rows: Vec<NameHits> = overview_of(&data)?
        .rows
        .iter()
        .filter(|r| r.hits_overall > 0)
        .map(|r| NameHits { name: &r.name, hits: r.hits_overall })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.hits));
    Ok(json(&rows))
}

/// One entry of `/api/api_performance`.
#[derive(Serialize)]
struct NamedValues<'a> {
    name: &'a str,
    values: Vec<f64>,
    /// fmd's addition: the whole box plot summary (count, mean, percentiles, whiskers).
    summary: Option<&'a fmd_core::store::DurationSummary>,
}

/// `POST /api/api_performance` with `{"data": {"endpoints": [names]}}`: `[{name, values}]` over all time, in
/// the order asked. Differs from FMD: `values` are the box plot's five numbers (smallest, quartiles, median,
/// largest; FMD sends 10 percentiles, or the durations when there are at most 10), with the whole `summary`
/// beside them; a name that is no endpoint is 404 (FMD added it to its Endpoint table).
async fn api_performance(State(state): State<AppState>, _viewer: Viewer, raw: Bytes) -> Result<Response, ApiError> {
    let names = strings(&body(&raw)?, "data.endpoints")?;
    let data = ask(&state, ViewKind::DashPerformance, None, Window::All, page(0, 0), None).await?;
    let ViewData::Performance(rows) = &*data else { return Err(ApiError::unexpected(ViewKind::DashPerformance)) };
    let known = endpoints(&state).await?;
    let mut out = Vec::with_capacity(names.len());
    for name in &names {
        if !known.iter().any(|e| &e.name == name) {
            return Err(ApiError::not_found(format!("data.endpoints: no endpoint {name:?}")));
        }
        let summary = rows.iter().find(|r| &r.name == name).and_then(|r| r.summary.as_ref());
        out.push(NamedValues { name, values: super::box_values(summary), summary });
    }
    Ok(json(&out))
}

/// `GET /api/versions`: `[{version, date}]` of every version, newest first, `date` its first request.
async fn versions(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, ApiError> {
    version_list(&state, None).await
}

/// `GET /api/versions/<id>`: the versions the endpoint was requested in, newest first.
async fn endpoint_versions(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    version_list(&state, Some(e.id)).await
}

async fn version_list(state: &AppState, id: Option<i64>) -> Result<Response, ApiError> {
    let kind = if id.is_some() { ViewKind::Versions } else { ViewKind::DashVersions };
    let data = ask(state, kind, id, Window::All, page(0, 0), None).await?;
    let ViewData::Versions(v) = &*data else { return Err(ApiError::unexpected(kind)) };
    Ok(json(&v.versions))
}

/// `POST /api/multi_version` with `{"data": {"endpoints": [names], "versions": [versions]}}`: the 2-D list
/// `[endpoint][version]` of the percentage of that version's requests that went to the endpoint (FMD's
/// numbers), over all time; 0 where there is none. A name that is no endpoint is 404.
async fn multi_version(State(state): State<AppState>, _viewer: Viewer, raw: Bytes) -> Result<Response, ApiError> {
    let body = body(&raw)?;
    let (names, versions) = (strings(&body, "data.endpoints")?, strings(&body, "data.versions")?);
    let known = endpoints(&state).await?;
    if let Some(name) = names.iter().find(|n| !known.iter().any(|e| &e.name == *n)) {
        return Err(ApiError::not_found(format!("data.endpoints: no endpoint {name:?}")));
    }
    let data = ask(&state, ViewKind::DashVersions, None, Window::All, page(0, 0), None).await?;
    let ViewData::Versions(v) = &*data else { return Err(ApiError::unexpected(ViewKind::DashVersions)) };
    let Some(m) = &v.multi_version else { return Err(ApiError::unexpected(ViewKind::DashVersions)) };
    let table: Vec<Vec<f64>> = names
        .iter()
        .map(|name| {
            let row = m.endpoints.iter().position(|e| &e.name == name);
            versions
                .iter()
                .map(|version| {
                    let col = m.versions.iter().position(|v| &v.version == version);
                    row.zip(col).and_then(|(r, c)| m.data.get(r)?.get(c).copied()).unwrap_or(0.0)
                })
                .collect()
        })
        .collect();
    Ok(json(&table))
}

/// `GET /api/requests/<start>/<end>` (local dates, `YYYY-MM-DD`): `{days, data: [{id, name, values}]}`,
/// requests per local day and endpoint (`id` is ours).
async fn requests(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((start, end)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let days = days(&start, &end)?;
    let data = ask(&state, ViewKind::DashDaily, None, Window::All, page(0, 0), Some(days)).await?;
    Ok(json(&*data))
}

/// `GET /api/hourly_load/<start>/<end>`: `{days, data}`, 24 rows (local hours) of requests per local day.
/// Differs from FMD: counts are integers (FMD's numpy matrix makes them floats, `4.0`).
async fn hourly_load(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((start, end)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let days = days(&start, &end)?;
    Ok(json(&*ask(&state, ViewKind::DashHourly, None, Window::All, page(0, 0), Some(days)).await?))
}

/// `GET /api/hourly_load/<start>/<end>/<id>`: the same for one endpoint.
async fn endpoint_hourly_load(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((start, end, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let days = days(&start, &end)?;
    let e = endpoint(&state, "id", &id).await?;
    Ok(json(&*ask(&state, ViewKind::DashHourly, Some(e.id), Window::All, page(0, 0), Some(days)).await?))
}

/// `GET /api/num_exceptions`: the number of exception groups of all endpoints (each endpoint's groups,
/// added up).
async fn num_exceptions(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, ApiError> {
    let data = the_overview(&state).await?;
    Ok(json(&overview_of(&data)?.exceptions.values().sum::<u64>()))
}

/// `GET /api/exception_occurrence/<offset>/<per_page>`: exception groups of every endpoint, newest first:
/// `[{type, message, endpoint, endpoint_id, stack_trace_snapshot_id, latest_timestamp, first_timestamp,
/// count, ...}]` (FMD's keys, then ours). `per_page` at most 1000, pages within the first 100 000 groups.
async fn exception_occurrence(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((offset, per_page)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (offset, per_page) = paging(&offset, &per_page)?;
    let data = ask(&state, ViewKind::Exceptions, None, Window::All, page(offset + per_page, 0), None).await?;
    let ViewData::Exceptions(entries) = &*data else { return Err(ApiError::unexpected(ViewKind::Exceptions)) };
    let groups: Vec<_> = entries.iter().skip(offset).take(per_page).map(|e| &e.group).collect();
    Ok(json(&groups))
}

/// The custom graphs with their values in `window`.
async fn graphs(state: &AppState, window: Window) -> Result<Arc<ViewData>, ApiError> {
    ask(state, ViewKind::GraphValues, None, window, page(0, 0), None).await
}

/// `GET /api/custom_graphs`: `[{graph_id, title, time_added, version_added}]` (FMD's CustomGraph rows).
async fn custom_graphs(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, ApiError> {
    // An empty window: the graphs without their values.
    let now = state.now();
    let data = graphs(&state, Window::Custom { from: Some(now), to: Some(now) }).await?;
    let ViewData::GraphValues(list) = &*data else { return Err(ApiError::unexpected(ViewKind::GraphValues)) };
    Ok(json(&list.iter().map(|g| &g.graph).collect::<Vec<_>>()))
}

/// `GET /api/custom_graph/<id>/<start>/<end>`: `[{id, graph_id, time, value}]` (FMD's CustomGraphData rows)
/// from UTC midnight of `start` to UTC midnight after `end`, as FMD reads them (no zone).
async fn custom_graph(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((id, start, end)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::bad("graph_id", format!("{id:?} is not a graph id")))?;
    let range = days(&start, &end)?;
    let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let after = range.last.checked_add_days(Days::new(1)).unwrap_or(range.last);
    let window = Window::Custom { from: Some(midnight(range.first)), to: Some(midnight(after)) };
    let data = graphs(&state, window).await?;
    let ViewData::GraphValues(list) = &*data else { return Err(ApiError::unexpected(ViewKind::GraphValues)) };
    let graph = list
        .iter()
        .find(|g| g.graph.graph_id == id)
        .ok_or_else(|| ApiError::not_found(format!("graph_id: no custom graph has id {id}")))?;
    Ok(json(&graph.values))
}
