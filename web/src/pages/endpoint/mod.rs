//! An endpoint's pages, `/{link}/endpoint/{id}/{tab}`: the console's endpoint tabs in the browser. Every page
//! finds its endpoint in the overview's answer (its name, level and all-time numbers; an unknown id answers
//! 404 with a way back), asks the dashboard layer for its own view and draws it in the frame with the
//! endpoint's tab row.
//!
//! * [`summary`]: `/` (the numbers today, 7 days, all time and in the window; links to every tab).
//! * [`numbers`]: `hourly`, `latency`, `versions`, `users`, `ips`, `user-versions`, `ip-versions`, `status`.
//! * [`requests`]: `requests` (filter `?q=status:5xx user:alice`, order, pages) and `requests/{request}`.
//! * [`outliers`]: `outliers` and `outliers/{request}` (stack, CPU, memory, headers and environment redacted).
//! * [`exceptions`]: `exceptions` (groups with their stacks).
//! * [`profiler`]: `profiler` and `profiler/{request}` (the call tree, folding without JavaScript).
//! * [`grouped`]: `grouped` (FMD's grouped profiler: the icicle and the ranked table).
//! * [`stored`] and [`redact`]: how FMD's stored texts (stacks, headers, environment) read, and what is never
//!   shown of them.

pub mod exceptions;
pub mod grouped;
pub mod numbers;
pub mod outliers;
pub mod profiler;
pub mod redact;
pub mod requests;
pub mod stored;
pub mod summary;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use fmd_core::dashboard::{Limits, ViewData, ViewKind};
use fmd_core::store::OverviewRow;
use http::StatusCode;
use maud::{html, Markup};

use super::frame::{self, Frame, Tabs};
use super::{overview_limits, PageError, View};
use crate::auth::Viewer;
use crate::params::{BadParam, PageQuery};
use crate::pool::PoolError;
use crate::state::AppState;

/// The routes of an endpoint's pages.
pub fn routes(at: &str) -> Router<AppState> {
    let base = format!("{at}/endpoint/{{id}}");
    let tab = |slug: &str| format!("{base}/{slug}");
    Router::new()
        .route(&base, get(to_summary))
        .route(&format!("{base}/"), get(summary::page))
        .route(&tab("hourly"), get(numbers::hourly))
        .route(&tab("latency"), get(numbers::latency))
        .route(&tab("versions"), get(numbers::versions))
        .route(&tab("users"), get(numbers::users))
        .route(&tab("ips"), get(numbers::ips))
        .route(&tab("user-versions"), get(numbers::user_versions))
        .route(&tab("ip-versions"), get(numbers::ip_versions))
        .route(&tab("status"), get(numbers::status))
        .route(&tab("requests"), get(requests::list))
        .route(&tab("requests/{request}"), get(requests::detail))
        .route(&tab("outliers"), get(outliers::list))
        .route(&tab("outliers/{request}"), get(outliers::detail))
        .route(&tab("exceptions"), get(exceptions::page))
        .route(&tab("profiler"), get(profiler::list))
        .route(&tab("profiler/{request}"), get(profiler::call_tree))
        .route(&tab("grouped"), get(grouped::page))
}

/// `/{link}/endpoint/{id}` without the slash: the summary (anything but a number: no such page).
async fn to_summary(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match id.parse::<i64>() {
        Ok(id) => Redirect::permanent(&state.path(&format!("endpoint/{id}/"))).into_response(),
        Err(_) => super::not_found().await,
    }
}

/// Why an endpoint page has no answer: a page error, or something that is not there (a framed 404 with a way
/// back, already drawn).
pub enum Failure {
    /// A bad parameter (400) or an unreadable database (503).
    Page(PageError),
    /// No such endpoint, request, outlier: the 404 page.
    Missing(Response),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Page(e) => e.into_response(),
            Failure::Missing(response) => response,
        }
    }
}

impl From<PageError> for Failure {
    fn from(e: PageError) -> Failure {
        Failure::Page(e)
    }
}

impl From<PoolError> for Failure {
    fn from(e: PoolError) -> Failure {
        Failure::Page(PageError::Pool(e))
    }
}

impl From<BadParam> for Failure {
    fn from(e: BadParam) -> Failure {
        Failure::Page(PageError::Param(e))
    }
}

/// What an endpoint page answers.
pub type Answer = Result<Response, Failure>;

/// A 404 inside the frame: `why`, and links back to the overview (and to `back` when given).
fn missing(
    state: &AppState,
    viewer: &Viewer,
    query: &PageQuery,
    zone: chrono_tz::Tz,
    why: &str,
    back: Option<(&str, &str)>,
) -> Failure {
    let keep = keep_query(query);
    let content = html! {
        h1 { "Not found" }
        p.notice.error { (why) }
        p {
            @if let Some((href, label)) = back { a href=(href) { (label) } " · " }
            a href={ (state.path("")) (keep) } { "back to the overview" }
        }
    };
    let frame = Frame { title: "Not found", viewer, query, window: None, zone, tabs: Tabs::None, live: false };
    Failure::Missing((StatusCode::NOT_FOUND, frame::page(state, &frame, content)).into_response())
}

