//! The endpoint detail views on PostgreSQL give exactly the SQLite store's answers on the same rows: users,
//! IPs, per-group summaries and the version matrix, request listings with every filter term, request details,
//! outliers, exceptions, the profiler and custom graphs. Two data sets go into both backends: FMD 5.1.0's own
//! sample (written by Python FMD) and a synthetic set written with fmd's SQLite writer plus rows only Python FMD
//! leaves (NULL times, versions, users and status codes), imported into PostgreSQL with `import_sqlite`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::views::{GroupColumn, RequestFilter, RequestOrder, RequestQuery};
use fmd_core::store::{
    NewException, NewFrame, NewOutlier, NewProfile, NewRequest, NewStackLine, TimeRange, WriteBatch,
};
use fmd_core::Store;
use fmd_pg::import::import_sqlite;
use fmd_pg::testing::TestDb;
use fmd_pg::PgStore;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/fmd-5.1.0-sample.db");

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

/// The same rows in both backends.
struct Both {
    sqlite: Store,
    pg: PgStore,
    /// Endpoint ids to ask about (one of them unknown).
    endpoints: Vec<i64>,
    /// Ranges to ask about.
    ranges: Vec<TimeRange>,
    _db: TestDb,
    _dir: Option<tempfile::TempDir>,
}

fn load(name: &str, path: &Path, dir: Option<tempfile::TempDir>, ranges: Vec<TimeRange>) -> Option<Both> {
    let db = TestDb::create(name)?;
    db.create_python_fmd_schema();
    let pg = db.store("");
    import_sqlite(path, "", &pg).expect("import");
    let sqlite = Store::open_reader(path, None).expect("reader");
    let mut endpoints: Vec<i64> = sqlite.endpoint_levels().expect("endpoints").into_iter().map(|e| e.id).collect();
    endpoints.sort_unstable();
    endpoints.push(999);
    Some(Both { sqlite, pg, endpoints, ranges, _db: db, _dir: dir })
}

/// FMD 5.1.0's sample, requests from 2026-11-17 to 2026-11-27.
fn sample(name: &str) -> Option<Both> {
    let ranges = vec![
        TimeRange::ALL,
        TimeRange::since(t("2026-11-20T00:00:00Z")),
        TimeRange::new(Some(t("2026-11-18T06:30:00Z")), Some(t("2026-11-25T00:00:00Z"))),
        TimeRange::new(None, Some(t("2026-11-22T13:00:00.5Z"))),
        TimeRange::since(t("2027-01-01T00:00:00Z")),
        TimeRange::new(Some(t("2026-11-25T00:00:00Z")), Some(t("2026-11-20T00:00:00Z"))),
    ];
    load(name, SAMPLE.as_ref(), None, ranges)
}

/// Busy and quiet endpoints over 2026-03-27 to 2026-04-01 (across midnight and Europe's DST change on the 29th),
/// several versions, users (with "" and "None"), IPv4 and IPv6, status codes 200/302/404/500, durations with
/// ties; outliers, exceptions, profiles and graphs; then Python FMD's NULLs written behind the writer's back.
fn synthetic(name: &str) -> Option<Both> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fmd.db");
    write_synthetic(&path);
    let ranges = vec![
        TimeRange::ALL,
        TimeRange::new(Some(t("2026-03-28T22:00:00Z")), Some(t("2026-03-29T03:00:00Z"))),
        TimeRange::since(t("2026-03-30T00:00:00Z")),
        TimeRange::new(None, Some(t("2026-03-29T01:00:00Z"))),
        TimeRange::new(Some(t("2030-01-01T00:00:00Z")), Some(t("2031-01-01T00:00:00Z"))),
        TimeRange::new(Some(DateTime::<Utc>::MIN_UTC), Some(t("2026-03-31T12:00:00Z"))),
    ];
    load(name, &path, Some(dir), ranges)
}

