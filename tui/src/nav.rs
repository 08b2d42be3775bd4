//! Where the user is: the dashboard's and an endpoint's tabs, and the time window every chart covers.
//!
//! Pure values with their arithmetic (cycling, jumping, the instants and days a window spans), unit tested here;
//! the [`App`](crate::app::App) holds the current ones.

use std::borrow::Cow;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use fmd_core::store::{DayRange, TimeRange};

/// A tab of the dashboard (all endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DashTab {
    /// The endpoint table (FMD's today / 7 days / all columns).
    Overview,
    /// Requests per local hour: days x 24 hours.
    Hourly,
    /// Requests per day, per endpoint.
    Daily,
    /// Each endpoint's requests split by version.
    Versions,
    /// One box plot of durations per endpoint.
    Performance,
    /// Status codes of all endpoints and the latest errors.
    Status,
    /// Custom graphs (FMD's `add_graph`): one line chart per graph.
    Graphs,
    /// Which endpoints changed: FMD's report (median latency and status codes) between two days, weeks, months
    /// or versions.
    Report,
    /// The median and 95th percentile of all requests' durations over the window, per time bucket.
    Latency,
}

impl DashTab {
    /// Every tab in bar order (`1`-`8`).
    pub const ALL: [DashTab; 9] = [
        DashTab::Overview,
        DashTab::Hourly,
        DashTab::Daily,
        DashTab::Versions,
        DashTab::Performance,
        DashTab::Status,
        DashTab::Graphs,
        DashTab::Report,
        DashTab::Latency,
    ];

    /// The name in the tab bar and the breadcrumb.
    pub fn name(self) -> &'static str {
        match self {
            DashTab::Overview => "Overview",
            DashTab::Hourly => "Hourly",
            DashTab::Daily => "Daily",
            DashTab::Versions => "Versions",
            DashTab::Performance => "Performance",
            DashTab::Status => "Status",
            DashTab::Graphs => "Graphs",
            DashTab::Report => "Report",
            DashTab::Latency => "Latency",
        }
    }

    /// The name on a narrow tab bar.
    pub fn short(self) -> &'static str {
        match self {
            DashTab::Overview => "Ovw",
            DashTab::Hourly => "Hour",
            DashTab::Daily => "Day",
            DashTab::Versions => "Ver",
            DashTab::Performance => "Perf",
            DashTab::Status => "Stat",
            DashTab::Graphs => "Grph",
            DashTab::Report => "Rep",
            DashTab::Latency => "Lat",
        }
    }
}

/// A tab of one endpoint's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointTab {
    /// Its numbers per window, level, last request.
    Summary,
    /// Its requests per local hour.
    Hourly,
    /// One box plot per version.
    Versions,
    /// One box plot per user (FMD's group_by).
    Users,
    /// One box plot per client IP.
    Ips,
    /// Median duration per user and version.
    UserVersion,
    /// Median duration per IP and version.
    IpVersion,
    /// Status codes and the latest errors.
    Status,
    /// The most recent requests.
    Requests,
    /// Requests that ran past the outlier threshold: list and detail (stack, CPU, memory, headers).
    Outliers,
    /// Exception groups (type, message, stack) with counts.
    Exceptions,
    /// Level-3 profiled requests, newest first; Enter opens one's call tree.
    Profiler,
    /// FMD's grouped profiler (the last 100 profiled requests merged): ranked table and icicle view.
    Grouped,
    /// Its median and 95th percentile over the window, per time bucket (last, so the others keep their digits;
    /// Shift-Tab from Summary reaches it).
    Latency,
}

impl EndpointTab {
    /// Every tab in bar order (`1`-`9` jump to the first nine; Tab / Shift-Tab reach all).
    pub const ALL: [EndpointTab; 14] = [
        EndpointTab::Summary,
        EndpointTab::Hourly,
        EndpointTab::Versions,
        EndpointTab::Users,
        EndpointTab::Ips,
        EndpointTab::UserVersion,
        EndpointTab::IpVersion,
        EndpointTab::Status,
        EndpointTab::Requests,
        EndpointTab::Outliers,
        EndpointTab::Exceptions,
        EndpointTab::Profiler,
        EndpointTab::Grouped,
        EndpointTab::Latency,
    ];

    /// The name in the tab bar and the breadcrumb.
    pub fn name(self) -> &'static str {
        match self {
            EndpointTab::Summary => "Summary",
            EndpointTab::Latency => "Latency",
            EndpointTab::Hourly => "Hourly",
            EndpointTab::Versions => "Versions",
            EndpointTab::Users => "Users",
            EndpointTab::Ips => "IPs",
            EndpointTab::UserVersion => "User×Version",
            EndpointTab::IpVersion => "IP×Version",
            EndpointTab::Status => "Status",
            EndpointTab::Requests => "Requests",
            EndpointTab::Outliers => "Outliers",
            EndpointTab::Exceptions => "Exceptions",
            EndpointTab::Profiler => "Profiler",
            EndpointTab::Grouped => "Grouped",
        }
    }

    /// The name on a narrow tab bar.
    pub fn short(self) -> &'static str {
        match self {
            EndpointTab::Summary => "Sum",
            EndpointTab::Latency => "Lat",
            EndpointTab::Hourly => "Hour",
            EndpointTab::Versions => "Ver",
            EndpointTab::Users => "Usr",
            EndpointTab::Ips => "IPs",
            EndpointTab::UserVersion => "U×V",
            EndpointTab::IpVersion => "IP×V",
            EndpointTab::Status => "Stat",
            EndpointTab::Requests => "Req",
            EndpointTab::Outliers => "Out",
            EndpointTab::Exceptions => "Exc",
            EndpointTab::Profiler => "Prof",
            EndpointTab::Grouped => "Grp",
        }
    }
}

