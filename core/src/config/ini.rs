//! FMD's own configuration file: the INI file Python FMD reads with `RawConfigParser` (`[dashboard]
//! APP_VERSION=1.0`, `[database] DATABASE=sqlite:///fmd.db`, ...). It is converted into a table in fmd.toml's
//! layout and then validated exactly as fmd.toml is, so a bad value gets fmd.toml's error (naming the file and
//! the FMD option). FMD options fmd does not have are reported as warnings, one per option, never dropped
//! silently; their values are never repeated (they may be secrets).

use std::path::Path;

use configparser::ini::Ini;
use toml::{Table, Value};

use super::load::{from_table, ConfigError, SECTIONS};
use super::Config;

/// How an FMD value is turned into a TOML value.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    /// FMD's `{'endpoint': '[r, g, b]'}` Python dict.
    Colors,
    /// PASSWORD in clear: hashed with Argon2 into `authentication.password_hash`.
    Password,
    /// DATABASE: a SQLite URL/path (`database.path`) or a PostgreSQL URL (`database.url`).
    Database,
}

/// FMD's options that fmd has: (FMD section, FMD option in lower case, fmd.toml section, key, kind).
const MAPPED: &[(&str, &str, &str, &str, Kind)] = &[
    ("dashboard", "app_version", "dashboard", "app_version", Kind::Text),
    ("dashboard", "git", "dashboard", "git", Kind::Text),
    ("dashboard", "custom_link", "dashboard", "custom_link", Kind::Text),
    ("dashboard", "monitor_level", "dashboard", "monitor_level", Kind::Integer),
    ("dashboard", "outlier_detection_constant", "dashboard", "outlier_detection_constant", Kind::Number),
    // The documentation's name and FMD 5.1 code's name; both in milliseconds.
    ("dashboard", "sampling_period", "dashboard", "sampling_period_ms", Kind::Number),
    ("dashboard", "sampling_rate", "dashboard", "sampling_period_ms", Kind::Number),
    ("dashboard", "enable_logging", "dashboard", "enable_logging", Kind::Boolean),
    ("authentication", "username", "authentication", "username", Kind::Text),
    ("authentication", "password", "authentication", "password_hash", Kind::Password),
    ("database", "database", "database", "path", Kind::Database),
    ("database", "table_prefix", "database", "table_prefix", Kind::Text),
    ("visualization", "timezone", "visualization", "timezone", Kind::Text),
    ("visualization", "colors", "visualization", "colors", Kind::Colors),
];

/// FMD's options fmd knows of but does not have, with why (shown in the warning).
const NOT_HAD: &[(&str, &str, &str)] = &[
    ("dashboard", "blueprint_name", "fmd's web view has no Flask blueprint"),
    ("dashboard", "brand_name", "fmd's pages have a fixed title"),
    ("dashboard", "title_name", "fmd's pages have a fixed title"),
    ("dashboard", "description", "fmd's pages have a fixed title"),
    ("dashboard", "show_login_banner", "fmd's login page has no banner"),
    ("dashboard", "show_login_footer", "fmd's login page has no footer"),
    ("authentication", "security_token", "unused by FMD 5 too; fmd has no export API"),
    ("authentication", "guest_username", "add guests with `fmd user add NAME`"),
    ("authentication", "guest_password", "add guests with `fmd user add NAME`"),
];

/// FMD's INI file converted into fmd.toml's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The settings, as fmd.toml would hold them.
    pub table: Table,
    /// For each `section.key` set, the FMD option it came from (`[dashboard] MONITOR_LEVEL`).
    pub origins: Vec<(String, String)>,
    /// One line per FMD option that fmd does not have (the option is named, its value never shown).
    pub warnings: Vec<String>,
}

/// True when `path`/`text` is FMD's INI file rather than fmd.toml: a `.cfg` or `.ini` extension, or (for any
/// other name but `.toml`) an upper-case option such as `APP_VERSION=` (fmd.toml's keys are lower case).
pub fn is_fmd_ini(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("cfg" | "ini") => return true,
        Some("toml") => return false,
        _ => {}
    }
    text.lines().any(|line| {
        let Some((key, _)) = line.split_once(['=', ':']) else { return false };
        let key = key.trim();
        key.bytes().any(|b| b.is_ascii_uppercase())
            && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    })
}

