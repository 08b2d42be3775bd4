//! The status codes of every endpoint at once (`fmd show status-codes` without `--endpoint`) equal those of
//! each endpoint asked on its own, with or without the summaries, on data shaped like the heavy-tailed file of
//! issue 18: many endpoints with a steep load, 4 % errors over four codes, an endpoint with few requests whose
//! only error is the oldest request, rows sharing a time, and rows Python FMD or a damaged file could hold
//! (no endpoint, no time, text status codes).

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::{NewRequest, SummaryPolicy, TimeRange, WriteBatch};
use fmd_core::Store;

fn now() -> DateTime<Utc> {
    "2026-12-04T00:00:00Z".parse().expect("time")
}

/// SplitMix64, seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn create(path: &Path) -> Vec<i64> {
    let mut store = Store::open_writer(path, "").expect("writer");
    let start = now() - Duration::days(30);
    let mut ids: Vec<i64> = (0..40)
        .map(|k| store.ensure_endpoint(&format!("/e{k}"), 1, "1.0", start.timestamp_micros()).expect("endpoint").id)
        .collect();
    let weights: Vec<f64> = (0..ids.len()).map(|k| 1.0 / (k as f64 + 1.0).powf(1.2)).collect();
    let total: f64 = weights.iter().sum();
    let mut rng = Rng(18);
    let rows = 30_000u64;
    let span = (now() - start).num_microseconds().expect("span");
    let mut requests = Vec::new();
    for i in 0..rows {
        let mut x = rng.unit() * total;
        let k = weights
            .iter()
            .position(|w| {
                if x < *w {
                    true
                } else {
                    x -= w;
                    false
                }
            })
            .unwrap_or(ids.len() - 1);
        let micros = start.timestamp_micros() + span * i as i64 / rows as i64;
        let status_code = if rng.unit() < 0.04 { [404, 500, 503, 401][(rng.next() % 4) as usize] } else { 200 };
        requests.push(NewRequest {
            endpoint_id: ids[k],
            duration_ms: 1.0 + 100.0 * rng.unit(),
            time_micros: micros,
            group_by: format!("user{}", rng.next() % 50),
            ip: format!("10.0.{}.{}", rng.next() % 7, rng.next() % 250),
            status_code,
        });
    }
    // Pairs of errors of one endpoint at one time (ties are broken by id, newest first).
    for j in 0..200 {
        let mut a = requests[j * 100].clone();
        a.endpoint_id = ids[j % 6];
        a.status_code = 500;
        let b = NewRequest { status_code: 503, ..a.clone() };
        requests.insert(j * 100 + 1, b);
        requests.insert(j * 100 + 1, a);
    }
    for (n, chunk) in requests.chunks(5_000).enumerate() {
        let version = if n < 3 { "1.0" } else { "1.1" };
        store
            .write(&WriteBatch { version: version.into(), requests: chunk.to_vec(), ..WriteBatch::default() })
            .expect("write");
    }
    // Few requests, the only error the oldest request of the file.
    let rare = store.ensure_endpoint("/rare", 1, "1.0", start.timestamp_micros()).expect("endpoint").id;
    let rare_rows: Vec<NewRequest> = (0..20)
        .map(|i| NewRequest {
            endpoint_id: rare,
            duration_ms: 3.0,
            time_micros: start.timestamp_micros() - 1_000_000 + i * 86_400_000_000,
            group_by: "None".into(),
            ip: "127.0.0.1".into(),
            status_code: if i == 0 { 500 } else { 200 },
        })
        .collect();
    store.write(&WriteBatch { version: "1.0".into(), requests: rare_rows, ..WriteBatch::default() }).expect("write");
    ids.push(rare);
    drop(store);
    let conn = rusqlite::Connection::open(path).expect("open");
    let recent = fmd_core::timefmt::format_utc(now() - Duration::hours(2));
    for (endpoint, time, status) in [
        ("NULL", format!("'{recent}'"), "500"),
        (&*format!("'{}'", ids[3]), format!("'{recent}'"), "503"),
        (&*ids[2].to_string(), "NULL".to_string(), "404"),
        (&*ids[1].to_string(), format!("'{recent}'"), "' 500'"),
        (&*ids[1].to_string(), format!("'{recent}'"), "NULL"),
    ] {
        conn.execute(
            &format!(
                "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, \
                 status_code) VALUES ({endpoint}, 5.0, {time}, '1.1', 'None', '127.0.0.1', {status})"
            ),
            [],
        )
        .expect("insert");
    }
    ids
}

fn reader(path: &Path, summaries: bool) -> Store {
    let mut store = Store::open_reader(path, None).expect("reader");
    let policy = if summaries {
        SummaryPolicy { min_rows: 0, exact_window_rows: 0, ..SummaryPolicy::default() }
    } else {
        SummaryPolicy { enabled: false, ..SummaryPolicy::default() }
    };
    store.set_summary_policy(policy);
    store
}

#[test]
fn every_endpoints_status_codes_equal_each_endpoints_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    let ids = create(&path);
    let summarised = reader(&path, true);
    summarised.refresh_summaries(|_, _| {}).expect("refresh");
    // A few requests above the summaries' mark, as a running service adds them.
    let mut store = Store::open_writer(&path, "").expect("writer");
    let late: Vec<NewRequest> = (0..30)
        .map(|i| NewRequest {
            endpoint_id: ids[(i * 7) % ids.len()],
            duration_ms: 2.0,
            time_micros: (now() - Duration::minutes(30)).timestamp_micros() + i as i64,
            group_by: "None".into(),
            ip: "127.0.0.1".into(),
            status_code: if i % 3 == 0 { 500 } else { 200 },
        })
        .collect();
    store.write(&WriteBatch { version: "1.1".into(), requests: late, ..WriteBatch::default() }).expect("write");
    drop(store);
    let direct = reader(&path, false);
    let ranges = [
        TimeRange::ALL,
        TimeRange::since(now() - Duration::days(7)),
        TimeRange::since(now() - Duration::hours(24)),
        TimeRange::new(Some(now() - Duration::days(20)), Some(now() - Duration::days(10))),
    ];
    let mut listed = 0;
    for range in ranges {
        for limit in [0, 1, 7, 100, 10_000] {
            let expected: Vec<_> =
                ids.iter().map(|&id| (id, direct.status_codes(id, range, limit).expect("one endpoint"))).collect();
            for (store, what) in [(&summarised, "summaries"), (&direct, "direct")] {
                let all = store.status_codes_per_endpoint(range, limit).expect("every endpoint");
                let all: Vec<_> = all.into_iter().filter(|(id, _)| ids.contains(id)).collect();
                assert_eq!(all.len(), expected.len(), "{what}, {range:?}, limit {limit}");
                for ((id, a), (_, e)) in all.iter().zip(&expected) {
                    let ids = |s: &fmd_core::store::views::StatusCodes| -> Vec<i64> {
                        s.error_requests.iter().map(|r| r.id).collect()
                    };
                    let at = format!("{what}, endpoint {id}, {range:?}, limit {limit}");
                    assert_eq!(a.counts, e.counts, "{at}");
                    assert_eq!(ids(a), ids(e), "{at}: error requests");
                    assert_eq!(a, e, "{at}");
                }
            }
            listed += expected.iter().map(|(_, s)| s.error_requests.len()).sum::<usize>();
        }
    }
    assert!(listed > 1000, "the comparison lists errors: {listed}");
    let rare = direct.status_codes(*ids.last().expect("rare"), TimeRange::ALL, 100).expect("rare");
    assert_eq!(rare.error_requests.len(), 1, "the rare endpoint's one old error");
}
