//! The console's own query latency per tab on a large file (not run by default):
//!
//! ```text
//! FMD_TIMING_DB=/tmp/gen10m.db FMD_TIMING_NOW=2026-11-27T22:56:55Z \
//!   cargo test -p fmd-tui --release -- --ignored console_latency --nocapture
//! ```
//!
//! Prints, per dashboard tab, window and (for endpoint tabs) the busiest endpoint, the best and worst of
//! `FMD_TIMING_RUNS` (default 3) runs of the worker's own query (the `Source` the console uses), after one
//! overview (which brings the summaries up to date). With `FMD_TIMING_COLD=1` every run first forgets what a
//! file nobody changed lets the console skip (kept answers, the summaries' consistency checks): the cost of a
//! view right after the file changed. `FMD_TIMING_ONLY=Ips` times only the views whose name contains it.

use std::time::Instant;

use chrono::{DateTime, Utc};
use fmd_core::Store;

use crate::nav::{Compare, Window};
use crate::query::{Source, StoreSource};
use crate::views::{ViewKey, ViewKind};

/// Best and worst of `runs` runs of `f` in ms; when `cold`, each run first makes `source` forget what an
/// unchanged file lets it skip (not timed).
fn time<T>(runs: usize, cold: bool, source: &mut StoreSource, mut f: impl FnMut(&mut StoreSource) -> T) -> (f64, f64) {
    let mut all: Vec<f64> = (0..runs)
        .map(|_| {
            if cold {
                source.forget();
            }
            let start = Instant::now();
            let _ = f(source);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    all.sort_by(f64::total_cmp);
    (all.first().copied().unwrap_or(0.0), all.last().copied().unwrap_or(0.0))
}

#[test]
#[ignore = "needs FMD_TIMING_DB (a large generated file); prints timings"]
fn console_latency() {
    let Ok(db) = std::env::var("FMD_TIMING_DB") else { return };
    let now: DateTime<Utc> = std::env::var("FMD_TIMING_NOW").ok().and_then(|t| t.parse().ok()).unwrap_or_else(Utc::now);
    let runs: usize = std::env::var("FMD_TIMING_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let cold = std::env::var("FMD_TIMING_COLD").is_ok_and(|v| v == "1");
    let only = std::env::var("FMD_TIMING_ONLY").unwrap_or_default();
    let wanted = |name: &str| name.contains(only.as_str());
    let store = Store::open_reader(std::path::Path::new(&db), None).expect("open");
    let mut source = StoreSource::new(store, chrono_tz::UTC);
    let overview = source.overview(now).expect("overview");
    let busiest = overview.rows.iter().max_by_key(|r| r.hits_overall).map(|r| r.id);
    let (lo, hi) = time(runs, cold, &mut source, |s| s.overview(now));
    println!("{:<28} {:>5} {:>9.1} {:>9.1}", "overview", "-", lo, hi);
    let dash = [
        ViewKind::DashHourly,
        ViewKind::DashDaily,
        ViewKind::DashVersions,
        ViewKind::DashPerformance,
        ViewKind::DashStatus,
        ViewKind::DashGraphs,
        ViewKind::DashLatency,
    ];
    let endpoint = [
        ViewKind::Summary,
        ViewKind::Hourly,
        ViewKind::Versions,
        ViewKind::Users,
        ViewKind::Ips,
        ViewKind::UserVersion,
        ViewKind::IpVersion,
        ViewKind::Status,
        ViewKind::Requests(Default::default()),
        ViewKind::Latency,
    ];
    for window in Window::ALL {
        for kind in dash.iter().chain(endpoint.iter()) {
            if !wanted(&format!("{kind:?}")) {
                continue;
            }
            let ep = if dash.contains(kind) { None } else { busiest };
            let key = ViewKey { kind: *kind, window, endpoint: ep };
            let (lo, hi) = time(runs, cold, &mut source, |s| s.view(key, now, 100).expect("view"));
            println!("{:<28} {:>5} {:>9.1} {:>9.1}", format!("{kind:?}"), window.label(chrono_tz::UTC), lo, hi);
        }
    }
    for compare in [Compare::Day, Compare::Week, Compare::Month, Compare::Versions] {
        if !wanted(&format!("report {compare:?}")) {
            continue;
        }
        let key = ViewKey { kind: ViewKind::DashReport(compare), window: Window::All, endpoint: None };
        let (lo, hi) = time(runs, cold, &mut source, |s| s.view(key, now, 100).expect("report"));
        println!("{:<28} {:>5} {:>9.1} {:>9.1}", format!("report {compare:?}"), "-", lo, hi);
    }
}

#[test]
#[ignore = "needs FMD_TIMING_DB (a large generated file)"]
fn switching_tabs_interrupts_a_slow_query() {
    use crate::query::{Job, Reply, Worker};
    use std::time::Duration;
    let Ok(db) = std::env::var("FMD_TIMING_DB") else { return };
    let now: DateTime<Utc> = std::env::var("FMD_TIMING_NOW").ok().and_then(|t| t.parse().ok()).unwrap_or_else(Utc::now);
    let store = Store::open_reader(std::path::Path::new(&db), None).expect("open");
    let mut source = StoreSource::new(store, chrono_tz::UTC);
    let busiest = source.overview(now).expect("overview").rows.iter().max_by_key(|r| r.hits_overall).map(|r| r.id);
    let worker = Worker::spawn(source).expect("worker");
    let key = |kind| ViewKey { kind, window: Window::All, endpoint: busiest };
    // The IPs' box plots over all time: the slowest endpoint tab on 10M requests (about a second when they read
    // the rows, 0.1-0.2 s from the packed summary rows), still running when the next tab is asked for.
    worker.submit(Job::View { seq: 1, key: key(ViewKind::Ips), now, limit: 0 });
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    worker.submit(Job::View { seq: 2, key: key(ViewKind::Requests(Default::default())), now, limit: 100 });
    let reply = worker.recv_timeout(Duration::from_secs(30)).expect("reply");
    let waited = start.elapsed();
    println!("the next tab answered after {:.1} ms", waited.as_secs_f64() * 1000.0);
    assert!(matches!(reply, Reply::View { seq: 2, result: Ok(_), .. }), "{reply:?}");
    assert!(waited < Duration::from_millis(300), "waited {waited:?}");
    worker.shutdown();
}
