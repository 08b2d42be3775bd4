//! Reading `fmd.toml`: every unknown section or key, wrong type and out-of-range value is an error that
//! names the file, the key and the reason, with the closest known key suggested for typos.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::{Table, Value};

use super::{Config, CronSpec};

/// A configuration problem, always naming where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// The file (or other origin) the configuration came from.
    pub origin: String,
    /// The dotted key at fault (`dashboard.monitor_level`), empty for file-level problems.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.reason)
        } else {
            write!(f, "{}: `{}`: {}", self.origin, self.key, self.reason)
        }
    }
}

impl std::error::Error for ConfigError {}

/// Every section of fmd.toml with its keys, in the documented order.
pub(super) const SECTIONS: &[(&str, &[&str])] = &[
    (
        "dashboard",
        &[
            "app_version",
            "git",
            "custom_link",
            "monitor_level",
            "outlier_detection_constant",
            "outlier_min_samples",
            "sampling_period_ms",
            "enable_logging",
        ],
    ),
    ("authentication", &["username", "password_hash"]),
    ("database", &["path", "url", "password_file", "table_prefix"]),
    ("visualization", &["timezone", "colors"]),
    ("recorder", &["queue_capacity", "client_ip_header", "level_poll_ms"]),
    ("pruning", &["older_than", "every", "cron", "keep_custom_graphs"]),
];

/// Shortest `pruning.older_than` accepted (a typo like `90s` for `90d` must not wipe the database).
const MIN_PRUNE_AGE: Duration = Duration::from_secs(3_600);
/// Shortest `pruning.every` accepted.
const MIN_PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Longest duration accepted anywhere (100 years).
const MAX_DURATION: Duration = Duration::from_secs(100 * 366 * 86_400);

pub(super) fn from_path(path: PathBuf) -> Result<Config, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
        origin: origin.clone(),
        key: String::new(),
        reason: format!("cannot read the configuration file: {e}"),
    })?;
    let mut config = if super::ini::is_fmd_ini(&path, &text) {
        super::ini::from_ini_str(&text, &origin)?
    } else {
        from_str(&text, &origin)?
    };
    // Relative paths in the file are relative to the file, not to the working directory.
    let base = path.parent().unwrap_or(Path::new(""));
    if config.database.path.is_relative() {
        config.database.path = base.join(&config.database.path);
    }
    if let Some(git) = config.dashboard.git.as_mut().filter(|g| g.is_relative()) {
        *git = base.join(&*git);
    }
    config.source = Some(path);
    Ok(config)
}

pub(super) fn from_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let err = |key: &str, reason: String| ConfigError { origin: origin.to_string(), key: key.to_string(), reason };
    let table: Table =
        text.parse().map_err(|e: toml::de::Error| err("", format!("not valid TOML: {}", e.message())))?;
    from_table(&table, origin)
}

/// Validates a table in fmd.toml's layout (parsed TOML, or FMD's INI file converted by [`super::ini`]).
pub(super) fn from_table(table: &Table, origin: &str) -> Result<Config, ConfigError> {
    let err = |key: &str, reason: String| ConfigError { origin: origin.to_string(), key: key.to_string(), reason };
    let mut config = Config::default();
    for (section, value) in table {
        let Some((_, keys)) = SECTIONS.iter().find(|(name, _)| name == section) else {
            let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
            return Err(err(&toml_key(section), format!("unknown section{}", suggestion(section, &names, "sections"))));
        };
        let Value::Table(entries) = value else {
            return Err(err(section, "must be a section ([name]), not a value".into()));
        };
        if section == "database" && entries.contains_key("path") && entries.contains_key("url") {
            return Err(err(
                "database.url",
                "set either `database.url` (PostgreSQL) or `database.path` (a SQLite file), not both".into(),
            ));
        }
        for (key, value) in entries {
            let path = format!("{section}.{}", toml_key(key));
            if !keys.contains(&key.as_str()) {
                return Err(err(&path, format!("unknown key{}", suggestion(key, keys, "keys"))));
            }
            apply(&mut config, section, key, value).map_err(|reason| err(&path, reason))?;
        }
    }
    check_pruning(&config.pruning).map_err(|(key, reason)| err(key, reason))?;
    Ok(config)
}