fn write_synthetic(path: &PathBuf) {
    let mut store = Store::open_writer(path, "").expect("writer");
    let start = t("2026-03-27T18:00:00Z");
    let micros = start.timestamp_micros();
    let a = store.ensure_endpoint("/a", 3, "1.0", micros).expect("a").id;
    let b = store.ensure_endpoint("/b", 3, "1.0", micros).expect("b").id;
    let c = store.ensure_endpoint("/c", 1, "1.0", micros).expect("c").id;
    store.ensure_endpoint("/never", 1, "1.0", micros).expect("never");
    let users = ["alice", "bob", "None", "", "zoë", "a*b", "carol", "a_b"];
    let ips = ["10.0.0.1", "::1", "2001:db8::5", "10.0.1.7", "10.0.0.12"];
    let codes = [200, 200, 200, 404, 500, 302, 200, 201];
    let mut n = 0i64;
    for version in ["1.0", "1.1", "2.0", "1.1", "2.0-rc"] {
        let mut requests = Vec::new();
        let mut outliers = Vec::new();
        let mut exceptions = Vec::new();
        let mut profiles = Vec::new();
        for _ in 0..260 {
            n += 1;
            let endpoint = match n % 10 {
                0..=5 => a,
                6 | 7 => b,
                _ => c,
            };
            // Every 7 minutes and a few µs, so some requests share a minute and the days cross midnight.
            let time = start + Duration::minutes(n * 7 + n % 3) + Duration::microseconds(n % 5);
            let position = requests.len();
            requests.push(NewRequest {
                endpoint_id: endpoint,
                duration_ms: ((n * 37) % 50) as f64 / 4.0 + if n % 97 == 0 { 900.0 } else { 0.0 },
                time_micros: time.timestamp_micros(),
                group_by: users[(n % 8) as usize].to_string(),
                ip: ips[((n / 3) % 5) as usize].to_string(),
                status_code: codes[(n % 8) as usize],
            });
            if n % 13 == 0 {
                outliers.push(NewOutlier {
                    request: position,
                    request_header: format!("Host: x\r\nX-N: {n}\r\n\r\n"),
                    request_environment: "{'REQUEST_METHOD': 'GET'}".into(),
                    request_url: format!("/a?n={n}"),
                    cpu_percent: "[12.5, 3.0]".into(),
                    memory: "svmem(total=1)".into(),
                    stacktrace: "main<br />handler".into(),
                });
            }
            if n % 11 == 0 {
                let frames = vec![
                    NewFrame {
                        file: "src/main.rs".into(),
                        function: "app::main".into(),
                        line: 10,
                        code: "run()".into(),
                    },
                    NewFrame {
                        file: "src/h.rs".into(),
                        function: "app::handler".into(),
                        line: 20 + (n % 2) as u32,
                        code: if n % 2 == 0 { "boom()".into() } else { String::new() },
                    },
                ];
                exceptions.push(NewException {
                    request: position,
                    type_name: if n % 3 == 0 { "panic".into() } else { "io::Error".into() },
                    message: format!("failed {}", n % 4),
                    frames,
                    user_captured: n % 3 != 0,
                });
            }
            if n % 5 == 0 {
                let line = |indent: u32, code: &str, function: &str, line_number: u32, duration_ms: f64| NewStackLine {
                    filename: if indent == 0 { "src/main.rs".into() } else { "src/work.rs".into() },
                    line_number,
                    function_name: function.into(),
                    code: code.into(),
                    indent,
                    duration_ms,
                };
                let d = ((n * 37) % 50) as f64 / 4.0;
                let mut lines = vec![
                    line(0, "fn handler() {", "app::handler", 3, d),
                    line(1, "let x = load();", "app::handler", 4, d * 0.6),
                    line(2, "", "app::load", 40 + (n % 3) as u32, d * 0.5),
                ];
                if n % 2 == 0 {
                    lines.push(line(1, "render(x)", "app::handler", 5, d * 0.3));
                    lines.push(line(2, "fmt(x)", "app::render", 70, d * 0.1));
                }
                profiles.push(NewProfile { request: position, lines });
            }
        }
        store
            .write(&WriteBatch {
                version: version.to_string(),
                requests,
                outliers,
                exceptions,
                profiles,
                last_requested: vec![(a, micros)],
                ..WriteBatch::default()
            })
            .expect("write");
    }
    let rss = store.ensure_graph("process RSS MB", "1.0").expect("graph");
    let queue = store.ensure_graph("queue length", "1.1").expect("graph");
    store.ensure_graph("never drawn", "1.1").expect("graph");
    // Values on half milliseconds, which SQLite's julianday rounds up: a series of 1 ms buckets shows where.
    let ticks = store.ensure_graph("ticks", "1.1").expect("graph");
    for i in 0..200i64 {
        store.add_graph_value(ticks, start + Duration::microseconds(i * 1000 + 500), i as f64).expect("value");
    }
    for i in 0..500i64 {
        let at = start + Duration::seconds(i * 613) + Duration::microseconds(i * 250 % 1000);
        store.add_graph_value(rss, at, 100.0 + ((i * 31) % 17) as f64 / 3.0).expect("value");
        if i % 4 == 0 {
            store.add_graph_value(queue, at, (i % 9) as f64).expect("value");
        }
    }
    drop(store);
    // Rows Python FMD may leave: NULL time, version, user and status (duration and ip are NOT NULL there), and an
    // infinite duration (no usable duration).
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(&format!(
        "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
         VALUES ({a}, 3.5, NULL, '1.0', 'alice', '10.0.0.1', 200), \
                ({a}, 4.5, '2026-03-29 00:30:00.000000', NULL, NULL, '10.0.0.1', NULL), \
                ({a}, 2.5, '2026-03-30 01:30:00.000000', '1.1', NULL, '::1', 500), \
                ({b}, 7.25, NULL, NULL, NULL, '::1', NULL), \
                ({c}, 1.0, '2026-03-31 23:59:59.999999', '', '', '', 404), \
                ({a}, 1e999, '2026-03-29 00:31:00.000000', '1.1', 'bob', '::1', 200);"
    ))
    .expect("NULL rows");
}

