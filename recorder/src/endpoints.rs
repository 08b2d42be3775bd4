//! The in-memory endpoint table: name -> level, database id and last request time.
//!
//! Readers (the request path) load an `arc-swap`ped `HashMap` keyed by the endpoint name and look it up
//! with a borrowed `&str`, so a known endpoint costs no allocation and no lock. An unknown endpoint is added
//! immediately with the default level (copy-on-write under a mutex, once per name); the writer thread later
//! creates its database row and stores the id. Levels changed in the database are copied into the atomics
//! by the writer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

/// Name under which requests that matched no route are recorded.
pub const UNMATCHED: &str = "<unmatched>";

/// Name under which requests are recorded once [`MAX_DISCOVERED`] distinct names have been seen.
pub const OVERFLOW: &str = "<other>";

/// Most endpoint names the request path adds; later names are folded into [`OVERFLOW`] so a naming
/// closure that returns unbounded values (e.g. raw paths) cannot grow memory without bound.
pub const MAX_DISCOVERED: usize = 10_000;

const UNRESOLVED: i64 = i64::MIN;

/// One endpoint as the recorder sees it.
#[derive(Debug)]
pub(crate) struct EndpointState {
    name: Arc<str>,
    level: AtomicU8,
    id: AtomicI64,
    /// Ticks of the latest completed request (0 = none yet).
    last_requested: AtomicU64,
    /// Writer only: the `last_requested` value already written to the current database file.
    last_flushed: AtomicU64,
    /// Added by the request path (so its row must exist), not merely loaded from the database.
    discovered: bool,
    /// Requests counted into `total_nanos` (the database's history once seeded, plus this process's).
    count: AtomicU64,
    /// Sum of their handler times in nanoseconds.
    total_nanos: AtomicU64,
}

impl EndpointState {
    fn new(name: Arc<str>, level: u8, id: Option<i64>, discovered: bool) -> EndpointState {
        EndpointState {
            name,
            level: AtomicU8::new(level.min(3)),
            id: AtomicI64::new(id.unwrap_or(UNRESOLVED)),
            last_requested: AtomicU64::new(0),
            last_flushed: AtomicU64::new(0),
            discovered,
            count: AtomicU64::new(0),
            total_nanos: AtomicU64::new(0),
        }
    }

    /// The endpoint name (`Endpoint.name`).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The endpoint name, shared (for the writer's batches: a clone costs no allocation).
    pub(crate) fn shared_name(&self) -> Arc<str> {
        Arc::clone(&self.name)
    }

    /// The monitoring level in force.
    #[inline]
    pub(crate) fn level(&self) -> u8 {
        self.level.load(Ordering::Relaxed)
    }

    pub(crate) fn set_level(&self, level: u8) {
        self.level.store(level.min(3), Ordering::Relaxed);
    }

    /// `Endpoint.id` in the current database file, once the writer has resolved it.
    pub(crate) fn id(&self) -> Option<i64> {
        Some(self.id.load(Ordering::Relaxed)).filter(|&id| id != UNRESOLVED)
    }

    pub(crate) fn set_id(&self, id: Option<i64>) {
        self.id.store(id.unwrap_or(UNRESOLVED), Ordering::Relaxed);
    }

    /// Notes a completed request at `ticks`. Writes only when the time moves forward, and with a plain
    /// store rather than a locked read-modify-write: concurrent requests may leave a value a few
    /// nanoseconds older than the newest, which is harmless for `last_requested`.
    #[inline]
    pub(crate) fn touch(&self, ticks: u64) {
        if ticks > self.last_requested.load(Ordering::Relaxed) {
            self.last_requested.store(ticks, Ordering::Relaxed);
        }
    }

    pub(crate) fn last_requested(&self) -> u64 {
        self.last_requested.load(Ordering::Relaxed)
    }

    pub(crate) fn last_flushed(&self) -> u64 {
        self.last_flushed.load(Ordering::Relaxed)
    }

    pub(crate) fn set_last_flushed(&self, ticks: u64) {
        self.last_flushed.store(ticks, Ordering::Relaxed);
    }

    /// Counts one request's handler time into the endpoint's mean (writer only, off the request path).
    pub(crate) fn add_duration(&self, nanos: u64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.total_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Adds the database's history (`count` requests averaging `mean_ms`) to the mean.
    pub(crate) fn seed(&self, count: u64, mean_ms: f64) {
        let total = (mean_ms.max(0.0) * 1_000_000.0 * count as f64).min(u64::MAX as f64 / 2.0) as u64;
        self.count.fetch_add(count, Ordering::Relaxed);
        self.total_nanos.fetch_add(total, Ordering::Relaxed);
    }

    /// The outlier threshold (mean × `constant`), once the endpoint has `min_samples` requests.
    #[inline]
    pub(crate) fn outlier_threshold(&self, constant: f64, min_samples: u64) -> Option<std::time::Duration> {
        crate::outlier::threshold(
            self.count.load(Ordering::Relaxed),
            self.total_nanos.load(Ordering::Relaxed),
            constant,
            min_samples,
        )
    }

    /// True when the database must hold a row for this endpoint.
    pub(crate) fn needs_row(&self) -> bool {
        self.discovered || self.last_requested() != 0
    }
}

/// Endpoint names are hashed with foldhash (randomly seeded per process, several times cheaper than std's
/// SipHash for short strings): the lookup runs on every request.
type Map = HashMap<Arc<str>, Arc<EndpointState>, foldhash::fast::RandomState>;

/// Every endpoint this recorder knows, shared by the request path and the writer.
#[derive(Debug)]
pub(crate) struct Endpoints {
    map: ArcSwap<Map>,
    insert_lock: Mutex<()>,
    default_level: u8,
    discovered: AtomicUsize,
    cap: usize,
    overflow_logged: AtomicBool,
}

impl Endpoints {
    pub(crate) fn new(default_level: u8) -> Endpoints {
        Endpoints::with_cap(default_level, MAX_DISCOVERED)
    }

