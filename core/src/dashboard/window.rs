//! The time window of every view and the comparison of the report, as plain `Copy` values: which instants and
//! local days a window covers at a given clock, and how a front-end names it (header labels, title phrases).

use std::borrow::Cow;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::report::Interval;
use crate::store::{DayRange, TimeRange};

/// What the report compares: the current day, ISO week or month with the one before (in the display time zone,
/// FMD's presets), the newest version with the one before it, or two named versions or intervals (`fmd show
/// report --compare-version`, `--baseline-from`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Compare {
    /// Today against yesterday (the default).
    #[default]
    Day,
    /// This ISO week against the last.
    Week,
    /// This month against the last.
    Month,
    /// The newest version against the one before it.
    Versions,
    /// One version against another (texts interned, see [`Compare::version_pair`]).
    VersionPair {
        /// The version compared.
        version: &'static str,
        /// The version it is compared with.
        baseline: &'static str,
    },
    /// One interval against another.
    Intervals {
        /// The interval compared.
        interval: Interval,
        /// The interval it is compared with.
        baseline: Interval,
    },
}

impl Compare {
    /// The comparisons the console cycles through with `c`, in that order.
    pub const ALL: [Compare; 4] = [Compare::Day, Compare::Week, Compare::Month, Compare::Versions];

    /// `version` against `baseline`.
    pub fn version_pair(version: &str, baseline: &str) -> Compare {
        Compare::VersionPair { version: super::key::intern(version), baseline: super::key::intern(baseline) }
    }

    /// As written in the Report tab's title.
    pub fn label(self) -> Cow<'static, str> {
        match self {
            Compare::Day => "today vs yesterday".into(),
            Compare::Week => "this week vs last week".into(),
            Compare::Month => "this month vs last month".into(),
            Compare::Versions => "newest version vs the one before".into(),
            Compare::VersionPair { version, baseline } => format!("version {version} vs {baseline}").into(),
            Compare::Intervals { interval, baseline } => format!(
                "{} to {} vs {} to {}",
                crate::timefmt::rfc3339(interval.from),
                crate::timefmt::rfc3339(interval.to),
                crate::timefmt::rfc3339(baseline.from),
                crate::timefmt::rfc3339(baseline.to)
            )
            .into(),
        }
    }

    /// The comparisons whose sides end at the clock (today, this week, this month).
    pub fn moves_with_the_clock(self) -> bool {
        matches!(self, Compare::Day | Compare::Week | Compare::Month)
    }

    /// The next comparison of [`Compare::ALL`] (wrapping; the others go to the first).
    pub fn next(self) -> Compare {
        let at = Compare::ALL.iter().position(|c| *c == self).map_or(0, |i| i + 1);
        Compare::ALL.get(at % Compare::ALL.len()).copied().unwrap_or(self)
    }
}

/// The time window of the charts: the preset cycled with `[` and `]`, or a custom range given on the command
/// line (`fmd tui --from … --to …`), which joins the cycle after `all`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Window {
    /// The last hour.
    Hour,
    /// The last 24 hours.
    Day,
    /// The last 7 days (the default).
    #[default]
    Week,
    /// The last 30 days.
    Month,
    /// Every request.
    All,
    /// Requests from `from` (inclusive) to `to` (exclusive); an open side is unbounded.
    Custom {
        /// Start, `None` from the first request.
        from: Option<DateTime<Utc>>,
        /// End (exclusive), `None` up to the newest request.
        to: Option<DateTime<Utc>>,
    },
}

impl Window {
    /// Every preset, shortest first.
    pub const ALL: [Window; 5] = [Window::Hour, Window::Day, Window::Week, Window::Month, Window::All];

