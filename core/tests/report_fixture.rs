//! Reports on FMD 5.1.0's own database, checked against scipy.
//!
//! No endpoint of the fixture has more than 500 requests on a side, so the sample is every request and the
//! expected values can be computed outside fmd: they come from `scipy.stats.median_test` (scipy 1.17.1,
//! numpy 2.4.6) and `numpy.median` over `SELECT duration FROM Request WHERE endpoint_id = ? AND <side>`
//! on the fixture, and status code counts from `GROUP BY status_code`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use fmd_core::report::{Answer, Interval, Report, ReportOptions};
use fmd_core::Store;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

/// (endpoint id, name, n, n_base, p-value, statistic, median, base median, percentual diff,
/// status counts, base status counts).
type Expected = (i64, &'static str, u64, u64, f64, f64, f64, f64, f64, &'static [(i64, u64)], &'static [(i64, u64)]);

const VERSIONS: &[Expected] = &[
    (
        2,
        "user_detail",
        295,
        148,
        0.7369883452885336,
        0.11279133733914674,
        3.8907527923583984,
        4.154562950134277,
        -6.349889529712203,
        &[(200, 274), (404, 21)],
        &[(200, 143), (404, 5)],
    ),
    (
        1,
        "index",
        264,
        141,
        0.6501553965182093,
        0.20570426530259078,
        0.1798868179321289,
        0.1823902130126953,
        -1.3725490196078431,
        &[(200, 264)],
        &[(200, 141)],
    ),
    (
        3,
        "search",
        188,
        97,
        0.9660612203514756,
        0.00181039929504121,
        4.679560661315918,
        4.690885543823242,
        -0.24142312579415504,
        &[(200, 188)],
        &[(200, 97)],
    ),
    (
        5,
        "upload",
        119,
        56,
        0.8204517662326536,
        0.05151263936947334,
        0.31828880310058594,
        0.31304359436035156,
        1.6755521706016754,
        &[(201, 82), (413, 37)],
        &[(201, 40), (413, 16)],
    ),
    (
        4,
        "report",
        98,
        48,
        1.0,
        0.0,
        16.892433166503906,
        17.30489730834961,
        -2.3835110633490397,
        &[(200, 98)],
        &[(200, 48)],
    ),
    (
        6,
        "boom",
        54,
        18,
        0.7854947471183541,
        0.07407407407407407,
        0.19490718841552734,
        0.20873546600341797,
        -6.624785836664763,
        &[(500, 54)],
        &[(500, 18)],
    ),
];

const INTERVALS: &[Expected] = &[
    (
        2,
        "user_detail",
        224,
        219,
        0.9625305229791742,
        0.0022069606168869643,
        3.9873123168945312,
        4.024505615234375,
        -0.9241706161137441,
        &[(200, 210), (404, 14)],
        &[(200, 207), (404, 12)],
    ),
    (
        1,
        "index",
        208,
        197,
        0.29716298572322486,
        1.0868824729483095,
        0.17559528350830078,
        0.18310546875,
        -4.1015625,
        &[(200, 208)],
        &[(200, 197)],
    ),
    (
        3,
        "search",
        148,
        137,
        1.0,
        0.0,
        4.675388336181641,
        4.685401916503906,
        -0.21371870547526967,
        &[(200, 148)],
        &[(200, 137)],
    ),
    (
        5,
        "upload",
        86,
        89,
        0.6010012640619153,
        0.27348840198042434,
        0.3197193145751953,
        0.31185150146484375,
        2.522935779816514,
        &[(201, 54), (413, 32)],
        &[(201, 68), (413, 21)],
    ),
    (
        4,
        "report",
        70,
        76,
        0.8684236393761451,
        0.027443609022556388,
        16.943812370300293,
        17.136216163635254,
        -1.1227904194116134,
        &[(200, 70)],
        &[(200, 76)],
    ),
    (
        6,
        "boom",
        25,
        47,
        1.0,
        0.0,
        0.19478797912597656,
        0.19741058349609375,
        -1.328502415458937,
        &[(500, 25)],
        &[(500, 47)],
    ),
];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Checks every number of the report and returns the names of the endpoints whose status code answer is
/// significant.
fn check(report: &Report, expected: &[Expected]) -> Vec<String> {
    assert_eq!(report.summaries.len(), expected.len());
    let mut status_significant = Vec::new();
    for (summary, want) in report.summaries.iter().zip(expected) {
        let (id, name, n, n_base, p, stat, m, m_base, diff, codes, base_codes) = *want;
        assert_eq!((summary.endpoint_id, summary.endpoint_name.as_str()), (id, name), "busiest first");
        let [Answer::MedianLatency(latency), Answer::StatusCodeDistribution(status)] = summary.answers.as_slice()
        else {
            panic!("two answers in FMD's order: {:?}", summary.answers);
        };
        assert_eq!((latency.comparison_count, latency.compared_to_count), (n, n_base), "{name}");
        assert_eq!(latency.latencies_sample.comparison_interval.len() as u64, n, "all taken below 500");
        let test = latency.median_test.as_ref().expect("testable");
        assert!(close(test.p_value, p), "{name}: p {} vs scipy {p}", test.p_value);
        assert!(close(test.statistic, stat), "{name}: statistic {} vs scipy {stat}", test.statistic);
        assert!(close(latency.comparison_median.expect("median"), m), "{name}");
        assert!(close(latency.compared_to_median.expect("median"), m_base), "{name}");
        assert!(close(latency.percentual_diff.expect("diff"), diff), "{name}");
        assert_eq!(latency.is_significant, p < 0.05, "{name}");

        let total: u64 = codes.iter().map(|c| c.1).sum();
        let base_total: u64 = base_codes.iter().map(|c| c.1).sum();
        assert_eq!((status.comparison_count, status.compared_to_count), (total, base_total));
        let Some(shares) = status.percentages.as_ref() else {
            assert!(total < 30 || base_total < 30, "{name}: percentages need 30+ requests on both sides");
            assert!(!status.is_significant);
            continue;
        };
        assert!(total >= 30 && base_total >= 30, "{name}");
        let mut max_increase = 0.0_f64;
        for share in shares {
            let code = share.status_code.expect("numeric");
            let count = codes.iter().find(|c| c.0 == code).map_or(0, |c| c.1);
            let base_count = base_codes.iter().find(|c| c.0 == code).map_or(0, |c| c.1);
            assert_eq!((share.comparison_count, share.compared_to_count), (count, base_count), "{name} {code}");
            let pct = count as f64 / total as f64 * 100.0;
            let base_pct = base_count as f64 / base_total as f64 * 100.0;
            assert!(close(share.comparison_interval, pct) && close(share.compared_to_interval, base_pct));
            max_increase = max_increase.max(pct - base_pct);
        }
        assert_eq!(status.is_significant, max_increase > 3.0, "{name}");
        if status.is_significant {
            status_significant.push(name.to_string());
        }
        assert_eq!(summary.has_anything_significant, latency.is_significant || status.is_significant);
    }
    status_significant
}

#[test]
fn version_report_matches_scipy() {
    let store = Store::open_reader(fixture(), None).expect("opens");
    let report = store.report_versions("1.1", "1.0", &ReportOptions::default()).expect("report");
    // 404s of user_detail went from 3.4% to 7.1%: more than 3 points.
    assert_eq!(check(&report, VERSIONS), ["user_detail"]);
}

#[test]
fn interval_report_matches_scipy() {
    let store = Store::open_reader(fixture(), None).expect("opens");
    let interval = Interval { from: at("2026-11-22T22:00:00Z"), to: at("2026-11-27T22:00:00Z") };
    let baseline = Interval { from: at("2026-11-17T22:00:00Z"), to: at("2026-11-22T22:00:00Z") };
    let report = store.report_intervals(&interval, &baseline, &ReportOptions::default()).expect("report");
    // upload's 413s went from 23.6% to 37.2%.
    assert_eq!(check(&report, INTERVALS), ["upload"]);
}

#[test]
fn json_has_fmd_keys() {
    let store = Store::open_reader(fixture(), None).expect("opens");
    let report = store.report_versions("1.1", "1.0", &ReportOptions::default()).expect("report");
    let json = serde_json::to_value(&report).expect("serialises");
    let first = &json["summaries"][0];
    for key in ["endpoint_id", "endpoint_name", "has_anything_significant", "answers"] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let latency = &first["answers"][0];
    assert_eq!(latency["type"], "MEDIAN_LATENCY");
    for key in ["is_significant", "comparison_median", "compared_to_median", "percentual_diff", "p_value"] {
        assert!(latency.get(key).is_some(), "{key}");
    }
    assert!(latency["latencies_sample"]["comparison_interval"].is_array());
    assert!(latency["latencies_sample"]["compared_to_interval"].is_array());
    let status = &first["answers"][1];
    assert_eq!(status["type"], "STATUS_CODE_DISTRIBUTION");
    let share = &status["percentages"][0];
    for key in ["status_code", "comparison_interval", "compared_to_interval", "percentage_diff"] {
        assert!(share.get(key).is_some(), "{key}");
    }
    assert_eq!(json["comparison"], serde_json::json!({"kind": "version", "version": "1.1"}));

    let interval = Interval { from: at("2026-11-22T22:00:00Z"), to: at("2026-11-27T22:00:00Z") };
    let report = store.report_intervals(&interval, &interval, &ReportOptions::default()).expect("report");
    let json = serde_json::to_value(&report).expect("serialises");
    assert_eq!(
        json["baseline"],
        serde_json::json!({"kind": "interval", "from": "2026-11-22T22:00:00.000000Z", "to": "2026-11-27T22:00:00.000000Z"})
    );
    // The same requests on both sides: nothing is significant.
    assert!(report.summaries.iter().all(|s| !s.has_anything_significant));
}
