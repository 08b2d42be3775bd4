//! The router's tests: keys, tabs, windows, popups and worker replies driven on an [`App`] without a terminal.

use chrono::{Timelike, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use fmd_core::store::DeletedRows;

use crate::keys::{Action, Context};
use crate::nav::{Compare, DashTab, EndpointTab, Window};
use crate::query::{Housekeeping, Job, Reply};
use crate::views::ViewKind;

use super::*;
use crate::query::Overview;
use crate::views::ViewKey;
use crossterm::event::KeyModifiers;
use fmd_core::store::OverviewRow;

fn row(id: i64, name: &str, total: u64) -> OverviewRow {
    OverviewRow {
        id,
        name: name.to_string(),
        monitor_level: Some(3),
        hits_today: 0,
        hits_today_errors: 0,
        hits_week: 0,
        hits_week_errors: 0,
        hits_overall: total,
        hits_overall_errors: 0,
        median_today: None,
        median_week: None,
        median_overall: Some(1.0),
        last_requested: None,
        ..OverviewRow::default()
    }
}

fn app() -> App {
    let mut app = App::new("demo.db".into(), chrono_tz::UTC, Some(Utc::now()), false);
    app.resize(80, 24);
    app.request_overview();
    let jobs = app.take_jobs();
    let Some(Job::Overview { seq, now }) = jobs.first().cloned() else { panic!("{jobs:?}") };
    let rows = vec![row(1, "index", 30), row(2, "search", 20), row(3, "upload", 10)];
    app.apply(Reply::Overview {
        seq,
        now,
        result: Ok(Overview {
            rows,
            dropped: Some(0),
            failed: 0,
            trends: Default::default(),
            exceptions: Default::default(),
        }),
    });
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn selected(app: &App) -> Option<&str> {
    app.table.selected().map(|r| r.name.as_str())
}

#[test]
fn keys_move_open_and_go_back() {
    let mut app = app();
    assert!(!app.busy());
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(selected(&app), Some("search"));
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(selected(&app), Some("upload"));
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(selected(&app), Some("index"));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Endpoint(2));
    assert_eq!(app.context(), Context::Endpoint);
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.screen, Screen::Endpoint(2), "j does not leave the endpoint");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn filter_is_typed_live_kept_with_enter_and_cleared_with_esc() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.context(), Context::Filter);
    for c in "ar".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    assert_eq!(app.table.len(), 1);
    assert_eq!(selected(&app), Some("search"));
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.quit, "q is text while filtering");
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.filter(), "ar");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Dashboard);
    assert_eq!(app.filter(), "ar");
    assert!(app.available(Action::FilterClear));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.filter(), "");
    assert_eq!(app.table.len(), 3);
    assert_eq!(selected(&app), Some("search"), "selection kept through the filter");
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Char('x'));
    key(&mut app, KeyCode::Esc);
    assert_eq!((app.filter(), app.filter_editing), ("", false));
}

#[test]
fn level_picker_writes_through_a_job_and_refreshes_after() {
    let mut app = app();
    key(&mut app, KeyCode::Char('m'));
    assert!(matches!(app.popup, Some(Popup::LevelPicker { id: 1, choice: 3, .. })));
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('9'));
    assert!(matches!(app.popup, Some(Popup::LevelPicker { choice: 1, .. })));
    key(&mut app, KeyCode::Char('0'));
    key(&mut app, KeyCode::Up);
    assert!(matches!(app.popup, Some(Popup::LevelPicker { choice: 0, .. })));
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.popup, None);
    assert_eq!(app.take_jobs(), vec![Job::SetLevel { name: "index".into(), level: 2 }]);
    assert!(app.busy());
    app.apply(Reply::LevelSet { name: "index".into(), level: 2, result: Ok(()) });
    assert!(matches!(app.take_jobs().as_slice(), [Job::Overview { .. }]), "refreshes after writing");
    assert_eq!(app.message.as_ref().map(|m| m.text.as_str()), Some("level of index set to 2"));
    // Esc closes the picker without writing; q still quits from it.
    key(&mut app, KeyCode::Char('m'));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.popup, None);
    assert!(app.take_jobs().is_empty());
}

