//! Timing of the Requests tab's queries (filters and orders) on a large database (ignored by default).
//!
//! `FMD_VIEWS_BENCH_DB=/path/big.db cargo test --release -p fmd-core --test request_query_speed -- --ignored
//! --nocapture` prints each query's wall time, for the busiest and the quietest endpoint (see
//! `tests/views_speed.rs` for a 10M-request file).

use std::time::Instant;

use chrono::{DateTime, Utc};
use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery};
use fmd_core::store::TimeRange;
use fmd_core::Store;

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{:>8.1} ms  {label}", start.elapsed().as_secs_f64() * 1000.0);
    out
}

#[test]
#[ignore = "needs FMD_VIEWS_BENCH_DB pointing at a large database"]
fn time_request_queries() {
    let Ok(path) = std::env::var("FMD_VIEWS_BENCH_DB") else {
        println!("FMD_VIEWS_BENCH_DB not set");
        return;
    };
    let store = Store::open_reader(path, None).expect("open");
    let newest =
        store.connection().query_row(&format!("SELECT max(time_requested) FROM {}", store.tables().request), [], |r| {
            r.get::<_, Option<String>>(0)
        });
    let now: DateTime<Utc> =
        newest.ok().flatten().and_then(|s| fmd_core::timefmt::parse_fmd(&s)).unwrap_or_else(Utc::now);
    let mut endpoints = store.endpoint_levels().expect("endpoints");
    let counts: Vec<(i64, i64)> = endpoints
        .drain(..)
        .map(|e| {
            let n = store
                .connection()
                .query_row(
                    &format!("SELECT count(*) FROM {} WHERE endpoint_id = ?1", store.tables().request),
                    [e.id],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            (e.id, n)
        })
        .collect();
    let busiest = counts.iter().max_by_key(|c| c.1).map_or(1, |c| c.0);
    let quietest = counts.iter().filter(|c| c.1 > 0).min_by_key(|c| c.1).map_or(1, |c| c.0);
    let week = TimeRange::since(now - chrono::Duration::days(7));
    let day = TimeRange::since(now - chrono::Duration::days(1));
    for (label, e) in [("busiest", busiest), ("quietest", quietest)] {
        println!("-- endpoint {e} ({label}, {} requests)", counts.iter().find(|c| c.0 == e).map_or(0, |c| c.1));
        for (window, range) in [("all time", TimeRange::ALL), ("7 days", week), ("1 day", day)] {
            for text in ["", "status:5xx", "status:404", "user:user7", "ip:10.0.1.*", "version:v3"] {
                for order in [RequestOrder::Time, RequestOrder::Duration] {
                    let query = RequestQuery { filter: RequestFilter::parse(text).expect("filter"), order };
                    let label = format!("  {window:<8} {order:<8?} `{text}` first 200");
                    time(&label, || store.requests(e, range, &query, 200, 0)).expect("requests");
                }
            }
        }
    }
}