#[test]
fn users_ips_group_summaries_and_matrices_equal_sqlites() {
    for both in [sample("groups_sample"), synthetic("groups_synth")].into_iter().flatten() {
        let mut non_empty = 0;
        for &id in &both.endpoints {
            for range in &both.ranges {
                let users = both.sqlite.users(id, *range).expect("sqlite users");
                assert_eq!(both.pg.users(id, *range).expect("pg users"), users, "users {id} {range:?}");
                non_empty += usize::from(!users.is_empty());
                let ips = both.sqlite.ips(id, *range).expect("sqlite ips");
                assert_eq!(both.pg.ips(id, *range).expect("pg ips"), ips, "ips {id} {range:?}");
                for column in [GroupColumn::User, GroupColumn::Ip] {
                    for top in [None, Some(2), Some(0)] {
                        let want = both.sqlite.group_performance(id, column, *range, top).expect("sqlite");
                        let got = both.pg.group_performance(id, column, *range, top).expect("pg");
                        assert_eq!(got, want, "group_performance {id} {column:?} {range:?} {top:?}");
                    }
                    for top in [10, 2, 0] {
                        let want = both.sqlite.version_matrix(id, column, *range, top).expect("sqlite");
                        let got = both.pg.version_matrix(id, column, *range, top).expect("pg");
                        assert_eq!(got, want, "version_matrix {id} {column:?} {range:?} {top}");
                    }
                }
            }
        }
        assert!(non_empty > 10, "most answers hold rows: {non_empty}");
    }
}

#[test]
fn the_samples_users_are_fmds() {
    let Some(both) = sample("groups_known") else { return };
    // FMD 5.1.0's /api/users/2 (user_detail) on its sample.
    let users: Vec<(String, u64)> =
        both.pg.users(2, TimeRange::ALL).expect("users").into_iter().map(|u| (u.user, u.hits)).collect();
    let want = [("alice", 130), ("bob", 119), ("dave", 105), ("carol", 89)];
    assert_eq!(users, want.map(|(u, n)| (u.to_string(), n)));
    let matrix = both.pg.version_matrix(2, GroupColumn::User, TimeRange::ALL, 10).expect("matrix");
    // In the sample 1.1 was requested first (Python FMD's generator), so it is the first column.
    let versions: Vec<(&str, Option<DateTime<Utc>>)> =
        matrix.versions.iter().map(|v| (v.version.as_str(), v.date)).collect();
    assert_eq!(
        versions,
        [("1.1", Some(t("2026-11-17T22:13:49.415461Z"))), ("1.0", Some(t("2026-11-18T04:14:30.114230Z")))]
    );
    assert_eq!(matrix.groups.iter().map(|g| g.hits).sum::<u64>(), 443, "every request of user_detail");
}

