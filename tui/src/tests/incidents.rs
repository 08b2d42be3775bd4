//! The Outliers and Exceptions tabs: FMD's own outliers and exceptions in the sample file, and a small file
//! written by fmd with a redacted header, a long stack and long messages.

use crossterm::event::KeyCode;
use fmd_core::store::{NewException, NewFrame, NewOutlier, NewRequest, WriteBatch};
use fmd_core::Store;

use super::{drive, fixture_copy, loaded_app, press, screen};
use crate::app::Screen;
use crate::nav::EndpointTab;

/// Keys from the overview to an endpoint's Outliers tab (filter, open, Requests, Tab).
fn to_outliers(name: &str) -> String {
    format!("/{name}\n\n9\t")
}

/// Keys from the overview to an endpoint's Exceptions tab.
fn to_exceptions(name: &str) -> String {
    format!("/{name}\n\n9\t\t")
}

/// A file written by fmd: one endpoint with three outliers (redacted headers, a long stack of own and library
/// frames after a note) and two exception groups (a panic with a long stack, a captured error).
fn incidents_db(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("incidents.db");
    let mut store = Store::open_writer(&path, "").expect("writer");
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant").timestamp_micros();
    let id = store.ensure_endpoint("/api/items/{id}", 2, "1.4.2", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let mut requests: Vec<NewRequest> = (0..40_i64)
        .map(|n| NewRequest {
            endpoint_id: id,
            duration_ms: 20.0 + (n % 5) as f64,
            time_micros: at("2026-11-27T20:00:00Z") - n * 600_000_000,
            group_by: "alice".into(),
            ip: "10.0.0.7".into(),
            status_code: 200,
        })
        .collect();
    for (n, ms) in [(0_i64, 480.0), (1, 1_250.5), (2, 95.0)] {
        requests.push(NewRequest {
            endpoint_id: id,
            duration_ms: ms,
            time_micros: at("2026-11-27T22:40:00Z") - n * 3_600_000_000,
            group_by: "bob".into(),
            ip: "2001:db8::1".into(),
            status_code: if n == 1 { 500 } else { 200 },
        });
    }
    let mut frames = vec!["waited 3 frames deep (sampled 412 ms after start)".to_string()];
    for i in 0..24 {
        frames.push(format!(
            "File: \"/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.47.1/src/runtime/task/harness.rs\", line {}, in \"tokio::runtime::task::harness::poll_future::{{{{closure}}}}\": \"let res = guard.core.poll(cx);\"",
            100 + i
        ));
    }
    frames.push("File: \"src/handlers/items.rs\", line 88, in \"app::handlers::items::show\": \"let rows = load_rows(&db, id).await?;\"".into());
    frames.push(
        "File: \"src/db.rs\", line 61, in \"app::db::load_rows\": \"std::thread::sleep(Duration::from_millis(400));\""
            .into(),
    );
    let outlier = |request: usize, stack: String| {
        NewOutlier {
        request,
        request_header: "Host: api.example.test\r\nAuthorization: [redacted]\r\nCookie: [redacted]\r\nX-Request-Id: 7f3a\x1b[31m\r\nUser-Agent: curl/8.5.0\r\n\r\n".into(),
        request_environment: "{'REQUEST_METHOD': 'POST', 'PATH_INFO': '/api/items/42', 'QUERY_STRING': 'expand=all', 'SERVER_PROTOCOL': 'HTTP/1.1', 'REMOTE_ADDR': '2001:db8::1', 'REMOTE_PORT': 51234, 'SERVER_NAME': 'api.example.test', 'SERVER_PORT': '443', 'wsgi.url_scheme': 'https'}".into(),
        request_url: "https://api.example.test/api/items/42?expand=all".into(),
        cpu_percent: "[97.5, 12.0, 0.0, 55.3]".into(),
        memory: "svmem(total=16777216000, available=8388608000, percent=50.0, used=8388608000, free=4194304000, process_rss=73400320)".into(),
        stacktrace: stack,
    }
    };
    let long_stack = NewFrame {
        file: "/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/axum-0.8.4/src/routing/route.rs".into(),
        function: "axum::routing::route::RouteFuture::poll".into(),
        line: 120,
        code: "let res = ready!(this.inner.poll(cx));".into(),
    };
    let mut panic_frames = vec![long_stack; 18];
    for (i, f) in panic_frames.iter_mut().enumerate() {
        f.line += i as u32;
    }
    panic_frames.push(NewFrame {
        file: "src/handlers/items.rs".into(),
        function: "app::handlers::items::show".into(),
        line: 91,
        code: "let item = rows.first().expect(\"an item\");".into(),
    });
    let n = requests.len();
    store
        .write(&WriteBatch {
            version: "1.4.2".into(),
            requests,
            outliers: vec![
                outlier(n - 3, frames.join("<br />")),
                outlier(n - 2, frames[frames.len() - 2..].join("<br />")),
                outlier(n - 1, String::new()),
            ],
            exceptions: vec![
                NewException {
                    request: n - 2,
                    type_name: "panic".into(),
                    message: "an item".into(),
                    frames: panic_frames,
                    user_captured: false,
                },
                NewException {
                    request: n - 1,
                    type_name: "app::errors::LoadError".into(),
                    message:
                        "cannot load item 42 from the primary database after 3 attempts\ncaused by: connection reset"
                            .into(),
                    frames: vec![NewFrame {
                        file: "src/db.rs".into(),
                        function: "app::db::load_rows".into(),
                        line: 70,
                        code: "return Err(LoadError::new(e));".into(),
                    }],
                    user_captured: true,
                },
            ],
            ..WriteBatch::default()
        })
        .expect("write");
    path
}

#[test]
fn outliers_of_the_fixture_at_three_sizes() {
    let (_dir, db) = fixture_copy();
    for (width, height) in [(80, 24), (120, 40), (40, 12)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, &to_outliers("upload"));
        assert_eq!(app.endpoint_tab, EndpointTab::Outliers);
        insta::assert_snapshot!(format!("outliers_{width}x{height}"), screen(&app, width, height));
    }
}