/// Reads FMD's INI text and validates it as fmd.toml; `origin` names the file in errors.
pub fn from_ini_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    validate(import(text, origin)?, origin)
}

/// Validates an imported file as fmd.toml is validated; errors name the FMD option too.
pub fn validate(imported: Imported, origin: &str) -> Result<Config, ConfigError> {
    let mut config = from_table(&imported.table, origin).map_err(|e| name_fmd_option(e, &imported.origins))?;
    config.warnings = imported.warnings;
    Ok(config)
}

/// Adds the FMD option to an error about a key that came from one.
fn name_fmd_option(mut e: ConfigError, origins: &[(String, String)]) -> ConfigError {
    if let Some((_, option)) = origins.iter().find(|(key, _)| *key == e.key) {
        e.reason = format!("{} (FMD's {option})", e.reason);
    }
    e
}

/// Converts FMD's INI text into fmd.toml's layout (values are checked later, by [`from_table`]). A clear-text
/// PASSWORD is hashed here.
pub fn import(text: &str, origin: &str) -> Result<Imported, ConfigError> {
    let err = |key: &str, reason: String| ConfigError { origin: origin.to_string(), key: key.to_string(), reason };
    let mut ini = Ini::new();
    ini.set_multiline(true);
    let map = ini.read(text.to_string()).map_err(|e| err("", format!("not a valid FMD configuration file: {e}")))?;
    let mut sections: Vec<_> = map.into_iter().collect();
    sections.sort_by(|a, b| a.0.cmp(&b.0));
    let mut table = Table::new();
    let mut origins = Vec::new();
    let mut warnings = Vec::new();
    for (section, entries) in sections {
        let mut entries: Vec<_> = entries.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (option, value) in entries {
            let fmd_name = format!("[{section}] {}", option.to_ascii_uppercase());
            let Some(&(_, _, to_section, to_key, kind)) =
                MAPPED.iter().find(|(s, o, ..)| *s == section && *o == option)
            else {
                let why =
                    NOT_HAD.iter().find(|(s, o, _)| *s == section && *o == option).map(|(_, _, why)| *why).unwrap_or(
                        if section == "alerting" {
                            "fmd does not send alerts yet"
                        } else {
                            "not an FMD option fmd knows"
                        },
                    );
                warnings.push(format!("{origin}: FMD option {fmd_name} is not used by fmd ({why}); ignored"));
                continue;
            };
            let value = value.unwrap_or_default();
            let value = value.trim();
            let (to_key, converted) = match kind {
                Kind::Database if super::is_server_url(value) => ("url", Value::String(value.to_string())),
                Kind::Password => (to_key, Value::String(password_hash(value).map_err(|r| err(to_key, r))?)),
                _ => (to_key, convert(kind, value)),
            };
            let slot = table.entry(to_section).or_insert_with(|| Value::Table(Table::new()));
            if let Value::Table(t) = slot {
                t.insert(to_key.to_string(), converted);
            }
            origins.push((format!("{to_section}.{to_key}"), fmd_name));
        }
    }
    Ok(Imported { table, origins, warnings })
}

/// Hashes FMD's clear-text PASSWORD as `fmd user` does (Argon2id); a value that already is a hash is kept.
fn password_hash(value: &str) -> Result<String, String> {
    if value.is_empty() {
        return Err("FMD's [authentication] PASSWORD is empty".into());
    }
    if crate::password::is_hash(value) {
        return Ok(value.to_string());
    }
    // FMD's own default is admin/admin: fmd takes no default or weak password, as `fmd user` does not.
    crate::password::check_new_password(value).map_err(|e| {
        format!(
            "FMD's [authentication] PASSWORD is refused: {e}; choose a longer one, or remove it and add users \
             with `fmd user add`"
        )
    })?;
    crate::password::hash(value, crate::password::Scheme::Argon2id)
        .map_err(|e| format!("cannot hash FMD's [authentication] PASSWORD: {e}"))
}

