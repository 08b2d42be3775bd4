//! fmd's summary tables: per-endpoint aggregates beside FMD's `Request` table, kept up to date incrementally,
//! so the overview, the all-time views and the views over windows of days answer in milliseconds on databases
//! of tens of millions of requests.
//!
//! # What is stored
//!
//! Every table is named `{prefix}fmd_summary_*`; FMD never reads them, and they never change FMD's tables.
//! They sit in the file only when fmd created it (`{prefix}fmd_meta`) and this process may write it; a file
//! fmd did not create (Python FMD's) or may not write is never changed by viewing it, and its summaries live in
//! a cache database of fmd's own under the user's cache directory (`home.rs`, [`SummaryHome`]).
//!
//! | table     | key                                   | content |
//! |-----------|---------------------------------------|---------|
//! | `state`   | one row                               | high-water mark (rowid), rows covered, fingerprint of the mark row, lease, backfill progress |
//! | `version` | endpoint, version                     | hits, errors (400-599), usable durations (count, compensated sum, min, max, histogram), first use, SQL `min`/`max` of `time_requested` |
//! | `hour`    | endpoint, UTC hour                    | hits, errors, durations (requests whose time is FMD's exact text) |
//! | `group`   | endpoint, user or IP                  | hits |
//! | `code`    | endpoint, status code                 | hits |
//! | `odd`     | request id                            | requests whose `time_requested` is not FMD's exact text (read back by id when a window is asked) |
//! | `track`   | endpoint, user or IP                  | the users and IPs per endpoint whose per-version cells are kept: every one when an endpoint has at most 64, else the 32-64 busiest |
//! | `cell`    | endpoint, tracked user/IP, version    | hits, durations |
//! | `vcode`   | endpoint, version, UTC hour, status code | hits (the report's status codes, and the status-code views of windows when its keys agree with `code`'s; see `vcode.rs`) |
//! | `vhour`   | endpoint, UTC hour, version           | as `hour`, per version (requests whose time is FMD's exact text) |
//! | `ghour`   | endpoint, user or IP column, UTC hour, tracked user/IP, version | hits, durations (requests whose time is FMD's exact text; `ghour.rs`) |
//! | `packed`  | endpoint, UTC hour, sequence          | every request of the hour (FMD's exact time text) as a 12-20 byte entry: user, IP and version numbers and the exact duration, up to 4 096 per blob (`packed.rs`) |
//! | `dict`    | number                                | the user, IP or version key of a number in `packed` |
//!
//! Versions, users and IPs are keyed by a kind tag plus their bytes, so NULL, text and blobs stay apart as SQL
//! keeps them; views merge keys that read the same, as they do on the rows.
//!
//! # Histograms and exactness
//!
//! Durations are counted in logarithmic buckets of relative width 2^-8 to 2^-7 (0.39-0.78 %; see
//! `histogram.rs`), whose bounds are exact floating-point values. That gives two kinds of answers:
//!
//! * **Exact** (identical to the direct queries up to floating-point rounding of sums): every count (hits,
//!   errors, per version, user, IP, status code, hour; over all time and over windows), first use and
//!   first/last request, every mean, minimum and maximum, and every order
//!   statistic over *all time of one endpoint* (the overview's median, the API-performance box plots, the
//!   endpoint summary's median). For those, the histogram says which bucket holds rank `k` and how many
//!   values lie below it, and one seek of the `(endpoint_id, duration)` index (`duration >= bucket low`,
//!   `OFFSET` = rank within the bucket, typically a few thousand entries) reads the exact value. Means are
//!   compensated sums divided by counts (relative difference to SQLite's `avg` around 1e-15).
//! * **Approximate**, within half a bucket (relative error at most 2^-8 ≈ 0.39 %), for percentiles no index
//!   can serve: per version over all time (`version_performance`), per user/IP and per user/IP and version
//!   over all time (`group_performance`, `version_matrix`, when each of the asked busiest is tracked),
//!   windows holding more than [`SummaryPolicy::exact_window_rows`] requests, and the report's samples and
//!   medians of sides above a quarter of that (see `crate::report`). A window counts the requests of all
//!   endpoints (what a direct query would walk): the overview's medians, and over a window the API-performance
//!   box plots, the endpoint summary's median and the per-version box plots (`version_performance`), from the
//!   merged histograms of the `hour` and `vhour` rows plus the exactly read edges; the per-user/IP views when
//!   the window is complete in `ghour` (below). Counts, means, minimum and maximum stay exact there; the
//!   whiskers are taken at the nearest non-empty bucket inside the fence. Smaller windows run those views'
//!   direct queries (exact); the windowed version matrix and version lists (`multi_version`, `versions`) are
//!   exact counts and dates at any size, from `vhour`.
//! * **Exact from the packed rows**: the per-user/IP views (`users`, `ips`, `group_performance`,
//!   `version_matrix`) whenever the histograms above cannot serve them (an untracked user/IP among the asked
//!   ones, or a window whose hours hold requests of untracked ones), over all time and over windows of at
//!   least a tenth of [`SummaryPolicy::exact_window_rows`] requests: whole hours from `packed` (every duration,
//!   so the same numbers as the direct query), the edges, odd times and rows above the mark from the table.
//!
//! Small databases stay exact everywhere: below [`SummaryPolicy::min_rows`] requests (default 200 000) every
//! view runs its direct query, and [`SummaryPolicy::approximate`] = false makes the approximate views run
//! their direct (exact, slower) queries at any size.
//!
//! # Staying correct
//!
//! A refresh ([`Store::refresh_summaries`]) aggregates the requests with a rowid above the mark and moves the
//! mark. FMD and fmd insert with `max(rowid) + 1`, so rows arrive in rowid order even when their times do not.
//! Before adding, a refresh checks that the summaries still describe the table:
//!
//! * the request at the mark still exists with the same content (fingerprint of all its columns), which
//!   catches a deleted maximum row whose id was reused;
//! * `count(*)` minus the rows above the mark equals the rows covered, which catches deletions anywhere
//!   (FMD's pruning, fmd's housekeeping);
//! * every 10 minutes, per endpoint count and sum of durations against the table (a full pass of the
//!   endpoint index, about half a second on 10M rows), which catches rewritten rows.
//!
//! Any mismatch empties the summaries and rebuilds them. Views check again at query time, cheaply: the mark's
//! fingerprint, and `count(*)` (dashboard-wide views) or the endpoint's count on its index (endpoint views)
//! against the summaries plus the rows above the mark, which they aggregate on the fly (at most
//! [`SummaryPolicy::max_delta`] of them). Any failure, or summaries that are missing, incomplete or of another
//! format, and the view runs its direct query: results never depend on whether summaries exist. The count is
//! a pass over an index (about 60 ms for an endpoint of 3 million requests), so a passed check is remembered
//! with the file's `PRAGMA data_version` (which changes whenever another connection commits), this
//! connection's own changes, the summaries' generation and the highest rowid; the next view of an unchanged
//! file skips it (`read.rs`, `Checked`).
//!
//! # Never blocking recorders
//!
//! Rows are read in chunks of 20 000 (one short read each, so a rollback-journal file is not held either) and
//! aggregated in memory over spans of up to a million rows. Each span is written in write transactions sized
//! to take about 50 ms (adapted to the measured speed), so a recorder waits at most about that long for its
//! lock. A span that needs several transactions marks the summaries `pending` meanwhile (views then run
//! direct); if that sequence is interrupted, the next refresh rebuilds. A lease in the state row keeps two
//! consoles from building at once. The first build of a 10M-row file shows progress through the callback and
//! can be spread over several calls with a time budget ([`Store::refresh_summaries_within`]); it resumes where
//! it stopped.
//!
//! Where they are written ([`Store::summary_home`], decided when the store is opened):
//!
//! * [`SummaryHome::File`]: a file fmd created and may write. A read-only store's refresh opens its own
//!   read-write connection to the file (never creating it). A file fmd created that this process may not write
//!   but whose summaries are complete and at most [`SummaryPolicy::max_delta`] behind is read with them in
//!   place (its refresh reports [`SummaryState::ReadOnly`]).
//! * [`SummaryHome::Cache`]: any other file. The refresh opens the file read-only, attaches the cache database
//!   read-write and writes there; the store's own connection then attaches it read-only. The cache records
//!   the file's identity (device, inode, first request) and is dropped and rebuilt for another file at the
//!   same path.
//! * [`SummaryHome::Nowhere`]: no writable cache directory either; refreshes report
//!   [`SummaryState::ReadOnly`] and views keep answering from the requests directly.
//!
//! A refresh of a file below [`SummaryPolicy::min_rows`] requests that has no summaries yet does nothing at
//! all (no table, no cache): its views answer directly anyway.
//!
//! Nothing builds summaries behind the caller's back: the recorder only creates the (empty) tables. The console
//! refreshes them, e.g. from its query worker between jobs with [`Store::refresh_summaries_within`] and a budget
//! of a few hundred milliseconds, so the first build of a large file proceeds in slices while the views keep
//! answering (directly until the build is complete).
//!
//! Code that rewrites requests in place (moving them to another endpoint) must call
//! [`Store::clear_summaries`]: deletions are noticed by the views' checks, in-place updates only by the
//! periodic per-endpoint check.
//!
//! # Cost (10M requests, 30 endpoints, one year; `tests/summary_speed.rs`)
//!
//! * First build: about 18 s of one core (15.5 s aggregating and writing, 2.5 s filling the per-user/IP cells),
//!   longest write transaction 85 ms; the tables take about 45 MB (3 % of the file, mostly the hours). These
//!   two figures predate `packed`, which adds about 13 bytes per request and 30 % to the build (below).
//! * Refresh with nothing new: 35-50 ms (dominated by `count(*)`); the 10-minute per-endpoint check about 1-2 s.
//!   A refresh of a file nobody has written since the last complete refresh (same `PRAGMA data_version` and own
//!   changes on the store's connection) returns that refresh's status at once, without taking the lease.
//! * Views: overview 65-115 ms, dashboard-wide all-time views 30-45 ms, busiest endpoint's all-time views
//!   35-60 ms, 7-day version views 100-110 ms (their all-time first-use dates come from the summaries).
//! * `vhour` is about as large as `hour` (one row per endpoint, hour and version in use: with one or two
//!   versions live at a time, 1-2x its rows; 10 MB each on a generated 10M-request, 30-day file). Over windows
//!   of 7 or 30 days on that file, the dashboard's Versions and Performance tabs and an endpoint's Summary
//!   and Versions tabs take 70-170 ms in the console (0.3-2.7 s reading every row of the window; see
//!   BENCHMARKS.md). Windows that cannot hold more than [`SummaryPolicy::exact_window_rows`] requests (a
//!   cheap bound from the hour table) skip the summary check for the box plots and the endpoint summary and
//!   run their direct, exact queries, which are then as fast.
//! * `ghour` (the generator's 10M requests over 30 days, 12 endpoints, 40 users, ~8 000 IPs): 389 000 rows,
//!   46 MB (3 % of the file; the other tables 16 MB); it adds about 3 s of CPU to the first build there
//!   (12.8 s instead of 9.8 s). The busiest endpoint's user box plots and user x version medians (console):
//!   65-70 ms over all time, 80-90 ms over 7 days, 130-140 ms over 30 days (0.35-1.4 s reading the rows).
//!   Its IP views read `packed` instead (thousands of IPs, 32-64 tracked).
//! * `packed` on that file: 9 061 blobs, 128 MB of entries (the file grows by 210 MB, 14 %: 1.48 → 1.69 GB);
//!   8 043 keys in `dict`. It makes the first build 18 s of CPU and 101 MB RSS instead of 14 s and 66 MB. The
//!   busiest endpoint (3.2 million requests) has its IP box plots and IP x version medians, exactly, in
//!   110-213 ms over 7 days, 30 days and all time right after the file changed (the consistency count
//!   included), 25-118 ms when it has not (0.36-1.7 s reading the rows before; BENCHMARKS.md).
//!
//! # Time zones
//!
//! Hours are UTC. Windows that do not start on an hour ("today" from local midnight in a half-hour zone such
//! as Asia/Kolkata, "7 days" from now) use the summary hours inside (`hour`, or `vhour` for the version views)
//! and scan the partial hours at the edges exactly on the time index (`window.rs`), so every zone, half-hour
//! ones included, gets exact counts. A version's first use within a window (`versions` over a window) is
//! the earliest of the rows read at the edges and of one scan of the first whole hour it has requests in. The day/hour bucketing
//! views (hourly load, daily requests) take every UTC hour that lies whole in one local hour from the hour table
//! and read the rest exactly (the split hours of half-hour zones, odd times, rows above the mark); days holding
//! under 1/8 of the requests are scanned directly. Status codes over a window open at the end that holds most
//! requests are the code table's counts minus the rows before the window.
//!
//! # Users and IPs over a window
//!
//! The `ghour` table holds, per hour, the tracked users' and IPs' hits and durations per version; everybody
//! else is not stored, their hits being the hour table's minus the tracked ones ("other"). A window of one
//! endpoint is answered from `ghour` for its whole hours plus the exact edge reads above only when that
//! "other" is 0 over the window's whole hours. That is sound during a backfill too (a tracked user's rows never
//! count more than its requests, so the sums agree only when every one is complete for those hours), and it
//! decides every top N: all users/IPs of the window are known exactly, not only the tracked ones. Hits per
//! user/IP (`users`, `ips`) are then exact at any size; box plots (`group_performance`) and matrices
//! (`version_matrix`) use the histograms when the window holds more than
//! [`SummaryPolicy::exact_window_rows`] requests and [`SummaryPolicy::approximate`] is on, else they read the
//! rows. With "other" above 0 (an endpoint with more than 64 users or IPs, such as thousands of client IPs, or
//! a user not yet tracked) the views read the rows: an untracked one's hits in the window are known only in
//! total, which cannot tell whether it belongs to the top N (nor give its durations).

