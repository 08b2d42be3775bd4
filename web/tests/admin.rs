//! Admin actions from the page: the endpoint's admin tab, delete / merge / prune previews and their
//! confirmations; guests get 403 and nothing changes.

mod support;

use http::StatusCode;
use support::{fixture_app, App, ADMIN, GUEST};

fn requests_of(app: &App, name: &str) -> i64 {
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    conn.query_row(
        "SELECT count(*) FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name = ?1",
        [name],
        |r| r.get(0),
    )
    .expect("count")
}

fn endpoint_id(app: &App, name: &str) -> i64 {
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    conn.query_row("SELECT id FROM Endpoint WHERE name = ?1", [name], |r| r.get(0)).expect("id")
}

#[tokio::test]
async fn guests_get_403_on_every_admin_page_and_action() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let token = app.csrf(&cookie).await;
    let id = endpoint_id(&app, "user_detail");
    for path in [
        format!("/dashboard/endpoint/{id}/admin"),
        "/dashboard/prune".to_string(),
        "/dashboard/housekeeping/preview?op=delete&name=user_detail".to_string(),
    ] {
        assert_eq!(app.get(&path, Some(&cookie)).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let before = requests_of(&app, "user_detail");
    let answer = app
        .post_form(
            "/dashboard/housekeeping/apply",
            Some(&cookie),
            &format!("op=delete&name=user_detail&csrf_token={token}"),
            &[],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(requests_of(&app, "user_detail"), before);
    let page = app.get("/dashboard/", Some(&cookie)).await;
    assert!(!page.body.contains("/dashboard/prune"), "no prune link for guests");
}

#[tokio::test]
async fn a_deletion_is_previewed_with_its_numbers_then_confirmed() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let id = endpoint_id(&app, "user_detail");
    let admin = app.get(&format!("/dashboard/endpoint/{id}/admin"), Some(&cookie)).await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(admin.body.contains("Preview the deletion"));
    let before = requests_of(&app, "user_detail");
    assert!(before > 0);
    let preview = app.get("/dashboard/housekeeping/preview?op=delete&name=user_detail", Some(&cookie)).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains(&before.to_string()), "the preview counts the requests: {}", preview.body);
    assert_eq!(requests_of(&app, "user_detail"), before, "a preview changes nothing");
    let token = app.csrf(&cookie).await;
    let done = app
        .post_form(
            "/dashboard/housekeeping/apply",
            Some(&cookie),
            &format!("op=delete&name=user_detail&csrf_token={token}"),
            &[],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("deleted endpoint user_detail"));
    assert_eq!(requests_of(&app, "user_detail"), 0);
}

#[tokio::test]
async fn a_merge_moves_the_requests_and_bad_operations_name_their_field() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let token = app.csrf(&cookie).await;
    let (from, into) = (requests_of(&app, "user_detail"), requests_of(&app, "index"));
    let preview = app.get("/dashboard/housekeeping/preview?op=merge&name=user_detail&into=index", Some(&cookie)).await;
    assert!(preview.body.contains("requests move from"), "{}", preview.body);
    let done = app
        .post_form(
            "/dashboard/housekeeping/apply",
            Some(&cookie),
            &format!("op=merge&name=user_detail&into=index&csrf_token={token}"),
            &[],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(requests_of(&app, "index"), from + into);
    let bad = app.get("/dashboard/housekeeping/preview?op=explode&name=index", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("op:"));
    let bad = app.get("/dashboard/housekeeping/preview?op=prune&age=2%20days", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("age:"));
    let unknown = app.get("/dashboard/housekeeping/preview?op=merge&name=index&into=nowhere", Some(&cookie)).await;
    assert!(unknown.body.contains("nowhere"), "the preview names the unknown endpoint: {}", unknown.body);
}

#[tokio::test]
async fn a_prune_with_nothing_that_old_offers_no_button() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let form = app.get("/dashboard/prune", Some(&cookie)).await;
    assert!(form.body.contains("90 days"));
    let preview = app.get("/dashboard/housekeeping/preview?op=prune&age=30%20days", Some(&cookie)).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("there is nothing to prune"), "{}", preview.body);
    assert!(!preview.body.contains("housekeeping/apply"));
}