/// The `[pruning]` keys that only make sense together.
pub(super) fn check_pruning(p: &super::Pruning) -> Result<(), (&'static str, String)> {
    let scheduled = p.every.is_some() || p.cron.is_some();
    match (p.older_than.is_some(), scheduled) {
        (false, true) => {
            return Err((
                "pruning.older_than",
                "missing: a schedule needs `older_than`, the age of the requests to delete (e.g. \"90d\")".into(),
            ))
        }
        (true, false) => {
            return Err(("pruning", "`older_than` needs a schedule: `every = \"24h\"` or `cron = { hour = 3 }`".into()))
        }
        (false, false) if p.keep_custom_graphs => {
            return Err(("pruning.keep_custom_graphs", "has no effect without `older_than` and a schedule".into()))
        }
        _ => {}
    }
    if p.every.is_some() && p.cron.is_some() {
        return Err(("pruning.cron", "set either `every` or `cron`, not both".into()));
    }
    Ok(())
}

/// Parses a duration like `90d`, `12w`, `36h`, `30m` or `45s` (a whole number and a unit; more than zero and at
/// most 100 years).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration like 90d, 12w, 36h, 30m or 45s"))?;
    let seconds_per_unit = match unit.trim() {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        "" => return Err(format!("{text:?} has no unit: add s, m, h, d or w (e.g. 90d)")),
        other => return Err(format!("{text:?}: unknown unit {other:?}; use s, m, h, d or w")),
    };
    n.checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .filter(|d| !d.is_zero() && *d <= MAX_DURATION)
        .ok_or_else(|| format!("{text:?} must be more than zero and at most 100 years"))
}

fn duration_at_least(value: &Value, min: Duration, min_text: &str) -> Result<Duration, String> {
    let text = match value {
        Value::String(s) => s,
        other => return Err(format!("expected a duration string like \"90d\", found {}", type_name(other))),
    };
    let d = parse_duration(text)?;
    if d < min {
        return Err(format!("{text:?} is too short; the minimum is {min_text}"));
    }
    Ok(d)
}

/// `cron = "0 30 3 * *"` (second minute hour day month) or `cron = { hour = 3, minute = 30 }`.
fn cron(value: &Value) -> Result<CronSpec, String> {
    match value {
        Value::String(s) => CronSpec::parse(s),
        Value::Table(fields) => {
            let mut named = Vec::new();
            for (name, v) in fields {
                let text = match v {
                    Value::Integer(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    other => {
                        return Err(format!(
                            "field `{name}`: expected a number or a string like \"*/5\", found {}",
                            type_name(other)
                        ))
                    }
                };
                named.push((name.as_str(), text));
            }
            CronSpec::from_fields(named)
        }
        other => Err(format!(
            "expected \"second minute hour day month\" or a table like {{ hour = 3 }}, found {}",
            type_name(other)
        )),
    }
}

/// A key as TOML would need it written: bare when it can be, quoted otherwise (so an empty or odd name is
/// visible in an error message).
fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn suggestion(given: &str, known: &[&str], what: &str) -> String {
    let best =
        known.iter().map(|k| (strsim::jaro_winkler(&given.to_lowercase(), k), *k)).max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, key)) if score > 0.7 => format!("; did you mean `{key}`?"),
        _ => format!("; known {what}: {}", known.join(", ")),
    }
}

