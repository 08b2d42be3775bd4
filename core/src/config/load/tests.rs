//! Tests of reading fmd.toml.

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    from_str(text, "test.toml")
}

#[test]
fn a_postgresql_url_is_the_database_in_either_key() {
    let c = parse("[database]\nurl = \"postgres://fmd@db/fmd\"\npassword_file = \"/run/pg\"").expect("valid");
    assert_eq!(c.database.url.as_deref(), Some("postgres://fmd@db/fmd"));
    assert_eq!(c.database.password_file, Some(PathBuf::from("/run/pg")));
    // FMD's DATABASE option holds either kind; its psycopg2 URL is taken as PostgreSQL.
    let c = parse("[database]\npath = \"postgresql+psycopg2://u:secret@db/fmd\"").expect("valid");
    assert_eq!(c.database.url.as_deref(), Some("postgresql+psycopg2://u:secret@db/fmd"));
    assert_eq!(parse("").expect("valid").database.url, None);
}

#[test]
fn empty_file_gives_fmd_defaults() {
    let c = parse("").expect("valid");
    assert_eq!(c.dashboard.monitor_level, 1);
    assert_eq!(c.dashboard.outlier_detection_constant, 2.5);
    assert_eq!(c.dashboard.sampling_period_ms, 5.0);
    assert_eq!(c.database.table_prefix, "");
    assert_eq!(c.authentication.password_hash, None);
}

#[test]
fn reads_every_section() {
    let c = parse(
        r#"
        [dashboard]
        app_version = "2.3"
        monitor_level = 3
        outlier_detection_constant = 3
        [database]
        path = "sqlite:///data/fmd.db"
        table_prefix = "fmd"
        [visualization]
        timezone = "Europe/Amsterdam"
        colors = { index = "[255, 0, 10]", search = [1, 2, 3] }
        [recorder]
        client_ip_header = "X-Forwarded-For"
        "#,
    )
    .expect("valid");
    assert_eq!(c.dashboard.app_version, "2.3");
    assert_eq!(c.dashboard.monitor_level, 3);
    assert_eq!(c.dashboard.outlier_detection_constant, 3.0);
    assert_eq!(c.database.path, PathBuf::from("data/fmd.db"));
    assert_eq!(c.database.table_prefix, "fmd");
    assert_eq!(c.visualization.timezone, chrono_tz::Europe::Amsterdam);
    assert_eq!(c.visualization.colors["index"], [255, 0, 10]);
    assert_eq!(c.visualization.colors["search"], [1, 2, 3]);
    assert_eq!(c.recorder.client_ip_header.as_deref(), Some("x-forwarded-for"));
}

#[test]
fn unknown_key_names_file_key_and_suggests() {
    let e = parse("[dashboard]\nmonitor_lvl = 2\n").expect_err("unknown key");
    assert_eq!(e.key, "dashboard.monitor_lvl");
    assert_eq!(e.to_string(), "test.toml: `dashboard.monitor_lvl`: unknown key; did you mean `monitor_level`?");
    let e = parse("[dashbord]\n").expect_err("unknown section");
    assert!(e.reason.contains("did you mean `dashboard`"), "{e}");
}

#[test]
fn empty_and_odd_names_are_shown_quoted() {
    let e = parse("[\"\"]\nx = 1\n").expect_err("empty section name");
    assert_eq!(e.to_string(), format!("test.toml: `\"\"`: unknown section; known sections: {}", section_names()));
    let e = parse("[dashboard]\n\"monitor level\" = 1\n").expect_err("key with a space");
    assert_eq!(e.key, "dashboard.\"monitor level\"");
    assert!(e.reason.contains("did you mean `monitor_level`"), "{e}");
}

fn section_names() -> String {
    SECTIONS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

#[test]
fn bad_values_are_explained() {
    let cases = [
        ("[dashboard]\nmonitor_level = 4", "dashboard.monitor_level", "0, 1, 2 or 3"),
        ("[dashboard]\nmonitor_level = \"1\"", "dashboard.monitor_level", "monitoring level"),
        ("[dashboard]\noutlier_detection_constant = 0.5", "dashboard.outlier_detection_constant", "between"),
        ("[dashboard]\nenable_logging = \"False\"", "dashboard.enable_logging", "true or false"),
        ("[visualization]\ntimezone = \"Mars/Base\"", "visualization.timezone", "IANA"),
        ("[visualization]\ncolors = { a = [1, 2] }", "visualization.colors", "three integers"),
        ("[database]\npath = \"mysql://x\"", "database.path", "only SQLite"),
        ("[database]\nurl = \"fmd.db\"", "database.url", "database.path"),
        ("[database]\nurl = \"postgres://h/d\"\npath = \"fmd.db\"", "database.url", "not both"),
        ("[database]\ntable_prefix = \"a b\"", "database.table_prefix", "letters"),
        ("[authentication]\npassword_hash = \"admin\"", "authentication.password_hash", "clear-text"),
        ("[authentication]\npassword_hash = \"$argon2id$nope\"", "authentication.password_hash", "fmd user add"),
        ("[authentication]\npassword_hash = \"scrypt:1:8:1$s$h\"", "authentication.password_hash", "scrypt"),
        ("[authentication]\npassword_hash = \"pbkdf2:sha256:1000$salt$abc\"", "authentication.password_hash", "hex"),
        ("[recorder]\nqueue_capacity = 1", "recorder.queue_capacity", "between"),
    ];
    for (text, key, reason) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.key, key, "{text}");
        assert!(e.reason.contains(reason), "{text}: {e}");
    }
}

