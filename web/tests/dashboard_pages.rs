//! The dashboard's pages beside the overview (hourly, daily, versions, performance, latency, status,
//! exceptions, graphs, report) on FMD 5.1.0's sample: what they show is the dashboard layer's answer, links keep
//! the zone, bad parameters are named, strings from the database are escaped, pages stay small.

mod support;

use chrono::{DateTime, Utc};
use fmd_core::dashboard::{self, ViewData, ViewKey, ViewKind, ViewRequest, Window};
use http::StatusCode;
use support::{fixture_app, App, FIXTURE_NOW, GUEST};

/// Every page of this family: its path under /dashboard/ and text it must show.
const PAGES: [(&str, &str); 9] = [
    ("hourly", "Requests per hour"),
    ("daily", "Requests per day"),
    ("versions", "Versions in use"),
    ("performance", "Durations per endpoint"),
    ("latency", "Latency"),
    ("status", "Latest errors"),
    ("exceptions", "RuntimeError"),
    ("graphs", "No custom graphs"),
    ("report", "today vs yesterday"),
];

/// The fixture's endpoints.
const ENDPOINTS: [&str; 6] = ["user_detail", "index", "search", "upload", "report", "boom"];

fn now() -> DateTime<Utc> {
    FIXTURE_NOW.parse().expect("instant")
}

/// The layer's answer on the app's database, as the pages ask it (the fixture's zone is UTC).
fn layer(app: &App, kind: ViewKind, window: Window) -> ViewData {
    let store = fmd_core::Store::open_reader(&app.db, None).expect("reader");
    let request = ViewRequest {
        key: ViewKey { kind, window, endpoint: None },
        now: now(),
        zone: chrono_tz::UTC,
        limits: fmd_web::pages::limits(0, 0),
        days: None,
    };
    dashboard::answer(&store, &request).expect("an answer")
}

/// Where each of `names` first appears as a link text after `from` (the table's body).
fn positions(body: &str, from: &str, names: &[&str]) -> Vec<usize> {
    let start = body.find(from).unwrap_or_else(|| panic!("{from} in the page"));
    names
        .iter()
        .map(|n| start + body[start..].find(&format!(">{n}</a>")).unwrap_or_else(|| panic!("{n} listed")))
        .collect()
}

