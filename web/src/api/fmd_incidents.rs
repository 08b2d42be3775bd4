//! FMD 5.1's outlier and profiler routes of one endpoint, answered by the dashboard layer with FMD's keys.
//! Every route answers 404 for an id that is no endpoint's, 400 for one that is no number.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use fmd_core::dashboard::{ViewData, ViewKind, Window};
use serde::Serialize;
use serde_json::Value;

use super::color::color;
use super::{ask, endpoint, json, page, paging, simplify, ApiError};
use crate::auth::Viewer;
use crate::state::AppState;

/// Outliers `/api/outlier_graph/<id>` reads at most (the newest).
pub const GRAPH_OUTLIERS: usize = 10_000;
/// Profiled requests one `/api/profiler_table` page holds at most (each is read with its call tree).
pub const PROFILER_PAGE: usize = 100;

/// FMD's outlier and profiler routes.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{at}/api/num_outliers/{{id}}"), get(num_outliers))
        .route(&format!("{at}/api/outlier_graph/{{id}}"), get(outlier_graph))
        .route(&format!("{at}/api/outlier_table/{{id}}/{{offset}}/{{per_page}}"), get(outlier_table))
        .route(&format!("{at}/api/num_profiled/{{id}}"), get(num_profiled))
        .route(&format!("{at}/api/profiler_table/{{id}}/{{offset}}/{{per_page}}"), get(profiler_table))
        .route(&format!("{at}/api/grouped_profiler/{{id}}"), get(grouped_profiler))
}

async fn outliers(
    state: &AppState,
    id: &str,
    rows: usize,
    offset: usize,
) -> Result<fmd_core::dashboard::OutlierView, ApiError> {
    let e = endpoint(state, "id", id).await?;
    let data = ask(state, ViewKind::Outliers, Some(e.id), Window::All, page(rows, offset), None).await?;
    match &*data {
        ViewData::Outliers(o) => Ok(o.clone()),
        _ => Err(ApiError::unexpected(ViewKind::Outliers)),
    }
}

/// `GET /api/num_outliers/<id>`: the endpoint's number of outliers.
async fn num_outliers(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json(&outliers(&state, &id, 0, 0).await?.total))
}

/// One series of `/api/outlier_graph`.
#[derive(Serialize)]
struct CpuSeries {
    name: String,
    values: Vec<f64>,
    color: String,
}

/// The numbers of a stored CPU list (`[12.5, 3.0]`, psutil's per-core percentages as FMD writes them).
fn cpu_list(text: &str) -> Option<Vec<f64>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim().is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(|v| v.trim().parse::<f64>().ok().filter(|f| f.is_finite())).collect()
}

/// `GET /api/outlier_graph/<id>`: `[{name: "CPU core i", values, color}]`, each core's CPU percentages over
/// the outliers (FMD's `simplify` to 50 values). Differs from FMD: the newest [`GRAPH_OUTLIERS`] (10 000)
/// outliers at most, and CPU lists that are not lists of numbers are skipped (FMD's `literal_eval` fails).
async fn outlier_graph(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = outliers(&state, &id, GRAPH_OUTLIERS, 0).await?;
    let lists: Vec<Vec<f64>> = view.rows.iter().filter_map(|o| o.cpu_percent.as_deref().and_then(cpu_list)).collect();
    // zip(*lists): as many cores as the shortest list has.
    let cores = lists.iter().map(Vec::len).min().unwrap_or(0);
    let colors = &state.settings().colors;
    let series: Vec<CpuSeries> = (0..cores)
        .map(|core| {
            let values: Vec<f64> = lists.iter().map(|l| l[core]).collect();
            CpuSeries {
                name: format!("CPU core {core}"),
                values: simplify(&values, 50),
                color: color(&core.to_string(), colors),
            }
        })
        .collect();
    Ok(json(&series))
}

