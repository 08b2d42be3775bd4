//! The Graphs and Report tabs and the housekeeping popups (delete, merge, prune), drawn from copies of the
//! fixture (custom graphs and old requests added to the copy, never to the fixture).

use std::path::{Path, PathBuf};

use chrono::Duration;
use crossterm::event::KeyCode;
use fmd_core::Store;

use super::{drive, fixture_copy, loaded_app, now, press, screen};
use crate::app::Popup;
use crate::nav::{Compare, DashTab};
use crate::query::Housekeeping;
use crate::views::ViewData;

/// The fixture copy with two custom graphs: "process RSS MB" every 10 minutes for 8 days and "queue length" every
/// 5 minutes for the last 2 days, added on fixed dates; plus one RSS value 120 days old.
fn with_graphs() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = fixture_copy();
    let store = Store::open_editor(&db, None).expect("editor");
    let rss = store.ensure_graph("process RSS MB", "1.1").expect("graph");
    let queue = store.ensure_graph("queue length", "1.1").expect("graph");
    store
        .connection()
        .execute_batch(
            "UPDATE CustomGraph SET time_added = '2026-11-19 08:00:00.000000'; \
             UPDATE CustomGraph SET version_added = '1.0' WHERE title = 'process RSS MB';",
        )
        .expect("fixed dates");
    store.add_graph_value(rss, now() - Duration::days(120), 40.0).expect("old value");
    let start = now() - Duration::days(8);
    for i in 0..(8 * 144) {
        let t = start + Duration::minutes(10 * i);
        let value = 48.0 + 6.0 * (i as f64 / 25.0).sin() + (i % 7) as f64 * 0.3 + i as f64 * 0.004;
        store.add_graph_value(rss, t, (value * 10.0).round() / 10.0).expect("value");
    }
    let start = now() - Duration::days(2);
    for i in 0..(2 * 288) {
        let t = start + Duration::minutes(5 * i);
        store.add_graph_value(queue, t, ((i * 37) % 11 + (i / 48) % 5) as f64).expect("value");
    }
    drop(store);
    (dir, db)
}

/// The fixture copy with 12 requests of `index` from August (older than 90 days at the pinned clock).
pub(super) fn with_old_requests() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = with_graphs();
    let conn = rusqlite::Connection::open(&db).expect("open");
    for i in 0..12 {
        conn.execute(
            "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
             SELECT id, 1.5, ?1, '0.9', 'None', '10.0.0.9', 200 FROM Endpoint WHERE name = 'index'",
            [format!("2026-08-{:02} 12:00:00.000000", i + 1)],
        )
        .expect("old request");
    }
    (dir, db)
}

pub(super) fn count(db: &Path, sql: &str) -> i64 {
    let store = Store::open_reader(db, None).expect("reader");
    store.connection().query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn graphs_at_80x24_120x40_and_40x12() {
    let (_dir, db) = with_graphs();
    for (width, height) in [(80, 24), (120, 40), (40, 12)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, "7");
        assert_eq!(app.dash_tab, DashTab::Graphs);
        insta::assert_snapshot!(format!("graphs_{width}x{height}"), screen(&app, width, height));
    }
    // The second graph, over the last 24 hours; then all time (the old value stretches the axis).
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, "7j[");
    insta::assert_snapshot!("graphs_second_24h_80x24", screen(&app, 80, 24));
    drive(&mut app, &db, "k]]]");
    let Some(ViewData::Graphs(graphs)) = app.view().map(|c| &c.data) else { panic!("graphs") };
    assert_eq!(graphs[0].count, 8 * 144 + 1, "all time includes the old value");
    assert_eq!(graphs[0].from, now() - Duration::days(120));
}

#[test]
fn graphs_tab_without_graphs() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 12);
    drive(&mut app, &db, "7");
    insta::assert_snapshot!("graphs_none_80x12", screen(&app, 80, 12));
}

#[test]
fn report_at_80x24_120x40_and_40x12() {
    let (_dir, db) = fixture_copy();
    for (width, height) in [(80, 24), (120, 40), (40, 12)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, "8");
        assert_eq!(app.dash_tab, DashTab::Report);
        insta::assert_snapshot!(format!("report_{width}x{height}"), screen(&app, width, height));
    }
}