#[tokio::test]
async fn every_page_answers_a_guest_with_the_fixture_and_stays_small() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let first = app.get("/dashboard/hourly", Some(&cookie)).await;
    let mut asset_bytes = 0;
    for ext in ["css", "js"] {
        let at = first.body.find(&format!(".{ext}\"")).expect("an asset link");
        let start = first.body[..at].rfind("\"/dashboard/static/").expect("its path") + 1;
        let asset = app.get(&first.body[start..at + ext.len() + 1], Some(&cookie)).await;
        assert_eq!(asset.status, StatusCode::OK);
        asset_bytes += asset.body.len();
    }
    for (slug, text) in PAGES {
        let page = app.get(&format!("/dashboard/{slug}"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{slug}: {}", page.body);
        assert!(page.body.contains(text), "{slug} shows {text:?}");
        assert!(page.body.contains(&format!("<a class=\"current\" href=\"/dashboard/{slug}\"")), "{slug}: its tab");
        assert!(!page.body.contains("style=\""), "{slug}: no inline style");
        assert!(!page.body.contains("<script>"), "{slug}: no inline script");
        assert!(page.body.len() + asset_bytes < 300_000, "{slug}: {} bytes with its assets", page.body.len());
        if ["daily", "versions", "performance", "status", "report"].contains(&slug) {
            for name in ENDPOINTS {
                assert!(page.body.contains(&format!(">{name}<")), "{slug} names {name}");
            }
        }
    }
}

#[tokio::test]
async fn without_a_session_every_page_goes_to_the_login_and_bad_parameters_are_named() {
    let app = fixture_app();
    for (slug, _) in PAGES {
        let page = app.get(&format!("/dashboard/{slug}"), None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{slug}");
        assert_eq!(page.location(), Some(format!("/dashboard/login?next=/dashboard/{slug}").as_str()));
    }
    let cookie = app.login(GUEST).await;
    for (slug, _) in PAGES {
        let bad = app.get(&format!("/dashboard/{slug}?window=bogus"), Some(&cookie)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{slug}");
        assert!(bad.body.contains("window") && bad.body.contains("bogus"), "{slug}: {}", bad.body);
        let zone = app.get(&format!("/dashboard/{slug}?tz=Mars/Olympus"), Some(&cookie)).await;
        assert_eq!(zone.status, StatusCode::BAD_REQUEST, "{slug}");
        assert!(zone.body.contains("tz"), "{slug}: {}", zone.body);
    }
    let compare = app.get("/dashboard/report?compare=decade", Some(&cookie)).await;
    assert_eq!(compare.status, StatusCode::BAD_REQUEST);
    assert!(compare.body.contains("compare"), "{}", compare.body);
    let version = app.get("/dashboard/report?version=9.9&baseline=1.0", Some(&cookie)).await;
    assert_eq!(version.status, StatusCode::BAD_REQUEST);
    assert!(version.body.contains("version") && version.body.contains("9.9"), "{}", version.body);
}

#[tokio::test]
async fn window_links_tabs_and_endpoint_links_keep_the_zone() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    for slug in ["hourly", "daily", "versions", "performance", "latency", "status", "graphs"] {
        let page = app.get(&format!("/dashboard/{slug}?window=30d&tz=Europe/Amsterdam"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{slug}");
        for window in ["1h", "24h", "7d", "30d", "all"] {
            let link = format!("href=\"?window={window}&amp;tz=Europe/Amsterdam\"");
            assert!(page.body.contains(&link), "{slug}: {link}");
        }
        assert!(page.body.contains("(Europe/Amsterdam)"), "{slug} names its zone");
        assert!(
            page.body.contains(&format!("/dashboard/{slug}?window=30d&amp;tz=Europe/Amsterdam")),
            "{slug}: tab link"
        );
    }
    let performance = app.get("/dashboard/performance?tz=Asia/Tokyo", Some(&cookie)).await;
    assert!(performance.body.contains("/dashboard/endpoint/"), "endpoint links");
    assert!(performance.body.contains("/?tz=Asia/Tokyo\">user_detail</a>"), "keep the zone");
}

#[tokio::test]
async fn the_heatmap_shows_the_layers_counts_in_its_cells() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let ViewData::Hourly(load) = layer(&app, ViewKind::DashHourly, Window::Week) else { panic!("hourly") };
    let page = app.get("/dashboard/hourly", Some(&cookie)).await;
    // Every cell a rect with a title: 7 days x 24 hours (plus the legend's five swatches).
    assert_eq!(page.body.matches("<rect class=\"h").count(), 7 * 24 + 5);
    assert_eq!(page.body.matches("</title></rect>").count(), 7 * 24);
    let (mut best, mut at) = (0, (0, 0));
    for (hour, row) in load.data.iter().enumerate() {
        for (day, n) in row.iter().enumerate() {
            if *n >= best {
                (best, at) = (*n, (day, hour));
            }
        }
    }
    let day: chrono::NaiveDate = load.days[at.0].parse().expect("a day");
    let title =
        format!("<title>{} {:02}:00-{:02}:00 · {best} requests</title>", day.format("%a %d %b"), at.1, (at.1 + 1) % 24);
    assert!(page.body.contains(&title), "{title}");
    let total: u64 = load.data.iter().flatten().sum();
    assert!(page.body.contains(&format!("{} requests", fmd_web::pages::format::count(total))), "{total}");
    // Friday 22:00 had no request yet (the clock is at 22:56, the last request earlier).
    assert!(page.body.contains("<title>Fri 27 Nov 22:00-23:00 · 0 requests</title>"));
    assert!(page.body.contains("requests per hour"), "the legend");
    // A month of days in Amsterdam: 30 rows.
    let month = app.get("/dashboard/hourly?window=30d&tz=Europe/Amsterdam", Some(&cookie)).await;
    assert_eq!(month.body.matches("</title></rect>").count(), 30 * 24);
    let beyond = app.get("/dashboard/hourly?page=5", Some(&cookie)).await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(beyond.body.contains("No days on this page: the window has 7 days.") && beyond.body.contains("newer days"));
}

#[tokio::test]
async fn daily_versions_and_latency_show_the_layers_numbers() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let ViewData::Daily(daily) = layer(&app, ViewKind::DashDaily, Window::Week) else { panic!("daily") };
    let page = app.get("/dashboard/daily", Some(&cookie)).await;
    let user_detail = daily.data.iter().find(|e| e.name == "user_detail").expect("user_detail");
    let last = daily.days.len() - 1;
    let title = format!("<title>Fri 27 Nov · user_detail: {} requests</title>", user_detail.values[last]);
    assert!(page.body.contains(&title), "{title}");
    let filtered = app.get("/dashboard/daily?q=USER", Some(&cookie)).await;
    assert!(filtered.body.contains("1 of 6 endpoints") && !filtered.body.contains(">index</a>"));

    let ViewData::Versions(versions) = layer(&app, ViewKind::DashVersions, Window::Week) else { panic!("versions") };
    let multi = versions.multi_version.expect("the matrix");
    let page = app.get("/dashboard/versions", Some(&cookie)).await;
    let (row, col) = (0, multi.versions.len() - 1);
    let n = multi.counts[row][col];
    let cell = format!("{} · version {}: {n} requests", multi.endpoints[row].name, multi.versions[col].version);
    assert!(page.body.contains(&cell), "{cell}");
    assert!(page.body.contains(&format!(">{:.0}%</text>", multi.share[row][col] * 100.0)));

    let ViewData::Latency(series) = layer(&app, ViewKind::DashLatency, Window::Week) else { panic!("latency") };
    let page = app.get("/dashboard/latency", Some(&cookie)).await;
    let worst = series.buckets.iter().filter_map(|b| b.p95).fold(0.0, f64::max);
    assert!(page.body.contains(&format!("worst p95 {}", fmd_web::pages::format::ms(Some(worst)))), "{worst}");
    let points = series.buckets.iter().filter(|b| b.p50.is_some()).count();
    assert_eq!(page.body.matches("</title></circle>").count(), 2 * points, "a dot with a title per bucket and line");
}

#[tokio::test]
async fn performance_sorts_by_its_columns() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let page = app.get("/dashboard/performance", Some(&cookie)).await;
    let by_count = positions(&page.body, "<tbody>", &["user_detail", "index", "boom"]);
    assert!(by_count[0] < by_count[1] && by_count[1] < by_count[2], "busiest first");
    let page = app.get("/dashboard/performance?sort=p50&dir=desc", Some(&cookie)).await;
    let slow = positions(&page.body, "<tbody>", &["report", "search", "index"]);
    assert!(slow[0] < slow[1] && slow[1] < slow[2], "slowest median first");
    let page = app.get("/dashboard/performance?sort=p50&dir=asc", Some(&cookie)).await;
    let fast = positions(&page.body, "<tbody>", &["index", "search", "report"]);
    assert!(fast[0] < fast[1] && fast[1] < fast[2], "fastest first");
    let page = app.get("/dashboard/performance?sort=name", Some(&cookie)).await;
    let names = positions(&page.body, "<tbody>", &["boom", "index", "report", "search", "upload", "user_detail"]);
    assert!(names.windows(2).all(|w| w[0] < w[1]), "A-Z");
    assert!(page.body.contains("Log scale"), "0.2 ms beside 17 ms: log");
    assert_eq!(page.body.matches("class=\"iqr\"").count(), 6);
}

#[tokio::test]
async fn status_pages_through_the_latest_errors_with_links_to_their_endpoints() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let ViewData::DashStatus(status) = layer(&app, ViewKind::DashStatus, Window::Week) else { panic!("status") };
    let page = app.get("/dashboard/status", Some(&cookie)).await;
    assert!(page.body.contains(&format!("{} error requests (400-599)", status.total_errors)));
    let rows = |body: &str| body.matches("/requests\">").count();
    assert_eq!(rows(&page.body), 50, "a page of errors, each linking to its endpoint's requests");
    assert!(page.body.contains(&format!("1–50 of {}", status.total_errors)));
    let second = app.get("/dashboard/status?page=2", Some(&cookie)).await;
    assert_eq!(rows(&second.body), status.total_errors as usize - 50);
    assert!(second.body.contains(&format!("51–{} of {}", status.total_errors, status.total_errors)));
    assert!(second.body.contains("rel=\"prev\""));
    // The per-endpoint bars: boom's requests are all 500s.
    assert!(page.body.contains("<title>boom · 500: 42 requests (100.0%)</title>"), "boom's bar");
    assert!(page.body.contains("class=\"seg s5\""));
}

