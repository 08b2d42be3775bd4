//! Every database access runs here, off the UI thread, in one worker thread that owns its own read-only
//! [`Store`](fmd_core::Store).
//!
//! Requests wait in latest-wins slots, one for the overview (header, names, levels: needed on every screen)
//! and one for the view on screen (whatever tab): a new request replaces one of the same slot that has not
//! started yet, so a burst of refreshes or a fast walk through the tabs never builds a queue of stale queries.
//! Level writes and housekeeping (previews and the deletions, merges and prunes they preview) are never
//! replaced (they are what the user asked for); they wait in order and run first, then the overview, then the
//! view. Replies come back on a channel the UI polls between draws.
//!
//! `source` answers jobs from the store's views (the console runs no SQL of its own).

mod reuse;
mod source;

pub use fmd_core::dashboard::query::{CONSOLE_GROUPS as GROUP_TOP, CONSOLE_MATRIX as MATRIX_TOP};
pub use source::StoreSource;

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use fmd_core::store::DeletedRows;

use crate::views::{ViewData, ViewKey};

/// What the UI asks the worker for.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// The overview at `now`; `seq` identifies the request.
    Overview {
        /// Increases with every request.
        seq: u64,
        /// The instant to compute at (pinned clock or real time at request).
        now: DateTime<Utc>,
    },
    /// The data of one tab.
    View {
        /// Increases with every request.
        seq: u64,
        /// Which query.
        key: ViewKey,
        /// The instant to compute at.
        now: DateTime<Utc>,
        /// Rows wanted for paged lists (latest requests, latest errors).
        limit: usize,
    },
    /// Write a monitoring level.
    SetLevel {
        /// Endpoint name.
        name: String,
        /// 0-3.
        level: u8,
    },
    /// Count what a housekeeping operation would delete (a dry run), for its confirmation popup.
    Preview(Housekeeping),
    /// Run a housekeeping operation (after the user confirmed its preview).
    Apply(Housekeeping),
    /// The deployment's details (the info popup).
    Info {
        /// The instant to compute the overview's totals at.
        now: DateTime<Utc>,
    },
}

/// A destructive change the console can make, always previewed and confirmed first (the dashboard layer's).
pub use fmd_core::dashboard::Housekeeping;

/// The deployment's details (the dashboard layer's, as `fmd info` prints them).
pub use fmd_core::dashboard::info::DeploymentInfo;

/// One overview result (the dashboard layer's).
pub use fmd_core::dashboard::Overview;

/// What the worker answers.
// One reply crosses the channel per query and is moved into the cache at once: its size costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The answer to [`Job::Overview`].
    Overview {
        /// The request's `seq`.
        seq: u64,
        /// The request's `now`.
        now: DateTime<Utc>,
        /// Rows, or the error message (naming the file).
        result: Result<Overview, String>,
    },
    /// The answer to [`Job::View`].
    View {
        /// The request's `seq`.
        seq: u64,
        /// The request's key.
        key: ViewKey,
        /// The request's `now`.
        now: DateTime<Utc>,
        /// The request's `limit`.
        limit: usize,
        /// The data, or the error message (naming the file).
        result: Result<ViewData, String>,
    },
    /// The answer to [`Job::SetLevel`].
    LevelSet {
        /// Endpoint name.
        name: String,
        /// The level written.
        level: u8,
        /// Done, or the error message.
        result: Result<(), String>,
    },
    /// The answer to [`Job::Preview`].
    Previewed {
        /// The operation.
        op: Housekeeping,
        /// Rows it would delete (for a merge: the requests it would move, in `requests`), or the error.
        result: Result<DeletedRows, String>,
    },
    /// The answer to [`Job::Apply`].
    Applied {
        /// The operation.
        op: Housekeeping,
        /// What was done, in words, or the error.
        result: Result<String, String>,
    },
    /// The answer to [`Job::Info`].
    Info {
        /// The details, or the error.
        result: Result<Box<DeploymentInfo>, String>,
    },
}

