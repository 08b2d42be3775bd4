//! The write side on PostgreSQL gives the rows `fmd_core`'s SQLite store gives for the same batches (table by
//! table: counts, ids and the ids linking them, values, timestamps to the microsecond); batches naming endpoints
//! that are gone write nothing; levels, counters; two writers at once; and (ignored) the measurement of the
//! Request insert: `FMD_TEST_PG_URL=… cargo test -p fmd-pg --release --test write -- --ignored --nocapture`.

use std::sync::{Arc, Barrier};
use std::time::Instant;

use fmd_core::store::{
    NewException, NewFrame, NewOutlier, NewProfile, NewRequest, NewStackLine, RecorderCounters, WriteBatch,
};
use fmd_core::{ErrorKind, Store, StoreError};
use fmd_pg::testing::TestDb;
use fmd_pg::{PgStore, RequestInsert};

/// A column's kind, to read it alike from both databases.
#[derive(Clone, Copy)]
enum K {
    /// integer (bool as 0/1 too)
    I,
    B,
    F,
    /// timestamp, as FMD's text
    T,
    S,
}

#[derive(Debug, PartialEq)]
enum V {
    Null,
    I(i64),
    F(f64),
    S(String),
}

/// A table compared: its name, columns and order.
type Compared = (&'static str, &'static [(&'static str, K)], &'static str);

/// The tables compared.
const TABLES: &[Compared] = &[
    (
        "Endpoint",
        &[
            ("id", K::I),
            ("name", K::S),
            ("monitor_level", K::I),
            ("time_added", K::T),
            ("version_added", K::S),
            ("last_requested", K::T),
        ],
        "id",
    ),
    (
        "Request",
        &[
            ("id", K::I),
            ("endpoint_id", K::I),
            ("duration", K::F),
            ("time_requested", K::T),
            ("version_requested", K::S),
            ("group_by", K::S),
            ("ip", K::S),
            ("status_code", K::I),
        ],
        "id",
    ),
    (
        "Outlier",
        &[
            ("id", K::I),
            ("request_id", K::I),
            ("request_header", K::S),
            ("request_environment", K::S),
            ("request_url", K::S),
            ("cpu_percent", K::S),
            ("memory", K::S),
            ("stacktrace", K::S),
        ],
        "id",
    ),
    (
        "ExceptionOccurrence",
        &[
            ("id", K::I),
            ("request_id", K::I),
            ("exception_type_id", K::I),
            ("exception_msg_id", K::I),
            ("stack_trace_snapshot_id", K::I),
            ("is_user_captured", K::B),
        ],
        "id",
    ),
    ("ExceptionType", &[("id", K::I), ("type", K::S)], "id"),
    ("ExceptionMessage", &[("id", K::I), ("message", K::S)], "id"),
    ("StackTraceSnapshot", &[("id", K::I), ("hash", K::S)], "id"),
    (
        "ExceptionStackLine",
        &[("stack_trace_snapshot_id", K::I), ("exception_frame_id", K::I), ("position", K::I)],
        "stack_trace_snapshot_id, position",
    ),
    ("ExceptionFrame", &[("id", K::I), ("function_location_id", K::I), ("line_number", K::I)], "id"),
    (
        "FunctionLocation",
        &[("id", K::I), ("file_path_id", K::I), ("function_definition_id", K::I), ("function_start_line_number", K::I)],
        "id",
    ),
    ("FilePath", &[("id", K::I), ("path", K::S)], "id"),
    ("FunctionDefinition", &[("id", K::I), ("name", K::S), ("code", K::S), ("code_hash", K::S)], "id"),
    (
        "CodeLine",
        &[("id", K::I), ("filename", K::S), ("line_number", K::I), ("function_name", K::S), ("code", K::S)],
        "id",
    ),
    (
        "StackLine",
        &[("request_id", K::I), ("code_id", K::I), ("position", K::I), ("indent", K::I), ("duration", K::F)],
        "request_id, position",
    ),
    (
        "fmd_recorder",
        &[
            ("recorder_id", K::S),
            ("host", K::S),
            ("pid", K::I),
            ("started", K::T),
            ("recorded", K::I),
            ("dropped", K::I),
            ("failed", K::I),
        ],
        "recorder_id",
    ),
];

fn select(table: &str, columns: &[(&str, K)], order: &str) -> String {
    let list: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    format!("SELECT {} FROM \"{table}\" ORDER BY {order}", list.join(", "))
}

fn sqlite_rows(store: &Store, table: &str, columns: &[(&str, K)], order: &str) -> Vec<Vec<V>> {
    let conn = store.connection();
    let mut stmt = conn.prepare(&select(table, columns, order)).expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            Ok(columns
                .iter()
                .enumerate()
                .map(|(i, (_, k))| match k {
                    K::I | K::B => r.get::<_, Option<i64>>(i).expect("int").map_or(V::Null, V::I),
                    K::F => r.get::<_, Option<f64>>(i).expect("float").map_or(V::Null, V::F),
                    K::T | K::S => r.get::<_, Option<String>>(i).expect("text").map_or(V::Null, V::S),
                })
                .collect())
        })
        .expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

fn pg_rows(client: &mut postgres::Client, table: &str, columns: &[(&str, K)], order: &str) -> Vec<Vec<V>> {
    let rows = client.query(&select(table, columns, order), &[]).expect("query");
    rows.iter()
        .map(|r| {
            columns
                .iter()
                .enumerate()
                .map(|(i, (name, k))| match k {
                    K::I if *name == "pid" || ["recorded", "dropped", "failed"].contains(name) => {
                        r.get::<_, Option<i64>>(i).map_or(V::Null, V::I)
                    }
                    K::I => r.get::<_, Option<i32>>(i).map_or(V::Null, |v| V::I(i64::from(v))),
                    K::B => r.get::<_, Option<bool>>(i).map_or(V::Null, |v| V::I(i64::from(v))),
                    K::F => r.get::<_, Option<f64>>(i).map_or(V::Null, V::F),
                    K::T => r
                        .get::<_, Option<chrono::NaiveDateTime>>(i)
                        .map_or(V::Null, |t| V::S(t.format(fmd_core::timefmt::FMD_FORMAT).to_string())),
                    K::S => r.get::<_, Option<String>>(i).map_or(V::Null, V::S),
                })
                .collect()
        })
        .collect()
}

const T0: i64 = 1_700_000_000_123_457; // 2023-11-14 22:13:20.123457 UTC

fn frame(file: &str, function: &str, line: u32, code: &str) -> NewFrame {
    NewFrame { file: file.into(), function: function.into(), line, code: code.into() }
}

fn line(function: &str, line_number: u32, indent: u32, duration_ms: f64) -> NewStackLine {
    NewStackLine {
        filename: "src/app.rs".into(),
        line_number,
        function_name: function.into(),
        code: format!("{function}();"),
        indent,
        duration_ms,
    }
}

fn counters(recorder: &str, recorded: u64, dropped: u64, failed: u64) -> RecorderCounters {
    RecorderCounters {
        recorder_id: recorder.into(),
        host: "host-1".into(),
        pid: 4242,
        started_micros: T0 - 1,
        recorded,
        dropped,
        failed,
    }
}

/// Two batches with everything a writer hands over: requests of three endpoints (one without rows), outliers,
/// exceptions repeating (deduplicated) and sharing frames, call trees sharing code lines, last_requested
/// (one lower than stored, which must not lower it), counters.
fn batches(ids: &[i64; 3]) -> Vec<WriteBatch> {
    let [a, b, c] = *ids;
    let request = |endpoint_id, i: i64, status| NewRequest {
        endpoint_id,
        duration_ms: 0.1 + i as f64 * 1.25,
        time_micros: T0 + i * 1_000_001,
        group_by: if i % 3 == 0 { "None".into() } else { format!("user{i}") },
        ip: if i % 2 == 0 { "127.0.0.1".into() } else { "2001:db8::1".into() },
        status_code: status,
    };
    let panic = NewException {
        request: 1,
        type_name: "panic".into(),
        message: "boom".into(),
        frames: vec![frame("src/main.rs", "app::main", 10, "run()"), frame("src/app.rs", "app::handler", 42, "boom()")],
        user_captured: false,
    };
    let captured = NewException {
        request: 3,
        type_name: "std::io::Error".into(),
        message: "disk\ncaused by: full".into(),
        frames: vec![frame("src/app.rs", "app::handler", 42, "boom()"), frame("src/io.rs", "app::save", 7, "")],
        user_captured: true,
    };
    let outlier = |request, url: &str| NewOutlier {
        request,
        request_header: "Host: x\r\n\r\n".into(),
        request_environment: "{'REQUEST_METHOD': 'GET'}".into(),
        request_url: url.into(),
        cpu_percent: "[12.5, 3.0]".into(),
        memory: "svmem(total=1)".into(),
        stacktrace: "a<br />b".into(),
    };
    let tree = |request, extra: &str| NewProfile {
        request,
        lines: vec![line("app::handler", 40, 0, 10.5), line("app::db", 12, 1, 8.25), line(extra, 99, 2, 1.0)],
    };
    vec![
        WriteBatch {
            version: "1.0.0".into(),
            requests: (0..6).map(|i| request(if i < 4 { a } else { b }, i, [200, 500, 404][i as usize % 3])).collect(),
            last_requested: vec![(a, T0 + 3_000_003), (b, T0 + 5_000_005)],
            counters: Some(counters("rec-1", 6, 0, 0)),
            outliers: vec![outlier(2, "/a?x=1"), outlier(5, "/b"), outlier(99, "/out-of-batch")],
            exceptions: vec![panic.clone(), captured.clone(), NewException { request: 4, ..panic.clone() }],
            profiles: vec![tree(0, "app::one"), tree(4, "app::two")],
            endpoint_names: vec![(a, "/a".into()), (b, "/b".into())],
        },
        WriteBatch {
            version: "1.0.1".into(),
            requests: (6..10).map(|i| request(if i % 2 == 0 { a } else { c }, i, 200)).collect(),
            last_requested: vec![(a, T0), (c, T0 + 9_000_009)],
            counters: Some(counters("rec-1", 10, 2, 1)),
            outliers: vec![outlier(0, "/c")],
            exceptions: vec![NewException { request: 2, ..captured }, NewException { request: 3, ..panic }],
            profiles: vec![tree(1, "app::one"), tree(3, "app::three")],
            endpoint_names: vec![(a, "/a".into()), (c, "/c".into())],
        },
    ]
}

#[test]
fn batches_give_the_rows_sqlite_gives() {
    let Some(db) = TestDb::create("write_same_rows") else { return };
    let dir = tempfile::tempdir().expect("dir");
    let mut sqlite = Store::open_writer(dir.path().join("fmd.db"), "").expect("sqlite");
    let mut pg = PgStore::open_writer(&db.pg_url(), "").expect("pg");
    let mut ids = [0i64; 3];
    for (i, name) in ["/a", "/b", "/c"].iter().enumerate() {
        let s = sqlite.ensure_endpoint(name, 1 + i as u8, "1.0.0", T0 - 5).expect("sqlite endpoint");
        let p = pg.ensure_endpoint(name, 1 + i as u8, "1.0.0", T0 - 5).expect("pg endpoint");
        assert_eq!(s, p);
        ids[i] = p.id;
    }
    // Again: the same rows, not new ones.
    assert_eq!(pg.ensure_endpoint("/b", 3, "9", T0).expect("again").id, ids[1]);
    sqlite.ensure_endpoint("/b", 3, "9", T0).expect("again");
    for batch in batches(&ids) {
        sqlite.write(&batch).expect("sqlite write");
        pg.write(&batch).expect("pg write");
    }
    let mut client = db.client();
    for (table, columns, order) in TABLES {
        let expected = sqlite_rows(&sqlite, table, columns, order);
        let found = pg_rows(&mut client, table, columns, order);
        assert!(!expected.is_empty(), "{table} has rows");
        assert_eq!(found, expected, "{table}");
    }
    // What the recorder reads back.
    assert_eq!(pg.endpoint_levels().expect("levels"), sqlite.endpoint_levels().expect("levels"));
    assert_eq!(pg.endpoint_duration_stats().expect("stats"), sqlite.endpoint_duration_stats().expect("stats"));
    assert_eq!(pg.recorder_losses().expect("losses"), (2, 1));
    assert_eq!(sqlite.recorder_losses().expect("losses"), (2, 1));
    // A value known by hand: the last request's time to the microsecond.
    let last: chrono::NaiveDateTime =
        client.query_one("SELECT max(time_requested) FROM \"Request\"", &[]).expect("max").get(0);
    assert_eq!(last.format("%Y-%m-%d %H:%M:%S%.6f").to_string(), "2023-11-14 22:13:29.123466");
}

#[test]
fn a_batch_naming_a_deleted_endpoint_writes_nothing() {
    let Some(db) = TestDb::create("write_gone") else { return };
    let mut pg = PgStore::open_writer(&db.pg_url(), "").expect("pg");
    let a = pg.ensure_endpoint("/a", 1, "1", T0).expect("a").id;
    let b = pg.ensure_endpoint("/b", 1, "1", T0).expect("b").id;
    let mut client = db.client();
    client.execute("DELETE FROM \"Endpoint\" WHERE id = $1", &[&(b as i32)]).expect("delete b");
    let mut batch = batches(&[a, b, a]).remove(0);
    let err = pg.write(&batch).expect_err("b is gone");
    assert!(matches!(&err, StoreError::EndpointsGone { ids, .. } if *ids == vec![b]), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Gone);
    // Renamed meanwhile: the id no longer carries the name the batch gives it.
    client.execute("UPDATE \"Endpoint\" SET name = '/renamed' WHERE id = $1", &[&(a as i32)]).expect("rename a");
    batch.requests.retain(|r| r.endpoint_id == a);
    batch.last_requested.retain(|(id, _)| *id == a);
    let err = pg.write(&batch).expect_err("a was renamed");
    assert!(matches!(&err, StoreError::EndpointsGone { ids, .. } if *ids == vec![a]), "{err:?}");
    for table in ["Request", "Outlier", "ExceptionOccurrence", "StackLine", "CodeLine", "fmd_recorder"] {
        let n: i64 = client.query_one(&format!("SELECT count(*) FROM \"{table}\""), &[]).expect("count").get(0);
        assert_eq!(n, 0, "{table}: nothing written");
    }
    let touched: Option<chrono::NaiveDateTime> =
        client.query_one("SELECT last_requested FROM \"Endpoint\" WHERE id = $1", &[&(a as i32)]).expect("a").get(0);
    assert_eq!(touched, None);
    // Without the name check (no endpoint_names) the renamed id still exists, and the batch lands.
    batch.endpoint_names.clear();
    pg.write(&batch).expect("written");
    let n: i64 = client.query_one("SELECT count(*) FROM \"Request\"", &[]).expect("count").get(0);
    assert_eq!(n, batch.requests.len() as i64);
}

#[test]
fn levels_are_set_and_read_back() {
    let Some(db) = TestDb::create("write_levels") else { return };
    let pg = PgStore::open_writer(&db.pg_url(), "p_").expect("pg");
    let row = pg.ensure_endpoint("/x", 2, "1.0", T0).expect("x");
    assert_eq!((row.name.as_str(), row.level), ("/x", Some(2)));
    pg.ensure_endpoint("/y", 0, "1.0", T0).expect("y");
    pg.set_level("/x", 3).expect("set");
    pg.set_level("/y", 7).expect("clamped");
    let levels: Vec<(String, Option<u8>)> =
        pg.endpoint_levels().expect("levels").into_iter().map(|e| (e.name, e.level)).collect();
    assert_eq!(levels, vec![("/x".to_string(), Some(3)), ("/y".to_string(), Some(3))]);
    let err = pg.set_level("/nope", 1).expect_err("unknown");
    assert!(matches!(&err, StoreError::UnknownEndpoint { name, .. } if name == "/nope"), "{err:?}");
    // NULL and out-of-range levels read as None; an editor and a reader see the same.
    db.client().batch_execute("UPDATE \"p_Endpoint\" SET monitor_level = NULL WHERE name = '/x'").expect("null");
    db.client().batch_execute("UPDATE \"p_Endpoint\" SET monitor_level = 9 WHERE name = '/y'").expect("nine");
    let editor = PgStore::open_editor(&db.pg_url(), None).expect("editor");
    assert!(editor.endpoint_levels().expect("levels").iter().all(|e| e.level.is_none()));
    editor.set_level("/x", 1).expect("editor sets");
    let reader = PgStore::open_reader(&db.pg_url(), Some("p_")).expect("reader");
    assert_eq!(reader.endpoint_levels().expect("levels")[0].level, Some(1));
    assert!(reader.set_level("/x", 2).is_err(), "a reader never writes");
}

#[test]
fn counters_are_upserted_per_recorder() {
    let Some(db) = TestDb::create("write_counters") else { return };
    let mut pg = PgStore::open_writer(&db.pg_url(), "").expect("pg");
    pg.tune_for_recorder().expect("tune");
    assert!(pg.has_recorder_counters().expect("table"));
    assert_eq!(pg.recorder_losses().expect("none yet"), (0, 0));
    let only = |c| WriteBatch { counters: Some(c), ..Default::default() };
    pg.write(&only(counters("r1", 5, 1, 0))).expect("first");
    pg.write(&only(counters("r1", 9, 3, 2))).expect("second");
    pg.write(&only(counters("r2", 1, 10, 20))).expect("another recorder");
    let mut client = db.client();
    let rows =
        client.query("SELECT recorder_id, recorded, dropped, failed FROM fmd_recorder ORDER BY 1", &[]).expect("rows");
    let rows: Vec<(String, i64, i64, i64)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    assert_eq!(rows, vec![("r1".into(), 9, 3, 2), ("r2".into(), 1, 10, 20)]);
    assert_eq!(pg.recorder_losses().expect("losses"), (13, 22));
    let timeout: String = client.query_one("SHOW statement_timeout", &[]).expect("show").get(0);
    assert_eq!(timeout, "0", "another session keeps its own limit");
    let pg_timeout = pg.with(|c| c.query_one("SHOW statement_timeout", &[])).expect("show").get::<_, String>(0);
    assert_eq!(pg_timeout, "10s");
}

#[test]
fn texts_longer_than_fmds_columns_or_with_nul_still_land() {
    let Some(db) = TestDb::create("write_long_texts") else { return };
    let mut pg = PgStore::open_writer(&db.pg_url(), "").expect("pg");
    let long_name = format!("/{}", "é".repeat(300));
    let e = pg.ensure_endpoint(&long_name, 1, &"v".repeat(150), T0).expect("long name").id;
    assert_eq!(pg.ensure_endpoint(&long_name, 1, "v", T0).expect("again").id, e, "found again by its stored name");
    let mut batch = numbered(e, 3, 0);
    batch.version = "9".repeat(120);
    batch.requests[0].group_by = "g".repeat(150);
    batch.requests[1].ip = "10.0.0.1\0x".into();
    batch.outliers[0].request_url = "/u".repeat(2000);
    batch.outliers[0].stacktrace = "a\0b".into();
    batch.endpoint_names = vec![(e, long_name.as_str().into())];
    batch.last_requested = vec![(e, T0)];
    batch.exceptions = vec![NewException {
        request: 2,
        type_name: "t".repeat(300),
        message: "nul \0 inside".into(),
        frames: vec![frame(&"p".repeat(260), &"f".repeat(300), 3, "x\0y")],
        user_captured: true,
    }];
    batch.profiles = vec![NewProfile {
        request: 1,
        lines: vec![NewStackLine { filename: "c".repeat(300), code: "k".repeat(260), ..line("f", 1, 0, 2.0) }],
    }];
    pg.write(&batch).expect("everything lands, cut to FMD's lengths");
    pg.write(&batch).expect("and again: the same deduplicated rows are found");
    let mut client = db.client();
    let row = client
        .query_one(
            "SELECT length(e.name), length(e.version_added), length(r.version_requested), \
             max(length(r.group_by)), max(r.ip) FROM \"Endpoint\" e JOIN \"Request\" r ON r.endpoint_id = e.id \
             GROUP BY 1, 2, 3",
            &[],
        )
        .expect("lengths");
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(1), row.get::<_, i32>(2)), (250, 100, 100));
    assert_eq!(row.get::<_, i32>(3), 100);
    assert_eq!(row.get::<_, String>(4), "10.0.0.1\u{FFFD}x");
    let one = |client: &mut postgres::Client, sql: &str| -> i64 { client.query_one(sql, &[]).expect(sql).get(0) };
    assert_eq!(one(&mut client, "SELECT count(*) FROM \"FilePath\""), 1);
    assert_eq!(one(&mut client, "SELECT count(*) FROM \"CodeLine\""), 1);
    assert_eq!(one(&mut client, "SELECT count(*) FROM \"ExceptionOccurrence\""), 2);
    assert_eq!(one(&mut client, "SELECT max(length(path))::int8 FROM \"FilePath\""), 250);
    assert_eq!(one(&mut client, "SELECT max(length(request_url))::int8 FROM \"Outlier\""), 2100);
}

