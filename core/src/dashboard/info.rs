//! [`DeploymentInfo`]: what a dashboard serves, the facts of `fmd info`, the console's info popup and the web's
//! info page: fmd's version, the database (kind, location without a password, a file's size, the table
//! prefix), endpoints and requests, the first and last request, the versions seen, the recorders' losses, the
//! accelerators' state, the pruning schedule and the configuration in effect with its secrets hidden.

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::backend::Reader;
use crate::config::{Config, Pruning};
use crate::store::views::{ser, TimeRange, VersionInfo};
use crate::store::StoreError;

/// The versions the requests carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionsSeen {
    /// How many distinct versions.
    pub count: usize,
    /// The newest version with its first use (`None` without requests).
    pub newest: Option<VersionInfo>,
    /// The oldest version with its first use.
    pub oldest: Option<VersionInfo>,
}

/// The summary tables' state (SQLite's accelerators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accelerator {
    /// Where they stand (`Fresh`, `Behind`, ...), or why they could not be read.
    pub state: String,
    /// Requests covered.
    pub covered: u64,
    /// Requests not covered yet.
    pub behind: u64,
}

/// One setting of the configuration in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// `section.key`, as in fmd.toml.
    pub key: String,
    /// Its value as fmd.toml writes it; a secret reads `set` or `not set`.
    pub value: String,
}

/// Everything `fmd info` reports. Serialised with stable keys (`fmd info --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentInfo {
    /// fmd's version.
    pub fmd_version: String,
    /// What kind of database (`SQLite file`, `PostgreSQL database`).
    pub backend: String,
    /// Where it is (a path; a URL without its password).
    pub location: String,
    /// The file's size in bytes (`None` on a server).
    pub file_size: Option<u64>,
    /// The table prefix (empty: none).
    pub table_prefix: String,
    /// Endpoints known.
    pub endpoints: usize,
    /// All requests (the overview's `hits_overall` summed).
    pub requests: u64,
    /// The earliest request.
    #[serde(serialize_with = "ser::opt_time")]
    pub first_request: Option<DateTime<Utc>>,
    /// The latest request (the endpoints' `last_requested`).
    #[serde(serialize_with = "ser::opt_time")]
    pub last_request: Option<DateTime<Utc>>,
    /// The versions seen.
    pub versions: VersionsSeen,
    /// Records recorders dropped (queue full); `None` when the database keeps no recorder counters.
    pub dropped: Option<u64>,
    /// Records recorders lost to database faults.
    pub failed: u64,
    /// The summary tables' state (`None`: the backend keeps none).
    pub accelerator: Option<Accelerator>,
    /// The pruning schedule, for people (`off` when none is configured; `None`: the configuration is not
    /// known to this front-end).
    pub pruning: Option<String>,
    /// The configuration in effect, secrets hidden (empty when not known to this front-end).
    pub config: Vec<Setting>,
}

/// Where the database is, as the front-end opened it.
#[derive(Debug, Clone)]
pub struct Database<'a> {
    /// [`Backend::kind`](crate::backend::Backend::kind).
    pub kind: &'a str,
    /// [`Backend::location`](crate::backend::Backend::location) (never a password).
    pub location: String,
    /// The SQLite file, when the database is one.
    pub file: Option<&'a Path>,
}

