//! `fmd`: the command line that ties the recorder and the console together.
//!
//! Exit codes: 0 success (also when the reader closes standard output early), 1 runtime failure, 2 bad input
//! (arguments, configuration, database file).

mod cli;
mod commands;
mod confirm;
mod database;
mod demo;
mod failure;
mod generate;
mod output;
mod rng;
mod settings;
mod summaries;
mod table;
mod timearg;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging();
    match commands::run(cli) {
        Ok(()) | Err(failure::Failure::ClosedPipe) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("fmd: {}", one_line(&failure.to_string()));
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

/// Error text on one line with control characters escaped: messages can quote database content (SQLite
/// echoes a damaged schema), which must not drive the terminal.
fn one_line(text: &str) -> String {
    text.trim_end().chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_are_one_escaped_line() {
        assert_eq!(super::one_line("a\nb\u{1b}]0;x\u{7}\n"), "a\\nb\\u{1b}]0;x\\u{7}");
    }
}
