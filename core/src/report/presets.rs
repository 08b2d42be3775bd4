//! The reporting page's presets: the current day, ISO week or month (start to end, in the display time zone)
//! against the previous one.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Interval;

/// A calendar unit to compare with the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Today against yesterday.
    Day,
    /// This ISO week (Monday to Sunday) against last week.
    Week,
    /// This calendar month against last month.
    Month,
}

/// Two intervals to compare: `interval` (the current unit) against `baseline` (the previous one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IntervalPair {
    /// The current unit.
    pub interval: Interval,
    /// The unit before it.
    pub baseline: Interval,
}

impl Preset {
    /// The current unit at `now` in zone `tz` and the previous one. Each interval runs from the local start of
    /// its unit to the local start of the next unit; since reports select `time_requested > from AND <= to`
    /// (FMD's criterion), consecutive units neither overlap nor leave a gap. The current unit is taken whole,
    /// as FMD's presets do (its future part simply holds no requests yet).
    pub fn intervals(self, now: DateTime<Utc>, tz: Tz) -> IntervalPair {
        // The local date without `with_timezone`, which panics at the ends of chrono's range.
        let offset = tz.offset_from_utc_datetime(&now.naive_utc()).fix();
        let today = now.naive_utc().checked_add_offset(offset).map_or_else(|| now.date_naive(), |local| local.date());
        let (previous, current, next) = match self {
            Preset::Day => (today.pred_opt(), Some(today), today.succ_opt()),
            Preset::Week => {
                let monday = today.checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())));
                let monday = monday.unwrap_or(today);
                (monday.checked_sub_days(Days::new(7)), Some(monday), monday.checked_add_days(Days::new(7)))
            }
            Preset::Month => {
                let first = today.with_day(1).unwrap_or(today);
                (first.checked_sub_months(Months::new(1)), Some(first), first.checked_add_months(Months::new(1)))
            }
        };
        let start = |date: Option<NaiveDate>| date.map_or(now, |d| local_start(d, tz));
        let current = start(current);
        IntervalPair {
            interval: Interval { from: current, to: start(next) },
            baseline: Interval { from: start(previous), to: current },
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = String;

    /// Parses `day`, `week` or `month` (case-insensitive; `today`, `iso-week` and `isoweek` are accepted too).
    fn from_str(s: &str) -> Result<Preset, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "today" => Ok(Preset::Day),
            "week" | "iso-week" | "isoweek" => Ok(Preset::Week),
            "month" => Ok(Preset::Month),
            other => Err(format!("unknown preset {other:?} (expected day, week or month)")),
        }
    }
}

/// The first instant of local day `date` in `tz`. When midnight falls into a DST gap the day starts at the
/// first valid local time after it (searched in 15-minute steps).
pub(crate) fn local_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    (0..=16)
        .find_map(|step| {
            let local = midnight.checked_add_signed(chrono::Duration::minutes(15 * step))?;
            tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
        })
        .unwrap_or_else(|| midnight.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn day_week_and_month_in_utc() {
        let now = at("2026-11-27T22:56:55Z"); // a Friday
        let day = Preset::Day.intervals(now, chrono_tz::UTC);
        assert_eq!(day.interval, Interval { from: at("2026-11-27T00:00:00Z"), to: at("2026-11-28T00:00:00Z") });
        assert_eq!(day.baseline, Interval { from: at("2026-11-26T00:00:00Z"), to: at("2026-11-27T00:00:00Z") });
        let week = Preset::Week.intervals(now, chrono_tz::UTC);
        assert_eq!(week.interval, Interval { from: at("2026-11-23T00:00:00Z"), to: at("2026-11-30T00:00:00Z") });
        assert_eq!(week.baseline, Interval { from: at("2026-11-16T00:00:00Z"), to: at("2026-11-23T00:00:00Z") });
        let month = Preset::Month.intervals(now, chrono_tz::UTC);
        assert_eq!(month.interval, Interval { from: at("2026-11-01T00:00:00Z"), to: at("2026-12-01T00:00:00Z") });
        assert_eq!(month.baseline, Interval { from: at("2026-10-01T00:00:00Z"), to: at("2026-11-01T00:00:00Z") });
    }

    #[test]
    fn local_zone_and_dst() {
        // 22:56 UTC on the 27th is 07:56 on the 28th in Tokyo.
        let day = Preset::Day.intervals(at("2026-11-27T22:56:55Z"), chrono_tz::Asia::Tokyo);
        assert_eq!(day.interval.from, at("2026-11-27T15:00:00Z"));
        assert_eq!(day.interval.to, at("2026-11-28T15:00:00Z"));
        // Europe/Amsterdam leaves summer time on 2026-10-25: that day lasts 25 hours.
        let day = Preset::Day.intervals(at("2026-10-25T12:00:00Z"), chrono_tz::Europe::Amsterdam);
        assert_eq!(day.interval.from, at("2026-10-24T22:00:00Z"));
        assert_eq!(day.interval.to, at("2026-10-25T23:00:00Z"));
        // January's week 1 of 2027 starts on Monday 2027-01-04; Friday 2027-01-01 is in 2026's week 53.
        let week = Preset::Week.intervals(at("2027-01-01T10:00:00Z"), chrono_tz::UTC);
        assert_eq!(week.interval.from, at("2026-12-28T00:00:00Z"));
        // March: previous month is February.
        let month = Preset::Month.intervals(at("2027-03-31T10:00:00Z"), chrono_tz::UTC);
        assert_eq!(month.baseline.from, at("2027-02-01T00:00:00Z"));
    }

    #[test]
    fn midnight_in_a_dst_gap() {
        // America/Santiago springs forward at local midnight (2026-09-06 00:00 -> 01:00).
        let start = local_start(NaiveDate::from_ymd_opt(2026, 9, 6).expect("date"), chrono_tz::America::Santiago);
        assert_eq!(start, at("2026-09-06T04:00:00Z"));
    }

    #[test]
    fn calendar_edges_do_not_panic() {
        for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            for preset in [Preset::Day, Preset::Week, Preset::Month] {
                let pair = preset.intervals(now, chrono_tz::Asia::Kolkata);
                assert!(pair.baseline.from <= pair.baseline.to);
            }
        }
    }

    #[test]
    fn parses_names() {
        assert_eq!("Week".parse::<Preset>(), Ok(Preset::Week));
        assert!("fortnight".parse::<Preset>().is_err());
    }
}