/// The TOML value for an FMD text value; a value that does not convert stays a string, so validation explains
/// what was expected.
fn convert(kind: Kind, text: &str) -> Value {
    let string = || Value::String(text.to_string());
    match kind {
        Kind::Integer => text.parse().map(Value::Integer).unwrap_or_else(|_| string()),
        Kind::Number => text.parse().map(Value::Float).unwrap_or_else(|_| string()),
        Kind::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Value::Boolean(true),
            "false" | "no" | "off" | "0" => Value::Boolean(false),
            _ => string(),
        },
        Kind::Colors => colors(text).unwrap_or_else(string),
        Kind::Text | Kind::Password | Kind::Database => string(),
    }
}

/// FMD's COLORS, a Python dict literal `{'main': '[0, 97, 255]', "x": [1, 2, 3]}`, as a TOML inline table: the
/// quotes and `:` are TOML's once swapped; `None` when it is not such a dict.
fn colors(text: &str) -> Option<Value> {
    let mut toml_text = String::from("colors = ");
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                toml_text.push('"');
            }
            (Some(q), c) if c == q => {
                quote = None;
                toml_text.push('"');
            }
            (Some(_), '"') => toml_text.push_str("\\\""),
            (None, ':') => toml_text.push_str(" ="),
            (None, '\n' | '\r') => toml_text.push(' '),
            _ => toml_text.push(c),
        }
    }
    let parsed: Table = toml_text.parse().ok()?;
    parsed.get("colors").filter(|v| v.is_table()).cloned()
}