/// Every request id of a data set, and two that are not there.
fn request_ids(both: &Both) -> Vec<i64> {
    let mut ids = vec![0, 1_000_000];
    for &id in &both.endpoints {
        ids.extend(both.sqlite.recent_requests(id, TimeRange::ALL, usize::MAX, 0).expect("all").iter().map(|r| r.id));
    }
    ids
}

#[test]
fn request_listings_with_every_filter_term_equal_sqlites() {
    let filters = [
        "",
        "status:5xx",
        "status:404",
        "status:200-302",
        "status:4xx-5xx",
        "user:alice",
        "user:None",
        "user:a*b",
        "user:a*",
        "user:*",
        "user:zo*",
        "user:\"zoë\"",
        "user:a[*",
        "user:a_*",
        "user:%*",
        "ip:10.0.0.1",
        "ip:10.0.0.1*",
        "ip:2001:*",
        "ip:::1",
        "version:1.1",
        "version:2.0*",
        "version:2.0",
        "status:2xx user:bob ip:10.* version:1.*",
    ];
    let pages = [(25, 0), (25, 40), (usize::MAX, 0), (10, 100_000), (0, 0), (7, usize::MAX)];
    for both in [sample("requests_sample"), synthetic("requests_synth")].into_iter().flatten() {
        let mut non_empty = 0;
        for &id in &both.endpoints {
            // Pages around the end, where the requests without a time (listed last) begin.
            let total = both.sqlite.recent_requests(id, TimeRange::ALL, usize::MAX, 0).expect("all").len();
            let mut pages = pages.to_vec();
            pages.extend((total.saturating_sub(4)..total + 2).map(|offset| (2, offset)));
            for range in &both.ranges {
                for text in filters {
                    for order in [RequestOrder::Time, RequestOrder::Duration] {
                        let query = RequestQuery { filter: RequestFilter::parse(text).expect(text), order };
                        for &(limit, offset) in &pages {
                            let want = both.sqlite.requests(id, *range, &query, limit, offset).expect("sqlite");
                            let got = both.pg.requests(id, *range, &query, limit, offset).expect("pg");
                            assert_eq!(got, want, "{id} {range:?} `{text}` {order:?} {limit}/{offset}");
                            non_empty += usize::from(!want.is_empty());
                        }
                    }
                }
            }
        }
        assert!(non_empty > 500, "most listings hold rows: {non_empty}");
    }
}

#[test]
fn a_filter_text_postgresql_cannot_hold_matches_nothing() {
    let Some(both) = synthetic("requests_nul") else { return };
    let mut query = RequestQuery::default();
    query.filter.user = Some("al\0ice*".parse().expect("text"));
    assert_eq!(both.pg.requests(1, TimeRange::ALL, &query, 10, 0).expect("pg"), []);
    assert_eq!(both.sqlite.requests(1, TimeRange::ALL, &query, 10, 0).expect("sqlite"), []);
}

#[test]
fn request_details_equal_sqlites() {
    for both in [sample("detail_sample"), synthetic("detail_synth")].into_iter().flatten() {
        let (mut outliers, mut exceptions) = (0, 0);
        for id in request_ids(&both) {
            let want = both.sqlite.request_detail(id).expect("sqlite");
            assert_eq!(both.pg.request_detail(id).expect("pg"), want, "request {id}");
            if let Some(detail) = want {
                outliers += usize::from(detail.outlier.is_some());
                exceptions += detail.exceptions.len();
            }
        }
        assert!(outliers > 10 && exceptions > 10, "details with outliers ({outliers}) and exceptions ({exceptions})");
    }
}

#[test]
fn outliers_and_exceptions_equal_sqlites() {
    for both in [sample("incidents_sample"), synthetic("incidents_synth")].into_iter().flatten() {
        for &id in &both.endpoints {
            assert_eq!(both.pg.num_outliers(id).expect("pg"), both.sqlite.num_outliers(id).expect("sqlite"), "{id}");
            for (limit, offset) in [(u32::MAX, 0), (5, 0), (5, 3), (0, 0), (10, 1000), (3, u32::MAX)] {
                let want = both.sqlite.outliers(id, limit, offset).expect("sqlite");
                assert_eq!(both.pg.outliers(id, limit, offset).expect("pg"), want, "outliers {id} {limit}/{offset}");
            }
        }
        let mut snapshots = vec![0, 1_000_000];
        for endpoint in both.endpoints.iter().copied().map(Some).chain([None]) {
            for limit in [u32::MAX, 100, 3, 1, 0] {
                let want = both.sqlite.exception_groups(endpoint, limit).expect("sqlite");
                let got = both.pg.exception_groups(endpoint, limit).expect("pg");
                assert_eq!(got, want, "exception groups {endpoint:?} {limit}");
                snapshots.extend(want.iter().map(|g| g.stack_trace_snapshot_id));
            }
        }
        assert!(snapshots.len() > 10, "groups to compare");
        for snapshot in snapshots {
            let want = both.sqlite.exception_stack(snapshot).expect("sqlite");
            assert_eq!(both.pg.exception_stack(snapshot).expect("pg"), want, "stack {snapshot}");
        }
    }
}

