//! [`ViewSource`]: what the dashboard layer reads, the storage seam's read side. Every backend implements it
//! (the SQLite [`Store`]; `fmd_pg::PgStore` on PostgreSQL) and [`answer`](super::answer) takes any of them, so
//! the console, `fmd show` and the web read PostgreSQL the way they read a file. The methods take and return
//! the backend-neutral model of [`crate::store`] (view types, [`TimeRange`], [`DayRange`]) and [`StoreError`]
//! with its [`ErrorKind`](crate::ErrorKind)s; no caller sees SQL or a connection.
//!
//! The method list lives once, in [`view_methods!`](crate::view_methods): the trait is declared from it, and a
//! backend whose inherent methods carry the same names and signatures implements the trait with
//! [`delegate_view_source!`](crate::delegate_view_source).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::report::{Report, ReportOptions, Selection};
use crate::store::views::{
    DailyUtilization, EndpointInfo, EndpointPerformance, EndpointSummary, GroupColumn, GroupPerformance, HourlyLoad,
    IpHits, LatencySeries, MultiVersion, RequestQuery, RequestRow, StatusCodes, UserHits, VersionInfo, VersionMatrix,
    VersionPerformance,
};
use crate::store::{
    CallTree, CustomGraph, CustomGraphValue, DayRange, EndpointLevel, ExceptionGroup, ExceptionStackFrame, GraphSeries,
    GroupedProfile, OutlierRow, OverviewRow, ProfiledPage, RequestDetail, Store, StoreError, TimeRange,
};

