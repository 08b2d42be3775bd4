//! What the screen says matches what is true: the tab numbers are keys that go there, the outliers' note fits
//! the endpoint's level, the header says what the time window reaches.

use crossterm::event::KeyCode;

use super::{drive, fixture_copy, loaded_app, press, refresh, screen};
use crate::app::{App, Screen};

/// The `(number, name)` pairs of the tab bar (second line) as drawn at `width` x 60.
fn numbered_tabs(app: &App, width: u16) -> Vec<(String, String)> {
    let text = screen(app, width, 60);
    let bar = text.lines().nth(1).unwrap_or_default().to_string();
    bar.split("  ")
        .filter_map(|part| {
            let (number, name) = part.trim().split_once(' ')?;
            number.chars().all(|c| c.is_ascii_digit()).then(|| (number.to_string(), name.to_string()))
        })
        .collect()
}

fn current_tab(app: &App) -> &'static str {
    match app.screen {
        Screen::Dashboard => app.dash_tab.name(),
        Screen::Endpoint(_) => app.endpoint_tab.name(),
    }
}

#[test]
fn every_tab_number_shown_is_the_key_that_goes_there() {
    let (_dir, db) = fixture_copy();
    for width in [200, 120] {
        let mut app = loaded_app(&db, width, 60);
        for screen_name in ["dashboard", "endpoint"] {
            if screen_name == "endpoint" {
                press(&mut app, KeyCode::Enter);
            }
            let tabs = numbered_tabs(&app, width);
            assert!(width < 200 || tabs.len() >= 8, "{screen_name} at {width}: {tabs:?}");
            for (number, name) in tabs {
                let mut chars = number.chars();
                let (Some(key), None) = (chars.next(), chars.next()) else {
                    panic!("{screen_name} at {width}: tab {name} is numbered {number}, which no key types");
                };
                let mut copy = app.clone();
                press(&mut copy, KeyCode::Char(key));
                assert_eq!(current_tab(&copy), name, "{screen_name} at {width}: key {key}");
            }
        }
    }
}

#[test]
fn the_empty_outliers_note_fits_the_endpoints_level() {
    let (_dir, db) = fixture_copy();
    // `report` is at level 3 and has no outliers.
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, "jjjj\n\t\t\t\t\t\t\t\t\t");
    let text = screen(&app, 120, 40);
    assert!(text.contains("report › Outliers"), "{text}");
    assert!(
        text.contains("no outliers yet: a request slower than 2.5 x average after 10 requests is captured"),
        "{text}"
    );
    // At level 1 nothing records them.
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute("UPDATE Endpoint SET monitor_level = 1 WHERE name = 'report'", []).expect("level 1");
    refresh(&mut app, &db);
    let text = screen(&app, 120, 40);
    assert!(text.contains("no outliers: levels 2 and 3 record them (m sets the level)"), "{text}");
}

#[test]
fn the_header_names_the_window_only_where_it_applies() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 120, 40);
    let header = |app: &App| screen(app, 120, 40).lines().next().unwrap_or_default().to_string();
    let footer = |app: &App| screen(app, 120, 40).lines().last().unwrap_or_default().to_string();
    // The overview's columns are today, 7 days and all: the window keys do nothing there, and say so.
    assert!(header(&app).contains("today/7d/all"), "{}", header(&app));
    assert!(!footer(&app).contains("window"), "{}", footer(&app));
    let before = app.window;
    drive(&mut app, &db, "[");
    assert_eq!(app.window, before, "[ on the overview");
    // Hourly follows it.
    drive(&mut app, &db, "2[");
    assert_ne!(app.window, before);
    assert!(header(&app).contains(" 24h "), "{}", header(&app));
    assert!(footer(&app).contains("[/] window"), "{}", footer(&app));
    // The report compares calendar units: the header says which.
    drive(&mut app, &db, "8");
    assert!(header(&app).contains("today vs yesterday"), "{}", header(&app));
}

#[test]
fn the_empty_profiler_notes_fit_the_endpoints_level() {
    use fmd_core::store::{NewRequest, WriteBatch};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("levels.db");
    let mut store = fmd_core::Store::open_writer(&path, "").expect("writer");
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant").timestamp_micros();
    let mut requests = Vec::new();
    for (name, level) in [("/a-level-3", 3), ("/b-level-1", 1)] {
        let id = store.ensure_endpoint(name, level, "1.0", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
        requests.push(NewRequest {
            endpoint_id: id,
            duration_ms: 2.0,
            time_micros: at("2026-11-27T22:50:00Z"),
            group_by: "None".into(),
            ip: "10.0.0.1".into(),
            status_code: 200,
        });
    }
    store.write(&WriteBatch { version: "1.0".into(), requests, ..WriteBatch::default() }).expect("write");
    drop(store);
    let app = loaded_app(&path, 120, 30);
    for (name, want) in [
        ("/a-level-3", "no profiled requests yet: level 3 samples every request longer than one sampling period"),
        ("/b-level-1", "no profiled requests: level 3 records them (m sets the level)"),
    ] {
        let mut copy = app.clone();
        let on_first = copy.table.selected().map(|r| r.name.clone()).unwrap_or_default() == name;
        if !on_first {
            drive(&mut copy, &path, "j");
        }
        assert_eq!(copy.table.selected().map(|r| r.name.as_str()), Some(name));
        // Profiler (tab 12), then Grouped (13).
        drive(&mut copy, &path, "\n9\t\t\t");
        assert!(screen(&copy, 120, 30).contains(want), "{name} profiler:\n{}", screen(&copy, 120, 30));
        drive(&mut copy, &path, "\t");
        assert!(screen(&copy, 120, 30).contains(want), "{name} grouped:\n{}", screen(&copy, 120, 30));
    }
}
