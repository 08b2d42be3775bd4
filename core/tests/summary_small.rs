//! fmd's summary tables on small generated databases: views answered from the summaries equal the direct
//! queries (exactly, or within the documented half-bucket bound for the approximate ones), incrementally and
//! after rebuilds, with rows written by fmd or by plain SQL as Python FMD writes them, after deletions and on
//! read-only files.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use fmd_core::report::{Answer, Interval, Preset, ReportOptions, Selection};
use fmd_core::store::views::{EndpointSummary, GroupColumn, GroupPerformance, VersionMatrix, VersionPerformance};
use fmd_core::store::{
    DayRange, DurationSummary, NewRequest, RefreshOptions, SummaryCache, SummaryHome, SummaryPolicy, SummaryState,
    TimeRange, Verify, WriteBatch,
};
use fmd_core::Store;

/// Relative error bound of approximate percentiles (half a bucket: 2^-8), plus rounding.
const BOUND: f64 = 1.0 / 256.0 + 1e-12;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn now() -> DateTime<Utc> {
    t("2026-11-27T22:56:55Z")
}

/// xorshift64*: deterministic test data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A request as the generator makes it: skewed endpoints, users and IPs, a few status codes, durations with
/// repeats and a long tail, times spread over the 10 days before `now` in no particular order.
fn request(rng: &mut Rng, endpoints: &[i64]) -> NewRequest {
    let e = endpoints
        [(rng.below(endpoints.len() as u64) * rng.below(endpoints.len() as u64) / endpoints.len() as u64) as usize];
    let duration_ms = match rng.below(10) {
        0 => 250.0 + rng.below(100_000) as f64 / 37.0,
        1 => (rng.below(20) as f64) * 0.5,
        _ => 1.0 + rng.below(50_000) as f64 / 997.0,
    };
    let status_code = match rng.below(100) {
        0..=7 => 404,
        8..=11 => 500,
        12..=13 => 302,
        _ => 200,
    };
    let back = rng.below(10 * 24 * 3600 * 1_000_000) as i64;
    NewRequest {
        endpoint_id: e,
        duration_ms,
        time_micros: now().timestamp_micros() - back,
        group_by: format!("user{}", rng.below(4) * rng.below(5)),
        ip: format!("10.0.0.{}", rng.below(12) + rng.below(3)),
        status_code,
    }
}

fn create(dir: &Path, rows: usize, seed: u64) -> (PathBuf, Vec<i64>) {
    let path = dir.join("fmd.db");
    let mut store = Store::open_writer(&path, "").expect("writer");
    let endpoints: Vec<i64> = ["/a", "/b", "/c", "/d"]
        .iter()
        .map(|name| store.ensure_endpoint(name, 1, "1.0", now().timestamp_micros()).expect("endpoint").id)
        .collect();
    append(&mut store, &endpoints, rows, seed);
    (path, endpoints)
}

fn append(store: &mut Store, endpoints: &[i64], rows: usize, seed: u64) {
    let mut rng = Rng(seed);
    let versions = ["1.0", "1.1", "2.0"];
    let mut written = 0;
    let mut batch = 0;
    while written < rows {
        let n = (rows - written).min(97);
        let requests = (0..n).map(|_| request(&mut rng, endpoints)).collect();
        let version = versions[(batch * versions.len()) / (rows / 97 + 1)].to_string();
        store.write(&WriteBatch { version, requests, ..WriteBatch::default() }).expect("write");
        written += n;
        batch += 1;
    }
}

/// Rows inserted as Python FMD inserts them: plain SQL, FMD's time text, ids from SQLite.
fn insert_like_fmd(path: &Path, endpoint: i64, rows: usize, seed: u64) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut rng = Rng(seed);
    for _ in 0..rows {
        let r = request(&mut rng, &[endpoint]);
        let time = fmd_core::timefmt::format_micros(r.time_micros);
        conn.execute(
            "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
             VALUES (?1, ?2, ?3, '3.0-py', ?4, ?5, ?6)",
            rusqlite::params![r.endpoint_id, r.duration_ms, time, r.group_by, r.ip, r.status_code],
        )
        .expect("insert");
    }
}

/// A reader that uses the summaries whatever the size.
fn summarised(path: &Path) -> Store {
    let mut store = Store::open_reader(path, None).expect("reader");
    store.set_summary_policy(SummaryPolicy { min_rows: 0, ..SummaryPolicy::default() });
    store
}

/// A reader that never uses them.
fn direct(path: &Path) -> Store {
    let mut store = Store::open_reader(path, None).expect("reader");
    store.set_summary_policy(SummaryPolicy { enabled: false, ..SummaryPolicy::default() });
    store
}

fn refresh(store: &Store) -> SummaryState {
    store.refresh_summaries(|done, total| assert!(done <= total, "{done} of {total}")).expect("refresh").state
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12
}

/// Exact summaries agree up to the mean's rounding.
fn assert_exact_summary(a: &Option<DurationSummary>, b: &Option<DurationSummary>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => {
            assert!(close(a.mean, b.mean, 1e-12), "{what}: mean {} vs {}", a.mean, b.mean);
            let strip = |s: &DurationSummary| DurationSummary { mean: 0.0, ..s.clone() };
            assert_eq!(strip(a), strip(b), "{what}");
        }
        _ => assert_eq!(a, b, "{what}"),
    }
}

/// Approximate summaries: count, minimum, maximum exact, mean up to rounding, percentiles within the bound,
/// whiskers inside the data and near the exact ones.
fn assert_approx_summary(a: &Option<DurationSummary>, b: &Option<DurationSummary>, what: &str) {
    match (a, b) {
        (Some(a), Some(e)) => {
            assert_eq!((a.count, a.min, a.max), (e.count, e.min, e.max), "{what}");
            assert!(close(a.mean, e.mean, 1e-12), "{what}: mean");
            for (x, y, p) in [(a.p25, e.p25, 25), (a.p50, e.p50, 50), (a.p75, e.p75, 75), (a.p95, e.p95, 95)] {
                assert!(close(x, y, BOUND), "{what}: p{p} {x} vs {y}");
            }
            let spread = (e.max - e.min).max(1e-9);
            // A whisker is the last value inside a fence; the approximate fences lie within a few bounds of the
            // exact ones, so with few values the approximate whisker may be a neighbour of the exact one, on the
            // other side of the exact fence but not beyond the approximate one.
            let (low, high) = (e.p25 - 1.5 * (e.p75 - e.p25), e.p75 + 1.5 * (e.p75 - e.p25));
            let slack = 4.0 * BOUND * (e.p25.abs() + e.p75.abs());
            for (x, y, fence) in [(a.whisker_low, e.whisker_low, low), (a.whisker_high, e.whisker_high, high)] {
                assert!(x >= e.min && x <= e.max, "{what}: whisker {x} outside the data");
                let near = (x - y).abs() <= 0.05 * spread + y.abs() / 128.0;
                let across = (x - fence).abs() <= slack + BOUND * x.abs() || (y - fence).abs() <= slack;
                assert!(near || across, "{what}: whisker {x} vs {y} (fence {fence})");
            }
        }
        _ => assert_eq!(a, b, "{what}"),
    }
}

fn assert_version_performance(a: &[VersionPerformance], e: &[VersionPerformance], what: &str) {
    assert_eq!(a.len(), e.len(), "{what}");
    for (x, y) in a.iter().zip(e) {
        assert_eq!((&x.version, x.date), (&y.version, y.date), "{what}");
        assert_approx_summary(&x.summary, &y.summary, &format!("{what} {}", x.version));
    }
}

fn assert_matrix(a: &VersionMatrix, e: &VersionMatrix, what: &str) {
    assert_eq!((&a.versions, &a.groups), (&e.versions, &e.groups), "{what}");
    for (ra, re) in a.data.iter().zip(&e.data) {
        for (x, y) in ra.iter().zip(re) {
            match (x, y) {
                (Some(x), Some(y)) => assert!(close(*x, *y, BOUND), "{what}: median {x} vs {y}"),
                _ => assert_eq!(x, y, "{what}"),
            }
        }
    }
}

