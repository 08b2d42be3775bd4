//! `fmd`: the command line that ties the recorder and the console together.
//!
//! Exit codes: 0 success, 1 runtime failure, 2 bad input (arguments, configuration, database file).

mod cli;
mod commands;
mod confirm;
mod demo;
mod failure;
mod rng;
mod settings;
mod summaries;
mod timearg;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("fmd: {failure}");
            failure.exit_code()
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FMD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}
