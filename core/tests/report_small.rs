//! Reports on small generated databases: significance, deterministic sampling, degenerate sides, hostile
//! rows, interval bounds and presets.

use chrono::{DateTime, Utc};
use fmd_core::report::{Answer, Interval, MedianLatencyAnswer, NotTestable, Preset, ReportOptions, StatusCodeAnswer};
use fmd_core::store::{NewRequest, WriteBatch};
use fmd_core::Store;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn micros(s: &str) -> i64 {
    at(s).timestamp_micros()
}

struct Db {
    _dir: tempfile::TempDir,
    store: Store,
}

fn db() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_writer(dir.path().join("fmd.db"), "").expect("creates");
    Db { _dir: dir, store }
}

impl Db {
    fn endpoint(&self, name: &str) -> i64 {
        self.store.ensure_endpoint(name, 1, "1.0", 0).expect("endpoint").id
    }

    /// Writes `(endpoint, ms, µs, status)` rows under `version`.
    fn write(&mut self, version: &str, rows: &[(i64, f64, i64, u16)]) {
        let requests = rows
            .iter()
            .map(|&(endpoint_id, duration_ms, time_micros, status_code)| NewRequest {
                endpoint_id,
                duration_ms,
                time_micros,
                group_by: "None".into(),
                ip: "127.0.0.1".into(),
                status_code,
            })
            .collect();
        let batch = WriteBatch { version: version.into(), requests, ..WriteBatch::default() };
        self.store.write(&batch).expect("write");
    }
}

fn answers(report: &fmd_core::report::Report, name: &str) -> (MedianLatencyAnswer, StatusCodeAnswer) {
    let summary = report.summaries.iter().find(|s| s.endpoint_name == name).expect("endpoint in report");
    match summary.answers.as_slice() {
        [Answer::MedianLatency(l), Answer::StatusCodeDistribution(s)] => (l.clone(), s.clone()),
        other => panic!("unexpected answers {other:?}"),
    }
}

const DAY1: &str = "2026-03-01T12:00:00Z";
const DAY2: &str = "2026-03-02T12:00:00Z";

fn days() -> (Interval, Interval) {
    let baseline = Interval { from: at("2026-03-01T00:00:00Z"), to: at("2026-03-02T00:00:00Z") };
    let interval = Interval { from: at("2026-03-02T00:00:00Z"), to: at("2026-03-03T00:00:00Z") };
    (interval, baseline)
}

#[test]
fn slower_endpoint_and_more_errors_are_significant() {
    let mut db = db();
    let slow = db.endpoint("slow");
    let steady = db.endpoint("steady");
    let mut rows = Vec::new();
    for i in 0..100 {
        let jitter = f64::from(i % 7);
        rows.push((slow, 10.0 + jitter, micros(DAY1) + i64::from(i), 200));
        rows.push((slow, 20.0 + jitter, micros(DAY2) + i64::from(i), if i < 10 { 500 } else { 200 }));
        rows.push((steady, 5.0 + jitter, micros(DAY1) + i64::from(i), 200));
        rows.push((steady, 5.0 + f64::from((i + 3) % 7), micros(DAY2) + i64::from(i), 200));
    }
    db.write("1.0", &rows);
    let (interval, baseline) = days();
    let report = db.store.report_intervals(&interval, &baseline, &ReportOptions::default()).expect("report");

    let (latency, status) = answers(&report, "slow");
    assert!(latency.is_significant);
    assert_eq!(latency.comparison_median, Some(23.0));
    assert_eq!(latency.compared_to_median, Some(13.0));
    let diff = latency.percentual_diff.expect("diff");
    assert!((diff - 10.0 / 13.0 * 100.0).abs() < 1e-9);
    assert!(latency.p_value.expect("p") < 1e-10);
    assert!(status.is_significant, "500s went from 0% to 10%");
    let shares = status.percentages.expect("100 requests per side");
    assert_eq!(shares.iter().map(|s| s.status_code).collect::<Vec<_>>(), [Some(200), Some(500)]);
    assert!((shares[1].percentage_diff - 10.0).abs() < 1e-9);

    let (latency, status) = answers(&report, "steady");
    assert!(!latency.is_significant && !status.is_significant);
    assert_eq!(latency.percentual_diff, Some(0.0));
    let summary = report.summaries.iter().find(|s| s.endpoint_name == "steady").expect("steady");
    assert!(!summary.has_anything_significant);
}