/// A batch of `n` requests whose durations are their positions, each with an outlier naming its position, so
/// that any mix-up of request ids shows.
fn numbered(endpoint: i64, n: usize, offset: usize) -> WriteBatch {
    WriteBatch {
        version: "v".into(),
        requests: (0..n)
            .map(|i| NewRequest {
                endpoint_id: endpoint,
                duration_ms: (offset + i) as f64,
                time_micros: T0 + i as i64,
                group_by: "None".into(),
                ip: "10.0.0.1".into(),
                status_code: 200,
            })
            .collect(),
        outliers: (0..n)
            .map(|i| NewOutlier { request: i, request_url: (offset + i).to_string(), ..Default::default() })
            .collect(),
        ..Default::default()
    }
}

fn assert_linked(client: &mut postgres::Client) -> i64 {
    let bad: i64 = client
        .query_one(
            "SELECT count(*) FROM \"Outlier\" o JOIN \"Request\" r ON r.id = o.request_id \
             WHERE o.request_url <> r.duration::int8::text",
            &[],
        )
        .expect("check")
        .get(0);
    assert_eq!(bad, 0, "every outlier is attached to its own request");
    client.query_one("SELECT count(*) FROM \"Outlier\"", &[]).expect("count").get(0)
}

#[test]
fn request_ids_come_back_in_batch_order_both_ways() {
    let Some(db) = TestDb::create("write_order") else { return };
    let mut pg = PgStore::open_writer(&db.pg_url(), "").expect("pg");
    let e = pg.ensure_endpoint("/n", 1, "v", T0).expect("endpoint").id;
    pg.write_with(&numbered(e, 5000, 0), RequestInsert::Unnest).expect("unnest");
    pg.write_with(&numbered(e, 5000, 5000), RequestInsert::Copy).expect("copy");
    let mut client = db.client();
    assert_eq!(assert_linked(&mut client), 10_000);
}

