//! The real [`Source`]: the dashboard layer's answers ([`fmd_core::dashboard::answer`]) with the console's
//! limits, the summaries kept current before each overview, and the housekeeping the console previews and runs.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::backend::{Backend, Reader};
use fmd_core::dashboard::info::{Database, DeploymentInfo};
use fmd_core::dashboard::{self, Limits, ViewRequest};
use fmd_core::store::DeletedRows;
use fmd_core::StoreError;

use super::reuse::Reuse;
use super::{Housekeeping, Overview, Source};
use crate::nav::Window;
use crate::views::{ViewData, ViewKey, ViewKind};

/// Time the worker spends bringing the summary tables up to date before each overview.
const SUMMARY_SLICE: std::time::Duration = std::time::Duration::from_millis(150);

/// The real source: a reading connection for queries; level writes and housekeeping open a short-lived editor
/// on the same database (a SQLite file or a PostgreSQL database: whatever the [`Backend`] opens).
pub struct StoreSource {
    store: Box<dyn Reader>,
    backend: Arc<dyn Backend>,
    timezone: Tz,
    reuse: Reuse,
    /// Queries run (answers not reused), for tests.
    queries: u64,
    /// The configuration in effect, for the info popup (`None`: not known).
    config: Option<fmd_core::Config>,
}

impl StoreSource {
    /// Forgets the kept answers and reconnects (a new connection has checked nothing yet), so the next view
    /// costs what it costs on a database that has just changed (the timing benchmark's cold runs).
    #[cfg(test)]
    pub(crate) fn forget(&mut self) {
        self.reuse.clear();
        if let Ok(store) = self.backend.reader() {
            self.store = store;
        }
    }

    /// Opens a reader on `backend`; `timezone` decides where "today" starts and which local hour a request
    /// is in.
    pub fn open(backend: Arc<dyn Backend>, timezone: Tz) -> Result<StoreSource, StoreError> {
        let store = backend.reader()?;
        Ok(StoreSource { store, backend, timezone, reuse: Reuse::default(), queries: 0, config: None })
    }

    /// The source with the configuration in effect, which the info popup shows (secrets hidden).
    pub fn with_config(mut self, config: Option<fmd_core::Config>) -> StoreSource {
        self.config = config;
        self
    }

    /// A source on an open SQLite store (the tests').
    #[cfg(test)]
    pub(crate) fn new(store: fmd_core::Store, timezone: Tz) -> StoreSource {
        let prefix = store.tables().prefix().to_string();
        let backend = Arc::new(fmd_core::backend::SqliteBackend::new(store.path(), Some(&prefix)));
        StoreSource { store: Box::new(store), backend, timezone, reuse: Reuse::default(), queries: 0, config: None }
    }

    /// How many view queries ran (answers given again from [`Reuse`] not counted).
    #[cfg(test)]
    pub(crate) fn queries_run(&self) -> u64 {
        self.queries
    }

    /// The dashboard layer's answer for `key` with the console's limits.
    fn query(&self, key: ViewKey, now: DateTime<Utc>, limit: usize) -> Result<ViewData, String> {
        let request = ViewRequest { key, now, zone: self.timezone, limits: Limits::console(limit), days: None };
        dashboard::answer(&*self.store, &request).map_err(|e| e.to_string())
    }
}

impl Source for StoreSource {
    fn overview(&mut self, now: DateTime<Utc>) -> Result<Overview, String> {
        // Keep fmd's summary tables current with what recorders wrote since the last refresh, in a short slice
        // (the `fmd` binary builds them in full, with a progress bar, before the console opens). A read-only
        // file or another process holding the build lease only means the views answer directly.
        let _ = self.store.catch_up(SUMMARY_SLICE);
        match self.query(ViewKey { kind: ViewKind::Overview, window: Window::All, endpoint: None }, now, 0)? {
            ViewData::Overview(overview) => Ok(*overview),
            other => Err(format!("the overview answered {other:?}")),
        }
    }

    fn view(&mut self, key: ViewKey, now: DateTime<Utc>, limit: usize) -> Result<ViewData, String> {
        // Read before the query: a commit during it changes the version, so its answer is not reused.
        let version = if key.kind.answer_is_timeless(key.window) { self.store.data_version().ok() } else { None };
        if let Some(data) = version.and_then(|v| self.reuse.get(key, limit, v)) {
            return Ok(data);
        }
        self.queries += 1;
        let data = self.query(key, now, limit)?;
        if let Some(version) = version {
            self.reuse.keep(key, limit, version, data.clone());
        }
        Ok(data)
    }

    fn interrupter(&self) -> Option<super::Interrupter> {
        self.store.interrupter()
    }

    fn set_level(&mut self, name: &str, level: u8) -> Result<(), String> {
        let editor = self.backend.editor().map_err(|e| e.to_string())?;
        editor.set_level(name, level).map_err(|e| e.to_string())
    }

    fn preview(&mut self, op: &Housekeeping) -> Result<DeletedRows, String> {
        fmd_core::dashboard::housekeeping::preview(&*self.store, op).map_err(|e| e.to_string())
    }

    fn apply(&mut self, op: &Housekeeping) -> Result<String, String> {
        let e = |error: StoreError| error.to_string();
        let editor = self.backend.editor().map_err(e)?;
        fmd_core::dashboard::housekeeping::apply(&*editor, op, crate::format::count).map_err(e)
    }

    fn info(&mut self, now: DateTime<Utc>) -> Result<DeploymentInfo, String> {
        let location = self.backend.location();
        let file = Some(std::path::PathBuf::from(&location)).filter(|path| path.is_file());
        let database = Database { kind: self.backend.kind(), location, file: file.as_deref() };
        DeploymentInfo::read(&*self.store, database, self.config.as_ref(), now, self.timezone)
            .map_err(|e| e.to_string())
    }
}
