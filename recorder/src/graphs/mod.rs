//! Custom graphs (FMD's `add_graph`) and scheduled pruning, on one background thread per recorder.
//!
//! [`Recorder::add_graph`](crate::Recorder::add_graph) registers a title, a closure returning a number and a
//! [`Schedule`]. The closure is called once at registration (as FMD does) and then on the schedule; each value
//! becomes a `CustomGraphData` row of the graph's `CustomGraph` row (created once per title, with the time and
//! the version it was added). See `runner` for how slow, failing and panicking closures are handled, and
//! `schedule` for the schedule arithmetic.
//!
//! With `[pruning]` in the configuration, the same thread prunes the database on its schedule.

mod runner;
mod schedule;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use fmd_core::store::MAX_GRAPH_TITLE;
use fmd_core::Config;

pub use schedule::Schedule;

use runner::{Command, GraphFn, Limits, PruneJob, RunnerHandle};

/// Why [`Recorder::add_graph`](crate::Recorder::add_graph) refused a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// The title is empty (or only white space).
    EmptyTitle,
    /// The title is longer than FMD's `CustomGraph.title` column (250 characters).
    TitleTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// This recorder already has a graph with this title.
    Duplicate(String),
    /// The schedule cannot run (a zero interval, a cron field out of range).
    InvalidSchedule(String),
    /// The recorder was shut down.
    ShutDown,
    /// The graph thread could not be started.
    Thread(String),
    /// The recorder's database cannot hold custom graphs (yet): why.
    Unsupported(String),
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::EmptyTitle => write!(f, "a custom graph needs a title"),
            GraphError::TitleTooLong { chars } => {
                write!(f, "a custom graph title has at most {MAX_GRAPH_TITLE} characters, this one {chars}")
            }
            GraphError::Duplicate(title) => write!(f, "this recorder already has a custom graph titled {title:?}"),
            GraphError::InvalidSchedule(why) => write!(f, "invalid schedule: {why}"),
            GraphError::ShutDown => write!(f, "the recorder was shut down"),
            GraphError::Thread(why) => write!(f, "cannot start the custom graph thread: {why}"),
            GraphError::Unsupported(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for GraphError {}

/// What a graph closure may return: a number, or a `Result` of one whose error is logged (once per episode)
/// and skips the value.
pub trait GraphValue {
    /// The value to store, or why there is none.
    fn into_graph_value(self) -> Result<f64, String>;
}

macro_rules! graph_value_as_f64 {
    ($($t:ty),*) => {$(
        impl GraphValue for $t {
            fn into_graph_value(self) -> Result<f64, String> {
                Ok(self as f64)
            }
        }
    )*};
}

graph_value_as_f64!(f64, f32, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl<T: GraphValue, E: fmt::Display> GraphValue for Result<T, E> {
    fn into_graph_value(self) -> Result<f64, String> {
        self.map_err(|e| e.to_string()).and_then(GraphValue::into_graph_value)
    }
}

/// What the recorder's builder knows about graphs and pruning from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    path: PathBuf,
    prefix: String,
    version: String,
    prune: Option<PruneJob>,
    /// Why graphs and pruning cannot run on this recorder's database, if they cannot.
    unsupported: Option<String>,
}

impl Setup {
    /// The database, prefix, version and `[pruning]` of `config`.
    pub(crate) fn from_config(config: &Config) -> Setup {
        let p = &config.pruning;
        let schedule = match (&p.cron, p.every) {
            (Some(spec), _) => Some(Schedule::Cron(spec.clone())),
            (None, Some(every)) => Some(Schedule::Every(every)),
            (None, None) => None,
        };
        let prune = match (p.older_than, schedule) {
            (Some(older_than), Some(schedule)) => {
                Some(PruneJob { older_than, schedule, keep_custom_graphs: p.keep_custom_graphs })
            }
            _ => None,
        };
        Setup {
            path: config.database.path.clone(),
            prefix: config.database.table_prefix.clone(),
            version: config.effective_version(),
            prune,
            unsupported: None,
        }
    }

    /// The same for another database file (`RecorderBuilder::database`).
    pub(crate) fn with_database(mut self, path: &Path) -> Setup {
        self.path = path.to_path_buf();
        self
    }

    /// No graphs and no pruning, for `reason` (a database the graph thread cannot write).
    pub(crate) fn unsupported(mut self, reason: &str) -> Setup {
        self.unsupported = Some(reason.to_string());
        self
    }
}

struct State {
    handle: Option<RunnerHandle>,
    titles: HashSet<String>,
    stopped: bool,
}

/// The recorder's graph thread: started by the first graph, or at once when pruning is scheduled.
pub(crate) struct Graphs {
    settings: runner::Settings,
    state: Mutex<State>,
    /// Why graphs are refused (and pruning does not run), if they are.
    unsupported: Option<String>,
}

impl fmt::Debug for Graphs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Graphs")
            .field("titles", &state.titles)
            .field("running", &state.handle.is_some())
            .field("prune", &self.settings.prune)
            .finish()
    }
}