/// Every view the summaries serve, through `s` (summaries) and `d` (direct), compared.
fn assert_views_agree(s: &Store, d: &Store, endpoints: &[i64]) {
    for tz in [chrono_tz::UTC, chrono_tz::Asia::Kolkata, chrono_tz::America::New_York] {
        let (a, e) = (s.overview(now(), tz).expect("overview"), d.overview(now(), tz).expect("overview"));
        assert_eq!(a, e, "overview in {tz}");
    }
    let all = TimeRange::ALL;
    let (a, e) = (s.api_performance(all, None).expect("perf"), d.api_performance(all, None).expect("perf"));
    assert_eq!(a.len(), e.len());
    for (x, y) in a.iter().zip(&e) {
        assert_eq!((x.id, &x.name), (y.id, &y.name));
        assert_exact_summary(&x.summary, &y.summary, &format!("api_performance {}", x.name));
    }
    assert_eq!(s.versions(all, None).expect("versions"), d.versions(all, None).expect("versions"));
    assert_eq!(s.multi_version(all).expect("mv"), d.multi_version(all).expect("mv"));
    let week = TimeRange::since(now() - Duration::days(7));
    // Daily and hourly counts from the summary hours: whole-hour zones, a half-hour zone (split hours read from
    // the rows), a window starting before the data, dashboard-wide and per endpoint.
    for tz in [chrono_tz::UTC, chrono_tz::Europe::Amsterdam, chrono_tz::Asia::Kolkata, chrono_tz::America::New_York] {
        for days in [DayRange::ending_today(now(), tz, 10), DayRange::ending_today(now(), tz, 3)] {
            for endpoint in std::iter::once(None).chain(endpoints.iter().map(|&id| Some(id))) {
                let what = format!("{tz} {days:?} {endpoint:?}");
                let (a, e) = (s.daily_requests(days, tz, endpoint), d.daily_requests(days, tz, endpoint));
                assert_eq!(a.expect("daily"), e.expect("daily"), "daily {what}");
                let (a, e) = (s.hourly_load(days, tz, endpoint), d.hourly_load(days, tz, endpoint));
                assert_eq!(a.expect("hourly"), e.expect("hourly"), "hourly {what}");
            }
        }
    }
    // Windows holding most requests subtract the rows outside from the summaries' counts; small ones scan.
    let two_days = TimeRange::since(now() - Duration::days(2));
    for range in [all, week, two_days] {
        assert_status_agree(s, d, endpoints, range);
        let one = d.status_codes_per_endpoint(range, 7).expect("codes");
        for (id, codes) in one {
            assert_eq!(codes, d.status_codes(id, range, 7).expect("codes"), "per endpoint = one endpoint {id}");
        }
    }
    assert_eq!(s.multi_version(week).expect("mv"), d.multi_version(week).expect("mv"), "multi_version week");
    for range in windows() {
        assert_windows_agree(s, d, endpoints, range, false);
    }
    // Reports: the summaries predict the samples' sizes; the samples and answers are the direct ones.
    let options = ReportOptions::default();
    for preset in [Preset::Day, Preset::Week] {
        for tz in [chrono_tz::UTC, chrono_tz::Asia::Kolkata] {
            let pair = preset.intervals(now(), tz);
            let a = s.report_intervals(&pair.interval, &pair.baseline, &options).expect("report");
            let e = d.report_intervals(&pair.interval, &pair.baseline, &options).expect("report");
            assert_eq!(a, e, "report {preset:?} in {tz}");
        }
    }
    let _ = assert_summarized_reports(d);
    for &id in endpoints {
        let one = s.api_performance(all, Some(id)).expect("perf");
        let other = d.api_performance(all, Some(id)).expect("perf");
        assert_exact_summary(&one[0].summary, &other[0].summary, "api_performance one");
        assert_eq!(s.versions(all, Some(id)).expect("v"), d.versions(all, Some(id)).expect("v"));
        assert_eq!(s.users(id, all).expect("users"), d.users(id, all).expect("users"), "users of {id}");
        assert_eq!(s.ips(id, all).expect("ips"), d.ips(id, all).expect("ips"), "ips of {id}");
        assert_eq!(s.status_codes(id, all, 25).expect("codes"), d.status_codes(id, all, 25).expect("codes"));
        let (a, e) = (s.endpoint_summary(id, all).expect("s"), d.endpoint_summary(id, all).expect("s"));
        let (ma, me) = (a.as_ref().and_then(|a| a.mean), e.as_ref().and_then(|e| e.mean));
        assert!(ma.zip(me).map_or(ma == me, |(x, y)| close(x, y, 1e-12)), "summary {id}: mean {ma:?} vs {me:?}");
        let unmeant = |x: Option<EndpointSummary>| x.map(|x| EndpointSummary { mean: None, ..x });
        assert_eq!(unmeant(a), unmeant(e), "summary {id}");
        for range in [all, week] {
            let (a, e) = (s.version_performance(id, range).expect("vp"), d.version_performance(id, range).expect("vp"));
            assert_version_performance(&a, &e, &format!("version_performance {id}"));
        }
        for column in [GroupColumn::User, GroupColumn::Ip] {
            for range in [all, week] {
                let a = s.version_matrix(id, column, range, 5).expect("matrix");
                let e = d.version_matrix(id, column, range, 5).expect("matrix");
                assert_matrix(&a, &e, &format!("version_matrix {id} {column:?}"));
            }
        }
    }
    assert_group_windows_agree(s, d, endpoints);
}

/// Ranges of the per-user/IP views: all time (the tracked users' cells), and windows starting and ending
/// mid-hour, in a half-hour zone (Asia/Kolkata's day), on whole hours, inside one hour, at odd instants
/// (fractions of a second), before and after the data, open at either end.
fn group_windows() -> Vec<TimeRange> {
    let at = |s: &str| Some(t(s));
    vec![
        TimeRange::ALL,
        TimeRange::since(now() - Duration::days(7)),
        TimeRange::new(at("2026-11-21T10:30:00Z"), at("2026-11-26T07:17:45Z")),
        TimeRange::new(at("2026-11-25T18:30:00Z"), at("2026-11-26T18:30:00Z")),
        TimeRange::new(at("2026-11-20T00:00:00Z"), at("2026-11-24T00:00:00Z")),
        TimeRange::new(at("2026-11-25T10:10:00Z"), at("2026-11-25T10:50:00Z")),
        TimeRange::new(at("2026-11-22T09:59:59.999999Z"), at("2026-11-26T14:00:00.5Z")),
        TimeRange::new(at("2020-01-01T00:00:00Z"), at("2020-02-01T00:00:00Z")),
        TimeRange::since(t("2030-01-01T00:00:00Z")),
        TimeRange::since(t("2000-01-01T00:00:00Z")),
        TimeRange::new(None, at("2026-11-24T12:30:00Z")),
    ]
}

/// The per-user/IP views over [`group_windows`] through `s` (summaries, `ghour` for the windows) and `d`
/// (direct): hits exact, and, with `exact_window_rows` 0 so every window takes the histograms, box plots and
/// medians within the bound.
fn assert_group_windows_agree(s: &Store, d: &Store, endpoints: &[i64]) {
    let mut approx = Store::open_reader(s.path(), Some(s.tables().prefix())).expect("reader");
    approx.set_summary_policy(SummaryPolicy { exact_window_rows: 0, ..s.summary_policy() });
    for range in group_windows() {
        for &id in endpoints {
            let what = format!("{id} over {range:?}");
            for store in [s, &approx] {
                assert_eq!(store.users(id, range).expect("users"), d.users(id, range).expect("users"), "users {what}");
                assert_eq!(store.ips(id, range).expect("ips"), d.ips(id, range).expect("ips"), "ips {what}");
            }
            for column in [GroupColumn::User, GroupColumn::Ip] {
                for store in [s, &approx] {
                    for top in [Some(3), None] {
                        let a = store.group_performance(id, column, range, top).expect("groups");
                        let e = d.group_performance(id, column, range, top).expect("groups");
                        assert_group_performance(&a, &e, &format!("group_performance {column:?} {top:?} {what}"));
                    }
                    let a = store.version_matrix(id, column, range, 4).expect("matrix");
                    let e = d.version_matrix(id, column, range, 4).expect("matrix");
                    assert_matrix(&a, &e, &format!("version_matrix {column:?} {what}"));
                }
            }
        }
    }
}

fn assert_group_performance(a: &[GroupPerformance], e: &[GroupPerformance], what: &str) {
    let names = |l: &[GroupPerformance]| l.iter().map(|g| (g.group.clone(), g.hits)).collect::<Vec<_>>();
    assert_eq!(names(a), names(e), "{what}");
    for (x, y) in a.iter().zip(e) {
        assert_approx_summary(&x.summary, &y.summary, &format!("{what} {}", x.group));
    }
}

/// The usable durations of one endpoint on one side of a report, read from the rows.
fn side_durations(d: &Store, endpoint: i64, side: &Selection) -> Vec<f64> {
    let (condition, params) = match side {
        Selection::Interval { interval } => (
            "time_requested > ?2 AND time_requested <= ?3",
            vec![fmd_core::timefmt::format_utc(interval.from), fmd_core::timefmt::format_utc(interval.to)],
        ),
        Selection::Version { version } => ("version_requested = ?2 AND ?3 IS NULL", vec![version.clone()]),
    };
    let sql = format!("SELECT duration FROM {} WHERE endpoint_id = ?1 AND {condition}", d.tables().request);
    let mut stmt = d.connection().prepare(&sql).expect("prepare");
    let rows = stmt
        .query_map(rusqlite::params![endpoint, params.first(), params.get(1)], |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Integer(i) => Some(i as f64),
                rusqlite::types::ValueRef::Real(f) => Some(f),
                _ => None,
            })
        })
        .expect("query");
    let mut out: Vec<f64> =
        rows.filter_map(|r| r.expect("row")).filter(|d| d.is_finite() && d.abs() <= 1e308).collect();
    out.sort_by(f64::total_cmp);
    out
}

