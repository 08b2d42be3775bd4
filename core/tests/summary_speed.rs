//! Timing of the summary build and of every view the summaries serve, on a large database (ignored by default).
//!
//! ```text
//! FMD_SUMMARY_BENCH_DB=/path/big.db cargo test --release -p fmd-core --test summary_speed -- --ignored --nocapture
//! ```
//!
//! The file is written to (the summary tables are added and filled), so use a copy of the 10M-request database
//! described in `tests/views_speed.rs`. `FMD_SUMMARY_BENCH_DIRECT=1` also times each view without summaries
//! (the "before" numbers) and checks that the exact views give the same numbers both ways.
//! `FMD_SUMMARY_BENCH_APPEND=N` then appends N requests with plain SQL (copies of the newest ones, as another
//! writer would add them) and times views before and after the incremental refresh.

use std::time::Instant;

use chrono::{DateTime, Utc};
use fmd_core::store::views::GroupColumn;
use fmd_core::store::{DurationSummary, SummaryPolicy, TimeRange};
use fmd_core::Store;

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{:>9.1} ms  {label}", start.elapsed().as_secs_f64() * 1000.0);
    out
}

/// Times `f` on the summarised store and, when asked, on the direct one; returns both results.
fn both<T>(label: &str, s: &Store, d: Option<&Store>, f: impl Fn(&Store) -> T) -> (T, Option<T>) {
    let with = time(&format!("{label}  [summaries]"), || f(s));
    let without = d.map(|d| time(&format!("{label}  [direct]"), || f(d)));
    (with, without)
}

/// Asserts the direct result, when there is one, equals the summarised one.
fn agree<T: PartialEq + std::fmt::Debug>(with: &T, without: Option<T>) {
    if let Some(without) = without {
        assert_eq!(*with, without);
    }
}

fn same_summary(a: &Option<DurationSummary>, b: &Option<DurationSummary>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            (a.mean - b.mean).abs() <= 1e-9 * a.mean.abs().max(1.0)
                && DurationSummary { mean: 0.0, ..a.clone() } == DurationSummary { mean: 0.0, ..b.clone() }
        }
        _ => a == b,
    }
}

