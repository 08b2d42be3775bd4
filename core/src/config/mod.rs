//! FMD's options in TOML (`fmd.toml`).
//!
//! | TOML key                                   | FMD option                  | default |
//! |--------------------------------------------|-----------------------------|---------|
//! | `dashboard.app_version`                    | APP_VERSION                 | `"1.0"` |
//! | `dashboard.git`                            | GIT                         | unset   |
//! | `dashboard.custom_link`                    | CUSTOM_LINK                 | `"dashboard"` |
//! | `dashboard.monitor_level`                  | MONITOR_LEVEL               | `1`     |
//! | `dashboard.outlier_detection_constant`     | OUTLIER_DETECTION_CONSTANT  | `2.5`   |
//! | `dashboard.outlier_min_samples`            | (fmd only)                  | `10`    |
//! | `dashboard.sampling_period_ms`             | SAMPLING_PERIOD (ms)        | `5`     |
//! | `dashboard.enable_logging`                 | ENABLE_LOGGING              | `false` |
//! | `authentication.username`                  | USERNAME                    | `"admin"` |
//! | `authentication.password_hash`             | PASSWORD (hashed; no default) | unset |
//! | `database.path`                            | DATABASE (a SQLite file)    | `"fmd.db"` |
//! | `database.url`                             | DATABASE (`postgresql://...`) | unset |
//! | `database.password_file`                   | (fmd only: the server's password) | unset |
//! | `database.table_prefix`                    | TABLE_PREFIX                | `""`    |
//! | `visualization.timezone`                   | TIMEZONE                    | `"local"` |
//! | `visualization.colors`                     | COLORS                      | `{}`    |
//! | `recorder.queue_capacity`                  | (fmd only)                  | `65536` |
//! | `recorder.client_ip_header`                | (fmd only, trusted proxy)   | unset   |
//! | `recorder.level_poll_ms`                   | (fmd only)                  | `500`   |
//! | `pruning.older_than`                       | add_database_pruning_schedule's weeks_to_keep | unset (no pruning) |
//! | `pruning.every` / `pruning.cron`           | its cron fields             | unset   |
//! | `pruning.keep_custom_graphs`               | not delete_custom_graph_data | `false` |

mod cron;
pub mod env;
pub mod ini;
mod load;
mod show;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use cron::{CronField, CronSpec};
pub use load::{parse_duration, timezone as parse_timezone, ConfigError};

/// Name of the environment variable that holds the path of the configuration file.
pub const CONFIG_ENV: &str = "FMD_CONFIG";

/// FMD 5's own variable for the path of its configuration file, honoured when [`CONFIG_ENV`] is not set.
pub const FMD_CONFIG_ENV: &str = "FLASK_MONITORING_DASHBOARD_CONFIG";

/// The whole configuration, every field at FMD's default unless the file says otherwise.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// Where the configuration was read from (`None` for built-in defaults).
    pub source: Option<PathBuf>,
    /// `[dashboard]`
    pub dashboard: Dashboard,
    /// `[authentication]`
    pub authentication: Authentication,
    /// `[database]`
    pub database: Database,
    /// `[visualization]`
    pub visualization: Visualization,
    /// `[recorder]` (fmd's own section)
    pub recorder: RecorderOptions,
    /// `[pruning]`: an optional schedule that deletes old requests (FMD's `add_database_pruning_schedule`).
    pub pruning: Pruning,
    /// One line per option of FMD's INI file that fmd does not have (shown on stderr; never a value).
    pub warnings: Vec<String>,
}

/// `[dashboard]`: what is monitored and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// APP_VERSION: stored with every request.
    pub app_version: String,
    /// GIT: path to a `.git` directory; when set, the version is the commit HEAD points at.
    pub git: Option<PathBuf>,
    /// CUSTOM_LINK: URL prefix of the web view.
    pub custom_link: String,
    /// MONITOR_LEVEL: level of newly discovered endpoints (0-3).
    pub monitor_level: u8,
    /// OUTLIER_DETECTION_CONSTANT: a request is an outlier above average x this.
    pub outlier_detection_constant: f64,
    /// Requests an endpoint needs before anything is called an outlier.
    pub outlier_min_samples: u32,
    /// SAMPLING_PERIOD in milliseconds (level 3 profiler).
    pub sampling_period_ms: f64,
    /// ENABLE_LOGGING: log each recorded request at debug level.
    pub enable_logging: bool,
}

/// `[authentication]`: the optional web view's single account.
#[derive(Debug, Clone, PartialEq)]
pub struct Authentication {
    /// USERNAME of the administrator.
    pub username: String,
    /// A password hash (Argon2 PHC string or Werkzeug pbkdf2, [`crate::password`]); there is deliberately no
    /// default password.
    pub password_hash: Option<String>,
}

