//! A custom time window (`fmd tui --from … --to …`): shown first, queried as given, cycled after `all`.

use chrono::{DateTime, Utc};
use fmd_core::store::TimeRange;
use fmd_core::Store;

use super::{drive, fixture_copy, loaded_app, screen};
use crate::nav::Window;
use crate::views::ViewData;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("instant")
}

#[test]
fn a_custom_window_answers_over_its_range_and_joins_the_cycle_after_all() {
    let (_dir, db) = fixture_copy();
    let (from, to) = (at("2026-11-20T00:00:00Z"), at("2026-11-25T12:00:00Z"));
    let mut app = loaded_app(&db, 120, 40);
    app.set_custom_window(Some(from), Some(to));
    drive(&mut app, &db, "5");

    let store = Store::open_reader(&db, None).expect("reader");
    let expected = store.api_performance(TimeRange::new(Some(from), Some(to)), None).expect("direct");
    let all = store.api_performance(TimeRange::ALL, None).expect("all time");
    assert_ne!(expected, all, "the fixture has requests outside the range, so the test tells them apart");
    match app.view().map(|c| &c.data) {
        Some(ViewData::Performance(shown)) => assert_eq!(shown, &expected),
        other => panic!("unexpected view {other:?}"),
    }
    let text = screen(&app, 120, 40);
    assert!(text.contains("11-20→11-25 12:00"), "header names the range:\n{text}");
    assert!(text.contains("2026-11-20 to 2026-11-25 12:00"), "title names the range:\n{text}");

    // `[` goes to the presets and `]` back; the custom range is the last stop.
    drive(&mut app, &db, "[");
    assert_eq!(app.window, Window::All);
    drive(&mut app, &db, "]]");
    assert_eq!(app.window, Window::Custom { from: Some(from), to: Some(to) });
}
