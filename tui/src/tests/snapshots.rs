//! What users see: the console drawn to a test terminal, as text.

use crossterm::event::KeyCode;
use fmd_core::store::{NewRequest, RecorderCounters, WriteBatch};
use fmd_core::Store;

use super::{drive, fixture_copy, loaded_app, now, press, screen, type_keys};
use crate::app::App;

#[test]
fn overview_80x24() {
    let (_dir, db) = fixture_copy();
    let app = loaded_app(&db, 80, 24);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn overview_40x12() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 40, 12);
    press(&mut app, KeyCode::Down);
    insta::assert_snapshot!(screen(&app, 40, 12));
}

#[test]
fn overview_120x16_sorted_by_p50_ascending() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 120, 16);
    type_keys(&mut app, "sssI");
    insta::assert_snapshot!(screen(&app, 120, 16));
}

#[test]
fn help_popup() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    type_keys(&mut app, "?");
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn help_popup_scrolled_40x12() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 40, 12);
    type_keys(&mut app, "?jjj");
    insta::assert_snapshot!(screen(&app, 40, 12));
}

#[test]
fn level_picker() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    type_keys(&mut app, "jm");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn endpoint_detail() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn endpoint_detail_40x12() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 40, 12);
    type_keys(&mut app, "G");
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(screen(&app, 40, 12));
}

#[test]
fn filter_being_typed() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    type_keys(&mut app, "/u");
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn filter_kept() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    type_keys(&mut app, "/se");
    press(&mut app, KeyCode::Enter);
    type_keys(&mut app, "j");
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn filter_matching_nothing() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 60, 12);
    type_keys(&mut app, "/zzz");
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(screen(&app, 60, 12));
}

#[test]
fn too_small() {
    let (_dir, db) = fixture_copy();
    let app = loaded_app(&db, 29, 8);
    insta::assert_snapshot!("too_small_29x8", screen(&app, 29, 8));
    insta::assert_snapshot!("too_small_20x5", screen(&app, 20, 5));
}

#[test]
fn smallest_usable_30x8() {
    let (_dir, db) = fixture_copy();
    let app = loaded_app(&db, 30, 8);
    insta::assert_snapshot!(screen(&app, 30, 8));
}

#[test]
fn before_the_first_result() {
    let mut app = App::new("demo.db".into(), chrono_tz::UTC, Some(now()), false);
    app.resize(80, 10);
    app.request_overview();
    app.on_spinner_tick();
    insta::assert_snapshot!(screen(&app, 80, 10));
}

/// A database written by fmd itself: hostile and very long names, an endpoint never requested, and a
/// recorder that dropped records.
fn hostile_db(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("hostile.db");
    let mut store = Store::open_writer(&path, "").expect("writer");
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant").timestamp_micros();
    let names = [
        "/evil\x1b[2J\x1b[31mred\x07",
        "/a/very/long/endpoint/name/that/goes/on/and/on/past/any/reasonable/column/width/v1",
        "/ünïcødé/日本語",
        "/never",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let level = (i % 4) as u8;
        ids.push(store.ensure_endpoint(name, level, "1.0", at("2026-11-01T00:00:00Z")).expect("endpoint").id);
    }
    let mut requests = Vec::new();
    for n in 0..1_500_i64 {
        let endpoint = ids[(n % 3) as usize];
        requests.push(NewRequest {
            endpoint_id: endpoint,
            duration_ms: 0.5 + (n % 17) as f64 * 90.0,
            time_micros: at("2026-11-27T22:56:40Z") - n * 3_600_000_000 / 7,
            group_by: ["None", "\x1b[31mmallory\x07", "名前がとても長い利用者のアカウント名です", ""][(n % 4) as usize]
                .into(),
            ip: ["127.0.0.1", "::ffff:10.0.0.1\u{202e}", "2001:db8:85a3::8a2e:370:7334"][(n / 3 % 3) as usize].into(),
            status_code: if n % 5 == 0 { 500 } else { 200 },
        });
    }
    let batch = WriteBatch {
        version: "1.0".into(),
        requests,
        last_requested: vec![(ids[0], at("2026-11-27T22:56:40Z")), (ids[1], at("2026-11-27T22:40:00Z"))],
        counters: Some(RecorderCounters {
            recorder_id: "test-1".into(),
            host: "test".into(),
            pid: 1,
            started_micros: at("2026-11-27T00:00:00Z"),
            recorded: 1_500,
            dropped: 1_234,
            failed: 0,
        }),
        ..Default::default()
    };
    store.write(&batch).expect("write");
    // A second version with a hostile name and odd status codes, on the first endpoint.
    let evil = WriteBatch {
        version: "2.0\x1b]0;pwned\x07-with-a-very-long-version-name".into(),
        requests: (0..40_i64)
            .map(|n| NewRequest {
                endpoint_id: ids[0],
                duration_ms: 0.001 + n as f64 * 250.0,
                time_micros: at("2026-11-27T20:00:00Z") - n * 600_000_000,
                group_by: "\x1b[31mmallory\x07".into(),
                ip: "127.0.0.1".into(),
                status_code: [404, 418, 503, 299][(n % 4) as usize],
            })
            .collect(),
        last_requested: Vec::new(),
        counters: None,
        ..Default::default()
    };
    store.write(&evil).expect("write");
    path
}