/// `[database]`: where requests are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    /// DATABASE: path of the SQLite file (`sqlite:///` URLs as FMD writes them are accepted).
    pub path: PathBuf,
    /// DATABASE as a PostgreSQL URL (`postgres://user@host/db`, FMD's `postgresql+psycopg2://...` too): when
    /// set, it is the database and `path` is unused. It may hold a password; never print it (the PostgreSQL
    /// backend gives the printable location).
    pub url: Option<String>,
    /// A file holding the PostgreSQL password (its first line), for URLs without one.
    pub password_file: Option<PathBuf>,
    /// TABLE_PREFIX: prepended to every FMD table name.
    pub table_prefix: String,
}

/// `[visualization]`: how times and endpoints are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Visualization {
    /// TIMEZONE: IANA name, or `local` for the machine's zone; days and hours are bucketed in it.
    pub timezone: chrono_tz::Tz,
    /// COLORS: endpoint name to `[r, g, b]`.
    pub colors: BTreeMap<String, [u8; 3]>,
}

/// `[recorder]`: fmd's own recorder settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RecorderOptions {
    /// Records the queue holds before new ones are dropped (and counted).
    pub queue_capacity: usize,
    /// A header set by a trusted reverse proxy that carries the client address (e.g. `x-forwarded-for`).
    pub client_ip_header: Option<String>,
    /// How often a running recorder re-reads monitoring levels from the database, in milliseconds.
    pub level_poll_ms: u64,
}

/// `[pruning]`: delete requests older than [`Pruning::older_than`] on a schedule, from the recorder's background
/// thread (in short batches, so requests keep being recorded). Disabled by default, as in FMD.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pruning {
    /// Requests (with their outliers, stack lines and exceptions) older than this are deleted; `None`
    /// disables scheduled pruning.
    pub older_than: Option<std::time::Duration>,
    /// Prune this often (the first run follows the recorder's start by this much, at most a minute).
    pub every: Option<std::time::Duration>,
    /// Prune at the instants of this cron schedule (UTC) instead.
    pub cron: Option<CronSpec>,
    /// Keep custom graph data older than the cutoff (FMD's `delete_custom_graph_data = False`).
    pub keep_custom_graphs: bool,
}

impl Pruning {
    /// True when a schedule is configured.
    pub fn is_enabled(&self) -> bool {
        self.older_than.is_some() && (self.every.is_some() || self.cron.is_some())
    }
}

impl Default for Dashboard {
    fn default() -> Self {
        Dashboard {
            app_version: "1.0".into(),
            git: None,
            custom_link: "dashboard".into(),
            monitor_level: 1,
            outlier_detection_constant: 2.5,
            outlier_min_samples: 10,
            sampling_period_ms: 5.0,
            enable_logging: false,
        }
    }
}

impl Default for Authentication {
    fn default() -> Self {
        Authentication { username: "admin".into(), password_hash: None }
    }
}

/// The URL schemes taken as a PostgreSQL database rather than a SQLite file (SQLAlchemy's driver forms
/// included, as FMD's `DATABASE=` writes them).
pub const SERVER_SCHEMES: &[&str] =
    &["postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"];

/// True when `text` names a PostgreSQL database rather than a SQLite file (`--db`, `database.url`).
pub fn is_server_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SERVER_SCHEMES.iter().any(|s| lower.starts_with(s))
}

impl Default for Database {
    fn default() -> Self {
        Database { path: PathBuf::from("fmd.db"), url: None, password_file: None, table_prefix: String::new() }
    }
}

impl Default for Visualization {
    fn default() -> Self {
        Visualization { timezone: load::local_timezone(), colors: BTreeMap::new() }
    }
}

impl Default for RecorderOptions {
    fn default() -> Self {
        RecorderOptions { queue_capacity: 65_536, client_ip_header: None, level_poll_ms: 500 }
    }
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn from_path(path: impl Into<PathBuf>) -> Result<Config, ConfigError> {
        load::from_path(path.into())
    }

    /// Parses TOML text; `origin` names the source in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
        load::from_str(text, origin)
    }

    /// Loads `explicit` if given, else the file named by `FMD_CONFIG` (or FMD's
    /// `FLASK_MONITORING_DASHBOARD_CONFIG`), else `./fmd.toml` when it exists, else the built-in defaults; then
    /// the `FMD_<SECTION>_<KEY>` environment variables override it ([`env`]).
    pub fn discover(explicit: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let named = explicit.map(PathBuf::from).or_else(|| {
            [CONFIG_ENV, FMD_CONFIG_ENV]
                .iter()
                .find_map(|name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from))
        });
        let local = PathBuf::from("fmd.toml");
        let mut config = match named {
            Some(path) => Config::from_path(path)?,
            None if local.is_file() => Config::from_path(local)?,
            None => Config::default(),
        };
        env::apply_overrides(&mut config, |name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// This configuration as fmd.toml text, with the password hash and a database URL's password replaced by
    /// `<hidden>` (`fmd config show`).
    pub fn to_toml_hidden(&self) -> String {
        show::to_toml_hidden(self)
    }

    /// The version stored with every request: the commit of `git` when configured and readable, else
    /// `app_version`.
    pub fn effective_version(&self) -> String {
        self.dashboard
            .git
            .as_deref()
            .and_then(load::read_git_commit)
            .unwrap_or_else(|| self.dashboard.app_version.clone())
    }
}
