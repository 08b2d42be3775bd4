//! The database a command uses: the SQLite file or the PostgreSQL database the settings name (`--db`,
//! `database.url`, `database.path`), opened for what the command does.

use std::sync::Arc;

use fmd_core::backend::{Backend, Editor, Reader, SqliteBackend};
use fmd_core::dashboard::ViewSource;
use fmd_pg::PgStore;

use crate::failure::Failure;
use crate::settings::Settings;

/// An open database for reading views, with the name it is printed under.
pub struct Views {
    /// The dashboard layer's reads.
    pub source: Box<dyn ViewSource>,
    /// The file's path or the server URL without its password.
    pub location: String,
}

/// Opens the configured database for views. A SQLite file gets its summary tables brought up to date first
/// (with a progress bar on a terminal); PostgreSQL answers from its indexes.
pub fn views(settings: &Settings) -> Result<Views, Failure> {
    if settings.server.is_none() {
        crate::summaries::prepare(&settings.db, settings.table_prefix.as_deref())?;
    }
    quick_views(settings)
}

/// Opens the configured database for a short read (the levels, one endpoint): nothing is prepared.
pub fn quick_views(settings: &Settings) -> Result<Views, Failure> {
    match &settings.server {
        Some(url) => {
            let store = PgStore::open_reader(url, settings.table_prefix.as_deref())?;
            Ok(Views { location: store.location().to_string(), source: Box::new(store) })
        }
        None => {
            let store = fmd_core::Store::open_reader(&settings.db, settings.table_prefix.as_deref())?;
            Ok(Views { location: settings.db.display().to_string(), source: Box::new(store) })
        }
    }
}

/// The database as it may be printed (a file's path, a URL without its password).
pub fn location(settings: &Settings) -> String {
    match &settings.server {
        Some(url) => url.location(),
        None => settings.db.display().to_string(),
    }
}

/// The configured database as a [`Backend`] (nothing is opened yet).
fn backend(settings: &Settings) -> Arc<dyn Backend> {
    match &settings.server {
        Some(url) => Arc::new(fmd_pg::PgBackend::new(url.clone(), settings.table_prefix.as_deref())),
        None => Arc::new(SqliteBackend::new(&settings.db, settings.table_prefix.as_deref())),
    }
}

/// The configured database as a [`Backend`] for front-ends that stay open (the console, the web dashboard):
/// they open readers and editors on it as they need them. A server is connected to once now, so one that is
/// not there or refuses is reported before a terminal is taken over or a port is bound.
pub fn checked_backend(settings: &Settings) -> Result<Arc<dyn Backend>, Failure> {
    let backend = backend(settings);
    if settings.server.is_some() {
        drop(backend.reader()?);
    }
    Ok(backend)
}

/// What a front-end's header calls the database: a file's name, a server's database and host.
pub fn title(settings: &Settings) -> String {
    match &settings.server {
        Some(url) => url.title(),
        None => {
            settings.db.file_name().map_or_else(|| settings.db.to_string_lossy(), |n| n.to_string_lossy()).into_owned()
        }
    }
}

/// A connection that may change the configured database (`fmd user`, `fmd endpoint`, `fmd prune`).
pub fn editor(settings: &Settings) -> Result<Box<dyn Editor>, Failure> {
    Ok(backend(settings).editor()?)
}

/// A reading connection to the configured database, nothing prepared (`fmd user list`).
pub fn reader(settings: &Settings) -> Result<Box<dyn Reader>, Failure> {
    Ok(backend(settings).reader()?)
}
