//! The info page names the database through the storage seam: its backend's kind and location, a file's size
//! only when the location is a file; and the dashboard serves any [`Backend`], not only a path.

mod support;

use std::sync::Arc;

use fmd_core::backend::{Backend, Editor, Reader, SqliteBackend};
use fmd_core::StoreError;
use http::StatusCode;
use support::{fixture_app, FIXTURE_NOW, GUEST};

/// A database that is not a file as far as the web can tell (a server's URL), read from a SQLite file.
#[derive(Debug)]
struct Elsewhere(SqliteBackend);

const URL: &str = "postgres://fmd@db.example:5432/monitoring";

impl Backend for Elsewhere {
    fn location(&self) -> String {
        URL.into()
    }
    fn kind(&self) -> &'static str {
        "PostgreSQL database"
    }
    fn reader(&self) -> Result<Box<dyn Reader>, StoreError> {
        self.0.reader()
    }
    fn editor(&self) -> Result<Box<dyn Editor>, StoreError> {
        self.0.editor()
    }
}

fn router_over(backend: Arc<dyn Backend>) -> axum::Router {
    let options = fmd_web::WebOptions {
        listen: "127.0.0.1:0".parse().expect("address"),
        link: "dashboard".into(),
        zone: chrono_tz::UTC,
        now: Some(FIXTURE_NOW.parse().expect("instant")),
        colors: Default::default(),
        secure_cookies: false,
        seed_admin: None,
    };
    let pool = fmd_web::pool::Pool::new(backend).expect("open the database");
    fmd_web::router(fmd_web::AppState::new(fmd_web::server::settings(&options), pool))
}

#[tokio::test]
async fn info_names_a_file_with_its_kind_path_and_size() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let page = app.get("/dashboard/info", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let path = app.db.display().to_string();
    assert!(page.body.contains(&format!("SQLite file <code>{path}</code> · ")), "kind, path: {}", page.body);
    assert!(page.body.contains(" MB</td>"), "the file's size: {}", page.body);
    assert!(page.body.contains("requests covered"), "the summary tables' state: {}", page.body);
}

#[tokio::test]
async fn a_backend_that_is_no_file_is_named_by_its_location_without_a_size() {
    let mut app = fixture_app();
    app.router = router_over(Arc::new(Elsewhere(SqliteBackend::new(app.db.clone(), None))));
    let cookie = app.login(GUEST).await;
    let page = app.get("/dashboard/info", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("PostgreSQL database <code>{URL}</code></td>")), "{}", page.body);
    assert!(!page.body.contains(" MB</td>"), "no size: {}", page.body);
    assert!(page.body.contains(&format!(r#"title="{URL}">{URL}</span>"#)), "the header names it: {}", page.body);
    let overview = app.get("/dashboard/", Some(&cookie)).await;
    assert_eq!(overview.status, StatusCode::OK, "pages read through the backend: {}", overview.body);
    assert!(overview.body.contains("user_detail"), "the fixture's endpoints: {}", overview.body);
    let config = app.get("/dashboard/api/deploy_config", Some(&cookie)).await;
    assert_eq!(config.json()["database_name"], URL, "{}", config.body);
}

#[test]
fn the_server_refuses_a_backend_without_users_naming_its_location() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("empty.db");
    drop(fmd_core::Store::open_writer(&db, "").expect("a new database"));
    let backend = Elsewhere(SqliteBackend::new(db, None));
    let options = fmd_web::WebOptions {
        listen: "127.0.0.1:0".parse().expect("address"),
        link: "dashboard".into(),
        zone: chrono_tz::UTC,
        now: None,
        colors: Default::default(),
        secure_cookies: false,
        seed_admin: None,
    };
    let error = fmd_web::server::ensure_users(&backend, &options).expect_err("no users");
    assert!(error.to_string().starts_with(&format!("{URL} has no users")), "{error}");
    let hash = fmd_core::password::hash("first-password", fmd_core::password::Scheme::Argon2id).expect("hash");
    let seeded = fmd_web::WebOptions { seed_admin: Some(("first".into(), hash)), ..options };
    fmd_web::server::ensure_users(&backend, &seeded).expect("the admin seeded through the editor");
    let users = backend.reader().expect("reader").list_users().expect("users");
    assert_eq!(users.iter().map(|u| (u.username.as_str(), u.is_admin)).collect::<Vec<_>>(), [("first", true)]);
}