/// What the Report tab compares: the current day, ISO week or month with the one before (in the display time
/// zone, FMD's presets), or the requests of the newest version with those of the version before it.
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
}

impl Compare {
    /// Every comparison, in the order `c` cycles through them.
    pub const ALL: [Compare; 4] = [Compare::Day, Compare::Week, Compare::Month, Compare::Versions];

    /// As written in the Report tab's title.
    pub fn label(self) -> &'static str {
        match self {
            Compare::Day => "today vs yesterday",
            Compare::Week => "this week vs last week",
            Compare::Month => "this month vs last month",
            Compare::Versions => "newest version vs the one before",
        }
    }

    /// The next comparison (wrapping).
    pub fn next(self) -> Compare {
        cycle(&Compare::ALL, self, 1)
    }
}

/// The ages the console's prune action offers.
pub const PRUNE_AGES: [(&str, u32); 4] = [("30 days", 30), ("90 days", 90), ("180 days", 180), ("1 year", 365)];

/// The tab `step` places after (or, negative, before) `current` in `all`, wrapping around.
pub fn cycle<T: Copy + PartialEq>(all: &[T], current: T, step: isize) -> T {
    let Some(position) = all.iter().position(|t| *t == current) else { return current };
    let n = all.len() as isize;
    let next = (position as isize + step).rem_euclid(n.max(1)) as usize;
    all.get(next).copied().unwrap_or(current)
}

/// Tabs reachable with a digit key (`1`-`9`); the tab bar numbers only these, later tabs are reached with
/// `Tab` / `Shift-Tab`.
pub const DIGIT_TABS: usize = 9;

/// The tab a digit key (`1` = first) selects, `None` beyond the last tab or [`DIGIT_TABS`].
pub fn jump<T: Copy>(all: &[T], digit: u32) -> Option<T> {
    if usize::try_from(digit).ok()? > DIGIT_TABS {
        return None;
    }
    let index = usize::try_from(digit).ok()?.checked_sub(1)?;
    all.get(index).copied()
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
    fn tabs_cycle_both_ways_and_wrap() {
        assert_eq!(cycle(&DashTab::ALL, DashTab::Overview, 1), DashTab::Hourly);
        assert_eq!(cycle(&DashTab::ALL, DashTab::Status, 1), DashTab::Graphs);
        assert_eq!(cycle(&DashTab::ALL, DashTab::Report, 1), DashTab::Latency);
        assert_eq!(cycle(&DashTab::ALL, DashTab::Latency, 1), DashTab::Overview);
        assert_eq!(cycle(&DashTab::ALL, DashTab::Overview, -1), DashTab::Latency);
        assert_eq!(cycle(&EndpointTab::ALL, EndpointTab::Requests, 1), EndpointTab::Outliers);
        assert_eq!(cycle(&EndpointTab::ALL, EndpointTab::Exceptions, 1), EndpointTab::Profiler);
        assert_eq!(cycle(&EndpointTab::ALL, EndpointTab::Grouped, 1), EndpointTab::Latency);
        assert_eq!(cycle(&EndpointTab::ALL, EndpointTab::Latency, 1), EndpointTab::Summary);
        assert_eq!(cycle(&EndpointTab::ALL, EndpointTab::Summary, -1), EndpointTab::Latency);
        assert_eq!(cycle(&EndpointTab::ALL, EndpointTab::Users, 2), EndpointTab::UserVersion);
    }

    #[test]
    fn digits_jump_to_existing_tabs_only() {
        assert_eq!(jump(&DashTab::ALL, 1), Some(DashTab::Overview));
        assert_eq!(jump(&DashTab::ALL, 5), Some(DashTab::Performance));
        assert_eq!(jump(&DashTab::ALL, 7), Some(DashTab::Graphs));
        assert_eq!(jump(&DashTab::ALL, 8), Some(DashTab::Report));
        assert_eq!(jump(&DashTab::ALL, 9), Some(DashTab::Latency));
        assert_eq!(jump(&DashTab::ALL, 10), None);
        assert_eq!(jump(&DashTab::ALL, 0), None);
        assert_eq!(jump(&EndpointTab::ALL, 9), Some(EndpointTab::Requests));
        assert_eq!(jump(&EndpointTab::ALL, 6), Some(EndpointTab::UserVersion));
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
