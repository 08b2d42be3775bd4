//! Through a real axum server on 127.0.0.1: what is written at levels 1 and 0, plus naming and group-by
//! closures.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use common::{config, endpoints, fmd_now, http_get, is_fmd_time, persisted_counters, rows};
use fmd_recorder::Recorder;

/// Serves `app` on an ephemeral port with peer addresses; returns the address and a stop switch.
async fn serve(app: axum::Router) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
    });
    (addr, stop, server)
}

/// Sends requests with reqwest; returns the status codes in order.
async fn send_all(addr: SocketAddr, requests: &[(&str, Option<&str>)]) -> Vec<u16> {
    let client = reqwest::Client::new();
    let mut codes = Vec::new();
    for (path, user) in requests {
        let mut request = client.get(format!("http://{addr}{path}"));
        if let Some(user) = user {
            request = request.header("x-user", *user);
        }
        codes.push(request.send().await.expect("response").status().as_u16());
    }
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn level_1_records_every_request_as_fmd_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = Recorder::builder(&config(&db, 1))
        .group_by(|parts: &http::request::Parts| {
            parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned)
        })
        .build();
    let (addr, stop, server) = serve(common::app().layer(recorder.layer())).await;

    let requests: Vec<(&str, Option<&str>)> = vec![
        ("/", None),
        ("/", Some("ann")),
        ("/", Some("bob")),
        ("/users/1", Some("ann")),
        ("/users/2", Some("ann")),
        ("/users/3", None),
        ("/status/201", None),
        ("/status/503", Some("bob")),
        ("/status/418", None),
        ("/slow", None),
        ("/slow", Some("carl")),
        ("/no/such/path", None),
        ("/users/not-a-number", None),
        ("/another/missing", Some("ann")),
    ];
    let before = fmd_now();
    let codes = send_all(addr, &requests).await;
    let after = fmd_now();
    assert_eq!(codes, [200, 200, 200, 200, 200, 200, 201, 503, 418, 200, 200, 404, 400, 404]);

    let _ = stop.send(());
    server.await.expect("server task");
    let report = tokio::task::spawn_blocking(move || recorder.shutdown(Duration::from_secs(10))).await.expect("join");
    assert_eq!((report.recorded, report.dropped, report.failed), (requests.len() as u64, 0, 0));

    let rows = rows(&db);
    assert_eq!(rows.len(), requests.len(), "one row per request: {rows:#?}");
    let mut by_endpoint: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for row in &rows {
        by_endpoint.entry(row.endpoint.as_str()).or_default().push(row.status);
    }
    let expected: BTreeMap<&str, Vec<i64>> = [
        ("/", vec![200, 200, 200]),
        ("/users/{id}", vec![200, 200, 200, 400]),
        ("/status/{code}", vec![201, 503, 418]),
        ("/slow", vec![200, 200]),
        ("<unmatched>", vec![404, 404]),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_endpoint, expected, "endpoint names are the matched routes, with status codes");

    // Rows are written in completion order, which is the sending order here.
    let groups: Vec<&str> = rows.iter().map(|r| r.group_by.as_str()).collect();
    let sent_groups: Vec<&str> = requests.iter().map(|(_, user)| user.unwrap_or("None")).collect();
    assert_eq!(groups, sent_groups);
    for row in &rows {
        assert_eq!(row.ip, "127.0.0.1");
        assert_eq!(row.version, "9.9-test");
        assert!(is_fmd_time(&row.time), "time format: {:?}", row.time);
        assert!(before <= row.time && row.time <= after, "{before} <= {} <= {after}", row.time);
        assert!(row.duration >= 0.0 && row.duration < 1_000.0, "plausible duration: {}", row.duration);
        if row.endpoint == "/slow" {
            assert!(row.duration >= 29.0, "handler time includes the 30 ms sleep: {}", row.duration);
        } else {
            // Loose on purpose (a loaded CI machine may preempt the handler); units are checked above.
            assert!(row.duration < 250.0, "trivial handlers are fast: {row:?}");
        }
    }
    let times: Vec<&str> = rows.iter().map(|r| r.time.as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "sequential requests have increasing times: {times:?}");

    let endpoint_rows = endpoints(&db);
    let names: Vec<&str> = endpoint_rows.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["/", "/slow", "/status/{code}", "/users/{id}", "<unmatched>"],
        "never-requested routes have no row"
    );
    for (name, level, last) in &endpoint_rows {
        assert_eq!(*level, 1, "{name} created with the default level");
        let last = last.as_deref().expect("last_requested set");
        assert!(is_fmd_time(last) && before.as_str() <= last && last <= after.as_str(), "{name}: {last}");
    }
    assert_eq!(persisted_counters(&db), (requests.len() as i64, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn level_0_only_updates_last_requested() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let recorder = Recorder::builder(&config(&db, 0)).build();
    let (addr, stop, server) = serve(common::app().layer(recorder.layer())).await;

    let before = fmd_now();
    let codes = send_all(addr, &[("/", None), ("/users/5", None), ("/users/6", None), ("/missing", None)]).await;
    let after = fmd_now();
    assert_eq!(codes, [200, 200, 200, 404]);
    let _ = stop.send(());
    server.await.expect("server task");
    let report = tokio::task::spawn_blocking(move || recorder.shutdown(Duration::from_secs(10))).await.expect("join");
    assert_eq!((report.recorded, report.dropped, report.failed), (0, 0, 0));

    assert!(rows(&db).is_empty(), "level 0 writes no Request rows");
    let endpoint_rows = endpoints(&db);
    let names: Vec<&str> = endpoint_rows.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names, ["/", "/users/{id}", "<unmatched>"]);
    for (name, level, last) in &endpoint_rows {
        assert_eq!(*level, 0, "{name}");
        let last = last.as_deref().expect("last_requested set at level 0");
        assert!(is_fmd_time(last) && before.as_str() <= last && last <= after.as_str(), "{name}: {last}");
    }
}

