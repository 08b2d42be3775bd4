//! `fmd show VIEW [--json]`: every console view on standard output, as JSON (FMD's keys where FMD has the
//! same route) or as aligned text.

mod latency;
mod overview;
mod profiler;
mod text;
mod views_text;

use chrono::{DateTime, Duration, Utc};
use fmd_core::dashboard::ViewSource;
use fmd_core::dashboard::{
    self, Compare, Limits, ReportView, RequestsKey, ViewData, ViewKey, ViewKind, ViewRequest, Window,
};
use fmd_core::report::Interval;
use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, StatusRange, TextMatch};
use fmd_core::store::{DayRange, TimeRange};
use fmd_core::StoreError;
use serde::Serialize;

use crate::cli::{ReportPreset, RequestSort, ShowArgs, View};
use crate::failure::Failure;
use crate::settings::Settings;
use crate::timearg;

/// Days the hourly view covers by default (FMD's dashboard uses 7 for its API, 14 in the UI).
const DEFAULT_HOURLY_DAYS: u32 = 7;
/// Days the daily view covers by default (FMD's UI default).
const DEFAULT_DAILY_DAYS: u32 = 10;

/// Prints the requested view to standard output.
pub fn run(settings: &Settings, args: &ShowArgs) -> Result<(), Failure> {
    let opened = crate::database::views(settings)?;
    let store = &*opened.source;
    if args.request.is_some() && !matches!(args.view, View::Profiler | View::Outliers) {
        return Err(Failure::Input(format!(
            "--request only applies to `fmd show profiler` and `fmd show outliers`, not {:?}",
            args.view
        )));
    }
    let filtered = args.requests.status.is_some()
        || args.requests.user.is_some()
        || args.requests.ip.is_some()
        || args.requests.app_version.is_some()
        || args.requests.sort.is_some();
    if filtered && args.view != View::Requests {
        return Err(Failure::Input(format!(
            "--status, --user, --ip, --app-version and --sort only apply to `fmd show requests`, not {:?}",
            args.view
        )));
    }
    let ctx = Context::new(settings, args, store, &opened.location)?;
    let endpoint = ctx.endpoint_id;
    let view = |kind: ViewKind, endpoint: Option<i64>| ctx.view(store, args, kind, endpoint, None);
    match args.view {
        View::Overview => {
            let ViewData::Overview(overview) = view(ViewKind::Overview, None)? else { return unexpected(args) };
            if args.json {
                print_json(&overview)
            } else {
                crate::output::print(&overview::text(&overview.rows, &ctx.style))
            }
        }
        View::Hourly => {
            let days = ctx.days(DEFAULT_HOURLY_DAYS)?;
            emit(args, &ctx, &ctx.view(store, args, ViewKind::DashHourly, endpoint, Some(days))?, views_text::hourly)
        }
        View::Daily => {
            let days = ctx.days(DEFAULT_DAILY_DAYS)?;
            emit(args, &ctx, &ctx.view(store, args, ViewKind::DashDaily, endpoint, Some(days))?, views_text::daily)
        }
        View::Versions => {
            let kind = if endpoint.is_some() { ViewKind::Versions } else { ViewKind::DashVersions };
            emit(args, &ctx, &view(kind, endpoint)?, views_text::versions)
        }
        View::ApiPerformance => emit(args, &ctx, &view(ViewKind::DashPerformance, endpoint)?, views_text::summaries),
        View::StatusCodes => {
            let kind = if endpoint.is_some() { ViewKind::Status } else { ViewKind::StatusPerEndpoint };
            emit(args, &ctx, &view(kind, endpoint)?, views_text::status_codes)
        }
        View::Endpoint => {
            emit(args, &ctx, &view(ViewKind::Summary, Some(ctx.require_endpoint(args)?))?, views_text::endpoint)
        }
        View::Latency => {
            let kind = if endpoint.is_some() { ViewKind::Latency } else { ViewKind::DashLatency };
            let ViewData::Latency(series) = view(kind, endpoint)? else { return unexpected(args) };
            latency::show(&series, args.json, settings.tz)
        }
        View::Users => emit(args, &ctx, &view(ViewKind::UserHits, Some(ctx.require_endpoint(args)?))?, generic),
        View::Ips => emit(args, &ctx, &view(ViewKind::IpHits, Some(ctx.require_endpoint(args)?))?, generic),
        View::UserVersions | View::IpVersions => {
            let kind = if args.view == View::UserVersions { ViewKind::UserVersion } else { ViewKind::IpVersion };
            emit(args, &ctx, &view(kind, Some(ctx.require_endpoint(args)?))?, views_text::matrix)
        }
        View::Requests => {
            let kind = ViewKind::Requests(RequestsKey::new(&request_query(args)?));
            emit(args, &ctx, &view(kind, Some(ctx.require_endpoint(args)?))?, views_text::requests)
        }
        View::Report => report(store, &ctx, args),
        View::Graphs => emit(args, &ctx, &view(ViewKind::GraphValues, None)?, views_text::graphs),
        View::Outliers => outliers(store, &ctx, args),
        View::Profiler => profiler::list_or_tree(store, &ctx, args),
        View::GroupedProfiler => profiler::grouped(store, &ctx, args),
        View::Exceptions => emit(args, &ctx, &view(ViewKind::Exceptions, endpoint)?, views_text::exceptions),
    }
}

