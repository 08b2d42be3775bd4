//! fmd's web dashboard (`fmd web`, cargo feature `web` of the `fmd` binary): every console view as a
//! server-rendered page, FMD 5.1's JSON API under `/{custom_link}/api/...`, and the admin actions, behind a
//! login. Every page and API route asks [`fmd_core::dashboard::answer`], as the console and `fmd show` do.
//!
//! * [`state`]: what every handler shares (configuration, the reader pool, sessions, the answer cache).
//! * [`pool`]: read-only stores for blocking queries, the file's change counter, answers kept while it holds.
//! * [`auth`]: sessions, the login form, CSRF checks, login rate limits, guest and admin extractors.
//! * [`pages`]: the HTML pages (the frame, the overview, the dashboard and endpoint tabs, admin pages).
//! * [`api`]: FMD's JSON routes with FMD's keys, then ours (`fmd show`'s JSON).
//! * [`charts`]: server-side SVG (heatmaps, box plots, lines, bars, icicles).
//! * [`assets`]: the stylesheet and script, embedded, served under content hashes.
//! * [`headers`]: security headers on every answer (CSP without inline scripts, frame-ancestors, nosniff).
//! * [`server`]: binding, start-up checks, graceful shutdown.

pub mod api;
pub mod assets;
pub mod auth;
pub mod charts;
pub mod headers;
pub mod pages;
pub mod params;
pub mod pool;
pub mod server;
pub mod state;

pub use server::{serve, ServeError, WebOptions};
pub use state::AppState;

/// Every route of the dashboard under `/{link}` (each module's `routes(at)` registers its paths under `at`,
/// which is `/{link}`) (pages, API, assets, login), with the security headers.
pub fn router(state: AppState) -> axum::Router {
    let at = format!("/{}", state.link());
    axum::Router::new()
        .route(&at, axum::routing::get(pages::to_overview))
        .merge(pages::routes(&at))
        .merge(api::routes(&at))
        .merge(auth::routes(&at))
        .merge(assets::routes(&at))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::csrf::guard))
        .layer(axum::middleware::from_fn(headers::secure))
        .with_state(state)
}
