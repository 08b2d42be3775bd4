//! FMD's report on PostgreSQL gives the SQLite backend's answer on the same rows (FMD 5.1.0's sample).

use chrono::{DateTime, TimeZone, Utc};
use fmd_core::report::{Interval, ReportOptions, Selection};
use fmd_core::Store;
use fmd_pg::import::import_sqlite;
use fmd_pg::testing::TestDb;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/fmd-5.1.0-sample.db");

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).single().expect("valid")
}

#[test]
fn the_report_is_the_same_on_both_backends() {
    let Some(db) = TestDb::create("report_same") else { return };
    db.create_python_fmd_schema();
    let pg = db.store("");
    import_sqlite(SAMPLE.as_ref(), "", &pg).expect("import");
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("sample.db");
    std::fs::copy(SAMPLE, &copy).expect("copy");
    let sqlite = Store::open_reader(&copy, None).expect("open");
    let interval = |from, to| Selection::Interval { interval: Interval { from, to } };
    let version = |v: &str| Selection::Version { version: v.to_string() };
    let cases = [
        (interval(at(26, 0), at(27, 23)), interval(at(17, 0), at(25, 0))),
        (interval(at(27, 0), at(28, 0)), interval(at(26, 0), at(27, 0))),
        (version("1.1"), version("1.0")),
        (version("1.0"), interval(at(20, 0), at(27, 0))),
        (interval(at(1, 0), at(2, 0)), version("no such version")),
    ];
    let options =
        [ReportOptions::default(), ReportOptions { sample_size: 7, min_status_requests: 3, ..Default::default() }];
    let mut significant = 0;
    for (comparison, baseline) in &cases {
        for options in &options {
            let expected = sqlite.report(comparison, baseline, options).expect("sqlite report");
            let got = pg.report(comparison, baseline, options).expect("pg report");
            assert_eq!(got, expected, "{comparison:?} vs {baseline:?} with {options:?}");
            significant += got.summaries.iter().filter(|s| s.has_anything_significant).count();
            assert_eq!(got.summaries.len(), 6, "every endpoint of the sample");
        }
    }
    assert!(significant > 0, "some comparison finds a change, so the statistics were really compared");
}
