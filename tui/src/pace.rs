//! Adaptive live refresh: every query's cost (request to answer) is remembered, and a query that took long is
//! re-run less often, so one heavy tab never keeps the worker busy (and the console waiting) all the time.
//!
//! Queries faster than [`SLOW`] refresh on every tick, as before. A slower one refreshes once its last answer is
//! [`SHARE`] times its cost old (a 0.5 s query every 5 s, so refreshing it takes at most a tenth of the
//! worker's time), at most every [`LONGEST`], and never while it is still running. The header shows the cost
//! and period of such a query.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::views::ViewKey;

/// Queries at least this slow are refreshed less often.
pub const SLOW: Duration = Duration::from_millis(250);
/// A slow query is refreshed when its answer is this many times its cost old.
pub const SHARE: u32 = 10;
/// The longest period between two refreshes of one query.
pub const LONGEST: Duration = Duration::from_secs(60);

/// Which query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// The overview (every screen needs it).
    Overview,
    /// One tab's query.
    View(ViewKey),
}

/// Costs and ages of the queries. The default measures nothing (every query refreshes on every tick, as the
/// deterministic tests expect); the console uses [`Pace::measuring`].
#[derive(Debug, Clone, Default)]
pub struct Pace {
    measuring: bool,
    sent: HashMap<Slot, Instant>,
    cost: HashMap<Slot, Duration>,
    answered: HashMap<Slot, Instant>,
}

impl Pace {
    /// A pace that measures the queries and backs off slow ones.
    pub fn measuring() -> Pace {
        Pace { measuring: true, ..Pace::default() }
    }

    /// `slot` was asked for at `at`.
    pub fn sent(&mut self, slot: Slot, at: Instant) {
        if self.measuring {
            self.sent.insert(slot, at);
        }
    }

    /// `slot`'s answer arrived at `at`.
    pub fn answered(&mut self, slot: Slot, at: Instant) {
        if !self.measuring {
            return;
        }
        if let Some(sent) = self.sent.remove(&slot) {
            self.cost.insert(slot, at.saturating_duration_since(sent));
        }
        self.answered.insert(slot, at);
    }

    /// How long `slot` took last time, when that was slow.
    pub fn slow(&self, slot: Slot) -> Option<Duration> {
        self.cost.get(&slot).copied().filter(|c| *c >= SLOW)
    }

    /// The refresh period of a query that costs `cost`.
    pub fn period(cost: Duration) -> Duration {
        cost.saturating_mul(SHARE).min(LONGEST)
    }

    /// Whether the live refresh should re-run `slot` at `now` (`pending`: it is still running).
    pub fn due(&self, slot: Slot, now: Instant, pending: bool) -> bool {
        let Some(cost) = self.slow(slot) else { return true };
        if pending {
            return false;
        }
        match self.answered.get(&slot) {
            Some(at) => now.saturating_duration_since(*at) >= Pace::period(cost),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_pace_measures_nothing() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        pace.sent(Slot::Overview, t0);
        pace.answered(Slot::Overview, t0 + Duration::from_secs(5));
        assert_eq!(pace.slow(Slot::Overview), None);
        assert!(pace.due(Slot::Overview, t0 + Duration::from_secs(5), true));
    }

    #[test]
    fn fast_queries_refresh_every_tick_and_slow_ones_back_off() {
        let mut pace = Pace::measuring();
        let t0 = Instant::now();
        assert!(pace.due(Slot::Overview, t0, false), "never run: due");
        pace.sent(Slot::Overview, t0);
        pace.answered(Slot::Overview, t0 + Duration::from_millis(40));
        assert_eq!(pace.slow(Slot::Overview), None);
        assert!(pace.due(Slot::Overview, t0 + Duration::from_millis(50), false));
        assert!(pace.due(Slot::Overview, t0 + Duration::from_millis(50), true), "fast: even while pending");

        pace.sent(Slot::Overview, t0 + Duration::from_secs(1));
        let answered = t0 + Duration::from_millis(1800);
        pace.answered(Slot::Overview, answered);
        assert_eq!(pace.slow(Slot::Overview), Some(Duration::from_millis(800)));
        assert!(!pace.due(Slot::Overview, answered + Duration::from_secs(7), false), "8 s period");
        assert!(pace.due(Slot::Overview, answered + Duration::from_secs(8), false));
        assert!(!pace.due(Slot::Overview, answered + Duration::from_secs(9), true), "never while running");
        assert_eq!(Pace::period(Duration::from_secs(30)), LONGEST);
    }
}
