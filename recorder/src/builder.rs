//! [`RecorderBuilder`]: configuration in, running [`Recorder`] out.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fmd_core::Config;
use http::request::Parts;

use crate::client_ip::ClientIpSource;
use crate::clock::{wall_micros_now, Clock};
use crate::closures::UserClosure;
use crate::counters::Counters;
use crate::endpoints::Endpoints;
use crate::exceptions;
use crate::measure::{OutlierPolicy, Shared};
use crate::outlier::format::Redaction;
use crate::outlier::watcher::{self, WatcherSettings};
use crate::writer::{self, Identity, Settings, Target};
use crate::Recorder;

/// How long [`RecorderBuilder::build`] waits for the writer's first look at the database (so endpoint
/// levels already stored there apply from the first request). A slow or locked database only delays this
/// much; the writer keeps trying in the background.
const STARTUP_WAIT: Duration = Duration::from_millis(500);

/// Shortest accepted level poll interval.
const MIN_LEVEL_POLL: Duration = Duration::from_millis(10);

/// Default of [`RecorderBuilder::outlier_captures_per_second`].
pub const DEFAULT_OUTLIER_CAPTURES_PER_SECOND: u32 = 10;

/// Builds a [`Recorder`] from an fmd [`Config`]; see [`Recorder::builder`].
pub struct RecorderBuilder {
    database: PathBuf,
    /// `database.url`: when set, the recorder writes to PostgreSQL instead of the file.
    database_url: Option<String>,
    password_file: Option<PathBuf>,
    #[cfg(feature = "postgres")]
    statement_timeout: Duration,
    table_prefix: String,
    default_level: u8,
    version: String,
    queue_capacity: usize,
    client_ip_header: Option<String>,
    level_poll: Duration,
    log_requests: bool,
    group_by: Option<UserClosure>,
    endpoint_name: Option<UserClosure>,
    graphs: crate::graphs::Setup,
    outliers: OutlierPolicy,
    redact_headers: Vec<String>,
    captures_per_second: u32,
    sampling_period: Duration,
}

impl std::fmt::Debug for RecorderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderBuilder")
            .field("database", &self.database)
            .field("database_url", &self.database_url.as_deref().map(redact))
            .field("table_prefix", &self.table_prefix)
            .field("default_level", &self.default_level)
            .field("version", &self.version)
            .field("queue_capacity", &self.queue_capacity)
            .field("client_ip_header", &self.client_ip_header)
            .field("level_poll", &self.level_poll)
            .field("group_by", &self.group_by.is_some())
            .field("endpoint_name", &self.endpoint_name.is_some())
            .field("outliers", &self.outliers)
            .field("redact_headers", &self.redact_headers)
            .field("captures_per_second", &self.captures_per_second)
            .field("sampling_period", &self.sampling_period)
            .finish()
    }
}

impl RecorderBuilder {
    pub(crate) fn new(config: &Config) -> RecorderBuilder {
        RecorderBuilder {
            database: config.database.path.clone(),
            database_url: config.database.url.clone(),
            password_file: config.database.password_file.clone(),
            #[cfg(feature = "postgres")]
            statement_timeout: fmd_pg::RECORDER_STATEMENT_TIMEOUT,
            table_prefix: config.database.table_prefix.clone(),
            default_level: config.dashboard.monitor_level.min(3),
            version: config.effective_version(),
            queue_capacity: config.recorder.queue_capacity,
            client_ip_header: config.recorder.client_ip_header.clone(),
            level_poll: Duration::from_millis(config.recorder.level_poll_ms),
            log_requests: config.dashboard.enable_logging,
            group_by: None,
            endpoint_name: None,
            graphs: crate::graphs::Setup::from_config(config),
            outliers: OutlierPolicy {
                constant: config.dashboard.outlier_detection_constant,
                min_samples: u64::from(config.dashboard.outlier_min_samples),
            },
            redact_headers: Vec::new(),
            captures_per_second: DEFAULT_OUTLIER_CAPTURES_PER_SECOND,
            sampling_period: sampling_period(config.dashboard.sampling_period_ms),
        }
    }

    /// Sets FMD's group-by: a value per request (typically the user), stored in `Request.group_by`.
    ///
    /// `None` is stored as the string `"None"`, as FMD does; so is every request when no group-by is set.
    /// It runs on the request path, so keep it cheap. A panic inside it is caught, logged once, and stored
    /// as `"None"`.
    ///
    /// ```
    /// # let config = fmd_core::Config::default();
    /// let builder = fmd_recorder::Recorder::builder(&config).group_by(|parts: &http::request::Parts| {
    ///     parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned)
    /// });
    /// # drop(builder);
    /// ```
    pub fn group_by<F, S>(mut self, group_by: F) -> RecorderBuilder
    where
        F: Fn(&Parts) -> Option<S> + Send + Sync + 'static,
        S: Into<String>,
    {
        self.group_by = Some(UserClosure::group_by(group_by));
        self
    }