#[test]
fn freeze_stops_the_live_refresh_and_errors_keep_old_data() {
    let mut app = app();
    app.on_refresh_tick();
    assert_eq!(app.take_jobs().len(), 1);
    key(&mut app, KeyCode::Char('f'));
    assert!(app.frozen);
    app.on_refresh_tick();
    let counting = app.take_jobs();
    let Some(Job::Overview { seq, now }) = counting.first().cloned() else { panic!("{counting:?}") };
    assert_eq!(counting.len(), 1, "frozen, only the overview is asked for (to count what arrives)");
    let more = Overview {
        rows: vec![row(1, "index", 35), row(2, "search", 20), row(3, "upload", 10)],
        dropped: Some(0),
        failed: 0,
        trends: Default::default(),
        exceptions: Default::default(),
    };
    app.apply(Reply::Overview { seq, now, result: Ok(more) });
    assert_eq!(app.table.row(1).map(|r| r.hits_overall), Some(30), "the screen keeps its data");
    assert_eq!(app.activity.new_since_freeze(), Some(5));
    key(&mut app, KeyCode::Char('r'));
    let jobs = app.take_jobs();
    let Some(Job::Overview { seq, now }) = jobs.first().cloned() else { panic!("{jobs:?}") };
    app.on_spinner_tick();
    assert_eq!(app.spinner, 1);
    app.apply(Reply::Overview { seq, now, result: Err("x.db: disk I/O error".into()) });
    assert!(!app.busy());
    assert_eq!(app.spinner, 0);
    assert_eq!(app.table.len(), 3, "previous result stays");
    assert!(app.message.as_ref().is_some_and(|m| m.error));
    key(&mut app, KeyCode::Char('f'));
    assert!(!app.frozen);
    assert_eq!(app.take_jobs().len(), 1, "resuming refreshes at once");
}

#[test]
fn an_older_reply_does_not_end_the_busy_state() {
    let mut app = app();
    app.request_overview();
    app.request_overview();
    let jobs = app.take_jobs();
    let Some(Job::Overview { seq, now }) = jobs.first().cloned() else { panic!("{jobs:?}") };
    app.apply(Reply::Overview {
        seq,
        now,
        result: Ok(Overview {
            rows: vec![],
            dropped: Some(5),
            failed: 0,
            trends: Default::default(),
            exceptions: Default::default(),
        }),
    });
    assert!(app.busy(), "the newer request is still out");
    assert_eq!(app.dropped, Some(5));
}

#[test]
fn help_toggles_and_escape_closes_popups_first() {
    let mut app = app();
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.context(), Context::Help);
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.popup, Some(Popup::Help { scroll: 1 }));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.popup, None);
    assert_eq!(app.screen, Screen::Endpoint(1), "Esc closed the popup, not the screen");
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.popup, None);
    app.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);
}

#[test]
fn esc_and_a_key_read_together_as_alt_key_are_both_done() {
    let mut app = app();
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Endpoint(1));
    app.handle_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT));
    assert_eq!(app.screen, Screen::Dashboard, "Esc went back");
    assert!(app.quit, "then q quit");
}

fn view_jobs(app: &mut App) -> Vec<ViewKey> {
    app.take_jobs()
        .into_iter()
        .filter_map(|job| match job {
            Job::View { key, .. } => Some(key),
            _ => None,
        })
        .collect()
}

/// Answers the app's pending view job with `data`.
fn answer(app: &mut App, data: crate::views::ViewData) {
    let jobs = app.take_jobs();
    for job in jobs {
        if let Job::View { seq, key, now, limit } = job {
            app.apply(Reply::View { seq, key, now, limit, result: Ok(data.clone()) });
        }
    }
}

