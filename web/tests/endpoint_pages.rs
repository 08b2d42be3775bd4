//! The endpoint pages on the FMD 5.1.0 fixture: every tab of every endpoint, unknown ids, the requests filter,
//! the request, outlier and call-tree details, redaction of headers and environment, the grouped profiler's
//! icicle, and page sizes.

mod support;

use http::StatusCode;
use support::{fixture_app, App, ADMIN, FIXTURE_NOW, GUEST};

/// The fixture's endpoints (id, name).
fn endpoints(app: &App) -> Vec<(i64, String)> {
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    let mut stmt = conn.prepare("SELECT id, name FROM Endpoint ORDER BY id").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").map(|r| r.expect("row")).collect()
}

fn one(app: &App, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Bytes of the page's stylesheet and script.
fn assets() -> usize {
    fmd_web::assets::CSS.len() + fmd_web::assets::JS.len()
}

/// The text of the status cell (the second cell) of every request row of a page.
fn status_cells(body: &str) -> Vec<String> {
    body.split("<tr data-href=")
        .skip(1)
        .map(|row| {
            let second = row.split("<td").nth(2).expect("a second cell");
            let text = &second[second.find('>').expect("cell") + 1..];
            text[..text.find("</td>").expect("end")].to_string()
        })
        .collect()
}

#[tokio::test]
async fn every_tab_of_every_endpoint_answers_and_names_its_endpoint() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let list = endpoints(&app);
    assert_eq!(list.len(), 6);
    for (id, name) in &list {
        for (slug, label) in fmd_web::pages::frame::ENDPOINT_TABS.iter().filter(|(s, _)| *s != "admin") {
            for window in ["", "?window=all", "?window=1h&tz=Europe/Amsterdam"] {
                let path = format!("/dashboard/endpoint/{id}/{slug}{window}");
                let page = app.get(&path, Some(&cookie)).await;
                assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
                assert!(page.body.contains(&format!("<title>fmd · {name} · ")), "{path} names its endpoint");
                assert!(page.body.contains(&format!(">{label}</a>")), "{path} has its tab");
                assert!(page.body.len() + assets() < 300_000, "{path}: {} bytes", page.body.len());
            }
        }
    }
    let without_slash = app.get("/dashboard/endpoint/2", Some(&cookie)).await;
    assert_eq!(without_slash.location(), Some("/dashboard/endpoint/2/"));
}

