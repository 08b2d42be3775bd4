//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// fmd: performance monitor for Rust web services, the successor of Flask-MonitoringDashboard.
///
/// Without a command, opens the console on the configured database.
#[derive(Debug, Parser)]
#[command(name = "fmd", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub common: Common,
    /// What to do (default: open the console).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options shared by every command.
#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Configuration file: fmd.toml, or FMD's INI file (`.cfg`/`.ini`, or `APP_VERSION=` style content). Default:
    /// $FMD_CONFIG, else $FLASK_MONITORING_DASHBOARD_CONFIG, else ./fmd.toml when present, else built-in
    /// defaults. `FMD_<SECTION>_<KEY>` environment variables override it.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database: a SQLite file, or a PostgreSQL URL (`postgres://user@host/db`; the password from the URL,
    /// PGPASSWORD or `database.password_file`). Default: `database.url`, else `database.path`.
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,
    /// Table prefix (default: from the configuration, or detected from the file when unambiguous).
    #[arg(long, global = true, value_name = "PREFIX")]
    pub table_prefix: Option<String>,
    /// Time zone for days and hours, an IANA name or `local` (default: `visualization.timezone`).
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Compute "today" and "last 7 days" at this instant instead of the clock: RFC 3339, a local date or time,
    /// `today`, or an age like `24h` (now minus the age).
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,
    /// No colours in the console (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console (the default).
    Tui(TuiArgs),
    /// Print a view.
    Show(ShowArgs),
    /// Show the monitoring levels, or set an endpoint's (running recorders pick it up within a second).
    Level(LevelArgs),
    /// Deployment details: the database and its size, totals, first and last request, versions seen, the
    /// recorders' counters, the summary tables, the pruning schedule, the configuration in effect (secrets
    /// hidden).
    Info(InfoArgs),
    /// Run a self-contained demo: a monitored axum service, a load against it, then the console.
    Demo(DemoArgs),
    /// Write a realistic synthetic FMD-format database (for benchmarks and trying the console).
    Generate(GenerateArgs),
    /// Delete requests older than a duration (with their outliers, stack lines, exceptions), in short batches.
    Prune(PruneArgs),
    /// Delete an endpoint with its data, or merge one endpoint into another (renamed routes).
    Endpoint(EndpointArgs),
    /// Serve the web dashboard (built with `--features web`): every view in the browser, FMD's JSON API, a
    /// login (add users with `fmd user add`).
    Web(WebArgs),
    /// Manage the web dashboard's users (FMD's User table): add, passwd, remove, list.
    User(UserArgs),
    /// Copy an FMD SQLite file (fmd's or Python FMD's) into the PostgreSQL database `--db` names, so a
    /// service moving to a shared server keeps its history.
    Import(ImportArgs),
    /// FMD's configuration file: `fmd config import fmd.cfg > fmd.toml` converts it.
    Config(ConfigArgs),
}

/// `fmd config ...`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// What to do with a configuration.
    #[command(subcommand)]
    pub action: ConfigAction,
}

/// `fmd config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Convert FMD's INI file into fmd.toml on standard output (each value commented with the FMD option it
    /// came from; options fmd does not have are warned about on stderr; a clear-text PASSWORD is hashed).
    Import {
        /// FMD's configuration file (e.g. `fmd.cfg`).
        file: PathBuf,
    },
    /// Print the configuration in effect (file, then environment variables) as fmd.toml; the password hash and
    /// the database URL's password are hidden.
    Show,
}

/// `fmd import FILE --db postgres://...`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The SQLite file to copy (only read; its table prefix is detected).
    pub file: std::path::PathBuf,
}

/// `fmd web`.
#[derive(Debug, Args, Clone)]
pub struct WebArgs {
    /// Address to listen on (loopback by default; anything else exposes the dashboard to the network).
    #[arg(long, default_value = "127.0.0.1:8050", value_name = "ADDR:PORT")]
    pub listen: std::net::SocketAddr,
    /// Mark the session cookie Secure (the dashboard is reached over HTTPS through a reverse proxy).
    #[arg(long)]
    pub secure_cookies: bool,
}

/// `fmd user ...`.
#[derive(Debug, Args)]
#[command(after_help = "Passwords are asked twice without echo when standard input is a terminal, else read as \
one line of standard input (printf '%s\\n' \"$PW\" | fmd user add alice); never from a flag. At least 8 \
characters. Hashes are Argon2id by default; --werkzeug stores Werkzeug's pbkdf2 format, which Python FMD's \
login checks too.")]
pub struct UserArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: UserAction,
}