fn performance(ids: &[(i64, &str)]) -> crate::views::ViewData {
    crate::views::ViewData::Performance(
        ids.iter()
            .map(|(id, name)| fmd_core::store::views::EndpointPerformance {
                id: *id,
                name: name.to_string(),
                summary: None,
            })
            .collect(),
    )
}

#[test]
fn tabs_cycle_jump_and_ask_for_their_data() {
    let mut app = app();
    assert_eq!(app.view_key(), None, "the overview has its own query");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.dash_tab, DashTab::Hourly);
    assert_eq!(view_jobs(&mut app).iter().map(|k| k.kind).collect::<Vec<_>>(), [ViewKind::DashHourly]);
    assert!(app.busy());
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.dash_tab, DashTab::Latency, "wraps around");
    assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::DashLatency));
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.dash_tab, DashTab::Report);
    assert_eq!(
        view_jobs(&mut app).last().map(|k| (k.kind, k.window)),
        Some((ViewKind::DashReport(Compare::Day), Window::Week))
    );
    key(&mut app, KeyCode::Char('5'));
    assert_eq!(app.dash_tab, DashTab::Performance);
    key(&mut app, KeyCode::Char('0'));
    assert_eq!(app.dash_tab, DashTab::Performance, "no tab 0");
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.screen, app.endpoint_tab), (Screen::Endpoint(1), EndpointTab::Summary));
    key(&mut app, KeyCode::Char('9'));
    assert_eq!(app.endpoint_tab, EndpointTab::Requests);
    let keys = view_jobs(&mut app);
    assert_eq!(keys.last().map(|k| (k.kind, k.endpoint)), Some((ViewKind::Requests(Default::default()), Some(1))));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.endpoint_tab, EndpointTab::Outliers, "tabs 10 to 13 are reached with Tab");
    let keys = view_jobs(&mut app);
    assert_eq!(
        keys.last().map(|k| (k.kind, k.window)),
        Some((ViewKind::Outliers, Window::Week)),
        "all time: the window does not apply"
    );
    assert!(!app.available(Action::WindowLonger));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.endpoint_tab, EndpointTab::Exceptions);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.endpoint_tab, EndpointTab::Profiler);
    assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::Profiler));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.endpoint_tab, EndpointTab::Grouped);
    assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::Grouped));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.endpoint_tab, EndpointTab::Latency);
    assert_eq!(view_jobs(&mut app).last().map(|k| (k.kind, k.endpoint)), Some((ViewKind::Latency, Some(1))));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.endpoint_tab, EndpointTab::Summary);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.endpoint_tab, EndpointTab::Latency, "and with Shift-Tab");
    key(&mut app, KeyCode::Esc);
    assert_eq!((app.screen, app.dash_tab), (Screen::Dashboard, DashTab::Overview));
}

#[test]
fn housekeeping_asks_first_and_ignores_late_previews() {
    let mut app = app();
    let delete = Housekeeping::DeleteEndpoint { name: "index".into() };
    key(&mut app, KeyCode::Char('D'));
    assert_eq!(app.take_jobs(), vec![Job::Preview(delete.clone())]);
    assert_eq!(app.context(), Context::Confirm);
    assert!(!app.available(Action::Confirm), "nothing to confirm before the counts arrive");
    key(&mut app, KeyCode::Char('y'));
    assert!(app.take_jobs().is_empty());
    let rows = DeletedRows { requests: 30, outliers: 2, ..DeletedRows::default() };
    app.apply(Reply::Previewed { op: delete.clone(), result: Ok(rows) });
    assert!(app.available(Action::Confirm));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(app.popup, None);
    assert_eq!(app.take_jobs(), vec![Job::Apply(delete.clone())]);
    app.apply(Reply::Applied { op: delete.clone(), result: Ok("deleted endpoint index".into()) });
    let refreshed = app.take_jobs();
    assert!(matches!(refreshed.as_slice(), [Job::Overview { .. }]), "{refreshed:?}");
    // A preview that arrives after the popup was closed changes nothing.
    key(&mut app, KeyCode::Char('D'));
    key(&mut app, KeyCode::Esc);
    app.apply(Reply::Previewed { op: delete, result: Ok(rows) });
    assert_eq!(app.popup, None);
    // Only on the overview.
    app.take_jobs();
    key(&mut app, KeyCode::Char('2'));
    app.take_jobs();
    for c in ['D', 'M', 'P'] {
        key(&mut app, KeyCode::Char(c));
        assert_eq!(app.popup, None, "{c} on the Hourly tab");
    }
    assert!(app.take_jobs().is_empty());
}

