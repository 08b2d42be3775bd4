//! `fmd show VIEW [--json]`: every console view on standard output, as JSON (FMD's keys where FMD has the
//! same route) or as aligned text.

mod latency;
mod overview;
mod profiler;
mod text;
mod views_text;

use chrono::{DateTime, Duration, Utc};
use fmd_core::report::{Interval, Preset, ReportOptions};
use fmd_core::store::views::{GroupColumn, RequestFilter, RequestOrder, RequestQuery, StatusRange, TextMatch};
use fmd_core::store::{DayRange, TimeRange};
use fmd_core::{Store, StoreError};
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
    crate::summaries::prepare(&settings.db, settings.table_prefix.as_deref())?;
    let store = Store::open_reader(&settings.db, settings.table_prefix.as_deref())?;
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
    let ctx = Context::new(settings, args, &store)?;
    match args.view {
        View::Overview => {
            let rows = store.overview(ctx.now, settings.tz)?;
            if args.json {
                let exceptions = store.exception_group_counts()?;
                let json: Vec<_> = rows
                    .iter()
                    .map(|r| overview::OverviewJson::new(r, exceptions.get(&r.id).copied().unwrap_or(0)))
                    .collect();
                print_json(&json)
            } else {
                crate::output::print(&overview::text(&rows, &ctx.style))
            }
        }
        View::Hourly => emit(
            args,
            &ctx,
            &store.hourly_load(ctx.days(DEFAULT_HOURLY_DAYS)?, settings.tz, ctx.endpoint_id)?,
            views_text::hourly,
        ),
        View::Daily => emit(
            args,
            &ctx,
            &store.daily_requests(ctx.days(DEFAULT_DAILY_DAYS)?, settings.tz, ctx.endpoint_id)?,
            views_text::daily,
        ),
        View::Versions => match ctx.endpoint_id {
            None => emit(
                args,
                &ctx,
                &VersionsJson {
                    versions: store.versions(ctx.range, None)?,
                    multi_version: Some(store.multi_version(ctx.range)?),
                    performance: None,
                },
                views_text::versions,
            ),
            Some(id) => emit(
                args,
                &ctx,
                &VersionsJson {
                    versions: store.versions(ctx.range, Some(id))?,
                    multi_version: None,
                    performance: Some(store.version_performance(id, ctx.range)?),
                },
                views_text::versions,
            ),
        },
        View::ApiPerformance => {
            emit(args, &ctx, &store.api_performance(ctx.range, ctx.endpoint_id)?, views_text::summaries)
        }
        View::StatusCodes => {
            let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
            match ctx.endpoint_id {
                Some(id) => emit(args, &ctx, &store.status_codes(id, ctx.range, limit)?, views_text::status_codes),
                None => {
                    let mut by_id: std::collections::HashMap<i64, _> =
                        store.status_codes_per_endpoint(ctx.range, limit)?.into_iter().collect();
                    let mut all = Vec::new();
                    for e in ctx.endpoints(&store)? {
                        if let Some(status) = by_id.remove(&e.id) {
                            all.push(NamedStatus { endpoint: e.name.clone(), status });
                        }
                    }
                    emit(args, &ctx, &all, views_text::status_codes)
                }
            }
        }
        View::Endpoint => {
            let id = ctx.require_endpoint(args)?;
            emit(args, &ctx, &store.endpoint_summary(id, ctx.range)?, views_text::endpoint)
        }
        View::Latency => latency::show(&store.latency_series(ctx.range, ctx.endpoint_id)?, args.json, settings.tz),
        View::Users => emit(args, &ctx, &store.users(ctx.require_endpoint(args)?, ctx.range)?, generic),
        View::Ips => emit(args, &ctx, &store.ips(ctx.require_endpoint(args)?, ctx.range)?, generic),
        View::UserVersions | View::IpVersions => {
            let column = if args.view == View::UserVersions { GroupColumn::User } else { GroupColumn::Ip };
            let top = usize::try_from(args.top).unwrap_or(10);
            emit(
                args,
                &ctx,
                &store.version_matrix(ctx.require_endpoint(args)?, column, ctx.range, top)?,
                views_text::matrix,
            )
        }
        View::Requests => {
            let id = ctx.require_endpoint(args)?;
            let (limit, offset) =
                (usize::try_from(args.limit).unwrap_or(usize::MAX), usize::try_from(args.offset).unwrap_or(0));
            emit(
                args,
                &ctx,
                &store.requests(id, ctx.range, &request_query(args)?, limit, offset)?,
                views_text::requests,
            )
        }
        View::Report => report(&store, &ctx, settings, args),
        View::Graphs => {
            let mut graphs = Vec::new();
            for graph in store.graphs()? {
                let values = store.graph_values(graph.graph_id, ctx.range)?;
                graphs.push(GraphJson { graph, values });
            }
            emit(args, &ctx, &graphs, views_text::graphs)
        }
        View::Outliers => outliers(&store, &ctx, args),
        View::Profiler => profiler::list_or_tree(&store, &ctx, args),
        View::GroupedProfiler => profiler::grouped(&store, &ctx, args),
        View::Exceptions => {
            let limit = u32::try_from(args.limit).unwrap_or(u32::MAX);
            let mut groups = Vec::new();
            for group in store.exception_groups(ctx.endpoint_id, limit)? {
                let stack_trace_snapshot = store.exception_stack(group.stack_trace_snapshot_id)?;
                groups.push(ExceptionJson { group, stack_trace_snapshot });
            }
            emit(args, &ctx, &groups, views_text::exceptions)
        }
    }
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
fn outliers(store: &Store, ctx: &Context, args: &ShowArgs) -> Result<(), Failure> {
    let id = ctx.require_endpoint(args)?;
    let name = args.endpoint.clone().unwrap_or_default();
    let Some(request) = args.request else {
        let (limit, offset) =
            (u32::try_from(args.limit).unwrap_or(u32::MAX), u32::try_from(args.offset).unwrap_or(u32::MAX));
        let json =
            OutliersJson { num_outliers: store.num_outliers(id)?, outlier_table: store.outliers(id, limit, offset)? };
        return emit(args, ctx, &json, |v, style| views_text::outliers(v, &name, style));
    };
    // An endpoint has few outliers (at most one per request): find the request's among all of them.
    let all = store.outliers(id, u32::MAX, 0)?;
    let Some(row) = all.into_iter().find(|o| o.request.id == request) else {
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

/// `fmd show outliers`: FMD's `/api/num_outliers/<id>` and `/api/outlier_table/<id>/<offset>/<per_page>`.
#[derive(Serialize)]
struct OutliersJson {
    num_outliers: u64,
    outlier_table: Vec<fmd_core::store::OutlierRow>,
}

/// `fmd show exceptions`: a group (FMD's `/api/detailed_exception_occurrence` keys) with its stack.
#[derive(Serialize)]
struct ExceptionJson {
    #[serde(flatten)]
    group: fmd_core::store::ExceptionGroup,
    stack_trace_snapshot: Vec<fmd_core::store::ExceptionStackFrame>,
}

/// `fmd show graphs`: a graph (FMD's CustomGraph keys) with its values in the window (CustomGraphData keys).
#[derive(Serialize)]
struct GraphJson {
    #[serde(flatten)]
    graph: fmd_core::store::CustomGraph,
    values: Vec<fmd_core::store::CustomGraphValue>,
}

fn report(store: &Store, ctx: &Context, settings: &Settings, args: &ShowArgs) -> Result<(), Failure> {
    let options = ReportOptions::default();
    let report = if let (Some(version), Some(baseline)) = (&args.compare_version, &args.baseline_version) {
        store.report_versions(version, baseline, &options)?
    } else if let (Some(from), Some(to)) = (&args.baseline_from, &args.baseline_to) {
        let interval = Interval {
            from: ctx.range.from.ok_or_else(|| Failure::Input("report: --baseline-from needs --from".into()))?,
            to: ctx.range.to.unwrap_or(ctx.now),
        };
        let baseline = Interval { from: ctx.instant("--baseline-from", from)?, to: ctx.instant("--baseline-to", to)? };
        store.report_intervals(&interval, &baseline, &options)?
    } else {
        let preset = match args.preset.unwrap_or(ReportPreset::Day) {
            ReportPreset::Day => Preset::Day,
            ReportPreset::Week => Preset::Week,
            ReportPreset::Month => Preset::Month,
        };
        let pair = preset.intervals(ctx.now, settings.tz);
        store.report_intervals(&pair.interval, &pair.baseline, &options)?
    };
    if args.json {
        print_json(&report)
    } else {
        crate::output::print(&crate::table::fit_lines(&text::report(&report), ctx.style.width))
    }
}

/// `fmd show versions` output.
#[derive(Serialize)]
struct VersionsJson {
    versions: Vec<fmd_core::store::views::VersionInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    multi_version: Option<fmd_core::store::views::MultiVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    performance: Option<Vec<fmd_core::store::views::VersionPerformance>>,
}

/// `fmd show status-codes` without `--endpoint`: one entry per endpoint.
#[derive(Serialize)]
struct NamedStatus {
    endpoint: String,
    #[serde(flatten)]
    status: fmd_core::store::views::StatusCodes,
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
    fn new(settings: &Settings, args: &ShowArgs, store: &Store) -> Result<Context, Failure> {
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
            ctx.endpoint_id = Some(find_endpoint(store, name)?);
        }
        Ok(ctx)
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

    fn endpoints(&self, store: &Store) -> Result<Vec<fmd_core::store::EndpointLevel>, Failure> {
        let mut list = store.endpoint_levels()?;
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }
}

fn find_endpoint(store: &Store, name: &str) -> Result<i64, Failure> {
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
    Err(Failure::Input(format!(
        "{}",
        StoreError::UnknownEndpoint { path: store.path().to_path_buf(), name: format!("{name}{hint}") }
    )))
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