/// User management (passwords: see [`UserArgs`]'s help).
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add a user.
    Add {
        /// Username (exactly as typed at the login; at most 250 characters).
        name: String,
        /// Make the user an admin (may change levels and manage users).
        #[arg(long)]
        admin: bool,
        /// Store the password in Werkzeug's pbkdf2 format (pbkdf2:sha256:1000000), which Python FMD's login
        /// checks too, so the user can log in to both. Default: Argon2id, which only fmd checks.
        #[arg(long)]
        werkzeug: bool,
    },
    /// Set a user's password.
    Passwd {
        /// Username.
        name: String,
        /// Store the new password in Werkzeug's pbkdf2 format, which Python FMD's login checks too (default:
        /// Argon2id, which only fmd checks).
        #[arg(long)]
        werkzeug: bool,
    },
    /// Remove a user (never the only admin); asks first.
    Remove {
        /// Username.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// List the users: id, name, admin, the scheme of the password hash (never the hash).
    List {
        /// Print JSON: `[{id, username, is_admin, scheme}]`.
        #[arg(long)]
        json: bool,
    },
    /// For scripts: reads a password as one line of standard input; exit 0 when it is NAME's, 1 when not,
    /// 2 when there is no such user or its hash cannot be checked.
    #[command(hide = true)]
    Check {
        /// Username.
        name: String,
    },
}

/// `fmd tui`.
#[derive(Debug, Args, Default)]
pub struct TuiArgs {
    /// Start of a custom time window, shown first and cycled with `[` `]` after `all`: RFC 3339, a local date
    /// or time, `today`, or an age like `7d`.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the custom time window (exclusive), same forms as --from (default: no end).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Leave the mouse to the terminal (its own text selection) instead of clicks and the wheel.
    #[arg(long)]
    pub no_mouse: bool,
}

/// `fmd prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete requests older than this (e.g. 90d, 12w).
    #[arg(long, value_name = "DURATION")]
    pub older_than: String,
    /// Keep custom graph data older than the cutoff (deleted by default, as FMD's option does).
    #[arg(long)]
    pub keep_custom_graphs: bool,
    /// Count what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Compact the file afterwards (VACUUM; needs free disk space the size of the database).
    #[arg(long)]
    pub vacuum: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `fmd endpoint ...`.
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: EndpointAction,
}

/// Endpoint housekeeping.
#[derive(Debug, Subcommand)]
pub enum EndpointAction {
    /// Delete an endpoint and all its requests.
    Delete {
        /// Endpoint name as stored.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Move every request of FROM to INTO and delete FROM (e.g. after renaming a route).
    Merge {
        /// The endpoint that goes away.
        from: String,
        /// The endpoint that keeps the requests.
        into: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// `fmd show VIEW`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Which view.
    #[arg(value_enum)]
    pub view: View,
    /// Print JSON (the default is aligned text).
    #[arg(long)]
    pub json: bool,
    /// The endpoint, by name as stored (e.g. `/users/{id}`); required by endpoint views.
    #[arg(long, value_name = "NAME")]
    pub endpoint: Option<String>,
    /// Start of the time window: RFC 3339, a local date or time, `today`, or an age like `7d` (default: all
    /// time; hourly and daily: `--days` days ending today).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the time window (exclusive), same forms as --from (default: no end).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Hourly and daily views: how many local days, ending today (or the day before --to).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: Option<u32>,
    /// Rows at most (requests, error requests, outliers, exception groups, profiled requests).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub limit: u64,
    /// Rows to skip (requests, outliers, profiled requests).
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Profiler: show this request's call tree instead of the list of profiled requests.
    #[arg(long, value_name = "ID")]
    pub request: Option<i64>,
    /// Users or IPs in the version matrices (busiest first).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub top: u64,
    /// `fmd show requests`' filters and order.
    #[command(flatten)]
    pub requests: Box<RequestArgs>,
    /// Report: compare the current day, ISO week or month with the previous one.
    #[arg(long, value_enum, conflicts_with_all = ["compare_version", "baseline_from"])]
    pub preset: Option<ReportPreset>,
    /// Report: the baseline window's start (with --from/--to for the compared window).
    #[arg(long, value_name = "TIME", requires = "baseline_to")]
    pub baseline_from: Option<String>,
    /// Report: the baseline window's end.
    #[arg(long, value_name = "TIME", requires = "baseline_from")]
    pub baseline_to: Option<String>,
    /// Report: compare the requests of this version ...
    #[arg(long, value_name = "VERSION", requires = "baseline_version")]
    pub compare_version: Option<String>,
    /// Report: ... with those of this one.
    #[arg(long, value_name = "VERSION", requires = "compare_version")]
    pub baseline_version: Option<String>,
}

/// `fmd show requests`' filters and order (boxed in [`ShowArgs`]: most views never use them).
#[derive(Debug, Args, Clone, Default)]
pub struct RequestArgs {
    /// Requests: only these status codes (`404`, `5xx`, `400-499`).
    #[arg(long, value_name = "CODES")]
    pub status: Option<String>,
    /// Requests: only this user (group-by); a trailing `*` matches a prefix.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Requests: only this client IP; a trailing `*` matches a prefix (`10.0.*`).
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<String>,
    /// Requests: only this version requested; a trailing `*` matches a prefix.
    #[arg(long, value_name = "VERSION")]
    pub app_version: Option<String>,
    /// Requests: newest first (`time`, the default) or longest first (`duration`).
    #[arg(long, value_enum)]
    pub sort: Option<RequestSort>,
}

/// Orders of `fmd show requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RequestSort {
    /// Newest first.
    Time,
    /// Longest first.
    Duration,
}

/// Report presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportPreset {
    /// Today vs yesterday.
    Day,
    /// This ISO week vs the last one.
    Week,
    /// This month vs the last one.
    Month,
}

