//! Every view on small databases written by fmd's own writer: empty files, known samples with known
//! percentiles, local-time bucketing, range boundaries, hostile rows and a concurrent writer.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use fmd_core::store::views::GroupColumn;
use fmd_core::store::{DayRange, NewRequest, TimeRange, WriteBatch};
use fmd_core::Store;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn req(endpoint_id: i64, ms: f64, at: &str, user: &str, ip: &str, status: u16) -> NewRequest {
    NewRequest {
        endpoint_id,
        duration_ms: ms,
        time_micros: t(at).timestamp_micros(),
        group_by: user.to_string(),
        ip: ip.to_string(),
        status_code: status,
    }
}

fn write(store: &mut Store, version: &str, requests: Vec<NewRequest>) {
    store.write(&WriteBatch { version: version.to_string(), requests, ..WriteBatch::default() }).expect("write");
}

fn new_store(dir: &Path) -> Store {
    Store::open_writer(dir.join("fmd.db"), "").expect("open writer")
}

fn endpoint(store: &Store, name: &str) -> i64 {
    store.ensure_endpoint(name, 1, "1.0", t("2026-01-01T00:00:00Z").timestamp_micros()).expect("endpoint").id
}

const UTC: Tz = chrono_tz::UTC;

#[test]
fn empty_database_gives_empty_views() {
    let dir = tempfile::tempdir().expect("tempdir");
    let writer = new_store(dir.path());
    let id = endpoint(&writer, "idle");
    drop(writer);
    let store = Store::open_reader(dir.path().join("fmd.db"), None).expect("reader");
    let days = DayRange::new(day("2026-11-21"), day("2026-11-27"));
    for range in [TimeRange::ALL, TimeRange::since(t("2026-11-01T00:00:00Z"))] {
        let hourly = store.hourly_load(days, UTC, None).expect("hourly");
        assert_eq!(hourly.days.len(), 7);
        assert!(hourly.data.iter().flatten().all(|n| *n == 0));
        let daily = store.daily_requests(days, UTC, None).expect("daily");
        assert_eq!(daily.data.len(), 1, "endpoints without requests are listed");
        assert_eq!(daily.data[0].values, vec![0; 7]);
        assert!(store.versions(range, None).expect("versions").is_empty());
        let mv = store.multi_version(range).expect("multi version");
        assert!(mv.endpoints.is_empty() && mv.versions.is_empty() && mv.data.is_empty());
        let perf = store.api_performance(range, None).expect("perf");
        assert_eq!(perf.len(), 1);
        assert_eq!(perf[0].summary, None);
        let codes = store.status_codes(id, range, 100).expect("codes");
        assert!(codes.distribution.is_empty() && codes.counts.is_empty() && codes.error_requests.is_empty());
        assert!(store.users(id, range).expect("users").is_empty());
        assert!(store.ips(id, range).expect("ips").is_empty());
        assert!(store.group_performance(id, GroupColumn::Ip, range, None).expect("groups").is_empty());
        assert!(store.version_performance(id, range).expect("versions").is_empty());
        let m = store.version_matrix(id, GroupColumn::User, range, 10).expect("matrix");
        assert!(m.versions.is_empty() && m.groups.is_empty() && m.data.is_empty());
        assert!(store.recent_requests(id, range, 10, 0).expect("recent").is_empty());
        let s = store.endpoint_summary(id, range).expect("summary").expect("exists");
        assert_eq!((s.hits, s.errors, s.median, s.first_request, s.versions), (0, 0, None, None, 0));
        assert_eq!(store.endpoint_summary(id + 100, range).expect("summary"), None, "unknown endpoint");
    }
    // A reversed day range is empty, not an error.
    let none = store.hourly_load(DayRange::new(day("2026-11-27"), day("2026-11-01")), UTC, None).expect("hourly");
    assert!(none.days.is_empty());
    assert_eq!(none.data.len(), 24);
}

/// Endpoint "a": durations 1..=10 ms, users alice (6) and bob (4), two versions; "b": one 500.
fn sample(dir: &Path) -> (Store, i64, i64) {
    let mut store = new_store(dir);
    let a = endpoint(&store, "a");
    let b = endpoint(&store, "b");
    let mut v1 = Vec::new();
    let mut v2 = Vec::new();
    for i in 1..=10u32 {
        let user = if i <= 6 { "alice" } else { "bob" };
        let status = if i == 10 { 404 } else { 200 };
        let r = req(a, f64::from(i), &format!("2026-11-{}T10:00:00Z", 10 + i), user, "10.0.0.1", status);
        if i <= 4 {
            v1.push(r);
        } else {
            v2.push(r);
        }
    }
    write(&mut store, "1.0", v1);
    write(&mut store, "2.0", v2);
    write(&mut store, "2.0", vec![req(b, 50.0, "2026-11-27T12:00:00Z", "carol", "10.0.0.2", 500)]);
    (store, a, b)
}

