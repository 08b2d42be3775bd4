//! `fmd show latency` (median and 95th percentile per time bucket) and the overview's p95 / p99 on FMD's own
//! database: the buckets' numbers equal numpy's percentiles of the requests `fmd show requests` lists in them.

use chrono::{DateTime, Utc};
use serde_json::Value;

mod fixture_support;
use fixture_support::{fixture_copy, into_closed_pipe, show, NOW};

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str().expect("text").parse().expect("RFC 3339")
}

/// numpy.percentile(values, p), method "linear".
fn percentile(mut values: Vec<f64>, p: f64) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let index = (n.checked_sub(1)? as f64) * p / 100.0;
    let (lo, frac) = (index.floor() as usize, index - index.floor());
    let (a, b) = (values[lo], values[(lo + 1).min(n - 1)]);
    Some(a + (b - a) * frac)
}

#[test]
fn latency_buckets_hold_the_percentiles_of_their_requests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let requests = json(&show(&db, &["requests", "--endpoint", "search", "--limit", "1000000", "--json"]));
    let requests: Vec<(DateTime<Utc>, f64)> = requests
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (instant(&r["time_requested"]), r["duration"].as_f64().expect("duration")))
        .collect();
    for window in [vec![], vec!["--from", "7d"], vec!["--from", "2026-11-26", "--to", "2026-11-27"]] {
        let mut args = vec!["latency", "--endpoint", "search", "--json"];
        args.extend_from_slice(&window);
        let series = json(&show(&db, &args));
        let buckets = series["buckets"].as_array().expect("buckets");
        assert!((20..=60).contains(&buckets.len()), "{window:?}: {} buckets", buckets.len());
        let mut counted = 0;
        let mut filled = 0;
        for (i, b) in buckets.iter().enumerate() {
            let (start, end) = (instant(&b["start"]), instant(&b["end"]));
            assert!(start < end, "{window:?} bucket {i}");
            if let Some(next) = buckets.get(i + 1) {
                assert_eq!(end, instant(&next["start"]), "contiguous");
            }
            let inside: Vec<f64> = requests.iter().filter(|(t, _)| *t >= start && *t < end).map(|(_, d)| *d).collect();
            assert_eq!(b["count"].as_u64(), Some(inside.len() as u64), "{window:?} bucket {i}");
            counted += inside.len();
            filled += usize::from(!inside.is_empty());
            for (key, p) in [("p50", 50.0), ("p95", 95.0)] {
                match percentile(inside.clone(), p) {
                    Some(want) => {
                        let got = b[key].as_f64().expect("number");
                        assert!(
                            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                            "{window:?} {i} {key}: {got} vs {want}"
                        );
                    }
                    None => assert!(b[key].is_null(), "{window:?} {i} {key}"),
                }
            }
        }
        assert!(filled > 1, "{window:?}: requests in several buckets");
        if window.is_empty() {
            assert_eq!(counted, requests.len(), "all time holds every request");
        }
    }
    // The text form: a heading and one line per bucket.
    let out = show(&db, &["latency", "--from", "2026-11-26", "--to", "2026-11-27"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("start (UTC)") && lines[0].contains("p95 ms"), "{}", lines[0]);
    assert_eq!(lines.len(), 25, "24 hourly buckets:\n{text}");
    assert!(lines[1].starts_with("2026-11-26 00:00  2026-11-26 01:00"), "{}", lines[1]);
}

#[test]
fn latency_refuses_unknown_endpoints_and_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let out = show(&db, &["latency", "--endpoint", "serch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("serch") && err.contains("search"), "{err}");
    // A reader that is gone before anything is written (`| head -0`).
    let db = db.to_str().expect("utf8");
    let (code, err) = into_closed_pipe(&["show", "latency", "--json", "--from", "30d", "--db", db, "--now", NOW]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn the_overview_shows_p95_and_p99_beside_fmds_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let rows = json(&show(&db, &["overview", "--json"]));
    let requests = json(&show(&db, &["requests", "--endpoint", "search", "--limit", "1000000", "--json"]));
    let durations: Vec<f64> =
        requests.as_array().expect("rows").iter().map(|r| r["duration"].as_f64().expect("duration")).collect();
    let search = rows.as_array().expect("rows").iter().find(|r| r["name"] == "search").expect("search");
    for (key, p) in [("p95-overall", 95.0), ("p99-overall", 99.0), ("median-overall", 50.0)] {
        let want = percentile(durations.clone(), p).expect("requests");
        let got = search[key].as_f64().expect("number");
        assert!((got - want).abs() <= 1e-9 * want, "{key}: {got} vs {want}");
    }
    let out = show(&db, &["overview"]);
    let text = String::from_utf8(out.stdout).expect("utf8");
    // A table wider than the output is split into blocks, each with its own heading line.
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("endpoint")).collect();
    assert!(!headings.is_empty(), "a heading in {text}");
    for column in ["p50 7d", "p95 7d", "p99 7d", "p95 all", "p99 all"] {
        assert!(headings.iter().any(|h| h.contains(column)), "{column} in {headings:?}");
    }
}