pub(super) fn apply(config: &mut Config, section: &str, key: &str, value: &Value) -> Result<(), String> {
    match (section, key) {
        ("dashboard", "app_version") => config.dashboard.app_version = string(value, 100)?,
        ("dashboard", "git") => config.dashboard.git = Some(PathBuf::from(non_empty(value)?)),
        ("dashboard", "custom_link") => {
            let link = non_empty(value)?;
            if link.contains(['/', '?', '#', ' ']) {
                return Err(format!("must be a single URL path segment, got {link:?}"));
            }
            config.dashboard.custom_link = link;
        }
        ("dashboard", "monitor_level") => config.dashboard.monitor_level = level(value)?,
        ("dashboard", "outlier_detection_constant") => {
            config.dashboard.outlier_detection_constant = number(value, 1.0, 1e6)?;
        }
        ("dashboard", "outlier_min_samples") => {
            config.dashboard.outlier_min_samples =
                u32::try_from(integer(value, 0, u32::MAX.into())?).unwrap_or(u32::MAX);
        }
        ("dashboard", "sampling_period_ms") => config.dashboard.sampling_period_ms = number(value, 0.1, 10_000.0)?,
        ("dashboard", "enable_logging") => config.dashboard.enable_logging = boolean(value)?,
        ("authentication", "username") => config.authentication.username = non_empty(value)?,
        ("authentication", "password_hash") => {
            let hash = non_empty(value)?;
            match crate::password::check_hash(&hash) {
                Ok(()) => {}
                Err(crate::password::PasswordError::Unrecognized) => {
                    return Err("must be an Argon2 or Werkzeug pbkdf2 password hash, never a clear-text password; \
                         add users with `fmd user add NAME --admin`"
                        .into())
                }
                Err(e) => return Err(format!("{e}; add users with `fmd user add NAME --admin`")),
            }
            config.authentication.password_hash = Some(hash);
        }
        ("database", "path") => {
            let text = non_empty(value)?;
            if super::is_server_url(&text) {
                config.database.url = Some(text);
            } else {
                config.database.path = database_path(&text)?;
            }
        }
        ("database", "url") => {
            let text = non_empty(value)?;
            if !super::is_server_url(&text) {
                return Err("must be a PostgreSQL URL (postgres://user@host/database); a SQLite file goes in \
                            `database.path`"
                    .into());
            }
            config.database.url = Some(text);
        }
        ("database", "password_file") => config.database.password_file = Some(PathBuf::from(non_empty(value)?)),
        ("database", "table_prefix") => config.database.table_prefix = table_prefix(value)?,
        ("visualization", "timezone") => config.visualization.timezone = timezone(&non_empty(value)?)?,
        ("visualization", "colors") => config.visualization.colors = colors(value)?,
        ("recorder", "queue_capacity") => {
            config.recorder.queue_capacity = usize::try_from(integer(value, 16, 16_777_216)?).unwrap_or(65_536);
        }
        ("recorder", "client_ip_header") => {
            let header = non_empty(value)?.to_ascii_lowercase();
            if !header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(format!("{header:?} is not a valid HTTP header name"));
            }
            config.recorder.client_ip_header = Some(header);
        }
        ("recorder", "level_poll_ms") => {
            config.recorder.level_poll_ms = u64::try_from(integer(value, 10, 60_000)?).unwrap_or(500);
        }
        ("pruning", "older_than") => config.pruning.older_than = Some(duration_at_least(value, MIN_PRUNE_AGE, "1h")?),
        ("pruning", "every") => config.pruning.every = Some(duration_at_least(value, MIN_PRUNE_EVERY, "1m")?),
        ("pruning", "cron") => config.pruning.cron = Some(cron(value)?),
        ("pruning", "keep_custom_graphs") => config.pruning.keep_custom_graphs = boolean(value)?,
        _ => return Err("unknown key".into()),
    }
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    value.type_str()
}

fn string(value: &Value, max_len: usize) -> Result<String, String> {
    match value {
        Value::String(s) if s.chars().count() <= max_len => Ok(s.clone()),
        Value::String(_) => Err(format!("must be at most {max_len} characters")),
        other => Err(format!("expected a string, found {}", type_name(other))),
    }
}

fn non_empty(value: &Value) -> Result<String, String> {
    let s = string(value, 4096)?;
    if s.trim().is_empty() {
        return Err("must not be empty".into());
    }
    Ok(s)
}

fn boolean(value: &Value) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| format!("expected true or false, found {}", type_name(value)))
}

fn integer(value: &Value, min: i64, max: i64) -> Result<i64, String> {
    match value.as_integer() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) => Err(format!("must be between {min} and {max}, got {n}")),
        None => Err(format!("expected an integer, found {}", type_name(value))),
    }
}

