//! Pruning while a recorder keeps writing to the same file: the recorder never sees an error and every row it
//! wrote after the cutoff survives.

mod prune_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use fmd_core::store::{NewRequest, PruneOptions, WriteBatch};
use fmd_core::Store;
use prune_common::{count, fixture_copy};

fn micros(s: &str) -> i64 {
    s.parse::<DateTime<Utc>>().expect("instant").timestamp_micros()
}

fn request(endpoint_id: i64, time_micros: i64) -> NewRequest {
    NewRequest {
        endpoint_id,
        duration_ms: 1.5,
        time_micros,
        group_by: "None".into(),
        ip: "10.0.0.1".into(),
        status_code: 200,
    }
}

const CUTOFF: &str = "2026-11-22T12:00:00Z";

fn scalar(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).expect("query")
}

#[test]
fn recorder_keeps_writing_while_pruning() {
    let (_dir, path) = fixture_copy();
    // The recorder opens first, as in production: its connection switches the file to WAL.
    let mut writer = Store::open_writer(&path, "").expect("writer");
    let live = writer.ensure_endpoint("live", 1, "2.0", 0).expect("endpoint").id;
    // A backlog of old requests so the prune has many batches to do.
    let old_start = micros("2026-11-01T00:00:00Z");
    let backlog: Vec<_> = (0..30_000).map(|i| request(live, old_start + i * 1000)).collect();
    writer.write(&WriteBatch { version: "2.0".into(), requests: backlog, ..WriteBatch::default() }).expect("backlog");
    let fixture_newer = scalar(
        &writer,
        "SELECT count(*) FROM Request WHERE endpoint_id != (SELECT id FROM Endpoint WHERE name = 'live') \
         AND time_requested >= '2026-11-22 12:00:00.000000'",
    );

    let done = AtomicBool::new(false);
    let (written_new, prunes) = std::thread::scope(|scope| {
        let recorder = scope.spawn(|| {
            let new_start = micros("2026-11-28T00:00:00Z");
            let old = micros("2026-11-10T00:00:00Z");
            let mut written_new = 0;
            for batch in 0..250_i64 {
                let mut requests = Vec::new();
                for i in 0..20 {
                    if i % 4 == 0 {
                        requests.push(request(live, old + batch * 100 + i)); // older than the cutoff
                    } else {
                        requests.push(request(live, new_start + batch * 100 + i));
                        written_new += 1;
                    }
                }
                let last = vec![(live, new_start + batch * 100 + 19)];
                writer
                    .write(&WriteBatch {
                        version: "2.0".into(),
                        requests,
                        last_requested: last,
                        ..WriteBatch::default()
                    })
                    .unwrap_or_else(|e| panic!("batch {batch}: the recorder must never fail: {e}"));
                std::thread::sleep(Duration::from_millis(1));
            }
            done.store(true, Ordering::SeqCst);
            written_new
        });
        let editor = Store::open_editor(&path, None).expect("editor");
        let options = PruneOptions {
            batch_size: 500,
            batch_time_target: None,
            ..PruneOptions::new(CUTOFF.parse().expect("cutoff"))
        };
        let mut prunes = Vec::new();
        while !done.load(Ordering::SeqCst) {
            prunes.push(editor.prune(&options).expect("prune"));
        }
        let written_new = recorder.join().expect("recorder thread");
        prunes.push(editor.prune(&options).expect("final prune"));
        (written_new, prunes)
    });

    let store = Store::open_reader(&path, None).expect("reader");
    let live_new = scalar(
        &store,
        "SELECT count(*) FROM Request WHERE endpoint_id = (SELECT id FROM Endpoint WHERE name = 'live') \
         AND time_requested >= '2026-11-22 12:00:00.000000'",
    );
    assert_eq!(live_new, written_new, "every row newer than the cutoff survives");
    let fixture_after = scalar(
        &store,
        "SELECT count(*) FROM Request WHERE endpoint_id != (SELECT id FROM Endpoint WHERE name = 'live') \
         AND time_requested >= '2026-11-22 12:00:00.000000'",
    );
    assert_eq!(fixture_after, fixture_newer);
    assert_eq!(scalar(&store, "SELECT count(*) FROM Request WHERE time_requested < '2026-11-22 12:00:00.000000'"), 0);
    for table in ["Outlier", "StackLine", "ExceptionOccurrence"] {
        let orphans =
            scalar(&store, &format!("SELECT count(*) FROM {table} WHERE request_id NOT IN (SELECT id FROM Request)"));
        assert_eq!(orphans, 0, "{table} rows of deleted requests are gone");
    }
    let deleted: u64 = prunes.iter().map(|p| p.deleted.requests).sum();
    let longest = prunes.iter().map(|p| p.longest_batch_ms).fold(0.0, f64::max);
    eprintln!(
        "{} prunes while recording, {deleted} requests deleted, longest transaction {longest:.1} ms",
        prunes.len()
    );
    assert!(deleted >= 30_000, "the backlog went ({deleted})");
    assert!(prunes[0].batches > 10, "many short transactions: {:?}", prunes[0]);
    assert_eq!(count(&path, "Endpoint"), 7);
}
