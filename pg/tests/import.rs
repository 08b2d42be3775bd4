//! Copying FMD 5.1.0's own SQLite sample into PostgreSQL: every table, every row, the sequences past the ids.

use fmd_pg::import::import_sqlite;
use fmd_pg::testing::TestDb;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/fmd-5.1.0-sample.db");

fn sqlite_count(table: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(SAMPLE, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| r.get(0)).expect("count")
}

#[test]
fn the_sample_arrives_whole() {
    let Some(db) = TestDb::create("import_sample") else { return };
    db.create_python_fmd_schema();
    let store = db.store("");
    let report = import_sqlite(SAMPLE.as_ref(), "", &store).expect("import");
    let mut client = db.client();
    let mut requests = 0;
    for (table, copied) in &report {
        let here: i64 = client.query_one(&format!("SELECT count(*) FROM \"{table}\""), &[]).expect("count").get(0);
        assert_eq!(here, sqlite_count(table), "{table}");
        assert_eq!(*copied, here as u64, "{table}");
        if table == "Request" {
            requests = here;
        }
    }
    assert!(requests > 1000, "the sample has its requests: {requests}");
    // Durations and timestamps arrive exactly.
    let conn = rusqlite::Connection::open_with_flags(SAMPLE, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let (id, duration, time): (i64, f64, String) = conn
        .query_row("SELECT id, duration, time_requested FROM Request ORDER BY id DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("last request");
    let row = client
        .query_one(
            "SELECT duration, to_char(time_requested, 'YYYY-MM-DD HH24:MI:SS.US') FROM \"Request\" WHERE id = $1",
            &[&(id as i32)],
        )
        .expect("same row");
    assert_eq!(row.get::<_, f64>(0), duration);
    assert_eq!(row.get::<_, String>(1), time);
    // The next request Python FMD (or fmd) inserts gets a new id.
    let next: i64 = client.query_one("SELECT nextval('\"Request_id_seq\"')", &[]).expect("nextval").get(0);
    assert_eq!(next, id + 1);
}

#[test]
fn a_second_import_changes_nothing() {
    let Some(db) = TestDb::create("import_twice") else { return };
    db.create_python_fmd_schema();
    let store = db.store("");
    import_sqlite(SAMPLE.as_ref(), "", &store).expect("import");
    let error = import_sqlite(SAMPLE.as_ref(), "", &store).expect_err("the same ids again");
    assert!(error.to_string().contains("duplicate key"), "{error}");
    let mut client = db.client();
    let here: i64 = client.query_one("SELECT count(*) FROM \"Request\"", &[]).expect("count").get(0);
    assert_eq!(here, sqlite_count("Request"), "the failed import left nothing behind");
}
