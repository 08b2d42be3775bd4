//! Every time flag (`--from`, `--to`, `--now`, `--end`) takes every documented form: RFC 3339, a local date,
//! a local time, `now`, `today` and an age (`24h`, `3d ago`: now minus the age). Each form gives the same
//! answer as the RFC 3339 instant it means.

use std::path::Path;
use std::process::Output;

mod fixture_support;
use fixture_support::{fixture_copy, fmd_command};

/// The pinned clock of these tests and the zone its local forms are read in (UTC+1 in November).
const NOW: &str = "2026-11-28T12:00:00Z";
const TZ: &str = "Europe/Amsterdam";

/// Each form with the instant it means at [`NOW`] in [`TZ`].
const FORMS: [(&str, &str); 7] = [
    ("2026-11-27T12:00:00+01:00", "2026-11-27T11:00:00Z"),
    ("2026-11-27", "2026-11-26T23:00:00Z"),
    ("2026-11-27 14:00", "2026-11-27T13:00:00Z"),
    ("now", NOW),
    ("today", "2026-11-27T23:00:00Z"),
    ("24h", "2026-11-27T12:00:00Z"),
    ("3d ago", "2026-11-25T12:00:00Z"),
];

fn fmd(args: &[&str]) -> Output {
    fmd_command().args(args).output().expect("run fmd")
}

fn ok_stdout(args: &[&str]) -> String {
    let out = fmd(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

fn show(db: &Path, view: &[&str], flags: &[&str]) -> String {
    let mut args = vec!["show"];
    args.extend_from_slice(view);
    args.extend_from_slice(&["--json", "--db", db.to_str().expect("utf8"), "--tz", TZ]);
    args.extend_from_slice(flags);
    ok_stdout(&args)
}

#[test]
fn from_and_to_take_every_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let view = ["requests", "--endpoint", "search", "--limit", "1000"];
    for (form, meaning) in FORMS {
        for flag in ["--from", "--to"] {
            let ours = show(&db, &view, &["--now", NOW, flag, form]);
            let expected = show(&db, &view, &["--now", NOW, flag, meaning]);
            assert_eq!(ours, expected, "{flag} {form:?} must mean {meaning}");
        }
    }
    // The window really moves: a local date and the day after differ.
    let a = show(&db, &view, &["--from", "2026-11-26", "--to", "2026-11-27"]);
    let b = show(&db, &view, &["--from", "2026-11-27", "--to", "2026-11-28"]);
    assert_ne!(a, b);
}

#[test]
fn now_takes_every_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    // The pinned forms: RFC 3339, a local date, a local time.
    for (form, meaning) in &FORMS[..3] {
        let ours = show(&db, &["overview"], &["--now", form]);
        let expected = show(&db, &["overview"], &["--now", meaning]);
        assert_eq!(ours, expected, "--now {form:?} must mean {meaning}");
    }
    // The forms relative to the clock: `now`, `today`, and ages (now minus the age). The fixture's requests
    // are minutes apart, so the instant of the clock read by fmd and by this test agree on every count.
    let clock = chrono::Utc::now();
    let tz: chrono_tz::Tz = TZ.parse().expect("tz");
    let midnight = clock.with_timezone(&tz).date_naive().and_hms_opt(0, 0, 0).expect("midnight");
    let today = midnight.and_local_timezone(tz).earliest().expect("local midnight").with_timezone(&chrono::Utc);
    for (form, meaning) in [
        ("now", clock),
        ("today", today),
        ("24h", clock - chrono::Duration::hours(24)),
        ("7d ago", clock - chrono::Duration::days(7)),
        ("9d", clock - chrono::Duration::days(9)),
    ] {
        let meaning = meaning.to_rfc3339();
        let ours = show(&db, &["overview"], &["--now", form]);
        let expected = show(&db, &["overview"], &["--now", &meaning]);
        assert_eq!(ours, expected, "--now {form:?} must mean {meaning}");
    }
}

#[test]
fn generate_end_takes_every_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, (form, meaning)) in FORMS.iter().enumerate() {
        let last = |end: &str, name: &str| {
            let db = dir.path().join(format!("{i}-{name}.db"));
            let db_arg = db.to_str().expect("utf8");
            let args = ["generate", "--db", db_arg, "--requests", "50", "--days", "1", "--end", end];
            ok_stdout(&[&args[..], &["--now", NOW, "--tz", TZ]].concat());
            let conn = rusqlite::Connection::open(&db).expect("open");
            conn.query_row("SELECT max(time_requested) FROM Request", [], |r| r.get::<_, String>(0)).expect("max")
        };
        assert_eq!(last(form, "form"), last(meaning, "rfc3339"), "--end {form:?} must mean {meaning}");
    }
}

#[test]
fn a_bad_time_names_the_flag_and_the_forms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let db_arg = db.to_str().expect("utf8");
    for flag in ["--now", "--from", "--to"] {
        let out = fmd(&["show", "overview", "--db", db_arg, flag, "yesterday"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains(flag) && err.contains("RFC 3339") && err.contains("24h"), "{flag}: {err}");
    }
}
