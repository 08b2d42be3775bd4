//! `fmd level [ENDPOINT [LEVEL]]`: shows the monitoring levels (all endpoints or one), or sets one.

use fmd_core::store::EndpointLevel;
use fmd_core::{Store, StoreError};
use fmd_pg::PgStore;
use serde::Serialize;

use crate::cli::LevelArgs;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::table::{output_width, Table};

/// Sets the level (running recorders pick it up within their poll period), or prints the levels.
pub fn run(settings: &Settings, args: &LevelArgs) -> Result<(), Failure> {
    match (&args.endpoint, args.level) {
        (Some(endpoint), Some(level)) => {
            let prefix = settings.table_prefix.as_deref();
            match &settings.server {
                Some(url) => PgStore::open_editor(url, prefix)?.set_level(endpoint, level)?,
                None => Store::open_editor(&settings.db, prefix)?.set_level(endpoint, level)?,
            }
            let location = crate::database::location(settings);
            crate::output::println(&format!("{location}: level {level} for {endpoint:?}"))
        }
        (endpoint, _) => {
            let mut levels = crate::database::quick_views(settings)?.source.endpoint_levels()?;
            levels.sort_by(|a, b| a.name.cmp(&b.name));
            if let Some(name) = endpoint {
                levels.retain(|e| &e.name == name);
                if levels.is_empty() {
                    let path = crate::database::location(settings).into();
                    return Err(StoreError::UnknownEndpoint { path, name: name.clone() }.into());
                }
            }
            if args.json {
                let json: Vec<LevelJson> =
                    levels.iter().map(|e| LevelJson { id: e.id, name: &e.name, level: e.level }).collect();
                crate::output::println(&serde_json::to_string_pretty(&json).map_err(Failure::runtime)?)
            } else {
                crate::output::print(&text(&levels, output_width()))
            }
        }
    }
}

/// One endpoint's level in `fmd level --json`.
#[derive(Serialize)]
struct LevelJson<'a> {
    id: i64,
    name: &'a str,
    /// `null` when the stored level is NULL or outside 0-3.
    level: Option<u8>,
}

/// What each level records.
fn meaning(level: Option<u8>) -> &'static str {
    match level {
        Some(0) => "time of the last request only",
        Some(1) => "every request",
        Some(2) => "every request, outliers",
        Some(3) => "every request, outliers, profiler",
        _ => "unset or invalid",
    }
}

/// The levels as a table: endpoint, level, what it records.
fn text(levels: &[EndpointLevel], width: usize) -> String {
    let mut table = Table::new(["endpoint", "level", "records"]);
    for e in levels {
        let level = e.level.map_or_else(|| "-".to_string(), |l| l.to_string());
        table.row([e.name.clone(), level, meaning(e.level).to_string()]);
    }
    if table.is_empty() {
        return "(no endpoints)\n".into();
    }
    table.render(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_as_a_table() {
        let levels = [
            EndpointLevel { id: 1, name: "/users/{id}".into(), level: Some(3) },
            EndpointLevel { id: 2, name: "/".into(), level: None },
        ];
        assert_eq!(
            text(&levels, 80),
            "endpoint     level  records\n/users/{id}      3  every request, outliers, profiler\n/                -  unset or invalid\n"
        );
    }
}