mod agg;
mod ghour;
pub(crate) mod histogram;
mod home;
mod latency;
mod ops;
mod packed;
mod read;
mod refresh;
mod rows;
mod schema;
mod vcode;
mod vhour;
mod window;

use std::time::Duration;

pub(crate) use agg::{is_error, keep_max, keep_min, key_is_null, key_name, IP, NO_ENDPOINT, USER};
pub(crate) use ghour::{may_track_top, per_group, window_estimate, GroupWindow};
pub(crate) use home::{attach as attach_cache, decide as decide_home, fmd_may_write, unlogged_wal, uri, CACHE_SCHEMA};
pub use home::{default_cache_dir, SummaryCache, SummaryHome};
pub(crate) use packed::{extend_moving, merge_cell, RowCell, RowCells};
pub(crate) use read::{data_version, estimate_since, Checked, Scope, SummaryView, WindowAgg, ODD_LIMIT};
pub(crate) use schema::ddl;
pub(crate) use vcode::{drop_zero_codes, status_key, Side, ViewCodes};
pub(crate) use window::{rows_bound, By};

use super::{Store, StoreError};

/// When views use the summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryPolicy {
    /// Use summaries at all (default true).
    pub enabled: bool,
    /// Databases with fewer requests than this are always answered from the requests directly, exactly, and
    /// get no summaries built (default 200 000).
    pub min_rows: u64,
    /// At most this many requests written since the last refresh are aggregated on the fly; with more, views
    /// answer directly until the next refresh (default 100 000).
    pub max_delta: u64,
    /// Percentiles over a bounded window holding at most this many requests are computed exactly from the rows;
    /// larger windows use the hour histograms (default 500 000).
    pub exact_window_rows: u64,
    /// Allow approximate percentiles (see the module docs); false runs those views directly (default true).
    pub approximate: bool,
}

