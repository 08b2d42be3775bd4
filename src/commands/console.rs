//! `fmd` / `fmd tui`: opens the console.

use std::time::Duration;

use crate::cli::TuiArgs;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::timearg;

/// Opens the console on the settings' database; a bad file or window is reported before the terminal is
/// touched.
pub fn run(settings: &Settings, args: &TuiArgs) -> Result<(), Failure> {
    let now = settings.now_or_clock();
    let instant = |flag: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| timearg::parse_instant(t, now, settings.tz).map_err(|e| Failure::Input(format!("{flag}: {e}"))))
            .transpose()
    };
    let (from, to) = (instant("--from", &args.from)?, instant("--to", &args.to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(Failure::Input(format!("--from ({f}) must be before --to ({t})")));
        }
    }
    if settings.server.is_none() {
        crate::summaries::prepare(&settings.db, settings.table_prefix.as_deref())?;
    }
    let options = fmd_tui::ConsoleOptions {
        backend: crate::database::checked_backend(settings)?,
        title: crate::database::title(settings),
        timezone: settings.tz,
        clock: settings.now,
        refresh: Duration::from_secs(1),
        colors: settings.colors,
        window: (from, to),
        outliers: fmd_tui::OutlierRule {
            constant: settings.config.dashboard.outlier_detection_constant,
            min_samples: settings.config.dashboard.outlier_min_samples,
        },
        mouse: !args.no_mouse,
        config: Some(super::info::in_effect(settings)),
    };
    fmd_tui::run(options).map_err(|e| match e {
        fmd_tui::ConsoleError::Store(e) => Failure::from(e),
        other => Failure::runtime(other),
    })
}