#[test]
fn outliers_sorted_by_duration_and_detail_scrolled() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, &format!("{}sjJJJJJJJJJ", to_outliers("upload")));
    assert!(app.outliers_by_duration);
    insta::assert_snapshot!("outliers_by_duration_scrolled_80x24", screen(&app, 80, 24));
}

#[test]
fn narrow_outliers_open_the_detail_full_width() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 40, 12);
    drive(&mut app, &db, &format!("{}j\n", to_outliers("upload")));
    assert!(app.detail_open);
    insta::assert_snapshot!("outliers_detail_40x12", screen(&app, 40, 12));
    drive(&mut app, &db, "jjjj");
    insta::assert_snapshot!("outliers_detail_scrolled_40x12", screen(&app, 40, 12));
    drive(&mut app, &db, "\x1b");
    assert!(!app.detail_open);
    assert!(matches!(app.screen, Screen::Endpoint(_)), "Esc closed the detail, not the screen");
}

#[test]
fn exceptions_of_the_fixture_at_three_sizes() {
    let (_dir, db) = fixture_copy();
    for (width, height) in [(80, 24), (120, 40), (40, 12)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, &to_exceptions("user_detail"));
        assert_eq!(app.endpoint_tab, EndpointTab::Exceptions);
        insta::assert_snapshot!(format!("exceptions_{width}x{height}"), screen(&app, width, height));
        drive(&mut app, &db, "\n");
        insta::assert_snapshot!(format!("exceptions_stack_{width}x{height}"), screen(&app, width, height));
    }
}

