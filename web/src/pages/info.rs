//! `/{link}/info`: what this dashboard serves (FMD's deployment details, without FMD's leaks: never a
//! password): fmd's version, the database (its backend's kind and location, a file's size), its table prefix,
//! the first and last request, totals, the versions seen, the recorders' losses, the accelerators' state (SQLite's summary tables), live
//! sessions: the [`DeploymentInfo`] `fmd info` prints, less the configuration (the web does not hold it).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fmd_core::dashboard::info::{Database, DeploymentInfo};
use fmd_core::store::views::VersionInfo;
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

async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let pool = state.pool();
    let (kind, location, file) = (pool.backend().kind(), pool.location(), pool.file().map(|f| f.to_path_buf()));
    let (now, zone) = (state.now(), view.zone);
    // The web does not hold the configuration: the pruning schedule and the settings are `fmd info`'s.
    let info = pool
        .run(move |reader| {
            let database = Database { kind, location, file: file.as_deref() };
            Ok(DeploymentInfo::read(reader, database, None, now, zone)?)
        })
        .await?;
    let version = |v: &Option<VersionInfo>| match v {
        Some(v) => html! {
            code { (v.version) } " · first "
            @if let Some(t) = v.date { (instant(t, zone)) } @else { span.muted { "unknown" } }
        },
        None => html! { span.muted { "none yet" } },
    };
    let rows: Vec<(&str, maud::Markup)> = vec![
        ("fmd", html! { (info.fmd_version) }),
        (
            "database",
            html! {
                (info.backend) " " code { (info.location) }
                @if let Some(size) = info.file_size { " · " (format!("{:.1} MB", size as f64 / 1e6)) }
            },
        ),
        (
            "table prefix",
            html! { @if info.table_prefix.is_empty() { span.muted { "none" } } @else { code { (info.table_prefix) } } },
        ),
        ("URL prefix", html! { code { "/" (state.link()) "/" } }),
        ("time zone", html! { (zone.name()) }),
        ("endpoints", html! { (count(info.endpoints as u64)) }),
        ("requests", html! { (count(info.requests)) }),
        ("first request", html! { @if let Some(t) = info.first_request { (instant(t, zone)) } @else { "none yet" } }),
        ("last request", html! { @if let Some(t) = info.last_request { (instant(t, zone)) } @else { "none yet" } }),
        ("versions seen", html! { (count(info.versions.count as u64)) }),
        ("newest version", version(&info.versions.newest)),
        ("oldest version", version(&info.versions.oldest)),
        (
            "dropped by recorders (queue full)",
            html! { @match info.dropped { Some(n) => (count(n)), None => span.muted { "not recorded (a file Python FMD wrote)" } } },
        ),
        ("lost to database faults", html! { (count(info.failed)) }),
        (
            "summary tables",
            html! { @match &info.accelerator {
                Some(a) => (format!("{}: {} requests covered, {} behind", a.state, a.covered, a.behind)),
                None => span.muted { "none (not kept by this database)" },
            } },
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