fn number(value: &Value, min: f64, max: f64) -> Result<f64, String> {
    let n = match value {
        Value::Float(f) => *f,
        Value::Integer(i) => *i as f64,
        other => return Err(format!("expected a number, found {}", type_name(other))),
    };
    if n.is_finite() && (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be between {min} and {max}, got {n}"))
    }
}

fn level(value: &Value) -> Result<u8, String> {
    integer(value, 0, 3).map(|n| n as u8).map_err(|_| format!("must be a monitoring level 0, 1, 2 or 3, got {value}"))
}

/// Accepts a plain path or FMD's SQLAlchemy URL `sqlite:///relative.db` / `sqlite:////absolute.db`.
pub(super) fn database_path(text: &str) -> Result<PathBuf, String> {
    if let Some(rest) = text.strip_prefix("sqlite:///") {
        if rest.is_empty() {
            return Err("the sqlite URL names no file".into());
        }
        return Ok(PathBuf::from(rest));
    }
    if let Some((scheme, _)) = text.split_once("://") {
        return Err(format!(
            "only SQLite files and PostgreSQL (postgres://, postgresql://) databases are supported, not `{scheme}://`"
        ));
    }
    Ok(PathBuf::from(text))
}

fn table_prefix(value: &Value) -> Result<String, String> {
    let prefix = string(value, 64)?;
    if !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{prefix:?} may only hold letters, digits and `_`"));
    }
    Ok(prefix)
}

/// Parses an IANA zone name or `local`.
pub fn timezone(name: &str) -> Result<chrono_tz::Tz, String> {
    if name.eq_ignore_ascii_case("local") {
        return Ok(local_timezone());
    }
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        format!("{name:?} is not an IANA time zone (e.g. `UTC`, `Europe/Amsterdam`, `America/New_York`, or `local`)")
    })
}

/// The machine's own zone (from `TZ` or the system), UTC when it cannot be told.
pub(super) fn local_timezone() -> chrono_tz::Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|tz| tz.trim_start_matches(':').parse().ok())
        .or_else(|| iana_time_zone::get_timezone().ok().and_then(|name| name.parse().ok()))
        .unwrap_or(chrono_tz::UTC)
}

fn colors(value: &Value) -> Result<BTreeMap<String, [u8; 3]>, String> {
    let Value::Table(table) = value else {
        return Err(format!("expected a table of endpoint = [r, g, b], found {}", type_name(value)));
    };
    let mut out = BTreeMap::new();
    for (endpoint, rgb) in table {
        // FMD stores colours as strings like "[255, 0, 0]"; TOML arrays are accepted too.
        let parts: Vec<i64> = match rgb {
            Value::Array(items) => items.iter().map(|v| v.as_integer().unwrap_or(-1)).collect(),
            Value::String(s) => s
                .split(|c: char| !c.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .map(|p| p.parse().unwrap_or(-1))
                .collect(),
            other => return Err(format!("colour of {endpoint:?}: expected [r, g, b], found {}", type_name(other))),
        };
        match parts.as_slice() {
            [r, g, b] if [r, g, b].iter().all(|c| (0..=255).contains(*c)) => {
                out.insert(endpoint.clone(), [*r as u8, *g as u8, *b as u8]);
            }
            _ => return Err(format!("colour of {endpoint:?} must be three integers 0-255, got {rgb}")),
        }
    }
    Ok(out)
}

/// Reads the commit HEAD points at from a `.git` directory, without libgit2: `HEAD` holds either a hash
/// (detached) or `ref: refs/heads/x`, whose hash is in the loose ref file or in `packed-refs`.
pub(super) fn read_git_commit(git_dir: &Path) -> Option<String> {
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let hash = match head.strip_prefix("ref:") {
        None => head.to_string(),
        Some(reference) => {
            let reference = reference.trim();
            match std::fs::read_to_string(git_dir.join(reference)) {
                Ok(text) => text.trim().to_string(),
                Err(_) => std::fs::read_to_string(git_dir.join("packed-refs"))
                    .ok()?
                    .lines()
                    .find_map(|line| line.strip_suffix(reference).map(|h| h.trim().to_string()))?,
            }
        }
    };
    let valid = hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    valid.then(|| hash[..12.min(hash.len())].to_string())
}

#[cfg(test)]
mod tests;
