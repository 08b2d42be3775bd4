//! The graph thread: one per recorder, started by the first custom graph (or at once when scheduled pruning
//! is configured). It keeps every graph's next run, starts each run on a short-lived helper thread so a slow
//! closure cannot hold up the others, collects the values, and stores them through its own connection
//! (`Store::open_writer`, one short autocommit insert per value, a short busy timeout), so it never contends
//! with the request writer for more than a statement.
//!
//! Per graph:
//! * the first run is at registration (FMD calls the function once immediately), then on the schedule;
//! * a run has a deadline (its period, between [`Limits::min_deadline`] and [`Limits::max_deadline`]); a run
//!   past it is declared slow, its value is discarded when it finally comes, and runs that fall due while it
//!   is still going are skipped (never two runs of one graph at once);
//! * an `Err`, a NaN or infinite value, a panic (caught) or a slow run is logged once per episode (the first
//!   failure, then nothing until it works again, which is logged too) and skipped.
//!
//! The scheduled prune ([`PruneJob`]) runs the same way on its own helper thread with its own editor
//! connection and no deadline (`Store::prune` commits in short batches, so recorders keep writing); overlapping
//! runs are skipped.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossbeam_channel::{select, Receiver, Sender};
use fmd_core::store::PruneOptions;
use fmd_core::Store;

use super::schedule::Schedule;

/// A graph's closure, boxed: `Ok(value)` or why there is none.
pub(crate) type GraphFn = Box<dyn FnMut() -> Result<f64, String> + Send>;

/// How the thread reports problems (tests capture them; production uses `tracing`).
pub(crate) type Logger = Arc<dyn Fn(Level, String) + Send + Sync>;

/// A log line's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Something works again, or a prune deleted rows.
    Info,
    /// A problem (logged once per episode).
    Warn,
}

/// The production logger.
pub(crate) fn tracing_logger() -> Logger {
    Arc::new(|level, message| match level {
        Level::Info => tracing::info!("{message}"),
        Level::Warn => tracing::warn!("{message}"),
    })
}

/// Deadlines and delays (shortened in tests).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// A run may always take at least this long.
    pub(crate) min_deadline: Duration,
    /// No run may take longer than this.
    pub(crate) max_deadline: Duration,
    /// An interval prune first runs this long after the start at most (sooner when its interval is shorter).
    pub(crate) first_prune_within: Duration,
    /// How long the graph connection waits for another writer's lock.
    pub(crate) busy_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            min_deadline: Duration::from_secs(1),
            max_deadline: Duration::from_secs(10),
            first_prune_within: Duration::from_secs(60),
            busy_timeout: Duration::from_secs(1),
        }
    }
}

/// Everything the thread needs from the recorder.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) path: PathBuf,
    pub(crate) prefix: String,
    /// `CustomGraph.version_added` of new graphs.
    pub(crate) version: String,
    pub(crate) prune: Option<PruneJob>,
    pub(crate) limits: Limits,
    pub(crate) log: Logger,
}

/// The scheduled prune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PruneJob {
    /// Requests older than this go.
    pub(crate) older_than: Duration,
    /// When.
    pub(crate) schedule: Schedule,
    /// Keep CustomGraphData older than the cutoff.
    pub(crate) keep_custom_graphs: bool,
}

/// Messages to the thread.
pub(crate) enum Command {
    /// A new graph (title already checked for duplicates).
    Add { title: String, schedule: Schedule, job: GraphFn },
    /// Stop scheduling and exit.
    Stop,
}

/// A run's outcome, from a helper thread.
enum Outcome {
    Graph { index: usize, run: u64, time: DateTime<Utc>, result: Result<f64, Failure> },
    Prune { run: u64, result: Result<String, String> },
}

/// Why a run gave no value.
#[derive(Debug, Clone, PartialEq)]
enum Failure {
    Error(String),
    Panic(String),
}

/// What went wrong with a graph, for once-per-episode logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Error,
    Panic,
    Slow,
    Thread,
}

struct Running {
    run: u64,
    deadline: Instant,
    late: bool,
}

struct Entry {
    title: String,
    schedule: Schedule,
    job: Arc<Mutex<GraphFn>>,
    id: Option<i64>,
    next: Option<DateTime<Utc>>,
    running: Option<Running>,
    runs: u64,
    problem: Option<Problem>,
}