#[test]
fn merge_and_prune_pickers_lead_to_a_preview() {
    let mut app = app();
    key(&mut app, KeyCode::Char('M'));
    assert!(matches!(&app.popup, Some(Popup::MergePicker { from, choices, choice: 0 })
        if from == "index" && choices == &["search".to_string(), "upload".to_string()]));
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Enter);
    let merge = Housekeeping::MergeEndpoints { from: "index".into(), into: "upload".into() };
    assert_eq!(app.take_jobs(), vec![Job::Preview(merge)]);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.popup, None);
    key(&mut app, KeyCode::Char('P'));
    assert_eq!(app.popup, Some(Popup::PrunePicker { choice: 1, keep_graphs: false }), "90 days by default");
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.popup, Some(Popup::PrunePicker { choice: 2, keep_graphs: true }));
    key(&mut app, KeyCode::Enter);
    let cutoff = app.now() - chrono::Duration::days(180);
    let prune = Housekeeping::Prune { age: "180 days", cutoff, keep_custom_graphs: true };
    assert_eq!(app.take_jobs(), vec![Job::Preview(prune.clone())]);
    // Nothing that old: y has nothing to do.
    app.apply(Reply::Previewed { op: prune, result: Ok(DeletedRows::default()) });
    assert!(!app.available(Action::Confirm));
    key(&mut app, KeyCode::Char('y'));
    assert!(app.take_jobs().is_empty());
}

#[test]
fn the_report_compares_what_c_chooses_and_ignores_the_window() {
    let mut app = app();
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(app.compare, Compare::Day, "c does nothing outside the report");
    key(&mut app, KeyCode::Char('8'));
    assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::DashReport(Compare::Day)));
    assert!(!app.available(Action::WindowLonger) && app.available(Action::Compare));
    key(&mut app, KeyCode::Char(']'));
    assert!(view_jobs(&mut app).is_empty(), "no window on the report");
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(view_jobs(&mut app).last().map(|k| k.kind), Some(ViewKind::DashReport(Compare::Week)));
    // A fresh report is not recomputed by the live refresh, only by `r`.
    let report = fmd_core::dashboard::ReportView { label: String::new(), note: None, rows: Vec::new(), report: None };
    let shown = app.view_key().expect("the report's key");
    let computed = app.now();
    app.views.insert(shown, computed, 0, crate::views::ViewData::Report(report));
    app.on_refresh_tick();
    assert!(view_jobs(&mut app).is_empty());
    key(&mut app, KeyCode::Char('r'));
    assert_eq!(view_jobs(&mut app).len(), 1);
}

#[test]
fn the_window_changes_the_query_and_the_cache_answers_at_once() {
    let mut app = app();
    key(&mut app, KeyCode::Char('5'));
    answer(&mut app, performance(&[(1, "index"), (2, "search")]));
    assert!(!app.busy());
    key(&mut app, KeyCode::Char(']'));
    assert_eq!(app.window, Window::Month);
    let keys = view_jobs(&mut app);
    assert_eq!(keys.iter().map(|k| k.window).collect::<Vec<_>>(), [Window::Month]);
    let shown = app.view().map(|c| c.key.window);
    assert_eq!(shown, Some(Window::Week), "the 7-day answer stays on screen while 30 days load");
    key(&mut app, KeyCode::Char('['));
    assert_eq!(app.view().map(|c| c.key.window), Some(Window::Week), "back: the cached answer");
    // Frozen, a cached answer is shown without a query; an uncached one is still fetched.
    key(&mut app, KeyCode::Char('f'));
    app.take_jobs();
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(view_jobs(&mut app).len(), 1, "Status was not cached, Performance was");
    assert!(!app.busy());
}

