//! How long pruning holds the write lock on a large file. Ignored by default (it generates a file of a few
//! hundred MB); run with `cargo test --release -p fmd-core --test prune_speed -- --ignored --nocapture`.

use std::time::Instant;

use fmd_core::store::PruneOptions;
use fmd_core::Store;

#[test]
#[ignore]
fn batches_stay_short_on_a_large_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.db");
    let store = Store::open_writer(&path, "").expect("writer");
    let started = Instant::now();
    // 300,000 requests over 30 days, 10 stack lines each, an outlier (3 KB) and an exception every 20th.
    store
        .connection()
        .execute_batch(
            "BEGIN;
             INSERT INTO Endpoint (id, name, monitor_level) VALUES (1, 'a', 3), (2, 'b', 3);
             INSERT INTO CodeLine (id, filename, line_number, function_name, code)
               WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
               SELECT i, 'app.py', i, 'f' || (i % 20), 'x = ' || i FROM n;
             INSERT INTO ExceptionType (id, type) VALUES (1, 'E1'), (2, 'E2');
             INSERT INTO ExceptionMessage (id, message) VALUES (1, 'm1'), (2, 'm2');
             INSERT INTO StackTraceSnapshot (id, hash) VALUES (1, 'h1'), (2, 'h2');
             INSERT INTO Request (id, endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code)
               WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
               SELECT i, 1 + i % 2, (i % 97) * 0.5,
                      strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || (i * 8.64) || ' seconds'),
                      '1.0', 'None', '10.0.0.1', 200 FROM n;
             INSERT INTO StackLine (request_id, code_id, position, indent, duration)
               SELECT r.id, 1 + (r.id * 7 + p.i) % 200, p.i, p.i % 3, 1.0 FROM Request r,
               (WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9) SELECT i FROM n) p;
             INSERT INTO Outlier (request_id, request_header, request_environment, request_url, cpu_percent, memory, stacktrace)
               SELECT id, 'h', hex(randomblob(1500)), 'u', '[1.0]', 'm', 's' FROM Request WHERE id % 20 = 0;
             INSERT INTO ExceptionOccurrence (request_id, exception_type_id, exception_msg_id, stack_trace_snapshot_id, is_user_captured)
               SELECT id, 1 + id % 2, 1 + id % 2, 1 + id % 2, 0 FROM Request WHERE id % 20 = 10;
             COMMIT;",
        )
        .expect("generate");
    eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
    drop(store);

    let editor = Store::open_editor(&path, None).expect("editor");
    let cutoff = "2026-01-16T00:00:00Z".parse().expect("cutoff");
    let report = editor.prune(&PruneOptions::new(cutoff)).expect("prune");
    eprintln!("{}", serde_json::to_string_pretty(&report).expect("json"));
    assert!(report.deleted.requests > 140_000);
    assert!(report.longest_batch_ms < 100.0, "longest transaction {} ms", report.longest_batch_ms);
}