impl Graphs {
    /// Graphs for `setup`; the thread starts now when pruning is configured (a failure to start it is logged).
    pub(crate) fn new(setup: Setup) -> Graphs {
        Self::with_limits(setup, Limits::default(), runner::tracing_logger())
    }

    fn with_limits(setup: Setup, limits: Limits, log: runner::Logger) -> Graphs {
        let settings = runner::Settings {
            path: setup.path,
            prefix: setup.prefix,
            version: setup.version,
            prune: setup.prune,
            limits,
            log,
        };
        let graphs = Graphs {
            settings,
            state: Mutex::new(State { handle: None, titles: HashSet::new(), stopped: false }),
            unsupported: setup.unsupported,
        };
        if let (Some(why), Some(_)) = (&graphs.unsupported, &graphs.settings.prune) {
            tracing::error!("fmd recorder: {why}; scheduled pruning ([pruning]) does not run");
        } else if graphs.settings.prune.is_some() {
            let mut state = graphs.lock();
            if let Err(e) = graphs.ensure_started(&mut state) {
                tracing::error!("fmd recorder: {e}; scheduled pruning does not run");
            }
        }
        graphs
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn ensure_started<'a>(&self, state: &'a mut State) -> Result<&'a RunnerHandle, GraphError> {
        if let Some(why) = &self.unsupported {
            return Err(GraphError::Unsupported(why.clone()));
        }
        if state.stopped {
            return Err(GraphError::ShutDown);
        }
        if state.handle.is_none() {
            let handle = runner::spawn(self.settings.clone()).map_err(|e| GraphError::Thread(e.to_string()))?;
            state.handle = Some(handle);
        }
        state.handle.as_ref().ok_or(GraphError::ShutDown)
    }

    /// Registers a graph: checks the title and the schedule, then hands it to the thread, which runs it at once
    /// and then on the schedule.
    pub(crate) fn add(&self, title: String, job: GraphFn, schedule: Schedule) -> Result<(), GraphError> {
        if title.trim().is_empty() {
            return Err(GraphError::EmptyTitle);
        }
        let chars = title.chars().count();
        if chars > MAX_GRAPH_TITLE {
            return Err(GraphError::TitleTooLong { chars });
        }
        schedule.check()?;
        let mut state = self.lock();
        if state.titles.contains(&title) {
            return Err(GraphError::Duplicate(title));
        }
        let handle = self.ensure_started(&mut state)?;
        handle.commands.send(Command::Add { title: title.clone(), schedule, job }).map_err(|_| GraphError::ShutDown)?;
        state.titles.insert(title);
        Ok(())
    }

    /// Stops the thread (waiting up to `timeout`); later graphs are refused. Closures or a prune still running
    /// on their helper threads finish on their own.
    pub(crate) fn shutdown(&self, timeout: Duration) {
        let handle = {
            let mut state = self.lock();
            state.stopped = true;
            state.handle.take()
        };
        if let Some(handle) = handle {
            handle.stop(timeout);
        }
    }
}

impl Drop for Graphs {
    /// A recorder dropped without `shutdown` still stops its thread (without waiting).
    fn drop(&mut self) {
        let handle = self.lock().handle.take();
        if let Some(handle) = handle {
            handle.stop(Duration::ZERO);
        }
    }
}

#[cfg(test)]
mod tests;