#[test]
fn two_writers_at_once_both_land_everything() {
    let Some(db) = TestDb::create("write_concurrent") else { return };
    PgStore::open_writer(&db.pg_url(), "").expect("schema");
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|w| {
            let (url, barrier) = (db.pg_url(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut pg = PgStore::open_writer(&url, "").expect("writer");
                barrier.wait();
                let names = ["/shared", "/also-shared"];
                let ids: Vec<i64> =
                    names.iter().map(|n| pg.ensure_endpoint(n, 1, "v", T0).expect("endpoint").id).collect();
                for round in 0..40 {
                    let offset = (w * 40 + round) * 100;
                    let mut batch = numbered(ids[round % 2], 100, offset);
                    batch.last_requested = vec![(ids[1], T0 + offset as i64), (ids[0], T0 + offset as i64)];
                    batch.exceptions = vec![NewException {
                        request: 0,
                        type_name: "panic".into(),
                        message: format!("boom {}", round % 3),
                        frames: vec![frame("src/a.rs", "a::f", 1, "f()")],
                        user_captured: false,
                    }];
                    batch.profiles = vec![NewProfile { request: 1, lines: vec![line("a::f", 1, 0, 1.0)] }];
                    batch.counters = Some(counters(&format!("rec-{w}"), (round as u64 + 1) * 100, 0, 0));
                    pg.write(&batch).expect("write");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("writer thread");
    }
    let mut client = db.client();
    assert_eq!(assert_linked(&mut client), 2 * 40 * 100);
    let count = |client: &mut postgres::Client, sql: &str| -> i64 { client.query_one(sql, &[]).expect(sql).get(0) };
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"Request\""), 8000);
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"Endpoint\""), 2);
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"ExceptionOccurrence\""), 80);
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"ExceptionType\""), 1, "deduplicated across writers");
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"ExceptionMessage\""), 3);
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"StackTraceSnapshot\""), 3);
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"CodeLine\""), 1, "deduplicated across writers");
    assert_eq!(count(&mut client, "SELECT count(*) FROM \"StackLine\""), 80);
    assert_eq!(count(&mut client, "SELECT sum(recorded)::int8 FROM fmd_recorder"), 8000);
    let last: chrono::NaiveDateTime =
        client.query_one("SELECT min(last_requested) FROM \"Endpoint\"", &[]).expect("last").get(0);
    assert_eq!(last.and_utc().timestamp_micros(), T0 + 7900, "the latest of both writers");
}

