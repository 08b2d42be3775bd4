//! The views computed by fmd on FMD 5.1.0's own database equal what FMD's JSON API answered for it
//! (hourly load, status codes, users), at FMD's clock (2026-11-27T22:56:55Z) and timezone (UTC).

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use fmd_core::store::views::GroupColumn;
use fmd_core::store::{DayRange, TimeRange};
use fmd_core::Store;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("fmd-5.1.0-sample.expected.json")).expect("expected json");
    serde_json::from_str(&text).expect("json")
}

fn now() -> DateTime<Utc> {
    "2026-11-27T22:56:55Z".parse().expect("instant")
}

fn store() -> Store {
    Store::open_reader(fixture("fmd-5.1.0-sample.db"), None).expect("opens FMD's file read-only")
}

/// Endpoint name -> id, from the overview FMD answered.
fn endpoint_ids(expected: &Value) -> Vec<(String, i64)> {
    expected["overview"]
        .as_array()
        .expect("overview")
        .iter()
        .map(|e| (e["name"].as_str().expect("name").to_string(), e["id"].as_i64().expect("id")))
        .collect()
}

#[test]
fn hourly_load_equals_fmd() {
    let expected = expected();
    let want = &expected["hourly_load"];
    // FMD was called with start = today - 6 days, end = today (UTC).
    let days = DayRange::ending_today(now(), chrono_tz::UTC, 7);
    let got = store().hourly_load(days, chrono_tz::UTC, None).expect("hourly load");
    let want_days: Vec<&str> =
        want["days"].as_array().expect("days").iter().map(|d| d.as_str().expect("day")).collect();
    assert_eq!(got.days, want_days);
    let want_data = want["data"].as_array().expect("data");
    assert_eq!(got.data.len(), 24);
    assert_eq!(want_data.len(), 24);
    for (hour, (row, want_row)) in got.data.iter().zip(want_data).enumerate() {
        let want_row: Vec<u64> = want_row
            .as_array()
            .expect("row")
            .iter()
            .map(|v| {
                let f = v.as_f64().expect("count");
                assert_eq!(f.fract(), 0.0);
                f as u64
            })
            .collect();
        assert_eq!(row, &want_row, "hour {hour}");
    }
    // The same through JSON: the shape FMD's route has.
    let json = serde_json::to_value(&got).expect("serialises");
    assert_eq!(json["days"], want["days"]);
    assert_eq!(json["data"].as_array().map(Vec::len), Some(24));
}

#[test]
fn per_endpoint_hourly_load_adds_up_to_the_dashboard_wide_one() {
    let expected = expected();
    let store = store();
    let days = DayRange::ending_today(now(), chrono_tz::UTC, 7);
    let all = store.hourly_load(days, chrono_tz::UTC, None).expect("all");
    let mut sum = vec![vec![0u64; 7]; 24];
    for (_, id) in endpoint_ids(&expected) {
        let one = store.hourly_load(days, chrono_tz::UTC, Some(id)).expect("one");
        for (h, row) in one.data.iter().enumerate() {
            for (d, n) in row.iter().enumerate() {
                sum[h][d] += n;
            }
        }
    }
    assert_eq!(sum, all.data);
}

#[test]
fn status_codes_equal_fmd() {
    let expected = expected();
    let store = store();
    for (name, id) in endpoint_ids(&expected) {
        let want = &expected["status_codes"][&name];
        let got = store.status_codes(id, TimeRange::ALL, usize::MAX).expect("status codes");
        let want_dist = want["distribution"].as_object().expect("distribution");
        assert_eq!(got.distribution.len(), want_dist.len(), "{name}");
        for (code, fraction) in want_dist {
            let got = got.distribution.get(code).unwrap_or_else(|| panic!("{name}: code {code} missing"));
            let fraction = fraction.as_f64().expect("fraction");
            assert!((got - fraction).abs() <= 1e-12, "{name} {code}: {got} vs FMD {fraction}");
        }
        let want_ids: BTreeSet<i64> = want["error_requests"]
            .as_array()
            .expect("error requests")
            .iter()
            .map(|r| r["id"].as_str().expect("row2dict stringifies").parse().expect("id"))
            .collect();
        let got_ids: BTreeSet<i64> = got.error_requests.iter().map(|r| r.id).collect();
        assert_eq!(got_ids, want_ids, "{name}: error requests");
        assert_eq!(got.total_errors as usize, want_ids.len(), "{name}");
        // Newest first.
        let times: Vec<_> = got.error_requests.iter().map(|r| r.time_requested.expect("time")).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{name}: newest first");
        // Every error row as FMD's row2dict shows it.
        for row in &want["error_requests"].as_array().expect("rows")[..] {
            let id: i64 = row["id"].as_str().expect("id").parse().expect("id");
            let mine = got.error_requests.iter().find(|r| r.id == id).expect("same id");
            assert_eq!(mine.group_by, row["group_by"].as_str().expect("group_by"));
            assert_eq!(mine.ip, row["ip"].as_str().expect("ip"));
            assert_eq!(mine.version_requested, row["version_requested"].as_str().expect("version"));
            assert_eq!(mine.status_code.map(|c| c.to_string()).as_deref(), row["status_code"].as_str());
            let fmd_time = row["time_requested"].as_str().expect("time");
            assert_eq!(mine.time_requested.map(fmd_core::timefmt::format_utc).as_deref(), Some(fmd_time));
        }
        // The limit keeps the newest ones.
        let limited = store.status_codes(id, TimeRange::ALL, 5).expect("limited");
        assert_eq!(limited.error_requests.len(), want_ids.len().min(5));
        assert_eq!(limited.error_requests[..], got.error_requests[..limited.error_requests.len()]);
    }
}

