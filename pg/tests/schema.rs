//! The schema fmd creates on PostgreSQL is Python FMD 5.1.0's, byte for byte in `pg_dump --schema-only`; readers
//! never create or change anything; writers starting together all succeed.
//!
//! Needs a server: `FMD_TEST_PG_URL=postgres://postgres@127.0.0.1:55432/postgres` (skipped with a message
//! otherwise). `FMD_PYTHON=/path/to/venv/bin/python` (with flask_monitoringdashboard 5.1.0 and psycopg2) also
//! lets real Python FMD create its tables for two of the tests.

use std::process::Command;
use std::sync::{Arc, Barrier};

use fmd_core::ErrorKind;
use fmd_pg::testing::{TestDb, PYTHON_FMD_SCHEMA};
use fmd_pg::{PgStore, PG_SCHEMA_VERSION};

/// `pg_dump --schema-only` of the test database, without fmd's own tables.
fn dump(db: &TestDb) -> String {
    let out = Command::new("pg_dump")
        .args(["--schema-only", "-T", "*fmd_meta", "-T", "*fmd_recorder", "-d", db.url()])
        .output()
        .expect("pg_dump runs (PostgreSQL's client tools on PATH)");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 dump")
}

/// A dump without what differs between two databases of the same schema: comments, OWNER lines and
/// pg_dump's `\restrict` keys.
fn normalise(dump: &str) -> String {
    dump.lines()
        .filter(|l| !l.starts_with("--"))
        .filter(|l| !l.contains(" OWNER TO "))
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Python FMD's schema dump with TABLE_PREFIX `prefix`, as SQLAlchemy and PostgreSQL name things then.
fn fixture(prefix: &str) -> String {
    normalise(PYTHON_FMD_SCHEMA)
        .replace("public.\"", &format!("public.\"{prefix}"))
        .replace("CONSTRAINT \"", &format!("CONSTRAINT \"{prefix}"))
        .replace("ix_request_", &format!("ix_{}request_", prefix.to_lowercase()))
}

/// The user tables of the test database, sorted.
fn tables(db: &TestDb) -> Vec<String> {
    let mut client = db.client();
    let rows = client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
            &[],
        )
        .expect("list tables");
    rows.iter().map(|r| r.get(0)).collect()
}

fn assert_same(found: &str, expected: &str) {
    if found != expected {
        let first = found.lines().zip(expected.lines()).position(|(a, b)| a != b);
        panic!(
            "schema differs from Python FMD's at line {first:?}:\n--- found:\n{}\n--- expected:\n{}",
            found.lines().skip(first.unwrap_or(0).saturating_sub(3)).take(12).collect::<Vec<_>>().join("\n"),
            expected.lines().skip(first.unwrap_or(0).saturating_sub(3)).take(12).collect::<Vec<_>>().join("\n"),
        );
    }
}

#[test]
fn the_writer_creates_python_fmds_schema_exactly() {
    let Some(db) = TestDb::create("schema_exact") else { return };
    let store = PgStore::open_writer(&db.pg_url(), "").expect("open_writer");
    assert_same(&normalise(&dump(&db)), &fixture(""));
    // fmd's own tables beside them, with the schema version.
    let all = tables(&db);
    assert!(all.contains(&"fmd_meta".to_string()) && all.contains(&"fmd_recorder".to_string()), "{all:?}");
    assert_eq!(all.len(), 19 + 2, "{all:?}");
    assert_eq!(store.schema_version().expect("version"), Some(PG_SCHEMA_VERSION));
    assert!(store.has_recorder_counters().expect("counters table"));
}