#[test]
fn the_samples_outliers_and_exceptions_are_fmds() {
    let Some(both) = sample("incidents_known") else { return };
    // FMD 5.1.0's /api/num_outliers/<id> on its sample.
    for (id, n) in [(1, 77), (2, 31), (3, 15), (4, 0), (5, 30), (6, 16)] {
        assert_eq!(both.pg.num_outliers(id).expect("num_outliers"), n, "endpoint {id}");
    }
    let page = both.pg.outliers(2, 100, 0).expect("outliers");
    assert_eq!(page.len(), 31);
    assert!(page.windows(2).all(|w| w[0].request.time_requested >= w[1].request.time_requested), "newest first");
    let groups = both.pg.exception_groups(None, 100).expect("groups");
    assert!(!groups.is_empty() && groups.iter().all(|g| g.count > 0));
    assert_eq!(groups.iter().map(|g| g.count).sum::<u64>(), 98, "every occurrence of the sample");
}

#[test]
fn the_profiler_equals_sqlites() {
    for both in [sample("profiler_sample"), synthetic("profiler_synth")].into_iter().flatten() {
        let mut lines = 0;
        for &id in &both.endpoints {
            for (limit, offset) in [(10, 0), (10, 5), (u32::MAX, 0), (0, 0), (0, 3), (5, 10_000)] {
                let want = both.sqlite.profiled_page(id, limit, offset).expect("sqlite");
                assert_eq!(both.pg.profiled_page(id, limit, offset).expect("pg"), want, "page {id} {limit}/{offset}");
            }
            for (limit, up_to) in [(10, 50), (10, 3), (0, 0), (u32::MAX, u32::MAX), (100, 10), (7, 100_000)] {
                let want = both.sqlite.profiled_page_capped(id, limit, up_to).expect("sqlite");
                let got = both.pg.profiled_page_capped(id, limit, up_to).expect("pg");
                assert_eq!(got, want, "capped page {id} {limit} up to {up_to}");
            }
            let want = both.sqlite.grouped_profiler(id).expect("sqlite");
            assert_eq!(both.pg.grouped_profiler(id).expect("pg"), want, "grouped {id}");
            lines += want.lines.len();
        }
        assert!(lines > 5, "grouped rows to compare: {lines}");
        let mut trees = 0;
        for id in request_ids(&both) {
            let want = both.sqlite.call_tree(id).expect("sqlite");
            assert_eq!(both.pg.call_tree(id).expect("pg"), want, "call tree {id}");
            trees += usize::from(want.is_some_and(|t| !t.lines.is_empty()));
        }
        assert!(trees > 50, "call trees with lines: {trees}");
    }
}

#[test]
fn the_samples_grouped_profiler_is_fmds() {
    let Some(both) = sample("profiler_known") else { return };
    // FMD 5.1.0's /api/grouped_profiler/2 (user_detail) on its sample: its first row.
    let grouped = both.pg.grouped_profiler(2).expect("grouped");
    assert_eq!(grouped.requests, 100);
    let first = grouped.lines.first().expect("rows");
    assert_eq!(first.code, "@app.route(\"/users/<int:uid>\")");
    assert_eq!((first.duration, first.hits, first.indent), (560.0740909576416, 100, 0));
    assert_eq!((first.std, first.total_hits), (4.376223516224199, 100));
}

