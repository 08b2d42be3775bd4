//! When a custom graph (or the scheduled prune) runs: every fixed interval, or at the instants of a cron-style
//! schedule. [`Schedule::next_after`] is pure arithmetic on UTC instants, unit tested here.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use fmd_core::config::{CronField, CronSpec};

use super::GraphError;

/// A schedule: FMD's (APScheduler's) `interval` and `cron` triggers.
///
/// ```
/// use fmd_recorder::Schedule;
/// let every_ten_seconds = Schedule::every_seconds(10);
/// let every_five_minutes = Schedule::cron("0 */5 * * *")?; // second minute hour day month, UTC
/// let nightly = Schedule::cron_fields(&[("hour", "3")])?; // 03:00:00 UTC every day
/// # Ok::<(), fmd_recorder::GraphError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Every this long (more than zero), counted from the previous scheduled run so runs do not drift.
    Every(Duration),
    /// At every instant (whole seconds, UTC) the cron fields allow.
    Cron(CronSpec),
}

impl Schedule {
    /// Every `period`.
    pub fn every(period: Duration) -> Schedule {
        Schedule::Every(period)
    }

    /// Every `n` seconds.
    pub fn every_seconds(n: u64) -> Schedule {
        Schedule::Every(Duration::from_secs(n))
    }

    /// Every `n` minutes.
    pub fn every_minutes(n: u64) -> Schedule {
        Schedule::Every(Duration::from_secs(n.saturating_mul(60)))
    }

    /// Every `n` hours.
    pub fn every_hours(n: u64) -> Schedule {
        Schedule::Every(Duration::from_secs(n.saturating_mul(3_600)))
    }

    /// A cron schedule from its five fields `second minute hour day month` (UTC): `*`, values, ranges `1-5`,
    /// lists `1,15` and steps `*/5`. `"0 */5 * * *"` runs at second 0 of every fifth minute.
    pub fn cron(expression: &str) -> Result<Schedule, GraphError> {
        CronSpec::parse(expression).map(Schedule::Cron).map_err(GraphError::InvalidSchedule)
    }

    /// A cron schedule from named fields, as FMD's `add_graph(..., trigger='cron', hour=3)`: fields more
    /// significant than the most significant one given are `*`, less significant ones their first value, so
    /// `[("hour", "3")]` runs at 03:00:00 UTC every day and `[("second", "*/10")]` every ten seconds.
    pub fn cron_fields(fields: &[(&str, &str)]) -> Result<Schedule, GraphError> {
        CronSpec::from_fields(fields.iter().map(|(name, value)| (*name, (*value).to_string())))
            .map(Schedule::Cron)
            .map_err(GraphError::InvalidSchedule)
    }

    /// Rejects schedules that would never (or constantly) run.
    pub(crate) fn check(&self) -> Result<(), GraphError> {
        match self {
            Schedule::Every(period) if period.is_zero() => {
                Err(GraphError::InvalidSchedule("the interval must be more than zero".into()))
            }
            _ => Ok(()),
        }
    }

    /// The first run strictly after `t` (`None` beyond chrono's calendar).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Every(period) => {
                let period = chrono::Duration::from_std(*period).ok()?;
                t.checked_add_signed(period.max(chrono::Duration::nanoseconds(1)))
            }
            Schedule::Cron(spec) => next_cron(spec, t),
        }
    }

    /// About how long one period lasts after `t` (the interval, or the gap between the next two cron
    /// instants); used to size a run's deadline.
    pub(crate) fn period_after(&self, t: DateTime<Utc>) -> Duration {
        match self {
            Schedule::Every(period) => *period,
            Schedule::Cron(_) => {
                let gap = self.next_after(t).and_then(|a| Some((a, self.next_after(a)?)));
                gap.and_then(|(a, b)| (b - a).to_std().ok()).unwrap_or(Duration::MAX)
            }
        }
    }
}

impl From<CronSpec> for Schedule {
    fn from(spec: CronSpec) -> Schedule {
        Schedule::Cron(spec)
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedule::Every(period) => write!(f, "every {period:?}"),
            Schedule::Cron(spec) => write!(f, "cron {spec}"),
        }
    }
}

