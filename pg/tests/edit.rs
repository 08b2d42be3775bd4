//! The editor on PostgreSQL gives the SQLite store's answers and leaves its rows: FMD 5.1.0's sample imported
//! into PostgreSQL and a copy of the SQLite file, then every endpoint deleted, endpoints merged, pruning at
//! several cutoffs (dry runs first), users; every table compared row by row afterwards, errors compared by
//! kind and words. Then the change counter, the interrupter and `PgBackend`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use fmd_core::backend::{Backend, Editor, Reader};
use fmd_core::store::PruneOptions;
use fmd_core::{ErrorKind, Store, StoreError};
use fmd_pg::import::{import_sqlite, TABLE_ORDER};
use fmd_pg::testing::TestDb;
use fmd_pg::{PgBackend, PgStore, PgUrl};
use postgres::types::Type;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/fmd-5.1.0-sample.db");

/// The same database twice: PostgreSQL (an editor) and a copy of the SQLite file (an editor).
struct Pair {
    db: TestDb,
    _dir: tempfile::TempDir,
    file: PathBuf,
    pg: PgStore,
    sqlite: Store,
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).single().expect("valid")
}

/// Rows the sample lacks, added to both: custom graph values either side of the cutoffs, and exception and
/// code rows nothing references (so the cleanups have something to find).
fn add_extras(db: &TestDb, file: &PathBuf) {
    let mut pg = db.client();
    let sqlite = rusqlite::Connection::open(file).expect("open the copy");
    let graph = "INSERT INTO \"CustomGraph\" (graph_id, title, time_added, version_added) VALUES (1, 'memory', ";
    pg.execute(&format!("{graph}$1, '1.0')"), &[&at(17, 0).naive_utc()]).expect("pg graph");
    sqlite.execute(&format!("{graph}?1, '1.0')"), [fmd_core::timefmt::format_utc(at(17, 0))]).expect("graph");
    for i in 0..20_u32 {
        let t = at(17 + i / 2, (i * 5) % 24) + chrono::Duration::microseconds(i64::from(i) * 1_000_001);
        let value = f64::from(i) * 1.5;
        let id = i as i32 + 1;
        let insert = "INSERT INTO \"CustomGraphData\" (id, graph_id, time, value) VALUES";
        pg.execute(&format!("{insert} ($1, 1, $2, $3)"), &[&id, &t.naive_utc(), &value]).expect("pg data");
        sqlite
            .execute(
                &format!("{insert} (?1, 1, ?2, ?3)"),
                rusqlite::params![id, fmd_core::timefmt::format_utc(t), value],
            )
            .expect("data");
    }
    for (table, columns, text) in [
        ("CodeLine", "(id, filename, line_number, function_name, code)", "'orphan.py', 1, 'f', 'pass'"),
        ("ExceptionType", "(id, type)", "'OrphanError'"),
        ("ExceptionMessage", "(id, message)", "'nobody raised this'"),
        ("FilePath", "(id, path)", "'/nowhere.py'"),
        ("FunctionDefinition", "(id, name, code, code_hash)", "'g', 'def g(): pass', 'abc'"),
    ] {
        pg.execute(&format!("INSERT INTO \"{table}\" {columns} VALUES ($1, {text})"), &[&1000_i32]).expect("pg row");
        sqlite.execute(&format!("INSERT INTO \"{table}\" {columns} VALUES (?1, {text})"), [1000]).expect("row");
    }
}

fn pair(test: &str) -> Option<Pair> {
    let db = TestDb::create(test)?;
    db.create_python_fmd_schema();
    import_sqlite(SAMPLE.as_ref(), "", &db.store("")).expect("import");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sample.db");
    std::fs::copy(SAMPLE, &file).expect("copy");
    add_extras(&db, &file);
    let pg = PgStore::open_editor(&db.pg_url(), None).expect("pg editor");
    let sqlite = Store::open_editor(&file, None).expect("sqlite editor");
    Some(Pair { db, _dir: dir, file, pg, sqlite })
}

/// One value, read alike from both (booleans as 0/1, timestamps as FMD's text); compared through `Debug`.
#[derive(Debug)]
#[allow(dead_code)]
enum V {
    Null,
    I(i64),
    F(f64),
    S(String),
}

