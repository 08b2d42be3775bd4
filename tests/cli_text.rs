//! The text form of every `fmd show` view on FMD's own database (fixed `--now`, `--tz UTC`, width 100 via
//! `$COLUMNS`), as insta snapshots; and at any width, no line of any view is wider than the width.

use std::path::Path;

mod fixture_support;
use fixture_support::{fixture_copy, fmd_command, NOW};

fn text(db: &Path, width: usize, args: &[&str]) -> String {
    let out = fmd_command()
        .arg("show")
        .args(args)
        .args(["--db", db.to_str().expect("utf8"), "--now", NOW, "--tz", "UTC"])
        .env("COLUMNS", width.to_string())
        .output()
        .expect("run fmd");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

/// Every view and variant, named for its snapshot.
const VIEWS: &[(&str, &[&str])] = &[
    ("overview", &["overview"]),
    ("hourly", &["hourly"]),
    ("hourly_endpoint", &["hourly", "--endpoint", "search", "--days", "3"]),
    ("daily", &["daily"]),
    ("versions", &["versions"]),
    ("versions_endpoint", &["versions", "--endpoint", "search"]),
    ("api_performance", &["api-performance"]),
    ("status_codes", &["status-codes", "--limit", "3"]),
    ("status_codes_endpoint", &["status-codes", "--endpoint", "upload", "--limit", "5"]),
    ("endpoint", &["endpoint", "--endpoint", "search"]),
    ("users", &["users", "--endpoint", "search"]),
    ("ips", &["ips", "--endpoint", "search"]),
    ("user_versions", &["user-versions", "--endpoint", "search"]),
    ("ip_versions", &["ip-versions", "--endpoint", "search", "--top", "4"]),
    ("requests", &["requests", "--endpoint", "search", "--limit", "5"]),
    ("report", &["report"]),
    ("graphs", &["graphs"]),
    ("outliers", &["outliers", "--endpoint", "search", "--limit", "5"]),
    ("outlier_detail", &["outliers", "--endpoint", "search", "--request", "554"]),
    ("profiler", &["profiler", "--endpoint", "search", "--limit", "5"]),
    ("profiler_tree", &["profiler", "--endpoint", "search", "--request", "764"]),
    ("grouped_profiler", &["grouped-profiler", "--endpoint", "search"]),
    ("exceptions", &["exceptions"]),
];

#[test]
fn every_view_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    for (name, args) in VIEWS {
        insta::assert_snapshot!(*name, text(&db, 100, args), &format!("fmd show {}", args.join(" ")));
    }
}

#[test]
fn a_narrow_terminal_gets_cut_cells_and_split_day_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    insta::assert_snapshot!("daily_width_60", text(&db, 60, &["daily"]));
    insta::assert_snapshot!("exceptions_width_60", text(&db, 60, &["exceptions"]));
}

#[test]
fn no_line_is_wider_than_the_width() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let mut wide = Vec::new();
    for width in [60, 80, 100, 132] {
        for (name, args) in VIEWS {
            for line in text(&db, width, args).lines() {
                let cells = unicode_width::UnicodeWidthStr::width(line);
                if cells > width {
                    wide.push(format!("{name} at {width}: {cells} cells: {line}"));
                }
            }
        }
    }
    assert!(wide.is_empty(), "{} lines too wide:\n{}", wide.len(), wide[..wide.len().min(20)].join("\n"));
}