    /// Names endpoints yourself (e.g. for hyper or tonic services, which have no axum `MatchedPath`).
    ///
    /// Returning `None` falls back to the matched route, or `<unmatched>`. Names should come from a small,
    /// fixed set (never raw paths with ids in them): beyond 10,000 distinct names, new ones are recorded
    /// as `<other>`. A panic inside the closure is caught, logged once, and treated as `None`.
    ///
    /// ```
    /// # let config = fmd_core::Config::default();
    /// // tonic: one endpoint per gRPC method ("/package.Service/Method").
    /// let builder = fmd_recorder::Recorder::builder(&config)
    ///     .endpoint_name(|parts: &http::request::Parts| Some(parts.uri.path().to_owned()));
    /// # drop(builder);
    /// ```
    pub fn endpoint_name<F>(mut self, endpoint_name: F) -> RecorderBuilder
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.endpoint_name = Some(UserClosure::endpoint_name(endpoint_name));
        self
    }

    /// Records into the SQLite file `path` instead of `config.database.path` (and instead of
    /// `config.database.url`).
    pub fn database(mut self, path: impl Into<PathBuf>) -> RecorderBuilder {
        self.database = path.into();
        self.database_url = None;
        self
    }

    /// Records into the PostgreSQL database at `url` (`postgres://user@host:port/db`, or FMD's
    /// `postgresql+psycopg2://…`) instead of `config.database.url` or the SQLite file. Without a password in the
    /// URL, `config.database.password_file` or `PGPASSWORD` gives it; it is never logged.
    #[cfg(feature = "postgres")]
    pub fn database_url(mut self, url: impl Into<String>) -> RecorderBuilder {
        self.database_url = Some(url.into());
        self
    }

    /// PostgreSQL only: the writer's statement time limit (default `fmd_pg::RECORDER_STATEMENT_TIMEOUT`, 10 s).
    /// A statement that waits longer (a lock held by another session, a stuck server) is cancelled by the
    /// server; the batch stays buffered and is retried with backoff.
    #[cfg(feature = "postgres")]
    pub fn statement_timeout(mut self, timeout: Duration) -> RecorderBuilder {
        self.statement_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Level (0-3, higher values mean 3) given to endpoints seen for the first time, instead of
    /// `config.dashboard.monitor_level`.
    pub fn default_level(mut self, level: u8) -> RecorderBuilder {
        self.default_level = level.min(3);
        self
    }

    /// Adds header names whose values are never stored in outlier rows (case-insensitive); they are stored
    /// as `[redacted]`. `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and `X-Api-Key` always
    /// are.
    ///
    /// ```
    /// # let config = fmd_core::Config::default();
    /// let builder = fmd_recorder::Recorder::builder(&config).redact_headers(["X-Session-Token", "X-Csrf"]);
    /// # drop(builder);
    /// ```
    pub fn redact_headers<I, S>(mut self, names: I) -> RecorderBuilder
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.redact_headers.extend(names.into_iter().map(|name| name.as_ref().to_string()));
        self
    }

    /// Most outlier captures (stack sample, symbolization, CPU reading) per second for this recorder; more
    /// outliers are still stored, with the latest CPU and memory readings and "stack not captured". 0 turns
    /// captures off. Default [`DEFAULT_OUTLIER_CAPTURES_PER_SECOND`].
    pub fn outlier_captures_per_second(mut self, captures: u32) -> RecorderBuilder {
        self.captures_per_second = captures;
        self
    }

    /// Starts the writer and outlier watcher threads, installs the panic hook (once per process, chained with
    /// the previous hook) and returns the recorder.
    ///
    /// Never fails: a database that cannot be opened or written is retried in the background (see
    /// [`Recorder`]). Waits at most half a second for the writer's first look at the database.
    pub fn build(self) -> Recorder {
        let clock = Clock::start();
        let endpoints = Arc::new(Endpoints::new(self.default_level));
        let counters = Arc::new(Counters::default());
        let capacity = self.queue_capacity.max(1);
        let (tx, rx) = crossbeam_channel::bounded(capacity);
        let target = self.target();
        let location = target.location();
        let graphs = if target.is_sqlite() {
            self.graphs.with_database(&self.database)
        } else {
            self.graphs.unsupported("custom graphs and scheduled pruning are stored in SQLite files only for now")
        };
        let settings = Settings {
            target,
            prefix: self.table_prefix,
            version: self.version,
            level_poll: self.level_poll.max(MIN_LEVEL_POLL),
            retry_capacity: capacity,
            log_requests: self.log_requests,
            identity: identity(),
        };
        let writer = match writer::spawn(settings, Arc::clone(&endpoints), Arc::clone(&counters), clock, rx) {
            Ok((handle, ready)) => {
                let _ = ready.recv_timeout(STARTUP_WAIT);
                Some(handle)
            }
            Err(e) => {
                tracing::error!(
                    "fmd recorder: cannot start the writer thread ({e}); requests to be recorded into {} are \
                     counted as dropped",
                    location.display()
                );
                None
            }
        };
        let watcher_settings = WatcherSettings {
            redaction: Redaction::new(self.redact_headers),
            captures_per_second: self.captures_per_second,
            sampling_period: self.sampling_period,
        };
        let (watcher, watcher_control) =
            match watcher::spawn(watcher_settings, tx.clone(), Arc::clone(&counters), clock) {
                Ok((handle, control)) => (Some(handle), Some(control)),
                Err(e) => {
                    tracing::error!(
                        "fmd recorder: cannot start the outlier watcher thread ({e}); outliers are not captured"
                    );
                    (None, None)
                }
            };
        exceptions::install_panic_hook();
        let shared = Arc::new(Shared {
            endpoints,
            counters,
            clock,
            tx,
            client_ip: ClientIpSource::new(self.client_ip_header.as_deref()),
            group_by: self.group_by,
            endpoint_name: self.endpoint_name,
            outliers: self.outliers,
            watcher,
            queued_profiles: Arc::default(),
        });
        Recorder {
            shared,
            writer: Mutex::new(writer),
            watcher: Mutex::new(watcher_control),
            graphs: crate::graphs::Graphs::new(graphs),
            database: location,
        }
    }

    /// The database the configuration chose: PostgreSQL when a URL is set, else the SQLite file. A URL that
    /// does not parse, or any URL in a build without the `postgres` feature, is logged now and makes every write
    /// fail (records are counted as failed): the service itself keeps running.
    fn target(&self) -> Target {
        let Some(url) = &self.database_url else {
            return Target::Sqlite(self.database.clone());
        };
        let location = std::path::PathBuf::from(redact(url));
        #[cfg(feature = "postgres")]
        let problem = match fmd_pg::PgUrl::parse(url, self.password_file.as_deref()) {
            Ok(url) => return Target::Postgres { url: Box::new(url), statement_timeout: self.statement_timeout },
            Err(e) => e.to_string(),
        };
        #[cfg(not(feature = "postgres"))]
        let problem = {
            let _ = &self.password_file;
            "this build of fmd-recorder cannot write to PostgreSQL (enable its `postgres` feature)".to_string()
        };
        tracing::error!(
            "fmd recorder: cannot record into {}: {problem}; requests are served but not recorded",
            location.display()
        );
        Target::Unusable { location, problem }
    }
}

