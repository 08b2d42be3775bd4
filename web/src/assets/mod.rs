//! The stylesheet and the script, embedded in the binary and served under a name carrying their content
//! hash (`/{link}/static/fmd-1a2b3c4d5e6f.css`), with immutable caching: a new build's assets have new names.
//! Both are ours and hand-written; nothing is fetched from anywhere.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::StatusCode;
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// The stylesheet.
pub const CSS: &str = include_str!("fmd.css");
/// The script (live refresh, keyboard, charts' hover and zoom).
pub const JS: &str = include_str!("fmd.js");
/// The tab icon.
pub const ICON: &str = include_str!("icon.svg");

struct Asset {
    name: String,
    body: &'static str,
    content_type: &'static str,
}

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    let named = |stem: &str, ext: &str, body: &'static str, content_type| {
        let hash = crate::headers::hex(&Sha256::digest(body.as_bytes())[..6]);
        Asset { name: format!("{stem}-{hash}.{ext}"), body, content_type }
    };
    [
        named("fmd", "css", CSS, "text/css; charset=utf-8"),
        named("fmd", "js", JS, "text/javascript; charset=utf-8"),
        named("icon", "svg", ICON, "image/svg+xml"),
    ]
});

/// The stylesheet's file name under `static/`.
pub fn css_name() -> &'static str {
    &ASSETS[0].name
}

/// The script's file name under `static/`.
pub fn js_name() -> &'static str {
    &ASSETS[1].name
}

/// The icon's file name under `static/`.
pub fn icon_name() -> &'static str {
    &ASSETS[2].name
}

/// `GET /{link}/static/{name}`.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().route(&format!("{at}/static/{{name}}"), get(asset))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => {
            ([(CONTENT_TYPE, asset.content_type), (CACHE_CONTROL, "public, max-age=31536000, immutable")], asset.body)
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