#[test]
fn users_equal_fmd_including_tie_order() {
    let expected = expected();
    let store = store();
    for (name, id) in endpoint_ids(&expected) {
        let want = expected["users"][&name].as_array().expect("users");
        let got = store.users(id, TimeRange::ALL).expect("users");
        let got_pairs: Vec<(String, u64)> = got.iter().map(|u| (u.user.clone(), u.hits)).collect();
        let want_pairs: Vec<(String, u64)> = want
            .iter()
            .map(|u| (u["user"].as_str().expect("user").to_string(), u["hits"].as_u64().expect("hits")))
            .collect();
        // FMD's order, ties included (e.g. index: bob 101 before alice 101).
        assert_eq!(got_pairs, want_pairs, "{name}");
        assert_eq!(serde_json::to_value(&got).expect("json"), Value::Array(want.clone()), "{name}: FMD's JSON");
        // The per-user box plots count the same hits.
        let perf = store.group_performance(id, GroupColumn::User, TimeRange::ALL, None).expect("perf");
        let perf_pairs: Vec<(String, u64)> = perf.iter().map(|g| (g.group.clone(), g.hits)).collect();
        assert_eq!(perf_pairs, want_pairs, "{name}: group performance");
    }
}

#[test]
fn summaries_agree_with_the_overview_fmd_answered() {
    let expected = expected();
    let store = store();
    for row in expected["overview"].as_array().expect("overview") {
        let id = row["id"].as_i64().expect("id");
        let s = store.endpoint_summary(id, TimeRange::ALL).expect("summary").expect("endpoint exists");
        assert_eq!(Some(s.hits), row["hits-overall"].as_u64());
        let median = s.median.expect("median");
        let want = row["median-overall"].as_f64().expect("median");
        assert!((median - want).abs() < 1e-9, "{}: {median} vs {want}", s.name);
        // Index path (open range) and in-memory path (bounded range) give the same box plot.
        let indexed = store.api_performance(TimeRange::ALL, Some(id)).expect("perf");
        let wide = TimeRange::new(Some("2000-01-01T00:00:00Z".parse().expect("t")), None);
        let loaded = store.api_performance(wide, Some(id)).expect("perf");
        let (a, b) = (indexed[0].summary.clone().expect("some"), loaded[0].summary.clone().expect("some"));
        assert!((a.mean - b.mean).abs() < 1e-9, "{}: mean {} vs {}", s.name, a.mean, b.mean);
        assert_eq!(
            (a.count, a.min, a.p25, a.p50, a.p75, a.p95, a.max, a.whisker_low, a.whisker_high),
            (b.count, b.min, b.p25, b.p50, b.p75, b.p95, b.max, b.whisker_low, b.whisker_high),
            "{}: index path and in-memory path",
            s.name
        );
        assert_eq!(a.count, s.hits);
        assert!((a.p50 - median).abs() < 1e-9, "{}: percentile(50) is the median", s.name);
        // Week window of the overview: [now - 7 days, ...).
        let week = store.endpoint_summary(id, TimeRange::since(now() - chrono::Duration::days(7))).expect("week");
        let week = week.expect("exists");
        assert_eq!(Some(week.hits), row["hits-week"].as_u64());
        assert_eq!(Some(week.errors), row["hits-week-errors"].as_u64());
    }
}

#[test]
fn endpoint_table_rows_are_fmds_columns() {
    let rows = store().endpoint_infos().expect("endpoints");
    assert_eq!(rows.len(), 6);
    assert_eq!((rows[1].id, rows[1].name.as_str(), rows[1].monitor_level), (2, "user_detail", Some(3)));
    assert_eq!(rows[1].version_added.as_deref(), Some("1.0"));
    let json = serde_json::to_value(&rows[1]).expect("json");
    assert_eq!(json["time_added"], "2026-11-27T22:49:15.670430Z");
    assert_eq!(json["last_requested"], "2026-11-27T21:52:22.843878Z");
}