/// Years searched for a cron match before giving up (a valid spec always matches within 8: leap days).
const SEARCH_YEARS: i32 = 9;

fn at(date: NaiveDate, hour: u32, minute: u32, second: u32) -> Option<NaiveDateTime> {
    Some(date.and_time(NaiveTime::from_hms_opt(hour, minute, second)?))
}

/// The first whole second after `t` that `spec` allows: fix the fields from the most significant down, and
/// whenever one has no allowed value left, carry into the next larger unit at its start.
fn next_cron(spec: &CronSpec, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let start = t.naive_utc().with_nanosecond(0)?.checked_add_signed(chrono::Duration::seconds(1))?;
    let last_year = start.year().checked_add(SEARCH_YEARS)?;
    let mut c = start;
    while c.year() <= last_year {
        let date = c.date();
        if !spec.allows(CronField::Month, c.month()) {
            // The first day of the next allowed month (this year or a later one).
            c = match spec.first_from(CronField::Month, c.month() + 1) {
                Some(m) => at(NaiveDate::from_ymd_opt(c.year(), m, 1)?, 0, 0, 0)?,
                None => at(NaiveDate::from_ymd_opt(c.year().checked_add(1)?, 1, 1)?, 0, 0, 0)?,
            };
            continue;
        }
        if !spec.allows(CronField::Day, c.day()) {
            c = at(date.succ_opt()?, 0, 0, 0)?;
            continue;
        }
        if !spec.allows(CronField::Hour, c.hour()) {
            c = match spec.first_from(CronField::Hour, c.hour() + 1) {
                Some(h) => at(date, h, 0, 0)?,
                None => at(date.succ_opt()?, 0, 0, 0)?,
            };
            continue;
        }
        if !spec.allows(CronField::Minute, c.minute()) {
            c = match spec.first_from(CronField::Minute, c.minute() + 1) {
                Some(m) => at(date, c.hour(), m, 0)?,
                None => c.with_minute(0)?.with_second(0)?.checked_add_signed(chrono::Duration::hours(1))?,
            };
            continue;
        }
        if !spec.allows(CronField::Second, c.second()) {
            c = match spec.first_from(CronField::Second, c.second() + 1) {
                Some(s) => c.with_second(s)?,
                None => c.with_second(0)?.checked_add_signed(chrono::Duration::minutes(1))?,
            };
            continue;
        }
        return Some(c.and_utc());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    fn cron(expression: &str) -> Schedule {
        Schedule::cron(expression).expect("valid")
    }

    /// The next `n` runs after `from`.
    fn runs(schedule: &Schedule, from: &str, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = t(from);
        for _ in 0..n {
            at = schedule.next_after(at).expect("a next run");
            out.push(at.format("%Y-%m-%d %H:%M:%S%.3f").to_string());
        }
        out
    }

    #[test]
    fn intervals_add_the_period_without_drift() {
        let s = Schedule::every_seconds(10);
        assert_eq!(runs(&s, "2026-11-27T22:56:55.250Z", 2), ["2026-11-27 22:57:05.250", "2026-11-27 22:57:15.250"]);
        assert_eq!(Schedule::every_minutes(90).next_after(t("2026-11-27T23:00:00Z")), Some(t("2026-11-28T00:30:00Z")));
        assert_eq!(Schedule::every_hours(24).next_after(t("2026-12-31T12:00:00Z")), Some(t("2027-01-01T12:00:00Z")));
        assert_eq!(
            Schedule::every(Duration::from_millis(50)).next_after(t("2026-01-01T00:00:00Z")),
            Some(t("2026-01-01T00:00:00.050Z"))
        );
        assert!(Schedule::every(Duration::ZERO).check().is_err());
        assert!(Schedule::every_seconds(1).check().is_ok());
        assert_eq!(Schedule::every_hours(1).next_after(DateTime::<Utc>::MAX_UTC), None, "no panic at the end of time");
    }

    #[test]
    fn cron_steps_lists_and_values() {
        assert_eq!(
            runs(&cron("*/5 * * * *"), "2026-11-27T22:56:55Z", 3),
            ["2026-11-27 22:57:00.000", "2026-11-27 22:57:05.000", "2026-11-27 22:57:10.000"]
        );
        // Strictly after: a run exactly at `t` is not the next one; fractions round up.
        assert_eq!(runs(&cron("*/5 * * * *"), "2026-11-27T22:57:00Z", 1), ["2026-11-27 22:57:05.000"]);
        assert_eq!(runs(&cron("*/5 * * * *"), "2026-11-27T22:57:04.999Z", 1), ["2026-11-27 22:57:05.000"]);
        assert_eq!(
            runs(&cron("0 1,15 * * *"), "2026-11-27T22:14:00Z", 3),
            ["2026-11-27 22:15:00.000", "2026-11-27 23:01:00.000", "2026-11-27 23:15:00.000"]
        );
        assert_eq!(
            runs(&cron("30 0 9-17/4 * *"), "2026-11-27T09:00:30Z", 3),
            ["2026-11-27 13:00:30.000", "2026-11-27 17:00:30.000", "2026-11-28 09:00:30.000"]
        );
        let nightly = Schedule::cron_fields(&[("hour", "3")]).expect("valid");
        assert_eq!(runs(&nightly, "2026-11-27T22:56:55Z", 2), ["2026-11-28 03:00:00.000", "2026-11-29 03:00:00.000"]);
        let every_ten = Schedule::cron_fields(&[("second", "*/10")]).expect("valid");
        assert_eq!(runs(&every_ten, "2026-11-27T22:56:55Z", 2), ["2026-11-27 22:57:00.000", "2026-11-27 22:57:10.000"]);
    }

    #[test]
    fn cron_carries_over_hours_days_months_and_years() {
        // Last second of a day, of a month, of a year.
        assert_eq!(
            runs(&cron("0 0 0 * *"), "2026-11-30T23:59:59Z", 2),
            ["2026-12-01 00:00:00.000", "2026-12-02 00:00:00.000"]
        );
        assert_eq!(
            runs(&cron("0 0 0 1 *"), "2026-12-15T10:00:00Z", 2),
            ["2027-01-01 00:00:00.000", "2027-02-01 00:00:00.000"]
        );
        // Day 31 skips the shorter months.
        assert_eq!(
            runs(&cron("0 0 12 31 *"), "2026-01-31T12:00:00Z", 3),
            ["2026-03-31 12:00:00.000", "2026-05-31 12:00:00.000", "2026-07-31 12:00:00.000"]
        );
        // 29 February: only leap years (2028, then 2032).
        assert_eq!(
            runs(&cron("0 0 0 29 2"), "2026-03-01T00:00:00Z", 2),
            ["2028-02-29 00:00:00.000", "2032-02-29 00:00:00.000"]
        );
        // A month list jumps straight to the next allowed month, across the year end.
        assert_eq!(
            runs(&cron("0 0 0 1 3,11"), "2026-11-02T00:00:00Z", 2),
            ["2027-03-01 00:00:00.000", "2027-11-01 00:00:00.000"]
        );
        // Minute overflow into the next hour and the next day.
        assert_eq!(runs(&cron("0 0-10/10 * * *"), "2026-11-30T23:10:00Z", 1), ["2026-12-01 00:00:00.000"]);
        assert_eq!(runs(&cron("59 59 23 * *"), "2026-12-31T23:59:59Z", 1), ["2027-01-01 23:59:59.000"]);
    }

    #[test]
    fn periods_size_the_deadline() {
        assert_eq!(Schedule::every_seconds(7).period_after(t("2026-01-01T00:00:00Z")), Duration::from_secs(7));
        assert_eq!(cron("*/5 * * * *").period_after(t("2026-01-01T00:00:01Z")), Duration::from_secs(5));
        assert_eq!(cron("0 0 3 * *").period_after(t("2026-01-01T00:00:00Z")), Duration::from_secs(86_400));
    }

    #[test]
    fn bad_cron_expressions_are_refused() {
        assert!(matches!(Schedule::cron("* * *"), Err(GraphError::InvalidSchedule(_))));
        assert!(
            matches!(Schedule::cron_fields(&[("minute", "61")]), Err(GraphError::InvalidSchedule(e)) if e.contains("minute"))
        );
    }
}