#[test]
fn any_growing_share_is_significant() {
    // FMD's criterion is signed and covers every code: here 500s fell from 50% to 0%, so 200s grew by 50
    // points, which FMD (and fmd) report as significant.
    let mut db = db();
    let e = db.endpoint("healing");
    let mut rows = Vec::new();
    for i in 0..50 {
        rows.push((e, 1.0, micros(DAY1) + i64::from(i), if i < 25 { 500 } else { 200 }));
        rows.push((e, 1.0, micros(DAY2) + i64::from(i), 200));
    }
    db.write("1.0", &rows);
    let (interval, baseline) = days();
    let report = db.store.report_intervals(&interval, &baseline, &ReportOptions::default()).expect("report");
    let (latency, status) = answers(&report, "healing");
    assert!(status.is_significant);
    let shares = status.percentages.expect("50 per side");
    assert_eq!(shares.iter().map(|s| s.percentage_diff).collect::<Vec<_>>(), [50.0, -50.0]);
    // Every duration is equal: scipy raises, we say "not testable".
    assert_eq!(latency.not_testable, Some(NotTestable::NoneAbove));
    assert!(!latency.is_significant);
}

#[test]
fn sample_is_deterministic_and_evenly_spaced() {
    let mut db = db();
    let e = db.endpoint("busy");
    // 1200 requests on day 2 with duration = position in time; written in reverse so ids disagree with time.
    let rows: Vec<_> = (0..1200).rev().map(|i| (e, f64::from(i), micros(DAY2) + i64::from(i) * 1000, 200)).collect();
    db.write("2.0", &rows);
    let base: Vec<_> = (0..40).map(|i| (e, f64::from(i), micros(DAY1) + i64::from(i), 200)).collect();
    db.write("1.0", &base);

    let (interval, baseline) = days();
    let options = ReportOptions::default();
    let first = db.store.report_intervals(&interval, &baseline, &options).expect("report");
    let second = db.store.report_intervals(&interval, &baseline, &options).expect("report");
    assert_eq!(first, second, "the same file gives the same report");
    let (latency, _) = answers(&first, "busy");
    assert_eq!(latency.comparison_count, 1200);
    let sample = &latency.latencies_sample.comparison_interval;
    assert_eq!(sample.len(), 500);
    for (i, value) in sample.iter().enumerate() {
        assert_eq!(*value, (i * 1200 / 500) as f64, "position floor(i * n / 500) in time order");
    }
    assert_eq!(latency.latencies_sample.compared_to_interval.len(), 40);

    let by_version = db.store.report_versions("2.0", "1.0", &options).expect("report");
    let (latency, _) = answers(&by_version, "busy");
    assert_eq!(latency.latencies_sample.comparison_interval, *sample, "versions select the same rows");

    let small = ReportOptions { sample_size: 7, ..options };
    let report = db.store.report_intervals(&interval, &baseline, &small).expect("report");
    let (latency, _) = answers(&report, "busy");
    assert_eq!(latency.latencies_sample.comparison_interval, [0.0, 171.0, 342.0, 514.0, 685.0, 857.0, 1028.0]);
}

#[test]
fn zero_baseline_median_and_empty_sides() {
    let mut db = db();
    let zero = db.endpoint("zero");
    let only_old = db.endpoint("only_old");
    let idle = db.endpoint("idle");
    let mut rows = Vec::new();
    for i in 0..40 {
        rows.push((zero, 0.0, micros(DAY1) + i64::from(i), 200));
        rows.push((zero, 5.0, micros(DAY2) + i64::from(i), 200));
        rows.push((only_old, 3.0, micros(DAY1) + i64::from(i), 200));
    }
    db.write("1.0", &rows);
    let (interval, baseline) = days();
    let report = db.store.report_intervals(&interval, &baseline, &ReportOptions::default()).expect("report");

    let (latency, _) = answers(&report, "zero");
    assert_eq!(latency.compared_to_median, Some(0.0));
    assert_eq!(latency.percentual_diff, None, "no division by a zero baseline");
    assert!(latency.is_significant, "0 ms -> 5 ms with p < 0.05 is still a change");

    let (latency, status) = answers(&report, "only_old");
    assert_eq!(latency.not_testable, Some(NotTestable::EmptySample));
    assert_eq!((latency.comparison_median, latency.percentual_diff, latency.p_value), (None, None, None));
    assert!(!latency.is_significant && !status.is_significant);
    assert!(status.percentages.is_none());
    assert_eq!((status.comparison_count, status.compared_to_count), (0, 40));

    let summary = report.summaries.last().expect("summaries");
    assert_eq!(summary.endpoint_id, idle, "endpoints without requests come last but are listed");
    assert!(!summary.has_anything_significant);
    let json = serde_json::to_string(&report).expect("serialises");
    assert!(!json.contains("NaN") && !json.contains("inf"));
}