/// numpy's median of sorted values.
fn median_of(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Reports whose every side is answered from the summaries (`exact_window_rows: 0`) against the direct ones:
/// the endpoints and status-code answers equal exactly, the counts equal (the direct side also counts infinite
/// durations, which the histograms leave out), the medians are the side's own within half a bucket, the samples
/// are `min(n, 500)` values by rank. Returns how many reports the summaries answered.
fn assert_summarized_reports(d: &Store) -> usize {
    let path = d.path().to_path_buf();
    let mut s = Store::open_reader(&path, Some(d.tables().prefix())).expect("reader");
    s.set_summary_policy(SummaryPolicy { min_rows: 0, exact_window_rows: 0, ..SummaryPolicy::default() });
    let options = ReportOptions::default();
    let mut pairs: Vec<(Selection, Selection)> = Vec::new();
    for preset in [Preset::Day, Preset::Week, Preset::Month] {
        for tz in [chrono_tz::UTC, chrono_tz::Asia::Kolkata] {
            let pair = preset.intervals(now(), tz);
            pairs.push((
                Selection::Interval { interval: pair.interval },
                Selection::Interval { interval: pair.baseline },
            ));
        }
    }
    // Mid-hour, sub-second bounds; one interval inside a single hour.
    let odd_from = now() - Duration::days(4) - Duration::minutes(17) - Duration::microseconds(123_457);
    let odd_to = now() - Duration::days(1) + Duration::minutes(3) + Duration::microseconds(999_999);
    let inside = Interval { from: t("2026-11-25T10:05:00Z"), to: t("2026-11-25T10:55:30.5Z") };
    pairs.push((
        Selection::Interval { interval: Interval { from: odd_from, to: odd_to } },
        Selection::Interval { interval: inside },
    ));
    let versions = ["1.0", "1.1", "2.0", "3.0-py", "7", "", "missing"];
    for (a, b) in [(2, 0), (1, 0), (3, 2), (4, 0), (5, 6), (0, 0)] {
        pairs.push((
            Selection::Version { version: versions[a].to_string() },
            Selection::Version { version: versions[b].to_string() },
        ));
    }
    pairs.push((Selection::Version { version: "2.0".into() }, Selection::Interval { interval: inside }));
    let mut summarized = 0;
    for (comparison, baseline) in pairs {
        let what = format!("{comparison:?} vs {baseline:?}");
        let a = s.report(&comparison, &baseline, &options).expect("summarized report");
        let e = d.report(&comparison, &baseline, &options).expect("direct report");
        if a == e {
            // The summaries could not answer (e.g. a row they never cover): the report ran directly.
            continue;
        }
        summarized += 1;
        let ids = |r: &fmd_core::report::Report| r.summaries.iter().map(|x| x.endpoint_id).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&e), "endpoints of {what}");
        for (x, y) in a.summaries.iter().zip(&e.summaries) {
            let [Answer::MedianLatency(la), Answer::StatusCodeDistribution(sa)] = x.answers.as_slice() else {
                panic!("answers {what}")
            };
            let [Answer::MedianLatency(le), Answer::StatusCodeDistribution(se)] = y.answers.as_slice() else {
                panic!("answers {what}")
            };
            assert_eq!(sa, se, "status codes of {} in {what}", x.endpoint_id);
            for (side, count, direct_count, median, sample) in [
                (
                    &comparison,
                    la.comparison_count,
                    le.comparison_count,
                    la.comparison_median,
                    &la.latencies_sample.comparison_interval,
                ),
                (
                    &baseline,
                    la.compared_to_count,
                    le.compared_to_count,
                    la.compared_to_median,
                    &la.latencies_sample.compared_to_interval,
                ),
            ] {
                let values = side_durations(d, x.endpoint_id, side);
                assert_eq!(count, values.len() as u64, "usable durations of {} in {what}", x.endpoint_id);
                assert!(count <= direct_count, "direct count of {} in {what}", x.endpoint_id);
                let exact = median_of(&values);
                match (median, exact) {
                    (Some(m), Some(x)) => assert!(close(m, x, BOUND), "median {m} vs {x} in {what}"),
                    (m, x) => assert_eq!(m, x, "median in {what}"),
                }
                assert_eq!(sample.len(), values.len().min(500), "sample size in {what}");
                assert!(sample.windows(2).all(|w| w[0] <= w[1]), "sample by rank in {what}");
                for (i, v) in sample.iter().enumerate() {
                    let k = (2 * i + 1) * values.len() / (2 * sample.len());
                    assert!(close(*v, values[k], BOUND), "rank {k}: {v} vs {} in {what}", values[k]);
                }
            }
        }
    }
    summarized
}

#[test]
fn reports_from_the_summaries_decide_clear_cases_as_the_direct_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let mut w = Store::open_writer(&path, "").expect("writer");
    let slow = w.ensure_endpoint("slow", 1, "1.0", 0).expect("endpoint").id;
    let steady = w.ensure_endpoint("steady", 1, "1.0", 0).expect("endpoint").id;
    let mut rng = Rng(7);
    for (version, day, shift, errors) in
        [("1.0", "2026-11-25T00:00:00Z", 0.0, 2), ("2.0", "2026-11-26T00:00:00Z", 15.0, 12)]
    {
        let requests = (0..1500)
            .flat_map(|i: i64| {
                let time_micros = t(day).timestamp_micros() + i * 57_000_000 + 1;
                let status_code = if rng.below(100) < errors { 500 } else { 200 };
                let jitter = rng.below(1000) as f64 / 100.0;
                let request = |endpoint_id, duration_ms, status_code| NewRequest {
                    endpoint_id,
                    duration_ms,
                    time_micros,
                    group_by: "u".into(),
                    ip: "ip".into(),
                    status_code,
                };
                [
                    request(slow, 10.0 + shift + jitter, status_code),
                    request(steady, [5.0, 5.0, 6.0][(i % 3) as usize], 200),
                ]
            })
            .collect();
        w.write(&WriteBatch { version: version.into(), requests, ..WriteBatch::default() }).expect("write");
    }
    let mut s = summarised(&path);
    s.set_summary_policy(SummaryPolicy { min_rows: 0, exact_window_rows: 0, ..SummaryPolicy::default() });
    assert_eq!(refresh(&s), SummaryState::Ready);
    let d = direct(&path);
    let days = (
        Interval { from: t("2026-11-26T00:00:00Z"), to: t("2026-11-27T00:00:00Z") },
        Interval { from: t("2026-11-25T00:00:00Z"), to: t("2026-11-26T00:00:00Z") },
    );
    let options = ReportOptions::default();
    let reports = [
        (s.report_intervals(&days.0, &days.1, &options), d.report_intervals(&days.0, &days.1, &options)),
        (s.report_versions("2.0", "1.0", &options), d.report_versions("2.0", "1.0", &options)),
    ];
    for (a, e) in reports {
        let (a, e) = (a.expect("summarized"), e.expect("direct"));
        assert_ne!(a, e, "the summarized path was taken");
        for (x, y) in a.summaries.iter().zip(&e.summaries) {
            assert_eq!(x.endpoint_id, y.endpoint_id);
            let significant = |s: &fmd_core::report::EndpointSummary| {
                s.answers.iter().map(Answer::is_significant).collect::<Vec<_>>()
            };
            assert_eq!(significant(x), significant(y), "decisions for {}", x.endpoint_name);
            let expected = if x.endpoint_id == slow { vec![true, true] } else { vec![false, false] };
            assert_eq!(significant(x), expected, "{}", x.endpoint_name);
            assert_eq!(x.has_anything_significant, y.has_anything_significant);
        }
        assert!(assert_summarized_reports(&d) > 0, "reports from the summaries");
    }
}

/// Bounded windows of every kind the window views handle: starting and ending mid-hour, on whole hours, local
/// days of a half-hour zone, inside one hour, before the data, open at the end, and empty.
fn windows() -> Vec<TimeRange> {
    let kolkata = chrono_tz::Asia::Kolkata;
    vec![
        TimeRange::since(now() - Duration::days(7)),
        TimeRange::new(Some(t("2026-11-20T10:30:00Z")), Some(t("2026-11-25T17:45:30.5Z"))),
        TimeRange::new(Some(t("2026-11-22T00:00:00Z")), Some(t("2026-11-24T00:00:00Z"))),
        DayRange::ending_today(now(), kolkata, 3).time_range(kolkata),
        DayRange::ending_today(now(), kolkata, 1).time_range(kolkata),
        TimeRange::new(Some(t("2026-11-23T10:10:00Z")), Some(t("2026-11-23T10:50:00Z"))),
        TimeRange::since(t("2000-01-01T00:00:00Z")),
        TimeRange::new(Some(t("2026-11-23T10:10:00Z")), Some(t("2026-11-23T10:10:00Z"))),
        TimeRange::since(t("2030-01-01T00:00:00Z")),
    ]
}

