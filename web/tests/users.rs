//! User management from the page and through FMD's /api/user/* routes: admins only, checked names and
//! passwords, nobody removes or demotes themselves, sessions end with a removal or a new password, and a
//! user made through FMD's route logs in (Werkzeug hash).

mod support;

use http::StatusCode;
use support::{fixture_app, ADMIN, GUEST};

#[tokio::test]
async fn an_admin_adds_a_user_who_then_logs_in_and_guests_cannot() {
    let app = fixture_app();
    let guest = app.login(GUEST).await;
    let guest_token = app.csrf(&guest).await;
    let form = "username=carol&password=carol-pass-1&password2=carol-pass-1";
    assert_eq!(app.get("/dashboard/users", Some(&guest)).await.status, StatusCode::FORBIDDEN);
    let refused =
        app.post_form("/dashboard/users/add", Some(&guest), &format!("{form}&csrf_token={guest_token}"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let admin = app.login(ADMIN).await;
    let token = app.csrf(&admin).await;
    let added = app.post_form("/dashboard/users/add", Some(&admin), &format!("{form}&csrf_token={token}"), &[]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = app.get("/dashboard/users?done=added", Some(&admin)).await;
    assert!(page.body.contains("carol") && page.body.contains("The user was added."));
    assert!(!page.body.contains("$argon2"), "hashes never reach the page");
    let carol = app.login(("carol", "carol-pass-1")).await;
    assert_eq!(app.get("/dashboard/api/overview", Some(&carol)).await.status, StatusCode::OK);
    let again = app.post_form("/dashboard/users/add", Some(&admin), &format!("{form}&csrf_token={token}"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a second carol: {}", again.body);
    let short = "username=dave&password=short&password2=short";
    let short = app.post_form("/dashboard/users/add", Some(&admin), &format!("{short}&csrf_token={token}"), &[]).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.body.contains("too short"), "{}", short.body);
}

#[tokio::test]
async fn fmd_routes_create_edit_and_delete_and_end_sessions() {
    let app = fixture_app();
    let admin = app.login(ADMIN).await;
    let created = app
        .post_form(
            "/dashboard/api/user/create",
            Some(&admin),
            "username=erin&password=erin-pass-1&password2=erin-pass-1&is_admin=false",
            &[],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.json(), serde_json::json!("OK"));
    let store = fmd_core::Store::open_reader(&app.db, None).expect("reader");
    let erin = store.user_by_name("erin").expect("read").expect("erin");
    assert!(erin.password_hash.starts_with("pbkdf2:sha256:"), "FMD's route writes what Python FMD checks");
    let session = app.login(("erin", "erin-pass-1")).await;
    let edited = app
        .post_form(
            "/dashboard/api/user/edit",
            Some(&admin),
            &format!("user_id={}&new_password=erin-pass-2&new_password2=erin-pass-2", erin.id),
            &[],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(app.get("/dashboard/api/overview", Some(&session)).await.status, StatusCode::UNAUTHORIZED);
    let me = store.user_by_name(ADMIN.0).expect("read").expect("root");
    let demote = app
        .post_form("/dashboard/api/user/edit", Some(&admin), &format!("user_id={}&is_admin=false", me.id), &[])
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    assert!(demote.json()["message"].as_str().is_some_and(|m| m.contains("your own")));
    let myself = app.post_form("/dashboard/api/user/delete", Some(&admin), &format!("user_id={}", me.id), &[]).await;
    assert_eq!(myself.status, StatusCode::CONFLICT);
    let session = app.login(("erin", "erin-pass-2")).await;
    let gone = app.post_form("/dashboard/api/user/delete", Some(&admin), &format!("user_id={}", erin.id), &[]).await;
    assert_eq!(gone.status, StatusCode::OK);
    assert_eq!(app.get("/dashboard/api/overview", Some(&session)).await.status, StatusCode::UNAUTHORIZED);
    let guest = app.login(GUEST).await;
    let refused = app.post_form("/dashboard/api/user/delete", Some(&guest), &format!("user_id={}", me.id), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
