//! `fmd generate`: writes a realistic FMD-format database through the normal store code (see
//! [`crate::generate`]), in the shape of a preset (`--shape`) with any of its distributions overridden.

use std::path::Path;

use chrono::{DateTime, Utc};
use clap::Args;
use fmd_core::backend::Writer;
use fmd_core::Store;
use indicatif::{ProgressBar, ProgressStyle};

use crate::failure::Failure;
use crate::generate::shape::{even_versions, parse_codes, Load, Shape};
use crate::generate::{start_of, write, Traffic};

/// `fmd generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many requests to write.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub requests: u64,
    /// Preset of the distributions below: default, heavy-tail, many-ips, many-versions, uniform.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub shape: String,
    /// How many endpoints (default: the shape's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub endpoints: Option<u32>,
    /// Spread of the load over the endpoints: uniform, zipf or zipf:S (share of the k-th ∝ 1/k^S).
    #[arg(long, value_name = "LOAD")]
    pub load: Option<String>,
    /// Distinct users (group-by values).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub users: Option<u32>,
    /// Distinct client IP addresses (default shape: a few per user's subnet).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=16_000_000))]
    pub ips: Option<u32>,
    /// Share of failed requests, the same on every endpoint, 0-1 (default shape: varied per endpoint).
    #[arg(long, value_name = "RATE")]
    pub error_rate: Option<f64>,
    /// Status codes of failed requests, comma separated (e.g. 404,500,503,401).
    #[arg(long, value_name = "CODES")]
    pub error_codes: Option<String>,
    /// Versions, of equal length over the period.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub versions: Option<u32>,
    /// Days of traffic, ending at --end.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: Option<u32>,
    /// End of the period: RFC 3339, a local date or time, `today`, or an age like `24h` (default: now).
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Add to an existing database instead of refusing it.
    #[arg(long)]
    pub append: bool,
}

impl GenerateArgs {
    /// The preset named by `--shape` with the flags given on top of it.
    pub fn resolved_shape(&self) -> Result<Shape, Failure> {
        let mut shape = Shape::preset(&self.shape)?;
        if let Some(n) = self.endpoints {
            shape.endpoints = n;
        }
        if let Some(load) = &self.load {
            shape.load = Load::parse(load)?;
        }
        if let Some(n) = self.users {
            shape.users = n;
        }
        if let Some(n) = self.ips {
            shape.ips = Some(n);
        }
        if let Some(rate) = self.error_rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(Failure::Input(format!("--error-rate {rate}: expected a share from 0 to 1 (e.g. 0.04)")));
            }
            shape.error_rate = Some(rate);
        }
        if let Some(codes) = &self.error_codes {
            shape.error_codes = parse_codes(codes)?;
        }
        if let Some(n) = self.versions {
            shape.versions = even_versions(n);
        }
        if let Some(days) = self.days {
            shape.days = days;
        }
        Ok(shape)
    }
}

/// Where `fmd generate` writes: a new SQLite file, or a PostgreSQL database (its FMD tables created if missing).
pub enum Destination<'a> {
    /// A SQLite file.
    File(&'a Path),
    /// A PostgreSQL database.
    Server(&'a fmd_pg::PgUrl),
}

/// Generates the database described by `args` into `destination`.
pub fn run(destination: Destination<'_>, args: &GenerateArgs, prefix: &str) -> Result<(), Failure> {
    let shape = args.resolved_shape()?;
    let end: DateTime<Utc> = match &args.end {
        Some(text) => crate::settings::parse_now(text)?,
        None => Utc::now(),
    };
    let (mut store, location): (Box<dyn Writer>, String) = match destination {
        Destination::File(db) => {
            if db.exists() && !args.append {
                return Err(Failure::Input(format!("{}: already exists; pass --append to add to it", db.display())));
            }
            (Box::new(Store::open_writer(db, prefix)?), db.display().to_string())
        }
        Destination::Server(url) => {
            let store = fmd_pg::PgStore::open_writer(url, prefix)?;
            if !args.append && store.first_request_time()?.is_some() {
                return Err(Failure::Input(format!(
                    "{}: already holds requests; pass --append to add to them",
                    store.location()
                )));
            }
            let location = store.location().to_string();
            (Box::new(store), location)
        }
    };
    let bar = ProgressBar::new(args.requests);
    bar.set_style(
        ProgressStyle::with_template("{spinner} writing {pos}/{len} requests [{bar:40}] {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let traffic = Traffic { shape: &shape, requests: args.requests, start: start_of(end, shape.days), seed: args.seed };
    let written = write(&mut *store, &traffic, &mut |n| bar.inc(n), &mut |_, _, _| {})?;
    bar.finish_and_clear();
    crate::output::println(&format!(
        "generated {} requests over {} days for {} endpoints in {}",
        written.requests,
        shape.days,
        written.endpoints.len(),
        location
    ))?;
    Ok(())
}