#[test]
fn known_samples_give_numpys_percentiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, a, b) = sample(dir.path());
    for range in [TimeRange::ALL, TimeRange::since(t("2026-01-01T00:00:00Z"))] {
        let perf = store.api_performance(range, None).expect("perf");
        assert_eq!(perf.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["a", "b"], "busiest first");
        let s = perf[0].summary.as_ref().expect("summary");
        assert_eq!(
            (s.count, s.min, s.p25, s.p50, s.p75, s.p95, s.max),
            (10, 1.0, 3.25, 5.5, 7.75, 9.549999999999999, 10.0)
        );
        assert!((s.mean - 5.5).abs() < 1e-12);
        assert_eq!((s.whisker_low, s.whisker_high), (1.0, 10.0));
        let one = store.api_performance(range, Some(b)).expect("perf b");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].summary.as_ref().map(|s| (s.p25, s.p95)), Some((50.0, 50.0)));

        let versions = store.version_performance(a, range).expect("versions");
        assert_eq!(versions.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["1.0", "2.0"]);
        assert_eq!(versions[0].summary.as_ref().map(|s| (s.count, s.p50)), Some((4, 2.5)));
        assert_eq!(versions[1].summary.as_ref().map(|s| (s.count, s.p50)), Some((6, 7.5)));

        let users = store.users(a, range).expect("users");
        assert_eq!(users.iter().map(|u| (u.user.as_str(), u.hits)).collect::<Vec<_>>(), [("alice", 6), ("bob", 4)]);
        let ips = store.ips(a, range).expect("ips");
        assert_eq!(ips.iter().map(|u| (u.ip.as_str(), u.hits)).collect::<Vec<_>>(), [("10.0.0.1", 10)]);
        let groups = store.group_performance(a, GroupColumn::User, range, Some(1)).expect("groups");
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].summary.as_ref().map(|s| s.p50), Some(3.5), "alice: 1..=6");

        let m = store.version_matrix(a, GroupColumn::User, range, 10).expect("matrix");
        assert_eq!(m.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["alice", "bob"]);
        assert_eq!(m.versions.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["1.0", "2.0"]);
        // alice: 1-4 in 1.0 (median 2.5), 5-6 in 2.0 (5.5); bob: none in 1.0, 7-10 in 2.0 (8.5).
        assert_eq!(m.data, vec![vec![Some(2.5), Some(5.5)], vec![None, Some(8.5)]]);
        let top1 = store.version_matrix(a, GroupColumn::Ip, range, 1).expect("matrix");
        assert_eq!(top1.data, vec![vec![Some(2.5), Some(7.5)]]);

        let codes = store.status_codes(a, range, 100).expect("codes");
        assert_eq!(codes.distribution.get("200"), Some(&0.9));
        assert_eq!(codes.distribution.get("404"), Some(&0.1));
        assert_eq!(codes.counts.get("200"), Some(&9));
        assert_eq!(codes.error_requests.len(), 1);
        assert_eq!(codes.error_requests[0].duration, Some(10.0));
        assert_eq!(store.status_codes(b, range, 0).expect("codes").error_requests.len(), 0, "limit 0");

        let s = store.endpoint_summary(a, range).expect("summary").expect("exists");
        assert_eq!((s.hits, s.errors, s.median, s.versions), (10, 1, Some(5.5), 2));
        assert_eq!(s.first_request, Some(t("2026-11-11T10:00:00Z")));
        assert_eq!(s.last_request, Some(t("2026-11-20T10:00:00Z")));

        let recent = store.recent_requests(a, range, 3, 0).expect("recent");
        assert_eq!(recent.len(), 3);
        assert!(recent.windows(2).all(|w| w[0].time_requested >= w[1].time_requested), "newest first");
        let next = store.recent_requests(a, range, 100, 3).expect("page 2");
        assert_eq!(next.len(), 7);
        assert!(recent[2].time_requested >= next[0].time_requested);
        assert_eq!(recent[0].version_requested, "2.0");
        assert_eq!(recent[0].ip, "10.0.0.1");

        let mut listed = store.versions(range, None).expect("versions");
        assert_eq!(listed.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["2.0", "1.0"], "newest first");
        listed.reverse();
        assert!(listed[0].date < listed[1].date);

        let mv = store.multi_version(range).expect("multi version");
        assert_eq!(mv.endpoints.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(mv.counts, vec![vec![4, 6], vec![0, 1]]);
        // FMD: percent of each version's hits; share: fraction of each endpoint's hits.
        assert_eq!(mv.data, vec![vec![100.0, 600.0 / 7.0], vec![0.0, 100.0 / 7.0]]);
        assert_eq!(mv.share, vec![vec![0.4, 0.6], vec![0.0, 1.0]]);
    }
    let json = serde_json::to_value(store.endpoint_summary(a, TimeRange::ALL).expect("s")).expect("json");
    assert_eq!(json["first_request"], "2026-11-11T10:00:00.000000Z");
    let json = serde_json::to_value(store.versions(TimeRange::ALL, Some(a)).expect("v")).expect("json");
    assert_eq!(json[0]["version"], "2.0");
    assert!(json[0]["date"].is_string());
}

