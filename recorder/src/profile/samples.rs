//! The raw samples of one profiled request: distinct address paths with the time they stand for, bounded.

use std::time::Duration;

/// Most distinct stacks kept per request; later distinct stacks are counted as overflow.
pub(crate) const MAX_STACKS: usize = 128;

/// One distinct stack and the time attributed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SampledStack {
    /// Code addresses, innermost first (as the sampler returns them).
    pub(crate) ips: Vec<usize>,
    /// True when the first address is the interrupted instruction (a signal sample), false when every
    /// address is a return address (an await point's stack).
    pub(crate) first_is_exact: bool,
    /// Time attributed to this stack.
    pub(crate) weight: Duration,
    /// Samples counted into `weight`.
    pub(crate) hits: u32,
}

/// Every sample of a request so far (filled by the watcher, read by the writer).
#[derive(Debug, Default, Clone)]
pub(crate) struct Samples {
    pub(crate) stacks: Vec<SampledStack>,
    /// Time of samples that fit no stack (beyond [`MAX_STACKS`] distinct ones).
    pub(crate) overflow: Duration,
    /// Time the request was parked with no known await point (no sample could name it).
    pub(crate) unattributed: Duration,
    /// Index in `stacks` of the latest stack sampled while the request was being polled.
    latest: Option<usize>,
}

impl Samples {
    /// Adds `weight` to the stack `ips`; returns its index (none when it overflowed).
    pub(crate) fn add(&mut self, ips: &[usize], first_is_exact: bool, weight: Duration) -> Option<usize> {
        if let Some(at) = self.stacks.iter().position(|s| s.first_is_exact == first_is_exact && s.ips == ips) {
            let stack = &mut self.stacks[at];
            stack.weight += weight;
            stack.hits = stack.hits.saturating_add(1);
            return Some(at);
        }
        if self.stacks.len() >= MAX_STACKS {
            self.overflow += weight;
            return None;
        }
        self.stacks.push(SampledStack { ips: ips.to_vec(), first_is_exact, weight, hits: 1 });
        Some(self.stacks.len() - 1)
    }

    /// A sample of the polling thread.
    pub(crate) fn add_running(&mut self, ips: &[usize], weight: Duration) {
        self.latest = self.add(ips, true, weight);
    }

    /// A sample taken while the request was parked: the time goes to the stack of its await point when known,
    /// else to the latest stack sampled while it ran, else it is unattributed.
    pub(crate) fn add_parked(&mut self, await_point: Option<&[usize]>, weight: Duration) {
        match (await_point, self.latest) {
            (Some(ips), _) if !ips.is_empty() => {
                self.add(ips, false, weight);
            }
            (_, Some(latest)) => {
                let stack = &mut self.stacks[latest];
                stack.weight += weight;
                stack.hits = stack.hits.saturating_add(1);
            }
            _ => self.unattributed += weight,
        }
    }

    /// Number of samples taken.
    #[cfg(test)]
    pub(crate) fn hits(&self) -> u64 {
        self.stacks.iter().map(|s| u64::from(s.hits)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn equal_stacks_are_merged_and_distinct_ones_bounded() {
        let mut samples = Samples::default();
        samples.add_running(&[1, 2, 3], 5 * MS);
        samples.add_running(&[1, 2, 3], 5 * MS);
        samples.add_running(&[9, 2, 3], 5 * MS);
        assert_eq!(samples.stacks.len(), 2);
        assert_eq!(samples.stacks[0].weight, 10 * MS);
        assert_eq!(samples.stacks[0].hits, 2);
        for i in 0..(MAX_STACKS + 5) {
            samples.add_running(&[100 + i], MS);
        }
        assert_eq!(samples.stacks.len(), MAX_STACKS);
        assert_eq!(samples.overflow, 7 * MS, "the stacks beyond the bound are counted, not kept");
    }

    #[test]
    fn parked_time_goes_to_the_await_point_else_the_latest_stack() {
        let mut samples = Samples::default();
        samples.add_parked(None, 3 * MS);
        assert_eq!(samples.unattributed, 3 * MS, "nothing known yet");
        samples.add_running(&[1, 2], 5 * MS);
        samples.add_parked(None, 5 * MS);
        assert_eq!(samples.stacks[0].weight, 10 * MS, "the latest running stack");
        samples.add_parked(Some(&[7, 8]), 5 * MS);
        samples.add_parked(Some(&[7, 8]), 5 * MS);
        assert_eq!(
            samples.stacks[1],
            SampledStack { ips: vec![7, 8], first_is_exact: false, weight: 10 * MS, hits: 2 }
        );
        assert_eq!(samples.hits(), 4);
    }
}