/// `url` as it may be printed: without its password (without the `postgres` feature, which has the parser, only
/// its kind is shown).
fn redact(url: &str) -> String {
    #[cfg(feature = "postgres")]
    return fmd_pg::url::redact(url);
    #[cfg(not(feature = "postgres"))]
    {
        let _ = url;
        "the PostgreSQL database of database.url".to_string()
    }
}

/// The level 3 sampling period from `dashboard.sampling_period_ms`, between 0.1 ms and 10 s (5 ms when the
/// value is not a finite number).
fn sampling_period(ms: f64) -> Duration {
    let ms = if ms.is_finite() { ms.clamp(0.1, 10_000.0) } else { 5.0 };
    Duration::from_secs_f64(ms / 1000.0)
}

/// This process's recorder identity: host, pid, start time (and a sequence number when a process builds
/// more than one recorder).
fn identity() -> Identity {
    static BUILT: AtomicU64 = AtomicU64::new(0);
    let host = host_name();
    let pid = std::process::id();
    let started_micros = wall_micros_now();
    let mut recorder_id = format!("{host}:{pid}:{started_micros}");
    let sequence = BUILT.fetch_add(1, Ordering::Relaxed);
    if sequence > 0 {
        recorder_id.push_str(&format!("#{sequence}"));
    }
    Identity { recorder_id, host, pid, started_micros }
}

fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .chain(std::env::var("HOSTNAME").ok())
        .chain(std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}