#[test]
fn report_compares_weeks_months_and_versions_and_opens_endpoints() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 100, 24);
    drive(&mut app, &db, "8c");
    assert_eq!(app.compare, Compare::Week);
    insta::assert_snapshot!("report_week_100x24", screen(&app, 100, 24));
    drive(&mut app, &db, "cc");
    assert_eq!(app.compare, Compare::Versions);
    insta::assert_snapshot!("report_versions_100x24", screen(&app, 100, 24));
    // Month: October holds no requests, so nothing can be significant.
    drive(&mut app, &db, "ccc");
    assert_eq!(app.compare, Compare::Month);
    let Some(ViewData::Report(report)) = app.view().map(|c| &c.data) else { panic!("report") };
    assert!(report.rows.iter().all(|r| !r.significant && r.n_before == 0));
    // j moves the shared selection; Enter opens the endpoint under it.
    drive(&mut app, &db, "j\n");
    let second = report_row_id(&db, 1);
    assert_eq!(app.screen, crate::app::Screen::Endpoint(second));
}

/// The id of the report's row `i` (month comparison: the report's busiest-first order).
fn report_row_id(db: &Path, i: usize) -> i64 {
    let mut app = loaded_app(db, 80, 24);
    drive(&mut app, db, "8ccc");
    let Some(ViewData::Report(report)) = app.view().map(|c| &c.data) else { panic!("report") };
    report.rows[i].endpoint_id
}

#[test]
fn deleting_an_endpoint_shows_what_goes_then_deletes_it() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, "jD");
    insta::assert_snapshot!("confirm_delete_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("confirm_delete_40x12", {
        let mut small = app.clone();
        small.resize(40, 12);
        screen(&small, 40, 12)
    });
    let name = match &app.popup {
        Some(Popup::Confirm { op: Housekeeping::DeleteEndpoint { name }, preview: Some(Ok(rows)) }) => {
            assert!(rows.requests > 0);
            name.clone()
        }
        other => panic!("{other:?}"),
    };
    let before = count(&db, "SELECT count(*) FROM Endpoint");
    // n keeps everything.
    drive(&mut app, &db, "n");
    assert_eq!(app.popup, None);
    assert_eq!(count(&db, "SELECT count(*) FROM Endpoint"), before);
    // y deletes, in the worker, and the overview refreshes.
    drive(&mut app, &db, "Dy");
    assert_eq!(count(&db, "SELECT count(*) FROM Endpoint"), before - 1);
    assert!(app.table.all_rows().iter().all(|r| r.name != name), "refreshed");
    assert!(app.message.as_ref().is_some_and(|m| m.text.starts_with(&format!("deleted endpoint {name} with"))));
    insta::assert_snapshot!("after_delete_80x24", screen(&app, 80, 24));
}

#[test]
fn merging_picks_a_target_shows_the_move_then_merges() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, "GM");
    insta::assert_snapshot!("merge_picker_80x24", screen(&app, 80, 24));
    drive(&mut app, &db, "j\n");
    insta::assert_snapshot!("confirm_merge_80x24", screen(&app, 80, 24));
    let Some(Popup::Confirm { op: Housekeeping::MergeEndpoints { from, into }, preview: Some(Ok(rows)) }) =
        app.popup.clone()
    else {
        panic!("{:?}", app.popup)
    };
    let moved = rows.requests as i64;
    let into_before = count(
        &db,
        &format!("SELECT count(*) FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name = '{into}'"),
    );
    drive(&mut app, &db, "y");
    let into_after = count(
        &db,
        &format!("SELECT count(*) FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id WHERE e.name = '{into}'"),
    );
    assert_eq!(into_after, into_before + moved);
    assert_eq!(count(&db, &format!("SELECT count(*) FROM Endpoint WHERE name = '{from}'")), 0);
    // Esc closes the picker without doing anything.
    drive(&mut app, &db, "M\x1b");
    assert_eq!(app.popup, None);
}