#[test]
fn first_use_dates_are_all_time_even_in_a_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, a, _) = sample(dir.path());
    let window = TimeRange::since(t("2026-11-16T00:00:00Z"));
    let versions = store.version_performance(a, window).expect("versions");
    assert_eq!(versions.len(), 1, "only 2.0 in the window");
    let all = store.version_performance(a, TimeRange::ALL).expect("versions");
    assert_eq!(all[1].date, Some(t("2026-11-15T10:00:00Z")));
    for v in &versions {
        let same = all.iter().find(|x| x.version == v.version).expect("version");
        assert_eq!(v.date, same.date, "{}", v.version);
    }
    let m = store.version_matrix(a, GroupColumn::User, window, 10).expect("matrix");
    for v in &m.versions {
        assert_eq!(Some(v.date), all.iter().find(|x| x.version == v.version).map(|x| x.date));
    }
}

#[test]
fn local_days_and_hours_follow_the_timezone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = new_store(dir.path());
    let a = endpoint(&store, "a");
    write(
        &mut store,
        "1.0",
        vec![
            // 23:30 UTC on the 21st is 00:30 on the 22nd in Amsterdam (CET, +1).
            req(a, 1.0, "2026-11-21T23:30:00Z", "u", "ip", 200),
            // 10:15 UTC is 11:15 CET.
            req(a, 1.0, "2026-11-22T10:15:00Z", "u", "ip", 200),
            // Spring forward: 01:30 UTC on 29 March 2026 is 03:30 CEST.
            req(a, 1.0, "2026-03-29T01:30:00Z", "u", "ip", 200),
            // Kolkata is +05:30: 18:45 UTC is 00:15 the next day.
            req(a, 1.0, "2026-11-22T18:45:00Z", "u", "ip", 200),
        ],
    );
    let ams: Tz = chrono_tz::Europe::Amsterdam;
    let days = DayRange::new(day("2026-11-21"), day("2026-11-22"));
    let h = store.hourly_load(days, ams, Some(a)).expect("hourly");
    assert_eq!(h.data[0], vec![0, 1]);
    assert_eq!(h.data[11], vec![0, 1]);
    assert_eq!(h.data[19], vec![0, 1], "18:45 UTC is 19:45 CET");
    assert_eq!(h.data.iter().flatten().sum::<u64>(), 3);
    let utc = store.hourly_load(days, UTC, Some(a)).expect("hourly");
    assert_eq!(utc.data[23], vec![1, 0]);
    assert_eq!(utc.data[10], vec![0, 1]);

    let dst = store.hourly_load(DayRange::new(day("2026-03-29"), day("2026-03-29")), ams, None).expect("dst");
    assert_eq!(dst.data[3], vec![1]);
    assert_eq!(dst.data[2], vec![0], "02:00-03:00 does not exist that day");

    let kolkata: Tz = chrono_tz::Asia::Kolkata;
    let k = store.hourly_load(DayRange::new(day("2026-11-23"), day("2026-11-23")), kolkata, None).expect("kolkata");
    assert_eq!(k.data[0], vec![1]);

    let daily = store.daily_requests(days, ams, None).expect("daily");
    assert_eq!(daily.days, ["2026-11-21", "2026-11-22"]);
    assert_eq!(daily.data[0].values, vec![0, 3]);
    let daily = store.daily_requests(days, UTC, Some(a)).expect("daily");
    assert_eq!(daily.data[0].values, vec![1, 2]);
}

