//! Environment variables over the file: one per option, `FMD_<SECTION>_<KEY>` (`FMD_DASHBOARD_MONITOR_LEVEL=2`,
//! `FMD_DATABASE_URL=postgres://...`). A value is validated as the same key in fmd.toml would be, and a bad one
//! names the variable (never its value when that may be a secret).

use toml::Value;

use super::load::{apply, check_pruning, ConfigError, SECTIONS};
use super::Config;

/// Every option's variable: (`FMD_DASHBOARD_MONITOR_LEVEL`, `dashboard`, `monitor_level`).
pub fn variables() -> Vec<(String, &'static str, &'static str)> {
    SECTIONS
        .iter()
        .flat_map(|(section, keys)| {
            keys.iter().map(move |key| (format!("FMD_{}_{}", section, key).to_ascii_uppercase(), *section, *key))
        })
        .collect()
}

/// Applies the variables `lookup` finds (the process environment in [`Config::discover`]) over `config`.
pub fn apply_overrides(config: &mut Config, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    for (name, section, key) in variables() {
        let Some(text) = lookup(&name) else { continue };
        let err = |reason: String| ConfigError {
            origin: format!("environment variable {name}"),
            key: format!("{section}.{key}"),
            reason,
        };
        if section == "database" && key == "url" && text.is_empty() {
            continue;
        }
        // The text as a string first (`app_version`, paths), else as a TOML value (`2`, `true`, `{ a = [1, 2, 3] }`).
        let literal = literal(&text);
        // A quoted TOML string (`"2"`) is that string; otherwise plain text first, then the TOML value.
        let as_string = match &literal {
            Some(Value::String(s)) => Value::String(s.clone()),
            _ => Value::String(text.clone()),
        };
        if apply(config, section, key, &as_string).is_ok() {
            if key == "path" {
                config.database.url = None;
            }
            continue;
        }
        match literal.map(|v| apply(config, section, key, &v)) {
            Some(Ok(())) => {}
            Some(Err(reason)) => return Err(err(reason)),
            None => return Err(err(apply(config, section, key, &as_string).err().unwrap_or_default())),
        }
    }
    check_pruning(&config.pruning).map_err(|(key, reason)| ConfigError {
        origin: "the environment".into(),
        key: key.into(),
        reason,
    })
}

/// `text` read as a TOML value; Python's `True`/`False` too (FMD's spelling).
fn literal(text: &str) -> Option<Value> {
    match text.trim() {
        "True" => return Some(Value::Boolean(true)),
        "False" => return Some(Value::Boolean(false)),
        _ => {}
    }
    let table: toml::Table = format!("v = {text}").parse().ok()?;
    table.get("v").cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut config = Config::default();
        apply_overrides(&mut config, |name| vars.get(name).cloned())?;
        Ok(config)
    }

    #[test]
    fn every_option_has_one_variable() {
        let names: Vec<String> = variables().into_iter().map(|(n, ..)| n).collect();
        assert!(names.contains(&"FMD_DASHBOARD_MONITOR_LEVEL".to_string()));
        assert!(names.contains(&"FMD_DATABASE_URL".to_string()));
        assert_eq!(names.len(), SECTIONS.iter().map(|(_, k)| k.len()).sum::<usize>());
    }

    #[test]
    fn variables_override_with_their_types() {
        let c = with(&[
            ("FMD_DASHBOARD_MONITOR_LEVEL", "2"),
            ("FMD_DASHBOARD_APP_VERSION", "2"),
            ("FMD_DASHBOARD_CUSTOM_LINK", "\"fmd\""),
            ("FMD_DASHBOARD_ENABLE_LOGGING", "True"),
            ("FMD_DATABASE_URL", "postgres://fmd:secret@db/fmd"),
            ("FMD_VISUALIZATION_COLORS", "{ main = [1, 2, 3] }"),
        ])
        .expect("valid");
        assert_eq!(c.dashboard.monitor_level, 2);
        assert_eq!(c.dashboard.app_version, "2");
        assert_eq!(c.dashboard.custom_link, "fmd", "a quoted TOML string is its content");
        assert!(c.dashboard.enable_logging);
        assert_eq!(c.database.url.as_deref(), Some("postgres://fmd:secret@db/fmd"));
        assert_eq!(c.visualization.colors["main"], [1, 2, 3]);
    }

    #[test]
    fn a_bad_value_names_the_variable_not_a_secret() {
        let e = with(&[("FMD_DASHBOARD_MONITOR_LEVEL", "7")]).expect_err("out of range");
        assert_eq!(e.origin, "environment variable FMD_DASHBOARD_MONITOR_LEVEL");
        assert!(e.reason.contains("monitoring level"), "{e}");
        let e = with(&[("FMD_AUTHENTICATION_PASSWORD_HASH", "hunter2-clear")]).expect_err("clear text");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = with(&[("FMD_DATABASE_URL", "mysql://u:hunter2@h/d")]).expect_err("not PostgreSQL");
        assert!(!e.to_string().contains("hunter2") && e.to_string().contains("FMD_DATABASE_URL"), "{e}");
    }
}
