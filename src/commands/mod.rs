//! One module per command; [`run`] dispatches.

mod config;
mod console;
mod endpoint;
mod generate;
mod import;
mod info;
pub use generate::GenerateArgs;
mod prune;

pub use console::run as open_console;
mod level;
mod show;
mod user;
pub mod web;

use crate::cli::{Cli, Command, TuiArgs};
use crate::failure::Failure;
use crate::settings::Settings;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    // Converting FMD's file needs no (possibly broken) configuration in effect.
    if let Some(Command::Config(crate::cli::ConfigArgs { action: crate::cli::ConfigAction::Import { file } })) =
        &cli.command
    {
        return config::import(file);
    }
    let settings = Settings::resolve(&cli.common)?;
    match cli.command {
        None => console::run(&settings, &TuiArgs::default()),
        Some(Command::Tui(args)) => console::run(&settings, &args),
        Some(Command::Show(args)) => show::run(&settings, &args),
        Some(Command::Level(args)) => level::run(&settings, &args),
        Some(Command::Info(args)) => info::run(&settings, &args),
        Some(Command::Demo(args)) => crate::demo::run(&cli.common, settings, &args),
        Some(Command::Generate(mut args)) => {
            // --end takes every time form, local ones in --tz and ages from --now; generate gets RFC 3339.
            if let Some(end) = &args.end {
                let end = crate::settings::parse_flag("--end", end, settings.now_or_clock(), settings.tz)?;
                args.end = Some(fmd_core::timefmt::rfc3339(end));
            }
            let db = cli.common.db.as_deref().ok_or_else(|| {
                Failure::Input(
                    "generate: --db PATH|URL is required (it never writes into the configured database)".into(),
                )
            })?;
            let destination = match &settings.server {
                Some(url) => generate::Destination::Server(url),
                None => generate::Destination::File(db),
            };
            generate::run(destination, &args, &settings.config.database.table_prefix)
        }
        Some(Command::Prune(args)) => prune::run(&settings, &args),
        Some(Command::Endpoint(args)) => endpoint::run(&settings, &args),
        Some(Command::Web(args)) => web::run(&settings, &args),
        Some(Command::User(args)) => user::run(&settings, &args),
        Some(Command::Import(args)) => import::run(&settings, &args),
        Some(Command::Config(_)) => config::show(&settings.config),
    }
}