#[test]
fn ranges_are_half_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = new_store(dir.path());
    let a = endpoint(&store, "a");
    write(
        &mut store,
        "1.0",
        vec![
            req(a, 1.0, "2026-11-20T09:59:59.999999Z", "early", "ip1", 500),
            req(a, 2.0, "2026-11-20T10:00:00Z", "from", "ip2", 500),
            req(a, 3.0, "2026-11-20T11:59:59.999999Z", "inside", "ip3", 500),
            req(a, 4.0, "2026-11-20T12:00:00Z", "to", "ip4", 500),
        ],
    );
    let range = TimeRange::new(Some(t("2026-11-20T10:00:00Z")), Some(t("2026-11-20T12:00:00Z")));
    assert!(range.contains(t("2026-11-20T10:00:00Z")) && !range.contains(t("2026-11-20T12:00:00Z")));
    let users: Vec<String> = store.users(a, range).expect("users").into_iter().map(|u| u.user).collect();
    assert_eq!(users, ["inside", "from"], "1 hit each; ties larger value first");
    assert_eq!(store.ips(a, range).expect("ips").len(), 2);
    let s = store.endpoint_summary(a, range).expect("summary").expect("exists");
    assert_eq!((s.hits, s.errors, s.median), (2, 2, Some(2.5)));
    let perf = store.api_performance(range, None).expect("perf");
    assert_eq!(perf[0].summary.as_ref().map(|s| (s.count, s.min, s.max)), Some((2, 2.0, 3.0)));
    let codes = store.status_codes(a, range, 100).expect("codes");
    assert_eq!(codes.counts.get("500"), Some(&2));
    assert_eq!(codes.error_requests.iter().map(|r| r.group_by.as_str()).collect::<Vec<_>>(), ["inside", "from"]);
    assert_eq!(store.recent_requests(a, range, 10, 0).expect("recent").len(), 2);
    assert_eq!(store.version_performance(a, range).expect("v")[0].summary.as_ref().map(|s| s.count), Some(2));
    let m = store.version_matrix(a, GroupColumn::Ip, range, 10).expect("matrix");
    assert_eq!(m.groups.len(), 2);
    assert_eq!(store.multi_version(range).expect("mv").counts, vec![vec![2]]);
    let open_end = TimeRange::since(t("2026-11-20T10:00:00Z"));
    assert_eq!(store.endpoint_summary(a, open_end).expect("s").map(|s| s.hits), Some(3));
    let open_start = TimeRange::new(None, Some(t("2026-11-20T10:00:00Z")));
    assert_eq!(store.endpoint_summary(a, open_start).expect("s").map(|s| s.hits), Some(1));
    // Local days: the day range ends at the next local midnight, exclusive.
    let mut more = new_store(dir.path());
    write(
        &mut more,
        "1.0",
        vec![
            req(a, 1.0, "2026-11-21T23:59:59.999999Z", "u", "i", 200),
            req(a, 1.0, "2026-11-22T00:00:00Z", "u", "i", 200),
        ],
    );
    let h = store.hourly_load(DayRange::new(day("2026-11-21"), day("2026-11-21")), UTC, None).expect("hourly");
    assert_eq!(h.data[23], vec![1]);
    assert_eq!(h.data.iter().flatten().sum::<u64>(), 1);
}