#[test]
#[ignore = "needs FMD_SUMMARY_BENCH_DB pointing at a large database it may write to"]
fn time_summaries() {
    let Ok(path) = std::env::var("FMD_SUMMARY_BENCH_DB") else {
        println!("FMD_SUMMARY_BENCH_DB not set");
        return;
    };
    let now: DateTime<Utc> = std::env::var("FMD_VIEWS_BENCH_NOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| "2026-11-27T22:56:55Z".parse().expect("instant"));
    let s = Store::open_reader(&path, None).expect("open");
    let direct = std::env::var("FMD_SUMMARY_BENCH_DIRECT").is_ok().then(|| {
        let mut d = Store::open_reader(&path, None).expect("open");
        d.set_summary_policy(SummaryPolicy { enabled: false, ..SummaryPolicy::default() });
        d
    });
    let d = direct.as_ref();

    let mut last = 0u64;
    let status = time("refresh_summaries (build or catch up)", || {
        s.refresh_summaries(|done, total| {
            if total > 0 && done * 10 / total != last {
                last = done * 10 / total;
                println!("           {done} / {total}");
            }
        })
    })
    .expect("refresh");
    println!("           {status:?}");
    time("refresh_summaries (nothing new)", || s.refresh_summaries(|_, _| {})).expect("refresh");

    let tz = chrono_tz::UTC;
    let all = TimeRange::ALL;
    let week = TimeRange::since(now - chrono::Duration::days(7));
    for zone in [tz, chrono_tz::Asia::Kolkata] {
        let (a, b) = both(&format!("overview ({zone})"), &s, d, |st| st.overview(now, zone).expect("overview"));
        if let Some(b) = b {
            assert_eq!(a, b, "overview");
        }
    }
    let (perf, b) = both("api_performance (all time)", &s, d, |st| st.api_performance(all, None).expect("perf"));
    if let Some(b) = b {
        assert!(perf.iter().zip(&b).all(|(x, y)| x.id == y.id && same_summary(&x.summary, &y.summary)));
    }
    let (a, b) = both("versions (all time)", &s, d, |st| st.versions(all, None).expect("versions"));
    agree(&a, b);
    let (a, b) = both("multi_version (all time)", &s, d, |st| st.multi_version(all).expect("mv"));
    agree(&a, b);
    // Windows: whole hours from the hour and vhour tables, edges read exactly (percentiles of large windows
    // from the histograms, so only the counts are compared).
    let month = TimeRange::since(now - chrono::Duration::days(30));
    for (label, range) in [("7 days", week), ("30 days", month)] {
        let (a, b) = both(&format!("multi_version ({label})"), &s, d, |st| st.multi_version(range).expect("mv"));
        agree(&a, b);
        let (a, b) = both(&format!("api_performance ({label})"), &s, d, |st| {
            st.api_performance(range, None)
                .expect("perf")
                .iter()
                .map(|e| e.summary.as_ref().map(|s| s.count))
                .collect::<Vec<_>>()
        });
        agree(&a, b);
    }
    let busiest = perf.first().map_or(1, |e| e.id);
    let quiet = perf.iter().rev().find(|e| e.summary.is_some()).map_or(1, |e| e.id);
    for (label, e) in [("busiest", busiest), ("quietest", quiet)] {
        println!("-- endpoint {e} ({label})");
        let (a, b) = both("  api_performance one (all time)", &s, d, |st| st.api_performance(all, Some(e)).expect("p"));
        if let Some(b) = b {
            assert!(same_summary(&a[0].summary, &b[0].summary));
        }
        let (a, b) = both("  status_codes (all time)", &s, d, |st| st.status_codes(e, all, 100).expect("codes"));
        agree(&a, b);
        let (a, b) = both("  users (all time)", &s, d, |st| st.users(e, all).expect("users"));
        agree(&a, b);
        let (a, b) = both("  ips (all time)", &s, d, |st| st.ips(e, all).expect("ips"));
        agree(&a, b);
        let (a, b) = both("  endpoint_summary (all time)", &s, d, |st| st.endpoint_summary(e, all).expect("s"));
        agree(&a, b);
        both("  version_performance (all time)", &s, d, |st| st.version_performance(e, all).expect("vp"));
        both("  version_performance (7 days)", &s, d, |st| st.version_performance(e, week).expect("vp"));
        let (a, b) = both("  endpoint_summary (7 days)", &s, d, |st| {
            st.endpoint_summary(e, week).expect("s").map(|s| (s.hits, s.errors, s.versions, s.first_request))
        });
        agree(&a, b);
        both("  version_matrix users (all time)", &s, d, |st| {
            st.version_matrix(e, GroupColumn::User, all, 10).expect("m")
        });
        both("  version_matrix ips (all time)", &s, d, |st| st.version_matrix(e, GroupColumn::Ip, all, 10).expect("m"));
        both("  version_matrix users (7 days)", &s, d, |st| {
            st.version_matrix(e, GroupColumn::User, week, 10).expect("m")
        });
    }

    let Some(append) = std::env::var("FMD_SUMMARY_BENCH_APPEND").ok().and_then(|n| n.parse::<i64>().ok()) else {
        return;
    };
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.busy_timeout(std::time::Duration::from_secs(5)).expect("timeout");
    time(&format!("append {append} requests (plain SQL)"), || {
        conn.execute(
            "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
             SELECT endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code FROM Request \
             WHERE rowid > (SELECT max(rowid) FROM Request) - ?1 ORDER BY rowid",
            [append],
        )
    })
    .expect("append");
    time("overview (UTC, requests above the mark added on the fly)", || s.overview(now, tz).expect("overview"));
    time("api_performance (all time, on the fly)", || s.api_performance(all, None).expect("perf"));
    time("  users busiest (all time, on the fly)", || s.users(busiest, all).expect("users"));
    time("  version_matrix ips busiest (all time, on the fly)", || {
        s.version_matrix(busiest, GroupColumn::Ip, all, 10).expect("m")
    });
    let status = time("refresh_summaries (incremental)", || s.refresh_summaries(|_, _| {})).expect("refresh");
    println!("           {status:?}");
    time("overview (UTC, after the refresh)", || s.overview(now, tz).expect("overview"));
}