#[test]
fn interval_bounds_are_exclusive_then_inclusive() {
    let mut db = db();
    let e = db.endpoint("edge");
    db.write(
        "1.0",
        &[
            (e, 1.0, micros("2026-03-02T00:00:00Z"), 200), // == from: excluded
            (e, 2.0, micros("2026-03-02T00:00:00.000001Z"), 200),
            (e, 3.0, micros("2026-03-03T00:00:00Z"), 200), // == to: included
            (e, 4.0, micros("2026-03-03T00:00:00.000001Z"), 200),
        ],
    );
    let (interval, baseline) = days();
    let report = db.store.report_intervals(&interval, &baseline, &ReportOptions::default()).expect("report");
    let (latency, _) = answers(&report, "edge");
    assert_eq!(latency.latencies_sample.comparison_interval, [2.0, 3.0]);
    assert_eq!(latency.latencies_sample.compared_to_interval, [1.0], "from is the baseline's inclusive end");
}

#[test]
fn hostile_rows_never_panic() {
    let mut db = db();
    let e = db.endpoint("odd");
    db.write("1.0", &(0..35).map(|i| (e, 2.0 + f64::from(i), micros(DAY2) + i64::from(i), 200)).collect::<Vec<_>>());
    let conn = db.store.connection();
    // FMD never enables foreign keys, so its files can hold anything.
    conn.execute_batch("PRAGMA foreign_keys = OFF").expect("pragma");
    let t = db.store.tables().clone();
    let insert = format!(
        "INSERT INTO {} (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
         VALUES (?1, ?2, ?3, '1.0', NULL, '', ?4)",
        t.request
    );
    let when = "2026-03-02 18:00:00.000000";
    conn.execute(&insert, rusqlite::params![e, "fast", when, 200]).expect("text duration");
    conn.execute(&insert, rusqlite::params![e, vec![0_u8, 1], when, 200]).expect("blob duration");
    conn.execute(&insert, rusqlite::params![e, 1.0, when, "404"]).expect("text status");
    conn.execute(&insert, rusqlite::params![e, 1.0, when, rusqlite::types::Null]).expect("NULL status");
    conn.execute(&insert, rusqlite::params![rusqlite::types::Null, 1.0, when, 200]).expect("no endpoint");
    conn.execute(&insert, rusqlite::params!["x", 1.0, when, 200]).expect("text endpoint");
    conn.execute(&format!("INSERT INTO {} (name) VALUES (x'ff00')", t.endpoint), []).expect("blob name");

    let (interval, baseline) = days();
    let report = db.store.report_intervals(&interval, &baseline, &ReportOptions::default()).expect("report");
    let (latency, status) = answers(&report, "odd");
    assert_eq!(latency.comparison_count, 37, "35 + the two numeric odd rows; text and NULL durations skipped");
    assert_eq!(status.comparison_count, 39);
    assert!(report.summaries.iter().any(|s| s.endpoint_name == "\u{fffd}\u{0}"));
    let report = db.store.report_versions("1.0", "nope", &ReportOptions::default()).expect("report");
    assert!(report.summaries.iter().all(|s| !s.has_anything_significant));
}

#[test]
fn presets_feed_reports() {
    let mut db = db();
    let e = db.endpoint("daily");
    let mut rows = Vec::new();
    for i in 0..40 {
        rows.push((e, 10.0, micros("2026-03-01T08:00:00Z") + i64::from(i), 200));
        rows.push((e, 10.0, micros("2026-03-02T08:00:00Z") + i64::from(i), if i < 4 { 500 } else { 200 }));
    }
    db.write("1.0", &rows);
    let pair = Preset::Day.intervals(at("2026-03-02T09:30:00Z"), chrono_tz::UTC);
    let report = db.store.report_intervals(&pair.interval, &pair.baseline, &ReportOptions::default()).expect("report");
    let (latency, status) = answers(&report, "daily");
    assert_eq!((latency.comparison_count, latency.compared_to_count), (40, 40));
    assert!(status.is_significant, "10% 500s today, none yesterday");
}
