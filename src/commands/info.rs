//! `fmd info [--json]`: the deployment's details ([`DeploymentInfo`]), as aligned text or JSON.

use fmd_core::dashboard::info::{Database, DeploymentInfo};

use crate::cli::InfoArgs;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::table::clean;

/// Prints the details of the configured database and configuration.
pub fn run(settings: &Settings, args: &InfoArgs) -> Result<(), Failure> {
    let backend = crate::database::checked_backend(settings)?;
    let reader = backend.reader()?;
    let file = settings.server.is_none().then_some(settings.db.as_path());
    let kind = backend.kind();
    let config = in_effect(settings);
    let info = DeploymentInfo::read(
        &*reader,
        Database { kind, location: backend.location(), file },
        Some(&config),
        settings.now_or_clock(),
        settings.tz,
    )?;
    if args.json {
        let text = serde_json::to_string_pretty(&info).map_err(Failure::runtime)?;
        crate::output::println(&text)
    } else {
        crate::output::print(&text(&info, settings.tz))
    }
}

/// The configuration with the database in effect (the one `--db` names, when it names one; a server's URL
/// without its password).
pub(crate) fn in_effect(settings: &Settings) -> fmd_core::Config {
    let mut config = settings.config.clone();
    match &settings.server {
        Some(url) => config.database.url = Some(url.location()),
        None => {
            config.database.url = None;
            config.database.path = settings.db.clone();
        }
    }
    config
}

/// The details as aligned `label  value` lines, then the configuration in effect.
fn text(info: &DeploymentInfo, tz: chrono_tz::Tz) -> String {
    let facts = info.facts(tz);
    let width = facts.iter().map(|(label, _)| label.len()).chain(info.config.iter().map(|s| s.key.len())).max();
    let width = width.unwrap_or(0);
    let mut out = String::new();
    for (label, value) in &facts {
        out.push_str(&format!("{label:<width$}  {}\n", clean(value)));
    }
    out.push_str("\nconfiguration in effect\n");
    for setting in &info.config {
        out.push_str(&format!("{:<width$}  {}\n", setting.key, clean(&setting.value)));
    }
    out
}
