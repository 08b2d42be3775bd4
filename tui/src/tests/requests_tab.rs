//! The Requests tab: the filter prompt and its errors, the duration order, the detail popup (with an outlier
//! and an exception), millisecond times, the cursor staying on its request while new ones arrive, and the
//! header counting the requests that arrive while frozen.

use fmd_core::store::{NewException, NewFrame, NewOutlier, NewRequest, WriteBatch};
use fmd_core::Store;

use super::{drive, loaded_app, refresh, screen, type_keys};
use crate::nav::EndpointTab;

fn at(s: &str) -> i64 {
    s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant").timestamp_micros()
}

/// One endpoint with 30 requests of alice, bob and carol (codes 200, 404, 500), the slowest (#1) with an
/// outlier and an exception.
fn requests_db(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("requests.db");
    let mut store = Store::open_writer(&path, "").expect("writer");
    let id = store.ensure_endpoint("/api/orders", 2, "2.1", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let requests: Vec<NewRequest> = (0..30_i64)
        .map(|n| NewRequest {
            endpoint_id: id,
            duration_ms: if n == 1 { 2_345.678 } else { 10.0 + ((n * 37) % 90) as f64 + 0.125 },
            time_micros: at("2026-11-27T22:00:00Z") - n * 61_234_567,
            group_by: ["alice", "bob", "carol"][(n % 3) as usize].into(),
            ip: format!("10.0.0.{}", n % 4),
            status_code: [200, 200, 404, 500, 200][(n % 5) as usize],
        })
        .collect();
    store
        .write(&WriteBatch {
            version: "2.1".into(),
            requests,
            outliers: vec![NewOutlier {
                request: 1,
                request_header: "Host: shop.test\r\n".into(),
                request_environment: "{'REQUEST_METHOD': 'POST'}".into(),
                request_url: "https://shop.test/api/orders".into(),
                cpu_percent: "[88.0, 4.0]".into(),
                memory: "svmem(total=1000, available=500, percent=50.0, used=500, free=500)".into(),
                stacktrace: "File: \"src/orders.rs\", line 12, in \"shop::orders::create\": \"charge(&card).await?;\""
                    .into(),
            }],
            exceptions: vec![NewException {
                request: 1,
                type_name: "shop::PaymentError".into(),
                message: "card declined".into(),
                frames: vec![NewFrame {
                    file: "src/orders.rs".into(),
                    function: "shop::orders::create".into(),
                    line: 12,
                    code: "charge(&card).await?;".into(),
                }],
                user_captured: true,
            }],
            ..WriteBatch::default()
        })
        .expect("write");
    path
}

#[test]
fn filter_prompt_filtered_and_sorted_lists_and_the_detail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = requests_db(dir.path());
    let mut app = loaded_app(&db, 100, 24);
    drive(&mut app, &db, "\n9]]");
    assert!(app.on_tab(EndpointTab::Requests));
    insta::assert_snapshot!("requests_tab_all_time", screen(&app, 100, 24));
    drive(&mut app, &db, "/");
    type_keys(&mut app, "status:5xx user:al*");
    insta::assert_snapshot!("requests_tab_prompt", screen(&app, 100, 24));
    drive(&mut app, &db, "\n");
    insta::assert_snapshot!("requests_tab_filtered", screen(&app, 100, 24));
    // A filter that does not parse stays on the prompt with the reason.
    drive(&mut app, &db, "/");
    type_keys(&mut app, " colour:red");
    drive(&mut app, &db, "\n");
    insta::assert_snapshot!("requests_tab_refused_filter", screen(&app, 100, 24));
    drive(&mut app, &db, "\x1b");
    assert!(app.requests.query.filter.is_empty(), "Esc on the prompt clears the filter");
    drive(&mut app, &db, "s");
    insta::assert_snapshot!("requests_tab_longest_first", screen(&app, 100, 24));
    drive(&mut app, &db, "\n");
    insta::assert_snapshot!("requests_tab_detail", screen(&app, 100, 24));
    let detail = app.request_detail().expect("the detail loaded");
    let titles: Vec<String> =
        crate::render::request_detail::sections(detail, &app).into_iter().map(|s| s.title).collect();
    assert_eq!(titles.first().map(String::as_str), Some("Request"));
    assert!(titles.iter().any(|t| t == "Outlier · stack"), "{titles:?}");
    assert_eq!(titles.last().map(String::as_str), Some("Exception · captured with capture()"), "{titles:?}");
    drive(&mut app, &db, "jjjjjjjjjjjj");
    insta::assert_snapshot!("requests_tab_detail_scrolled", screen(&app, 100, 24));
    drive(&mut app, &db, "\x1b");
    assert_eq!(app.requests.detail, None);
    assert!(app.on_tab(EndpointTab::Requests), "Esc closed the detail, not the endpoint");
    for (width, height) in [(40, 12), (120, 40)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, "\n9]]s\n");
        insta::assert_snapshot!(format!("requests_tab_detail_{width}x{height}"), screen(&app, width, height));
    }
}

