//! Latency over time and the overview's tail percentiles on small databases: the direct answers equal
//! hand-computed numpy percentiles, and with the summaries forced on (any size, histograms for every window)
//! the answers stay within half a histogram bucket (0.39 %) of the direct ones, with the same buckets and counts.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::views::LatencySeries;
use fmd_core::store::{NewRequest, SummaryPolicy, SummaryState, TimeRange, WriteBatch};
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
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn request(endpoint_id: i64, duration_ms: f64, time: DateTime<Utc>) -> NewRequest {
    NewRequest {
        endpoint_id,
        duration_ms,
        time_micros: time.timestamp_micros(),
        group_by: "u".to_string(),
        ip: "10.0.0.1".to_string(),
        status_code: 200,
    }
}

fn write(path: &Path, names: &[&str], requests: impl Fn(&[i64]) -> Vec<NewRequest>) -> Vec<i64> {
    let mut store = Store::open_writer(path, "").expect("writer");
    let ids: Vec<i64> = names
        .iter()
        .map(|n| store.ensure_endpoint(n, 1, "1.0", now().timestamp_micros()).expect("endpoint").id)
        .collect();
    for chunk in requests(&ids).chunks(500) {
        store
            .write(&WriteBatch { version: "1.0".into(), requests: chunk.to_vec(), ..WriteBatch::default() })
            .expect("write");
    }
    ids
}

fn reader(path: &Path, policy: SummaryPolicy) -> Store {
    let mut store = Store::open_reader(path, None).expect("reader");
    store.set_summary_policy(policy);
    store
}

fn direct(path: &Path) -> Store {
    reader(path, SummaryPolicy { enabled: false, ..SummaryPolicy::default() })
}

fn close(a: Option<f64>, b: Option<f64>, rel: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12,
        (a, b) => a == b,
    }
}

#[test]
fn direct_buckets_hold_numpys_percentiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let ids = write(&path, &["/a", "/b"], |ids| {
        let mut v = Vec::new();
        // 10:00-11:00: 1, 2, 3, 4, 10 (and one of /b, left out for /a); 12:00-13:00: 7, 5.
        for (d, m) in [(4.0, 5), (1.0, 10), (10.0, 59), (3.0, 30), (2.0, 0)] {
            v.push(request(ids[0], d, t("2026-11-27T10:00:00Z") + Duration::minutes(m)));
        }
        v.push(request(ids[1], 1000.0, t("2026-11-27T10:30:00Z")));
        v.push(request(ids[0], 7.0, t("2026-11-27T12:10:00Z")));
        v.push(request(ids[0], 5.0, t("2026-11-27T12:50:00Z")));
        v
    });
    let store = direct(&path);
    let day = TimeRange::new(Some(t("2026-11-27T00:00:00Z")), Some(t("2026-11-28T00:00:00Z")));
    let series = store.latency_series(day, Some(ids[0])).expect("latency");
    assert_eq!(series.buckets.len(), 24, "24 hours of one hour");
    let b = &series.buckets[10];
    assert_eq!((b.start, b.end), (t("2026-11-27T10:00:00Z"), t("2026-11-27T11:00:00Z")));
    // numpy.percentile([1, 2, 3, 4, 10], 95) = 4 + 0.8 * (10 - 4) = 8.8; the median 3.
    assert_eq!((b.count, b.p50), (5, Some(3.0)));
    assert!((b.p95.expect("p95") - 8.8).abs() < 1e-12, "{:?}", b.p95);
    // [5, 7]: median 6, p95 = 5 + 0.95 * 2 = 6.9.
    let b = &series.buckets[12];
    assert_eq!((b.count, b.p50), (2, Some(6.0)));
    assert!((b.p95.expect("p95") - 6.9).abs() < 1e-12, "{:?}", b.p95);
    assert_eq!((series.buckets[11].count, series.buckets[11].p50), (0, None));
    // All endpoints: /b's request joins the 10:00 bucket.
    let all = store.latency_series(day, None).expect("latency");
    assert_eq!((all.buckets[10].count, all.buckets[10].p50), (6, Some(3.5)));
    // An open window runs from the first request's hour to the end of the last one's.
    let open = store.latency_series(TimeRange::ALL, Some(ids[0])).expect("latency");
    let (first, last) = (open.buckets.first().expect("first"), open.buckets.last().expect("last"));
    assert_eq!((first.start, last.end), (t("2026-11-27T10:00:00Z"), t("2026-11-27T13:00:00Z")));
    assert_eq!(open.buckets.iter().map(|b| b.count).sum::<u64>(), 7);
    // Nothing to show: no buckets for an open window, empty ones for a bounded window.
    let empty = store.latency_series(TimeRange::since(t("2026-11-28T00:00:00Z")), None).expect("latency");
    assert_eq!(empty, LatencySeries::default());

    // The overview's tail percentiles over the same requests (today in UTC: all of /a's 7).
    let rows = store.overview(now(), chrono_tz::UTC).expect("overview");
    let a = rows.iter().find(|r| r.id == ids[0]).expect("/a");
    // Sorted: 1 2 3 4 5 7 10. p95: index 5.7 -> 7 + 0.7 * 3 = 9.1; p99: 5.94 -> 7 + 0.94 * 3 = 9.82.
    for (p95, p99) in [(a.p95_today, a.p99_today), (a.p95_week, a.p99_week), (a.p95_overall, a.p99_overall)] {
        assert!((p95.expect("p95") - 9.1).abs() < 1e-12, "{p95:?}");
        assert!((p99.expect("p99") - 9.82).abs() < 1e-12, "{p99:?}");
    }
    assert_eq!(a.median_overall, Some(4.0));
    // The endpoint summary: from the index over all time, from the rows over a window.
    for range in [TimeRange::ALL, day] {
        let s = store.endpoint_summary(ids[0], range).expect("summary").expect("endpoint");
        assert_eq!((s.median, s.max), (Some(4.0), Some(10.0)), "{range:?}");
        assert!((s.mean.expect("mean") - 32.0 / 7.0).abs() < 1e-12, "{range:?} {:?}", s.mean);
        assert!((s.p95.expect("p95") - 9.1).abs() < 1e-12, "{range:?} {:?}", s.p95);
        assert!((s.p99.expect("p99") - 9.82).abs() < 1e-12, "{range:?} {:?}", s.p99);
    }
}

