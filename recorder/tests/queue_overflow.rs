//! A full queue drops records on the request path (never blocking it), counts them, and persists the count.

mod common;

use std::time::Duration;

use common::{call, config, persisted_counters, rows};
use fmd_core::Store;
use fmd_recorder::Recorder;

#[tokio::test(flavor = "current_thread")]
async fn a_burst_beyond_the_queue_is_dropped_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let mut config = config(&db, 1);
    config.recorder.queue_capacity = 4;
    let recorder = Recorder::builder(&config).build();
    let app = common::app().layer(recorder.layer());

    // Direct calls on one thread: thousands of requests per writer cycle (50 ms).
    const SENT: u64 = 3_000;
    let mut slowest = Duration::ZERO;
    for i in 0..SENT {
        let (status, took) = call(&app, &format!("/users/{i}"), None).await;
        assert_eq!(status, 200);
        slowest = slowest.max(took);
    }
    let live = recorder.stats();
    assert!(live.dropped > 0, "the burst overflowed the 4-slot queue: {live:?}");
    assert!(slowest < Duration::from_millis(250), "no request waited for the queue: {slowest:?}");

    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!(report.recorded + report.dropped, SENT, "{report:?}");
    assert_eq!(report.failed, 0);
    assert!(report.dropped >= live.dropped);
    assert!(report.recorded >= 1);

    assert_eq!(rows(&db).len() as u64, report.recorded);
    assert_eq!(persisted_counters(&db), (report.recorded as i64, report.dropped as i64, 0));
    let store = Store::open_reader(&db, None).expect("reader");
    assert_eq!(store.recorder_losses().expect("losses"), (report.dropped, 0), "the console sees the drops");
}