impl Default for SummaryPolicy {
    fn default() -> Self {
        SummaryPolicy {
            enabled: true,
            min_rows: 200_000,
            max_delta: 100_000,
            exact_window_rows: 500_000,
            approximate: true,
        }
    }
}

/// Where the summaries of a file stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryState {
    /// Up to date with every request (as of the call).
    Ready,
    /// Built only part of the way (a time budget ran out); call again to go on.
    Partial,
    /// Another process holds the lease and is building them.
    Busy,
    /// Nothing can be written: neither the file (when the summaries live there) nor fmd's cache; views answer
    /// directly, or from summaries the file already has.
    ReadOnly,
    /// Built by a newer fmd with another layout; left alone and not used.
    Newer,
    /// Not built (no summary tables, or nothing covered yet).
    Missing,
}

/// The outcome of a refresh, or the state of a file's summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryStatus {
    /// Where they stand.
    pub state: SummaryState,
    /// Requests covered.
    pub covered: u64,
    /// Requests not yet covered (estimated from rowids).
    pub behind: u64,
}

/// How thoroughly a refresh checks the summaries against the requests before adding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verify {
    /// The cheap checks always; the per-endpoint count and sum pass when the last one is 10 minutes old.
    #[default]
    WhenDue,
    /// The per-endpoint count and sum pass now.
    Always,
    /// Only the cheap checks (mark fingerprint and total count).
    Cheap,
}

