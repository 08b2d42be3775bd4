//! The worker and `run` against real files.

use std::time::Duration;

use fmd_core::Store;

use super::{fixture_copy, loaded_app, now, press, type_keys};
use crate::app::Screen;
use crate::query::{Job, Reply, StoreSource, Worker};
use crate::{run, ConsoleError, ConsoleOptions};

const WAIT: Duration = Duration::from_secs(20);

fn level_of(db: &std::path::Path, name: &str) -> Option<u8> {
    let store = Store::open_reader(db, None).expect("reader");
    let rows = store.overview(now(), chrono_tz::UTC).expect("overview");
    rows.into_iter().find(|r| r.name == name).and_then(|r| r.monitor_level)
}

/// Drives jobs through a real worker until it has nothing left, applying replies to the app.
fn pump(app: &mut crate::app::App, worker: &Worker) {
    loop {
        let jobs = app.take_jobs();
        if jobs.is_empty() && !app.busy() {
            return;
        }
        for job in jobs {
            worker.submit(job);
        }
        let reply = worker.recv_timeout(WAIT).expect("worker replies");
        app.apply(reply);
    }
}

#[test]
fn the_worker_answers_overviews_from_its_own_reader() {
    let (_dir, db) = fixture_copy();
    let store = Store::open_reader(&db, None).expect("reader");
    let worker = Worker::spawn(StoreSource::new(store, chrono_tz::UTC)).expect("spawn");
    worker.submit(Job::Overview { seq: 7, now: now() });
    match worker.recv_timeout(WAIT) {
        Some(Reply::Overview { seq: 7, result: Ok(overview), .. }) => {
            assert_eq!(overview.rows.len(), 6);
            assert_eq!(overview.rows[0].name, "user_detail");
            assert_eq!((overview.dropped, overview.failed), (None, 0), "FMD's own file has no recorder table");
        }
        other => panic!("unexpected reply {other:?}"),
    }
    worker.shutdown();
}

#[test]
fn a_level_chosen_in_the_picker_is_written_by_the_worker_and_shown_after_the_refresh() {
    let (_dir, db) = fixture_copy();
    assert_eq!(level_of(&db, "search"), Some(3));
    let mut app = loaded_app(&db, 80, 24);
    let store = Store::open_reader(&db, None).expect("reader");
    let worker = Worker::spawn(StoreSource::new(store, chrono_tz::UTC)).expect("spawn");

    type_keys(&mut app, "jj");
    assert_eq!(app.table.selected().map(|r| r.name.as_str()), Some("search"));
    type_keys(&mut app, "m1");
    press(&mut app, crossterm::event::KeyCode::Enter);
    assert!(app.busy());
    pump(&mut app, &worker);

    assert_eq!(level_of(&db, "search"), Some(1), "written to the file");
    assert_eq!(app.table.selected().map(|r| (r.name.as_str(), r.monitor_level)), Some(("search", Some(1))));
    assert_eq!(app.message.as_ref().map(|m| m.text.as_str()), Some("level of search set to 1"));
    // From the detail screen too.
    press(&mut app, crossterm::event::KeyCode::Enter);
    assert_eq!(app.screen, Screen::Endpoint(3));
    type_keys(&mut app, "m0");
    press(&mut app, crossterm::event::KeyCode::Enter);
    pump(&mut app, &worker);
    assert_eq!(level_of(&db, "search"), Some(0));
    worker.shutdown();
}

#[test]
fn a_failed_level_write_is_reported_and_the_data_stays() {
    let (dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    let store = Store::open_reader(&db, None).expect("reader");
    let worker = Worker::spawn(StoreSource::new(store, chrono_tz::UTC)).expect("spawn");
    worker.submit(Job::SetLevel { name: "no such endpoint".into(), level: 2 });
    let reply = worker.recv_timeout(WAIT).expect("reply");
    app.apply(reply);
    let message = app.message.clone().expect("message");
    assert!(message.error && message.text.contains("no endpoint named"), "{message:?}");
    assert_eq!(app.table.total(), 6);
    super::refresh(&mut app, &db);
    assert_eq!(app.message.as_ref(), Some(&message), "a refresh does not wipe a failed write");
    press(&mut app, crossterm::event::KeyCode::Char('j'));
    assert_eq!(app.message, None, "the next key does");
    drop(dir);
    worker.shutdown();
}

fn options(db: std::path::PathBuf) -> ConsoleOptions {
    options_with(db, None)
}

fn options_with(db: std::path::PathBuf, prefix: Option<&str>) -> ConsoleOptions {
    ConsoleOptions {
        title: db.display().to_string(),
        backend: std::sync::Arc::new(fmd_core::backend::SqliteBackend::new(db, prefix)),
        timezone: chrono_tz::UTC,
        clock: Some(now()),
        refresh: Duration::from_secs(1),
        colors: false,
        window: (None, None),
        outliers: Default::default(),
        mouse: true,
        config: None,
    }
}

#[test]
fn run_reports_a_missing_file_before_touching_the_terminal_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.db");
    let error = run(options(missing.clone())).expect_err("missing file");
    assert!(matches!(error, ConsoleError::Store(_)));
    let text = error.to_string();
    assert!(text.contains("nope.db") && text.contains("no such database file"), "{text}");
    assert!(!text.contains('\n'));
    assert!(!missing.exists());
}

