//! Where the user is: the dashboard's and an endpoint's tabs (cycling, jumping), unit tested here; the time
//! window and the report's comparison are the dashboard layer's ([`fmd_core::dashboard`]), re-exported here.
//! The [`App`](crate::app::App) holds the current ones.

pub use fmd_core::dashboard::{Compare, Window};

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

/// The ages the console's prune action offers (the dashboard layer's).
pub use fmd_core::dashboard::PRUNE_AGES;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
