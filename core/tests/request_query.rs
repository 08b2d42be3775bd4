//! `Store::requests`: filters (status, user, IP, version, prefixes) and orders (time, duration) run in the
//! query, checked against the same selection made in memory from every row, on each access path (a small
//! endpoint read through its index, a busy one through the time index, bounded and open windows).

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, RequestRow};
use fmd_core::store::{NewRequest, TimeRange, WriteBatch};
use fmd_core::Store;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

/// 4 950 requests of one busy endpoint (a: more than the probe of a user filter, so that rare values take the
/// table scan) and 150 of a quiet one (b), over 18 days, with several users, IPs,
/// versions and codes; durations with ties.
fn database(dir: &std::path::Path) -> (Store, i64, i64) {
    let mut store = Store::open_writer(dir.join("fmd.db"), "").expect("writer");
    let start = t("2026-11-01T00:00:00Z");
    let a = store.ensure_endpoint("/a", 1, "1.0", start.timestamp_micros()).expect("a").id;
    let b = store.ensure_endpoint("/b", 1, "1.0", start.timestamp_micros()).expect("b").id;
    for (version, part) in [("1.0", 0..2500), ("1.2", 2500..5100)] {
        let requests = part
            .map(|i: i64| NewRequest {
                endpoint_id: if i % 35 == 0 { b } else { a },
                duration_ms: ((i * 7919) % 500) as f64 / 2.0,
                time_micros: (start + Duration::minutes(i * 5) + Duration::microseconds(i % 3)).timestamp_micros(),
                group_by: ["alice", "bob", "carol", "a*b"][(i % 4) as usize].to_string(),
                ip: format!("10.0.{}.{}", i % 3, i % 7),
                status_code: [200, 200, 200, 404, 500, 503, 302][(i % 7) as usize],
            })
            .collect();
        store.write(&WriteBatch { version: version.into(), requests, ..WriteBatch::default() }).expect("write");
    }
    drop(store);
    (Store::open_reader(dir.join("fmd.db"), None).expect("reader"), a, b)
}

/// The same selection, in memory.
fn expected(all: &[RequestRow], range: TimeRange, query: &RequestQuery, limit: usize, offset: usize) -> Vec<i64> {
    let text_ok = |m: &Option<fmd_core::store::views::TextMatch>, value: &str| {
        m.as_ref().is_none_or(|m| if m.prefix { value.starts_with(&m.text) } else { value == m.text })
    };
    let f = &query.filter;
    let mut rows: Vec<&RequestRow> = all
        .iter()
        .filter(|r| r.time_requested.is_some_and(|t| range.contains(t)))
        .filter(|r| f.status.is_none_or(|s| r.status_code.is_some_and(|c| (s.from..=s.to).contains(&c))))
        .filter(|r| text_ok(&f.user, &r.group_by) && text_ok(&f.ip, &r.ip) && text_ok(&f.version, &r.version_requested))
        .collect();
    match query.order {
        RequestOrder::Time => rows.sort_by_key(|r| std::cmp::Reverse((r.time_requested, r.id))),
        RequestOrder::Duration => rows.sort_by(|x, y| {
            y.duration.partial_cmp(&x.duration).unwrap_or(std::cmp::Ordering::Equal).then(y.id.cmp(&x.id))
        }),
    }
    rows.iter().skip(offset).take(limit).map(|r| r.id).collect()
}

#[test]
fn filters_and_orders_match_the_same_selection_made_in_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, a, b) = database(dir.path());
    let ranges = [
        TimeRange::ALL,
        TimeRange::new(Some(t("2026-11-05T00:00:00Z")), Some(t("2026-11-12T00:00:00Z"))),
        TimeRange::since(t("2026-11-15T00:00:00Z")),
    ];
    let filters = [
        "",
        "status:5xx",
        "status:404",
        "user:alice",
        "user:a*b",
        "user:a*",
        "ip:10.0.1.*",
        "version:1.2",
        "status:4xx-5xx user:bob ip:10.0.2.* version:1.0",
    ];
    let mut checked = 0;
    for id in [a, b] {
        let all = store.recent_requests(id, TimeRange::ALL, usize::MAX, 0).expect("all");
        assert!(all.len() > 100);
        for range in ranges {
            for text in filters {
                for order in [RequestOrder::Time, RequestOrder::Duration] {
                    let query = RequestQuery { filter: RequestFilter::parse(text).expect(text), order };
                    for (limit, offset) in [(25, 0), (25, 40), (10_000, 0), (100, 4_000)] {
                        let got: Vec<i64> = store
                            .requests(id, range, &query, limit, offset)
                            .expect("requests")
                            .iter()
                            .map(|r| r.id)
                            .collect();
                        let want = expected(&all, range, &query, limit, offset);
                        assert_eq!(got, want, "endpoint {id}, {range:?}, `{text}`, {order:?}, {limit}/{offset}");
                        checked += usize::from(!want.is_empty());
                    }
                }
            }
        }
    }
    assert!(checked > 150, "most selections are non-empty: {checked}");
}

