//! Time on the hot path and in the writer.
//!
//! The request path only reads the monotonic clock (`Instant`), as nanoseconds since the recorder started
//! ("ticks"). The writer turns ticks into UTC wall time with an anchor (a wall-clock reading taken together
//! with a monotonic one) that it refreshes every cycle, so wall-clock steps (NTP) are followed within one
//! cycle and the request path never asks for the wall clock.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The monotonic origin of one recorder's ticks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch: Instant,
}

impl Clock {
    /// A clock whose tick 0 is now.
    pub(crate) fn start() -> Clock {
        Clock { epoch: Instant::now() }
    }

    /// The instant of tick 0.
    #[inline]
    pub(crate) fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Ticks (ns since the recorder started) of `at`; never 0, which means "never" in endpoint state.
    #[inline]
    pub(crate) fn ticks(&self, at: Instant) -> u64 {
        nanos(at.saturating_duration_since(self.epoch)).max(1)
    }
}

/// Whole nanoseconds of `duration`, saturating at `u64::MAX` (584 years); cheaper than `as_nanos` (u128).
#[inline]
pub(crate) fn nanos(duration: std::time::Duration) -> u64 {
    duration.as_secs().saturating_mul(1_000_000_000).saturating_add(u64::from(duration.subsec_nanos()))
}

/// A wall-clock reading paired with the tick it was taken at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WallAnchor {
    wall_micros: i64,
    ticks: u64,
}

impl WallAnchor {
    /// Reads both clocks now.
    pub(crate) fn now(clock: &Clock) -> WallAnchor {
        let ticks = clock.ticks(Instant::now());
        WallAnchor { wall_micros: wall_micros_now(), ticks }
    }

    /// UTC microseconds since the Unix epoch at tick `ticks`.
    pub(crate) fn micros_at(&self, ticks: u64) -> i64 {
        let delta_nanos = i128::from(self.ticks) - i128::from(ticks);
        let micros = i128::from(self.wall_micros) - delta_nanos / 1000;
        i64::try_from(micros).unwrap_or(self.wall_micros)
    }

    /// The wall time of the anchor itself, in UTC microseconds.
    #[cfg(test)]
    pub(crate) fn wall_micros(&self) -> i64 {
        self.wall_micros
    }
}

/// UTC microseconds since the Unix epoch (0 if the system clock is before 1970).
pub(crate) fn wall_micros_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ticks_convert_back_to_wall_time() {
        let clock = Clock::start();
        let before = wall_micros_now();
        let t = clock.ticks(Instant::now());
        std::thread::sleep(Duration::from_millis(20));
        let anchor = WallAnchor::now(&clock);
        let after = wall_micros_now();
        let wall = anchor.micros_at(t);
        assert!(wall >= before - 1_000 && wall <= after, "{before} <= {wall} <= {after}");
        assert!(anchor.wall_micros() - wall >= 19_000, "the anchor is 20 ms after the tick");
    }

    #[test]
    fn ticks_are_never_zero() {
        let clock = Clock::start();
        assert!(clock.ticks(clock.epoch) >= 1);
    }
}
