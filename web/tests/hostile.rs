//! Everything that comes from the database is escaped, on every page a user can reach: the test writes a
//! `<script>` into every text a recorder or Python FMD stores (endpoint names, users, versions, IPs, URLs,
//! headers, exception types and messages, code, file names, custom graph titles), then follows every link of
//! the dashboard from the overview, as admin and as guest, and checks each page: it answers (no broken
//! link), carries no raw `<script>` but our own, and never shows a stored Authorization or Cookie value.

mod support;

use std::collections::{BTreeSet, VecDeque};

use http::StatusCode;
use support::{App, ADMIN, GUEST};

const HOSTILE: &str = "<script>alert(1)</script>\"'&";
const SECRET: &str = "s3cret-token-value";

fn hostile_app() -> App {
    let app = support::fixture_app();
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    let h = HOSTILE.replace('\'', "''");
    conn.execute_batch(&format!(
        r#"UPDATE Endpoint SET name = name || '{h}' WHERE id IN (SELECT id FROM Endpoint ORDER BY id LIMIT 3);
           UPDATE Request SET group_by = '{h}' WHERE id % 3 = 0;
           UPDATE Request SET version_requested = '1.1{h}' WHERE id % 5 = 0;
           UPDATE Request SET ip = '10.0.0.1{h}' WHERE id % 7 = 0;
           UPDATE Outlier SET request_url = '/x?q={h}',
               request_header = 'Authorization: Bearer {SECRET}' || char(10) || 'Cookie: session={SECRET}' || char(10) || 'X-Evil: {h}',
               request_environment = 'HTTP_AUTHORIZATION: Bearer {SECRET}' || char(10) || 'PATH_INFO: {h}',
               stacktrace = stacktrace || '{h}';
           UPDATE ExceptionMessage SET message = message || '{h}';
           UPDATE ExceptionType SET type = type || '{h}';
           UPDATE CodeLine SET code = code || '{h}', function_name = function_name || '{h}', filename = filename || '{h}';
           UPDATE FilePath SET path = path || '{h}';
           UPDATE FunctionDefinition SET name = name || '{h}', code = code || '{h}';
           INSERT INTO CustomGraph (graph_id, title, time_added, version_added) VALUES (1, '{h}', '2026-11-27 10:00:00.000000', '1.0');"#
    ))
    .expect("write the hostile strings");
    app
}

/// The links of `page` that stay on the dashboard and read something (no assets, no logout form).
fn links(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .filter(|href| href.starts_with("/dashboard/") && !href.contains("/static/") && !href.contains("logout"))
        .collect()
}

async fn crawl(app: &App, cookie: &str, most: usize) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from(["/dashboard/".to_string()]);
    while let Some(path) = queue.pop_front() {
        if seen.len() >= most || !seen.insert(path.clone()) {
            continue;
        }
        let page = app.get(&path, Some(cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{path} answered {}: {}", page.status, page.body);
        let scripts = page.body.matches("<script").count();
        let ours = page.body.matches("<script src=\"/dashboard/static/fmd-").count();
        assert_eq!(scripts, ours, "{path} has a raw <script> that is not ours");
        assert!(!page.body.contains(SECRET), "{path} shows a stored secret header value");
        for link in links(&page.body) {
            // The same page with other windows, zones and orders: a few suffice.
            let bare = link.split('?').next().unwrap_or(&link).to_string();
            if !seen.contains(&link) && seen.iter().filter(|s| s.split('?').next() == Some(&bare)).count() < 2 {
                queue.push_back(link);
            }
        }
    }
    seen
}

#[tokio::test]
async fn every_reachable_page_escapes_what_the_database_holds() {
    let app = hostile_app();
    for user in [ADMIN, GUEST] {
        let cookie = app.login(user).await;
        let seen = crawl(&app, &cookie, 400).await;
        eprintln!("crawled {} pages", seen.len());
        assert!(seen.len() >= 100, "the crawl reached only {seen:?}");
        let overview = app.get("/dashboard/", Some(&cookie)).await;
        assert!(overview.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the name shows as text");
    }
}

#[tokio::test]
async fn json_answers_are_json_and_never_sniffed_as_html() {
    let app = hostile_app();
    let cookie = app.login(GUEST).await;
    let api = app.get("/dashboard/api/overview", Some(&cookie)).await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(api
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json")));
    assert_eq!(api.headers.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
    let names: Vec<String> =
        api.json().as_array().expect("a list").iter().filter_map(|e| e["name"].as_str().map(str::to_string)).collect();
    assert!(names.iter().any(|n| n.ends_with(HOSTILE)), "the name round-trips as data: {names:?}");
}