/// The views `fmd show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// Per endpoint: hits and error hits today / 7 days / overall, medians, last request (FMD's /api/overview).
    Overview,
    /// Requests per local hour and day (FMD's hourly_load); --endpoint for one endpoint.
    Hourly,
    /// Requests per local day per endpoint (FMD's /api/requests).
    Daily,
    /// Versions with their first use; without --endpoint also each endpoint's share per version, with it the
    /// duration summary per version.
    Versions,
    /// Duration summary (box plot numbers) per endpoint.
    ApiPerformance,
    /// Status-code distribution and latest error requests (per endpoint, or of --endpoint).
    StatusCodes,
    /// One endpoint's summary: hits, errors, median, first and last request, versions.
    Endpoint,
    /// Median and 95th percentile per time bucket (hours up to 48 h, days from 30 d); --endpoint for one.
    Latency,
    /// An endpoint's requests per group-by value (FMD's users).
    Users,
    /// An endpoint's requests per client IP.
    Ips,
    /// Median duration per user and version for an endpoint.
    UserVersions,
    /// Median duration per IP and version for an endpoint.
    IpVersions,
    /// An endpoint's most recent requests.
    Requests,
    /// Which endpoints changed between two windows or versions (Mood's median test, status-code shares).
    Report,
    /// Custom graphs (FMD's add_graph) with their values in the window (FMD's /api/custom_graphs and
    /// /api/custom_graph).
    Graphs,
    /// An endpoint's outliers, newest first, with their requests (FMD's num_outliers and outlier_table).
    Outliers,
    /// Exception groups (type, message, stack) with counts and their stacks, newest first; --endpoint for one
    /// endpoint (FMD's exception_occurrence).
    Exceptions,
    /// An endpoint's profiled requests (level 3), newest first; with --request ID that request's call tree
    /// (FMD's num_profiled and profiler_table).
    Profiler,
    /// FMD's grouped profiler of an endpoint: its last 100 profiled requests merged line by line (FMD's
    /// grouped_profiler keys).
    GroupedProfiler,
}

/// `fmd info [--json]`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print the details as JSON (stable keys).
    #[arg(long)]
    pub json: bool,
}

/// `fmd level [ENDPOINT [LEVEL]]`.
#[derive(Debug, Args)]
pub struct LevelArgs {
    /// Endpoint name as stored (e.g. `/users/{id}`); without it, every endpoint's level is shown.
    pub endpoint: Option<String>,
    /// The level to set: 0 = last request time only, 1 = every request, 2 = plus outliers, 3 = plus profiler.
    /// Without it, the endpoint's level is shown.
    #[arg(value_parser = clap::value_parser!(u8).range(0..=3))]
    pub level: Option<u8>,
    /// Print the levels as JSON: `[{id, name, level}]`.
    #[arg(long)]
    pub json: bool,
}

/// `fmd demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many requests to send.
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub requests: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub concurrency: u64,
    /// Seed of the request mix.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Do not open the console afterwards.
    #[arg(long)]
    pub no_tui: bool,
    /// Serve the demo's database in the web dashboard instead of opening the console (needs `--features
    /// web`; prints a one-time password for the demo's admin).
    #[arg(long)]
    pub web: bool,
    /// Where `--web` listens.
    #[arg(long, default_value = "127.0.0.1:8050", value_name = "ADDR:PORT", requires = "web")]
    pub listen: std::net::SocketAddr,
    /// Days of history written before the live load into a file without requests (0: none).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(0..=365))]
    pub history_days: u32,
}

/// `fmd generate` (its arguments live with the command).
pub use crate::commands::GenerateArgs;

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