/// The query's window and zone only (what links to another view keep).
pub fn keep_query(query: &PageQuery) -> String {
    query.with(&[("sort", None), ("dir", None), ("q", None), ("page", None)])
}

/// An endpoint page being drawn: who asks, what the URL says, and the endpoint.
pub struct Endpoint {
    /// The shared state.
    pub state: AppState,
    /// Who is looking.
    pub viewer: Viewer,
    /// The page's query.
    pub query: PageQuery,
    /// Its window and zone.
    pub view: View,
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
    overview: Arc<ViewData>,
}

impl Endpoint {
    /// The endpoint `id` (as written in the URL) for `viewer`, or the 404 page.
    pub async fn load(state: AppState, viewer: Viewer, query: PageQuery, id: &str) -> Result<Endpoint, Failure> {
        let view = View::of(&state, &query)?;
        let not_found = |state: &AppState, viewer: &Viewer, query: &PageQuery| {
            let why = format!("There is no endpoint #{id} in this database (deleted, merged, or never there).");
            missing(state, viewer, query, view.zone, &why, None)
        };
        let Ok(id) = id.parse::<i64>() else { return Err(not_found(&state, &viewer, &query)) };
        let overview = view.ask(&state, ViewKind::Overview, None, overview_limits(), None).await?;
        let name = match &*overview {
            ViewData::Overview(o) => o.rows.iter().find(|r| r.id == id).map(|r| r.name.clone()),
            _ => None,
        };
        let Some(name) = name else { return Err(not_found(&state, &viewer, &query)) };
        Ok(Endpoint { state, viewer, query, view, id, name, overview })
    }

    /// The endpoint's overview row (today, 7 days, all time).
    pub fn row(&self) -> Option<&OverviewRow> {
        match &*self.overview {
            ViewData::Overview(o) => o.rows.iter().find(|r| r.id == self.id),
            _ => None,
        }
    }

    /// The endpoint's level (`None`: unset).
    pub fn level(&self) -> Option<u8> {
        self.row().and_then(|r| r.monitor_level)
    }

    /// Exception groups of the endpoint (all time).
    pub fn exception_groups(&self) -> u64 {
        match &*self.overview {
            ViewData::Overview(o) => o.exceptions.get(&self.id).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// The path of this endpoint's `rest` (a tab slug, `outliers/12`), keeping the window and zone.
    pub fn link(&self, rest: &str) -> String {
        format!("{}{}", self.state.path(&format!("endpoint/{}/{rest}", self.id)), keep_query(&self.query))
    }

    /// The layer's answer for `kind` of this endpoint with `limits`.
    pub async fn ask(&self, kind: ViewKind, limits: Limits) -> Result<Arc<ViewData>, Failure> {
        Ok(self.view.ask(&self.state, kind, Some(self.id), limits, None).await?)
    }

    /// A 404 in this endpoint's frame: `why`, with a link back to tab `slug`.
    pub fn missing(&self, why: &str, slug: &str, label: &str) -> Failure {
        let back = self.link(slug);
        missing(&self.state, &self.viewer, &self.query, self.view.zone, why, Some((&back, label)))
    }

    /// The page of tab `slug` titled `title` around `content`; `kind` says whether the window applies, `live`
    /// whether the page refreshes itself while visible.
    pub fn page(&self, slug: &str, title: &str, kind: ViewKind, live: bool, content: Markup) -> Response {
        self.page_with(StatusCode::OK, slug, title, kind, live, content)
    }

    /// [`Endpoint::page`] answered with `status`.
    pub fn page_with(
        &self,
        status: StatusCode,
        slug: &str,
        title: &str,
        kind: ViewKind,
        live: bool,
        content: Markup,
    ) -> Response {
        let title = format!("{} · {title}", self.name);
        let frame = Frame {
            title: &title,
            viewer: &self.viewer,
            query: &self.query,
            window: (!kind.ignores_window()).then_some(self.view.window),
            zone: self.view.zone,
            tabs: Tabs::Endpoint(self.id, &self.name, slug),
            live,
        };
        (status, frame::page(&self.state, &frame, content)).into_response()
    }
}

/// A request id from the URL (`None`: not a number, answered as not found).
pub fn request_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok()
}

/// An instant in `zone` to the millisecond (`2026-11-27 22:50:03.123 UTC`), hovering shows UTC.
pub fn instant_ms(t: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> Markup {
    let local = t.with_timezone(&zone);
    html! {
        time datetime=(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            title=(t.format("%Y-%m-%d %H:%M:%S%.3f UTC")) { (local.format("%Y-%m-%d %H:%M:%S%.3f %Z")) }
    }
}

/// An FMD time text (`2026-11-27 22:50:03.123456`, UTC) in `zone`, or the text as stored when unreadable.
pub fn fmd_time(text: Option<&str>, zone: chrono_tz::Tz) -> Markup {
    match text.and_then(fmd_core::timefmt::parse_fmd) {
        Some(t) => super::format::instant(t, zone),
        None => html! { (text.unwrap_or("–")) },
    }
}

/// `(empty)` for an empty text.
pub fn or_empty(text: &str) -> &str {
    if text.is_empty() {
        "(empty)"
    } else {
        text
    }
}