#[test]
fn the_cursor_stays_on_its_request_when_new_ones_arrive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = requests_db(dir.path());
    let mut app = loaded_app(&db, 100, 24);
    drive(&mut app, &db, "\n9]]jjjjj");
    let before = app.requests.selected.expect("a request is selected");
    assert_eq!(app.cursor.row, 5);
    // Three newer requests are written; the live refresh brings them.
    let mut store = Store::open_writer(&db, "").expect("writer");
    let id = store.ensure_endpoint("/api/orders", 2, "2.1", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let newer = (1..=3)
        .map(|n| NewRequest {
            endpoint_id: id,
            duration_ms: 1.0,
            time_micros: at("2026-11-27T22:00:00Z") + n * 1_000_000,
            group_by: "dave".into(),
            ip: "10.0.0.9".into(),
            status_code: 200,
        })
        .collect();
    store.write(&WriteBatch { version: "2.1".into(), requests: newer, ..WriteBatch::default() }).expect("write");
    drop(store);
    app.request_view();
    refresh(&mut app, &db);
    assert_eq!(app.requests.selected, Some(before), "still on the same request");
    assert_eq!(app.cursor.row, 8, "three rows further down");
    insta::assert_snapshot!("requests_tab_cursor_kept", screen(&app, 100, 24));
}

/// Writes `n` requests of `/api/orders` newer than the others.
fn write_newer(db: &std::path::Path, n: i64) {
    let mut store = Store::open_writer(db, "").expect("writer");
    let id = store.ensure_endpoint("/api/orders", 2, "2.1", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let newer = (1..=n)
        .map(|k| NewRequest {
            endpoint_id: id,
            duration_ms: 1.0,
            time_micros: at("2026-11-27T22:10:00Z") + k * 1_000_000,
            group_by: "erin".into(),
            ip: "10.0.0.8".into(),
            status_code: 200,
        })
        .collect();
    store.write(&WriteBatch { version: "2.1".into(), requests: newer, ..WriteBatch::default() }).expect("write");
}

#[test]
fn frozen_the_header_counts_the_requests_that_arrive_and_the_screen_keeps_still() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = requests_db(dir.path());
    let mut app = loaded_app(&db, 120, 20);
    drive(&mut app, &db, "\n9]]f");
    let before = screen(&app, 120, 20);
    assert!(before.lines().next().is_some_and(|l| l.contains("frozen  0 new")), "{before}");
    write_newer(&db, 7);
    app.on_refresh_tick();
    super::settle(&mut app, &db);
    let after = screen(&app, 120, 20);
    insta::assert_snapshot!("requests_tab_frozen_new", after);
    assert!(after.lines().next().is_some_and(|l| l.contains("frozen  7 new")), "{after}");
    assert_eq!(before.lines().skip(1).collect::<Vec<_>>(), after.lines().skip(1).collect::<Vec<_>>(), "body kept");
    drive(&mut app, &db, "f");
    let live = screen(&app, 120, 20);
    assert!(live.contains("erin") && !live.contains(" new "), "resumed: the new rows show\n{live}");
}

#[test]
fn e_exports_the_view_as_fmd_show_prints_it_or_as_csv() {
    use fmd_core::store::TimeRange;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = requests_db(dir.path());
    let out = tempfile::tempdir().expect("out");
    let mut app = loaded_app(&db, 100, 24);
    app.export_dir = out.path().to_path_buf();
    drive(&mut app, &db, "\n9]]e");
    insta::assert_snapshot!("requests_tab_export_popup", screen(&app, 100, 24));
    drive(&mut app, &db, "j");
    let message = app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    let name = "fmd-export-requests-api_orders-20261127T225655Z.json";
    assert!(message.starts_with("wrote 30 rows to ") && message.ends_with(name), "{message}");
    let written = std::fs::read_to_string(out.path().join(name)).expect("the file");
    // What `fmd show requests --endpoint /api/orders --limit 200 --json` prints (all time: the window shown).
    let store = Store::open_reader(&db, None).expect("reader");
    let shown = store.recent_requests(1, TimeRange::ALL, crate::app::PAGE_ROWS, 0).expect("requests");
    assert_eq!(written, serde_json::to_string_pretty(&shown).expect("json") + "\n");
    // Filtered and longest first: the same query's answer.
    drive(&mut app, &db, "/");
    type_keys(&mut app, "status:200");
    drive(&mut app, &db, "\nsec");
    let csv = std::fs::read_to_string(out.path().join(name.replace("json", "csv"))).expect("the csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("id,endpoint_id,duration,time_requested,version_requested,group_by,ip,status_code"));
    let query = app.requests.query.clone();
    let want = store.requests(1, TimeRange::ALL, &query, crate::app::PAGE_ROWS, 0).expect("requests");
    let ids: Vec<i64> = lines.map(|l| l.split(',').next().and_then(|id| id.parse().ok()).expect("id")).collect();
    assert_eq!(ids, want.iter().map(|r| r.id).collect::<Vec<_>>());
    assert!(want.len() > 5 && want.windows(2).all(|w| w[0].duration >= w[1].duration));
    assert_eq!(csv.lines().nth(1).map(|l| l.split(',').nth(3)), Some(Some("2026-11-27T21:58:58.765433Z")));
}
