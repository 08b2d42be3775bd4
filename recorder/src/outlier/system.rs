//! CPU and memory readings for outliers (the watcher thread owns the sampler).
//!
//! CPU use is a difference of two readings of the kernel's counters. psutil's `cpu_percent(interval=None)`,
//! which FMD calls once per outlier, measures since its own previous call: 0.0 the first time and an
//! arbitrary window afterwards. Here the baseline is taken when requests start being watched and refreshed at
//! least every second while they are, and a capture reads the counters again when the last reading is at
//! least [`sysinfo::MINIMUM_CPU_UPDATE_INTERVAL`] old (else it reuses the last values): the values cover the
//! 0.2-1 s before the capture.

use std::time::{Duration, Instant};

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

/// How often the baseline is refreshed while requests are watched.
pub(crate) const BASELINE_REFRESH: Duration = Duration::from_secs(1);

/// System memory in bytes (psutil's `svmem` fields fmd stores).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Memory {
    pub(crate) total: u64,
    pub(crate) available: u64,
    pub(crate) used: u64,
    pub(crate) free: u64,
}

/// One reading for an outlier row.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SystemSnapshot {
    /// Percent per core.
    pub(crate) cpu: Vec<f32>,
    pub(crate) memory: Memory,
    /// This process's resident set size in bytes.
    pub(crate) process_rss: Option<u64>,
}

/// The watcher's `sysinfo` state.
pub(crate) struct SystemSampler {
    system: System,
    pid: Option<Pid>,
    /// When the CPU counters were last read (`None`: never).
    cpu_read: Option<Instant>,
    /// Per-core values of the last complete interval.
    cpu: Vec<f32>,
    last: SystemSnapshot,
}

impl std::fmt::Debug for SystemSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemSampler").field("cpu_read", &self.cpu_read).finish_non_exhaustive()
    }
}

impl SystemSampler {
    /// A sampler that has read nothing yet (cheap).
    pub(crate) fn new() -> SystemSampler {
        SystemSampler {
            system: System::new(),
            pid: sysinfo::get_current_pid().ok(),
            cpu_read: None,
            cpu: Vec::new(),
            last: SystemSnapshot::default(),
        }
    }

    /// Reads the CPU counters. The time is taken after the read, so an interval that is long enough by
    /// this clock is long enough by sysinfo's (which skips reads closer than its minimum interval).
    fn read_cpu(&mut self) {
        let first = self.cpu_read.is_none();
        self.system.refresh_cpu_usage();
        self.cpu_read = Some(Instant::now());
        if !first {
            self.cpu = self.system.cpus().iter().map(|c| c.cpu_usage()).collect();
        }
    }

    /// Takes the baseline when there is none, and refreshes it when it is older than [`BASELINE_REFRESH`].
    pub(crate) fn tick(&mut self, now: Instant) {
        match self.cpu_read {
            None => self.read_cpu(),
            Some(at) if now.saturating_duration_since(at) >= BASELINE_REFRESH => self.read_cpu(),
            Some(_) => {}
        }
    }

    /// A fresh reading for a capture. Waits (at most the minimum interval) when no interval has completed
    /// since the baseline yet.
    pub(crate) fn capture(&mut self) -> SystemSnapshot {
        let minimum = sysinfo::MINIMUM_CPU_UPDATE_INTERVAL + Duration::from_millis(5);
        let now = Instant::now();
        match self.cpu_read {
            None => {
                self.read_cpu();
                std::thread::sleep(minimum);
                self.read_cpu();
            }
            Some(at) if now.saturating_duration_since(at) >= minimum => self.read_cpu(),
            Some(at) if self.cpu.is_empty() => {
                std::thread::sleep(minimum.saturating_sub(now.saturating_duration_since(at)));
                self.read_cpu();
            }
            Some(_) => {}
        }
        self.system.refresh_memory();
        let memory = Memory {
            total: self.system.total_memory(),
            available: self.system.available_memory(),
            used: self.system.used_memory(),
            free: self.system.free_memory(),
        };
        let process_rss = self.pid.and_then(|pid| {
            self.system.refresh_processes_specifics(
                ProcessesToUpdate::Some(&[pid]),
                false,
                ProcessRefreshKind::nothing().with_memory(),
            );
            self.system.process(pid).map(|p| p.memory())
        });
        self.last = SystemSnapshot { cpu: self.cpu.clone(), memory, process_rss };
        self.last.clone()
    }

    /// The latest reading without touching the system (for captures over the rate limit); zeros per core
    /// when nothing was read yet.
    pub(crate) fn cached(&self) -> SystemSnapshot {
        let mut snapshot = self.last.clone();
        if snapshot.cpu.is_empty() {
            snapshot.cpu = vec![0.0; self.system.cpus().len().max(1)];
        }
        snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_has_one_value_per_core_and_real_memory() {
        let mut sampler = SystemSampler::new();
        sampler.tick(Instant::now());
        let snapshot = sampler.capture();
        assert!(!snapshot.cpu.is_empty());
        assert!(snapshot.cpu.iter().all(|v| (0.0..=100.0).contains(v)), "{:?}", snapshot.cpu);
        assert!(snapshot.memory.total > 0 && snapshot.memory.available <= snapshot.memory.total);
        assert!(snapshot.process_rss.is_some_and(|rss| rss > 0));
        assert_eq!(sampler.cached().cpu.len(), snapshot.cpu.len());
    }
}
