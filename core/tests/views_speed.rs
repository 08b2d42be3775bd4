//! Timing of every view on a large database (ignored by default).
//!
//! `FMD_VIEWS_BENCH_DB=/path/big.db cargo test --release -p fmd-core --test views_speed -- --ignored --nocapture`
//! prints each view's wall time. The database is opened read-only; `FMD_VIEWS_BENCH_PRAGMAS` runs extra
//! statements on the connection first (e.g. `PRAGMA mmap_size = 2147483648;`).
//!
//! A 10M-request file like the one the numbers in the views' docs come from (30 endpoints, skewed so the busiest
//! has 18%; one year of requests; 10 versions; 500 users; 10 000 IPs), made with the `sqlite3` shell in ~2 min:
//!
//! ```sql
//! PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
//! -- FMD's Endpoint and Request DDL (see store/schema.rs), then:
//! WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 30)
//! INSERT INTO Endpoint (id, name, monitor_level) SELECT i, '/endpoint/' || i, 1 FROM c;
//! WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000000)
//! INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code)
//! SELECT 1 + ((abs(random()) % 30) * (abs(random()) % 30)) / 30,
//!        (abs(random()) % 50000) / 1000.0 + (abs(random()) % 5000) / 1000.0,
//!        printf('%s.%06d', datetime(1795816800 - (10000000 - i) * 3.1536, 'unixepoch'), abs(random()) % 1000000),
//!        'v' || (1 + i / 1000000), 'user' || (abs(random()) % 500),
//!        '10.0.' || (abs(random()) % 50) || '.' || (abs(random()) % 200),
//!        CASE WHEN abs(random()) % 100 < 3 THEN 404 WHEN abs(random()) % 100 < 2 THEN 500 ELSE 200 END
//! FROM c;
//! CREATE INDEX ix_request_endpoint_duration ON "Request" (endpoint_id, duration);
//! CREATE INDEX ix_request_time_endpoint ON "Request" (time_requested, endpoint_id, status_code, duration);
//! ```

use std::time::Instant;

use chrono::{DateTime, Utc};
use fmd_core::store::views::GroupColumn;
use fmd_core::store::{DayRange, TimeRange};
use fmd_core::Store;

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{:>8.1} ms  {label}", start.elapsed().as_secs_f64() * 1000.0);
    out
}

#[test]
#[ignore = "needs FMD_VIEWS_BENCH_DB pointing at a large database"]
fn time_every_view() {
    let Ok(path) = std::env::var("FMD_VIEWS_BENCH_DB") else {
        println!("FMD_VIEWS_BENCH_DB not set");
        return;
    };
    let store = Store::open_reader(path, None).expect("open");
    if let Ok(pragmas) = std::env::var("FMD_VIEWS_BENCH_PRAGMAS") {
        // e.g. "PRAGMA mmap_size = 2147483648; PRAGMA cache_size = -262144;"
        store.connection().execute_batch(&pragmas).expect("pragmas");
    }
    let now: DateTime<Utc> = std::env::var("FMD_VIEWS_BENCH_NOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| "2026-11-27T22:56:55Z".parse().expect("instant"));
    let tz = chrono_tz::UTC;
    let busiest =
        time("api_performance (all time, index path)", || store.api_performance(TimeRange::ALL, None)).expect("perf");
    let id = busiest.first().map_or(1, |e| e.id);
    let quiet = busiest.iter().rev().find(|e| e.summary.is_some()).map_or(1, |e| e.id);
    let week = TimeRange::since(now - chrono::Duration::days(7));
    let day = TimeRange::since(now - chrono::Duration::days(1));
    let days7 = DayRange::ending_today(now, tz, 7);
    let days30 = DayRange::ending_today(now, tz, 30);
    time("hourly_load 7 days, all endpoints", || store.hourly_load(days7, tz, None)).expect("hourly");
    time("hourly_load 7 days, busiest endpoint", || store.hourly_load(days7, tz, Some(id))).expect("hourly");
    time("hourly_load 30 days, all endpoints", || store.hourly_load(days30, tz, None)).expect("hourly");
    time("daily_requests 10 days", || store.daily_requests(DayRange::ending_today(now, tz, 10), tz, None))
        .expect("daily");
    time("daily_requests 30 days", || store.daily_requests(days30, tz, None)).expect("daily");
    time("versions (all time)", || store.versions(TimeRange::ALL, None)).expect("versions");
    time("versions (7 days)", || store.versions(week, None)).expect("versions");
    time("multi_version (all time)", || store.multi_version(TimeRange::ALL)).expect("mv");
    time("multi_version (7 days)", || store.multi_version(week)).expect("mv");
    time("api_performance (7 days)", || store.api_performance(week, None)).expect("perf");
    time("api_performance (1 day)", || store.api_performance(day, None)).expect("perf");
    for (label, e) in [("busiest", id), ("quietest", quiet)] {
        println!("-- endpoint {e} ({label})");
        time("  api_performance one endpoint (all time)", || store.api_performance(TimeRange::ALL, Some(e)))
            .expect("perf");
        time("  status_codes (all time, 100 errors)", || store.status_codes(e, TimeRange::ALL, 100)).expect("codes");
        time("  status_codes (7 days)", || store.status_codes(e, week, 100)).expect("codes");
        time("  users (all time)", || store.users(e, TimeRange::ALL)).expect("users");
        time("  users (7 days)", || store.users(e, week)).expect("users");
        time("  ips (7 days)", || store.ips(e, week)).expect("ips");
        time("  group_performance users (7 days)", || store.group_performance(e, GroupColumn::User, week, None))
            .expect("groups");
        time("  version_performance (all time)", || store.version_performance(e, TimeRange::ALL)).expect("versions");
        time("  version_performance (7 days)", || store.version_performance(e, week)).expect("versions");
        time("  version_matrix users (7 days)", || store.version_matrix(e, GroupColumn::User, week, 10))
            .expect("matrix");
        time("  version_matrix ips (all time)", || store.version_matrix(e, GroupColumn::Ip, TimeRange::ALL, 10))
            .expect("matrix");
        time("  recent_requests first page", || store.recent_requests(e, TimeRange::ALL, 50, 0)).expect("recent");
        time("  recent_requests page at offset 5000", || store.recent_requests(e, TimeRange::ALL, 50, 5000))
            .expect("recent");
        time("  endpoint_summary (all time)", || store.endpoint_summary(e, TimeRange::ALL)).expect("summary");
        time("  endpoint_summary (7 days)", || store.endpoint_summary(e, week)).expect("summary");
    }
}