/// Calls `$callback! { ... }` with every read method of [`ViewSource`]: `fn name(args) -> T;` (each returns
/// `Result<T, StoreError>`), with its doc comment.
#[macro_export]
macro_rules! view_methods {
    ($callback:ident $(, $extra:tt)*) => {
        $crate::$callback! { $($extra)* ;
            /// The earliest `time_requested` (`None` without requests).
            fn first_request_time() -> Option<DateTime<Utc>>;
            /// Requests per local hour of `days` in `tz`, of one endpoint or all.
            fn hourly_load(days: DayRange, tz: Tz, endpoint: Option<i64>) -> HourlyLoad;
            /// Requests per local day and endpoint.
            fn daily_requests(days: DayRange, tz: Tz, endpoint: Option<i64>) -> DailyUtilization;
            /// The versions seen in `range`, newest first.
            fn versions(range: TimeRange, endpoint: Option<i64>) -> Vec<VersionInfo>;
            /// Requests per version and endpoint.
            fn multi_version(range: TimeRange) -> MultiVersion;
            /// One endpoint's durations per version.
            fn version_performance(endpoint_id: i64, range: TimeRange) -> Vec<VersionPerformance>;
            /// Durations per endpoint (box plots).
            fn api_performance(range: TimeRange, endpoint: Option<i64>) -> Vec<EndpointPerformance>;
            /// Status codes of all endpoints with the latest `error_limit` errors.
            fn dashboard_status_codes(range: TimeRange, error_limit: usize) -> StatusCodes;
            /// Status codes per endpoint.
            fn status_codes_per_endpoint(range: TimeRange, error_limit: usize) -> Vec<(i64, StatusCodes)>;
            /// Every endpoint with its monitoring level.
            fn endpoint_levels() -> Vec<EndpointLevel>;
            /// One endpoint's status codes.
            fn status_codes(endpoint_id: i64, range: TimeRange, error_limit: usize) -> StatusCodes;
            /// One endpoint's summary (counts, percentiles, users, IPs, versions).
            fn endpoint_summary(endpoint_id: i64, range: TimeRange) -> Option<EndpointSummary>;
            /// Latency percentiles over time.
            fn latency_series(range: TimeRange, endpoint: Option<i64>) -> LatencySeries;
            /// Durations per user or IP, the busiest `top`.
            fn group_performance(endpoint_id: i64, column: GroupColumn, range: TimeRange, top: Option<usize>)
                -> Vec<GroupPerformance>;
            /// Requests per user.
            fn users(endpoint_id: i64, range: TimeRange) -> Vec<UserHits>;
            /// Requests per IP.
            fn ips(endpoint_id: i64, range: TimeRange) -> Vec<IpHits>;
            /// Users or IPs against versions.
            fn version_matrix(endpoint_id: i64, column: GroupColumn, range: TimeRange, top: usize) -> VersionMatrix;
            /// A page of one endpoint's requests, filtered and ordered.
            fn requests(endpoint_id: i64, range: TimeRange, query: &RequestQuery, limit: usize, offset: usize)
                -> Vec<RequestRow>;
            /// One request with its outlier, exceptions and profile.
            fn request_detail(id: i64) -> Option<RequestDetail>;
            /// The custom graphs.
            fn graphs() -> Vec<CustomGraph>;
            /// One graph's values in `range`.
            fn graph_values(graph_id: i64, range: TimeRange) -> Vec<CustomGraphValue>;
            /// One graph bucketed for drawing.
            fn graph_series(graph: &CustomGraph, range: TimeRange, buckets: usize, now: DateTime<Utc>) -> GraphSeries;
            /// FMD's report comparing two selections.
            fn report(comparison: &Selection, baseline: &Selection, options: &ReportOptions) -> Report;
            /// How many outliers an endpoint has.
            fn num_outliers(endpoint_id: i64) -> u64;
            /// A page of an endpoint's outliers, newest first.
            fn outliers(endpoint_id: i64, limit: u32, offset: u32) -> Vec<OutlierRow>;
            /// An endpoint's mean duration.
            fn mean_duration(endpoint_id: i64) -> Option<f64>;
            /// Exception groups, newest first.
            fn exception_groups(endpoint: Option<i64>, limit: u32) -> Vec<ExceptionGroup>;
            /// One exception stack.
            fn exception_stack(snapshot_id: i64) -> Vec<ExceptionStackFrame>;
            /// A page of profiled requests, counted up to `count_up_to`.
            fn profiled_page_capped(endpoint_id: i64, limit: u32, count_up_to: u32) -> ProfiledPage;
            /// A page of profiled requests, counted exactly.
            fn profiled_page(endpoint_id: i64, limit: u32, offset: u32) -> ProfiledPage;
            /// One request's profiler call tree.
            fn call_tree(request_id: i64) -> Option<CallTree>;
            /// An endpoint's profiles grouped by call path.
            fn grouped_profiler(endpoint_id: i64) -> GroupedProfile;
            /// Every endpoint with its first and last request.
            fn endpoint_infos() -> Vec<EndpointInfo>;
            /// The overview's rows at `now`.
            fn overview(now: DateTime<Utc>, tz: Tz) -> Vec<OverviewRow>;
            /// Records the recorders dropped and failed to store.
            fn recorder_losses() -> (u64, u64);
            /// True when recorders' counters exist.
            fn has_recorder_counters() -> bool;
            /// Requests per hour of the last `hours` hours per endpoint.
            fn request_trend(now: DateTime<Utc>, hours: usize) -> HashMap<i64, Vec<u64>>;
            /// Exception groups per endpoint.
            fn exception_group_counts() -> HashMap<i64, u64>;
        }
    };
}

/// Declares the trait from [`view_methods!`].
#[doc(hidden)]
#[macro_export]
macro_rules! declare_view_source {
    ( ; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )* ) => {
        /// What the dashboard layer reads; see the [module](self).
        pub trait ViewSource {
            $( $(#[$doc])* fn $name(&self $(, $arg: $ty)*) -> Result<$ret, StoreError>; )*
        }
    };
}

/// Implements [`ViewSource`] for `$backend` by calling its inherent methods of the same names.
#[doc(hidden)]
#[macro_export]
macro_rules! delegate_view_methods {
    ( $backend:ty ; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )* ) => {
        impl $crate::dashboard::ViewSource for $backend {
            $( fn $name(&self $(, $arg: $ty)*) -> Result<$ret, $crate::StoreError> { <$backend>::$name(self $(, $arg)*) } )*
        }
    };
}

/// `delegate_view_source!(Backend)` implements [`ViewSource`] for `Backend` through its inherent methods, which
/// must have the trait's names and signatures (the types named in the list must be in scope: import them from
/// `fmd_core::store`, `chrono`, `chrono_tz`, `fmd_core::report`, as this module does).
#[macro_export]
macro_rules! delegate_view_source {
    ($backend:ty) => {
        $crate::view_methods!(delegate_view_methods, $backend);
    };
}

view_methods!(declare_view_source);
delegate_view_source!(Store);
