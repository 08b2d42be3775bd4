//! Helpers shared by the integration tests: configurations, a demo app, a blocking HTTP/1.1 client,
//! database queries and a log capture.
#![allow(dead_code)]

mod harness;
#[allow(unused_imports)] // each test binary uses a part
pub use harness::{capture_logs_at, log_lines, wait_until, ReadOnly};

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

use std::time::{Duration, Instant};

use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use fmd_core::Config;

/// A configuration recording into `db` with new endpoints at `level`.
pub fn config(db: &Path, level: u8) -> Config {
    let mut config = Config::default();
    config.database.path = db.to_path_buf();
    config.dashboard.monitor_level = level;
    config.dashboard.app_version = "9.9-test".into();
    config.recorder.level_poll_ms = 100;
    config
}

/// The demo app: a root, a path parameter, a chosen status, a slow route and a 404 fallback.
pub fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "root" }))
        .route("/users/{id}", get(|UrlPath(id): UrlPath<u32>| async move { format!("user {id}") }))
        .route(
            "/status/{code}",
            get(|UrlPath(code): UrlPath<u16>| async move {
                (StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), "status")
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                "slow"
            }),
        )
        .route("/never", get(|| async { "never requested" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "nope") })
}

/// Calls `router` directly (no network) and returns the status and how long the call took.
pub async fn call(router: &Router, uri: &str, user: Option<&str>) -> (u16, Duration) {
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().uri(uri);
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    let request = request.body(axum::body::Body::empty()).expect("request");
    let started = Instant::now();
    let response = router.clone().oneshot(request).await.expect("infallible");
    (response.status().as_u16(), started.elapsed())
}

/// A minimal blocking HTTP/1.1 GET; returns the status code.
pub fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    response.split_whitespace().nth(1).and_then(|code| code.parse().ok()).expect("status line")
}

/// One Request row joined with its endpoint name.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub endpoint: String,
    pub duration: f64,
    pub time: String,
    pub version: String,
    pub group_by: String,
    pub ip: String,
    pub status: i64,
}

/// Opens the database read-only with rusqlite.
pub fn connect(db: &Path) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open database");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    conn
}

/// Every Request row, in id order.
pub fn rows(db: &Path) -> Vec<Row> {
    let conn = connect(db);
    let mut stmt = conn
        .prepare(
            "SELECT e.name, r.duration, r.time_requested, r.version_requested, r.group_by, r.ip, r.status_code \
             FROM Request r JOIN Endpoint e ON e.id = r.endpoint_id ORDER BY r.id",
        )
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            Ok(Row {
                endpoint: r.get(0)?,
                duration: r.get(1)?,
                time: r.get(2)?,
                version: r.get(3)?,
                group_by: r.get(4)?,
                ip: r.get(5)?,
                status: r.get(6)?,
            })
        })
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    rows
}

/// Number of Request rows (0 when the file or table does not exist yet).
pub fn request_count(db: &Path) -> i64 {
    if !db.exists() {
        return 0;
    }
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|conn| conn.query_row("SELECT count(*) FROM Request", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// `(name, monitor_level, last_requested)` of every endpoint, by name.
pub fn endpoints(db: &Path) -> Vec<(String, i64, Option<String>)> {
    let conn = connect(db);
    let mut stmt =
        conn.prepare("SELECT name, monitor_level, last_requested FROM Endpoint ORDER BY name").expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    rows
}

/// `(recorded, dropped, failed)` summed over the `fmd_recorder` rows.
pub fn persisted_counters(db: &Path) -> (i64, i64, i64) {
    connect(db)
        .query_row(
            "SELECT coalesce(sum(recorded),0), coalesce(sum(dropped),0), coalesce(sum(failed),0) FROM fmd_recorder",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("counters")
}

/// True for FMD's `YYYY-MM-DD HH:MM:SS.ffffff`.
pub fn is_fmd_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 26
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b' ',
            13 | 16 => *b == b':',
            19 => *b == b'.',
            _ => b.is_ascii_digit(),
        })
}

/// The current UTC time in FMD's format (for range checks: the format sorts as text).
pub fn fmd_now() -> String {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .expect("clock after 1970");
    fmd_core::timefmt::format_micros(micros)
}

/// Captures every `tracing` event of this test binary, debug lines included (call at the start of each test).
pub fn capture_logs() {
    capture_logs_at(tracing::Level::DEBUG);
}
