//! Cross-site request forgery: every request that may change state (anything but GET, HEAD and OPTIONS)
//! passes [`guard`] first.
//!
//! * A browser says where a request comes from (`Sec-Fetch-Site`, `Origin`): one from another site is
//!   refused with 403 before any handler runs.
//! * Our pages send the session's token with every form (`csrf_token`) and fetch (`X-CSRF-Token`); a token
//!   that does not match the session's is refused. A browser request without a token is refused too, but
//!   for the login form (which has no session yet; its origin is checked).
//! * Scripts written against FMD (curl, requests) send neither browser header nor token; they are let
//!   through, as FMD let them: the session cookie is SameSite=Strict, so no other site's page can make a
//!   browser send it.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, HOST, ORIGIN};
use http::{HeaderMap, Method, StatusCode};
use subtle::ConstantTimeEq;

use crate::state::AppState;

/// The form field our pages carry the token in.
pub const FIELD: &str = "csrf_token";
/// The header our script carries the token in.
pub const HEADER: &str = "x-csrf-token";
/// Largest form body read to find the token.
const FORM_LIMIT: usize = 1 << 20;

/// Refuses forged state changes (see the module docs).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some(why) = cross_site(headers) {
        return forbidden(why);
    }
    let browser = headers.contains_key("sec-fetch-site") || headers.contains_key(ORIGIN);
    let login = request.uri().path() == state.path("login");
    let session = super::session_id(headers).and_then(|id| state.sessions().get(&id));
    let header_token = headers.get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let (request, token) = if header_token.is_none() && form {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "the form is too large").into_response();
        };
        let token = form_field(&bytes, FIELD);
        (Request::from_parts(parts, Body::from(bytes)), token)
    } else {
        (request, header_token)
    };
    match (token, session) {
        (Some(token), Some(session)) if !bool::from(token.as_bytes().ct_eq(session.csrf.as_bytes())) => {
            return forbidden("the form's security token does not match your session; reload the page");
        }
        (Some(_), None) if !login => return forbidden("the form's session has ended; log in again"),
        (None, _) if browser && !login => {
            return forbidden(
                "the request carries no security token (a page of another site cannot change anything here)",
            )
        }
        _ => {}
    }
    next.run(request).await
}

/// Why a request comes from another site, if it does.
fn cross_site(headers: &HeaderMap) -> Option<&'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return Some("cross-site requests may not change anything here");
        }
    }
    let origin = headers.get(ORIGIN)?.to_str().ok()?;
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    (origin == "null" || !origin_host.eq_ignore_ascii_case(host))
        .then_some("the request's Origin is not this dashboard")
}

fn forbidden(why: &str) -> Response {
    (StatusCode::FORBIDDEN, why.to_string()).into_response()
}

/// The first value of `name` in an urlencoded form.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, http::HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn other_sites_are_told_apart_from_ours_and_from_scripts() {
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])).is_some());
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-site")])).is_some());
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-origin")])).is_none());
        assert!(cross_site(&headers(&[("origin", "http://evil.test"), ("host", "127.0.0.1:8050")])).is_some());
        assert!(cross_site(&headers(&[("origin", "null"), ("host", "127.0.0.1:8050")])).is_some());
        assert!(cross_site(&headers(&[("origin", "http://127.0.0.1:8050"), ("host", "127.0.0.1:8050")])).is_none());
        assert!(cross_site(&headers(&[])).is_none(), "a script");
    }

    #[test]
    fn the_token_is_found_in_a_form() {
        assert_eq!(form_field(b"name=a&csrf_token=abc&x=1", FIELD).as_deref(), Some("abc"));
        assert_eq!(form_field(b"name=a", FIELD), None);
    }
}
