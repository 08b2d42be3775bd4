//! FMD's configuration file and the environment: `fmd config import`, `--config fmd.cfg`, `FMD_<SECTION>_<KEY>`.

use std::path::Path;
use std::process::{Command, Output};

const ORACLE: &str = include_str!("../fixtures/fmd-config/oracle.cfg");
const ORACLE_PASSWORD: &str = "oracle-pass";

fn fmd(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fmd"));
    command.args(args).current_dir(cwd);
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("FMD_") || n.starts_with("FLASK_")) {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("runs fmd")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Everything a run printed, checked never to hold the clear-text password.
fn printed(out: &Output) -> String {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(ORACLE_PASSWORD), "the password was printed: {all}");
    all
}

/// `fmd config show` without its first line (which names the source).
fn settings(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(&out.stderr));
    printed(out);
    text(&out.stdout).lines().skip(1).collect::<Vec<_>>().join("\n")
}

fn oracle_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("fmd.cfg"), ORACLE).expect("write fmd.cfg");
    dir
}

#[test]
fn the_oracle_read_directly_equals_its_import() {
    let dir = oracle_dir();
    let import = fmd(&["config", "import", "fmd.cfg"], dir.path(), &[]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    printed(&import);
    let toml_text = text(&import.stdout);
    assert!(toml_text.contains("# FMD: [dashboard] MONITOR_LEVEL\nmonitor_level = 3\n"), "{toml_text}");
    assert!(toml_text.contains("password_hash = \"$argon2id$"), "{toml_text}");
    std::fs::write(dir.path().join("fmd.toml"), &toml_text).expect("write fmd.toml");

    let direct = settings(&fmd(&["--config", "fmd.cfg", "config", "show"], dir.path(), &[]));
    let imported = settings(&fmd(&["--config", "fmd.toml", "config", "show"], dir.path(), &[]));
    assert_eq!(direct, imported);
    assert!(direct.contains("monitor_level = 3") && direct.contains("sampling_period_ms = 2.0"), "{direct}");
    assert!(direct.contains("timezone = \"UTC\""), "{direct}");
    // FMD's own variable names the file too.
    let via_env = fmd(&["config", "show"], dir.path(), &[("FLASK_MONITORING_DASHBOARD_CONFIG", "fmd.cfg")]);
    assert_eq!(settings(&via_env), direct);
}

#[test]
fn options_fmd_lacks_are_warned_one_line_each() {
    let dir = oracle_dir();
    for args in [&["config", "import", "fmd.cfg"][..], &["--config", "fmd.cfg", "config", "show"][..]] {
        let out = fmd(args, dir.path(), &[]);
        let stderr = text(&out.stderr);
        let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("fmd: warning:")).collect();
        assert_eq!(warnings.len(), 1, "{stderr}");
        assert!(warnings[0].contains("[authentication] SECURITY_TOKEN"), "{stderr}");
        assert!(!stderr.contains("oracle-token"), "a value was printed: {stderr}");
    }
}

#[test]
fn environment_variables_override_the_file() {
    let dir = oracle_dir();
    let out = fmd(
        &["--config", "fmd.cfg", "config", "show"],
        dir.path(),
        &[
            ("FMD_DASHBOARD_MONITOR_LEVEL", "2"),
            ("FMD_VISUALIZATION_TIMEZONE", "Europe/Amsterdam"),
            ("FMD_DATABASE_URL", "postgres://fmd:db-secret@db.example/fmd"),
        ],
    );
    let shown = settings(&out);
    assert!(shown.contains("monitor_level = 2"), "{shown}");
    assert!(shown.contains("timezone = \"Europe/Amsterdam\""), "{shown}");
    assert!(shown.contains("url = \"postgres://fmd:<hidden>@db.example/fmd\""), "{shown}");
    assert!(!shown.contains("db-secret"), "{shown}");
}

#[test]
fn bad_values_are_named() {
    let dir = oracle_dir();
    let out = fmd(&["--config", "fmd.cfg", "config", "show"], dir.path(), &[("FMD_DASHBOARD_MONITOR_LEVEL", "9")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = printed(&out);
    assert!(stderr.contains("environment variable FMD_DASHBOARD_MONITOR_LEVEL"), "{stderr}");
    assert!(stderr.contains("monitoring level"), "{stderr}");

    std::fs::write(dir.path().join("bad.cfg"), ORACLE.replace("TIMEZONE=UTC", "TIMEZONE=Mars/Base")).expect("write");
    for args in [&["config", "import", "bad.cfg"][..], &["--config", "bad.cfg", "config", "show"][..]] {
        let out = fmd(args, dir.path(), &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = printed(&out);
        assert!(stderr.contains("bad.cfg: `visualization.timezone`"), "{stderr}");
        assert!(stderr.contains("FMD's [visualization] TIMEZONE"), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing written on an error");
    }
}