#[test]
fn hostile_rows_are_skipped_or_marked_never_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, a, _) = sample(dir.path());
    let conn = store.connection();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) VALUES
           (1, 'slow', '2026-11-22 10:00:00.000000', '1.0', 'mallory', '1.2.3.4', 200),
           (1, 3.0, 'yesterday', X'FF00', X'C328', 'ip', 'teapot'),
           (1, 3.0, NULL, NULL, NULL, '', NULL),
           (1, 3.0, 12345, 7, 8, 9, 404.0),
           (1, 1e999, '2026-11-22 11:00:00.000000', '1.0', 'inf', 'ip', 200),
           (NULL, 3.0, '2026-11-22 12:00:00.000000', '1.0', 'orphan', 'ip', 200),
           ('x', 3.0, '2026-11-22 12:00:00.000000', '1.0', 'orphan', 'ip', 200),
           (999, 3.0, '2026-11-22 12:00:00.000000', '1.0', 'orphan', 'ip', 200),
           (1, 3.0, '2026-11-22T13:00:00', '1.0', 'iso', 'ip', 200);
         INSERT INTO Endpoint (name, monitor_level, last_requested) VALUES (X'C328FF', 'high', 'never');",
    )
    .expect("hostile rows");
    let days = DayRange::new(day("2026-11-01"), day("2026-11-30"));
    let hourly = store.hourly_load(days, UTC, None).expect("hourly");
    // 11 good rows + 'slow' + 'inf' + 3 orphans at 12:00 + one ISO text.
    assert_eq!(hourly.data.iter().flatten().sum::<u64>(), 17);
    let daily = store.daily_requests(days, UTC, None).expect("daily");
    assert!(daily.data.iter().any(|e| e.name.contains('\u{fffd}')), "invalid UTF-8 names read lossily");
    for range in [TimeRange::ALL, TimeRange::since(t("2026-01-01T00:00:00Z"))] {
        let perf = store.api_performance(range, Some(a)).expect("perf");
        let s = perf[0].summary.as_ref().expect("summary");
        assert!(s.max.is_finite() && s.mean.is_finite(), "text and infinite durations are skipped");
        store.versions(range, None).expect("versions");
        store.multi_version(range).expect("multi version");
        let codes = store.status_codes(a, range, 100).expect("codes");
        assert!(codes.distribution.values().all(|f| f.is_finite()));
        store.users(a, range).expect("users");
        store.ips(a, range).expect("ips");
        store.group_performance(a, GroupColumn::User, range, None).expect("groups");
        store.version_performance(a, range).expect("versions");
        store.version_matrix(a, GroupColumn::User, range, 10).expect("matrix");
        store.endpoint_summary(a, range).expect("summary").expect("exists");
        serde_json::to_string(&store.recent_requests(a, range, 100, 0).expect("recent")).expect("json");
    }
    let all = store.recent_requests(a, TimeRange::ALL, 100, 0).expect("recent");
    assert_eq!(all.len(), 16, "every row of the endpoint is listed, unreadable fields as None/lossy");
    assert!(all.iter().any(|r| r.time_requested.is_none() && r.status_code.is_none()));
    assert!(all.iter().any(|r| r.group_by == "\u{fffd}("));
    let codes = store.status_codes(a, TimeRange::ALL, 100).expect("codes");
    assert!(codes.counts.contains_key("teapot"), "odd codes are shown, not dropped");
    assert_eq!(codes.counts.get("404"), Some(&2), "404.0 is 404");
}

#[test]
fn views_read_while_a_writer_appends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let mut writer = Store::open_writer(&path, "").expect("writer");
    let a = endpoint(&writer, "a");
    write(&mut writer, "1.0", vec![req(a, 1.0, "2026-11-27T10:00:00Z", "u", "ip", 200)]);
    let stop = Arc::new(AtomicBool::new(false));
    let stop_writer = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut i = 0u32;
        while !stop_writer.load(Ordering::Relaxed) && i < 5000 {
            let batch: Vec<NewRequest> = (0..20)
                .map(|j| {
                    let at = format!("2026-11-27T{:02}:{:02}:{:02}Z", (i + j) % 24, j % 60, i % 60);
                    req(a, f64::from(j), &at, if j % 2 == 0 { "x" } else { "y" }, "ip", 200 + (j % 3) as u16 * 100)
                })
                .collect();
            write(&mut writer, if i % 2 == 0 { "1.0" } else { "1.1" }, batch);
            i += 1;
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        i
    });
    let reader = Store::open_reader(&path, None).expect("reader");
    let days = DayRange::new(day("2026-11-27"), day("2026-11-27"));
    let (mut last_hourly, mut last_hits, mut last_count, mut last_users) = (0u64, 0u64, 0u64, 0u64);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let hourly: u64 = reader.hourly_load(days, UTC, None).expect("hourly").data.iter().flatten().sum();
        let s = reader.endpoint_summary(a, TimeRange::ALL).expect("summary").expect("exists");
        let perf = reader.api_performance(TimeRange::ALL, None).expect("perf");
        let count = perf[0].summary.as_ref().map_or(0, |s| s.count);
        let users: u64 = reader.users(a, TimeRange::ALL).expect("users").iter().map(|u| u.hits).sum();
        let codes = reader.status_codes(a, TimeRange::ALL, 10).expect("codes");
        assert!((codes.distribution.values().sum::<f64>() - 1.0).abs() < 1e-9);
        reader.version_matrix(a, GroupColumn::User, TimeRange::ALL, 10).expect("matrix");
        assert!(hourly >= last_hourly && s.hits >= last_hits && count >= last_count && users >= last_users);
        assert!(count >= s.hits, "the later view sees at least what the earlier one saw");
        (last_hourly, last_hits, last_count, last_users) = (hourly, s.hits, count, users);
        seen.insert(s.hits);
    }
    stop.store(true, Ordering::Relaxed);
    let batches = handle.join().expect("writer thread");
    let end = reader.endpoint_summary(a, TimeRange::ALL).expect("summary").expect("exists");
    assert_eq!(end.hits, 1 + u64::from(batches) * 20);
    assert!(end.hits >= last_hits);
    assert!(seen.len() > 1, "the views ran while the writer was writing");
}