#[test]
fn a_prefix_names_every_table_sequence_constraint_and_index() {
    let Some(db) = TestDb::create("schema_prefix") else { return };
    PgStore::open_writer(&db.pg_url(), "t_").expect("open_writer");
    let found = normalise(&dump(&db));
    assert_same(&found, &fixture("t_"));
    for name in [
        "\"t_Request_id_seq\"",
        "\"t_CustomGraph_graph_id_seq\"",
        "\"t_Endpoint_name_key\"",
        "\"t_Request_endpoint_id_fkey\"",
        "ix_t_request_endpoint_duration",
        "ix_t_request_time_endpoint",
    ] {
        assert!(found.contains(name), "{name} missing");
    }
    assert!(!found.contains("public.\"Request\""), "an unprefixed table");
    let all = tables(&db);
    assert!(all.contains(&"t_fmd_meta".to_string()) && all.contains(&"t_fmd_recorder".to_string()), "{all:?}");
    // A second prefix beside the first: both sets, and a reader must now be told which.
    PgStore::open_writer(&db.pg_url(), "u_").expect("second prefix");
    let reader = PgStore::open_reader(&db.pg_url(), Some("u_")).expect("reader of u_");
    assert_eq!(reader.detect_prefixes().expect("prefixes"), vec!["t_".to_string(), "u_".to_string()]);
    let err = PgStore::open_reader(&db.pg_url(), None).expect_err("ambiguous");
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("several prefixes (\"t_\", \"u_\"); choose one with --table-prefix"), "{err}");
    let err = PgStore::open_reader(&db.pg_url(), Some("v_")).expect_err("unknown prefix");
    assert!(err.to_string().contains("no tables with prefix \"v_\" (found prefixes: \"t_\", \"u_\")"), "{err}");
}

#[test]
fn opening_twice_and_eight_writers_at_once_all_succeed() {
    let Some(db) = TestDb::create("schema_race") else { return };
    let url = db.pg_url();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (url, barrier) = (url.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                PgStore::open_writer(&url, "").map(|_| ())
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread").expect("every writer opens");
    }
    PgStore::open_writer(&url, "").expect("and once more");
    assert_same(&normalise(&dump(&db)), &fixture(""));
    let mut client = db.client();
    let versions: i64 = client.query_one("SELECT count(*) FROM fmd_meta", &[]).expect("meta").get(0);
    assert_eq!(versions, 1);
}

#[test]
fn a_reader_of_an_empty_database_fails_clearly_and_creates_nothing() {
    let Some(db) = TestDb::create("schema_empty") else { return };
    let err = PgStore::open_reader(&db.pg_url(), Some("")).expect_err("no FMD tables");
    let text = err.to_string();
    assert!(text.starts_with(&db.pg_url().location()), "names the database: {text}");
    assert!(text.contains("not an FMD database: no Endpoint/Request tables (table prefix \"\")"), "{text}");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    let err = PgStore::open_reader(&db.pg_url(), Some("app_")).expect_err("no FMD tables");
    assert!(err.to_string().contains("no app_Endpoint/app_Request tables (table prefix \"app_\")"), "{err}");
    let err = PgStore::open_reader(&db.pg_url(), None).expect_err("no FMD tables");
    assert!(err.to_string().ends_with("not an FMD database: no Endpoint/Request tables"), "{err}");
    assert!(PgStore::open_editor(&db.pg_url(), None).is_err());
    assert_eq!(tables(&db), Vec::<String>::new());
}

#[test]
fn a_reader_changes_nothing_and_refuses_to_write() {
    let Some(db) = TestDb::create("schema_reader") else { return };
    db.create_python_fmd_schema();
    let before = dump(&db);
    let reader = PgStore::open_reader(&db.pg_url(), None).expect("reader of Python FMD's tables");
    assert_eq!(reader.tables().prefix(), "");
    assert_eq!(reader.schema_version().expect("version"), None);
    assert!(!reader.has_recorder_counters().expect("counters"));
    assert_eq!(reader.recorder_losses().expect("losses"), (0, 0));
    let err = reader.ensure_endpoint("index", 1, "1.0", 0).expect_err("a reader's session is read-only");
    assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
    assert_same(&normalise(&dump(&db)), &normalise(&before));
    assert_eq!(tables(&db).len(), 19);
}