fn hourly(days: usize) -> crate::views::ViewData {
    crate::views::ViewData::Hourly(fmd_core::store::views::HourlyLoad {
        days: (0..days).map(|d| format!("2026-11-{:02}", 20 + d)).collect(),
        data: vec![vec![1; days]; 24],
    })
}

#[test]
fn the_heatmap_cursor_starts_at_the_current_hour_and_stays_on_the_grid() {
    let mut app = app();
    let hour = app.now().hour() as usize;
    key(&mut app, KeyCode::Char('2'));
    answer(&mut app, hourly(7));
    assert!(app.on_heatmap());
    assert_eq!((app.cursor.row, app.cursor.col), (0, hour));
    for _ in 0..30 {
        key(&mut app, KeyCode::Right);
    }
    assert_eq!(app.cursor.col, 23);
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Char('G'));
    assert_eq!((app.cursor.row, app.cursor.col), (6, 22));
    key(&mut app, KeyCode::Down);
    assert_eq!(app.cursor.row, 6, "no day below the oldest");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.cursor.row, 5);
    assert!(app.available(Action::Left) && !app.available(Action::LogScale) && !app.available(Action::Open));
    // A new window keeps the hour and goes back to the newest day.
    key(&mut app, KeyCode::Char(']'));
    assert_eq!((app.cursor.row, app.cursor.col), (0, 22));
}

#[test]
fn scrolling_near_the_end_of_a_paged_list_asks_for_more_rows() {
    let mut app = app();
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('9'));
    let rows = |n: usize| crate::views::ViewData::Requests(crate::tests::request_rows(0..n as i64));
    let jobs = app.take_jobs();
    let Some(Job::View { seq, key: view, now, limit }) = jobs.last().cloned() else { panic!("{jobs:?}") };
    assert_eq!(limit, PAGE_ROWS);
    app.apply(Reply::View { seq, key: view, now, limit, result: Ok(rows(PAGE_ROWS)) });
    key(&mut app, KeyCode::Char('j'));
    assert!(app.take_jobs().is_empty(), "far from the end");
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.cursor.row, PAGE_ROWS - 1);
    let jobs = app.take_jobs();
    assert!(matches!(jobs.as_slice(), [Job::View { limit, .. }] if *limit > PAGE_ROWS), "{jobs:?}");
    // A list shorter than asked for is complete: no more queries.
    app.views.insert(view, now, limit, rows(10));
    app.cursor.row = 0;
    key(&mut app, KeyCode::Char('G'));
    assert!(app.take_jobs().is_empty());
}

#[test]
fn performance_rows_move_the_shared_selection_and_follow_it_through_re_sorts() {
    let mut app = app();
    key(&mut app, KeyCode::Char('5'));
    answer(&mut app, performance(&[(2, "search"), (1, "index"), (3, "upload")]));
    assert_eq!(app.endpoint_rows(), Some((vec![2, 1, 3], 1)), "index is selected on the overview");
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.table.selected_id(), Some(3));
    // A refresh re-sorts the rows: the selection stays on upload.
    app.request_view();
    answer(&mut app, performance(&[(3, "upload"), (2, "search"), (1, "index")]));
    assert_eq!(app.endpoint_rows(), Some((vec![3, 2, 1], 0)));
    assert!(app.available(Action::LogScale));
    key(&mut app, KeyCode::Char('l'));
    assert!(app.log_scale);
    // The filter applies here too.
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Char('a'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.endpoint_rows(), Some((vec![2], 0)));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Endpoint(2));
    assert_eq!(app.table.selected_id(), Some(2));
    key(&mut app, KeyCode::Char('m'));
    assert!(matches!(app.popup, Some(Popup::LevelPicker { id: 2, .. })), "m works on an endpoint screen");
}
