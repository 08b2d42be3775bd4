//! The Profiler and Grouped tabs: FMD's own profiled requests in the sample file (list, call tree, folding,
//! grouped table, icicle with zoom and search), and a small file written by fmd whose lines have no source
//! text.

use crossterm::event::KeyCode;
use fmd_core::store::{NewRequest, WriteBatch};
use fmd_core::Store;

use super::{drive, fixture_copy, loaded_app, press, screen};
use crate::app::Screen;
use crate::nav::EndpointTab;
use crate::views::ViewKind;

/// Keys from the overview to an endpoint's Profiler tab (filter, open, Requests, three Tabs).
fn to_profiler(name: &str) -> String {
    format!("/{name}\n\n9\t\t\t")
}

/// Keys from the overview to an endpoint's Grouped tab.
fn to_grouped(name: &str) -> String {
    format!("{}\t", to_profiler(name))
}

#[test]
fn profiled_requests_and_their_call_trees() {
    let (_dir, db) = fixture_copy();
    for (width, height) in [(80, 24), (120, 40), (40, 12)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, &to_profiler("report"));
        assert_eq!(app.endpoint_tab, EndpointTab::Profiler);
        insta::assert_snapshot!(format!("profiler_{width}x{height}"), screen(&app, width, height));
        drive(&mut app, &db, "j\n");
        assert!(matches!(app.view_key().map(|k| k.kind), Some(ViewKind::CallTree(_))));
        insta::assert_snapshot!(format!("profiler_tree_{width}x{height}"), screen(&app, width, height));
    }
}

#[test]
fn the_call_tree_folds_with_enter_space_and_arrows_and_esc_goes_back_to_the_list() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, &format!("{}jj", to_profiler("report")));
    let chosen = match app.view().map(|c| &c.data) {
        Some(crate::views::ViewData::Profiler(list)) => list.rows[2].id,
        other => panic!("{other:?}"),
    };
    drive(&mut app, &db, "\n");
    assert_eq!(app.profiler.open, Some(chosen), "Enter opened the selected request");
    let all = app.tree_rows().expect("tree").len();
    assert!(all > 3, "{all} lines");
    // Row 0 is the decorator (a leaf): Enter and space do nothing; row 1 is the def line holding the body.
    drive(&mut app, &db, " ");
    assert_eq!(app.tree_rows().map(|r| r.len()), Some(all));
    drive(&mut app, &db, "j ");
    assert_eq!(app.tree_rows().map(|r| r.len()), Some(2), "the body is folded under the def line");
    insta::assert_snapshot!("profiler_tree_folded_80x24", screen(&app, 80, 24));
    press(&mut app, KeyCode::Right);
    assert_eq!(app.tree_rows().map(|r| r.len()), Some(all), "→ expands");
    press(&mut app, KeyCode::Right);
    assert_eq!(app.tree_line(), Some(2), "→ on an expanded line goes to its first child");
    press(&mut app, KeyCode::Left);
    assert!(app.profiler.collapsed.contains(&2), "← folds a line with children");
    press(&mut app, KeyCode::Left);
    assert_eq!(app.tree_line(), Some(1), "← on a folded line (or a leaf) goes to its parent");
    press(&mut app, KeyCode::Left);
    assert_eq!(app.tree_rows().map(|r| r.len()), Some(2));
    drive(&mut app, &db, "\n");
    let rows = app.tree_rows().map_or(0, |r| r.len());
    assert!(rows > 2 && rows < all, "Enter unfolds the def line; line 2 stays folded ({rows} of {all})");
    assert_eq!(app.profiler.collapsed, std::collections::HashSet::from([2]));
    drive(&mut app, &db, "\x1b");
    assert_eq!((app.profiler.open, app.cursor.row), (None, 2), "back on the list, on the same request");
    assert!(matches!(app.screen, Screen::Endpoint(_)));
    drive(&mut app, &db, "\x1b");
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn grouped_table_ranked_and_in_fmds_order() {
    let (_dir, db) = fixture_copy();
    for (width, height) in [(80, 24), (120, 40), (40, 12)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, &to_grouped("report"));
        assert_eq!(app.endpoint_tab, EndpointTab::Grouped);
        insta::assert_snapshot!(format!("grouped_{width}x{height}"), screen(&app, width, height));
    }
    let mut app = loaded_app(&db, 100, 30);
    drive(&mut app, &db, &format!("{}s", to_grouped("report")));
    assert!(app.profiler.tree_order);
    insta::assert_snapshot!("grouped_fmd_order_100x30", screen(&app, 100, 30));
}