#[test]
fn hostile_names_are_escaped_and_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = hostile_db(dir.path());
    let mut app = loaded_app(&db, 100, 12);
    app.db_name = "hostile\x1b[31m.db".into();
    insta::assert_snapshot!("hostile_100x12", screen(&app, 100, 12));
    insta::assert_snapshot!("hostile_40x12", screen(&app, 40, 12));
    type_keys(&mut app, "s");
    drive(&mut app, &db, "\n");
    insta::assert_snapshot!("hostile_detail_60x14", screen(&app, 60, 14));
    // The endpoint's tabs show hostile versions, users and IPs escaped.
    for (tab, name) in
        [("3", "versions"), ("4", "users"), ("5", "ips"), ("6", "user_version"), ("8", "status"), ("9", "requests")]
    {
        drive(&mut app, &db, tab);
        insta::assert_snapshot!(format!("hostile_{name}_100x16"), screen(&app, 100, 16));
    }
    drive(&mut app, &db, "\x1b6");
    insta::assert_snapshot!("hostile_dash_status_100x16", screen(&app, 100, 16));
}

/// Every tab, reached by keys from the loaded overview (`\n` opens the selected endpoint).
const SCREENS: [(&str, &str); 15] = [
    ("dash_overview", ""),
    ("dash_hourly", "2"),
    ("dash_daily", "3"),
    ("dash_versions", "4"),
    ("dash_performance", "5"),
    ("dash_status", "6"),
    ("endpoint_summary", "\n"),
    ("endpoint_hourly", "\n2"),
    ("endpoint_versions", "\n3"),
    ("endpoint_users", "\n4"),
    ("endpoint_ips", "\n5"),
    ("endpoint_user_version", "\n6"),
    ("endpoint_ip_version", "\n7"),
    ("endpoint_status", "\n8"),
    ("endpoint_requests", "\n9"),
];

#[test]
fn every_screen_at_80x24_120x40_and_40x12() {
    let (_dir, db) = fixture_copy();
    for (name, keys) in SCREENS {
        for (width, height) in [(80, 24), (120, 40), (40, 12)] {
            let mut app = loaded_app(&db, width, height);
            drive(&mut app, &db, keys);
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen(&app, width, height));
        }
    }
}

#[test]
fn screens_after_moving_around() {
    let (_dir, db) = fixture_copy();
    let cases: [(&str, (u16, u16), &str); 9] = [
        // Heatmap cursor two days back, four hours earlier.
        ("heatmap_cursor_moved", (80, 24), "2jj"),
        ("performance_log_scale_selection_moved", (80, 24), "5jjl"),
        ("performance_24h", (80, 24), "5["),
        ("hourly_all_time", (80, 24), "2]]"),
        ("versions_filtered", (80, 24), "4/se\n"),
        ("requests_scrolled", (80, 24), "\n9Gkkkk"),
        ("matrix_ip_version_scrolled", (60, 16), "\n7jjj"),
        ("daily_frozen_1h", (80, 24), "3f[[["),
        ("status_opened_from_dashboard", (80, 24), "6jj\n"),
    ];
    for (name, (width, height), keys) in cases {
        let mut app = loaded_app(&db, width, height);
        if name == "heatmap_cursor_moved" {
            drive(&mut app, &db, keys);
            for _ in 0..4 {
                press(&mut app, KeyCode::Left);
            }
        } else {
            drive(&mut app, &db, keys);
        }
        insta::assert_snapshot!(name, screen(&app, width, height));
    }
}