/// Options of [`Store::refresh_summaries_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RefreshOptions {
    /// Stop at the next consistent point after this much time (`None`: run to completion).
    pub budget: Option<Duration>,
    /// Checks before adding.
    pub verify: Verify,
}

impl Store {
    /// Builds or brings up to date this file's summaries, calling `progress(done, total)` (requests) as it
    /// goes. Works on read-only stores too, through a separate connection that writes the file (fmd's own) or
    /// fmd's cache (any other file, which stays unchanged); see the module docs.
    pub fn refresh_summaries(&self, mut progress: impl FnMut(u64, u64)) -> Result<SummaryStatus, StoreError> {
        refresh::run(self, &RefreshOptions::default(), &mut progress)
    }

    /// Like [`Store::refresh_summaries`], stopping at the next consistent point once `budget` has passed
    /// ([`SummaryState::Partial`] then; the next call resumes).
    pub fn refresh_summaries_within(
        &self,
        budget: Duration,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<SummaryStatus, StoreError> {
        refresh::run(self, &RefreshOptions { budget: Some(budget), ..RefreshOptions::default() }, &mut progress)
    }

    /// [`Store::refresh_summaries`] with explicit options.
    pub fn refresh_summaries_with(
        &self,
        options: RefreshOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<SummaryStatus, StoreError> {
        refresh::run(self, &options, &mut progress)
    }

    /// Empties the summaries (they are rebuilt by the next refresh). For code that rewrites requests in place
    /// (e.g. moving them to another endpoint), which the cheap checks cannot notice. Needs a writable store;
    /// a file without summaries is left alone.
    pub fn clear_summaries(&self) -> Result<(), StoreError> {
        refresh::clear(self)
    }

    /// Where this file's summaries stand, without changing anything.
    pub fn summary_status(&self) -> Result<SummaryStatus, StoreError> {
        read::status(self).map_err(|e| self.wrap(e))
    }

    /// The policy deciding when views use the summaries.
    pub fn summary_policy(&self) -> SummaryPolicy {
        self.summary_policy
    }

    /// Changes when views use the summaries (e.g. `min_rows: 0` to use them on any size, `approximate: false`
    /// for exact numbers everywhere).
    pub fn set_summary_policy(&mut self, policy: SummaryPolicy) {
        self.summary_policy = policy;
    }
}
