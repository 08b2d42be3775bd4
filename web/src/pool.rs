//! Read-only stores for the blocking queries of handlers, the file's change counter, the answers kept while
//! it holds, and the background refresh of fmd's summary tables.
//!
//! SQLite connections are not shared between threads: a handler borrows an idle reader (or opens one) on a
//! blocking thread, at most [`READERS`] at a time. The change counter is SQLite's `data_version` of one
//! dedicated connection, which moves whenever any other connection (a recorder, a console, `fmd prune`)
//! commits; an answer is given again while it has not moved (and, for views that move with the clock, for
//! [`CLOCK_FRESH`]), which makes a page refreshed by many open dashboards cost one query. While recorders
//! write, the counter moves with every batch: an answer is then given again for [`LIVE_FRESH`] (live pages
//! poll every 5 s, so they still show each change within seconds), and dashboards asking for the same view
//! at once wait for one query instead of each running their own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fmd_core::dashboard::{self, DashboardError, ViewData, ViewRequest};
use fmd_core::{Store, StoreError};
use tokio::sync::Semaphore;

/// Queries that run at once (more wait for a reader).
pub const READERS: usize = 4;
/// How long an answer that moves with the clock (today, the last hour) is given again on an unchanged file.
pub const CLOCK_FRESH: Duration = Duration::from_secs(5);
/// How long an answer is given again although the file changed since (recorders writing all the time).
pub const LIVE_FRESH: Duration = Duration::from_secs(2);
/// Answers kept (the oldest go first).
const KEPT: usize = 256;
/// Time spent bringing the summaries up to date after a change, per round.
const SUMMARY_SLICE: Duration = Duration::from_millis(300);
/// How often the background refresher looks for changes.
const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// Why a query has no answer.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The store failed (the message names the file).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The view has no answer.
    #[error(transparent)]
    Dashboard(#[from] DashboardError),
    /// The blocking thread died (a bug); the server goes on.
    #[error("a query thread failed: {0}")]
    Thread(String),
}

/// The readers of one database file.
#[derive(Clone)]
pub struct Pool(Arc<Inner>);

struct Inner {
    db: PathBuf,
    prefix: Option<String>,
    idle: Mutex<Vec<Store>>,
    permits: Semaphore,
    watch: Mutex<Store>,
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
    /// Opens the file for reading (checking that it is an FMD database) and keeps that reader.
    pub fn open(db: impl Into<PathBuf>, prefix: Option<&str>) -> Result<Pool, StoreError> {
        let db = db.into();
        let first = Store::open_reader(&db, prefix)?;
        let watch = Store::open_reader(&db, prefix)?;
        Ok(Pool(Arc::new(Inner {
            db,
            prefix: prefix.map(str::to_string),
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(READERS),
            watch: Mutex::new(watch),
            kept: Mutex::new(Kept::default()),
            asking: Mutex::new(HashMap::new()),
        })))
    }

    /// The database file.
    pub fn db(&self) -> &std::path::Path {
        &self.0.db
    }

    /// The table prefix asked for (`None`: detected).
    pub fn prefix(&self) -> Option<&str> {
        self.0.prefix.as_deref()
    }

    /// Runs `f` with a reader on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, PoolError> + Send + 'static,
    {
        let _permit = self.0.permits.acquire().await.map_err(|e| PoolError::Thread(e.to_string()))?;
        let inner = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let store = match inner.idle.lock().map(|mut idle| idle.pop()) {
                Ok(Some(store)) => store,
                _ => Store::open_reader(&inner.db, inner.prefix.as_deref())?,
            };
            let result = f(&store);
            if let Ok(mut idle) = inner.idle.lock() {
                idle.push(store);
            }
            result
        })
        .await
        .map_err(|e| PoolError::Thread(e.to_string()))?
    }

    /// Runs `f` with a short-lived writable store on a blocking thread (admin actions), then forgets the kept
    /// answers.
    pub async fn edit<T, F>(&self, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, PoolError> + Send + 'static,
    {
        let inner = Arc::clone(&self.0);
        let result = tokio::task::spawn_blocking(move || {
            let store = Store::open_editor(&inner.db, inner.prefix.as_deref())?;
            f(&store)
        })
        .await
        .map_err(|e| PoolError::Thread(e.to_string()))?;
        self.forget();
        result
    }

    /// The file's change counter: moves whenever another connection commits.
    pub fn version(&self) -> Result<i64, PoolError> {
        let watch = self.0.watch.lock().map_err(|e| PoolError::Thread(e.to_string()))?;
        Ok(watch.data_version()?)
    }

    /// The dashboard layer's answer to `request`, given again while the file has not changed (views that move
    /// with the clock: for [`CLOCK_FRESH`] at most, unless the clock is pinned).
    pub async fn answer(&self, request: ViewRequest, pinned_clock: bool) -> Result<Arc<ViewData>, PoolError> {
        let key = format!("{:?}|{:?}|{:?}|{:?}", request.key, request.zone, request.limits, request.days);
        let timeless = pinned_clock || request.key.kind.answer_is_timeless(request.key.window);
        if let Some(data) = self.kept(&key, self.version()?) {
            return Ok(data);
        }
        // One query per view at a time: who waited finds the answer of who asked first.
        let gate = match self.0.asking.lock() {
            Ok(mut asking) => Arc::clone(asking.entry(key.clone()).or_default()),
            Err(e) => return Err(PoolError::Thread(e.to_string())),
        };
        let _turn = gate.lock().await;
        let version = self.version()?;
        if let Some(data) = self.kept(&key, version) {
            return Ok(data);
        }
        let data = Arc::new(self.run(move |store| Ok(dashboard::answer(store, &request)?)).await?);
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

    /// Forgets every kept answer (after an admin action changed the file through another connection, the
    /// counter moves anyway; this makes the next page certain to show it).
    pub fn forget(&self) {
        if let Ok(mut kept) = self.0.kept.lock() {
            kept.answers.clear();
        }
    }

    /// Starts the thread that keeps fmd's summary tables current while recorders write (a short slice after
    /// each change; a read-only file or another process building them only means views answer directly).
    pub fn spawn_summary_refresher(&self) -> std::io::Result<()> {
        let pool = self.clone();
        std::thread::Builder::new().name("fmd-web-summaries".into()).spawn(move || {
            let Ok(store) = Store::open_reader(&pool.0.db, pool.0.prefix.as_deref()) else { return };
            let mut seen = None;
            loop {
                let version = pool.version().ok();
                if version != seen {
                    let _ = store.refresh_summaries_within(SUMMARY_SLICE, |_, _| {});
                    seen = version;
                }
                std::thread::sleep(REFRESH_EVERY);
            }
        })?;
        Ok(())
    }
}
