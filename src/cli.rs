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
    /// Configuration file (default: $FMD_CONFIG, else ./fmd.toml when present, else built-in defaults).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database file (default: `database.path` from the configuration).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Table prefix (default: from the configuration, or detected from the file when unambiguous).
    #[arg(long, global = true, value_name = "PREFIX")]
    pub table_prefix: Option<String>,
    /// Time zone for days and hours, an IANA name or `local` (default: `visualization.timezone`).
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Compute "today" and "last 7 days" at this instant (RFC 3339) instead of the clock.
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,
    /// No colours in the console (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console (the default).
    Tui,
    /// Print a view.
    Show(ShowArgs),
    /// Set an endpoint's monitoring level (running recorders pick it up within a second).
    Level(LevelArgs),
    /// Run a self-contained demo: a monitored axum service, a load against it, then the console.
    Demo(DemoArgs),
    /// Write a realistic synthetic FMD-format database (for benchmarks and trying the console).
    Generate(GenerateArgs),
}

/// `fmd show VIEW`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Which view.
    #[arg(value_enum)]
    pub view: View,
    /// Print JSON (the default is an aligned text table).
    #[arg(long)]
    pub json: bool,
}

/// The views `fmd show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// Per endpoint: hits and error hits today / 7 days / overall, medians, last request (FMD's /api/overview).
    Overview,
}

/// `fmd level ENDPOINT LEVEL`.
#[derive(Debug, Args)]
pub struct LevelArgs {
    /// Endpoint name as stored (e.g. `/users/{id}`).
    pub endpoint: String,
    /// 0 = last request time only, 1 = every request, 2 = plus outliers, 3 = plus profiler.
    #[arg(value_parser = clap::value_parser!(u8).range(0..=3))]
    pub level: u8,
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
}

/// `fmd generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many requests to write.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub requests: u64,
    /// How many endpoints.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub endpoints: u32,
    /// Days of traffic, ending at --end.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// End of the period (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub end: Option<String>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Add to an existing database instead of refusing it.
    #[arg(long)]
    pub append: bool,
}