#[test]
fn the_icicle_zooms_resets_and_highlights_matches() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, &format!("{}v", to_grouped("report")));
    assert!(app.on_flame());
    insta::assert_snapshot!("grouped_icicle_80x24", screen(&app, 80, 24));
    let g = app.grouped().expect("grouped").clone();
    let label = |i: Option<usize>| i.and_then(|i| g.lines.get(i)).map(|l| l.label()).unwrap_or_default();
    assert_eq!(label(app.flame_frame()), "@app.route(\"/report\")", "the top-left frame");
    // FMD's `def report():` line is nested inside the decorator line (both have the whole time).
    press(&mut app, KeyCode::Right);
    assert_eq!(label(app.flame_frame()), "@app.route(\"/report\")", "nothing beside it");
    press(&mut app, KeyCode::Down);
    assert_eq!(label(app.flame_frame()), "def report():");
    press(&mut app, KeyCode::Down);
    assert_eq!(label(app.flame_frame()), "result = route_handler(*args, **kwargs)", "the widest child");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(label(app.flame_frame()), "return burn(8)");
    press(&mut app, KeyCode::Up);
    let zoomed = app.flame_frame();
    assert_eq!(label(zoomed), "load_rows(); render()");
    drive(&mut app, &db, "\n");
    assert_eq!(app.profiler.zoom, zoomed);
    let frames = app.flame_frames();
    assert_eq!(frames.first().map(|f| (f.line, f.x, f.width)), zoomed.map(|z| (z, 0, 76)), "full width");
    insta::assert_snapshot!("grouped_icicle_zoomed_80x24", screen(&app, 80, 24));
    drive(&mut app, &db, "/sha256\n");
    assert_eq!((app.profiler.search.as_str(), app.profiler.searching), ("sha256", false));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("2 frames match “sha256”"), "{shown}");
    insta::assert_snapshot!("grouped_icicle_search_80x24", shown);
    drive(&mut app, &db, "n");
    assert_eq!(label(app.flame_frame()), "h = hashlib.sha256(h).digest()", "n selects the first match");
    let first = app.flame_frame();
    drive(&mut app, &db, "n");
    assert!(app.flame_frame() != first && label(app.flame_frame()).contains("sha256"), "then the second");
    drive(&mut app, &db, "n");
    assert_eq!(app.flame_frame(), first, "and wraps");
    drive(&mut app, &db, "\x1b");
    assert_eq!((app.profiler.zoom, app.profiler.frame), (None, zoomed), "Esc resets the zoom, keeps the frame");
    assert_eq!(app.profiler.search, "sha256");
    drive(&mut app, &db, "\x1b");
    assert!(app.profiler.search.is_empty(), "then Esc clears the search");
    assert!(matches!(app.screen, Screen::Endpoint(_)));
    // From the table, Enter zooms into the selected row's frame.
    drive(&mut app, &db, "vjj\n");
    assert!(app.on_flame());
    assert_eq!(label(app.profiler.zoom), "result = route_handler(*args, **kwargs)", "third row, ranked");
    drive(&mut app, &db, "\x1b\x1b");
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn lines_without_source_text_read_as_function_and_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("small.db");
    let mut store = Store::open_writer(&path, "").expect("writer");
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant").timestamp_micros();
    let id = store.ensure_endpoint("/report", 3, "1.0", at("2026-11-01T00:00:00Z")).expect("endpoint").id;
    let request = NewRequest {
        endpoint_id: id,
        duration_ms: 15.2,
        time_micros: at("2026-11-27T22:50:03Z"),
        group_by: "alice".into(),
        ip: "10.0.0.7".into(),
        status_code: 200,
    };
    store
        .write(&WriteBatch { version: "1.0".into(), requests: vec![request], ..WriteBatch::default() })
        .expect("write");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let lines: [(i64, &str, i64, &str, &str, f64); 5] = [
        (0, "src/demo.rs", 88, "demo::report", "", 15.2),
        (1, "src/demo.rs", 95, "demo::load_rows", "", 10.0),
        (2, "src/demo.rs", 61, "demo::checksum", "let sum = rows.iter().sum();", 9.7),
        (1, "src/demo.rs", 97, "demo::render", "", 5.0),
        // A frame the recorder could not symbolize: its address, no file, line 0.
        (2, "", 0, "0x7f3a2c1b9e40", "", 1.0),
    ];
    for (position, (indent, file, line, function, code, ms)) in lines.iter().enumerate() {
        conn.execute(
            "INSERT INTO CodeLine (filename, line_number, function_name, code) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![file, line, function, code],
        )
        .expect("code line");
        conn.execute(
            "INSERT INTO StackLine (request_id, code_id, position, indent, duration) VALUES (1, ?1, ?2, ?3, ?4)",
            rusqlite::params![conn.last_insert_rowid(), position as i64, indent, ms],
        )
        .expect("stack line");
    }
    drop(conn);
    let mut app = loaded_app(&path, 100, 16);
    drive(&mut app, &path, "\n9\t\t\t\n");
    let shown = screen(&app, 100, 16);
    assert!(shown.contains("demo::load_rows (src/demo.rs:95)"), "{shown}");
    assert!(shown.contains("<unknown frame 0x7f3a2c1b9e40>"), "{shown}");
    assert!(!shown.contains(":0)") && !shown.contains("None"), "{shown}");
    insta::assert_snapshot!("small_call_tree_100x16", shown);
    drive(&mut app, &path, "\x1b\tv");
    insta::assert_snapshot!("small_icicle_100x16", screen(&app, 100, 16));
}

