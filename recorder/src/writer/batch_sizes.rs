//! The sizes of the batches the writer commits (Request rows per transaction), logged at debug level every
//! [`REPORT_EVERY`] while it writes and once at shutdown, so the batch sizes a service really sees can be read
//! from its log (`RUST_LOG=fmd_recorder=debug`) and the database's insert tuned for them.

use std::time::{Duration, Instant};

/// How often the sizes of the last period are logged (when batches were written in it).
pub(crate) const REPORT_EVERY: Duration = Duration::from_secs(10);

/// Upper bounds of the histogram's buckets (the last bucket holds everything above).
const BOUNDS: [usize; 6] = [1, 15, 255, 1023, 4095, usize::MAX];
/// How the buckets are shown.
const LABELS: [&str; 6] = ["1", "2-15", "16-255", "256-1023", "1024-4095", "4096+"];

/// Counts of batches by size.
#[derive(Debug, Clone, Default)]
struct Tally {
    batches: u64,
    rows: u64,
    max: usize,
    buckets: [u64; 6],
}

impl Tally {
    fn add(&mut self, rows: usize) {
        self.batches += 1;
        self.rows += rows as u64;
        self.max = self.max.max(rows);
        let at = BOUNDS.iter().position(|&bound| rows <= bound).unwrap_or(BOUNDS.len() - 1);
        self.buckets[at] += 1;
    }

    fn describe(&self) -> String {
        let mean = if self.batches == 0 { 0.0 } else { self.rows as f64 / self.batches as f64 };
        let buckets: Vec<String> =
            LABELS.iter().zip(self.buckets).filter(|(_, n)| *n > 0).map(|(label, n)| format!("{label}: {n}")).collect();
        format!(
            "{} batches, {} rows, mean {mean:.1} rows, max {} rows (rows per batch: {})",
            self.batches,
            self.rows,
            self.max,
            buckets.join(", ")
        )
    }
}

/// The writer's batch sizes: since the last report, and since it started.
#[derive(Debug)]
pub(crate) struct BatchSizes {
    period: Tally,
    total: Tally,
    since: Instant,
}

impl Default for BatchSizes {
    fn default() -> Self {
        BatchSizes { period: Tally::default(), total: Tally::default(), since: Instant::now() }
    }
}

impl BatchSizes {
    /// Notes a committed batch of `rows` Request rows (batches of only counters or `last_requested` times are
    /// not counted); logs the period's sizes when [`REPORT_EVERY`] has passed.
    pub(crate) fn add(&mut self, rows: usize) {
        if rows == 0 {
            return;
        }
        self.period.add(rows);
        self.total.add(rows);
        let elapsed = self.since.elapsed();
        if elapsed >= REPORT_EVERY {
            tracing::debug!(
                "fmd recorder: batches written in {:.1} s: {}",
                elapsed.as_secs_f64(),
                self.period.describe()
            );
            self.period = Tally::default();
            self.since = Instant::now();
        }
    }

    /// Logs the sizes of every batch since the writer started (at shutdown).
    pub(crate) fn report_total(&self) {
        if self.total.batches > 0 {
            tracing::debug!("fmd recorder: batches written since start: {}", self.total.describe());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_summary() {
        let mut tally = Tally::default();
        for rows in [1, 2, 15, 16, 300, 4096] {
            tally.add(rows);
        }
        assert_eq!(tally.buckets, [1, 2, 1, 1, 0, 1]);
        assert_eq!((tally.batches, tally.rows, tally.max), (6, 4430, 4096));
        let text = tally.describe();
        assert!(text.starts_with("6 batches, 4430 rows, mean 738.3 rows, max 4096 rows"), "{text}");
        assert!(text.contains("2-15: 2") && !text.contains("1024-4095"), "{text}");
    }
}