#[tokio::test]
async fn an_unknown_endpoint_or_request_is_404_with_a_way_back() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    for path in [
        "/dashboard/endpoint/999/",
        "/dashboard/endpoint/999/hourly",
        "/dashboard/endpoint/abc/requests",
        "/dashboard/endpoint/2/requests/999999",
        "/dashboard/endpoint/2/outliers/x",
        "/dashboard/endpoint/2/profiler/999999",
        "/dashboard/endpoint/2/nonsense",
    ] {
        let page = app.get(path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        if !path.ends_with("nonsense") {
            assert!(page.body.contains(r#"href="/dashboard/">back to the overview</a>"#), "{path}: {}", page.body);
        }
    }
    // A request of another endpoint is not this endpoint's.
    let of_boom = one(&app, "SELECT min(id) FROM Request WHERE endpoint_id = 6");
    let page = app.get(&format!("/dashboard/endpoint/2/requests/{of_boom}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let without = app.get("/dashboard/endpoint/2/", None).await;
    assert_eq!(without.status, StatusCode::SEE_OTHER, "no session: the login page");
}

#[tokio::test]
async fn the_requests_filter_keeps_only_what_it_says_and_pages_and_orders() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let boom = app.get("/dashboard/endpoint/6/requests?window=all&q=status:5xx", Some(&cookie)).await;
    assert_eq!(boom.status, StatusCode::OK);
    let codes = status_cells(&boom.body);
    assert_eq!(codes.len(), 50, "a full page");
    assert!(codes.iter().all(|c| c.starts_with('5')), "{codes:?}");
    assert!(boom.body.contains(r#"rel="next""#), "72 of them: a second page");
    let second = app.get("/dashboard/endpoint/6/requests?window=all&q=status:5xx&page=2", Some(&cookie)).await;
    assert_eq!(status_cells(&second.body).len(), 22);
    let none = app.get("/dashboard/endpoint/6/requests?window=all&q=status%3A2xx", Some(&cookie)).await;
    assert!(status_cells(&none.body).is_empty());
    assert!(none.body.contains("No request in this window matches the filter."));
    let search = app.get("/dashboard/endpoint/3/requests?window=all", Some(&cookie)).await;
    assert!(status_cells(&search.body).iter().all(|c| c == "200"), "search answers 200");
    let filtered = app.get("/dashboard/endpoint/3/requests?window=all&q=status:5xx", Some(&cookie)).await;
    assert!(status_cells(&filtered.body).is_empty(), "no 5xx on search");
    let bad = app.get("/dashboard/endpoint/3/requests?q=colour:red", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("unknown filter key"), "{}", bad.body);
    // Longest first: the first row is the endpoint's longest request.
    let longest = app.get("/dashboard/endpoint/3/requests?window=all&sort=duration", Some(&cookie)).await;
    let max = one(&app, "SELECT id FROM Request WHERE endpoint_id = 3 ORDER BY duration DESC LIMIT 1");
    let first = longest.body.split("<tr data-href=").nth(1).expect("a row");
    assert!(first.contains(&format!("#{max}<")), "the longest first");
}

#[tokio::test]
async fn a_request_detail_shows_its_columns_outlier_and_exceptions() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let with_outlier = one(
        &app,
        "SELECT min(o.request_id) FROM Outlier o JOIN Request r ON r.id = o.request_id WHERE r.endpoint_id = 3",
    );
    let page = app.get(&format!("/dashboard/endpoint/3/requests/{with_outlier}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("Request #{with_outlier}")));
    assert!(page.body.contains("open the outlier page") && page.body.contains("CPU per core"));
    let with_exception = one(&app, "SELECT min(request_id) FROM ExceptionOccurrence");
    let endpoint = one(&app, &format!("SELECT endpoint_id FROM Request WHERE id = {with_exception}"));
    let page = app.get(&format!("/dashboard/endpoint/{endpoint}/requests/{with_exception}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let kind: String = rusqlite::Connection::open(&app.db)
        .expect("open")
        .query_row(
            "SELECT t.type FROM ExceptionOccurrence o JOIN ExceptionType t ON t.id = o.exception_type_id WHERE o.request_id = ?1",
            [with_exception],
            |r| r.get(0),
        )
        .expect("type");
    assert!(page.body.contains(&kind) && page.body.contains("ol class=\"stack\""), "{}", page.body);
}

#[tokio::test]
async fn outliers_never_show_secret_headers_guests_see_no_values_and_hostile_text_is_escaped() {
    let app = fixture_app();
    let request =
        one(&app, "SELECT min(id) FROM Request WHERE endpoint_id = 4 AND id NOT IN (SELECT request_id FROM Outlier)");
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    conn.execute(
        "INSERT INTO Outlier (request_id, request_header, request_environment, request_url, cpu_percent, memory, stacktrace) \
         VALUES (?1, ?2, ?3, ?4, '[12.5, 3.0]', 'svmem(total=1000, available=500, percent=50.0, used=500, free=500)', ?5)",
        rusqlite::params![
            request,
            "Host: a.test\r\nAuthorization: Bearer s3cret\r\nCookie: session=abc\r\nAccept: text/x-visible-to-admins\r\nX-Csrf-Token: s3cret\r\n\r\n",
            "{'REQUEST_METHOD': 'GET', 'HTTP_AUTHORIZATION': 'Bearer s3cret', 'HTTP_COOKIE': 'session=abc', \
             'QUERY_STRING': 'token=s3cret', 'SERVER_NAME': 'env-visible-to-admins'}",
            "http://a.test/<script>alert(1)</script>?token=s3cret",
            "File: \"/app/app.py\", line 3, in \"f\": \"x = '<script>alert(1)</script>'\"<br />a note <script>alert(1)</script>",
        ],
    )
    .expect("insert a hostile outlier");
    drop(conn);
    let path = format!("/dashboard/endpoint/4/outliers/{request}");
    for (user, admin) in [(GUEST, false), (ADMIN, true)] {
        let cookie = app.login(user).await;
        for page in
            [&path, &format!("/dashboard/endpoint/4/requests/{request}"), &"/dashboard/endpoint/4/outliers".to_string()]
        {
            let answer = app.get(page, Some(&cookie)).await;
            assert_eq!(answer.status, StatusCode::OK, "{page}");
            let body = &answer.body;
            assert!(!body.contains("s3cret") && !body.contains("session=abc"), "{page} as {}: a secret shown", user.0);
            assert!(!body.contains("<script>alert"), "{page}: raw script");
            assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}: the text, escaped");
        }
        let body = app.get(&path, Some(&cookie)).await.body;
        assert!(body.contains("[redacted]"));
        assert!(body.contains("<th>Authorization</th>") && body.contains("<th>HTTP_COOKIE</th>"), "names are shown");
        assert!(body.contains("/app/app.py:3"), "the stack");
        assert_eq!(body.contains("text/x-visible-to-admins"), admin, "a harmless header's value for admins only");
        assert_eq!(body.contains("env-visible-to-admins"), admin, "environment values for admins only");
    }
}

#[tokio::test]
async fn the_grouped_page_draws_a_frame_per_line_and_zooms_and_finds_without_script() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let store = fmd_core::Store::open_reader(&app.db, None).expect("reader");
    for id in [2i64, 4] {
        let request = fmd_core::dashboard::ViewRequest {
            key: fmd_core::dashboard::ViewKey {
                kind: fmd_core::dashboard::ViewKind::Grouped,
                window: fmd_core::dashboard::Window::All,
                endpoint: Some(id),
            },
            now: FIXTURE_NOW.parse().expect("now"),
            zone: chrono_tz::UTC,
            limits: fmd_core::dashboard::Limits::console(0),
            days: None,
        };
        let fmd_core::dashboard::ViewData::Grouped(profile) =
            fmd_core::dashboard::answer(&store, &request).expect("grouped")
        else {
            panic!("a grouped answer")
        };
        assert!(!profile.lines.is_empty());
        let page = app.get(&format!("/dashboard/endpoint/{id}/grouped"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        let svg = &page.body[page.body.find("<svg class=\"icicle\"").expect("the icicle")..];
        let svg = &svg[..svg.find("</svg>").expect("its end")];
        assert_eq!(
            svg.matches("<g class=\"node").count(),
            profile.lines.len(),
            "endpoint {id}: a node per grouped line"
        );
        assert_eq!(
            page.body.matches("<tr class=").count() + page.body.matches("<tr data-line=").count(),
            profile.lines.len().min(300)
        );
        assert!(svg.contains("<title>") && svg.contains("data-x=") && svg.contains("?zoom="));
        let zoomed = app.get(&format!("/dashboard/endpoint/{id}/grouped?zoom=1"), Some(&cookie)).await;
        assert!(zoomed.body.contains("zoomed into"));
        assert!(zoomed.body.matches("<g class=\"node").count() < profile.lines.len());
        let word = profile.lines[0].code.split_whitespace().next().unwrap_or("def").to_string();
        let found = app
            .get(&format!("/dashboard/endpoint/{id}/grouped?find={}", fmd_web::params::encode(&word)), Some(&cookie))
            .await;
        assert!(found.body.contains("frames match") && found.body.contains("node match"), "endpoint {id}, {word}");
    }
}

#[tokio::test]
async fn a_profiled_requests_call_tree_folds_with_details() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let request = one(
        &app,
        "SELECT max(s.request_id) FROM StackLine s JOIN Request r ON r.id = s.request_id WHERE r.endpoint_id = 2",
    );
    let list = app.get("/dashboard/endpoint/2/profiler", Some(&cookie)).await;
    assert!(list.body.contains(&format!("/dashboard/endpoint/2/profiler/{request}")), "the newest is listed");
    let page = app.get(&format!("/dashboard/endpoint/2/profiler/{request}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("Call tree of request #{request}")));
    assert!(page.body.contains("<details class=\"node\" open>"), "nested, foldable");
    assert!(page.body.contains("class=\"line hot\""), "the hottest path");
    assert!(page.body.contains("100.0%"), "shares of the request");
    let lines = one(&app, &format!("SELECT count(*) FROM StackLine WHERE request_id = {request}"));
    assert_eq!(page.body.matches("<span class=\"line").count() as i64, lines, "every line");
    // Another endpoint's request is not shown under this one.
    let other = one(
        &app,
        "SELECT max(s.request_id) FROM StackLine s JOIN Request r ON r.id = s.request_id WHERE r.endpoint_id = 3",
    );
    assert_eq!(
        app.get(&format!("/dashboard/endpoint/2/profiler/{other}"), Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_summary_and_number_tabs_show_the_fixtures_numbers() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let summary = app.get("/dashboard/endpoint/2/?window=all", Some(&cookie)).await;
    assert!(summary.body.contains("<h1>user_detail</h1>"));
    assert!(summary.body.contains("<b>443</b>"), "all-time requests");
    let status = app.get("/dashboard/endpoint/6/status?window=all", Some(&cookie)).await;
    assert!(status.body.contains("Latest errors · 72 in this window"), "{}", status.body);
    assert!(status.body.contains("q=status:400-599"), "a link to all of them");
    let hourly = app.get("/dashboard/endpoint/2/hourly?window=all", Some(&cookie)).await;
    assert!(hourly.body.contains("443 requests over"));
    assert!(hourly.body.contains(r#"<td class="num h4""#), "the busiest hours shaded");
    assert!(hourly.body.contains("<svg class=\"heatmap\""), "the heatmap");
    for (tab, chart) in [
        ("latency", "<svg class=\"lines\""),
        ("versions", "<svg class=\"box\""),
        ("users", "<svg class=\"box\""),
        ("ips", "<svg class=\"box\""),
        ("user-versions", "<svg class=\"heatmap\""),
        ("ip-versions", "<svg class=\"heatmap\""),
    ] {
        let page = app.get(&format!("/dashboard/endpoint/2/{tab}?window=all"), Some(&cookie)).await;
        assert!(page.body.contains(chart), "{tab} draws {chart}");
    }
    let matrix = app.get("/dashboard/endpoint/2/user-versions?window=all", Some(&cookie)).await;
    assert!(matrix.body.contains("alice · version 1.1 · median"), "a cell's tooltip");
    let outliers = app.get("/dashboard/endpoint/1/outliers", Some(&cookie)).await;
    assert!(outliers.body.contains("77 outliers in all"));
    let exceptions = app.get("/dashboard/endpoint/6/exceptions", Some(&cookie)).await;
    assert!(exceptions.body.contains("<details>") && exceptions.body.contains("times"));
}