struct PruneState {
    job: PruneJob,
    next: Option<DateTime<Utc>>,
    running: Option<u64>,
    runs: u64,
    failing: bool,
}

/// The thread's state.
pub(crate) struct Runner {
    settings: Settings,
    entries: Vec<Entry>,
    prune: Option<PruneState>,
    store: Option<Store>,
    db_failing: bool,
    results_tx: Sender<Outcome>,
    results: Receiver<Outcome>,
}

/// The thread's handle: its command channel and a way to wait for it.
pub(crate) struct RunnerHandle {
    pub(crate) commands: Sender<Command>,
    done: Receiver<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunnerHandle {
    /// Tells the thread to stop and waits up to `timeout` for it (helper threads still running a closure or a
    /// prune are not waited for).
    pub(crate) fn stop(mut self, timeout: Duration) {
        let _ = self.commands.send(Command::Stop);
        if self.done.recv_timeout(timeout).is_ok() {
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// Starts the thread.
pub(crate) fn spawn(settings: Settings) -> std::io::Result<RunnerHandle> {
    let (commands, inbox) = crossbeam_channel::unbounded();
    let (done_tx, done) = crossbeam_channel::bounded(1);
    let log = Arc::clone(&settings.log);
    let thread = std::thread::Builder::new().name("fmd-graphs".into()).spawn(move || {
        let path = settings.path.clone();
        let outcome = catch_unwind(AssertUnwindSafe(move || Runner::new(settings).run(&inbox)));
        if outcome.is_err() {
            log(
                Level::Warn,
                format!("fmd recorder: the custom graph thread for {} panicked; graphs stop updating", path.display()),
            );
        }
        let _ = done_tx.send(());
    })?;
    Ok(RunnerHandle { commands, done, thread: Some(thread) })
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into())
}

impl Runner {
    fn new(settings: Settings) -> Runner {
        let (results_tx, results) = crossbeam_channel::unbounded();
        let now = Utc::now();
        let prune = settings.prune.clone().map(|job| {
            let next = match &job.schedule {
                Schedule::Every(period) => {
                    chrono::Duration::from_std((*period).min(settings.limits.first_prune_within))
                        .ok()
                        .and_then(|d| now.checked_add_signed(d))
                }
                cron => cron.next_after(now),
            };
            PruneState { job, next, running: None, runs: 0, failing: false }
        });
        Runner { settings, entries: Vec::new(), prune, store: None, db_failing: false, results_tx, results }
    }

    fn log(&self, level: Level, message: String) {
        (self.settings.log)(level, message);
    }

    fn run(mut self, inbox: &Receiver<Command>) {
        loop {
            let now = Utc::now();
            self.start_due(now);
            self.check_deadlines();
            let wait = self.wait_time(Utc::now());
            let results = self.results.clone();
            select! {
                recv(inbox) -> command => match command {
                    Ok(Command::Add { title, schedule, job }) => self.entries.push(Entry {
                        title,
                        schedule,
                        job: Arc::new(Mutex::new(job)),
                        id: None,
                        next: Some(Utc::now()),
                        running: None,
                        runs: 0,
                        problem: None,
                    }),
                    Ok(Command::Stop) | Err(_) => return,
                },
                recv(results) -> outcome => {
                    if let Ok(outcome) = outcome {
                        self.finish(outcome);
                    }
                }
                default(wait) => {}
            }
        }
    }

    /// Until the next run or deadline, at most a minute (wall-clock changes are noticed then).
    fn wait_time(&self, now: DateTime<Utc>) -> Duration {
        let until = |t: DateTime<Utc>| (t - now).to_std().unwrap_or(Duration::ZERO);
        let mut wait = Duration::from_secs(60);
        for e in &self.entries {
            if let Some(next) = e.next {
                wait = wait.min(until(next));
            }
            if let Some(r) = e.running.as_ref().filter(|r| !r.late) {
                wait = wait.min(r.deadline.saturating_duration_since(Instant::now()));
            }
        }
        if let Some(next) = self.prune.as_ref().and_then(|p| p.next) {
            wait = wait.min(until(next));
        }
        wait
    }

    /// The run after `due`, skipping runs already missed at `now`.
    fn following(schedule: &Schedule, due: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        schedule.next_after(due).and_then(|next| if next > now { Some(next) } else { schedule.next_after(now) })
    }

    fn start_due(&mut self, now: DateTime<Utc>) {
        for index in 0..self.entries.len() {
            let Some(due) = self.entries[index].next.filter(|d| *d <= now) else { continue };
            let entry = &mut self.entries[index];
            entry.next = Self::following(&entry.schedule, due, now);
            if entry.running.is_some() {
                // The previous run is still going (it is slow, or just about to report): skip this one.
                continue;
            }
            self.start_graph(index, now);
        }
        let due = self.prune.as_ref().and_then(|p| p.next).filter(|d| *d <= now);
        if let (Some(due), Some(prune)) = (due, self.prune.as_mut()) {
            prune.next = Self::following(&prune.job.schedule, due, now);
            if prune.running.is_none() {
                self.start_prune(now);
            }
        }
    }

    fn start_graph(&mut self, index: usize, now: DateTime<Utc>) {
        let limits = self.settings.limits;
        let results = self.results_tx.clone();
        let Some(entry) = self.entries.get_mut(index) else { return };
        entry.runs += 1;
        let run = entry.runs;
        let deadline = entry.schedule.period_after(now).clamp(limits.min_deadline, limits.max_deadline);
        let job = Arc::clone(&entry.job);
        let spawned = std::thread::Builder::new().name("fmd-graph-run".into()).spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let mut f = job.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                f()
            }));
            let result = match outcome {
                Ok(Ok(value)) if value.is_finite() => Ok(value),
                Ok(Ok(value)) => Err(Failure::Error(format!("returned {value}, not a finite number"))),
                Ok(Err(message)) => Err(Failure::Error(message)),
                Err(payload) => Err(Failure::Panic(panic_text(payload.as_ref()))),
            };
            let _ = results.send(Outcome::Graph { index, run, time: Utc::now(), result });
        });
        match spawned {
            Ok(_) => entry.running = Some(Running { run, deadline: Instant::now() + deadline, late: false }),
            Err(e) => {
                let title = entry.title.clone();
                self.problem(index, Problem::Thread, &format!("cannot start a thread to run it ({e})"), &title);
            }
        }
    }

    fn start_prune(&mut self, now: DateTime<Utc>) {
        let Some(prune) = self.prune.as_mut() else { return };
        prune.runs += 1;
        let run = prune.runs;
        let cutoff = chrono::Duration::from_std(prune.job.older_than)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut options = PruneOptions::new(cutoff);
        options.keep_custom_graphs = prune.job.keep_custom_graphs;
        let (path, prefix) = (self.settings.path.clone(), self.settings.prefix.clone());
        let results = self.results_tx.clone();
        let spawned = std::thread::Builder::new().name("fmd-prune".into()).spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<String, String> {
                let store = Store::open_editor(&path, Some(&prefix)).map_err(|e| e.to_string())?;
                let report = store.prune(&options).map_err(|e| e.to_string())?;
                let d = &report.deleted;
                Ok(format!(
                    "fmd recorder: pruned {} requests recorded before {} UTC ({} rows in all, {} custom graph \
                     values) from {} in {:.0} ms",
                    d.requests,
                    report.cutoff,
                    d.total(),
                    d.custom_graph_data,
                    path.display(),
                    report.elapsed_ms
                ))
            }));
            let result = outcome.unwrap_or_else(|payload| Err(format!("panicked: {}", panic_text(payload.as_ref()))));
            let _ = results.send(Outcome::Prune { run, result });
        });
        match spawned {
            Ok(_) => prune.running = Some(run),
            Err(e) => self.prune_failed(format!("cannot start the prune thread ({e})")),
        }
    }

    /// Declares runs past their deadline slow (once per episode); their values will be discarded.
    fn check_deadlines(&mut self) {
        let now = Instant::now();
        for index in 0..self.entries.len() {
            let entry = &mut self.entries[index];
            let Some(running) = entry.running.as_mut().filter(|r| !r.late && r.deadline <= now) else { continue };
            running.late = true;
            let title = entry.title.clone();
            self.problem(
                index,
                Problem::Slow,
                "did not return before its deadline; its runs are skipped until it does",
                &title,
            );
        }
    }

    fn finish(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Graph { index, run, time, result } => {
                let Some(entry) = self.entries.get_mut(index) else { return };
                let Some(running) = entry.running.take_if(|r| r.run == run) else { return };
                if running.late {
                    return;
                }
                let title = entry.title.clone();
                match result {
                    Ok(value) => {
                        if self.store_value(index, time, value) {
                            self.recovered(index);
                        }
                    }
                    Err(Failure::Error(message)) => {
                        self.problem(index, Problem::Error, &format!("failed: {message}"), &title)
                    }
                    Err(Failure::Panic(message)) => {
                        self.problem(index, Problem::Panic, &format!("panicked: {message}"), &title)
                    }
                }
            }
            Outcome::Prune { run, result } => {
                let Some(prune) = self.prune.as_mut() else { return };
                if prune.running.take_if(|r| *r == run).is_none() {
                    return;
                }
                match result {
                    Ok(message) => {
                        let was_failing = std::mem::take(&mut prune.failing);
                        if was_failing {
                            self.log(Level::Info, "fmd recorder: scheduled pruning works again".into());
                        }
                        self.log(Level::Info, message);
                    }
                    Err(message) => self.prune_failed(message),
                }
            }
        }
    }

    fn prune_failed(&mut self, message: String) {
        let Some(prune) = self.prune.as_mut() else { return };
        if !std::mem::replace(&mut prune.failing, true) {
            let path = self.settings.path.display().to_string();
            self.log(
                Level::Warn,
                format!("fmd recorder: scheduled pruning of {path} failed: {message}; it is retried at its next run (logged once)"),
            );
        }
    }

    /// Logs `what` the first time graph `index` has this kind of problem in a row.
    fn problem(&mut self, index: usize, problem: Problem, what: &str, title: &str) {
        let Some(entry) = self.entries.get_mut(index) else { return };
        if entry.problem.replace(problem) == Some(problem) {
            return;
        }
        let message = format!(
            "fmd recorder: custom graph {title:?} {what}; the value is skipped (logged once until it recovers)"
        );
        self.log(Level::Warn, message);
    }

    fn recovered(&mut self, index: usize) {
        let Some(entry) = self.entries.get_mut(index) else { return };
        if entry.problem.take().is_some() {
            let message = format!("fmd recorder: custom graph {:?} works again", entry.title);
            self.log(Level::Info, message);
        }
    }

    /// Stores one value (creating the graph's row first if needed). False when the database failed (logged once
    /// per episode; the connection is reopened at the next value).
    fn store_value(&mut self, index: usize, time: DateTime<Utc>, value: f64) -> bool {
        let Some(entry) = self.entries.get(index) else { return false };
        let (title, known) = (entry.title.clone(), entry.id);
        match self.try_store(&title, known, time, value) {
            Ok(id) => {
                if let Some(entry) = self.entries.get_mut(index) {
                    entry.id = Some(id);
                }
                if std::mem::take(&mut self.db_failing) {
                    let path = self.settings.path.display().to_string();
                    self.log(Level::Info, format!("fmd recorder: custom graph values are stored in {path} again"));
                }
                true
            }
            Err(e) => {
                if !std::mem::replace(&mut self.db_failing, true) {
                    self.log(
                        Level::Warn,
                        format!(
                            "fmd recorder: cannot store custom graph values: {e}; values are skipped until it works \
                             again (logged once)"
                        ),
                    );
                }
                false
            }
        }
    }

    /// Opens the connection when there is none, creates the graph's row when `known` is `None`, inserts the
    /// value. A failure drops the connection (it is reopened next time: the file may have been replaced).
    fn try_store(
        &mut self,
        title: &str,
        known: Option<i64>,
        time: DateTime<Utc>,
        value: f64,
    ) -> Result<i64, fmd_core::StoreError> {
        let store = match self.store.take() {
            Some(store) => store,
            None => {
                let store = Store::open_writer(&self.settings.path, &self.settings.prefix)?;
                let _ = store.connection().busy_timeout(self.settings.limits.busy_timeout);
                store
            }
        };
        let id = match known {
            Some(id) => id,
            None => store.ensure_graph(title, &self.settings.version)?,
        };
        store.add_graph_value(id, time, value)?;
        self.store = Some(store);
        Ok(id)
    }
}