#[test]
fn fmds_own_written_outliers_redacted_headers_and_a_long_stack() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = incidents_db(dir.path());
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, "\n9\t");
    insta::assert_snapshot!("small_outliers_120x40", screen(&app, 120, 40));
    // Scroll the detail to the headers and copy them.
    let sections = app.detail_sections();
    let headers_at: usize = sections.iter().take_while(|s| s.title != "Headers").map(|s| s.lines.len() + 1).sum();
    for _ in 0..headers_at {
        press(&mut app, KeyCode::Char('J'));
    }
    insta::assert_snapshot!("small_outliers_headers_120x40", screen(&app, 120, 40));
    press(&mut app, KeyCode::Char('y'));
    let copied = app.take_clipboard().expect("copied");
    assert!(copied.contains("Authorization: [redacted]") && copied.contains("Cookie: [redacted]"), "{copied}");
    assert!(copied.contains('\x1b'), "copied as stored; only the screen escapes it");
    assert_eq!(app.message.as_ref().map(|m| m.text.as_str()), Some("copied headers (5 lines) to the clipboard"));
    insta::assert_snapshot!("small_outliers_copied_80x24", {
        app.resize(80, 24);
        screen(&app, 80, 24)
    });
    // Longest first.
    drive(&mut app, &db, "s");
    insta::assert_snapshot!("small_outliers_by_duration_80x24", screen(&app, 80, 24));
}

#[test]
fn fmds_own_written_exceptions_with_their_stacks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = incidents_db(dir.path());
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, "\n9\t\t");
    insta::assert_snapshot!("small_exceptions_120x40", screen(&app, 120, 40));
    drive(&mut app, &db, "j\n");
    insta::assert_snapshot!("small_exceptions_stack_120x40", screen(&app, 120, 40));
    drive(&mut app, &db, "\x1bk\n");
    insta::assert_snapshot!("small_exceptions_panic_stack_80x24", {
        app.resize(80, 24);
        screen(&app, 80, 24)
    });
}

#[test]
fn no_size_panics_on_outliers_and_exceptions() {
    let (_dir, fixture) = fixture_copy();
    let dir = tempfile::tempdir().expect("tempdir");
    let small = incidents_db(dir.path());
    let widths = [0u16, 1, 5, 12, 29, 30, 31, 39, 40, 41, 71, 72, 73, 79, 80, 133, 250];
    let heights = [0u16, 1, 2, 5, 7, 8, 9, 11, 12, 13, 20, 40, 133];
    for db in [&fixture, &small] {
        for keys in [
            to_outliers("upload"),
            format!("{}sG", to_outliers("upload")),
            format!(
                "{}\nJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ",
                to_outliers("u")
            ),
            "\n9\t".to_string(),
            "\n9\tGJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJy".to_string(),
            to_exceptions("boom"),
            format!("{}\nGGJ", to_exceptions("user")),
            "\n9\t\t\n".to_string(),
            "\n9\t\tG\nJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJy".to_string(),
        ] {
            let mut app = loaded_app(db, 80, 24);
            drive(&mut app, db, &keys);
            for &width in &widths {
                for &height in &heights {
                    let mut app = app.clone();
                    app.resize(width, height);
                    let text = screen(&app, width, height);
                    assert_eq!(text.lines().count(), usize::from(height), "{keys:?} at {width}x{height}");
                }
            }
        }
    }
}

#[test]
fn outliers_and_exceptions_export_their_rows_as_fmd_show_prints_them() {
    let (_dir, db) = fixture_copy();
    let store = Store::open_reader(&db, None).expect("reader");
    let id = store.endpoint_levels().expect("endpoints").into_iter().find(|e| e.name == "upload").expect("upload").id;
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, &to_outliers("upload"));
    let rows = crate::export::json(&app).expect("the Outliers tab exports");
    let want = store.outliers(id, 500, 0).expect("outliers");
    assert!(!want.is_empty());
    assert_eq!(rows, serde_json::to_value(&want).expect("json"), "FMD's outlier_table rows");
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, &to_exceptions("boom"));
    assert_eq!(app.endpoint_tab, EndpointTab::Exceptions);
    let groups = crate::export::json(&app).expect("the Exceptions tab exports");
    let first = &groups.as_array().expect("a list")[0];
    assert!(first["stack_trace_snapshot"].is_array() && first["count"].is_u64(), "{first}");
}
