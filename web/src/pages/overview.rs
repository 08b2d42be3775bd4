//! `/{link}/`: every endpoint with its hits today / 7 days / all time, error share, p50 / p95 / p99 of the
//! last 7 days, last request, exception groups and the last 24 hours' trend; sorted by any column
//! (server-side), filtered by name; admins change levels in place.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::OverviewRow;
use maud::{html, Markup};

use super::format::{ago, count, ms, share};
use super::frame::{self, Frame, Tabs};
use super::{overview_limits, PageError, View};
use crate::auth::Viewer;
use crate::params::PageQuery;
use crate::state::AppState;

/// `GET /{link}/`.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().route(&format!("{at}/"), get(page))
}

/// A column: its key in `?sort=`, its heading, and whether it holds a number.
const COLUMNS: [(&str, &str, bool); 12] = [
    ("name", "endpoint", false),
    ("level", "level", true),
    ("today", "today", true),
    ("week", "7 days", true),
    ("total", "total", true),
    ("errors", "err% 7d", true),
    ("p50", "p50 7d", true),
    ("p95", "p95 7d", true),
    ("p99", "p99 7d", true),
    ("last", "last seen", true),
    ("exceptions", "exc.", true),
    ("trend", "last 24 h", false),
];

async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::Overview, None, overview_limits(), None).await?;
    let ViewData::Overview(overview) = &*data else {
        return Err(PageError::NotFound("the overview has no answer".into()));
    };
    let needle = query.q.as_deref().unwrap_or("").to_lowercase();
    let mut rows: Vec<&OverviewRow> =
        overview.rows.iter().filter(|r| needle.is_empty() || r.name.to_lowercase().contains(&needle)).collect();
    let sort = query.sort.as_deref().unwrap_or("total");
    sort_rows(&mut rows, sort, &overview.exceptions);
    if !query.descending() {
        rows.reverse();
    }
    let now = state.now();
    let total: u64 = overview.rows.iter().map(|r| r.hits_overall).sum();
    let content = html! {
        div.toolbar {
            form.filter method="get" role="search" {
                @for (key, value) in frame::hidden_keeping(&query, &[]) { input type="hidden" name=(key) value=(value); }
                input #filter type="search" name="q" value=(query.q.as_deref().unwrap_or("")) placeholder="filter endpoints…  (/)" aria-label="Filter endpoints";
            }
            span.muted {
                (count(rows.len() as u64)) " of " (count(overview.rows.len() as u64)) " endpoints · " (count(total)) " requests"
                @if let Some(dropped) = overview.dropped { " · dropped " (count(dropped)) }
                @if overview.failed > 0 { " · " span.error { "lost to database faults " (count(overview.failed)) } }
            }
        }
        @if overview.rows.is_empty() {
            (frame::empty("No endpoints yet: a monitored service creates one on its first request."))
        } @else {
            table.data.overview {
                thead { tr {
                    @for (key, heading, numeric) in COLUMNS {
                        @let current = key == sort;
                        @let dir = if current && query.descending() { "asc" } else { "desc" };
                        th.num[numeric] aria-sort=[current.then_some(if query.descending() { "descending" } else { "ascending" })] {
                            @if key == "trend" { (heading) } @else {
                                a href=(query.with(&[("sort", Some(key)), ("dir", Some(dir))])) { (heading) @if current { @if query.descending() { " ▼" } @else { " ▲" } } }
                            }
                        }
                    }
                } }
                tbody {
                    @for row in &rows { (overview_row(&state, &viewer, &query, row, overview.exceptions.get(&row.id).copied().unwrap_or(0), overview.trends.get(&row.id), now)) }
                }
            }
        }
    };
    let frame = Frame {
        title: "Overview",
        viewer: &viewer,
        query: &query,
        window: None,
        zone: view.zone,
        tabs: Tabs::Dashboard(""),
        live: true,
    };
    Ok(frame::page(&state, &frame, content).into_response())
}

fn sort_rows(rows: &mut [&OverviewRow], sort: &str, exceptions: &std::collections::HashMap<i64, u64>) {
    let f = |v: Option<f64>| v.unwrap_or(f64::NEG_INFINITY);
    let err = |r: &OverviewRow| if r.hits_week == 0 { -1.0 } else { r.hits_week_errors as f64 / r.hits_week as f64 };
    match sort {
        "name" => rows.sort_by(|a, b| b.name.cmp(&a.name)),
        "level" => rows.sort_by_key(|r| r.monitor_level),
        "today" => rows.sort_by_key(|r| r.hits_today),
        "week" => rows.sort_by_key(|r| r.hits_week),
        "errors" => rows.sort_by(|a, b| err(a).total_cmp(&err(b))),
        "p50" => rows.sort_by(|a, b| f(a.median_week).total_cmp(&f(b.median_week))),
        "p95" => rows.sort_by(|a, b| f(a.p95_week).total_cmp(&f(b.p95_week))),
        "p99" => rows.sort_by(|a, b| f(a.p99_week).total_cmp(&f(b.p99_week))),
        "last" => rows.sort_by_key(|r| r.last_requested),
        "exceptions" => rows.sort_by_key(|r| exceptions.get(&r.id).copied().unwrap_or(0)),
        _ => rows.sort_by_key(|r| r.hits_overall),
    }
    // Descending is the natural reading (busiest, slowest first); names read A-Z first.
    rows.reverse();
}

fn overview_row(
    state: &AppState,
    viewer: &Viewer,
    query: &PageQuery,
    row: &OverviewRow,
    exceptions: u64,
    trend: Option<&Vec<u64>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    let keep = query.with(&[("sort", None), ("dir", None), ("q", None), ("page", None)]);
    let endpoint = state.path(&format!("endpoint/{}/", row.id));
    html! {
        tr data-href=(format!("{endpoint}{keep}")) {
            td { a href={ (endpoint) (keep) } { (row.name) } }
            td.num { (super::admin::level_cell(state, viewer, &row.name, row.monitor_level)) }
            td.num { (count(row.hits_today)) }
            td.num { (count(row.hits_week)) }
            td.num { (count(row.hits_overall)) }
            td.num.error[row.hits_week_errors > 0] { (share(row.hits_week_errors, row.hits_week)) }
            td.num { (ms(row.median_week)) }
            td.num { (ms(row.p95_week)) }
            td.num { (ms(row.p99_week)) }
            td.num { @if let Some(t) = row.last_requested { span title=(t.format("%Y-%m-%d %H:%M:%S UTC")) { (ago(t, now)) } } @else { "never" } }
            td.num { @if exceptions > 0 { a href=(state.path(&format!("endpoint/{}/exceptions", row.id))) { (exceptions) } } @else { "0" } }
            td { @if let Some(trend) = trend { (crate::charts::sparkline(trend, 96, 18, |i, v| format!("{} h ago: {v} requests", trend.len() - i))) } }
        }
    }
}