/// A view answered with another kind of data than it gives (a bug of the dashboard layer, never the user's).
pub(super) fn unexpected(args: &ShowArgs) -> Result<(), Failure> {
    Err(Failure::runtime(format!("the {:?} view gave an unexpected answer", args.view)))
}

/// The filter and order of `fmd show requests` (`--status`, `--user`, `--ip`, `--app-version`, `--sort`).
fn request_query(args: &ShowArgs) -> Result<RequestQuery, Failure> {
    let text = |flag: &str, value: &Option<String>| {
        value.as_deref().map(|v| v.parse::<TextMatch>().map_err(|e| Failure::Input(format!("{flag}: {e}")))).transpose()
    };
    let status = args.requests.status.as_deref().map(str::parse::<StatusRange>).transpose();
    Ok(RequestQuery {
        filter: RequestFilter {
            status: status.map_err(|e| Failure::Input(format!("--status: {e}")))?,
            user: text("--user", &args.requests.user)?,
            ip: text("--ip", &args.requests.ip)?,
            version: text("--app-version", &args.requests.app_version)?,
        },
        order: match args.requests.sort {
            Some(RequestSort::Duration) => RequestOrder::Duration,
            Some(RequestSort::Time) | None => RequestOrder::Time,
        },
    })
}

/// `fmd show outliers`: the endpoint's outliers, or with `--request ID` that request's outlier in full.
fn outliers(store: &dyn ViewSource, ctx: &Context, args: &ShowArgs) -> Result<(), Failure> {
    let id = ctx.require_endpoint(args)?;
    let name = args.endpoint.clone().unwrap_or_default();
    let Some(request) = args.request else {
        let data = ctx.view(store, args, ViewKind::Outliers, Some(id), None)?;
        return emit(args, ctx, &data, |v, style| views_text::outliers(v, &name, style));
    };
    let ViewData::Outlier(Some(row)) = ctx.view(store, args, ViewKind::Outlier(request), Some(id), None)? else {
        return Err(Failure::Input(format!(
            "--request {request}: endpoint {} has no outlier of that request (see `fmd show outliers --endpoint {}`)",
            text::clean(&name),
            text::clean(&name)
        )));
    };
    emit(args, ctx, &row, views_text::outlier_detail)
}

/// The generic text layout (tables of flat rows, aligned `key  value` lines).
fn generic(value: &serde_json::Value, style: &text::Style) -> String {
    text::render(value, style)
}

/// `fmd show report`: FMD's report of the comparison the flags name (a preset at `--now` by default).
fn report(store: &dyn ViewSource, ctx: &Context, args: &ShowArgs) -> Result<(), Failure> {
    let compare = if let (Some(version), Some(baseline)) = (&args.compare_version, &args.baseline_version) {
        Compare::version_pair(version, baseline)
    } else if let (Some(from), Some(to)) = (&args.baseline_from, &args.baseline_to) {
        let interval = Interval {
            from: ctx.range.from.ok_or_else(|| Failure::Input("report: --baseline-from needs --from".into()))?,
            to: ctx.range.to.unwrap_or(ctx.now),
        };
        let baseline = Interval { from: ctx.instant("--baseline-from", from)?, to: ctx.instant("--baseline-to", to)? };
        Compare::Intervals { interval, baseline }
    } else {
        match args.preset.unwrap_or(ReportPreset::Day) {
            ReportPreset::Day => Compare::Day,
            ReportPreset::Week => Compare::Week,
            ReportPreset::Month => Compare::Month,
        }
    };
    let ViewData::Report(ReportView { report: Some(report), .. }) =
        ctx.view(store, args, ViewKind::DashReport(compare), None, None)?
    else {
        return unexpected(args);
    };
    if args.json {
        print_json(&report)
    } else {
        crate::output::print(&crate::table::fit_lines(&text::report(&report), ctx.style.width))
    }
}