#[test]
fn pruning_asks_for_an_age_shows_the_counts_then_prunes() {
    let (_dir, db) = with_old_requests();
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, "P");
    insta::assert_snapshot!("prune_picker_80x24", screen(&app, 80, 24));
    drive(&mut app, &db, "\n");
    insta::assert_snapshot!("confirm_prune_80x24", screen(&app, 80, 24));
    let Some(Popup::Confirm { preview: Some(Ok(rows)), .. }) = &app.popup else { panic!("{:?}", app.popup) };
    assert_eq!((rows.requests, rows.custom_graph_data), (12, 1));
    // Keeping graph data: only the requests go.
    drive(&mut app, &db, "\x1bPc\n");
    let Some(Popup::Confirm { preview: Some(Ok(rows)), .. }) = &app.popup else { panic!("{:?}", app.popup) };
    assert_eq!((rows.requests, rows.custom_graph_data), (12, 0));
    drive(&mut app, &db, "y");
    assert_eq!(count(&db, "SELECT count(*) FROM Request WHERE time_requested < '2026-09-01'"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM CustomGraphData WHERE time < '2026-10-01'"), 1, "kept");
    assert!(app.message.as_ref().is_some_and(|m| m.text == "pruned 12 requests older than 90 days (12 rows in all)"));
    // A year: nothing is that old any more, and y does nothing.
    drive(&mut app, &db, "P4\n");
    insta::assert_snapshot!("confirm_prune_nothing_60x16", {
        let mut small = app.clone();
        small.resize(60, 16);
        screen(&small, 60, 16)
    });
    press(&mut app, KeyCode::Char('y'));
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })), "nothing to confirm");
    assert!(app.take_jobs().is_empty());
}

#[test]
fn no_size_panics_on_the_new_screens_and_popups() {
    let (_dir, db) = with_old_requests();
    let widths = [0u16, 1, 5, 12, 29, 30, 31, 39, 40, 41, 63, 64, 65, 79, 80, 133, 250];
    let heights = [0u16, 1, 2, 5, 7, 8, 9, 11, 12, 13, 20, 40, 133];
    for keys in ["7", "7j", "7]]]", "8", "8ccc", "8cccG", "D", "M", "MG", "P", "P4\n", "P\n"] {
        let mut app = loaded_app(&db, 80, 24);
        drive(&mut app, &db, keys);
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

/// The chart's plot rows (between the top of the y axis and the x axis line) of the screen `text`.
fn plot_rows(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(axis) = lines.iter().position(|l| l.contains('└')) else { panic!("no x axis:\n{text}") };
    let column = lines[axis].chars().position(|c| c == '└').unwrap_or(0);
    let mut rows = Vec::new();
    for line in lines[..axis].iter().rev() {
        let chars: Vec<char> = line.chars().collect();
        if chars.get(column) != Some(&'│') {
            break;
        }
        rows.push(chars[column + 1..].iter().collect::<String>());
    }
    rows.reverse();
    rows
}

#[test]
fn the_line_reaches_the_values_minimum_and_maximum() {
    // Values alternating 10 and 30 every minute: every bucket's mean is 20, its extremes 10 and 30.
    let (_dir, db) = fixture_copy();
    let store = Store::open_editor(&db, None).expect("editor");
    let graph = store.ensure_graph("alternating", "1.1").expect("graph");
    store.connection().execute_batch("BEGIN").expect("begin");
    for i in 0..(2 * 24 * 60) {
        let t = now() - Duration::days(2) + Duration::minutes(i);
        store.add_graph_value(graph, t, if i % 2 == 0 { 10.0 } else { 30.0 }).expect("value");
    }
    store.connection().execute_batch("COMMIT").expect("commit");
    drop(store);
    let mut app = loaded_app(&db, 80, 24);
    drive(&mut app, &db, "7");
    let text = screen(&app, 80, 24);
    assert!(text.contains("min 10 · max 30"), "{text}");
    let rows = plot_rows(&text);
    assert!(rows.len() >= 8, "{text}");
    let dots = |row: &String| row.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c));
    assert!(dots(&rows[0]), "the line reaches the top row (max 30):\n{text}");
    assert!(dots(&rows[rows.len() - 1]), "the line reaches the bottom row (min 10):\n{text}");
}