fn fmd_text(t: NaiveDateTime) -> String {
    t.format(fmd_core::timefmt::FMD_FORMAT).to_string()
}

fn pg_value(row: &postgres::Row, i: usize) -> V {
    let ty = row.columns()[i].type_().clone();
    let v = if ty == Type::INT4 {
        row.get::<_, Option<i32>>(i).map(|n| V::I(n.into()))
    } else if ty == Type::INT8 {
        row.get::<_, Option<i64>>(i).map(V::I)
    } else if ty == Type::FLOAT8 {
        row.get::<_, Option<f64>>(i).map(V::F)
    } else if ty == Type::BOOL {
        row.get::<_, Option<bool>>(i).map(|b| V::I(b.into()))
    } else if ty == Type::TIMESTAMP {
        row.get::<_, Option<NaiveDateTime>>(i).map(|t| V::S(fmd_text(t)))
    } else {
        row.get::<_, Option<String>>(i).map(V::S)
    };
    v.unwrap_or(V::Null)
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> V {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => V::Null,
        ValueRef::Integer(n) => V::I(n),
        ValueRef::Real(f) => V::F(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => V::S(String::from_utf8_lossy(t).into_owned()),
    }
}

/// Every FMD table of both databases, each as its rows (sorted), compared.
fn assert_same_rows(p: &Pair, when: &str) {
    let mut pg = p.db.client();
    let sqlite = rusqlite::Connection::open(&p.file).expect("open the copy");
    for (table, _) in TABLE_ORDER {
        let columns: Vec<String> = pg
            .query(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                &[table],
            )
            .expect("columns")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let sql = format!("SELECT {} FROM \"{table}\"", columns.join(", "));
        let mut theirs: Vec<String> = pg
            .query(&sql, &[])
            .expect("pg rows")
            .iter()
            .map(|r| format!("{:?}", (0..columns.len()).map(|i| pg_value(r, i)).collect::<Vec<_>>()))
            .collect();
        let mut stmt = sqlite.prepare(&sql).expect("prepare");
        let mut ours: Vec<String> = stmt
            .query_map([], |r| {
                let values: Vec<V> =
                    (0..columns.len()).map(|i| r.get_ref(i).map(sqlite_value)).collect::<Result<_, _>>()?;
                Ok(format!("{values:?}"))
            })
            .expect("sqlite rows")
            .collect::<Result<_, _>>()
            .expect("sqlite rows");
        theirs.sort();
        ours.sort();
        assert_eq!(theirs.len(), ours.len(), "{when}: {table} row count");
        assert_eq!(theirs, ours, "{when}: {table} rows");
    }
}

/// The same failure: same kind, same words once the database is named alike.
fn assert_same_error(p: &Pair, pg: StoreError, sqlite: StoreError) {
    assert_eq!(pg.kind(), sqlite.kind(), "{pg} / {sqlite}");
    let pg_text = pg.to_string().replace(p.pg.location(), "DB");
    let sqlite_text = sqlite.to_string().replace(&p.file.display().to_string(), "DB");
    assert_eq!(pg_text, sqlite_text);
}

fn endpoint_names(store: &Store) -> Vec<String> {
    let mut names: Vec<String> = store.endpoint_levels().expect("levels").into_iter().map(|l| l.name).collect();
    names.sort();
    names
}

#[test]
fn deleting_every_endpoint_deletes_the_same_rows() {
    let Some(p) = pair("edit_delete") else { return };
    assert_same_rows(&p, "imported");
    let mut requests = 0;
    for name in endpoint_names(&p.sqlite) {
        let preview = p.pg.endpoint_deletion_preview(&name).expect("pg preview");
        assert_eq!(preview, p.sqlite.endpoint_deletion_preview(&name).expect("sqlite preview"), "preview {name}");
        let pg = p.pg.delete_endpoint(&name).expect("pg delete");
        let sqlite = p.sqlite.delete_endpoint(&name).expect("sqlite delete");
        assert_eq!(
            (pg.endpoint_id, &pg.endpoint_name, pg.deleted),
            (sqlite.endpoint_id, &sqlite.endpoint_name, sqlite.deleted)
        );
        assert_eq!(pg.deleted, preview, "the preview counted what went ({name})");
        requests += pg.deleted.requests;
        assert_same_rows(&p, &format!("after deleting {name}"));
        let gone = (p.pg.delete_endpoint(&name).expect_err("pg"), p.sqlite.delete_endpoint(&name).expect_err("sqlite"));
        assert_same_error(&p, gone.0, gone.1);
        let gone = (
            p.pg.endpoint_deletion_preview(&name).expect_err("pg"),
            p.sqlite.endpoint_deletion_preview(&name).expect_err("sqlite"),
        );
        assert_same_error(&p, gone.0, gone.1);
    }
    assert_eq!(requests, 1526, "every request of the sample went");
}

#[test]
fn merging_endpoints_moves_the_same_rows() {
    let Some(p) = pair("edit_merge") else { return };
    for (from, into) in [("boom", "index"), ("search", "user_detail"), ("index", "report")] {
        let pg = p.pg.merge_endpoints(from, into).expect("pg merge");
        let sqlite = p.sqlite.merge_endpoints(from, into).expect("sqlite merge");
        assert_eq!(
            (pg.from_id, pg.into_id, pg.requests_moved, &pg.time_added, &pg.last_requested),
            (sqlite.from_id, sqlite.into_id, sqlite.requests_moved, &sqlite.time_added, &sqlite.last_requested),
            "{from} into {into}"
        );
        assert!(pg.requests_moved > 0);
        assert_same_rows(&p, &format!("after merging {from} into {into}"));
    }
    for (from, into) in [("report", "report"), ("nope", "report"), ("report", "nope"), ("boom", "upload")] {
        let pg = p.pg.merge_endpoints(from, into).expect_err("pg refuses");
        let sqlite = p.sqlite.merge_endpoints(from, into).expect_err("sqlite refuses");
        assert_same_error(&p, pg, sqlite);
    }
    assert_same_rows(&p, "after the refused merges");
}

#[test]
fn pruning_deletes_the_same_rows() {
    let Some(p) = pair("edit_prune") else { return };
    let cases = [
        (at(1, 0), false, Some(Duration::from_millis(50)), 10_000),
        (at(20, 6), true, None, 97),
        (at(22, 12), false, None, 1),
        (at(25, 0), false, Some(Duration::from_millis(50)), 10_000),
        (at(27, 19), true, Some(Duration::from_micros(1)), 500),
        (DateTime::<Utc>::MIN_UTC, false, None, 10),
        (at(30, 0), false, None, 300),
    ];
    let mut deleted = 0;
    let mut seen = [false; 10];
    for (cutoff, keep_custom_graphs, batch_time_target, batch_size) in cases {
        let options = PruneOptions { keep_custom_graphs, batch_time_target, batch_size, ..PruneOptions::new(cutoff) };
        let dry = PruneOptions { dry_run: true, ..options.clone() };
        let (pg_dry, sqlite_dry) =
            (p.pg.prune(&dry).expect("pg dry run"), p.sqlite.prune(&dry).expect("sqlite dry run"));
        assert_eq!(
            (&pg_dry.cutoff, pg_dry.dry_run, pg_dry.deleted),
            (&sqlite_dry.cutoff, true, sqlite_dry.deleted),
            "{dry:?}"
        );
        assert_eq!(pg_dry.batches, 0);
        let pg = p.pg.prune(&options).expect("pg prune");
        let sqlite = p.sqlite.prune(&options).expect("sqlite prune");
        assert_eq!((&pg.cutoff, pg.dry_run, pg.deleted), (&sqlite.cutoff, false, sqlite.deleted), "{options:?}");
        assert_eq!(pg.deleted, pg_dry.deleted, "the dry run counted what went ({options:?})");
        if batch_size < 100 && pg.deleted.requests > 0 {
            assert!(pg.batches > pg.deleted.requests / 100, "small batches: {} for {:?}", pg.batches, pg.deleted);
        }
        deleted += pg.deleted.requests;
        let d = pg.deleted;
        let fields =
            [d.code_lines, d.custom_graph_data, d.exception_types, d.exception_messages, d.stack_trace_snapshots];
        let more =
            [d.exception_stack_lines, d.exception_frames, d.function_locations, d.file_paths, d.function_definitions];
        for (seen, n) in seen.iter_mut().zip(fields.into_iter().chain(more)) {
            *seen |= n > 0;
        }
        assert_same_rows(&p, &format!("after pruning before {cutoff}"));
    }
    assert_eq!(deleted, 1526, "the last cutoff took everything");
    assert_eq!(seen, [true; 10], "every cleanup found rows to delete at some cutoff");
    let vacuumed = p.pg.prune(&PruneOptions { vacuum: true, ..PruneOptions::new(at(30, 0)) }).expect("vacuum");
    assert!(vacuumed.vacuumed);
}

#[test]
fn users_are_the_same() {
    let Some(p) = pair("edit_users") else { return };
    assert_eq!(p.pg.list_users().expect("pg"), p.sqlite.list_users().expect("sqlite"));
    let admin = p.pg.user_by_name("admin").expect("pg").expect("the sample's admin");
    assert!(admin.is_admin);
    let hash = admin.password_hash.clone();
    for (name, is_admin) in [("alice", false), ("bob", true), ("Alice", false)] {
        let ids = (
            p.pg.add_user(name, &hash, is_admin).expect("pg add"),
            p.sqlite.add_user(name, &hash, is_admin).expect("add"),
        );
        assert_eq!(ids.0, ids.1, "{name}'s id");
    }
    let refused: [(&str, &str); 4] = [("alice", &hash), (" carol", &hash), ("", &hash), ("dave", "clear text")];
    for (name, hash) in refused {
        let pg = p.pg.add_user(name, hash, false).expect_err("pg refuses");
        let sqlite = p.sqlite.add_user(name, hash, false).expect_err("sqlite refuses");
        assert_same_error(&p, pg, sqlite);
    }
    let bob = p.pg.user_by_name("bob").expect("pg").expect("bob");
    p.pg.set_password(bob.id, &hash).expect("pg");
    p.sqlite.set_password(bob.id, &hash).expect("sqlite");
    p.pg.set_admin(admin.id, false).expect("pg: bob is admin too");
    p.sqlite.set_admin(admin.id, false).expect("sqlite: bob is admin too");
    let last = (p.pg.remove_user(bob.id).expect_err("pg"), p.sqlite.remove_user(bob.id).expect_err("sqlite"));
    assert_eq!(last.0.kind(), ErrorKind::Invalid);
    assert_same_error(&p, last.0, last.1);
    let last = (p.pg.set_admin(bob.id, false).expect_err("pg"), p.sqlite.set_admin(bob.id, false).expect_err("sqlite"));
    assert_same_error(&p, last.0, last.1);
    for id in [9999, -1] {
        assert_same_error(
            &p,
            p.pg.set_password(id, &hash).expect_err("pg"),
            p.sqlite.set_password(id, &hash).expect_err("s"),
        );
        assert_same_error(&p, p.pg.set_admin(id, true).expect_err("pg"), p.sqlite.set_admin(id, true).expect_err("s"));
        assert_same_error(&p, p.pg.remove_user(id).expect_err("pg"), p.sqlite.remove_user(id).expect_err("s"));
        assert_eq!(p.pg.user_by_id(id).expect("pg"), None);
    }
    let alice = p.pg.user_by_name("alice").expect("pg").expect("alice");
    p.pg.remove_user(alice.id).expect("pg");
    p.sqlite.remove_user(alice.id).expect("sqlite");
    // Python FMD may leave is_admin NULL: it reads as not an admin.
    p.db.client().execute("UPDATE \"User\" SET is_admin = NULL WHERE username = 'Alice'", &[]).expect("pg null");
    rusqlite::Connection::open(&p.file)
        .expect("open")
        .execute("UPDATE \"User\" SET is_admin = NULL WHERE username = 'Alice'", [])
        .expect("null");
    assert_eq!(p.pg.user_by_name("Alice").expect("pg").map(|u| u.is_admin), Some(false));
    assert_eq!(p.pg.user_by_name("alice").expect("pg"), None, "names compare exactly");
    assert_eq!(p.pg.user_by_name("nul\0").expect("pg"), None);
    let users = p.pg.list_users().expect("pg");
    assert_eq!(users, p.sqlite.list_users().expect("sqlite"));
    assert_eq!(p.pg.user_by_id(bob.id).expect("pg"), p.sqlite.user_by_id(bob.id).expect("sqlite"));
    assert_eq!(
        users.iter().map(|u| (u.username.as_str(), u.is_admin)).collect::<Vec<_>>(),
        [("admin", false), ("bob", true), ("Alice", false)]
    );
    assert_same_rows(&p, "after the user changes");
    // Without the table: no users, and changes say why.
    p.db.client().batch_execute("DROP TABLE \"User\"").expect("drop");
    assert_eq!(p.pg.list_users().expect("no table"), []);
    assert_eq!(p.pg.user_by_name("bob").expect("no table"), None);
    let missing = p.pg.add_user("erin", &hash, false).expect_err("no table");
    assert_eq!(missing.kind(), ErrorKind::Corrupt);
    assert!(missing.to_string().contains("table \"User\" is missing"), "{missing}");
}

#[test]
fn data_version_moves_with_commits_only() {
    let Some(p) = pair("edit_version") else { return };
    let reader = PgStore::open_reader(&p.db.pg_url(), None).expect("reader");
    // Other tests (and other users of the test server) commit meanwhile, which moves it too (a write anywhere
    // on the server does): reads leave it when some round sees no such commit. Were reads moving it, none would.
    let held = (0..20)
        .filter(|_| {
            let v0 = reader.data_version().expect("version");
            let _ = reader.overview(at(28, 0), chrono_tz::UTC).expect("a view");
            let _ = reader.list_users().expect("users");
            let _ = p.pg.prune(&PruneOptions { dry_run: true, ..PruneOptions::new(at(25, 0)) }).expect("dry run");
            reader.data_version().expect("version") == v0
        })
        .count();
    eprintln!("data_version held over reads in {held} of 20 rounds");
    assert!(held > 0, "reads leave it");
    let v0 = reader.data_version().expect("version");
    p.pg.set_level("index", 3).expect("a commit by another connection");
    assert_ne!(reader.data_version().expect("version"), v0, "a commit moves it");
    // A transaction open while the version is read, committed afterwards: the next read sees it move.
    let mut other = p.db.client();
    let mut tx = other.transaction().expect("begin");
    tx.execute("UPDATE \"Endpoint\" SET monitor_level = 1 WHERE name = 'search'", &[]).expect("update");
    let during = reader.data_version().expect("version");
    tx.commit().expect("commit");
    assert_ne!(reader.data_version().expect("version"), during, "the commit of a transaction seen running");
    let started = Instant::now();
    for _ in 0..1000 {
        reader.data_version().expect("version");
    }
    let per_call = started.elapsed() / 1000;
    eprintln!("data_version: {per_call:?} per call");
    assert!(per_call < Duration::from_millis(20), "{per_call:?}");
}

#[test]
fn the_interrupter_stops_a_running_statement() {
    let Some(db) = TestDb::create("edit_interrupt") else { return };
    db.create_python_fmd_schema();
    let store = PgStore::open_reader(&db.pg_url(), None).expect("reader");
    let stop = Reader::interrupter(&store).expect("PostgreSQL can interrupt");
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        stop();
    });
    let started = Instant::now();
    let stopped = store.with(|c| c.execute("SELECT pg_sleep(30)", &[])).expect_err("cancelled");
    let took = started.elapsed();
    stopper.join().expect("stopper");
    assert_eq!(stopped.kind(), ErrorKind::Timeout, "{stopped}");
    assert!(took < Duration::from_millis(1300), "stopped within a second of asking: {took:?}");
    assert_eq!(store.list_users().expect("still usable"), []);
    assert!(store.data_version().is_ok());
}