/// The windowed performance, endpoint summary and version views through `s` (summaries) and `d` (direct) over
/// `range`: exactly equal, except percentiles within the bound when `approximate` (the policy of `s` then lets
/// windows use the hour histograms).
fn assert_windows_agree(s: &Store, d: &Store, endpoints: &[i64], range: TimeRange, approximate: bool) {
    let what = format!("{range:?}");
    let check = |a: &Option<DurationSummary>, e: &Option<DurationSummary>, what: &str| {
        if approximate {
            assert_approx_summary(a, e, what);
        } else {
            assert_exact_summary(a, e, what);
        }
    };
    let (a, e) = (s.api_performance(range, None).expect("perf"), d.api_performance(range, None).expect("perf"));
    assert_eq!(a.len(), e.len(), "{what}");
    for (x, y) in a.iter().zip(&e) {
        assert_eq!((x.id, &x.name), (y.id, &y.name), "api_performance {what}");
        check(&x.summary, &y.summary, &format!("api_performance {} {what}", x.name));
    }
    assert_eq!(s.multi_version(range).expect("mv"), d.multi_version(range).expect("mv"), "multi_version {what}");
    assert_eq!(s.versions(range, None).expect("v"), d.versions(range, None).expect("v"), "versions {what}");
    for &id in endpoints {
        let (a, e) =
            (s.api_performance(range, Some(id)).expect("perf"), d.api_performance(range, Some(id)).expect("perf"));
        check(&a[0].summary, &e[0].summary, &format!("api_performance {id} {what}"));
        assert_eq!(
            s.versions(range, Some(id)).expect("v"),
            d.versions(range, Some(id)).expect("v"),
            "versions {id} {what}"
        );
        let (a, e) = (s.endpoint_summary(id, range).expect("s"), d.endpoint_summary(id, range).expect("s"));
        match (a, e) {
            (Some(a), Some(e)) if approximate => {
                for (name, x, y, rel) in [
                    ("median", a.median, e.median, BOUND),
                    ("p95", a.p95, e.p95, BOUND),
                    ("p99", a.p99, e.p99, BOUND),
                    ("mean", a.mean, e.mean, 1e-12),
                ] {
                    match (x, y) {
                        (Some(x), Some(y)) => assert!(close(x, y, rel), "summary {id} {what}: {name} {x} vs {y}"),
                        (x, y) => assert_eq!(x, y, "summary {id} {what} {name}"),
                    }
                }
                let bare = |x: EndpointSummary| EndpointSummary { median: None, p95: None, p99: None, mean: None, ..x };
                assert_eq!(bare(a), bare(e), "{id} {what}");
            }
            (a, e) => assert_eq!(a, e, "summary {id} {what}"),
        }
        let (a, e) = (s.version_performance(id, range).expect("vp"), d.version_performance(id, range).expect("vp"));
        assert_eq!(a.len(), e.len(), "version_performance {id} {what}");
        for (x, y) in a.iter().zip(&e) {
            assert_eq!((&x.version, x.date), (&y.version, y.date), "version_performance {id} {what}");
            check(&x.summary, &y.summary, &format!("version_performance {id} {} {what}", x.version));
        }
    }
}

#[test]
fn built_from_scratch_equals_direct_computation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 6000, 7);
    let s = summarised(&path);
    let d = direct(&path);
    assert_eq!(s.summary_status().expect("status").state, SummaryState::Missing);
    assert_views_agree(&s, &d, &endpoints);
    let mut reports = Vec::new();
    let status = s.refresh_summaries(|done, total| reports.push((done, total))).expect("refresh");
    assert_eq!(status.state, SummaryState::Ready);
    assert!(reports.iter().any(|&(done, total)| done == 6000 && total == 6000), "progress: {reports:?}");
    assert!(reports.iter().all(|&(done, total)| done <= total));
    let status = s.summary_status().expect("status");
    assert_eq!((status.state, status.covered, status.behind), (SummaryState::Ready, 6000, 0));
    assert_views_agree(&s, &d, &endpoints);
}

#[test]
fn views_use_the_summaries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 3000, 11);
    let s = summarised(&path);
    refresh(&s);
    // Tamper with a count only the summaries hold: the views show it, so they read the summaries.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute("UPDATE fmd_summary_group SET hits = hits + 1000 WHERE endpoint = ?1 AND col = 0", [endpoints[0]])
        .expect("tamper");
    conn.execute("UPDATE fmd_summary_code SET hits = hits + 1000 WHERE endpoint = ?1", [endpoints[0]]).expect("tamper");
    let users: u64 = s.users(endpoints[0], TimeRange::ALL).expect("users").iter().map(|u| u.hits).sum();
    let direct_users: u64 =
        direct(&path).users(endpoints[0], TimeRange::ALL).expect("users").iter().map(|u| u.hits).sum();
    assert!(users > direct_users + 999, "{users} vs {direct_users}");
    let codes = s.status_codes(endpoints[0], TimeRange::ALL, 5).expect("codes");
    assert!(codes.counts.values().sum::<u64>() > direct_users + 999);
    // A bounded range takes the per-hour table (untouched here), not the all-time counts (on any window size).
    let mut windows = summarised(&path);
    windows.set_summary_policy(SummaryPolicy { min_rows: 0, exact_window_rows: 0, ..SummaryPolicy::default() });
    let wide = TimeRange::new(Some(t("2000-01-01T00:00:00Z")), None);
    let bounded: u64 = windows.users(endpoints[0], wide).expect("users").iter().map(|u| u.hits).sum();
    assert_eq!(bounded, direct_users);
    // Tampering with one user's hours (and the hour table, so "other" stays 0) shows in the window's counts.
    let (hour, grp, version): (i64, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT hour, grp, version FROM fmd_summary_ghour WHERE endpoint = ?1 AND col = 0 LIMIT 1",
            [endpoints[0]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a ghour row");
    conn.execute(
        "UPDATE fmd_summary_ghour SET hits = hits + 1000 WHERE endpoint = ?1 AND col = 0 AND hour = ?2 AND grp = ?3 \
         AND version = ?4",
        rusqlite::params![endpoints[0], hour, grp, version],
    )
    .expect("tamper");
    conn.execute(
        "UPDATE fmd_summary_hour SET hits = hits + 1000 WHERE endpoint = ?1 AND hour = ?2",
        rusqlite::params![endpoints[0], hour],
    )
    .expect("tamper");
    let bounded: u64 = windows.users(endpoints[0], wide).expect("users").iter().map(|u| u.hits).sum();
    assert_eq!(bounded, direct_users + 1000, "window counts from the ghour table");
    // Only the ghour row: its users no longer add up to the hour's requests, so the rows are read.
    conn.execute(
        "UPDATE fmd_summary_hour SET hits = hits - 1000 WHERE endpoint = ?1 AND hour = ?2",
        rusqlite::params![endpoints[0], hour],
    )
    .expect("untamper");
    let bounded: u64 = windows.users(endpoints[0], wide).expect("users").iter().map(|u| u.hits).sum();
    assert_eq!(bounded, direct_users, "incomplete hours are read directly");
    conn.execute(
        "UPDATE fmd_summary_ghour SET hits = hits - 1000 WHERE endpoint = ?1 AND col = 0 AND hour = ?2 AND grp = ?3 \
         AND version = ?4",
        rusqlite::params![endpoints[0], hour, grp, version],
    )
    .expect("untamper");
    // The deep check notices nothing here (counts and sums per endpoint hold), the cheap ones neither.
    let status = s
        .refresh_summaries_with(RefreshOptions { verify: Verify::Always, ..RefreshOptions::default() }, |_, _| {})
        .expect("refresh");
    assert_eq!(status.state, SummaryState::Ready);
    // Rewriting a request in place (what the cheap checks cannot see) is caught by the deep check.
    conn.execute("UPDATE Request SET duration = duration + 1 WHERE id = 5", []).expect("rewrite");
    s.refresh_summaries_with(RefreshOptions { verify: Verify::Always, ..RefreshOptions::default() }, |_, _| {})
        .expect("refresh");
    assert_views_agree(&s, &direct(&path), &endpoints);
}

type Dump = Vec<(String, Vec<Vec<rusqlite::types::Value>>)>;

/// The summary tables' rows (REALs rounded to 12 significant digits: sums may differ in the last bits).
fn dump(path: &Path, tables: &[(&str, &str)]) -> Dump {
    use rusqlite::types::Value;
    let conn = rusqlite::Connection::open(path).expect("open");
    tables
        .iter()
        .map(|(table, order)| {
            let mut stmt = conn.prepare(&format!("SELECT {table} ORDER BY {order}")).expect("prepare");
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get::<_, Value>(i)? {
                                Value::Real(f) => Value::Text(format!("{f:.12e}")),
                                v => v,
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows");
            (table.to_string(), rows)
        })
        .collect()
}

/// `(select list FROM table, order)`: sums compared through `sum + sum_c` (the split depends on the order of
/// additions).
const DATA_TABLES: &[(&str, &str)] = &[
    (
        "endpoint, version, hits, errors, valid, sum + sum_c, dmin, dmax, first_s, first_ns, tmin, tmax, hist \
         FROM fmd_summary_version",
        "endpoint, version",
    ),
    ("endpoint, hour, hits, errors, valid, sum + sum_c, dmin, dmax, hist FROM fmd_summary_hour", "endpoint, hour"),
    ("* FROM fmd_summary_group", "endpoint, col, grp"),
    ("* FROM fmd_summary_code", "endpoint, code"),
    ("* FROM fmd_summary_odd", "request"),
    ("* FROM fmd_summary_vcode", "endpoint, version, hour, code"),
    (
        "endpoint, hour, version, hits, errors, valid, sum + sum_c, dmin, dmax, hist FROM fmd_summary_vhour",
        "endpoint, hour, version",
    ),
    ("* FROM fmd_summary_packed", "endpoint, hour, seq"),
    ("* FROM fmd_summary_dict", "id"),
];

fn covered(store: &Store) -> u64 {
    store.summary_status().expect("status").covered
}

#[test]
fn incremental_refresh_equals_a_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 4000, 3);
    let s = summarised(&path);
    let d = direct(&path);
    assert_eq!(refresh(&s), SummaryState::Ready);
    // More rows from fmd's writer and from "Python FMD", in several rounds, times out of order.
    let mut writer = Store::open_writer(&path, "").expect("writer");
    for round in 0..3u64 {
        append(&mut writer, &endpoints, 700, 100 + round);
        insert_like_fmd(&path, endpoints[round as usize % endpoints.len()], 150, 200 + round);
        // Before the refresh: the rows above the mark are added on the fly.
        assert_views_agree(&s, &d, &endpoints);
        assert_eq!(refresh(&s), SummaryState::Ready);
        assert_views_agree(&s, &d, &endpoints);
    }
    assert_eq!(covered(&s), 4000 + 3 * 850);
    let incremental = dump(&path, DATA_TABLES);
    s.clear_summaries().expect("clear");
    assert_eq!(s.summary_status().expect("status").state, SummaryState::Missing);
    assert_eq!(refresh(&s), SummaryState::Ready);
    assert_eq!(dump(&path, DATA_TABLES), incremental, "incremental summaries equal rebuilt ones");
    assert_views_agree(&s, &d, &endpoints);
}