/// `a` equals `b` up to a relative 1e-9 (floats SQL aggregates sum in an engine's own order).
fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[test]
fn custom_graphs_equal_sqlites() {
    for both in [sample("graphs_sample"), synthetic("graphs_synth")].into_iter().flatten() {
        let graphs = both.sqlite.graphs().expect("sqlite");
        assert_eq!(both.pg.graphs().expect("pg"), graphs);
        let mut ranges = both.ranges.clone();
        ranges.push(TimeRange::new(Some(t("2026-03-28T10:00:00.000250Z")), Some(t("2026-03-28T10:53:00.0005Z"))));
        ranges.push(TimeRange::new(Some(t("2026-03-27T18:00:00Z")), Some(t("2026-03-27T18:00:00.1Z"))));
        ranges.push(TimeRange::new(Some(t("2026-03-27T18:00:00.0005Z")), Some(t("2026-03-27T18:00:00.1005Z"))));
        let mut points = 0;
        for graph in &graphs {
            for range in &ranges {
                let want = both.sqlite.graph_values(graph.graph_id, *range).expect("sqlite");
                assert_eq!(both.pg.graph_values(graph.graph_id, *range).expect("pg"), want, "values {range:?}");
                for buckets in [1, 7, 60, 100, 1000, 0] {
                    for now in [t("2026-04-02T00:00:00Z"), t("2026-03-28T00:00:00Z")] {
                        let want = both.sqlite.graph_series(graph, *range, buckets, now).expect("sqlite");
                        let mut got = both.pg.graph_series(graph, *range, buckets, now).expect("pg");
                        let what = format!("series {} {range:?} {buckets} {now}", graph.title);
                        // The means come from SQL's avg: equal up to the last bits; the rest exactly.
                        assert_eq!(got.points.len(), want.points.len(), "{what}");
                        for (g, w) in got.points.iter_mut().zip(&want.points) {
                            assert!(close(g.mean, w.mean), "{what}: mean {} vs {}", g.mean, w.mean);
                            g.mean = w.mean;
                        }
                        assert_eq!(got, want, "{what}");
                        points += want.points.len();
                    }
                }
            }
        }
        let unknown =
            fmd_core::store::CustomGraph { graph_id: 999, title: "gone".into(), time_added: None, version_added: None };
        let now = t("2026-04-02T00:00:00Z");
        assert_eq!(
            both.pg.graph_series(&unknown, TimeRange::ALL, 10, now).expect("pg"),
            both.sqlite.graph_series(&unknown, TimeRange::ALL, 10, now).expect("sqlite")
        );
        assert_eq!(both.pg.graph_values(999, TimeRange::ALL).expect("pg"), []);
        if !graphs.is_empty() {
            assert!(points > 1000, "points to compare: {points}");
        }
    }
}

#[test]
fn a_graph_series_holds_the_values_it_should() {
    let Some(both) = synthetic("graphs_known") else { return };
    let graphs = both.pg.graphs().expect("graphs");
    let titles: Vec<&str> = graphs.iter().map(|g| g.title.as_str()).collect();
    assert_eq!(titles, ["process RSS MB", "queue length", "never drawn", "ticks"]);
    let now = t("2026-04-02T00:00:00Z");
    let series = both.pg.graph_series(&graphs[1], TimeRange::ALL, 10, now).expect("series");
    assert_eq!(series.count, 125, "every fourth of 500 values");
    assert_eq!((series.min, series.max), (Some(0.0), Some(8.0)));
    assert_eq!(series.from, t("2026-03-27T18:00:00Z"), "an open window starts at the first value");
    assert_eq!(series.points.iter().map(|p| p.count).sum::<u64>(), 125);
    assert!(series.points.len() <= 10);
    let last = series.last.expect("last value");
    assert_eq!((last.value, last.time), ((496 % 9) as f64, t("2026-03-27T18:00:00Z") + Duration::seconds(496 * 613)));
    // 18:00:00.000500 counts as 18:00:00.001 (SQLite's julianday rounds half milliseconds up): with 1 ms buckets
    // from 18:00 the first holds no value, and tick i lies in bucket i + 1.
    let window = TimeRange::new(Some(t("2026-03-27T18:00:00Z")), Some(t("2026-03-27T18:00:00.1Z")));
    let series = both.pg.graph_series(&graphs[3], window, 100, now).expect("series");
    let first = series.points.first().expect("points");
    assert_eq!((first.time, first.min, first.count), (t("2026-03-27T18:00:00.001Z"), 0.0, 1));
    assert_eq!(series.count, 100);
}