impl DeploymentInfo {
    /// The facts of `reader`'s database (opened as `database`) under `config` (`None`: a front-end that does
    /// not know it), its overview taken at `now` in `tz`.
    pub fn read(
        reader: &dyn Reader,
        database: Database<'_>,
        config: Option<&Config>,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<DeploymentInfo, StoreError> {
        let rows = reader.overview(now, tz)?;
        let (dropped, failed) = reader.recorder_losses()?;
        let dropped = reader.has_recorder_counters()?.then_some(dropped);
        let versions = reader.versions(TimeRange::ALL, None)?;
        let accelerator = match reader.accelerator_status() {
            Ok(status) => {
                status.map(|s| Accelerator { state: format!("{:?}", s.state), covered: s.covered, behind: s.behind })
            }
            Err(e) => Some(Accelerator { state: format!("unavailable ({e})"), covered: 0, behind: 0 }),
        };
        Ok(DeploymentInfo {
            fmd_version: env!("CARGO_PKG_VERSION").to_string(),
            backend: database.kind.to_string(),
            location: database.location,
            file_size: database.file.and_then(|f| std::fs::metadata(f).ok()).map(|m| m.len()),
            table_prefix: reader.tables().prefix().to_string(),
            endpoints: rows.len(),
            requests: rows.iter().map(|r| r.hits_overall).sum(),
            first_request: reader.first_request_time()?,
            last_request: rows.iter().filter_map(|r| r.last_requested).max(),
            versions: VersionsSeen {
                count: versions.len(),
                newest: versions.first().cloned(),
                oldest: versions.last().cloned(),
            },
            dropped,
            failed,
            accelerator,
            pruning: config.map(|c| pruning_schedule(&c.pruning)),
            config: config.map(settings).unwrap_or_default(),
        })
    }
}

impl DeploymentInfo {
    /// The facts as (label, value) lines for text front-ends (`fmd info`, the console's popup), instants in
    /// `tz`; the configuration is left to [`DeploymentInfo::config`].
    pub fn facts(&self, tz: Tz) -> Vec<(&'static str, String)> {
        let at = |t: Option<DateTime<Utc>>| {
            t.map_or_else(|| "none yet".to_string(), |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
        };
        let version = |v: &Option<VersionInfo>| match v {
            Some(v) => format!("{} (first {})", if v.version.is_empty() { "(none)" } else { &v.version }, at(v.date)),
            None => "none".to_string(),
        };
        let size = self.file_size.map(|b| format!(" ({:.1} MB)", b as f64 / 1e6)).unwrap_or_default();
        [
            ("fmd", self.fmd_version.clone()),
            ("database", format!("{} {}{size}", self.backend, self.location)),
            ("table prefix", if self.table_prefix.is_empty() { "none".into() } else { self.table_prefix.clone() }),
            ("endpoints", self.endpoints.to_string()),
            ("requests", self.requests.to_string()),
            ("first request", at(self.first_request)),
            ("last request", at(self.last_request)),
            ("versions seen", self.versions.count.to_string()),
            ("newest version", version(&self.versions.newest)),
            ("oldest version", version(&self.versions.oldest)),
            (
                "dropped by recorders",
                self.dropped.map_or_else(|| "not recorded (a file Python FMD wrote)".into(), |n| n.to_string()),
            ),
            ("lost to database faults", self.failed.to_string()),
            (
                "summary tables",
                match &self.accelerator {
                    Some(a) => format!("{}: {} requests covered, {} behind", a.state, a.covered, a.behind),
                    None => "none (not kept by this database)".into(),
                },
            ),
        ]
        .into_iter()
        .chain(self.pruning.clone().map(|p| ("pruning", p)))
        .collect()
    }
}

/// `[pruning]` for people: `off`, or what is deleted and when.
pub fn pruning_schedule(p: &Pruning) -> String {
    let (Some(age), true) = (p.older_than, p.is_enabled()) else { return "off".into() };
    let when = match (&p.cron, p.every) {
        (Some(cron), _) => format!("at cron `{cron}` (UTC)"),
        (None, Some(every)) => format!("every {}", duration(every)),
        (None, None) => return "off".into(),
    };
    let graphs = if p.keep_custom_graphs { ", custom graph data kept" } else { "" };
    format!("requests older than {} deleted {when}{graphs}", duration(age))
}

/// A duration in its largest whole unit (`30d`, `12h`, `15m`, `90s`).
fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".into(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// True for a key that names a secret (its value is never shown).
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token"].iter().any(|w| key.contains(w))
}

/// The configuration in effect as `section.key` = value, every secret `set` or `not set`.
fn settings(config: &Config) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in config.to_toml_hidden().lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        } else if let Some((key, value)) = line.split_once(" = ") {
            let key = format!("{section}.{key}");
            let value = match value {
                _ if is_secret(&key) => "set".to_string(),
                "\"\"" => value.to_string(),
                _ => value.trim_matches('"').to_string(),
            };
            out.push(Setting { key, value });
        }
    }
    if config.authentication.password_hash.is_none() {
        let at = out.iter().position(|s| s.key == "authentication.username").map_or(out.len(), |i| i + 1);
        out.insert(at, Setting { key: "authentication.password_hash".into(), value: "not set".into() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_read_set_or_not_set() {
        let mut config = Config::default();
        config.authentication.password_hash = Some("$argon2id$v=19$secret-hash".into());
        config.database.url = Some("postgres://fmd:db-secret@localhost/fmd".into());
        let all = settings(&config);
        let text = format!("{all:?}");
        assert!(!text.contains("secret-hash") && !text.contains("db-secret"), "{text}");
        assert!(all.iter().any(|s| s.key == "authentication.password_hash" && s.value == "set"), "{text}");
        config.authentication.password_hash = None;
        assert!(settings(&config).iter().any(|s| s.key == "authentication.password_hash" && s.value == "not set"));
    }

    #[test]
    fn pruning_reads_for_people() {
        let mut p = Pruning::default();
        assert_eq!(pruning_schedule(&p), "off");
        p.older_than = Some(std::time::Duration::from_secs(30 * 86_400));
        p.every = Some(std::time::Duration::from_secs(3_600));
        assert_eq!(pruning_schedule(&p), "requests older than 30d deleted every 1h");
    }
}
