//! Readers for the blocking queries of handlers, the database's change counter, the answers kept while it
//! holds, and the background catch-up of the backend's accelerators (SQLite's summary tables).
//!
//! The pool holds one [`Backend`] (a SQLite file, a PostgreSQL database) and sees nothing else: connections
//! are not shared between threads, so a handler borrows an idle [`Reader`] (or opens one) on a blocking
//! thread, at most [`READERS`] at a time, and admin actions open a short-lived [`Editor`]. The change counter
//! is the `data_version` of one dedicated reader, which moves whenever any other connection (a recorder, a
//! console, `fmd prune`) commits; an answer is given again while it has not moved (and, for views that move
//! with the clock, for [`CLOCK_FRESH`]), which makes a page refreshed by many open dashboards cost one query.
//! While recorders write, the counter moves with every batch: an answer is then given again for
//! [`LIVE_FRESH`] (live pages poll every 5 s, so they still show each change within seconds), and dashboards
//! asking for the same view at once wait for one query instead of each running their own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fmd_core::backend::{Backend, Editor, Reader, SqliteBackend};
use fmd_core::dashboard::{self, DashboardError, ViewData, ViewRequest};
use fmd_core::StoreError;
use tokio::sync::Semaphore;

/// Queries that run at once (more wait for a reader).
pub const READERS: usize = 4;
/// How long an answer that moves with the clock (today, the last hour) is given again on an unchanged database.
pub const CLOCK_FRESH: Duration = Duration::from_secs(5);
/// How long an answer is given again although the database changed since (recorders writing all the time).
pub const LIVE_FRESH: Duration = Duration::from_secs(2);
/// Answers kept (the oldest go first).
const KEPT: usize = 256;
/// Time spent bringing the accelerators up to date after a change, per round.
const SUMMARY_SLICE: Duration = Duration::from_millis(300);
/// How often the background refresher looks for changes.
const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// Why a query has no answer.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The store failed (the message names the database).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The view has no answer.
    #[error(transparent)]
    Dashboard(#[from] DashboardError),
    /// The blocking thread died (a bug); the server goes on.
    #[error("a query thread failed: {0}")]
    Thread(String),
}

/// The readers of one database.
#[derive(Clone)]
pub struct Pool(Arc<Inner>);

struct Inner {
    backend: Arc<dyn Backend>,
    /// The database file, when the backend's location names one.
    file: Option<PathBuf>,
    idle: Mutex<Vec<Box<dyn Reader>>>,
    permits: Semaphore,
    watch: Mutex<Box<dyn Reader>>,
    kept: Mutex<Kept>,
    /// One lock per view being asked for, so that dashboards asking at once share one query.
    asking: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Kept {
    answers: HashMap<String, KeptAnswer>,
}

struct KeptAnswer {
    version: i64,
    at: Instant,
    timeless: bool,
    data: Arc<ViewData>,
}

impl Pool {
    /// Opens two readers on `backend` (checking that it holds an FMD database) and keeps them: one for
    /// queries, one for the change counter.
    pub fn new(backend: Arc<dyn Backend>) -> Result<Pool, StoreError> {
        let first = backend.reader()?;
        let watch = backend.reader()?;
        let file = Some(PathBuf::from(backend.location())).filter(|path| path.is_file());
        Ok(Pool(Arc::new(Inner {
            backend,
            file,
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(READERS),
            watch: Mutex::new(watch),
            kept: Mutex::new(Kept::default()),
            asking: Mutex::new(HashMap::new()),
        })))
    }

    /// [`Pool::new`] over the SQLite file `db` with the tables of `prefix` (`None`: detected).
    pub fn open(db: impl Into<PathBuf>, prefix: Option<&str>) -> Result<Pool, StoreError> {
        Pool::new(Arc::new(SqliteBackend::new(db, prefix)))
    }

    /// The backend the readers come from.
    pub fn backend(&self) -> &dyn Backend {
        &*self.0.backend
    }

    /// The database as it may be printed (a file's path; a server's URL without its password).
    pub fn location(&self) -> String {
        self.0.backend.location()
    }

    /// The database file, when the database is one.
    pub fn file(&self) -> Option<&Path> {
        self.0.file.as_deref()
    }

    /// The database's short name for headings: a file's name, else its location.
    pub fn name(&self) -> String {
        match self.file().and_then(Path::file_name) {
            Some(name) => name.to_string_lossy().into_owned(),
            None => self.location(),
        }
    }

