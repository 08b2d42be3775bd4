//! Logging in and out, sessions, guests and admins, forged requests, login limits, security headers.

mod support;

use http::StatusCode;
use support::{fixture_app, ADMIN, FMD_ADMIN, GUEST};

#[tokio::test]
async fn without_a_session_pages_go_to_the_login_and_the_api_answers_401() {
    let app = fixture_app();
    let page = app.get("/dashboard/", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/dashboard/login?next=/dashboard/"));
    let api = app.get("/dashboard/api/overview", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.json()["error"], "log in first");
    let forged = app.get("/dashboard/", Some("fmd_session=0123456789abcdef")).await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER, "an unknown session id is no session");
}

#[tokio::test]
async fn a_user_python_fmd_made_logs_in_and_a_wrong_password_does_not() {
    let app = fixture_app();
    let cookie = app.login(FMD_ADMIN).await;
    let overview = app.get("/dashboard/api/overview", Some(&cookie)).await;
    assert_eq!(overview.status, StatusCode::OK);
    let wrong = app.post_form("/dashboard/login", None, "name=admin&password=admin", &[]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.headers.get(http::header::SET_COOKIE).is_none());
    assert!(wrong.body.contains("Wrong name or password."));
    let nobody = app.post_form("/dashboard/login", None, "name=nobody&password=whatever1", &[]).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_httponly_strict_and_logout_ends_it() {
    let app = fixture_app();
    let answer = app.post_form("/dashboard/login", None, &format!("name={}&password={}", ADMIN.0, ADMIN.1), &[]).await;
    let set = answer.headers.get(http::header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("cookie").to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/dashboard"), "{set}");
    let id = set.split(';').next().and_then(|p| p.split_once('=')).map(|(_, v)| v.to_string()).expect("value");
    assert!(id.len() >= 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "at least 128 random bits: {id}");
    let cookie = format!("fmd_session={id}");
    let token = app.csrf(&cookie).await;
    let out = app.post_form("/dashboard/logout", Some(&cookie), &format!("csrf_token={token}"), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/dashboard/api/overview", Some(&cookie)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_changed_password_or_a_removed_user_ends_their_sessions() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    assert_eq!(app.get("/dashboard/api/overview", Some(&cookie)).await.status, StatusCode::OK);
    let editor = fmd_core::Store::open_editor(&app.db, None).expect("editor");
    let guest = editor.user_by_name(GUEST.0).expect("read").expect("the guest");
    let hash = fmd_core::password::hash("another-password", fmd_core::password::Scheme::Argon2id).expect("hash");
    editor.set_password(guest.id, &hash).expect("new password");
    assert_eq!(app.get("/dashboard/api/overview", Some(&cookie)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forged_cross_site_posts_get_403_and_change_nothing() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let token = app.csrf(&cookie).await;
    for (headers, form) in [
        (vec![("sec-fetch-site", "cross-site")], format!("name=user_detail&value=0&csrf_token={token}")),
        (vec![("origin", "http://evil.test"), ("host", "127.0.0.1:8050")], "name=user_detail&value=0".to_string()),
        (vec![("sec-fetch-site", "same-origin")], "name=user_detail&value=0".to_string()),
        (vec![("sec-fetch-site", "same-origin")], "name=user_detail&value=0&csrf_token=00ff".to_string()),
    ] {
        let answer = app.post_form("/dashboard/level", Some(&cookie), &form, &headers).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?} {form}: {}", answer.body);
        assert_eq!(level_of(&app, "user_detail"), Some(3), "nothing changed");
    }
    let ok = app
        .post_form(
            "/dashboard/level",
            Some(&cookie),
            &format!("name=user_detail&value=0&csrf_token={token}"),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(level_of(&app, "user_detail"), Some(0), "the real form changed it");
}

fn level_of(app: &support::App, name: &str) -> Option<i64> {
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    conn.query_row("SELECT monitor_level FROM Endpoint WHERE name = ?1", [name], |r| r.get(0)).ok()
}

#[tokio::test]
async fn guests_read_but_may_not_change_levels() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let token = app.csrf(&cookie).await;
    let page = app.get("/dashboard/", Some(&cookie)).await;
    assert!(!page.body.contains(r#"action="/dashboard/level""#), "no level form for guests");
    let answer = app
        .post_form("/dashboard/level", Some(&cookie), &format!("name=user_detail&value=0&csrf_token={token}"), &[])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn failed_logins_are_limited_per_user() {
    let app = fixture_app();
    for _ in 0..fmd_web::auth::limit::PER_USER {
        let answer =
            app.post_form("/dashboard/login", None, &format!("name={}&password=wrong-one", GUEST.0), &[]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let refused = app.post_form("/dashboard/login", None, &format!("name={}&password={}", GUEST.0, GUEST.1), &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(refused.headers.contains_key(http::header::RETRY_AFTER));
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_pages_answer_304_when_unchanged() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let page = app.get("/dashboard/", Some(&cookie)).await;
    let csp = page.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).expect("csp");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(page.headers.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
    let etag = page.headers.get(http::header::ETAG).and_then(|v| v.to_str().ok()).expect("etag").to_string();
    let request = http::Request::builder()
        .uri("/dashboard/")
        .header(http::header::COOKIE, &cookie)
        .header(http::header::IF_NONE_MATCH, &etag)
        .body(axum::body::Body::empty())
        .expect("request");
    let again = app.send(request).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let login = app.get("/dashboard/login", None).await;
    assert!(login.headers.contains_key("content-security-policy"));
}
