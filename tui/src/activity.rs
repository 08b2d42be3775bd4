//! What the header says about requests arriving: the rate (requests per second, from the change in the total
//! hits between overview answers, over the last [`WINDOW`]) and, while the screen is frozen (`f`), how many
//! requests arrived since (the overview is still asked for while frozen, only to count them).

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use fmd_core::store::OverviewRow;

/// How far back the rate looks.
pub const WINDOW: chrono::Duration = chrono::Duration::seconds(10);

/// Totals seen, and the total when the screen froze.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    /// (computed at, total hits), oldest first, within [`WINDOW`] of the newest.
    samples: VecDeque<(DateTime<Utc>, u64)>,
    /// The total when the screen froze.
    frozen_at: Option<u64>,
}

/// Every endpoint's requests, all time.
pub fn total(rows: &[OverviewRow]) -> u64 {
    rows.iter().map(|r| r.hits_overall).sum()
}

impl Activity {
    /// An overview computed at `at` counted `total` requests.
    pub fn observe(&mut self, at: DateTime<Utc>, total: u64) {
        // Fewer than before (a prune or a delete) or a clock that went back: start over.
        if self.samples.back().is_some_and(|&(t, n)| total < n || at < t) {
            self.samples.clear();
        }
        if self.samples.back().is_some_and(|&(t, _)| t == at) {
            self.samples.pop_back();
        }
        self.samples.push_back((at, total));
        while self.samples.front().is_some_and(|&(t, _)| at - t > WINDOW) && self.samples.len() > 2 {
            self.samples.pop_front();
        }
    }

    /// Requests per second over the last [`WINDOW`]; `None` before two answers some time apart.
    pub fn rate(&self) -> Option<f64> {
        let (&(t0, n0), &(t1, n1)) = (self.samples.front()?, self.samples.back()?);
        let seconds = (t1 - t0).num_milliseconds() as f64 / 1000.0;
        (seconds >= 0.5).then(|| (n1 - n0) as f64 / seconds)
    }

    /// The screen froze (or resumed): remember the total it shows, or forget it.
    pub fn set_frozen(&mut self, frozen: bool) {
        self.frozen_at = if frozen { self.samples.back().map(|&(_, n)| n) } else { None };
    }

    /// Requests that arrived since the screen froze (`None` when live).
    pub fn new_since_freeze(&self) -> Option<u64> {
        let base = self.frozen_at?;
        Some(self.samples.back().map_or(0, |&(_, n)| n.saturating_sub(base)))
    }

    /// The header's words: `12.5/s`, `❚❚ frozen` is drawn apart; `3 new` while frozen.
    pub fn label(&self) -> Option<String> {
        if let Some(n) = self.new_since_freeze() {
            return Some(format!("{} new", crate::format::count(n)));
        }
        let rate = self.rate()?;
        Some(if rate < 10.0 { format!("{rate:.1} req/s") } else { format!("{rate:.0} req/s") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap_or_default()
    }

    #[test]
    fn the_rate_is_the_change_over_the_last_seconds() {
        let mut a = Activity::default();
        a.observe(at(100), 1_000);
        assert_eq!(a.rate(), None, "one answer tells nothing");
        a.observe(at(102), 1_010);
        assert_eq!(a.rate(), Some(5.0));
        assert_eq!(a.label().as_deref(), Some("5.0 req/s"));
        for s in 3..=20 {
            a.observe(at(100 + s), 1_010 + (s as u64 - 2) * 40);
        }
        assert_eq!(a.rate(), Some(40.0), "the first slow seconds have left the window");
        assert_eq!(a.label().as_deref(), Some("40 req/s"));
        a.observe(at(121), 5);
        assert_eq!(a.rate(), None, "a prune starts over");
    }

    #[test]
    fn frozen_it_counts_what_arrived_since() {
        let mut a = Activity::default();
        a.observe(at(1), 500);
        a.set_frozen(true);
        assert_eq!(a.label().as_deref(), Some("0 new"));
        a.observe(at(2), 503);
        a.observe(at(3), 1_750);
        assert_eq!(a.new_since_freeze(), Some(1_250));
        assert_eq!(a.label(), Some(format!("{} new", crate::format::count(1_250))));
        a.set_frozen(false);
        assert_eq!(a.new_since_freeze(), None);
    }
}