#[test]
fn the_backend_opens_readers_that_refuse_writes() {
    let Some(p) = pair("edit_backend") else { return };
    // Trust authentication ignores the password; it must never show.
    let with_password = p.db.url().replacen("://fmd@", "://fmd:s3cret@", 1);
    assert!(with_password.contains("s3cret"), "{with_password}");
    let backend = PgBackend::new(PgUrl::parse(&with_password, None).expect("url"), None);
    assert_eq!(backend.kind(), "PostgreSQL database");
    assert!(backend.location().contains(":***@") && !backend.location().contains("s3cret"), "{}", backend.location());
    assert!(!format!("{backend:?}").contains("s3cret"));
    let backend: Box<dyn Backend> = Box::new(backend);
    let reader = backend.reader().expect("reader");
    assert_eq!(reader.location(), backend.location());
    assert_eq!(reader.tables().prefix(), "");
    assert_eq!(reader.catch_up(Duration::from_secs(1)).expect("catch up"), None);
    assert_eq!(reader.accelerator_status().expect("status"), None);
    let dry = reader.prune(&PruneOptions { dry_run: true, ..PruneOptions::new(at(25, 0)) }).expect("a dry run reads");
    assert!(dry.deleted.requests > 0);
    assert_eq!(reader.endpoint_deletion_preview("index").expect("preview").requests, 405);
    let refused = reader.prune(&PruneOptions::new(at(25, 0))).expect_err("a reader refuses to prune");
    assert_eq!(refused.kind(), ErrorKind::ReadOnly, "{refused}");
    assert!(!refused.to_string().contains("s3cret"));
    let editor: Box<dyn Editor> = backend.editor().expect("editor");
    editor.set_level("index", 0).expect("an editor writes");
    let done = editor.delete_endpoint("boom").expect("delete");
    assert_eq!(done.deleted.requests, 72);
    assert_eq!(reader.endpoint_deletion_preview("boom").expect_err("gone").kind(), ErrorKind::Invalid);
    let wrong = PgBackend::new(PgUrl::parse(&with_password, None).expect("url"), Some("nope_"));
    let error = wrong.reader().err().expect("no such prefix");
    assert!(!error.to_string().contains("s3cret"), "{error}");
}