#[test]
fn pruning_is_off_by_default_and_reads_every_form() {
    assert!(!parse("").expect("valid").pruning.is_enabled());
    assert!(!parse("[pruning]\n").expect("valid").pruning.is_enabled(), "an empty section is the default");
    let c = parse("[pruning]\nolder_than = \"90d\"\nevery = \"24h\"\nkeep_custom_graphs = true\n").expect("valid");
    assert!(c.pruning.is_enabled());
    assert_eq!(c.pruning.older_than, Some(Duration::from_secs(90 * 86_400)));
    assert_eq!(c.pruning.every, Some(Duration::from_secs(86_400)));
    assert!(c.pruning.keep_custom_graphs);
    let c = parse("[pruning]\nolder_than = \"12w\"\ncron = { hour = 3, minute = \"*/30\" }\n").expect("valid");
    assert_eq!(c.pruning.cron.map(|s| s.to_string()).as_deref(), Some("second=0 minute=*/30 hour=3 day=* month=*"));
    let c = parse("[pruning]\nolder_than = \"1h\"\ncron = \"0 0 4 1 *\"\n").expect("valid");
    assert_eq!(c.pruning.cron.map(|s| s.to_string()).as_deref(), Some("second=0 minute=0 hour=4 day=1 month=*"));
}

#[test]
fn pruning_errors_are_precise() {
    let cases = [
        ("[pruning]\nolder_than = 90", "pruning.older_than", "expected a duration string"),
        ("[pruning]\nolder_than = \"90\"\nevery = \"1d\"", "pruning.older_than", "no unit"),
        ("[pruning]\nolder_than = \"90y\"\nevery = \"1d\"", "pruning.older_than", "unknown unit \"y\""),
        ("[pruning]\nolder_than = \"90s\"\nevery = \"1d\"", "pruning.older_than", "too short; the minimum is 1h"),
        ("[pruning]\nolder_than = \"0d\"\nevery = \"1d\"", "pruning.older_than", "more than zero"),
        ("[pruning]\nolder_than = \"90d\"\nevery = \"10s\"", "pruning.every", "minimum is 1m"),
        ("[pruning]\nevery = \"24h\"", "pruning.older_than", "needs `older_than`"),
        ("[pruning]\nolder_than = \"90d\"", "pruning", "needs a schedule"),
        ("[pruning]\nkeep_custom_graphs = true", "pruning.keep_custom_graphs", "no effect"),
        ("[pruning]\nolder_than = \"90d\"\nevery = \"1d\"\ncron = \"0 0 3 * *\"", "pruning.cron", "not both"),
        ("[pruning]\nolder_than = \"90d\"\ncron = \"0 0 25 * *\"", "pruning.cron", "hour: 25 is out of range 0-23"),
        ("[pruning]\nolder_than = \"90d\"\ncron = { hours = 3 }", "pruning.cron", "unknown cron field `hours`"),
        ("[pruning]\nolder_than = \"90d\"\ncron = { hour = 1.5 }", "pruning.cron", "field `hour`: expected a number"),
        ("[pruning]\nolder_than = \"90d\"\ncron = true", "pruning.cron", "second minute hour day month"),
        ("[pruning]\nolder_than = \"90d\"\ncron = \"0 0 0 31 2\"", "pruning.cron", "never occurs"),
        ("[pruning]\nkeep_graphs = true", "pruning.keep_graphs", "did you mean `keep_custom_graphs`"),
    ];
    for (text, key, reason) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.key, key, "{text}: {e}");
        assert!(e.reason.contains(reason), "{text}: {e}");
    }
}

#[test]
fn invalid_toml_names_the_file() {
    let e = parse("[dashboard\n").expect_err("syntax");
    assert!(e.to_string().starts_with("test.toml: not valid TOML"), "{e}");
}

#[test]
fn git_commit_from_loose_packed_and_detached_heads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = dir.path();
    let hash = "0123456789abcdef0123456789abcdef01234567";
    std::fs::create_dir_all(git.join("refs/heads")).expect("mkdir");
    std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").expect("write");
    std::fs::write(git.join("refs/heads/main"), format!("{hash}\n")).expect("write");
    assert_eq!(read_git_commit(git).as_deref(), Some("0123456789ab"));
    std::fs::remove_file(git.join("refs/heads/main")).expect("rm");
    std::fs::write(git.join("packed-refs"), format!("# pack-refs\n{hash} refs/heads/main\n")).expect("write");
    assert_eq!(read_git_commit(git).as_deref(), Some("0123456789ab"));
    std::fs::write(git.join("HEAD"), format!("{hash}\n")).expect("write");
    assert_eq!(read_git_commit(git).as_deref(), Some("0123456789ab"));
    std::fs::write(git.join("HEAD"), "garbage").expect("write");
    assert_eq!(read_git_commit(git), None);
}