#[test]
fn rows_inserted_by_plain_sql_are_picked_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 2500, 5);
    let s = summarised(&path);
    let d = direct(&path);
    refresh(&s);
    insert_like_fmd(&path, endpoints[1], 400, 9);
    let versions = s.versions(TimeRange::ALL, Some(endpoints[1])).expect("versions");
    assert!(versions.iter().any(|v| v.version == "3.0-py"), "the new rows are seen before any refresh");
    assert_views_agree(&s, &d, &endpoints);
    refresh(&s);
    assert_eq!(covered(&s), 2900);
    assert_views_agree(&s, &d, &endpoints);
}

#[test]
fn deletions_are_noticed_and_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 3000, 21);
    let s = summarised(&path);
    let d = direct(&path);
    refresh(&s);
    // Views before the deletions: their consistency checks are remembered, and must not outlive a change.
    assert_views_agree(&s, &d, &endpoints);
    let conn = rusqlite::Connection::open(&path).expect("open");
    // 1. Rows in the middle (as housekeeping or a hand-made DELETE would).
    conn.execute("DELETE FROM Request WHERE id % 17 = 3", []).expect("delete");
    assert_views_agree(&s, &d, &endpoints);
    refresh(&s);
    let n: i64 = conn.query_row("SELECT count(*) FROM Request", [], |r| r.get(0)).expect("count");
    assert_eq!(covered(&s), n as u64, "rebuilt from the remaining rows");
    assert_views_agree(&s, &d, &endpoints);
    // 2. The newest row deleted and its id reused by a new request: same count, same max(rowid).
    let max: i64 = conn.query_row("SELECT max(id) FROM Request", [], |r| r.get(0)).expect("max");
    conn.execute("DELETE FROM Request WHERE id = ?1", [max]).expect("delete max");
    insert_like_fmd(&path, endpoints[2], 1, 77);
    let reused: i64 = conn.query_row("SELECT max(id) FROM Request", [], |r| r.get(0)).expect("max");
    assert_eq!(reused, max, "SQLite reuses the id");
    assert_views_agree(&s, &d, &endpoints);
    refresh(&s);
    assert_views_agree(&s, &d, &endpoints);
    // 3. Pruning as FMD does it: the oldest requests, in batches.
    let cutoff = fmd_core::timefmt::format_utc(now() - Duration::days(6));
    loop {
        let gone = conn
            .execute(
                "DELETE FROM Request WHERE id IN (SELECT id FROM Request WHERE time_requested < ?1 LIMIT 500)",
                [&cutoff],
            )
            .expect("prune");
        if gone == 0 {
            break;
        }
    }
    assert_views_agree(&s, &d, &endpoints);
    refresh(&s);
    let n: i64 = conn.query_row("SELECT count(*) FROM Request", [], |r| r.get(0)).expect("count");
    assert_eq!(covered(&s), n as u64);
    assert_views_agree(&s, &d, &endpoints);
    // 4. Everything deleted.
    conn.execute("DELETE FROM Request", []).expect("wipe");
    assert_views_agree(&s, &d, &endpoints);
    refresh(&s);
    assert_eq!(covered(&s), 0);
    assert_views_agree(&s, &d, &endpoints);
}

#[test]
fn read_only_files_answer_directly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 1500, 8);
    // Never built: every view answers from the requests.
    let s = summarised(&path);
    assert_eq!(s.summary_status().expect("status").state, SummaryState::Missing);
    assert_views_agree(&s, &direct(&path), &endpoints);
    // A file the process may not write: read-only permissions, or (for root, which ignores those) the immutable
    // attribute where the file system has it.
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).expect("dir");
    let file = ro.join("fmd.db");
    std::fs::copy(&path, &file).expect("copy");
    let mut perms = std::fs::metadata(&file).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&file, perms).expect("chmod");
    let _immutable = Immutable::set(&file);
    let writable = std::fs::OpenOptions::new().write(true).open(&file).is_ok();
    // Without a cache, nothing can be written: the views answer directly.
    let mut s = Store::open_reader_with(&file, None, &SummaryCache::Off).expect("reader");
    s.set_summary_policy(SummaryPolicy { min_rows: 0, ..SummaryPolicy::default() });
    let status = s.refresh_summaries(|_, _| {}).expect("refresh never fails on a read-only file");
    if writable {
        println!("cannot make {} read-only here; only the direct answers are checked", file.display());
    } else {
        assert_eq!(s.summary_home(), &SummaryHome::Nowhere);
        assert_eq!(status.state, SummaryState::ReadOnly);
        assert_eq!(s.summary_status().expect("status").state, SummaryState::Missing);
        assert!(s.clear_summaries().is_ok(), "nothing to clear, no error");
    }
    assert_views_agree(&s, &direct(&file), &endpoints);
    // With one, the summaries are built there (tests/summary_cache.rs covers the cache itself).
    let cache = dir.path().join("cache");
    let mut s = Store::open_reader_with(&file, None, &SummaryCache::Dir(cache.clone())).expect("reader");
    s.set_summary_policy(SummaryPolicy { min_rows: 0, ..SummaryPolicy::default() });
    let status = s.refresh_summaries(|_, _| {}).expect("refresh");
    if !writable {
        assert!(matches!(s.summary_home(), SummaryHome::Cache(c) if c.starts_with(&cache)));
        assert_eq!(status.state, SummaryState::Ready);
    }
    assert_views_agree(&s, &direct(&file), &endpoints);
}

/// The immutable attribute (`chattr +i`), removed again on drop.
struct Immutable(Option<PathBuf>);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        if std::fs::OpenOptions::new().write(true).open(path).is_err() {
            return Immutable(None);
        }
        let done = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        Immutable(done.then(|| path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = std::process::Command::new("chattr").arg("-i").arg(path).status();
        }
    }
}

