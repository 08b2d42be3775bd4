//! What the web tests share: a dashboard over a copy of FMD 5.1.0's sample database (with its clock pinned
//! to the instant FMD answered `fmd-5.1.0-sample.expected.json`), users to log in as, and requests sent
//! through the router in process (no socket).

#![allow(dead_code)]

use std::path::PathBuf;

use axum::body::Body;
use axum::Router;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The instant FMD computed the fixture's expected answers at.
pub const FIXTURE_NOW: &str = "2026-11-27T22:56:55Z";
/// The admin the tests add, and their password.
pub const ADMIN: (&str, &str) = ("root", "admin-password-1");
/// The guest the tests add, and their password.
pub const GUEST: (&str, &str) = ("visitor", "guest-password-1");
/// The admin Python FMD made in the fixture (pbkdf2, 1,000,000 rounds: about a second a login).
pub const FMD_ADMIN: (&str, &str) = ("admin", "oracle-pass");

/// A dashboard over its own copy of a database.
pub struct App {
    /// The router, as `fmd web` serves it.
    pub router: Router,
    /// The database copy.
    pub db: PathBuf,
    _dir: tempfile::TempDir,
}

/// An answer: status, headers, body.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Where a redirect goes.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(http::header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// The fixture's path in the repository.
pub fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db")
}

/// A dashboard over a copy of the FMD 5.1.0 sample, with [`ADMIN`] and [`GUEST`] added.
pub fn fixture_app() -> App {
    app_over(&fixture(), "dashboard")
}

/// A dashboard over a copy of `source` under `/{link}/`, with [`ADMIN`] and [`GUEST`] added.
pub fn app_over(source: &std::path::Path, link: &str) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("copy.db");
    std::fs::copy(source, &db).expect("copy the database");
    let editor = fmd_core::Store::open_editor(&db, None).expect("open the copy");
    for ((name, password), admin) in [(ADMIN, true), (GUEST, false)] {
        let hash = fmd_core::password::hash(password, fmd_core::password::Scheme::Argon2id).expect("hash");
        editor.add_user(name, &hash, admin).expect("add a user");
    }
    drop(editor);
    let router = router_for(&db, link);
    App { router, db, _dir: dir }
}

/// The router over `db` with the fixture's clock and zone.
pub fn router_for(db: &std::path::Path, link: &str) -> Router {
    let options = fmd_web::WebOptions {
        listen: "127.0.0.1:0".parse().expect("address"),
        link: link.to_string(),
        zone: chrono_tz::UTC,
        now: Some(FIXTURE_NOW.parse().expect("instant")),
        colors: Default::default(),
        secure_cookies: false,
        seed_admin: None,
    };
    let pool = fmd_web::pool::Pool::open(db, None).expect("open the database");
    fmd_web::router(fmd_web::AppState::new(fmd_web::server::settings(&options), pool))
}

impl App {
    /// Sends `request` and reads the whole answer.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("a body").to_bytes();
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// `GET path`, with the session cookie when given.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(http::header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).expect("request")).await
    }

    /// `POST path` with an urlencoded `form`, the cookie and extra headers.
    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(http::header::COOKIE, cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::from(form.to_string())).expect("request")).await
    }

    /// `POST path` with a JSON body (FMD's POST routes), the cookie and extra headers.
    pub async fn post_json(&self, path: &str, cookie: Option<&str>, json: &serde_json::Value) -> Answer {
        let mut request =
            Request::builder().method(Method::POST).uri(path).header(http::header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(http::header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(json.to_string())).expect("request")).await
    }

    /// Logs in through FMD's form; answers the `Cookie` header value of the session.
    pub async fn login(&self, (name, password): (&str, &str)) -> String {
        let answer = self.post_form("/dashboard/login", None, &format!("name={name}&password={password}"), &[]).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "login of {name}: {}", answer.body);
        let cookie = answer.headers.get(http::header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a cookie");
        cookie.split(';').next().expect("name=value").to_string()
    }

    /// The CSRF token of the session `cookie` (from a page's meta tag).
    pub async fn csrf(&self, cookie: &str) -> String {
        let page = self.get("/dashboard/", Some(cookie)).await;
        let at = page.body.find(r#"name="csrf-token" content=""#).expect("a csrf meta tag") + 27;
        page.body[at..at + 64].to_string()
    }
}
