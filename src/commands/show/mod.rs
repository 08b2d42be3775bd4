//! `fmd show VIEW [--json]`: every console view on standard output, as JSON (FMD's keys where FMD has the
//! same route) or as aligned text.

mod overview;
mod profiler;
mod text;

use chrono::{DateTime, Duration, Utc};
use fmd_core::report::{Interval, Preset, ReportOptions};
use fmd_core::store::views::GroupColumn;
use fmd_core::store::{DayRange, TimeRange};
use fmd_core::{Store, StoreError};
use serde::Serialize;

use crate::cli::{ReportPreset, ShowArgs, View};
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
    if args.request.is_some() && args.view != View::Profiler {
        return Err(Failure::Input(format!("--request only applies to `fmd show profiler`, not {:?}", args.view)));
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
                crate::output::print(&overview::text(&rows))
            }
        }
        View::Hourly => emit(args, &store.hourly_load(ctx.days(DEFAULT_HOURLY_DAYS)?, settings.tz, ctx.endpoint_id)?),
        View::Daily => emit(args, &store.daily_requests(ctx.days(DEFAULT_DAILY_DAYS)?, settings.tz, ctx.endpoint_id)?),
        View::Versions => match ctx.endpoint_id {
            None => emit(
                args,
                &VersionsJson {
                    versions: store.versions(ctx.range, None)?,
                    multi_version: Some(store.multi_version(ctx.range)?),
                    performance: None,
                },
            ),
            Some(id) => emit(
                args,
                &VersionsJson {
                    versions: store.versions(ctx.range, Some(id))?,
                    multi_version: None,
                    performance: Some(store.version_performance(id, ctx.range)?),
                },
            ),
        },
        View::ApiPerformance => emit(args, &store.api_performance(ctx.range, ctx.endpoint_id)?),
        View::StatusCodes => {
            let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
            match ctx.endpoint_id {
                Some(id) => emit(args, &store.status_codes(id, ctx.range, limit)?),
                None => {
                    let mut by_id: std::collections::HashMap<i64, _> =
                        store.status_codes_per_endpoint(ctx.range, limit)?.into_iter().collect();
                    let mut all = Vec::new();
                    for e in ctx.endpoints(&store)? {
                        if let Some(status) = by_id.remove(&e.id) {
                            all.push(NamedStatus { endpoint: e.name.clone(), status });
                        }
                    }
                    emit(args, &all)
                }
            }
        }
        View::Endpoint => {
            let id = ctx.require_endpoint(args)?;
            emit(args, &store.endpoint_summary(id, ctx.range)?)
        }
        View::Users => emit(args, &store.users(ctx.require_endpoint(args)?, ctx.range)?),
        View::Ips => emit(args, &store.ips(ctx.require_endpoint(args)?, ctx.range)?),
        View::UserVersions | View::IpVersions => {
            let column = if args.view == View::UserVersions { GroupColumn::User } else { GroupColumn::Ip };
            let top = usize::try_from(args.top).unwrap_or(10);
            emit(args, &store.version_matrix(ctx.require_endpoint(args)?, column, ctx.range, top)?)
        }
        View::Requests => {
            let id = ctx.require_endpoint(args)?;
            let (limit, offset) =
                (usize::try_from(args.limit).unwrap_or(usize::MAX), usize::try_from(args.offset).unwrap_or(0));
            emit(args, &store.recent_requests(id, ctx.range, limit, offset)?)
        }
        View::Report => report(&store, &ctx, settings, args),
        View::Graphs => {
            let mut graphs = Vec::new();
            for graph in store.graphs()? {
                let values = store.graph_values(graph.graph_id, ctx.range)?;
                graphs.push(GraphJson { graph, values });
            }
            emit(args, &graphs)
        }
        View::Outliers => {
            let id = ctx.require_endpoint(args)?;
            let (limit, offset) =
                (u32::try_from(args.limit).unwrap_or(u32::MAX), u32::try_from(args.offset).unwrap_or(u32::MAX));
            emit(
                args,
                &OutliersJson {
                    num_outliers: store.num_outliers(id)?,
                    outlier_table: store.outliers(id, limit, offset)?,
                },
            )
        }
        View::Profiler => profiler::list_or_tree(&store, &ctx, args),
        View::GroupedProfiler => profiler::grouped(&store, &ctx, args),
        View::Exceptions => {
            let limit = u32::try_from(args.limit).unwrap_or(u32::MAX);
            let mut groups = Vec::new();
            for group in store.exception_groups(ctx.endpoint_id, limit)? {
                let stack_trace_snapshot = store.exception_stack(group.stack_trace_snapshot_id)?;
                groups.push(ExceptionJson { group, stack_trace_snapshot });
            }
            emit(args, &groups)
        }
    }
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
        crate::output::print(&text::report(&report))
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
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    range: TimeRange,
    endpoint_id: Option<i64>,
    days: Option<u32>,
}

impl Context {
    fn new(settings: &Settings, args: &ShowArgs, store: &Store) -> Result<Context, Failure> {
        let now = settings.now_or_clock();
        let mut ctx = Context { now, tz: settings.tz, range: TimeRange::ALL, endpoint_id: None, days: args.days };
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

fn emit<T: Serialize>(args: &ShowArgs, value: &T) -> Result<(), Failure> {
    if args.json {
        print_json(value)
    } else {
        let value = serde_json::to_value(value).map_err(Failure::runtime)?;
        crate::output::print(&text::render(&value))
    }
}

fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(Failure::runtime)?;
    crate::output::println(&text)
}