/// The measurement behind the prune module's note on cost (ignored; run with `--release --ignored
/// --nocapture`): `FMD_PRUNE_REQUESTS` requests (default 200 000) over 10 days, one outlier and one exception
/// occurrence per `FMD_PRUNE_EVERY` (default 50), pruned to the last 5 days, then an endpoint deleted, and `data_version`'s cost.
#[test]
#[ignore = "a measurement"]
fn measure_prune() {
    let Some(db) = TestDb::create("edit_measure") else { return };
    db.create_python_fmd_schema();
    let n: i32 = std::env::var("FMD_PRUNE_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let every: i32 = std::env::var("FMD_PRUNE_EVERY").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let start = at(10, 0).naive_utc();
    let mut c = db.client();
    c.batch_execute(
        "INSERT INTO \"Endpoint\" (id, name) SELECT i, 'e' || i FROM generate_series(1, 10) i; \
         INSERT INTO \"ExceptionType\" (id, type) VALUES (1, 'E'); INSERT INTO \"ExceptionMessage\" (id, message) \
         VALUES (1, 'm'); INSERT INTO \"StackTraceSnapshot\" (id, hash) VALUES (1, 'h');",
    )
    .expect("endpoints");
    c.execute(
        "INSERT INTO \"Request\" (id, endpoint_id, duration, time_requested, ip) SELECT i, 1 + i % 10, i % 97, \
         $1::timestamp + (i * (864000.0 / $2::int4)) * interval '1 second', '::1' FROM generate_series(1, $2::int4) i",
        &[&start, &n],
    )
    .expect("requests");
    c.execute("INSERT INTO \"Outlier\" (request_id) SELECT id FROM \"Request\" WHERE id % $1::int4 = 0", &[&every])
        .expect("outliers");
    c.execute(
        "INSERT INTO \"ExceptionOccurrence\" (request_id, exception_type_id, exception_msg_id, \
         stack_trace_snapshot_id, is_user_captured) SELECT id, 1, 1, 1, false FROM \"Request\" WHERE id % $1::int4 = 1",
        &[&every],
    )
    .expect("occurrences");
    c.batch_execute("ANALYZE").expect("analyze");
    let editor = PgStore::open_editor(&db.pg_url(), None).expect("editor");
    let started = Instant::now();
    let report = editor.prune(&PruneOptions::new(at(15, 0))).expect("prune");
    eprintln!(
        "prune of {} of {n} requests (with {} outliers and as many exception occurrences): {:?}, {} batches, \
         longest {:.0} ms",
        report.deleted.requests,
        n / every,
        started.elapsed(),
        report.batches,
        report.longest_batch_ms
    );
    let started = Instant::now();
    let done = editor.delete_endpoint("e3").expect("delete");
    eprintln!("delete_endpoint of {} requests: {:?}", done.deleted.requests, started.elapsed());
    let started = Instant::now();
    for _ in 0..1000 {
        editor.data_version().expect("version");
    }
    eprintln!("data_version: {:?} per call", started.elapsed() / 1000);
}