    /// As shown in the header: `1h`, `24h`, `7d`, `30d`, `all`, or a custom range in `tz`
    /// (`11-20 08:00→11-27`).
    pub fn label(self, tz: Tz) -> Cow<'static, str> {
        match self {
            Window::Hour => "1h".into(),
            Window::Day => "24h".into(),
            Window::Week => "7d".into(),
            Window::Month => "30d".into(),
            Window::All => "all".into(),
            Window::Custom { from, to } => {
                let side = |t: Option<DateTime<Utc>>, open: &str| t.map_or_else(|| open.to_string(), |t| short(t, tz));
                format!("{}→{}", side(from, "start"), side(to, "now")).into()
            }
        }
    }

    /// As written in titles: `last hour`, `last 7 days`, `all time`, `2026-11-20 08:00 to 2026-11-27`.
    pub fn phrase(self, tz: Tz) -> Cow<'static, str> {
        match self {
            Window::Hour => "last hour".into(),
            Window::Day => "last 24 h".into(),
            Window::Week => "last 7 days".into(),
            Window::Month => "last 30 days".into(),
            Window::All => "all time".into(),
            Window::Custom { .. } => self.custom_phrase(tz).into(),
        }
    }

    /// As written in titles of day-based charts, which show whole local days: `today`, `yesterday and today`,
    /// `last 7 days`; a custom range shows the days it touches.
    pub fn days_phrase(self, tz: Tz) -> Cow<'static, str> {
        match self {
            Window::Hour => "today".into(),
            Window::Day => "yesterday and today".into(),
            Window::Custom { .. } => format!("days of {}", self.custom_phrase(tz)).into(),
            _ => self.phrase(tz),
        }
    }

    fn custom_phrase(self, tz: Tz) -> String {
        let Window::Custom { from, to } = self else { return String::new() };
        match (from, to) {
            (Some(from), Some(to)) => format!("{} to {}", long(from, tz), long(to, tz)),
            (Some(from), None) => format!("since {}", long(from, tz)),
            (None, Some(to)) => format!("until {}", long(to, tz)),
            (None, None) => "all time".to_string(),
        }
    }

    /// The next longer (`step` 1) or shorter (`step` -1) window of `cycle`; the ends stay put, so `]` held down
    /// stops at the last instead of jumping back to an hour.
    pub fn step_in(self, cycle: &[Window], step: isize) -> Window {
        let Some(position) = cycle.iter().position(|w| *w == self) else { return self };
        let next = (position as isize + step).clamp(0, cycle.len() as isize - 1) as usize;
        cycle.get(next).copied().unwrap_or(self)
    }

    /// The request times it covers at `now`: from `now` minus its length on, open at the end so requests
    /// arriving while the query runs count too; a custom range as given.
    pub fn range(self, now: DateTime<Utc>) -> TimeRange {
        let since = |length: Duration| TimeRange::since(now - length);
        match self {
            Window::Hour => since(Duration::hours(1)),
            Window::Day => since(Duration::hours(24)),
            Window::Week => since(Duration::days(7)),
            Window::Month => since(Duration::days(30)),
            Window::All => TimeRange::ALL,
            Window::Custom { from, to } => TimeRange::new(from, to),
        }
    }

    /// The local days of day-based charts (heatmap rows, daily bars) at `now` in `tz`: the days the window
    /// touches, today included; for all time, from `first` (the first request's day) to today; for a custom
    /// range, the days it touches (an open side: the first request's day, today).
    pub fn days(self, now: DateTime<Utc>, tz: Tz, first: Option<NaiveDate>) -> DayRange {
        let today = now.with_timezone(&tz).date_naive();
        match self {
            Window::Hour => DayRange::ending_today(now, tz, 1),
            Window::Day => DayRange::ending_today(now, tz, 2),
            Window::Week => DayRange::ending_today(now, tz, 7),
            Window::Month => DayRange::ending_today(now, tz, 30),
            Window::All => DayRange::new(first.unwrap_or(today).min(today), today),
            Window::Custom { from, to } => {
                let local = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
                // `to` is exclusive: a range ending at midnight does not touch the day that starts there.
                let last = to.map_or(today, |t| local(t - Duration::microseconds(1)));
                let start = from.map(local).or(first).unwrap_or(last);
                DayRange::new(start.min(last), last)
            }
        }
    }

    /// True for windows whose bounds do not move with the clock (all time, a custom range).
    pub fn is_fixed(self) -> bool {
        matches!(self, Window::All | Window::Custom { .. })
    }
}

/// `11-27 08:00` (or `11-27` at midnight) in `tz`, for the header.
fn short(t: DateTime<Utc>, tz: Tz) -> String {
    stamp(t, tz, "%m-%d")
}

/// `2026-11-27 08:00` (or `2026-11-27` at midnight) in `tz`, for titles.
fn long(t: DateTime<Utc>, tz: Tz) -> String {
    stamp(t, tz, "%Y-%m-%d")
}