/// `GET /api/outlier_table/<id>/<offset>/<per_page>`: the endpoint's outliers, newest first, each with its
/// `request` (FMD's keys; `request_url` decoded). `per_page` at most 1000, pages within the first 100 000.
async fn outlier_table(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((id, offset, per_page)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (offset, per_page) = paging(&offset, &per_page)?;
    Ok(json(&outliers(&state, &id, per_page, offset).await?.rows))
}

async fn profiled(
    state: &AppState,
    id: i64,
    rows: usize,
    offset: usize,
) -> Result<fmd_core::dashboard::ProfilerView, ApiError> {
    let data = ask(state, ViewKind::Profiler, Some(id), Window::All, page(rows, offset), None).await?;
    match &*data {
        ViewData::Profiler(p) => Ok(p.clone()),
        _ => Err(ApiError::unexpected(ViewKind::Profiler)),
    }
}

/// `GET /api/num_profiled/<id>`: the endpoint's number of profiled requests (those with stack lines), exact.
async fn num_profiled(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    Ok(json(&profiled(&state, e.id, 0, 0).await?.total))
}

/// One stack line of `/api/profiler_table` (FMD's StackLine columns with the nested CodeLine).
#[derive(Serialize)]
struct StackLineJson<'a> {
    request_id: i64,
    position: i64,
    indent: u32,
    duration: f64,
    code: &'a fmd_core::store::CodeRef,
}

/// `GET /api/profiler_table/<id>/<offset>/<per_page>`: the endpoint's profiled requests, newest first, each
/// with `stack_lines: [{request_id, position, indent, duration, code: {filename, line_number, function_name,
/// code}}]`. Differs from FMD: no `code_id` in a line (the layer joins the code in), request rows are ours
/// (`id`, `time_requested`, `duration`, `version_requested`, `group_by`, `status_code`); `per_page` at most
/// [`PROFILER_PAGE`] (100), pages within the first 100 000.
async fn profiler_table(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((id, offset, per_page)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (offset, per_page) = paging(&offset, &per_page)?;
    if per_page > PROFILER_PAGE {
        return Err(ApiError::bad("per_page", format!("{per_page} is more than {PROFILER_PAGE}")));
    }
    let e = endpoint(&state, "id", &id).await?;
    let page_rows = profiled(&state, e.id, per_page, offset).await?.rows;
    let mut out = Vec::with_capacity(page_rows.len());
    for row in page_rows {
        let data = ask(&state, ViewKind::CallTree(row.id), Some(e.id), Window::All, page(0, 0), None).await?;
        let ViewData::CallTree(tree) = &*data else { return Err(ApiError::unexpected(ViewKind::CallTree(row.id))) };
        let lines: Vec<StackLineJson> = tree
            .iter()
            .flat_map(|t| &t.lines)
            .map(|l| StackLineJson {
                request_id: row.id,
                position: l.position,
                indent: l.indent,
                duration: l.duration,
                code: &l.code,
            })
            .collect();
        let mut value = serde_json::to_value(&row).map_err(|e| ApiError::bad("row", e))?;
        if let Value::Object(map) = &mut value {
            map.insert("stack_lines".into(), serde_json::to_value(&lines).map_err(|e| ApiError::bad("row", e))?);
        }
        out.push(value);
    }
    Ok(json(&out))
}

/// `GET /api/grouped_profiler/<id>`: FMD's grouped profiler of the endpoint's last 100 profiled requests,
/// `[{indent, code, hits, duration, std, total_hits}]` in FMD's order (FMD's values: numpy's std).
async fn grouped_profiler(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = endpoint(&state, "id", &id).await?;
    let data = ask(&state, ViewKind::Grouped, Some(e.id), Window::All, page(0, 0), None).await?;
    let ViewData::Grouped(profile) = &*data else { return Err(ApiError::unexpected(ViewKind::Grouped)) };
    Ok(json(&profile.lines))
}

#[cfg(test)]
mod tests {
    use super::cpu_list;

    #[test]
    fn cpu_lists_are_read_as_fmd_writes_them() {
        assert_eq!(cpu_list("[12.5, 3.0]"), Some(vec![12.5, 3.0]));
        assert_eq!(cpu_list("[]"), Some(vec![]));
        assert_eq!(cpu_list("[1, x]"), None);
        assert_eq!(cpu_list("__import__('os')"), None);
    }
}
