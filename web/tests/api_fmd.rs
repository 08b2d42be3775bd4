//! FMD 5.1's JSON routes on FMD's own database against FMD's own answers for it
//! (`fixtures/fmd-5.1.0-sample.expected.json`, with the tolerances of the core's compatibility tests), who may
//! call them (401 without a session, 403 for guests on admin routes), bad parameters, and `set_rule`.

mod support;

use std::collections::BTreeSet;

use http::StatusCode;
use serde_json::{json, Value};
use support::{fixture_app, App, ADMIN, GUEST};

fn expected() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected json")).expect("json")
}

/// Endpoint name -> id, from the overview FMD answered.
fn endpoint_ids(expected: &Value) -> Vec<(String, i64)> {
    expected["overview"]
        .as_array()
        .expect("overview")
        .iter()
        .map(|e| (e["name"].as_str().expect("name").to_string(), e["id"].as_i64().expect("id")))
        .collect()
}

/// Equal, or within 1e-9 relative (numpy's sums and std against ours).
fn close(ours: f64, theirs: f64) -> bool {
    ours == theirs || (ours - theirs).abs() <= 1e-9 * ours.abs().max(theirs.abs())
}

async fn get_json(app: &App, path: &str, cookie: &str) -> Value {
    let answer = app.get(path, Some(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.json()
}

#[tokio::test]
async fn fmds_routes_answer_what_fmd_answered_for_its_own_file() {
    let app = fixture_app();
    let cookie = app.login(GUEST).await;
    let expected = expected();

    let overview = get_json(&app, "/dashboard/api/overview", &cookie).await;
    let want = expected["overview"].as_array().expect("overview");
    assert_eq!(overview.as_array().map(Vec::len), Some(want.len()));
    for (o, t) in overview.as_array().expect("list").iter().zip(want) {
        for key in
            ["id", "name", "monitor", "hits-today", "hits-today-errors", "hits-week", "hits-overall", "exceptions"]
        {
            assert_eq!(o[key], t[key], "{} {key}", t["name"]);
        }
        for key in ["median-today", "median-week", "median-overall"] {
            assert!(close(o[key].as_f64().expect("ours"), t[key].as_f64().expect("FMD's")), "{} {key}", t["name"]);
        }
    }

    // FMD was asked for the 7 days ending today.
    let hourly = get_json(&app, "/dashboard/api/hourly_load/2026-11-21/2026-11-27", &cookie).await;
    assert_eq!(hourly["days"], expected["hourly_load"]["days"]);
    let (ours, theirs) =
        (hourly["data"].as_array().expect("24 rows"), expected["hourly_load"]["data"].as_array().expect("rows"));
    assert_eq!(ours.len(), 24);
    for (hour, (o, t)) in ours.iter().zip(theirs).enumerate() {
        let o: Vec<f64> = o.as_array().expect("row").iter().map(|v| v.as_f64().expect("count")).collect();
        let t: Vec<f64> = t.as_array().expect("row").iter().map(|v| v.as_f64().expect("count")).collect();
        assert_eq!(o, t, "hour {hour}");
    }

    for (name, id) in endpoint_ids(&expected) {
        let outliers = get_json(&app, &format!("/dashboard/api/num_outliers/{id}"), &cookie).await;
        assert_eq!(outliers, expected["num_outliers"][&name], "{name}: num_outliers");

        let users = get_json(&app, &format!("/dashboard/api/users/{id}"), &cookie).await;
        assert_eq!(users, expected["users"][&name], "{name}: users, FMD's order with its ties");

        let grouped = get_json(&app, &format!("/dashboard/api/grouped_profiler/{id}"), &cookie).await;
        let want = expected["grouped_profiler"][&name].as_array().expect("rows");
        let got = grouped.as_array().expect("rows");
        assert_eq!(got.len(), want.len(), "{name}: grouped rows");
        for (i, (o, t)) in got.iter().zip(want).enumerate() {
            for key in ["code", "hits", "indent", "total_hits"] {
                assert_eq!(o[key], t[key], "{name} row {i}: {key}");
            }
            for key in ["duration", "std"] {
                let (a, b) = (o[key].as_f64().expect("ours"), t[key].as_f64().expect("FMD's"));
                assert!(close(a, b), "{name} row {i}: {key} {a} vs FMD {b}");
            }
        }

        let summary = get_json(&app, &format!("/dashboard/api/endpoint_status_code_summary/{id}"), &cookie).await;
        let want = &expected["status_codes"][&name];
        let want_dist = want["distribution"].as_object().expect("distribution");
        assert_eq!(summary["distribution"].as_object().map(|d| d.len()), Some(want_dist.len()), "{name}");
        for (code, fraction) in want_dist {
            let (a, b) = (summary["distribution"][code].as_f64().expect("ours"), fraction.as_f64().expect("FMD's"));
            assert!((a - b).abs() <= 1e-12, "{name} {code}: {a} vs {b}");
        }
        let distribution =
            get_json(&app, &format!("/dashboard/api/endpoint_status_code_distribution/{id}"), &cookie).await;
        assert_eq!(distribution, summary["distribution"], "{name}: the same distribution");
        let want_ids: BTreeSet<i64> = want["error_requests"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_str().expect("row2dict stringifies").parse().expect("id"))
            .collect();
        let got_rows = summary["error_requests"].as_array().expect("rows");
        let got_ids: BTreeSet<i64> = got_rows.iter().map(|r| r["id"].as_i64().expect("typed id")).collect();
        assert_eq!(got_ids, want_ids, "{name}: every error request (fewer than the bound)");
        assert_eq!(summary["total_errors"].as_u64(), Some(want_ids.len() as u64));
        for row in want["error_requests"].as_array().expect("rows") {
            let id: i64 = row["id"].as_str().expect("id").parse().expect("id");
            let mine = got_rows.iter().find(|r| r["id"] == id).expect("same id");
            for key in ["group_by", "ip", "version_requested"] {
                assert_eq!(mine[key], row[key], "{name} {id} {key}");
            }
            assert_eq!(mine["status_code"].to_string(), row["status_code"].as_str().expect("code"));
        }
    }
}

#[tokio::test]
async fn the_other_routes_answer_the_fixtures_numbers() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let endpoints = get_json(&app, "/dashboard/api/endpoints", &cookie).await;
    let names: Vec<&str> =
        endpoints.as_array().expect("rows").iter().map(|e| e["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["user_detail", "index", "search", "upload", "report", "boom"], "busiest first");
    assert_eq!(endpoints[0]["time_added"], "2026-11-27T22:49:15.670430Z");
    let hits = get_json(&app, "/dashboard/api/endpoints_hits", &cookie).await;
    assert_eq!(hits[0], json!({"name": "user_detail", "hits": 443}));
    let info = get_json(&app, "/dashboard/api/endpoint_info/2", &cookie).await;
    assert_eq!(info["color"], "rgb(64, 164, 191)", "FMD's colour");
    assert_eq!(
        (info["endpoint"].as_str(), info["total_hits"].as_u64(), info["monitor-level"].as_u64()),
        (Some("user_detail"), Some(443), Some(3))
    );
    let versions = get_json(&app, "/dashboard/api/versions", &cookie).await;
    assert_eq!(versions.as_array().map(Vec::len), Some(2));
    let days = get_json(&app, "/dashboard/api/requests/2026-11-25/2026-11-27", &cookie).await;
    assert_eq!(days["days"], json!(["2026-11-25", "2026-11-26", "2026-11-27"]));
    assert_eq!(days["data"][0]["name"], "user_detail");
    assert_eq!(get_json(&app, "/dashboard/api/num_exceptions", &cookie).await, json!(2));
    assert_eq!(get_json(&app, "/dashboard/api/num_exceptions/6", &cookie).await, json!(1));
    let groups = get_json(&app, "/dashboard/api/exception_occurrence/0/5", &cookie).await;
    assert_eq!(groups[0]["endpoint"], "boom");
    assert_eq!(groups[0]["count"], 72);
    let detailed = get_json(&app, "/dashboard/api/detailed_exception_occurrence/6/0/5", &cookie).await;
    assert!(detailed[0]["stack_trace_snapshot"].as_array().is_some_and(|s| !s.is_empty()), "with its stack");
    let table = get_json(&app, "/dashboard/api/outlier_table/2/0/3", &cookie).await;
    assert_eq!(table.as_array().map(Vec::len), Some(3));
    assert!(table[0]["request"]["id"].is_i64(), "the outlier's request rides along");
    let graph = get_json(&app, "/dashboard/api/outlier_graph/2", &cookie).await;
    assert_eq!(graph[0]["name"], "CPU core 0");
    let profiled = get_json(&app, "/dashboard/api/num_profiled/4", &cookie).await;
    assert!(profiled.as_u64().is_some_and(|n| n > 100), "{profiled}");
    let page = get_json(&app, "/dashboard/api/profiler_table/4/0/2", &cookie).await;
    assert_eq!(page.as_array().map(Vec::len), Some(2));
    assert!(page[0]["stack_lines"][0]["code"]["filename"].is_string(), "{}", page[0]);
    let details = get_json(&app, "/dashboard/api/deploy_details", &cookie).await;
    assert_eq!(details["total-requests"], 1526);
    assert_eq!(details["first-request"], "2026-11-17T22:06:11.259339Z");
    let config = get_json(&app, "/dashboard/api/deploy_config", &cookie).await;
    assert_eq!(config["database_name"], "copy.db", "the file's name, never a path or URL");
    let users = get_json(&app, "/dashboard/api/users", &cookie).await;
    assert!(users.as_array().is_some_and(|u| u.iter().any(|u| u["username"] == ADMIN.0 && u["is_admin"] == true)));
    assert!(users.as_array().is_some_and(|u| u.iter().all(|u| u.get("password_hash").is_none())));
    let guest = app.login(GUEST).await;
    assert_eq!(get_json(&app, "/dashboard/api/users", &guest).await, json!([]), "guests see no users, as in FMD");

    let perf = app
        .post_json("/dashboard/api/api_performance", Some(&cookie), &json!({"data": {"endpoints": ["index"]}}))
        .await;
    assert_eq!(perf.status, StatusCode::OK, "{}", perf.body);
    assert_eq!(perf.json()[0]["values"].as_array().map(Vec::len), Some(5));
    assert_eq!(perf.json()[0]["summary"]["count"], 405);
    let mv = app
        .post_json(
            "/dashboard/api/multi_version",
            Some(&cookie),
            &json!({"data": {"endpoints": ["index", "boom"], "versions": ["1.0", "nope"]}}),
        )
        .await;
    let mv = mv.json();
    assert!(mv[0][0].as_f64().is_some_and(|p| p > 0.0 && p < 100.0) && mv[0][1] == 0.0, "{mv}");
    let vu = app
        .post_json(
            "/dashboard/api/version_user/2",
            Some(&cookie),
            &json!({"data": {"versions": ["1.1"], "users": ["alice", "nobody"]}}),
        )
        .await
        .json();
    assert!(vu["data"][0][0].as_f64().is_some_and(|m| m > 0.0) && vu["data"][1][0] == 0.0, "{vu}");
    let report = app
        .post_json(
            "/dashboard/api/reporting/make_report/commits",
            Some(&cookie),
            &json!({"commit_version": "1.1", "baseline_commit_version": "1.0"}),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(
        report.json()["summaries"].as_array().map(Vec::len),
        Some(6),
        "FMD's is always empty; ours is the report"
    );
    let interval = json!({"interval": {"from": 1795737600, "to": 1795824000}, "baseline_interval": {"from": 1795651200, "to": 1795737600}});
    let report = app.post_json("/dashboard/api/reporting/make_report/intervals", Some(&cookie), &interval).await;
    assert_eq!(report.json()["summaries"][0]["endpoint_name"], "user_detail");
}

/// Every read route: method, path, JSON body.
fn read_routes() -> Vec<(&'static str, &'static str, Option<Value>)> {
    let get = |p| ("GET", p, None);
    vec![
        get("/dashboard/api/overview"),
        ("POST", "/dashboard/api/overview", Some(json!({}))),
        get("/dashboard/api/endpoints"),
        get("/dashboard/api/endpoints_hits"),
        get("/dashboard/api/endpoint_info/1"),
        get("/dashboard/api/users/1"),
        get("/dashboard/api/ip/1"),
        ("POST", "/dashboard/api/api_performance", Some(json!({"data": {"endpoints": ["index"]}}))),
        ("POST", "/dashboard/api/endpoint_versions/1", Some(json!({"data": {"versions": ["1.0"]}}))),
        ("POST", "/dashboard/api/endpoint_users/1", Some(json!({"data": {"users": ["bob"]}}))),
        get("/dashboard/api/versions"),
        get("/dashboard/api/versions/1"),
        ("POST", "/dashboard/api/multi_version", Some(json!({"data": {"endpoints": ["index"], "versions": ["1.0"]}}))),
        ("POST", "/dashboard/api/version_user/1", Some(json!({"data": {"versions": ["1.0"], "users": ["bob"]}}))),
        ("POST", "/dashboard/api/version_ip/1", Some(json!({"data": {"versions": ["1.0"], "ip": ["10.0.1.1"]}}))),
        get("/dashboard/api/requests/2026-11-20/2026-11-27"),
        get("/dashboard/api/hourly_load/2026-11-20/2026-11-27"),
        get("/dashboard/api/hourly_load/2026-11-20/2026-11-27/1"),
        get("/dashboard/api/endpoint_status_code_distribution/1"),
        get("/dashboard/api/endpoint_status_code_summary/1"),
        get("/dashboard/api/num_outliers/1"),
        get("/dashboard/api/outlier_graph/1"),
        get("/dashboard/api/outlier_table/1/0/5"),
        get("/dashboard/api/num_profiled/1"),
        get("/dashboard/api/profiler_table/1/0/5"),
        get("/dashboard/api/grouped_profiler/1"),
        get("/dashboard/api/num_exceptions"),
        get("/dashboard/api/num_exceptions/6"),
        get("/dashboard/api/exception_occurrence/0/5"),
        get("/dashboard/api/detailed_exception_occurrence/6/0/5"),
        get("/dashboard/api/custom_graphs"),
        get("/dashboard/api/deploy_details"),
        get("/dashboard/api/deploy_config"),
        get("/dashboard/api/users"),
        (
            "POST",
            "/dashboard/api/reporting/make_report/intervals",
            Some(
                json!({"interval": {"from": 1795737600, "to": 1795824000}, "baseline_interval": {"from": 1795651200, "to": 1795737600}}),
            ),
        ),
        (
            "POST",
            "/dashboard/api/reporting/make_report/commits",
            Some(json!({"commit_version": "1.1", "baseline_commit_version": "1.0"})),
        ),
        get("/dashboard/api/view/overview"),
        get("/dashboard/api/view/requests?endpoint=index&limit=3"),
    ]
}

async fn call(app: &App, (method, path, body): &(&str, &str, Option<Value>), cookie: Option<&str>) -> support::Answer {
    match (method, body) {
        (&"POST", Some(body)) => app.post_json(path, cookie, body).await,
        _ => app.get(path, cookie).await,
    }
}

#[tokio::test]
async fn every_route_needs_a_session_and_admin_routes_an_admin() {
    let app = fixture_app();
    let (guest, admin) = (app.login(GUEST).await, app.login(ADMIN).await);
    for route in read_routes() {
        assert_eq!(call(&app, &route, None).await.status, StatusCode::UNAUTHORIZED, "{route:?} without a session");
        let as_guest = call(&app, &route, Some(&guest)).await;
        assert_eq!(as_guest.status, StatusCode::OK, "{route:?} as a guest: {}", as_guest.body);
        assert!(as_guest.headers[http::header::CONTENT_TYPE].to_str().is_ok_and(|t| t.starts_with("application/json")));
        assert_eq!(call(&app, &route, Some(&admin)).await.status, StatusCode::OK, "{route:?} as an admin");
    }
    let set = |cookie: Option<String>| {
        let app = &app;
        async move { app.post_form("/dashboard/api/set_rule", cookie.as_deref(), "name=index&value=2", &[]).await }
    };
    assert_eq!(set(None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(set(Some(guest)).await.status, StatusCode::FORBIDDEN, "guests may not change levels");
    assert_eq!(level_of(&app, "index"), Some(3), "nothing changed");
    let ok = set(Some(admin)).await;
    assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "OK"), "FMD's answer");
    assert_eq!(level_of(&app, "index"), Some(2), "the level changed in the file");
}

fn level_of(app: &App, name: &str) -> Option<i64> {
    let conn = rusqlite::Connection::open(&app.db).expect("open");
    conn.query_row("SELECT monitor_level FROM Endpoint WHERE name = ?1", [name], |r| r.get(0)).ok()
}

#[tokio::test]
async fn bad_parameters_are_400_naming_them_and_unknown_things_404() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let gets = [
        ("/dashboard/api/endpoint_info/abc", StatusCode::BAD_REQUEST, "id:"),
        ("/dashboard/api/endpoint_info/99", StatusCode::NOT_FOUND, "id:"),
        ("/dashboard/api/users/99", StatusCode::NOT_FOUND, "id:"),
        ("/dashboard/api/hourly_load/2026-13-01/2026-11-27", StatusCode::BAD_REQUEST, "start_date:"),
        ("/dashboard/api/hourly_load/2026-11-27/2026-11-20", StatusCode::BAD_REQUEST, "end_date:"),
        ("/dashboard/api/requests/2026-11-20/yesterday", StatusCode::BAD_REQUEST, "end_date:"),
        ("/dashboard/api/outlier_table/2/x/5", StatusCode::BAD_REQUEST, "offset:"),
        ("/dashboard/api/outlier_table/2/0/100000", StatusCode::BAD_REQUEST, "per_page:"),
        ("/dashboard/api/profiler_table/4/0/101", StatusCode::BAD_REQUEST, "per_page:"),
        ("/dashboard/api/exception_occurrence/-1/5", StatusCode::BAD_REQUEST, "offset:"),
        ("/dashboard/api/custom_graph/x/2026-11-20/2026-11-27", StatusCode::BAD_REQUEST, "graph_id:"),
        ("/dashboard/api/custom_graph/7/2026-11-20/2026-11-27", StatusCode::NOT_FOUND, "graph_id:"),
    ];
    for (path, status, needle) in gets {
        let answer = app.get(path, Some(&cookie)).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert!(answer.json()["error"].as_str().is_some_and(|e| e.starts_with(needle)), "{path}: {}", answer.body);
    }
    let posts = [
        ("/dashboard/api/api_performance", json!({"data": {}}), StatusCode::BAD_REQUEST, "data.endpoints:"),
        (
            "/dashboard/api/api_performance",
            json!({"data": {"endpoints": ["<script>"]}}),
            StatusCode::NOT_FOUND,
            "data.endpoints:",
        ),
        (
            "/dashboard/api/multi_version",
            json!({"data": {"endpoints": ["index"]}}),
            StatusCode::BAD_REQUEST,
            "data.versions:",
        ),
        (
            "/dashboard/api/version_ip/1",
            json!({"data": {"versions": [], "ips": []}}),
            StatusCode::BAD_REQUEST,
            "data.ip:",
        ),
        ("/dashboard/api/endpoint_users/1", json!({"data": {"users": [{}]}}), StatusCode::BAD_REQUEST, "data.users:"),
        (
            "/dashboard/api/reporting/make_report/intervals",
            json!({"interval": {"from": 1}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "interval.to:",
        ),
        (
            "/dashboard/api/reporting/make_report/commits",
            json!({"commit_version": "1.1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "baseline_commit_version:",
        ),
        (
            "/dashboard/api/reporting/make_report/commits",
            json!({"commit_version": "1.1", "baseline_commit_version": "1.1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "baseline_commit_version:",
        ),
    ];
    for (path, body, status, needle) in posts {
        let answer = app.post_json(path, Some(&cookie), &body).await;
        assert_eq!(answer.status, status, "{path} {body}: {}", answer.body);
        assert!(answer.json()["error"].as_str().is_some_and(|e| e.starts_with(needle)), "{path}: {}", answer.body);
    }
    let bad = app.post_form("/dashboard/api/set_rule", Some(&cookie), "name=index&value=7", &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().is_some_and(|e| e.starts_with("value:")), "{}", bad.body);
    let missing = app.post_form("/dashboard/api/set_rule", Some(&cookie), "value=1", &[]).await;
    assert!(missing.json()["error"].as_str().is_some_and(|e| e.starts_with("name:")), "{}", missing.body);
    let unknown = app.post_form("/dashboard/api/set_rule", Some(&cookie), "name=nope&value=1", &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(level_of(&app, "index"), Some(3), "nothing changed");
}

#[tokio::test]
async fn a_forged_cross_site_set_rule_is_403_and_changes_nothing() {
    let app = fixture_app();
    let cookie = app.login(ADMIN).await;
    let token = app.csrf(&cookie).await;
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "http://evil.test"), ("host", "127.0.0.1:8050")],
        vec![("sec-fetch-site", "same-origin")],
    ] {
        let answer = app.post_form("/dashboard/api/set_rule", Some(&cookie), "name=index&value=0", &headers).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}: {}", answer.body);
        assert_eq!(level_of(&app, "index"), Some(3), "nothing changed");
    }
    let ours = app
        .post_form(
            "/dashboard/api/set_rule",
            Some(&cookie),
            &format!("name=index&value=1&csrf_token={token}"),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(ours.status, StatusCode::OK, "our own page's request: {}", ours.body);
    assert_eq!(level_of(&app, "index"), Some(1));
}