#[test]
fn approximate_windows_stay_within_the_bound_and_exactness_on_demand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 5000, 13);
    let mut s = summarised(&path);
    let d = direct(&path);
    refresh(&s);
    // Windows always use the hour histograms.
    s.set_summary_policy(SummaryPolicy { min_rows: 0, exact_window_rows: 0, ..SummaryPolicy::default() });
    for tz in [chrono_tz::UTC, chrono_tz::Asia::Kolkata] {
        let (a, e) = (s.overview(now(), tz).expect("overview"), d.overview(now(), tz).expect("overview"));
        for (x, y) in a.iter().zip(&e) {
            assert_eq!(
                (x.id, x.hits_today, x.hits_today_errors, x.hits_week, x.hits_week_errors),
                (y.id, y.hits_today, y.hits_today_errors, y.hits_week, y.hits_week_errors)
            );
            assert_eq!((x.hits_overall, x.median_overall), (y.hits_overall, y.median_overall));
            for (m, n) in [(x.median_today, y.median_today), (x.median_week, y.median_week)] {
                match (m, n) {
                    (Some(m), Some(n)) => assert!(close(m, n, BOUND), "median {m} vs {n}"),
                    _ => assert_eq!(m, n),
                }
            }
        }
    }
    for range in windows() {
        assert_windows_agree(&s, &d, &endpoints, range, true);
    }
    // Exact on demand: the approximate views run their direct queries.
    s.set_summary_policy(SummaryPolicy { min_rows: 0, approximate: false, ..SummaryPolicy::default() });
    for range in windows() {
        assert_windows_agree(&s, &d, &endpoints, range, false);
    }
    for &id in &endpoints {
        assert_eq!(
            s.version_performance(id, TimeRange::ALL).expect("vp"),
            d.version_performance(id, TimeRange::ALL).expect("vp")
        );
        assert_eq!(
            s.version_matrix(id, GroupColumn::Ip, TimeRange::ALL, 5).expect("m"),
            d.version_matrix(id, GroupColumn::Ip, TimeRange::ALL, 5).expect("m")
        );
    }
    // Below min_rows, everything is direct: the default policy on this small file.
    s.set_summary_policy(SummaryPolicy::default());
    assert_eq!(s.overview(now(), chrono_tz::UTC).expect("o"), d.overview(now(), chrono_tz::UTC).expect("o"));
}

#[test]
fn a_budget_spreads_the_build_over_calls_and_a_lease_keeps_builders_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    // More rows than one read chunk (20 000), so a zero budget needs several calls.
    let (path, endpoints) = create(dir.path(), 45_000, 17);
    // The writer's own connection builds (its tables exist since open_writer).
    let mut writer = Store::open_writer(&path, "").expect("writer");
    writer.set_summary_policy(SummaryPolicy { min_rows: 0, ..SummaryPolicy::default() });
    let mut calls = 0;
    loop {
        calls += 1;
        let status = writer.refresh_summaries_within(std::time::Duration::ZERO, |_, _| {}).expect("refresh");
        if status.state == SummaryState::Ready {
            break;
        }
        assert_eq!(status.state, SummaryState::Partial);
        assert!(calls < 100, "progress every call");
    }
    assert!(calls >= 3, "a zero budget does one chunk per call: {calls}");
    let s = summarised(&path);
    let d = direct(&path);
    assert_eq!(s.overview(now(), chrono_tz::UTC).expect("o"), d.overview(now(), chrono_tz::UTC).expect("o"));
    assert_eq!(s.users(endpoints[0], TimeRange::ALL).expect("u"), d.users(endpoints[0], TimeRange::ALL).expect("u"));
    // Another live process holds the lease: no building, views still right.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute("UPDATE fmd_summary_state SET lease_owner = 'elsewhere', lease_until = 9e15", []).expect("lease");
    insert_like_fmd(&path, endpoints[0], 50, 1);
    assert_eq!(s.refresh_summaries(|_, _| {}).expect("refresh").state, SummaryState::Busy);
    assert_eq!(s.users(endpoints[0], TimeRange::ALL).expect("u"), d.users(endpoints[0], TimeRange::ALL).expect("u"));
    // An expired lease is taken over.
    conn.execute("UPDATE fmd_summary_state SET lease_until = 0", []).expect("lease");
    assert_eq!(refresh(&s), SummaryState::Ready);
    assert_eq!(covered(&s), 45_050);
}

#[test]
fn an_interrupted_multi_transaction_write_is_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 2000, 19);
    let s = summarised(&path);
    refresh(&s);
    // As if a refresh died between two of its transactions.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute("UPDATE fmd_summary_state SET pending = mark + 10", []).expect("pending");
    conn.execute("UPDATE fmd_summary_group SET hits = hits * 2", []).expect("half written");
    let d = direct(&path);
    assert_views_agree(&s, &d, &endpoints);
    assert_eq!(refresh(&s), SummaryState::Ready);
    assert_views_agree(&s, &d, &endpoints);
    // A summary row that does not decode is rebuilt too.
    conn.execute(
        "UPDATE fmd_summary_hour SET hist = X'FF' WHERE rowid IN (SELECT rowid FROM fmd_summary_hour LIMIT 1)",
        [],
    )
    .ok();
    conn.execute(
        "UPDATE fmd_summary_version SET hist = X'FF' WHERE endpoint = (SELECT min(endpoint) FROM fmd_summary_version)",
        [],
    )
    .expect("damage");
    assert_views_agree(&s, &d, &endpoints);
    insert_like_fmd(&path, endpoints[0], 10, 3);
    assert_eq!(refresh(&s), SummaryState::Ready);
    assert_views_agree(&s, &d, &endpoints);
}

#[test]
fn hostile_rows_give_the_same_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 1500, 23);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) VALUES
           (1, 'slow', '2026-11-22 10:00:00.000000', '1.0', 'mallory', '1.2.3.4', 200),
           (1, 3.0, 'yesterday', X'FF00', X'C328', 'ip', 'teapot'),
           (1, 3.0, NULL, NULL, NULL, '', NULL),
           (1, 3.0, 12345, 7, 8, 9, 404.0),
           (1, 1e999, '2026-11-22 11:00:00.000000', '1.0', 'inf', 'ip', 200),
           (NULL, 3.0, '2026-11-22 12:00:00.000000', '1.0', 'orphan', 'ip', 200),
           (999, 3.0, '2026-11-22 12:00:00.000000', '1.0', 'orphan', 'ip', 200),
           (2, -0.0, '2026-11-25T13:00:00', '1.0', 'iso', 'ip', 200),
           (2, 0.0, '2026-11-25 13:61:00.000000', '1.1', 'bad minute', 'ip', 503),
           (2, 1e-300, '2026-11-26 14:00:00.000000', X'312E30', 'blob version', 'ip', 404.5);",
    )
    .expect("hostile rows");
    let s = summarised(&path);
    refresh(&s);
    let d = direct(&path);
    // Endpoint 1 has unusable durations: its overall median is read directly, the rest from the summaries.
    assert_views_agree(&s, &d, &endpoints);
    let odd: i64 = conn.query_row("SELECT count(*) FROM fmd_summary_odd", [], |r| r.get(0)).expect("odd");
    assert_eq!(odd, 5, "times that are not FMD's exact text are kept aside");
    // A hand-made id below 1 is never summarised: views answer directly, refreshes do not rebuild each time.
    conn.execute(
        "INSERT INTO Request (id, endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
         VALUES (-5, 1, 2.0, '2026-11-26 10:00:00.000000', '1.0', 'neg', 'ip', 200)",
        [],
    )
    .expect("negative id");
    let generation =
        || -> i64 { conn.query_row("SELECT generation FROM fmd_summary_state", [], |r| r.get(0)).expect("generation") };
    refresh(&s);
    let before = generation();
    refresh(&s);
    assert_eq!(generation(), before, "nothing rebuilt");
    assert_views_agree(&s, &d, &endpoints);
}

#[test]
fn table_prefixes_are_honoured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("prefixed.db");
    let mut store = Store::open_writer(&path, "fmd").expect("writer");
    let endpoints: Vec<i64> = ["/x", "/y"]
        .iter()
        .map(|name| store.ensure_endpoint(name, 1, "1.0", now().timestamp_micros()).expect("endpoint").id)
        .collect();
    append(&mut store, &endpoints, 1200, 31);
    drop(store);
    let s = summarised(&path);
    assert_eq!(refresh(&s), SummaryState::Ready);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let rows: i64 = conn.query_row("SELECT rows FROM fmdfmd_summary_state", [], |r| r.get(0)).expect("state");
    assert_eq!(rows, 1200);
    assert_views_agree(&s, &direct(&path), &endpoints);
}

#[test]
fn merging_endpoints_clears_the_summaries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("merge.db");
    let mut store = fmd_core::Store::open_writer(&path, "").expect("create");
    let a = store.ensure_endpoint("a", 1, "1", 0).expect("a");
    let b = store.ensure_endpoint("b", 1, "1", 0).expect("b");
    let rows = |id: i64, n: i64| {
        (0..n)
            .map(|i| fmd_core::store::NewRequest {
                endpoint_id: id,
                duration_ms: 1.0 + i as f64,
                time_micros: 1_795_820_215_000_000 + i,
                group_by: "u".into(),
                ip: "127.0.0.1".into(),
                status_code: 200,
            })
            .collect::<Vec<_>>()
    };
    let mut batch = fmd_core::store::WriteBatch { version: "1".into(), ..Default::default() };
    batch.requests = rows(a.id, 30);
    batch.requests.extend(rows(b.id, 20));
    store.write(&batch).expect("write");
    store.set_summary_policy(SummaryPolicy { min_rows: 0, ..SummaryPolicy::default() });
    let built = store.refresh_summaries(|_, _| {}).expect("build");
    assert_eq!(built.covered, 50);
    store.merge_endpoints("a", "b").expect("merge");
    let status = store.summary_status().expect("status");
    assert_eq!(status.covered, 0, "emptied, to be rebuilt: {status:?}");
}

