//! The Latency tabs (dashboard `9`, an endpoint's last tab) on FMD's fixture at 120x40 and 40x12: the chart of
//! p50 and p95 per bucket with its axes, the legend line, and the tab opened from the dashboard's.

use crossterm::event::KeyCode;

use super::{drive, fixture_copy, loaded_app, press, screen};
use crate::nav::EndpointTab;

#[test]
fn latency_tabs_at_120x40_and_40x12() {
    let (_dir, db) = fixture_copy();
    for (width, height) in [(120, 40), (40, 12)] {
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, "9");
        let dash = screen(&app, width, height);
        assert!(dash.contains("p95") && dash.contains("per 6 h"), "{dash}");
        insta::assert_snapshot!(format!("latency_dashboard_{width}x{height}"), dash);
        // Enter opens the selected endpoint on its own Latency tab.
        drive(&mut app, &db, "\n");
        assert_eq!(app.endpoint_tab, EndpointTab::Latency);
        insta::assert_snapshot!(format!("latency_endpoint_{width}x{height}"), screen(&app, width, height));
    }
}

#[test]
fn latency_over_30_days_is_drawn_per_day_and_shift_tab_reaches_it_from_summary() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, "\n");
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.endpoint_tab, EndpointTab::Latency);
    drive(&mut app, &db, "]");
    let month = screen(&app, 120, 40);
    assert!(month.contains("per day") && month.contains("last 30 days"), "{month}");
    insta::assert_snapshot!("latency_endpoint_30d_120x40", month);
}