#[test]
fn custom_names_for_a_plain_tower_service_and_a_panicking_group_by() {
    common::capture_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fmd.db");
    let mut config = config(&db, 1);
    config.dashboard.enable_logging = true;
    let recorder = Recorder::builder(&config)
        .endpoint_name(|parts: &http::request::Parts| {
            // A gRPC-like naming: method and path, except for health checks, which fall back to <unmatched>.
            (parts.uri.path() != "/health").then(|| format!("{} {}", parts.method, parts.uri.path()))
        })
        .group_by(|parts: &http::request::Parts| -> Option<String> {
            if parts.uri.path() == "/pkg.Svc/Boom" {
                panic!("group_by exploded");
            }
            Some("tenant-a".to_string())
        })
        .build();
    let mut service = tower::ServiceBuilder::new().layer(recorder.layer()).service(tower::service_fn(
        |request: http::Request<()>| async move {
            let status = if request.uri().path() == "/pkg.Svc/Fail" { 500 } else { 200 };
            Ok::<_, std::convert::Infallible>(http::Response::builder().status(status).body(()).expect("response"))
        },
    ));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    for path in ["/pkg.Svc/Get", "/pkg.Svc/Get", "/pkg.Svc/Fail", "/pkg.Svc/Boom", "/pkg.Svc/Boom", "/health"] {
        let request = http::Request::builder().uri(path).body(()).expect("request");
        let response = runtime.block_on(tower::ServiceExt::oneshot(&mut service, request)).expect("infallible");
        assert!(response.status().as_u16() == 200 || path == "/pkg.Svc/Fail");
    }
    let report = recorder.shutdown(Duration::from_secs(10));
    assert_eq!(report.recorded, 6);
    let got: Vec<(String, String, String, i64)> =
        rows(&db).into_iter().map(|r| (r.endpoint, r.group_by, r.ip, r.status)).collect();
    let want: Vec<(String, String, String, i64)> = [
        ("GET /pkg.Svc/Get", "tenant-a", 200),
        ("GET /pkg.Svc/Get", "tenant-a", 200),
        ("GET /pkg.Svc/Fail", "tenant-a", 500),
        ("GET /pkg.Svc/Boom", "None", 200),
        ("GET /pkg.Svc/Boom", "None", 200),
        ("<unmatched>", "tenant-a", 200),
    ]
    .into_iter()
    .map(|(e, g, s)| (e.to_string(), g.to_string(), "unknown".to_string(), s))
    .collect();
    assert_eq!(got, want, "no ConnectInfo: ip is unknown; a panicking group_by stores \"None\"");
    let warnings = common::log_lines(&["WARN", "group_by closure panicked", "group_by exploded"]);
    assert_eq!(warnings.len(), 1, "logged once: {warnings:#?}");
    let debug = common::log_lines(&["DEBUG", "request recorded", "endpoint=\"GET /pkg.Svc/"]);
    assert_eq!(debug.len(), 5, "enable_logging: one debug line per recorded request: {debug:#?}");
}

#[test]
fn blocking_client_helper_talks_http() {
    // The raw client used by the cross-process test, checked against a real server here.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Recorder::builder(&config(&dir.path().join("fmd.db"), 1)).build();
    let (addr, stop, server) = runtime.block_on(serve(common::app().layer(recorder.layer())));
    assert_eq!(http_get(addr, "/users/9", &[("x-user", "z")]), 200);
    assert_eq!(http_get(addr, "/nothing", &[]), 404);
    let _ = stop.send(());
    runtime.block_on(server).expect("server task");
    assert_eq!(recorder.shutdown(Duration::from_secs(10)).recorded, 2);
}