#[test]
fn windows_use_the_version_hours() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 3000, 31);
    let mut s = summarised(&path);
    refresh(&s);
    // Tamper with a count only the version hours hold: the windowed version views show it.
    let conn = rusqlite::Connection::open(&path).expect("open");
    let hour = (now() - Duration::days(2)).timestamp().div_euclid(3600);
    let changed = conn
        .execute(
            "UPDATE fmd_summary_vhour SET hits = hits + 1000 WHERE endpoint = ?1 AND hour = ?2",
            (endpoints[0], hour),
        )
        .expect("tamper");
    assert!(changed > 0, "the endpoint has requests in that hour");
    let week = TimeRange::since(now() - Duration::days(7));
    let hits = |m: &fmd_core::store::views::MultiVersion| m.counts.iter().flatten().sum::<u64>();
    let direct_hits = hits(&direct(&path).multi_version(week).expect("mv"));
    assert_eq!(hits(&s.multi_version(week).expect("mv")), direct_hits + 1000 * changed as u64);
    // Large windows take their counts and box plots from the version hours (here: a tampered maximum); small
    // ones read the rows.
    conn.execute("UPDATE fmd_summary_vhour SET dmax = 1e6 WHERE endpoint = ?1 AND hour = ?2", (endpoints[0], hour))
        .expect("tamper");
    let max =
        |list: &[VersionPerformance]| list.iter().filter_map(|v| v.summary.as_ref().map(|s| s.max)).fold(0.0, f64::max);
    let summary = |st: &Store| st.endpoint_summary(endpoints[0], week).expect("summary").expect("endpoint");
    let d = direct(&path);
    assert!(max(&s.version_performance(endpoints[0], week).expect("vp")) < 1e6, "small windows read the rows");
    assert_eq!(summary(&s), summary(&d), "small windows read the rows");
    s.set_summary_policy(SummaryPolicy { min_rows: 0, exact_window_rows: 0, ..SummaryPolicy::default() });
    assert_eq!(max(&s.version_performance(endpoints[0], week).expect("vp")), 1e6);
    assert!(max(&d.version_performance(endpoints[0], week).expect("vp")) < 1e6);
    assert_eq!(summary(&s).hits, summary(&d).hits + 1000 * changed as u64);
}

/// Random windows (to the microsecond, inside and around the data), with rows above the mark and rows with odd
/// times, against the direct queries, exact and with histogram percentiles.
#[test]
fn random_windows_equal_the_direct_queries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 4000, 41);
    let mut s = summarised(&path);
    refresh(&s);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) VALUES
           (1, 3.0, '2026-11-22T10:00:00', '1.0', 'iso', 'ip', 200),
           (2, 4.0, '2026-11-23 11:00:00', '9.9', 'short', 'ip', 500),
           (NULL, 3.0, '2026-11-22 12:00:00.000000', '1.0', 'orphan', 'ip', 200);",
    )
    .expect("odd rows");
    refresh(&s);
    let mut writer = Store::open_writer(&path, "").expect("writer");
    append(&mut writer, &endpoints, 300, 43);
    insert_like_fmd(&path, endpoints[1], 50, 44);
    let d = direct(&path);
    let mut rng = Rng(45);
    let span = 12 * 24 * 3600 * 1_000_000;
    for round in 0..12 {
        let a = now().timestamp_micros() - rng.below(span) as i64;
        let b = a + rng.below(span / 3) as i64;
        let at = |m: i64| DateTime::<Utc>::from_timestamp_micros(m).expect("instant");
        let range = if round % 4 == 0 { TimeRange::since(at(a)) } else { TimeRange::new(Some(at(a)), Some(at(b))) };
        let approximate = round % 2 == 1;
        let exact_window_rows = if approximate { 0 } else { SummaryPolicy::default().exact_window_rows };
        s.set_summary_policy(SummaryPolicy { min_rows: 0, exact_window_rows, ..SummaryPolicy::default() });
        assert_windows_agree(&s, &d, &endpoints, range, approximate);
    }
}

/// Requests of `endpoint` inserted with plain SQL, with the given user and IP, at `times` (FMD's text).
fn insert_group_rows(path: &Path, endpoint: i64, user: &str, ip: &str, times: &[String]) {
    let conn = rusqlite::Connection::open(path).expect("open");
    for (i, time) in times.iter().enumerate() {
        conn.execute(
            "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
             VALUES (?1, ?2, ?3, '2.0', ?4, ?5, 200)",
            rusqlite::params![endpoint, 3.0 + (i % 17) as f64 * 1.5, time, user, ip],
        )
        .expect("insert");
    }
}

/// `n` times spread over the 8 days before `now`, in FMD's text.
fn spread_times(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let back = rng.below(8 * 24 * 3600 * 1_000_000) as i64;
            fmd_core::timefmt::format_micros(now().timestamp_micros() - back)
        })
        .collect()
}

fn ghour_rows(path: &Path, user: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row(
        "SELECT count(*) FROM fmd_summary_ghour WHERE col = 0 AND grp = CAST(?1 AS BLOB)",
        [format!("\u{1}{user}")],
        |r| r.get(0),
    )
    .expect("ghour rows")
}

#[test]
fn a_user_tracked_later_gets_its_history_and_windows_stay_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 4000, 41);
    let s = summarised(&path);
    let d = direct(&path);
    refresh(&s);
    assert!(ghour_rows(&path, "user0") > 0, "every user of an endpoint with few is tracked");
    // A new user: its requests first sit above the mark (read exactly), then are covered before it is tracked.
    insert_group_rows(&path, endpoints[0], "latecomer", "10.9.9.9", &spread_times(30, 5));
    assert_group_windows_agree(&s, &d, &endpoints);
    // Fewer than 2 % new rows: not tracked yet, so windows holding its requests read the rows.
    let status = s
        .refresh_summaries_with(RefreshOptions { verify: Verify::Cheap, ..RefreshOptions::default() }, |_, _| {})
        .expect("refresh");
    assert_eq!(status.state, SummaryState::Ready);
    assert_eq!(ghour_rows(&path, "latecomer"), 0);
    assert_group_windows_agree(&s, &d, &endpoints);
    // Enough new rows to choose the tracked users again: the latecomer is tracked and its past filled in.
    insert_group_rows(&path, endpoints[0], "latecomer", "10.9.9.9", &spread_times(200, 6));
    assert_eq!(refresh(&s), SummaryState::Ready);
    assert!(ghour_rows(&path, "latecomer") > 0, "tracked and backfilled");
    let sum: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .query_row(
            "SELECT sum(hits) FROM fmd_summary_ghour WHERE col = 0 AND grp = CAST(?1 AS BLOB)",
            ["\u{1}latecomer"],
            |r| r.get(0),
        )
        .expect("sum");
    assert_eq!(sum, 230, "the rows from before it was tracked are in its hours");
    assert_group_windows_agree(&s, &d, &endpoints);
    // Rows above the mark again, with a NULL and a blob user.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) VALUES
           (1, 4.0, '2026-11-25 10:20:00.000000', '2.0', NULL, '', 200),
           (1, 5.0, '2026-11-25 10:21:00.000000', '2.0', X'C328', X'00', 200),
           (1, 6.0, '2026-11-25T10:22:00', '2.0', 'iso time', 'ip', 200);",
    )
    .expect("insert");
    assert_group_windows_agree(&s, &d, &endpoints);
    refresh(&s);
    assert_group_windows_agree(&s, &d, &endpoints);
}

#[test]
fn windows_with_untracked_ips_answer_from_the_packed_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 3000, 43);
    // 100 more IPs on the first endpoint: more than are tracked, so its IP windows are read from the rows.
    for i in 0..100 {
        insert_group_rows(
            &path,
            endpoints[0],
            "user1",
            &format!("192.168.0.{i}"),
            &spread_times(3 + i % 5, i as u64 + 1),
        );
    }
    let s = summarised(&path);
    refresh(&s);
    let d = direct(&path);
    assert_group_windows_agree(&s, &d, &endpoints);
    let tracked: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .query_row("SELECT count(*) FROM fmd_summary_track WHERE endpoint = ?1 AND col = 1", [endpoints[0]], |r| {
            r.get(0)
        })
        .expect("tracked");
    assert!((1..=64).contains(&tracked), "{tracked} tracked IPs");
}

/// Per IP: hits and the exact duration summary, from `store`.
fn ip_summaries(store: &Store, id: i64, range: TimeRange) -> Vec<(String, u64, Option<DurationSummary>)> {
    store
        .group_performance(id, GroupColumn::Ip, range, None)
        .expect("groups")
        .into_iter()
        .map(|g| (g.group, g.hits, g.summary))
        .collect()
}

fn assert_exact_groups(
    a: &[(String, u64, Option<DurationSummary>)],
    e: &[(String, u64, Option<DurationSummary>)],
    what: &str,
) {
    let names = |l: &[(String, u64, Option<DurationSummary>)]| l.iter().map(|g| (g.0.clone(), g.1)).collect::<Vec<_>>();
    assert_eq!(names(a), names(e), "{what}");
    for (x, y) in a.iter().zip(e) {
        assert_exact_summary(&x.2, &y.2, &format!("{what} {}", x.0));
    }
}

