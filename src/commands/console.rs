//! `fmd` / `fmd tui`: opens the console.

use std::time::Duration;

use crate::failure::Failure;
use crate::settings::Settings;

/// Opens the console on the settings' database; a bad file is reported before the terminal is touched.
pub fn run(settings: &Settings) -> Result<(), Failure> {
    crate::summaries::prepare(&settings.db, settings.table_prefix.as_deref())?;
    let options = fmd_tui::ConsoleOptions {
        db: settings.db.clone(),
        table_prefix: settings.table_prefix.clone(),
        timezone: settings.tz,
        clock: settings.now,
        refresh: Duration::from_secs(1),
        colors: settings.colors,
    };
    fmd_tui::run(options).map_err(|e| match e {
        fmd_tui::ConsoleError::Store(e) => Failure::from(e),
        other => Failure::runtime(other),
    })
}
