//! `fmd import FILE --db postgres://...`: an FMD SQLite file's rows copied into a PostgreSQL database (FMD's
//! tables created there first if missing), ids kept, in one transaction; refused when the database already
//! holds requests or endpoints, whose ids would collide.

use fmd_core::Store;
use fmd_pg::import::import_sqlite;
use fmd_pg::PgStore;

use crate::cli::ImportArgs;
use crate::failure::Failure;
use crate::settings::Settings;

/// Copies `args.file` into the settings' PostgreSQL database and says how many rows went.
pub fn run(settings: &Settings, args: &ImportArgs) -> Result<(), Failure> {
    let Some(url) = &settings.server else {
        return Err(Failure::Input(
            "import: --db (or database.url) must name the PostgreSQL database to copy into, e.g. \
             --db postgres://fmd@localhost/fmd"
                .into(),
        ));
    };
    // Opening it checks that the file is an FMD database and finds its table prefix.
    let source_prefix = Store::open_reader(&args.file, None)?.tables().prefix().to_string();
    let prefix = settings.table_prefix.clone().unwrap_or_else(|| source_prefix.clone());
    let target = PgStore::open_writer(url, &prefix)?;
    if !target.endpoint_levels()?.is_empty() {
        return Err(Failure::Input(format!(
            "{}: already holds endpoints (table prefix {prefix:?}); import copies ids, so it needs an empty database \
             or another --table-prefix",
            target.location()
        )));
    }
    let report = import_sqlite(&args.file, &source_prefix, &target)?;
    let rows: u64 = report.iter().map(|(_, n)| n).sum();
    let requests = report.iter().find(|(t, _)| t == "Request").map_or(0, |(_, n)| *n);
    crate::output::println(&format!(
        "copied {} into {}: {requests} requests, {rows} rows in {} tables",
        args.file.display(),
        target.location(),
        report.iter().filter(|(_, n)| *n > 0).count()
    ))
}