/// Where the worker gets its answers: the database, or a fake in tests.
pub trait Source: Send + 'static {
    /// The overview at `now`.
    fn overview(&mut self, now: DateTime<Utc>) -> Result<Overview, String>;
    /// The data of one tab at `now` (`limit` rows for paged lists).
    fn view(&mut self, key: ViewKey, now: DateTime<Utc>, limit: usize) -> Result<ViewData, String>;
    /// Writes a monitoring level.
    fn set_level(&mut self, name: &str, level: u8) -> Result<(), String>;
    /// Counts what `op` would delete.
    fn preview(&mut self, op: &Housekeeping) -> Result<DeletedRows, String>;
    /// Runs `op`; says what was done.
    fn apply(&mut self, op: &Housekeeping) -> Result<String, String>;
    /// The deployment's details at `now` (sources that cannot tell say so).
    fn info(&mut self, _now: DateTime<Utc>) -> Result<DeploymentInfo, String> {
        Err("deployment details are not available here".into())
    }
    /// A way to stop, from another thread, the query this source is running (it then fails); `None` when
    /// queries cannot be stopped.
    fn interrupter(&self) -> Option<Interrupter> {
        None
    }
}

/// Stops the query a [`Source`] is running, from another thread.
pub type Interrupter = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Queue {
    overview: Option<(u64, DateTime<Utc>)>,
    view: Option<(u64, ViewKey, DateTime<Utc>, usize)>,
    /// Level writes and housekeeping, in order.
    writes: VecDeque<Job>,
    closed: bool,
    /// The view query running now.
    running: Option<ViewKey>,
    /// It was interrupted because another view was asked for: its failure is not reported.
    cancelled: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    interrupt: Option<Interrupter>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock cannot leave the queue half-updated; carry on with it.
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next job: writes first, then the latest overview, then the latest view; `None` once closed.
    fn next(&self) -> Option<Job> {
        let mut queue = self.lock();
        loop {
            if let Some(job) = queue.writes.pop_front() {
                return Some(job);
            }
            if let Some((seq, now)) = queue.overview.take() {
                return Some(Job::Overview { seq, now });
            }
            if let Some((seq, key, now, limit)) = queue.view.take() {
                queue.running = Some(key);
                queue.cancelled = false;
                return Some(Job::View { seq, key, now, limit });
            }
            if queue.closed {
                return None;
            }
            queue = self.wake.wait(queue).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// The worker has stopped (it panicked or its thread could not run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerGone;

/// The query worker thread and its two ends: the request slot and the reply channel.
pub struct Worker {
    shared: Arc<Shared>,
    replies: Receiver<Reply>,
    thread: Option<JoinHandle<()>>,
}

/// Runs one job against `source` and says what came of it (the worker thread's loop body; the console's
/// tests call it directly for deterministic replies).
pub(crate) fn run(source: &mut impl Source, job: Job) -> Reply {
    match job {
        Job::Overview { seq, now } => Reply::Overview { seq, now, result: source.overview(now) },
        Job::View { seq, key, now, limit } => {
            Reply::View { seq, key, now, limit, result: source.view(key, now, limit) }
        }
        Job::SetLevel { name, level } => {
            let result = source.set_level(&name, level);
            Reply::LevelSet { name, level, result }
        }
        Job::Preview(op) => Reply::Previewed { result: source.preview(&op), op },
        Job::Apply(op) => Reply::Applied { result: source.apply(&op), op },
        Job::Info { now } => Reply::Info { result: source.info(now).map(Box::new) },
    }
}

impl Worker {
    /// Starts the worker thread around `source`.
    pub fn spawn(mut source: impl Source) -> std::io::Result<Worker> {
        let shared = Arc::new(Shared { interrupt: source.interrupter(), ..Shared::default() });
        let (tx, replies) = mpsc::channel();
        let theirs = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("fmd-query".into()).spawn(move || {
            while let Some(job) = theirs.next() {
                let reply = run(&mut source, job);
                let cancelled = {
                    let mut queue = theirs.lock();
                    queue.running = None;
                    std::mem::take(&mut queue.cancelled)
                };
                // A view stopped for another one: its failure is nobody's business.
                if cancelled && matches!(reply, Reply::View { result: Err(_), .. }) {
                    continue;
                }
                if tx.send(reply).is_err() {
                    return;
                }
            }
        })?;
        Ok(Worker { shared, replies, thread: Some(thread) })
    }

    /// Queues a job. Returns true when it replaced a request of the same slot that had not started. A view job
    /// for another tab or window than the view query running now stops that query (when the source can).
    pub fn submit(&self, job: Job) -> bool {
        let mut queue = self.shared.lock();
        let replaced = match job {
            Job::Overview { seq, now } => queue.overview.replace((seq, now)).is_some(),
            Job::View { seq, key, now, limit } => {
                // Another tab or window: stop the view query running now rather than wait for it.
                if queue.running.is_some_and(|running| running != key) && !queue.cancelled {
                    if let Some(interrupt) = &self.shared.interrupt {
                        interrupt();
                        queue.cancelled = true;
                    }
                }
                queue.view.replace((seq, key, now, limit)).is_some()
            }
            write @ (Job::SetLevel { .. } | Job::Preview(_) | Job::Apply(_) | Job::Info { .. }) => {
                queue.writes.push_back(write);
                false
            }
        };
        drop(queue);
        self.shared.wake.notify_one();
        replaced
    }

    /// A reply if one is ready.
    pub fn try_recv(&self) -> Result<Option<Reply>, WorkerGone> {
        match self.replies.try_recv() {
            Ok(reply) => Ok(Some(reply)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(WorkerGone),
        }
    }

    /// Waits up to `timeout` for a reply.
    #[cfg(test)]
    pub fn recv_timeout(&self, timeout: std::time::Duration) -> Option<Reply> {
        self.replies.recv_timeout(timeout).ok()
    }

    /// Stops the worker after the job it is running and waits for it.
    #[cfg(test)]
    pub fn shutdown(mut self) {
        self.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
    }
}

impl Drop for Worker {
    /// Closes the slot without waiting: a slow query must not delay quitting; the thread ends after it.
    fn drop(&mut self) {
        self.close();
        drop(self.thread.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::mpsc::{Receiver, Sender};
    use std::time::Duration;

    /// A source that reports each job it starts and then waits for the test to let it finish.
    struct Gate {
        started: Sender<String>,
        release: Receiver<()>,
    }

    impl Source for Gate {
        fn overview(&mut self, now: DateTime<Utc>) -> Result<Overview, String> {
            let _ = self.started.send(format!("overview {}", now.timestamp()));
            let _ = self.release.recv();
            Ok(Overview {
                rows: Vec::new(),
                dropped: Some(now.timestamp() as u64),
                failed: 0,
                trends: HashMap::new(),
                exceptions: HashMap::new(),
            })
        }
        fn view(&mut self, key: ViewKey, now: DateTime<Utc>, _: usize) -> Result<ViewData, String> {
            let _ = self.started.send(format!("view {:?} {}", key.kind, now.timestamp()));
            let _ = self.release.recv();
            Ok(ViewData::Requests(Vec::new()))
        }
        fn set_level(&mut self, name: &str, level: u8) -> Result<(), String> {
            let _ = self.started.send(format!("level {name} {level}"));
            let _ = self.release.recv();
            Ok(())
        }
        fn preview(&mut self, op: &Housekeeping) -> Result<DeletedRows, String> {
            let _ = self.started.send(format!("preview {op:?}"));
            let _ = self.release.recv();
            Ok(DeletedRows { requests: 3, ..DeletedRows::default() })
        }
        fn apply(&mut self, op: &Housekeeping) -> Result<String, String> {
            let _ = self.started.send(format!("apply {op:?}"));
            let _ = self.release.recv();
            Ok("done".into())
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap_or_default()
    }

    const WAIT: Duration = Duration::from_secs(10);

    #[test]
    fn a_new_request_replaces_the_queued_one() {
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let worker = Worker::spawn(Gate { started: started_tx, release: release_rx }).expect("spawns");

        assert!(!worker.submit(Job::Overview { seq: 1, now: at(1) }));
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("overview 1"), "first job runs");
        // While 1 runs, 2 is queued, then replaced by 3: 2 never runs.
        assert!(!worker.submit(Job::Overview { seq: 2, now: at(2) }));
        assert!(worker.submit(Job::Overview { seq: 3, now: at(3) }));
        // A level write is never replaced, and runs before the queued overview.
        assert!(!worker.submit(Job::SetLevel { name: "index".into(), level: 2 }));
        assert!(worker.submit(Job::Overview { seq: 4, now: at(4) }), "4 replaces 3");

        release.send(()).expect("release 1");
        let first = worker.recv_timeout(WAIT).expect("reply 1");
        assert!(matches!(first, Reply::Overview { seq: 1, .. }), "{first:?}");
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("level index 2"));
        release.send(()).expect("release write");
        let write = worker.recv_timeout(WAIT).expect("write reply");
        assert_eq!(write, Reply::LevelSet { name: "index".into(), level: 2, result: Ok(()) });
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("overview 4"), "only the latest runs");
        release.send(()).expect("release 4");
        let last = worker.recv_timeout(WAIT).expect("reply 4");
        assert!(matches!(last, Reply::Overview { seq: 4, .. }), "{last:?}");
        assert!(started.recv_timeout(Duration::from_millis(100)).is_err(), "nothing else ran");
        assert_eq!(worker.try_recv(), Ok(None));
        worker.shutdown();
    }

    #[test]
    fn housekeeping_jobs_run_in_order_before_queued_reads_and_are_never_replaced() {
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let worker = Worker::spawn(Gate { started: started_tx, release: release_rx }).expect("spawns");
        let delete = Housekeeping::DeleteEndpoint { name: "boom".into() };
        worker.submit(Job::Overview { seq: 1, now: at(1) });
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("overview 1"));
        assert!(!worker.submit(Job::Overview { seq: 2, now: at(2) }));
        assert!(!worker.submit(Job::Preview(delete.clone())));
        assert!(!worker.submit(Job::Apply(delete.clone())), "a write never replaces another");
        release.send(()).expect("release 1");
        assert!(matches!(worker.recv_timeout(WAIT), Some(Reply::Overview { seq: 1, .. })));
        let expect = format!("preview {delete:?}");
        assert_eq!(started.recv_timeout(WAIT).ok(), Some(expect));
        release.send(()).expect("release preview");
        let reply = worker.recv_timeout(WAIT).expect("preview reply");
        assert!(matches!(&reply, Reply::Previewed { result: Ok(rows), .. } if rows.requests == 3), "{reply:?}");
        assert_eq!(started.recv_timeout(WAIT).ok(), Some(format!("apply {delete:?}")));
        release.send(()).expect("release apply");
        assert_eq!(worker.recv_timeout(WAIT), Some(Reply::Applied { op: delete, result: Ok("done".into()) }));
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("overview 2"), "then the queued overview");
        release.send(()).expect("release 2");
        worker.shutdown();
    }

    #[test]
    fn views_have_their_own_latest_wins_slot_after_the_overview() {
        use crate::nav::Window;
        use crate::views::ViewKind;
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let worker = Worker::spawn(Gate { started: started_tx, release: release_rx }).expect("spawns");
        let key = |kind| ViewKey { kind, window: Window::Week, endpoint: Some(1) };

        worker.submit(Job::Overview { seq: 1, now: at(1) });
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("overview 1"));
        // A fast walk through the tabs: only the last tab's query runs, and the overview goes first.
        assert!(!worker.submit(Job::View { seq: 2, key: key(ViewKind::Hourly), now: at(2), limit: 0 }));
        assert!(worker.submit(Job::View { seq: 3, key: key(ViewKind::Users), now: at(3), limit: 0 }));
        assert!(!worker.submit(Job::Overview { seq: 4, now: at(4) }), "the overview slot is separate");
        release.send(()).expect("release 1");
        assert!(matches!(worker.recv_timeout(WAIT), Some(Reply::Overview { seq: 1, .. })));
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("overview 4"));
        release.send(()).expect("release 4");
        assert!(matches!(worker.recv_timeout(WAIT), Some(Reply::Overview { seq: 4, .. })));
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("view Users 3"));
        release.send(()).expect("release 3");
        let reply = worker.recv_timeout(WAIT).expect("view reply");
        assert!(matches!(reply, Reply::View { seq: 3, result: Ok(_), .. }), "{reply:?}");
        assert!(started.recv_timeout(Duration::from_millis(100)).is_err(), "the replaced view never ran");
        worker.shutdown();
    }

    /// A source whose view queries run until interrupted (then fail), or finish at once for `Requests`.
    struct Slow {
        started: Sender<String>,
        stop: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Source for Slow {
        fn overview(&mut self, _: DateTime<Utc>) -> Result<Overview, String> {
            Err("not used".into())
        }
        fn view(&mut self, key: ViewKey, _: DateTime<Utc>, _: usize) -> Result<ViewData, String> {
            use std::sync::atomic::Ordering;
            let _ = self.started.send(format!("view {:?}", key.kind));
            if matches!(key.kind, crate::views::ViewKind::Requests(_)) {
                return Ok(ViewData::Requests(Vec::new()));
            }
            let deadline = std::time::Instant::now() + WAIT;
            while !self.stop.swap(false, Ordering::SeqCst) {
                if std::time::Instant::now() > deadline {
                    return Ok(ViewData::Requests(Vec::new()));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err("interrupted".into())
        }
        fn set_level(&mut self, _: &str, _: u8) -> Result<(), String> {
            Ok(())
        }
        fn preview(&mut self, _: &Housekeeping) -> Result<DeletedRows, String> {
            Ok(DeletedRows::default())
        }
        fn apply(&mut self, _: &Housekeeping) -> Result<String, String> {
            Ok(String::new())
        }
        fn interrupter(&self) -> Option<Interrupter> {
            let stop = Arc::clone(&self.stop);
            Some(Box::new(move || stop.store(true, std::sync::atomic::Ordering::SeqCst)))
        }
    }

    #[test]
    fn another_tab_stops_the_running_view_query_and_its_failure_is_not_reported() {
        use crate::nav::Window;
        use crate::views::ViewKind;
        let (started_tx, started) = mpsc::channel();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let worker = Worker::spawn(Slow { started: started_tx, stop: Arc::clone(&stop) }).expect("spawns");
        let key = |kind| ViewKey { kind, window: Window::Week, endpoint: Some(1) };

        worker.submit(Job::View { seq: 1, key: key(ViewKind::Users), now: at(1), limit: 0 });
        assert_eq!(started.recv_timeout(WAIT).ok().as_deref(), Some("view Users"));
        // The same tab again (a refresh) waits for the running query.
        worker.submit(Job::View { seq: 2, key: key(ViewKind::Users), now: at(2), limit: 0 });
        std::thread::sleep(Duration::from_millis(50));
        assert!(!stop.load(std::sync::atomic::Ordering::SeqCst), "a refresh of the same tab stops nothing");
        // Another tab stops it: its failure is dropped, the new tab answers.
        worker.submit(Job::View { seq: 3, key: key(ViewKind::Requests(Default::default())), now: at(3), limit: 0 });
        let ran = started.recv_timeout(WAIT).ok();
        assert!(ran.as_deref().is_some_and(|s| s.starts_with("view Requests")), "replaced 2, ran 3: {ran:?}");
        let reply = worker.recv_timeout(WAIT).expect("reply");
        assert!(matches!(reply, Reply::View { seq: 3, result: Ok(_), .. }), "{reply:?}");
        assert!(worker.recv_timeout(Duration::from_millis(100)).is_none(), "the stopped query said nothing");
        worker.shutdown();
    }

    #[test]
    fn a_stopped_worker_is_reported() {
        struct Panics;
        impl Source for Panics {
            fn overview(&mut self, _: DateTime<Utc>) -> Result<Overview, String> {
                panic!("boom (expected by the test)")
            }
            fn view(&mut self, _: ViewKey, _: DateTime<Utc>, _: usize) -> Result<ViewData, String> {
                panic!("boom (expected by the test)")
            }
            fn set_level(&mut self, _: &str, _: u8) -> Result<(), String> {
                Ok(())
            }
            fn preview(&mut self, _: &Housekeeping) -> Result<DeletedRows, String> {
                Ok(DeletedRows::default())
            }
            fn apply(&mut self, _: &Housekeeping) -> Result<String, String> {
                Ok(String::new())
            }
        }
        let worker = Worker::spawn(Panics).expect("spawns");
        worker.submit(Job::Overview { seq: 1, now: at(1) });
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            match worker.try_recv() {
                Err(WorkerGone) => break,
                Ok(_) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                Ok(other) => panic!("worker still answering: {other:?}"),
            }
        }
    }
}