    /// Runs `f` with a reader on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Reader) -> Result<T, PoolError> + Send + 'static,
    {
        let _permit = self.0.permits.acquire().await.map_err(|e| PoolError::Thread(e.to_string()))?;
        let inner = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let reader = match inner.idle.lock().map(|mut idle| idle.pop()) {
                Ok(Some(reader)) => reader,
                _ => inner.backend.reader()?,
            };
            let result = f(&*reader);
            if let Ok(mut idle) = inner.idle.lock() {
                idle.push(reader);
            }
            result
        })
        .await
        .map_err(|e| PoolError::Thread(e.to_string()))?
    }

    /// Runs `f` with a short-lived editor on a blocking thread (admin actions), then forgets the kept answers.
    pub async fn edit<T, F>(&self, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Editor) -> Result<T, PoolError> + Send + 'static,
    {
        let inner = Arc::clone(&self.0);
        let result = tokio::task::spawn_blocking(move || {
            let editor = inner.backend.editor()?;
            f(&*editor)
        })
        .await
        .map_err(|e| PoolError::Thread(e.to_string()))?;
        self.forget();
        result
    }

    /// The database's change counter: moves whenever another connection commits. Blocks on the database (a
    /// server's round trip): from async code, use [`Pool::current_version`].
    pub fn version(&self) -> Result<i64, PoolError> {
        let watch = self.0.watch.lock().map_err(|e| PoolError::Thread(e.to_string()))?;
        Ok(watch.data_version()?)
    }

    /// [`Pool::version`] on a blocking thread (PostgreSQL's client must not block an async worker).
    pub async fn current_version(&self) -> Result<i64, PoolError> {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.version()).await.map_err(|e| PoolError::Thread(e.to_string()))?
    }

    /// The dashboard layer's answer to `request`, given again while the database has not changed (views that move
    /// with the clock: for [`CLOCK_FRESH`] at most, unless the clock is pinned).
    pub async fn answer(&self, request: ViewRequest, pinned_clock: bool) -> Result<Arc<ViewData>, PoolError> {
        let key = format!("{:?}|{:?}|{:?}|{:?}", request.key, request.zone, request.limits, request.days);
        let timeless = pinned_clock || request.key.kind.answer_is_timeless(request.key.window);
        if let Some(data) = self.kept(&key, self.current_version().await?) {
            return Ok(data);
        }
        // One query per view at a time: who waited finds the answer of who asked first.
        let gate = match self.0.asking.lock() {
            Ok(mut asking) => Arc::clone(asking.entry(key.clone()).or_default()),
            Err(e) => return Err(PoolError::Thread(e.to_string())),
        };
        let _turn = gate.lock().await;
        let version = self.current_version().await?;
        if let Some(data) = self.kept(&key, version) {
            return Ok(data);
        }
        let data = Arc::new(self.run(move |reader| Ok(dashboard::answer(reader, &request)?)).await?);
        if let Ok(mut asking) = self.0.asking.lock() {
            if asking.len() > KEPT {
                asking.retain(|_, gate| Arc::strong_count(gate) > 1);
            }
        }
        if let Ok(mut kept) = self.0.kept.lock() {
            if kept.answers.len() >= KEPT {
                let oldest = kept.answers.iter().min_by_key(|(_, a)| a.at).map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    kept.answers.remove(&oldest);
                }
            }
            kept.answers.insert(key, KeptAnswer { version, at: Instant::now(), timeless, data: Arc::clone(&data) });
        }
        Ok(data)
    }

    fn kept(&self, key: &str, version: i64) -> Option<Arc<ViewData>> {
        let kept = self.0.kept.lock().ok()?;
        let answer = kept.answers.get(key)?;
        let age = answer.at.elapsed();
        let fresh = (answer.version == version && (answer.timeless || age < CLOCK_FRESH)) || age < LIVE_FRESH;
        fresh.then(|| Arc::clone(&answer.data))
    }

    /// Forgets every kept answer (after an admin action changed the database through another connection, the
    /// counter moves anyway; this makes the next page certain to show it).
    pub fn forget(&self) {
        if let Ok(mut kept) = self.0.kept.lock() {
            kept.answers.clear();
        }
    }

    /// Starts the thread that keeps the backend's accelerators (SQLite's summary tables) current while
    /// recorders write: [`Reader::catch_up`] for a short slice after each change (a read-only file, another
    /// process building them or a backend without any only means views answer directly).
    pub fn spawn_summary_refresher(&self) -> std::io::Result<()> {
        let pool = self.clone();
        std::thread::Builder::new().name("fmd-web-summaries".into()).spawn(move || {
            let Ok(reader) = pool.0.backend.reader() else { return };
            let mut seen = None;
            loop {
                let version = pool.version().ok();
                if version != seen {
                    let _ = reader.catch_up(SUMMARY_SLICE);
                    seen = version;
                }
                std::thread::sleep(REFRESH_EVERY);
            }
        })?;
        Ok(())
    }
}