#[tokio::test]
async fn exceptions_show_their_stacks_and_the_report_compares_what_it_is_asked() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let page = app.get("/dashboard/exceptions", Some(&cookie)).await;
    assert!(page.body.contains("2 of 2 groups"));
    assert!(
        page.body.contains("<details>")
            && page.body.contains("raise RuntimeError(&quot;the boom endpoint always fails&quot;)")
    );
    assert!(page.body.contains("abort(404)"));
    assert!(page.body.contains("2026-11-27 18:23:40 UTC"), "last seen in the page's zone");
    let by_count = app.get("/dashboard/exceptions?sort=count&dir=asc", Some(&cookie)).await;
    let order = positions(&by_count.body, "<tbody", &["user_detail", "boom"]);
    assert!(order[0] < order[1], "fewest first");
    let filtered = app.get("/dashboard/exceptions?q=notfound", Some(&cookie)).await;
    assert!(filtered.body.contains("1 of 2 groups") && !filtered.body.contains("RuntimeError"));

    let report = app.get("/dashboard/report", Some(&cookie)).await;
    assert!(report.body.contains("1 of 6 endpoints changed significantly"));
    assert!(report.body.contains("200 91.1% → 97.4%"), "user_detail's codes, yesterday → today");
    assert!(report.body.contains("too few requests (n 25 vs 27, need 30 each)"), "search's");
    assert!(report.body.contains("href=\"?compare=week\""));
    let week = app.get("/dashboard/report?compare=week", Some(&cookie)).await;
    assert!(week.body.contains("Report · this week vs last week"));
    let pair = app.get("/dashboard/report?version=1.1&baseline=1.0&sort=name", Some(&cookie)).await;
    assert_eq!(pair.status, StatusCode::OK);
    assert!(pair.body.contains("Report · version 1.1 vs 1.0"));
    assert!(pair.body.contains("version=1.1&amp;baseline=1.0"), "sorting keeps the pair");
    let names = positions(&pair.body, "<tbody>", &["boom", "index", "user_detail"]);
    assert!(names[0] < names[1] && names[1] < names[2], "A-Z");
}

