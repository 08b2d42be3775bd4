//! The effective settings of one invocation: configuration file layered under command-line flags.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::Config;
use fmd_pg::PgUrl;

use crate::cli::Common;
use crate::failure::Failure;
use crate::timearg;

/// Configuration plus the flags that override it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The loaded configuration.
    pub config: Config,
    /// Database file to use (unused when `server` is set).
    pub db: PathBuf,
    /// The PostgreSQL database to use instead of a file (`--db postgres://...` or `database.url`).
    pub server: Option<PgUrl>,
    /// Table prefix: `Some` when given by flag or configuration file, `None` to detect it from the file.
    pub table_prefix: Option<String>,
    /// Zone for days and hours.
    pub tz: Tz,
    /// Pinned "now", if any.
    pub now: Option<DateTime<Utc>>,
    /// Whether the console may use colours.
    pub colors: bool,
}

impl Settings {
    /// Resolves defaults < configuration file < flags.
    pub fn resolve(common: &Common) -> Result<Settings, Failure> {
        let config = Config::discover(common.config.as_deref())?;
        for warning in &config.warnings {
            eprintln!("fmd: warning: {warning}");
        }
        let db = common.db.clone().unwrap_or_else(|| config.database.path.clone());
        let url = match common.db.as_deref().map(|p| p.to_str()) {
            Some(Some(text)) if fmd_core::config::is_server_url(text) => Some(text.to_string()),
            Some(_) => None,
            None => config.database.url.clone(),
        };
        let server = url
            .map(|url| PgUrl::parse(&url, config.database.password_file.as_deref()))
            .transpose()
            .map_err(|e| Failure::Input(format!("database: {e}")))?;
        let table_prefix = match &common.table_prefix {
            Some(prefix) => Some(prefix.clone()),
            // An explicit non-empty prefix in the file is honoured; the default "" means "detect".
            None if config.source.is_some() && !config.database.table_prefix.is_empty() => {
                Some(config.database.table_prefix.clone())
            }
            None => None,
        };
        let tz = match &common.tz {
            Some(name) => fmd_core::config::parse_timezone(name).map_err(|e| Failure::Input(format!("--tz: {e}")))?,
            None => config.visualization.timezone,
        };
        let now = common.now.as_deref().map(|t| parse_flag("--now", t, Utc::now(), tz)).transpose()?;
        let colors = !common.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ok(Settings { config, db, server, table_prefix, tz, now, colors })
    }

    /// The pinned instant, or the clock.
    pub fn now_or_clock(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

/// Parses a time flag's value in any form of [`timearg::parse_instant`] (RFC 3339, a local date or time in
/// `tz`, `now`, `today`, or an age counted back from `now`); the error names the flag.
pub fn parse_flag(flag: &str, text: &str, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, Failure> {
    timearg::parse_instant(text, now, tz).map_err(|e| Failure::Input(format!("{flag}: {e}")))
}

/// Parses an instant flag without a zone of its own (`--end` after [`crate::commands`] resolved it): any form
/// of [`parse_flag`], local forms in UTC, ages from the clock.
pub fn parse_now(text: &str) -> Result<DateTime<Utc>, Failure> {
    parse_flag("--now", text, Utc::now(), Tz::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_accepts_every_time_form() {
        let t = parse_now("2026-11-28T00:56:55+02:00").expect("valid");
        assert_eq!(t.to_rfc3339(), "2026-11-27T22:56:55+00:00");
        assert!(matches!(parse_now("yesterday"), Err(Failure::Input(m)) if m.contains("--now")));
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let clock: DateTime<Utc> = "2026-11-27T22:56:55Z".parse().expect("instant");
        let at = |text: &str| parse_flag("--now", text, clock, tz).ok().map(|t| t.to_rfc3339());
        assert_eq!(at("2026-11-27 22:56:55"), Some("2026-11-27T21:56:55+00:00".into()), "local time");
        assert_eq!(at("2026-11-27"), Some("2026-11-26T23:00:00+00:00".into()), "local midnight");
        assert_eq!(at("24h"), Some("2026-11-26T22:56:55+00:00".into()), "an age is now minus the age");
        assert_eq!(at("now"), Some(clock.to_rfc3339()));
    }
}