fn generated(dir: &Path) -> (PathBuf, Vec<i64>) {
    let path = dir.join("fmd.db");
    let ids = write(&path, &["/a", "/b", "/c"], |ids| {
        let mut rng = Rng(7);
        (0..6000)
            .map(|_| {
                let e = ids[(rng.below(3) * rng.below(3) / 2) as usize];
                let d = match rng.below(10) {
                    0 => 250.0 + rng.below(100_000) as f64 / 37.0,
                    _ => 1.0 + rng.below(50_000) as f64 / 997.0,
                };
                let back = rng.below(10 * 24 * 3600 * 1_000_000) as i64;
                request(e, d, now() - Duration::microseconds(back))
            })
            .collect()
    });
    (path, ids)
}

#[test]
fn summaries_give_the_same_buckets_within_half_a_bucket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, ids) = generated(dir.path());
    let s = reader(&path, SummaryPolicy { min_rows: 0, exact_window_rows: 0, ..SummaryPolicy::default() });
    assert_eq!(s.refresh_summaries(|_, _| {}).expect("refresh").state, SummaryState::Ready);
    let d = direct(&path);
    let ranges = [
        TimeRange::ALL,
        TimeRange::since(now() - Duration::days(7)),
        TimeRange::new(Some(now() - Duration::days(3)), Some(now() - Duration::hours(20))),
        TimeRange::new(Some(t("2026-11-20T00:00:00Z")), Some(t("2026-11-27T00:00:00Z"))),
    ];
    let mut differ = 0;
    for range in ranges {
        for endpoint in std::iter::once(None).chain(ids.iter().map(|&e| Some(e))) {
            let what = format!("{range:?} {endpoint:?}");
            let (a, e) = (s.latency_series(range, endpoint).expect("s"), d.latency_series(range, endpoint).expect("d"));
            assert!(e.buckets.len() >= 20, "{what}: {} buckets", e.buckets.len());
            assert_eq!(a.buckets.len(), e.buckets.len(), "{what}");
            for (x, y) in a.buckets.iter().zip(&e.buckets) {
                assert_eq!((x.start, x.end, x.count), (y.start, y.end, y.count), "{what}");
                assert!(close(x.p50, y.p50, BOUND), "{what} p50 {:?} vs {:?}", x.p50, y.p50);
                assert!(close(x.p95, y.p95, BOUND), "{what} p95 {:?} vs {:?}", x.p95, y.p95);
                differ += usize::from(x.p50 != y.p50);
            }
        }
    }
    assert!(differ > 0, "the histograms answered (their numbers are not the rows')");

    // The overview: overall tails exact (ranks located by the histograms, values from the index), today's and
    // the week's from the histograms.
    let (a, e) = (s.overview(now(), chrono_tz::UTC).expect("o"), d.overview(now(), chrono_tz::UTC).expect("o"));
    assert_eq!(a.len(), e.len());
    for (x, y) in a.iter().zip(&e) {
        assert_eq!((x.p95_overall, x.p99_overall), (y.p95_overall, y.p99_overall), "{}", x.name);
        for (m, n) in
            [(x.p95_today, y.p95_today), (x.p99_today, y.p99_today), (x.p95_week, y.p95_week), (x.p99_week, y.p99_week)]
        {
            assert!(close(m, n, BOUND), "{}: {m:?} vs {n:?}", x.name);
        }
    }
}