#[tokio::test]
async fn strings_from_the_database_are_escaped_on_every_page() {
    let app = fixture_app();
    let hostile = "<script>alert(1)</script>";
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    conn.execute("UPDATE Endpoint SET name = ?1 WHERE name = 'boom'", [hostile]).expect("rename");
    conn.execute("UPDATE ExceptionMessage SET message = ?1", [hostile]).expect("message");
    drop(conn);
    let editor = fmd_core::Store::open_editor(&app.db, None).expect("editor");
    let graph = editor.ensure_graph("<img src=x onerror=alert(2)>", "1.1").expect("graph");
    for minutes in 0..30 {
        editor.add_graph_value(graph, now() - chrono::Duration::minutes(minutes * 60), minutes as f64).expect("value");
    }
    drop(editor);
    let cookie = app.login(GUEST).await;
    for (slug, _) in PAGES {
        let page = app.get(&format!("/dashboard/{slug}?window=30d"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{slug}");
        assert!(!page.body.contains("<script>alert") && !page.body.contains("<img src=x"), "{slug} escapes");
        if slug != "graphs" && slug != "hourly" && slug != "latency" {
            assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{slug} shows the name as text");
        }
    }
    let graphs = app.get("/dashboard/graphs", Some(&cookie)).await;
    assert!(graphs.body.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(graphs.body.contains("</title></circle>"), "its values are drawn");
    assert!(graphs.body.contains("n 30 · min 0 · max 29"), "{}", graphs.body);
}