/// Rows per second of `write_with` for batches of `size` requests as the recorder's writer sends them (two
/// endpoints, their last_requested, the counters; with `outlier`, one outlier too, so the request ids are
/// needed), `batches` of them into a fresh database.
fn measure(size: usize, batches: usize, how: RequestInsert, outlier: bool) -> f64 {
    let db = TestDb::create("write_speed").expect("a server");
    let mut pg = PgStore::open_writer(&db.pg_url(), "").expect("pg");
    pg.tune_for_recorder().expect("tune");
    let ids =
        [pg.ensure_endpoint("/a", 1, "v", T0).expect("a").id, pg.ensure_endpoint("/b", 1, "v", T0).expect("b").id];
    let mut batch = WriteBatch { version: "1.0".into(), ..Default::default() };
    batch.requests = (0..size)
        .map(|i| NewRequest {
            endpoint_id: ids[i % 2],
            duration_ms: 3.5 + i as f64,
            time_micros: T0 + i as i64 * 37,
            group_by: "None".into(),
            ip: format!("10.0.{}.{}", i % 7, i % 250),
            status_code: 200,
        })
        .collect();
    batch.last_requested = vec![(ids[0], T0), (ids[1], T0)];
    if outlier {
        batch.outliers = vec![NewOutlier { request: size / 2, request_url: "/slow".into(), ..Default::default() }];
    }
    let start = Instant::now();
    for n in 0..batches {
        batch.counters = Some(counters("bench", (n * size) as u64, 0, 0));
        pg.write_with(&batch, how).expect("write");
    }
    (size * batches) as f64 / start.elapsed().as_secs_f64()
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture (release build)"]
fn insert_speed() {
    if TestDb::create("write_speed_probe").is_none() {
        return;
    }
    for outlier in [false, true] {
        println!("{}", if outlier { "with one outlier (ids needed):" } else { "requests only:" });
        for size in [100usize, 1000, 4096, 5000] {
            let batches = (100_000 / size).max(20);
            let mut best = [0f64; 2];
            for _ in 0..3 {
                for (i, how) in [RequestInsert::Unnest, RequestInsert::Copy].into_iter().enumerate() {
                    best[i] = best[i].max(measure(size, batches, how, outlier));
                }
            }
            println!(
                "  batch {size:>5} rows x {batches:>4}: unnest {:>7.0} rows/s   copy {:>7.0} rows/s   (best of 3)",
                best[0], best[1]
            );
        }
    }
}