#[test]
fn run_reports_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "this is not sqlite, not even close; it just has to be long enough ....").expect("write");
    let text = run(options(junk)).expect_err("junk").to_string();
    assert!(text.contains("notes.txt") && text.contains("not a SQLite database"), "{text}");
    let (_fixture_dir, fixture) = fixture_copy();
    let text = run(options_with(fixture, Some("fmd"))).expect_err("prefix").to_string();
    assert!(text.contains("demo.db") && text.contains("prefix"), "{text}");
}

#[test]
fn live_rows_reach_every_view_and_the_selection_follows_its_endpoint() {
    use crate::views::ViewData;
    use fmd_core::store::{NewRequest, WriteBatch};

    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 80, 24);
    super::drive(&mut app, &db, "5");
    // Select report (fewer requests than search) on the Performance tab.
    let order = |app: &crate::app::App| app.endpoint_rows().map(|(rows, _)| rows).unwrap_or_default();
    while app.selected_endpoint() != Some(4) {
        press(&mut app, crossterm::event::KeyCode::Char('j'));
    }
    let before = order(&app);
    assert!(before.iter().position(|id| *id == 4) > before.iter().position(|id| *id == 3));

    // A recorder writes 400 requests of report in the last hour: report becomes the busiest.
    let mut writer = Store::open_writer(&db, "").expect("writer");
    let at = (now() - chrono::Duration::minutes(30)).timestamp_micros();
    let requests = (0..400)
        .map(|n| NewRequest {
            endpoint_id: 4,
            duration_ms: 12.0,
            time_micros: at + n,
            group_by: "erin".into(),
            ip: "10.9.9.9".into(),
            status_code: 200,
        })
        .collect();
    writer.write(&WriteBatch { version: "1.2".into(), requests, ..Default::default() }).expect("write");

    app.on_refresh_tick();
    super::settle(&mut app, &db);
    let after = order(&app);
    assert_eq!(after.first(), Some(&4), "re-sorted: report is now the busiest");
    assert_eq!(app.selected_endpoint(), Some(4), "the selection stayed on report");
    let Some(ViewData::Performance(list)) = app.view().map(|c| &c.data) else { panic!("performance data") };
    assert_eq!(list.iter().find(|e| e.id == 4).and_then(|e| e.summary.as_ref()).map(|s| s.count), Some(98 + 400));
    // Frozen, the next tick asks for the view on screen no more, only for the overview (to count what arrives).
    type_keys(&mut app, "f");
    app.on_refresh_tick();
    let jobs = app.take_jobs();
    assert!(matches!(jobs.as_slice(), [crate::query::Job::Overview { .. }]), "{jobs:?}");
}

#[test]
fn an_all_time_view_is_answered_again_without_a_query_until_another_connection_commits() {
    use crate::nav::Window;
    use crate::query::Source;
    use crate::views::{ViewData, ViewKey, ViewKind};

    let (_dir, db) = fixture_copy();
    let mut source = StoreSource::new(Store::open_reader(&db, None).expect("reader"), chrono_tz::UTC);
    let all = ViewKey { kind: ViewKind::Summary, window: Window::All, endpoint: Some(3) };
    let hits = |data: ViewData| match data {
        ViewData::Summary(Some(summary)) => summary.hits,
        other => panic!("unexpected answer {other:?}"),
    };
    let before = hits(source.view(all, now(), 0).expect("first"));
    assert_eq!(source.queries_run(), 1);
    assert_eq!(hits(source.view(all, now(), 0).expect("again")), before);
    assert_eq!(source.queries_run(), 1, "unchanged file: the answer is given again");

    // A window ending now is asked again every time: requests leave it as time passes.
    let week = ViewKey { window: Window::Week, ..all };
    source.view(week, now(), 0).expect("week");
    source.view(week, now(), 0).expect("week again");
    assert_eq!(source.queries_run(), 3);

    // Another connection adds a request of that endpoint: the next answer counts it.
    let conn = rusqlite::Connection::open(&db).expect("writer");
    conn.execute(
        "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
         SELECT endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code FROM Request \
         WHERE endpoint_id = 3 LIMIT 1",
        [],
    )
    .expect("insert");
    assert_eq!(hits(source.view(all, now(), 0).expect("after the write")), before + 1);
    assert_eq!(source.queries_run(), 4);
}