#[test]
fn a_missing_column_is_named() {
    let Some(db) = TestDb::create("schema_column") else { return };
    db.create_python_fmd_schema();
    db.client().batch_execute("ALTER TABLE \"Request\" DROP COLUMN status_code").expect("older FMD");
    let err = PgStore::open_reader(&db.pg_url(), None).expect_err("no status_code");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains("table \"Request\" has no column status_code"), "{err}");
}

#[test]
fn a_newer_fmds_database_is_refused() {
    let Some(db) = TestDb::create("schema_newer") else { return };
    PgStore::open_writer(&db.pg_url(), "").expect("open_writer");
    db.client()
        .execute("UPDATE fmd_meta SET value = $1 WHERE key = 'schema_version'", &[&(PG_SCHEMA_VERSION + 1).to_string()])
        .expect("newer");
    for err in [
        PgStore::open_writer(&db.pg_url(), "").expect_err("writer"),
        PgStore::open_reader(&db.pg_url(), None).expect_err("reader"),
    ] {
        assert_eq!(err.kind(), ErrorKind::Newer);
        assert!(err
            .to_string()
            .contains(&format!("written by a newer fmd (schema version {},", PG_SCHEMA_VERSION + 1)));
    }
}

#[test]
fn python_fmds_tables_are_used_as_they_are() {
    let Some(db) = TestDb::create("schema_python") else { return };
    let made_by_python = python_fmd_creates(&db, "");
    let before = dump(&db);
    PgStore::open_writer(&db.pg_url(), "").expect("open_writer on Python FMD's tables");
    assert_same(&normalise(&dump(&db)), &normalise(&before));
    let all = tables(&db);
    assert_eq!(all.len(), 21, "{all:?}");
    assert!(all.contains(&"fmd_meta".to_string()) && all.contains(&"fmd_recorder".to_string()));
    if made_by_python {
        assert_same(&normalise(&before), &fixture(""));
    }
}

#[test]
fn real_python_fmd_with_a_prefix_makes_what_fmd_makes() {
    let Some(python) = std::env::var_os("FMD_PYTHON") else {
        eprintln!("real_python_fmd_with_a_prefix_makes_what_fmd_makes: skipped, FMD_PYTHON is not set");
        return;
    };
    let _ = python;
    let Some(theirs) = TestDb::create("schema_py_prefix") else { return };
    let Some(ours) = TestDb::create("schema_our_prefix") else { return };
    assert!(python_fmd_creates(&theirs, "App_"));
    PgStore::open_writer(&ours.pg_url(), "App_").expect("open_writer");
    assert_same(&normalise(&dump(&ours)), &normalise(&dump(&theirs)));
    assert_same(&normalise(&dump(&ours)), &fixture("App_"));
}

/// Creates FMD's tables with TABLE_PREFIX `prefix` by real Python FMD when `FMD_PYTHON` names its Python (true),
/// else from its recorded dump (prefix "" only; false).
fn python_fmd_creates(db: &TestDb, prefix: &str) -> bool {
    let Some(python) = std::env::var_os("FMD_PYTHON") else {
        assert_eq!(prefix, "", "the recorded dump has no prefix");
        db.create_python_fmd_schema();
        return false;
    };
    let url = db.url().replacen("postgres://", "postgresql+psycopg2://", 1);
    let script = "import sys\nfrom flask_monitoringdashboard import config\nconfig.database_name = sys.argv[1]\n\
                  config.table_prefix = sys.argv[2]\nimport flask_monitoringdashboard.database\n";
    let out = Command::new(python).args(["-c", script, &url, prefix]).output().expect("run Python FMD");
    assert!(out.status.success(), "Python FMD: {}", String::from_utf8_lossy(&out.stderr));
    true
}
