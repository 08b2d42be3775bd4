//! The `[pruning]` section as shipped in `fmd.toml`: commented out (so the file stays at the defaults), and valid
//! once uncommented, with either schedule.

use std::path::PathBuf;
use std::time::Duration;

fn shipped() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fmd.toml");
    std::fs::read_to_string(path).expect("fmd.toml")
}

/// `fmd.toml` with the commented-out lines of `[pruning]` that start with one of `keys` enabled.
fn uncommented(keys: &[&str]) -> String {
    let mut in_pruning = false;
    shipped()
        .lines()
        .map(|line| {
            if line.starts_with('[') {
                in_pruning = line == "[pruning]";
            }
            match line.strip_prefix("# ") {
                Some(rest) if in_pruning && keys.iter().any(|k| rest.starts_with(&format!("{k} ="))) => {
                    // Drop a trailing comment after the value.
                    rest.split("    #").next().unwrap_or(rest).to_string()
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_shipped_pruning_section_is_off() {
    let config = fmd_core::Config::from_toml_str(&shipped(), "fmd.toml").expect("valid");
    assert!(!config.pruning.is_enabled());
    assert!(shipped().contains("\n[pruning]\n"), "the section is documented");
}

#[test]
fn the_shipped_examples_are_valid_once_uncommented() {
    let every =
        fmd_core::Config::from_toml_str(&uncommented(&["older_than", "every", "keep_custom_graphs"]), "fmd.toml")
            .expect("older_than + every");
    assert_eq!(every.pruning.older_than, Some(Duration::from_secs(90 * 86_400)));
    assert_eq!(every.pruning.every, Some(Duration::from_secs(86_400)));
    assert!(every.pruning.is_enabled() && !every.pruning.keep_custom_graphs);
    let cron = fmd_core::Config::from_toml_str(&uncommented(&["older_than", "cron"]), "fmd.toml").expect("cron");
    assert_eq!(cron.pruning.cron.map(|c| c.to_string()).as_deref(), Some("second=0 minute=0 hour=3 day=* month=*"));
    let both = fmd_core::Config::from_toml_str(&uncommented(&["older_than", "every", "cron"]), "fmd.toml")
        .expect_err("every and cron");
    assert_eq!(both.key, "pruning.cron");
}