/// `t` in `tz` as the `date` format, followed by the time of day unless it is midnight.
fn stamp(t: DateTime<Utc>, tz: Tz, date: &str) -> String {
    let local = t.with_timezone(&tz);
    if local.time() == chrono::NaiveTime::MIN {
        local.format(date).to_string()
    } else {
        local.format(&format!("{date} %H:%M")).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-27T22:56:55Z".parse().expect("instant")
    }

    #[test]
    fn comparisons_cycle() {
        assert_eq!(Compare::default(), Compare::Day);
        let order: Vec<Compare> = (0..4)
            .scan(Compare::Day, |c, _| {
                *c = c.next();
                Some(*c)
            })
            .collect();
        assert_eq!(order, [Compare::Week, Compare::Month, Compare::Versions, Compare::Day]);
    }

    #[test]
    fn window_presets_step_and_stop_at_the_ends() {
        let utc = chrono_tz::UTC;
        let mut w = Window::default();
        assert_eq!(w.label(utc), "7d");
        w = w.step_in(&Window::ALL, 1);
        assert_eq!(w, Window::Month);
        w = w.step_in(&Window::ALL, 1).step_in(&Window::ALL, 1);
        assert_eq!(w, Window::All, "stays at all");
        let labels: Vec<_> = (0..6)
            .scan(Window::All, |w, _| {
                *w = w.step_in(&Window::ALL, -1);
                Some(w.label(utc))
            })
            .collect();
        assert_eq!(labels, ["30d", "7d", "24h", "1h", "1h", "1h"]);
    }

    #[test]
    fn a_custom_range_joins_the_cycle_after_all_and_reads_in_the_zone() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().expect("instant");
        let custom = Window::Custom { from: Some(t("2026-11-19T23:00:00Z")), to: Some(t("2026-11-27T06:30:00Z")) };
        let mut cycle = Window::ALL.to_vec();
        cycle.push(custom);
        assert_eq!(Window::All.step_in(&cycle, 1), custom);
        assert_eq!(custom.step_in(&cycle, 1), custom, "the end stays put");
        assert_eq!(custom.step_in(&cycle, -1), Window::All);
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(custom.label(berlin), "11-20→11-27 07:30");
        assert_eq!(custom.phrase(berlin), "2026-11-20 to 2026-11-27 07:30");
        assert_eq!(custom.days_phrase(berlin), "days of 2026-11-20 to 2026-11-27 07:30");
        let open = Window::Custom { from: Some(t("2026-11-20T08:15:00Z")), to: None };
        assert_eq!(open.label(chrono_tz::UTC), "11-20 08:15→now");
        assert_eq!(open.phrase(chrono_tz::UTC), "since 2026-11-20 08:15");
        assert_eq!(
            Window::Custom { from: None, to: Some(t("2026-11-21T00:00:00Z")) }.label(chrono_tz::UTC),
            "start→11-21"
        );
        assert!(custom.is_fixed() && Window::All.is_fixed() && !Window::Week.is_fixed());
    }

    #[test]
    fn a_custom_range_covers_its_times_and_the_local_days_it_touches() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().expect("instant");
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let from = t("2026-11-19T23:00:00Z");
        let to = t("2026-11-22T00:00:00Z");
        let custom = Window::Custom { from: Some(from), to: Some(to) };
        assert_eq!(custom.range(now()), TimeRange::new(Some(from), Some(to)));
        // UTC: the 19th to the 21st (the range ends at midnight, exclusive); Berlin: the 20th to the 22nd.
        assert_eq!(custom.days(now(), chrono_tz::UTC, None), DayRange::new(d("2026-11-19"), d("2026-11-21")));
        let berlin = custom.days(now(), chrono_tz::Europe::Berlin, None);
        assert_eq!(berlin, DayRange::new(d("2026-11-20"), d("2026-11-22")));
        let open = Window::Custom { from: None, to: None };
        assert_eq!(
            open.days(now(), chrono_tz::UTC, Some(d("2026-11-17"))),
            DayRange::new(d("2026-11-17"), d("2026-11-27"))
        );
    }

    #[test]
    fn windows_cover_times_and_days() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().expect("instant");
        assert_eq!(Window::Hour.range(now()), TimeRange::since(t("2026-11-27T21:56:55Z")));
        assert_eq!(Window::Week.range(now()), TimeRange::since(t("2026-11-20T22:56:55Z")));
        assert_eq!(Window::All.range(now()), TimeRange::ALL);
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let days = |w: Window| w.days(now(), chrono_tz::UTC, Some(d("2026-11-17")));
        assert_eq!(days(Window::Hour), DayRange::new(d("2026-11-27"), d("2026-11-27")));
        assert_eq!(days(Window::Day), DayRange::new(d("2026-11-26"), d("2026-11-27")));
        assert_eq!(days(Window::Week).days().len(), 7);
        assert_eq!(days(Window::Month).days().len(), 30);
        assert_eq!(days(Window::All), DayRange::new(d("2026-11-17"), d("2026-11-27")));
        assert_eq!(Window::All.days(now(), chrono_tz::UTC, None).days().len(), 1, "empty database: today");
        // Local days: 22:56 UTC is already Saturday in Tokyo.
        assert_eq!(Window::Hour.days(now(), chrono_tz::Asia::Tokyo, None).last, d("2026-11-28"));
    }
}
