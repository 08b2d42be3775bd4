//! `GET /dashboard/api/view/VIEW?...` answers byte for byte what `fmd show VIEW --json ...` prints, for every
//! view of `fmd show` (dashboard-wide and of one endpoint) and their flags, on the same copy of FMD 5.1.0's
//! database at the same clock and zone. Built with `--features web` only.
#![cfg(feature = "web")]

mod fixture_support;

use std::path::Path;

use axum::body::Body;
use fixture_support::{fixture_copy, fmd_command, DASHBOARD_VIEWS, ENDPOINT_VIEWS, NOW};
use http::{Method, Request, StatusCode};
use tower::ServiceExt;

const USER: (&str, &str) = ("api-test", "api-test-password");

/// A view, its query pairs, the status and a text the error must hold.
type BadCase = (&'static str, &'static [(&'static str, &'static str)], StatusCode, &'static str);

/// A router over `db` (as `fmd web --now NOW --tz UTC` serves it) and a session cookie of an admin.
async fn dashboard(db: &Path) -> (axum::Router, String) {
    let editor = fmd_core::Store::open_editor(db, None).expect("editor");
    let hash = fmd_core::password::hash(USER.1, fmd_core::password::Scheme::Argon2id).expect("hash");
    editor.add_user(USER.0, &hash, true).expect("add a user");
    drop(editor);
    let options = fmd_web::WebOptions {
        listen: "127.0.0.1:0".parse().expect("address"),
        link: "dashboard".into(),
        zone: chrono_tz::UTC,
        now: Some(NOW.parse().expect("instant")),
        colors: Default::default(),
        secure_cookies: false,
        seed_admin: None,
    };
    let pool = fmd_web::pool::Pool::open(db, None).expect("pool");
    let router = fmd_web::router(fmd_web::AppState::new(fmd_web::server::settings(&options), pool));
    let login = Request::builder()
        .method(Method::POST)
        .uri("/dashboard/login")
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("name={}&password={}", USER.0, USER.1)))
        .expect("request");
    let answer = router.clone().oneshot(login).await.expect("answer");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "logged in");
    let cookie = answer.headers()[http::header::SET_COOKIE].to_str().expect("text");
    let cookie = cookie.split(';').next().expect("name=value").to_string();
    (router, cookie)
}

/// The API's body for `view` with the query `pairs`.
async fn api(router: &axum::Router, cookie: &str, view: &str, pairs: &[(&str, &str)]) -> (StatusCode, Vec<u8>) {
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", fmd_web::params::encode(v))).collect();
    let uri = format!("/dashboard/api/view/{view}?{}", query.join("&"));
    let request = Request::builder().uri(&uri).header(http::header::COOKIE, cookie).body(Body::empty()).expect("req");
    let answer = router.clone().oneshot(request).await.expect("answer");
    let status = answer.status();
    let body = axum::body::to_bytes(answer.into_body(), usize::MAX).await.expect("body");
    (status, body.to_vec())
}