/// A character that must never reach a terminal cell: controls and bidi overrides.
fn forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn hostile_stack_lines_never_panic_nor_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.db");
    let mut store = Store::open_writer(&path, "").expect("writer");
    let id = store.ensure_endpoint("/evil", 3, "1.0", 0).expect("endpoint").id;
    let request = |ms: f64, micros: i64| NewRequest {
        endpoint_id: id,
        duration_ms: ms,
        time_micros: micros,
        group_by: "\u{1b}[31mred".into(),
        ip: "10.0.0.7".into(),
        status_code: 200,
    };
    let requests = vec![request(0.0, 1_700_000_000_000_000), request(12.0, 1_700_000_100_000_000)];
    store.write(&WriteBatch { version: "1.0\u{202e}".into(), requests, ..WriteBatch::default() }).expect("write");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let long = "x".repeat(100_000);
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO CodeLine (id, filename, line_number, function_name, code) VALUES \
           (1, 'src/\u{1b}]52;c;AAAA\u{7}.rs', 1, 'f\u{202e}n', 'let a = \"\u{1b}[2J\";'), \
           (2, '{long}', -5, '', ''), (3, x'ff00', 'NaN', 7, x'c3');
         INSERT INTO StackLine (request_id, code_id, position, indent, duration) VALUES \
           (1, 1, 0, 0, 0.0), (1, 2, 1, 1, 'slow'), (1, NULL, 2, 5, x'00'), (1, 3, 3, -2, 1e308), \
           (2, 1, 0, 0, 12.0), (2, 3, 1, 1, 6.0), (2, 2, 2, 2, 6.0), (2, 99, 3, 1, -3.0), (2, 1, 4, 'deep', 1.0);"
    ))
    .expect("hostile rows");
    drop(conn);
    for (width, height) in [(80, 24), (40, 12), (250, 60)] {
        let mut app = loaded_app(&path, width, height);
        for keys in ["\n9\t\t\t", "\n", "j ", "\x1b", "j\n", "\x1b\t", "s", "v", "jl\n", "/\u{1b}x\n", "\x1b\x1b"] {
            drive(&mut app, &path, keys);
            press(&mut app, KeyCode::Right);
            let shown = screen(&app, width, height);
            let bad: Vec<char> = shown.chars().filter(|c| *c != '\n' && forbidden(*c)).collect();
            assert!(bad.is_empty(), "after {keys:?} at {width}x{height}: {bad:?}\n{shown}");
            match keys {
                "\n" | "j\n" => assert!(shown.contains("Call tree") && shown.contains("ms  "), "{shown}"),
                "v" => assert!(shown.contains('▏'), "{shown}"),
                _ => {}
            }
        }
    }
}

#[test]
fn the_call_tree_uses_the_width_and_never_prints_none() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 200, 60);
    // user_detail's newest profiled request.
    drive(&mut app, &db, "\n9\t\t\t\n");
    let shown = screen(&app, 200, 60);
    assert!(shown.contains("Call tree · request #982"), "{shown}");
    // Python FMD's long library paths fit in full beside the code at 200 columns.
    let full = "/tmp/oracle/venv/lib/python3.11/site-packages/flask_monitoringdashboard/core/measurement.py:118";
    assert!(shown.contains(full), "{shown}");
    // The selected line (FMD's endpoint line, whose function is "None") reads without it.
    let footer = shown.lines().find(|l| l.contains("▸ ")).unwrap_or_default();
    assert!(footer.contains("@app.route(\"/users/<int:uid>\") · /work/steering/oracle/app.py:23"), "{footer}");
    assert!(!shown.contains("None"), "{shown}");
}
