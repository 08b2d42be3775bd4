//! Runs the console on a database without the `fmd` binary:
//! `cargo run -p fmd-tui --example console -- path/to/file.db [--now 2026-11-27T22:56:55Z] [--no-color]`.

use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut db = None;
    let mut clock = None;
    let mut colors = std::env::var_os("NO_COLOR").is_none();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--now" => clock = args.next().and_then(|t| t.parse().ok()),
            "--no-color" => colors = false,
            _ => db = Some(arg),
        }
    }
    let Some(db) = db else {
        eprintln!("usage: console <file.db> [--now RFC3339] [--no-color]");
        std::process::exit(2);
    };
    let options = fmd_tui::ConsoleOptions {
        title: db.clone(),
        backend: std::sync::Arc::new(fmd_core::backend::SqliteBackend::new(&db, None)),
        timezone: chrono_tz::UTC,
        clock,
        refresh: Duration::from_secs(1),
        colors,
        window: (None, None),
        outliers: Default::default(),
        mouse: true,
        config: None,
    };
    if let Err(error) = fmd_tui::run(options) {
        eprintln!("fmd: {error}");
        std::process::exit(1);
    }
}