/// What every view needs: the clock, the window and the endpoint.
struct Context {
    style: text::Style,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    range: TimeRange,
    endpoint_id: Option<i64>,
    days: Option<u32>,
}

impl Context {
    fn new(settings: &Settings, args: &ShowArgs, store: &dyn ViewSource, location: &str) -> Result<Context, Failure> {
        let now = settings.now_or_clock();
        let style = text::Style { width: crate::table::output_width(), tz: settings.tz };
        let mut ctx =
            Context { style, now, tz: settings.tz, range: TimeRange::ALL, endpoint_id: None, days: args.days };
        let from = args.from.as_deref().map(|t| ctx.instant("--from", t)).transpose()?;
        let to = args.to.as_deref().map(|t| ctx.instant("--to", t)).transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                return Err(Failure::Input(format!("--from ({f}) must be before --to ({t})")));
            }
        }
        ctx.range = TimeRange::new(from, to);
        if let Some(name) = &args.endpoint {
            ctx.endpoint_id = Some(find_endpoint(store, location, name)?);
        }
        Ok(ctx)
    }

    /// The dashboard layer's answer for `kind` over the window, with the flags' row limits (`--limit`,
    /// `--offset`, `--top`) and, for day-based views, `days`.
    fn view(
        &self,
        store: &dyn ViewSource,
        args: &ShowArgs,
        kind: ViewKind,
        endpoint: Option<i64>,
        days: Option<DayRange>,
    ) -> Result<ViewData, Failure> {
        let window = match (self.range.from, self.range.to) {
            (None, None) => Window::All,
            (from, to) => Window::Custom { from, to },
        };
        let mut limits = Limits::page(
            usize::try_from(args.limit).unwrap_or(usize::MAX),
            usize::try_from(args.offset).unwrap_or(usize::MAX),
        );
        limits.matrix = usize::try_from(args.top).unwrap_or(10);
        let request =
            ViewRequest { key: ViewKey { kind, window, endpoint }, now: self.now, zone: self.tz, limits, days };
        Ok(dashboard::answer(store, &request)?)
    }

    fn instant(&self, flag: &str, text: &str) -> Result<DateTime<Utc>, Failure> {
        timearg::parse_instant(text, self.now, self.tz).map_err(|e| Failure::Input(format!("{flag}: {e}")))
    }

    /// Local days for the hourly and daily views: --from/--to when given, else `--days` (or `default`)
    /// days ending today.
    fn days(&self, default: u32) -> Result<DayRange, Failure> {
        let local_date = |t: DateTime<Utc>| t.with_timezone(&self.tz).date_naive();
        let last = self.range.to.map_or_else(|| local_date(self.now), |t| local_date(t - Duration::microseconds(1)));
        let first = match self.range.from {
            Some(from) => local_date(from),
            None => last - Duration::days(i64::from(self.days.unwrap_or(default)) - 1),
        };
        if first > last {
            return Err(Failure::Input("the window holds no whole day".into()));
        }
        Ok(DayRange::new(first, last))
    }

    fn require_endpoint(&self, args: &ShowArgs) -> Result<i64, Failure> {
        self.endpoint_id.ok_or_else(|| {
            Failure::Input(format!("show {:?}: --endpoint NAME is required (see `fmd show overview`)", args.view))
        })
    }
}

fn find_endpoint(store: &dyn ViewSource, location: &str, name: &str) -> Result<i64, Failure> {
    let endpoints = store.endpoint_levels()?;
    if let Some(e) = endpoints.iter().find(|e| e.name == name) {
        return Ok(e.id);
    }
    let close: Vec<&str> = endpoints
        .iter()
        .filter(|e| strsim::jaro_winkler(&e.name, name) > 0.8)
        .map(|e| e.name.as_str())
        .take(3)
        .collect();
    let hint = if close.is_empty() { String::new() } else { format!("; did you mean {}?", close.join(", ")) };
    let unknown = StoreError::UnknownEndpoint { path: location.into(), name: name.to_string() };
    Err(Failure::Input(format!("{unknown}{hint}")))
}

/// Prints `value` as JSON with `--json`, else laid out as text by `text` (from the same JSON value).
fn emit<T: Serialize>(
    args: &ShowArgs,
    ctx: &Context,
    value: &T,
    text: impl Fn(&serde_json::Value, &text::Style) -> String,
) -> Result<(), Failure> {
    if args.json {
        print_json(value)
    } else {
        let value = serde_json::to_value(value).map_err(Failure::runtime)?;
        crate::output::print(&text(&value, &ctx.style))
    }
}

fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(Failure::runtime)?;
    crate::output::println(&text)
}