/// fmd.toml text for `imported`: every section in fmd.toml's order, each value under a comment naming the FMD
/// option it came from, then the ignored options as comments.
pub fn to_toml(imported: &Imported, source: &str) -> String {
    let mut out = format!(
        "# fmd.toml converted from FMD's configuration file {source} by `fmd config import`.\n\
         # Each value names the FMD option it came from; environment variables FMD_<SECTION>_<KEY> override them.\n"
    );
    for (section, keys) in SECTIONS {
        let Some(Value::Table(entries)) = imported.table.get(*section) else { continue };
        out.push_str(&format!("\n[{section}]\n"));
        for key in *keys {
            let Some(value) = entries.get(*key) else { continue };
            let dotted = format!("{section}.{key}");
            if let Some((_, option)) = imported.origins.iter().find(|(k, _)| *k == dotted) {
                let note =
                    if *key == "password_hash" { " (hashed with Argon2id; the password is not kept)" } else { "" };
                out.push_str(&format!("# FMD: {option}{note}\n"));
            }
            out.push_str(&format!("{key} = {value}\n"));
        }
    }
    if !imported.warnings.is_empty() {
        out.push_str("\n# Not imported (fmd has no such option):\n");
        for warning in &imported.warnings {
            out.push_str(&format!("# {warning}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FMD_CFG: &str = "[dashboard]\nAPP_VERSION=1.0\nMONITOR_LEVEL=3\nOUTLIER_DETECTION_CONSTANT=2.5\n\
        SAMPLING_PERIOD=2\nENABLE_LOGGING=False\nBRAND_NAME=Shop\n\n[authentication]\nUSERNAME=admin\n\
        PASSWORD=oracle-pass\nSECURITY_TOKEN=oracle-token\n\n[database]\nDATABASE=sqlite:///oracle.db\n\
        TABLE_PREFIX=fmd\n\n[visualization]\nTIMEZONE=UTC\nCOLORS={'main': '[0, 97, 255]',\n    'static': '[255, 153, 0]'}\n";

    #[test]
    fn reads_every_fmd_option_fmd_has() {
        let c = from_ini_str(FMD_CFG, "fmd.cfg").expect("valid");
        assert_eq!(c.dashboard.monitor_level, 3);
        assert_eq!(c.dashboard.sampling_period_ms, 2.0);
        assert!(!c.dashboard.enable_logging);
        assert_eq!(c.database.path, std::path::PathBuf::from("oracle.db"));
        assert_eq!(c.database.table_prefix, "fmd");
        assert_eq!(c.visualization.timezone, chrono_tz::UTC);
        assert_eq!(c.visualization.colors["main"], [0, 97, 255]);
        assert_eq!(c.visualization.colors["static"], [255, 153, 0]);
        let hash = c.authentication.password_hash.expect("hashed");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(crate::password::verify(&hash, "oracle-pass").expect("verifies"));
    }

    #[test]
    fn fmds_default_password_is_refused() {
        let text = FMD_CFG.replace("PASSWORD=oracle-pass", "PASSWORD=admin");
        let e = from_ini_str(&text, "fmd.cfg").expect_err("admin is FMD's default and too short");
        assert_eq!(e.key, "password_hash");
        assert!(e.reason.contains("refused") && e.reason.contains("too short"), "{}", e.reason);
    }

    #[test]
    fn options_fmd_lacks_are_warned_one_line_each_without_their_value() {
        let c = from_ini_str(FMD_CFG, "fmd.cfg").expect("valid");
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings[0].contains("[authentication] SECURITY_TOKEN"), "{:?}", c.warnings);
        assert!(c.warnings[1].contains("[dashboard] BRAND_NAME"), "{:?}", c.warnings);
        assert!(c.warnings.iter().all(|w| !w.contains("oracle-token") && !w.contains('\n')));
    }

    #[test]
    fn bad_values_get_fmd_toml_errors_naming_the_fmd_option() {
        let e = from_ini_str("[dashboard]\nMONITOR_LEVEL=5\n", "fmd.cfg").expect_err("out of range");
        assert_eq!(e.key, "dashboard.monitor_level");
        assert!(e.to_string().starts_with("fmd.cfg: `dashboard.monitor_level`: must be a monitoring level"), "{e}");
        assert!(e.reason.contains("FMD's [dashboard] MONITOR_LEVEL"), "{e}");
        let e = from_ini_str("[dashboard]\nENABLE_LOGGING=maybe\n", "fmd.cfg").expect_err("not a bool");
        assert!(e.reason.contains("true or false"), "{e}");
        let e = from_ini_str("[database]\nDATABASE=mysql://u:pw@h/d\n", "fmd.cfg").expect_err("mysql");
        assert!(e.reason.contains("only SQLite") && !e.to_string().contains("pw@"), "{e}");
    }

    #[test]
    fn a_postgresql_database_is_the_url() {
        let c = from_ini_str("[database]\nDATABASE=postgresql://fmd@db/fmd\n", "fmd.cfg").expect("valid");
        assert_eq!(c.database.url.as_deref(), Some("postgresql://fmd@db/fmd"));
    }

    #[test]
    fn recognised_by_extension_or_content() {
        assert!(is_fmd_ini(Path::new("x.cfg"), ""));
        assert!(is_fmd_ini(Path::new("x.INI"), ""));
        assert!(!is_fmd_ini(Path::new("x.toml"), "APP_VERSION=1"));
        assert!(is_fmd_ini(Path::new("config"), "[dashboard]\nAPP_VERSION=1.0\n"));
        assert!(!is_fmd_ini(Path::new("config"), "[dashboard]\napp_version = \"1.0\"\n"));
    }

    #[test]
    fn the_import_is_fmd_toml_with_the_same_settings() {
        let imported = import(FMD_CFG, "fmd.cfg").expect("imports");
        let text = to_toml(&imported, "fmd.cfg");
        assert!(text.contains("# FMD: [dashboard] MONITOR_LEVEL\nmonitor_level = 3\n"), "{text}");
        assert!(!text.contains("oracle-pass") && !text.contains("oracle-token"), "{text}");
        let from_toml = super::super::load::from_str(&text, "fmd.toml").expect("valid fmd.toml");
        let direct = from_ini_str(FMD_CFG, "fmd.cfg").expect("valid");
        assert_eq!(from_toml.dashboard, direct.dashboard);
        assert_eq!(from_toml.database, direct.database);
        assert_eq!(from_toml.visualization, direct.visualization);
    }
}