#[test]
fn no_size_panics() {
    let (_dir, db) = fixture_copy();
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = hostile_db(dir.path());
    // Around every threshold (MIN_WIDTH 30, MIN_HEIGHT 8, TABS_MIN_HEIGHT 12, the 40/80 layouts) and far beyond.
    let widths = [0u16, 1, 2, 5, 8, 12, 20, 29, 30, 31, 39, 40, 41, 60, 79, 80, 133, 250];
    let heights = [0u16, 1, 2, 5, 7, 8, 9, 11, 12, 13, 20, 40, 133];
    let mut setups: Vec<(String, String)> = vec![
        ("help".into(), "?GG".into()),
        ("picker".into(), "m".into()),
        ("filter".into(), "/some very long filter text that never ends at all ✓ 日本".into()),
        ("nothing".into(), "/zz\n".into()),
        ("bottom".into(), "G".into()),
        ("endpoint picker".into(), "\n4m".into()),
        ("log scale".into(), "5l".into()),
        ("all time".into(), "\n2]]".into()),
        ("filtered daily".into(), "/zz\n3".into()),
        ("outliers".into(), "\n9\t".into()),
        ("outliers by duration, detail scrolled".into(), "\n9\tsGJJJJ".into()),
        ("outlier detail".into(), "\n9\t\nJJJ".into()),
        ("exceptions".into(), "\n9\t\t".into()),
        ("exception stack".into(), "\n9\t\t\nJ".into()),
    ];
    setups.extend(SCREENS.iter().map(|(name, keys)| (name.to_string(), keys.to_string())));
    for db in [&db, &hostile] {
        for (name, keys) in &setups {
            let mut loaded = loaded_app(db, 80, 24);
            // Cursors far right and down where the screen has them.
            drive(&mut loaded, db, keys);
            let mut far = loaded.clone();
            for _ in 0..30 {
                press(&mut far, KeyCode::Right);
            }
            press(&mut far, KeyCode::End);
            for app in [&loaded, &far] {
                for &width in &widths {
                    for &height in &heights {
                        let mut app = app.clone();
                        app.resize(width, height);
                        let text = screen(&app, width, height);
                        assert_eq!(text.lines().count(), usize::from(height), "{name} at {width}x{height}");
                    }
                }
            }
        }
    }
}

/// Every cell's colours, as (foreground, background).
fn colours(app: &App, width: u16, height: u16) -> Vec<(ratatui::style::Color, ratatui::style::Color)> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|frame| crate::render::draw(frame, app)).expect("draw");
    terminal.backend().buffer().content().iter().map(|c| (c.fg, c.bg)).collect()
}

#[test]
fn colours_only_when_asked_for() {
    use ratatui::style::Color;
    let (_dir, db) = fixture_copy();
    let plain = loaded_app(&db, 80, 24);
    assert!(colours(&plain, 80, 24).iter().all(|&(fg, bg)| fg == Color::Reset && bg == Color::Reset));
    let mut coloured = plain.clone();
    coloured.theme = crate::theme::Theme::colored();
    let cells = colours(&coloured, 80, 24);
    assert!(cells.contains(&(Color::Magenta, Color::Reset)), "level 3 digits are coloured");
    assert!(cells.iter().any(|&(fg, _)| fg == Color::Red), "a 100% error rate is red");
    assert!(cells.iter().all(|&(_, bg)| bg == Color::Reset), "no fixed backgrounds (light and dark terminals)");
}

#[test]
fn header_counts_losses_only_for_files_with_recorder_counters() {
    // Python FMD's file has no recorder counters: its losses are unknown, not zero.
    let (_dir, db) = fixture_copy();
    let app = loaded_app(&db, 120, 40);
    let header = screen(&app, 120, 40).lines().next().unwrap_or_default().to_string();
    assert!(!header.contains("dropped"), "{header}");
    // A file fmd's recorder writes counts them, zero included.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    drop(Store::open_writer(&path, "").expect("writer"));
    let app = loaded_app(&path, 120, 40);
    let header = screen(&app, 120, 40).lines().next().unwrap_or_default().to_string();
    assert!(header.contains("dropped 0"), "{header}");
}
