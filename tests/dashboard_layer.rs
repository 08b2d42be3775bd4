//! The dashboard layer as a test client calls it: `fmd_core::dashboard::answer` on FMD's own database gives,
//! byte for byte, what `fmd show VIEW --json` prints, for every view `fmd show` has; and the console's limits
//! give the console's answers (bounded lists, the endpoint's mean beside its outliers).

use std::path::Path;

use chrono::{DateTime, Utc};
use fmd_core::dashboard::{self, Compare, Limits, ViewData, ViewKey, ViewKind, ViewRequest, Window};
use fmd_core::Store;

mod fixture_support;
use fixture_support::{fixture_copy, show, NOW};

fn now() -> DateTime<Utc> {
    NOW.parse().expect("instant")
}

/// `fmd show ARGS --json` as printed.
fn printed(db: &Path, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--json");
    let out = show(db, &all);
    assert!(out.status.success(), "{all:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

/// The layer's answer with `fmd show`'s default limits (`--limit 100 --offset 0 --top 10`), pretty-printed.
fn answered(store: &Store, kind: ViewKind, window: Window, endpoint: Option<i64>) -> String {
    let mut limits = Limits::page(100, 0);
    limits.matrix = 10;
    let data = dashboard::answer(store, &request(kind, window, endpoint, limits)).expect("answer");
    serde_json::to_string_pretty(&data).expect("json") + "\n"
}

fn endpoint_id(store: &Store, name: &str) -> i64 {
    store.endpoint_levels().expect("endpoints").into_iter().find(|e| e.name == name).expect("endpoint").id
}

#[test]
fn fmd_show_prints_the_layers_answer_for_every_view() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    // Let `fmd show` bring the summaries up to date (it does so before answering), then read beside it.
    printed(&db, &["overview"]);
    let store = Store::open_reader(&db, None).expect("open");
    let search = endpoint_id(&store, "search");
    let boom = endpoint_id(&store, "boom");
    let since = Window::Custom { from: Some("2026-11-24T00:00:00Z".parse().expect("instant")), to: None };
    let cases: Vec<(Vec<&str>, ViewKind, Window, Option<i64>)> = vec![
        (vec!["overview"], ViewKind::Overview, Window::All, None),
        (vec!["versions"], ViewKind::DashVersions, Window::All, None),
        (vec!["versions", "--endpoint", "search"], ViewKind::Versions, Window::All, Some(search)),
        (vec!["api-performance", "--from", "2026-11-24T00:00:00Z"], ViewKind::DashPerformance, since, None),
        (vec!["status-codes"], ViewKind::StatusPerEndpoint, Window::All, None),
        (vec!["status-codes", "--endpoint", "search"], ViewKind::Status, Window::All, Some(search)),
        (vec!["endpoint", "--endpoint", "search"], ViewKind::Summary, Window::All, Some(search)),
        (vec!["users", "--endpoint", "search"], ViewKind::UserHits, Window::All, Some(search)),
        (vec!["ips", "--endpoint", "search"], ViewKind::IpHits, Window::All, Some(search)),
        (vec!["user-versions", "--endpoint", "search"], ViewKind::UserVersion, Window::All, Some(search)),
        (vec!["ip-versions", "--endpoint", "search"], ViewKind::IpVersion, Window::All, Some(search)),
        (vec!["requests", "--endpoint", "search"], ViewKind::Requests(Default::default()), Window::All, Some(search)),
        (vec!["graphs"], ViewKind::GraphValues, Window::All, None),
        (vec!["outliers", "--endpoint", "search"], ViewKind::Outliers, Window::All, Some(search)),
        (vec!["profiler", "--endpoint", "search"], ViewKind::Profiler, Window::All, Some(search)),
        (vec!["exceptions", "--endpoint", "boom"], ViewKind::Exceptions, Window::All, Some(boom)),
        (vec!["exceptions"], ViewKind::Exceptions, Window::All, None),
    ];
    for (args, kind, window, endpoint) in cases {
        let (printed, answered) = (printed(&db, &args), answered(&store, kind, window, endpoint));
        assert!(!printed.trim().is_empty(), "fmd show {args:?} printed nothing");
        assert_eq!(printed, answered, "fmd show {args:?}");
    }
    let ViewData::Report(report) = dashboard::answer(
        &store,
        &request(ViewKind::DashReport(Compare::Week), Window::All, None, Limits::page(100, 0)),
    )
    .expect("report") else {
        panic!("the report view answers a report");
    };
    let answered_report = serde_json::to_string_pretty(&report.report.expect("a report")).expect("json") + "\n";
    // Compared as text: the report holds every latency of both sides, too long to print when they differ.
    assert!(printed(&db, &["report", "--preset", "week"]) == answered_report, "fmd show report --preset week");
}

/// `kind` over `window` at the fixture's instant in UTC.
fn request(kind: ViewKind, window: Window, endpoint: Option<i64>, limits: Limits) -> ViewRequest {
    ViewRequest { key: ViewKey { kind, window, endpoint }, now: now(), zone: chrono_tz::UTC, limits, days: None }
}

#[test]
fn the_consoles_limits_bound_lists_and_bring_the_mean_beside_outliers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let store = Store::open_reader(&db, None).expect("open");
    let search = endpoint_id(&store, "search");
    let answer =
        |kind, limits| dashboard::answer(&store, &request(kind, Window::All, Some(search), limits)).expect("answer");
    let ViewData::Outliers(console) = answer(ViewKind::Outliers, Limits::console(0)) else { panic!("outliers") };
    let ViewData::Outliers(page) = answer(ViewKind::Outliers, Limits::page(2, 1)) else { panic!("outliers") };
    assert!(console.total > 3, "the fixture's search endpoint has outliers: {}", console.total);
    assert_eq!(console.rows.len() as u64, console.total, "the console lists up to 500");
    assert!(console.average.is_some_and(|a| a > 0.0), "the mean beside the outliers");
    assert_eq!(page.average, None, "a page of FMD's JSON has no mean");
    assert_eq!(page.rows, console.rows[1..3].to_vec(), "the page after one row");
    let ViewData::Requests(rows) = answer(ViewKind::Requests(Default::default()), Limits::console(7)) else {
        panic!("requests")
    };
    assert_eq!(rows.len(), 7, "paged lists read as many rows as the console scrolls to");
    let err = dashboard::answer(&store, &request(ViewKind::Summary, Window::All, None, Limits::console(0)));
    assert!(matches!(err, Err(dashboard::DashboardError::NeedsEndpoint(ViewKind::Summary))), "{err:?}");
}