#[test]
fn the_default_query_is_the_plain_listing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, a, _) = database(dir.path());
    let plain = store.recent_requests(a, TimeRange::ALL, 100, 7).expect("recent");
    assert_eq!(store.requests(a, TimeRange::ALL, &RequestQuery::default(), 100, 7).expect("requests"), plain);
    // A `user:a*b` is the text `a*b` exactly, not a pattern; `user:a*` is every user starting with `a`.
    let query =
        |text: &str| RequestQuery { filter: RequestFilter::parse(text).expect(text), order: RequestOrder::Time };
    let exact = store.requests(a, TimeRange::ALL, &query("user:a*b"), 10_000, 0).expect("exact");
    assert!(!exact.is_empty() && exact.iter().all(|r| r.group_by == "a*b"));
    let prefix = store.requests(a, TimeRange::ALL, &query("user:a*"), 10_000, 0).expect("prefix");
    assert!(prefix.iter().any(|r| r.group_by == "alice") && prefix.iter().all(|r| r.group_by.starts_with('a')));
}

#[test]
fn a_request_detail_holds_its_row_outlier_and_exceptions() {
    use fmd_core::store::{NewException, NewFrame, NewOutlier};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_writer(dir.path().join("fmd.db"), "").expect("writer");
    let at = t("2026-11-27T10:00:00.123456Z").timestamp_micros();
    let e = store.ensure_endpoint("/pay", 2, "1.0", at).expect("endpoint").id;
    let request = |ms: f64| NewRequest {
        endpoint_id: e,
        duration_ms: ms,
        time_micros: at,
        group_by: "alice".into(),
        ip: "10.0.0.1".into(),
        status_code: 500,
    };
    let frame = NewFrame { file: "src/pay.rs".into(), function: "pay::charge".into(), line: 7, code: "x?;".into() };
    store
        .write(&WriteBatch {
            version: "1.0".into(),
            requests: vec![request(5.0), request(900.0)],
            outliers: vec![NewOutlier { request: 1, request_url: "https://x/pay".into(), ..NewOutlier::default() }],
            exceptions: vec![NewException {
                request: 1,
                type_name: "PayError".into(),
                message: "declined".into(),
                frames: vec![frame],
                user_captured: true,
            }],
            ..WriteBatch::default()
        })
        .expect("write");
    drop(store);
    let store = Store::open_reader(dir.path().join("fmd.db"), None).expect("reader");
    let rows = store.recent_requests(e, TimeRange::ALL, 10, 0).expect("rows");
    let slow = rows.iter().find(|r| r.duration == Some(900.0)).expect("the slow one");
    let plain = rows.iter().find(|r| r.duration == Some(5.0)).expect("the quick one");
    let detail = store.request_detail(slow.id).expect("detail").expect("exists");
    assert_eq!(&detail.request, slow);
    assert_eq!(detail.outlier.as_ref().and_then(|o| o.request_url.as_deref()), Some("https://x/pay"));
    assert_eq!(detail.exceptions.len(), 1);
    let x = &detail.exceptions[0];
    assert_eq!((x.type_name.as_str(), x.message.as_str(), x.user_captured), ("PayError", "declined", true));
    assert_eq!(x.stack.iter().map(|f| f.line_number).collect::<Vec<_>>(), [7]);
    let quick = store.request_detail(plain.id).expect("detail").expect("exists");
    assert!(quick.outlier.is_none() && quick.exceptions.is_empty());
    assert_eq!(store.request_detail(9_999).expect("detail"), None, "no such request");
}