/// `fmd show view --json` with the same pairs as flags (`app_version` is `--app-version`).
fn show(db: &Path, view: &str, pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut args: Vec<String> = vec!["show".into(), view.into(), "--json".into()];
    for (k, v) in pairs {
        args.push(format!("--{}", k.replace('_', "-")));
        args.push((*v).to_string());
    }
    args.extend(["--db".into(), db.to_string_lossy().into_owned(), "--now".into(), NOW.into()]);
    if !pairs.iter().any(|(k, _)| *k == "tz") {
        args.extend(["--tz".into(), "UTC".into()]);
    }
    let out = fmd_command().args(&args).output().expect("run fmd");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

async fn same(router: &axum::Router, cookie: &str, db: &Path, view: &str, pairs: &[(&str, &str)]) {
    let (status, ours) = api(router, cookie, view, pairs).await;
    assert_eq!(status, StatusCode::OK, "{view} {pairs:?}: {}", String::from_utf8_lossy(&ours));
    let theirs = show(db, view, pairs);
    assert!(
        ours == theirs,
        "{view} {pairs:?} differs from fmd show:\n--- api\n{}\n--- fmd show\n{}",
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_is_fmd_shows_json_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let (router, cookie) = dashboard(&db).await;
    for view in DASHBOARD_VIEWS.iter().chain(["latency"].iter()) {
        same(&router, &cookie, &db, view, &[]).await;
    }
    for view in ENDPOINT_VIEWS.iter().chain(["latency"].iter()) {
        same(&router, &cookie, &db, view, &[("endpoint", "user_detail")]).await;
        same(&router, &cookie, &db, view, &[("endpoint", "boom"), ("from", "2026-11-20"), ("to", "2026-11-25T12:00")])
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_mean_what_they_mean_for_fmd_show() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let (router, cookie) = dashboard(&db).await;
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("hourly", &[("days", "3")]),
        ("daily", &[("from", "7d")]),
        ("overview", &[("tz", "Europe/Amsterdam")]),
        ("requests", &[("endpoint", "user_detail"), ("status", "4xx"), ("limit", "3"), ("offset", "1")]),
        ("requests", &[("endpoint", "index"), ("user", "al*"), ("sort", "duration"), ("limit", "5")]),
        ("requests", &[("endpoint", "index"), ("ip", "10.0.1.*"), ("app_version", "1.1"), ("limit", "5")]),
        ("user-versions", &[("endpoint", "search"), ("top", "2")]),
        ("outliers", &[("endpoint", "index"), ("limit", "2"), ("offset", "3")]),
        ("outliers", &[("endpoint", "index"), ("request", "2")]),
        ("profiler", &[("endpoint", "report"), ("limit", "2")]),
        ("profiler", &[("endpoint", "report"), ("request", "1521")]),
        ("report", &[("preset", "week")]),
        ("report", &[("compare_version", "1.1"), ("baseline_version", "1.0")]),
        (
            "report",
            &[
                ("from", "2026-11-25"),
                ("to", "2026-11-27"),
                ("baseline_from", "2026-11-20"),
                ("baseline_to", "2026-11-25"),
            ],
        ),
        ("exceptions", &[("limit", "1")]),
        ("status-codes", &[("limit", "2"), ("from", "today")]),
    ];
    for (view, pairs) in cases {
        same(&router, &cookie, &db, view, pairs).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_flags_are_400_naming_them_and_unknown_names_404() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let (router, cookie) = dashboard(&db).await;
    let cases: &[BadCase] = &[
        ("requests", &[], StatusCode::BAD_REQUEST, "endpoint:"),
        ("overview", &[("limit", "0")], StatusCode::BAD_REQUEST, "limit:"),
        ("hourly", &[("from", "yesterday-ish")], StatusCode::BAD_REQUEST, "from:"),
        ("hourly", &[("tz", "Mars/Base")], StatusCode::BAD_REQUEST, "tz:"),
        ("requests", &[("endpoint", "index"), ("status", "teapot")], StatusCode::BAD_REQUEST, "status:"),
        ("daily", &[("status", "4xx")], StatusCode::BAD_REQUEST, "status:"),
        ("hourly", &[("request", "3")], StatusCode::BAD_REQUEST, "request:"),
        ("users", &[("endpoint", "<script>")], StatusCode::NOT_FOUND, "endpoint:"),
        ("no-such-view", &[], StatusCode::NOT_FOUND, "no view"),
        ("profiler", &[("endpoint", "index"), ("request", "999999")], StatusCode::NOT_FOUND, "request:"),
    ];
    for (view, pairs, status, needle) in cases {
        let (got, body) = api(&router, &cookie, view, pairs).await;
        let body: serde_json::Value = serde_json::from_slice(&body).expect("a JSON error");
        assert_eq!(got, *status, "{view} {pairs:?}: {body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains(needle)), "{view} {pairs:?}: {body}");
    }
    // Without a session: 401.
    let request = Request::builder().uri("/dashboard/api/view/overview").body(Body::empty()).expect("req");
    assert_eq!(router.clone().oneshot(request).await.expect("answer").status(), StatusCode::UNAUTHORIZED);
}