#[test]
fn every_access_path_gives_the_same_numbers() {
    // "a" is big enough (>= 1000 rows and most of the table) for the scan paths over all time; "b" is small, so
    // it is read through the endpoint index. A bounded range that covers everything walks the time index.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = new_store(dir.path());
    let a = endpoint(&store, "a");
    let b = endpoint(&store, "b");
    let base = t("2026-11-01T00:00:00Z").timestamp_micros();
    let row = |e: i64, i: i64| NewRequest {
        endpoint_id: e,
        duration_ms: (i % 97) as f64 + 0.5,
        time_micros: base + i * 60_000_000,
        group_by: format!("u{}", i % 5),
        ip: format!("ip{}", i % 3),
        status_code: if i % 10 == 0 { 500 } else { 200 },
    };
    write(&mut store, "1.0", (0..700).map(|i| row(a, i)).chain((0..4).map(|i| row(b, i * 7))).collect());
    write(&mut store, "2.0", (700..1500).map(|i| row(a, i)).chain((4..10).map(|i| row(b, i * 7))).collect());
    let wide = TimeRange::new(Some(t("2000-01-01T00:00:00Z")), Some(t("2100-01-01T00:00:00Z")));
    for (id, n) in [(a, 1500u64), (b, 10)] {
        let users = store.users(id, TimeRange::ALL).expect("users");
        assert_eq!(users, store.users(id, wide).expect("users"));
        assert_eq!(users.iter().map(|u| u.hits).sum::<u64>(), n);
        assert_eq!(store.ips(id, TimeRange::ALL).expect("ips"), store.ips(id, wide).expect("ips"));
        let codes = store.status_codes(id, TimeRange::ALL, 7).expect("codes");
        assert_eq!(codes, store.status_codes(id, wide, 7).expect("codes"));
        assert_eq!(codes.counts.values().sum::<u64>(), n);
        assert_eq!(codes.error_requests.len(), 7.min(n.div_ceil(10)) as usize);
        let recent = store.recent_requests(id, TimeRange::ALL, 20, 5).expect("recent");
        assert_eq!(recent, store.recent_requests(id, wide, 20, 5).expect("recent"));
        let summary = store.endpoint_summary(id, TimeRange::ALL).expect("summary");
        assert_eq!(summary, store.endpoint_summary(id, wide).expect("summary"));
        assert_eq!(summary.as_ref().map(|s| (s.hits, s.versions)), Some((n, 2)));
        let versions = store.version_performance(id, TimeRange::ALL).expect("versions");
        assert_eq!(versions, store.version_performance(id, wide).expect("versions"));
        assert_eq!(versions.len(), 2);
        for column in [GroupColumn::User, GroupColumn::Ip] {
            let m = store.version_matrix(id, column, TimeRange::ALL, 4).expect("matrix");
            assert_eq!(m, store.version_matrix(id, column, wide, 4).expect("matrix"));
            let g = store.group_performance(id, column, TimeRange::ALL, None).expect("groups");
            assert_eq!(g, store.group_performance(id, column, wide, None).expect("groups"));
        }
        let perf = store.api_performance(TimeRange::ALL, Some(id)).expect("perf");
        let loaded = store.api_performance(wide, Some(id)).expect("perf");
        let (x, y) = (perf[0].summary.clone().expect("some"), loaded[0].summary.clone().expect("some"));
        assert_eq!((x.count, x.p25, x.p50, x.p75, x.p95), (y.count, y.p25, y.p50, y.p75, y.p95));
    }
}
