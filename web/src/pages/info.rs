//! `/{link}/info`: what this dashboard serves (FMD's deployment details, without FMD's leaks: never a
//! password): fmd's version, the database (its backend's kind and location, a file's size), its table prefix,
//! the first request, totals, the recorders' losses, the accelerators' state (SQLite's summary tables), live
//! sessions.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fmd_core::dashboard::{ViewData, ViewKind};
use maud::html;

use super::format::{count, instant};
use super::frame::{self, Frame, Tabs};
use super::{PageError, View};
use crate::auth::Viewer;
use crate::params::PageQuery;
use crate::state::AppState;

/// `GET /{link}/info`.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().route(&format!("{at}/info"), get(page))
}

struct DatabaseFacts {
    prefix: String,
    first: Option<chrono::DateTime<chrono::Utc>>,
    /// The accelerators' state (`None`: the backend keeps none).
    summaries: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::Overview, None, super::overview_limits(), None).await?;
    let ViewData::Overview(overview) = &*data else { return Err(PageError::NotFound("no overview".into())) };
    let total: u64 = overview.rows.iter().map(|r| r.hits_overall).sum();
    let facts = state
        .pool()
        .run(move |reader| {
            let summaries = match reader.accelerator_status() {
                Ok(status) => status.map(|status| {
                    format!("{:?}: {} requests covered, {} behind", status.state, status.covered, status.behind)
                }),
                Err(e) => Some(format!("unavailable ({e})")),
            };
            let prefix = reader.tables().prefix().to_string();
            Ok(DatabaseFacts { prefix, first: reader.first_request_time()?, summaries })
        })
        .await?;
    let pool = state.pool();
    let size = pool.file().and_then(|file| std::fs::metadata(file).ok()).map(|m| m.len());
    let rows: Vec<(&str, maud::Markup)> = vec![
        ("fmd", html! { (env!("CARGO_PKG_VERSION")) }),
        (
            "database",
            html! {
                (pool.backend().kind()) " " code { (pool.location()) }
                @if let Some(size) = size { " · " (format!("{:.1} MB", size as f64 / 1e6)) }
            },
        ),
        (
            "table prefix",
            html! { @if facts.prefix.is_empty() { span.muted { "none" } } @else { code { (facts.prefix) } } },
        ),
        ("URL prefix", html! { code { "/" (state.link()) "/" } }),
        ("time zone", html! { (view.zone.name()) }),
        ("endpoints", html! { (count(overview.rows.len() as u64)) }),
        ("requests", html! { (count(total)) }),
        ("first request", html! { @if let Some(t) = facts.first { (instant(t, view.zone)) } @else { "none yet" } }),
        (
            "dropped by recorders (queue full)",
            html! { @match overview.dropped { Some(n) => (count(n)), None => span.muted { "not recorded (a file Python FMD wrote)" } } },
        ),
        ("lost to database faults", html! { (count(overview.failed)) }),
        (
            "summary tables",
            html! { @match &facts.summaries { Some(text) => (text), None => span.muted { "none (not kept by this database)" } } },
        ),
        ("live sessions", html! { (count(state.sessions().count() as u64)) }),
    ];
    let content = html! {
        h1 { "About this dashboard" }
        table.data { tbody { @for (what, value) in rows { tr { th { (what) } td { (value) } } } } }
    };
    let frame = Frame {
        title: "Info",
        viewer: &viewer,
        query: &query,
        window: None,
        zone: view.zone,
        tabs: Tabs::None,
        live: false,
    };
    Ok(frame::page(&state, &frame, content).into_response())
}