#[test]
fn untracked_ips_are_answered_exactly_from_the_packed_rows_and_damage_falls_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 3000, 47);
    let id = endpoints[0];
    for i in 0..120 {
        insert_group_rows(&path, id, "user2", &format!("172.16.0.{i}"), &spread_times(2 + i % 7, i as u64 + 50));
    }
    let mut s = summarised(&path);
    // Every window, however small, from the summaries (no histograms: the packed rows are exact).
    s.set_summary_policy(SummaryPolicy { exact_window_rows: 0, ..s.summary_policy() });
    assert_eq!(refresh(&s), SummaryState::Ready);
    let d = direct(&path);
    let ranges = [
        TimeRange::ALL,
        TimeRange::since(now() - Duration::days(7)),
        TimeRange::new(Some(t("2026-11-21T10:30:00Z")), Some(t("2026-11-26T07:17:45Z"))),
        TimeRange::new(Some(t("2026-11-20T00:00:00Z")), Some(t("2026-11-24T00:00:00Z"))),
    ];
    let before: Vec<_> = ranges.iter().map(|&r| ip_summaries(&d, id, r)).collect();
    for (range, expected) in ranges.iter().zip(&before) {
        assert!(expected.len() > 64, "more IPs than are tracked over {range:?}");
        assert_exact_groups(&ip_summaries(&s, id, *range), expected, &format!("{range:?}"));
        assert_matrix(
            &s.version_matrix(id, GroupColumn::Ip, *range, 500).expect("matrix"),
            &d.version_matrix(id, GroupColumn::Ip, *range, 500).expect("matrix"),
            &format!("matrix {range:?}"),
        );
    }
    // Durations rewritten in place (all but the mark's row, whose fingerprint the views check) are not noticed
    // before the periodic check: the answers still come from the packed rows, which proves they are read (the
    // direct query now differs).
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute(
        "UPDATE Request SET duration = duration + 1000 WHERE endpoint_id = ?1 AND rowid < (SELECT max(rowid) FROM Request)",
        [id],
    )
    .expect("rewrite");
    let whole_hours = TimeRange::new(Some(t("2026-11-20T00:00:00Z")), Some(t("2026-11-24T00:00:00Z")));
    assert_exact_groups(&ip_summaries(&s, id, whole_hours), &before[3], "from the packed rows");
    assert_exact_groups(&ip_summaries(&s, id, TimeRange::ALL), &before[0], "all time from the packed rows");
    assert_ne!(ip_summaries(&d, id, whole_hours), before[3], "the rows changed");
    // A damaged blob: the views read the rows instead.
    conn.execute(
        "UPDATE fmd_summary_packed SET data = X'FFFF' WHERE rowid = (SELECT min(rowid) FROM fmd_summary_packed \
         WHERE endpoint = ?1 AND hour >= ?2 AND hour < ?3)",
        rusqlite::params![
            id,
            t("2026-11-20T00:00:00Z").timestamp() / 3600,
            t("2026-11-24T00:00:00Z").timestamp() / 3600
        ],
    )
    .expect("damage");
    assert_exact_groups(&ip_summaries(&s, id, whole_hours), &ip_summaries(&d, id, whole_hours), "damaged blob");
    // A missing blob: the hour table's hits no longer match, the rows are read.
    conn.execute("DELETE FROM fmd_summary_packed WHERE endpoint = ?1", [id]).expect("delete");
    assert_exact_groups(&ip_summaries(&s, id, TimeRange::ALL), &ip_summaries(&d, id, TimeRange::ALL), "no blobs");
}

#[test]
fn a_refresh_of_an_unchanged_file_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 2000, 53);
    let s = summarised(&path);
    let d = direct(&path);
    assert_eq!(refresh(&s), SummaryState::Ready);
    let watcher = rusqlite::Connection::open(&path).expect("open");
    let version = || -> i64 { watcher.query_row("PRAGMA data_version", [], |r| r.get(0)).expect("data_version") };
    let before = version();
    let status = s.refresh_summaries(|_, _| {}).expect("refresh");
    assert_eq!((status.state, status.covered), (SummaryState::Ready, 2000));
    assert_eq!(version(), before, "nothing committed: not even the build lease was taken");
    // Any write makes the next refresh run again.
    insert_like_fmd(&path, endpoints[1], 5, 9);
    let status = s.refresh_summaries(|_, _| {}).expect("refresh");
    assert_eq!((status.state, status.covered), (SummaryState::Ready, 2005));
    assert_views_agree(&s, &d, &endpoints);
}

/// Every status-code view over `range` through `s` and `d`, equal.
fn assert_status_agree(s: &Store, d: &Store, endpoints: &[i64], range: TimeRange) {
    for &id in endpoints {
        let (a, e) = (s.status_codes(id, range, 7), d.status_codes(id, range, 7));
        assert_eq!(a.expect("codes"), e.expect("codes"), "status codes of {id} over {range:?}");
    }
    let (a, e) = (s.status_codes_per_endpoint(range, 7), d.status_codes_per_endpoint(range, 7));
    assert_eq!(a.expect("codes"), e.expect("codes"), "status codes per endpoint over {range:?}");
    let (a, e) = (s.dashboard_status_codes(range, 9), d.dashboard_status_codes(range, 9));
    assert_eq!(a.expect("codes"), e.expect("codes"), "dashboard status codes over {range:?}");
}

/// Every status-code view over [`windows`] through `s` and `d`, equal.
fn assert_status_windows_agree(s: &Store, d: &Store, endpoints: &[i64]) {
    for range in windows() {
        assert_status_agree(s, d, endpoints, range);
    }
}

#[test]
fn status_code_windows_come_from_the_code_hours_unless_codes_are_odd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, endpoints) = create(dir.path(), 3000, 59);
    let mut s = summarised(&path);
    // Every window from the summaries, however small.
    s.set_summary_policy(SummaryPolicy { exact_window_rows: 0, ..s.summary_policy() });
    assert_eq!(refresh(&s), SummaryState::Ready);
    let d = direct(&path);
    assert_status_windows_agree(&s, &d, &endpoints);
    // Rows above the mark, at the edges and with odd times are read from the table.
    insert_like_fmd(&path, endpoints[0], 40, 61);
    assert_status_windows_agree(&s, &d, &endpoints);
    // The code hours are what answers: 1000 more 200s in one whole hour inside the window (and in the code
    // table, so both still agree) show in the answer but not in the direct query.
    let conn = rusqlite::Connection::open(&path).expect("open");
    let id = endpoints[0];
    let hour = t("2026-11-23T05:00:00Z").timestamp() / 3600;
    let (version, hits): (Vec<u8>, i64) = conn
        .query_row(
            "SELECT version, hits FROM fmd_summary_vcode WHERE endpoint = ?1 AND hour = ?2 AND code = '200' LIMIT 1",
            rusqlite::params![id, hour],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a code hour");
    assert!(hits > 0);
    conn.execute(
        "UPDATE fmd_summary_vcode SET hits = hits + 1000 WHERE endpoint = ?1 AND hour = ?2 AND code = '200' \
         AND version = ?3",
        rusqlite::params![id, hour, version],
    )
    .expect("tamper");
    conn.execute("UPDATE fmd_summary_code SET hits = hits + 1000 WHERE endpoint = ?1 AND code = '200'", [id])
        .expect("tamper");
    let window = TimeRange::new(Some(t("2026-11-22T00:00:00Z")), Some(t("2026-11-24T00:00:00Z")));
    let count = |store: &Store| store.status_codes(id, window, 0).expect("codes").counts.get("200").copied();
    let direct_count = count(&d).expect("200s");
    assert_eq!(count(&s), Some(direct_count + 1000), "from the code hours");
    // Codes the views and the report key differently (text with spaces, a fraction, a blob): the code hours
    // cannot answer, the rows are read.
    conn.execute(
        "UPDATE fmd_summary_vcode SET hits = hits - 1000 WHERE endpoint = ?1 AND hour = ?2 AND code = '200' \
         AND version = ?3",
        rusqlite::params![id, hour, version],
    )
    .expect("untamper");
    conn.execute("UPDATE fmd_summary_code SET hits = hits - 1000 WHERE endpoint = ?1 AND code = '200'", [id])
        .expect("untamper");
    conn.execute_batch(
        "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) VALUES
           (1, 3.0, '2026-11-23 05:10:00.000000', '1.0', 'u', 'ip', ' 200'),
           (1, 3.0, '2026-11-23 05:11:00.000000', '1.0', 'u', 'ip', 404.5),
           (2, 3.0, '2026-11-23 05:12:00.000000', '1.0', 'u', 'ip', X'323030');",
    )
    .expect("odd codes");
    assert_eq!(refresh(&s), SummaryState::Ready);
    assert_status_windows_agree(&s, &d, &endpoints);
}