    fn with_cap(default_level: u8, cap: usize) -> Endpoints {
        Endpoints {
            map: ArcSwap::from_pointee(Map::default()),
            insert_lock: Mutex::new(()),
            default_level: default_level.min(3),
            discovered: AtomicUsize::new(0),
            cap,
            overflow_logged: AtomicBool::new(false),
        }
    }

    /// The endpoint called `name`, added with the default level when it is new. Never touches SQLite.
    #[inline]
    pub(crate) fn get_or_discover(&self, name: &str) -> Arc<EndpointState> {
        if let Some(found) = self.map.load().get(name) {
            return Arc::clone(found);
        }
        self.discover(name)
    }

    #[cold]
    fn discover(&self, name: &str) -> Arc<EndpointState> {
        let _guard = self.insert_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.map.load_full();
        if let Some(found) = current.get(name) {
            return Arc::clone(found);
        }
        let name = if self.discovered.load(Ordering::Relaxed) >= self.cap {
            if !self.overflow_logged.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "fmd recorder: more than {} distinct endpoint names; further new names are \
                     recorded as {OVERFLOW:?} (check the endpoint_name closure)",
                    self.cap
                );
            }
            if let Some(found) = current.get(OVERFLOW) {
                return Arc::clone(found);
            }
            OVERFLOW
        } else {
            self.discovered.fetch_add(1, Ordering::Relaxed);
            name
        };
        let state = Arc::new(EndpointState::new(Arc::from(name), self.default_level, None, true));
        let mut next = Map::clone(&current);
        next.insert(Arc::clone(&state.name), Arc::clone(&state));
        self.map.store(Arc::new(next));
        state
    }

    /// Applies an endpoint row read from the database: updates id and level, or adds the endpoint.
    pub(crate) fn apply_row(&self, name: &str, id: i64, level: Option<u8>) {
        if let Some(found) = self.map.load().get(name) {
            found.set_id(Some(id));
            if let Some(level) = level {
                found.set_level(level);
            }
            return;
        }
        let _guard = self.insert_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.map.load_full();
        if let Some(found) = current.get(name) {
            found.set_id(Some(id));
            if let Some(level) = level {
                found.set_level(level);
            }
            return;
        }
        let state = Arc::new(EndpointState::new(Arc::from(name), level.unwrap_or(self.default_level), Some(id), false));
        let mut next = Map::clone(&current);
        next.insert(Arc::clone(&state.name), state);
        self.map.store(Arc::new(next));
    }

    /// A snapshot of every endpoint (for the writer's periodic passes).
    pub(crate) fn snapshot(&self) -> Arc<Map> {
        self.map.load_full()
    }

    /// Forgets every database id and flushed time (after switching to another database file).
    pub(crate) fn forget_ids(&self) {
        for state in self.map.load().values() {
            state.set_id(None);
            state.set_last_flushed(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_once_with_default_level() {
        let endpoints = Endpoints::new(1);
        let a = endpoints.get_or_discover("/a");
        let again = endpoints.get_or_discover("/a");
        assert!(Arc::ptr_eq(&a, &again));
        assert_eq!(a.level(), 1);
        assert_eq!(a.id(), None);
        assert!(a.needs_row());
    }

    #[test]
    fn database_rows_update_levels_and_ids() {
        let endpoints = Endpoints::new(1);
        let a = endpoints.get_or_discover("/a");
        endpoints.apply_row("/a", 7, Some(0));
        endpoints.apply_row("/b", 8, Some(3));
        assert_eq!((a.id(), a.level()), (Some(7), 0));
        let b = endpoints.get_or_discover("/b");
        assert_eq!((b.id(), b.level()), (Some(8), 3));
        assert!(!b.needs_row(), "loaded from the database, never requested");
        endpoints.forget_ids();
        assert_eq!(a.id(), None);
    }

    #[test]
    fn touch_keeps_the_latest_time() {
        let endpoints = Endpoints::new(0);
        let a = endpoints.get_or_discover("/a");
        a.touch(10);
        a.touch(5);
        assert_eq!(a.last_requested(), 10);
    }

    #[test]
    fn names_beyond_the_cap_fold_into_overflow() {
        let endpoints = Endpoints::with_cap(1, 50);
        for i in 0..50 {
            endpoints.get_or_discover(&format!("/n{i}"));
        }
        let extra = endpoints.get_or_discover("/one-too-many");
        let another = endpoints.get_or_discover("/two-too-many");
        assert_eq!(extra.name(), OVERFLOW);
        assert!(Arc::ptr_eq(&extra, &another));
        assert_eq!(endpoints.snapshot().len(), 51);
    }
}
