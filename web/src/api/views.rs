//! `GET /{link}/api/view/{view}`: every view as `fmd show VIEW --json` prints it, byte for byte (pretty JSON
//! and a newline), for the same arguments on the same file at the same clock (`tests/web_api_views.rs` runs
//! both). The query string takes `fmd show`'s flags by their names: `endpoint` (the name as stored), `from`,
//! `to` (RFC 3339, a local date or time, `now`, `today` or an age like `7d`; default all time), `tz`, `days`,
//! `limit` (default 100), `offset`, `top` (default 10), `request`, the Requests filters `status`, `user`, `ip`,
//! `app_version`, `sort` (`time`, `duration`), and the report's `preset` (`day`, `week`, `month`),
//! `baseline_from`, `baseline_to`, `compare_version`, `baseline_version`.
//!
//! Views: `overview`, `hourly`, `daily`, `versions`, `api-performance`, `status-codes`, `endpoint`, `latency`,
//! `users`, `ips`, `user-versions`, `ip-versions`, `requests`, `report`, `graphs`, `outliers`, `exceptions`,
//! `profiler`, `grouped-profiler`. A bad parameter is 400 naming it, an unknown view or endpoint 404.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use fmd_core::dashboard::{Compare, Limits, RequestsKey, ViewData, ViewKind, Window};
use fmd_core::report::Interval;
use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, StatusRange, TextMatch};
use fmd_core::store::{CallTree, DayRange};
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::auth::Viewer;
use crate::state::AppState;

/// The views, as `fmd show` names them.
pub const VIEWS: [&str; 19] = [
    "overview",
    "hourly",
    "daily",
    "versions",
    "api-performance",
    "status-codes",
    "endpoint",
    "latency",
    "users",
    "ips",
    "user-versions",
    "ip-versions",
    "requests",
    "report",
    "graphs",
    "outliers",
    "exceptions",
    "profiler",
    "grouped-profiler",
];

/// Days `hourly` covers by default, and `daily` (as `fmd show`).
const DEFAULT_DAYS: (u32, u32) = (7, 10);

/// `GET /api/view/{view}`.
pub fn routes(at: &str) -> Router<AppState> {
    Router::new().route(&format!("{at}/api/view/{{view}}"), get(view))
}

/// The query string: `fmd show`'s flags.
#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    endpoint: Option<String>,
    from: Option<String>,
    to: Option<String>,
    tz: Option<String>,
    days: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    top: Option<String>,
    request: Option<String>,
    status: Option<String>,
    user: Option<String>,
    ip: Option<String>,
    app_version: Option<String>,
    sort: Option<String>,
    preset: Option<String>,
    baseline_from: Option<String>,
    baseline_to: Option<String>,
    compare_version: Option<String>,
    baseline_version: Option<String>,
}

/// A number parameter in `low..=high`.
fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    param: &str,
    text: Option<&str>,
    default: T,
    (low, high): (T, T),
) -> Result<T, ApiError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return Ok(default) };
    match text.trim().parse::<T>() {
        Ok(n) if n >= low && n <= high => Ok(n),
        _ => Err(ApiError::bad(param, format!("{text:?} is not a number from {low} to {high}"))),
    }
}

/// What every view needs: the clock, zone, window, endpoint and limits.
struct Context {
    now: DateTime<Utc>,
    tz: Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    endpoint: Option<i64>,
    limits: Limits,
    days: Option<u32>,
}

impl Context {
    async fn new(state: &AppState, q: &ViewQuery) -> Result<Context, ApiError> {
        let now = state.now();
        let tz = crate::params::PageQuery { tz: q.tz.clone(), ..Default::default() }.zone(state.settings().zone)?;
        let from = q.from.as_deref().map(|t| instant("from", t, now, tz)).transpose()?;
        let to = q.to.as_deref().map(|t| instant("to", t, now, tz)).transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                return Err(ApiError::bad("to", format!("({t}) must be after from ({f})")));
            }
        }
        let limit = number("limit", q.limit.as_deref(), 100u64, (1, 1_000_000))?;
        let offset = number("offset", q.offset.as_deref(), 0u64, (0, u64::MAX))?;
        let top = number("top", q.top.as_deref(), 10u64, (1, 10_000))?;
        let days = q.days.as_deref().map(|d| number("days", Some(d), 1u32, (1, 3660))).transpose()?;
        let mut limits =
            Limits::page(usize::try_from(limit).unwrap_or(usize::MAX), usize::try_from(offset).unwrap_or(usize::MAX));
        limits.matrix = usize::try_from(top).unwrap_or(10);
        let endpoint = match q.endpoint.as_deref() {
            None => None,
            Some(name) => Some(
                super::endpoints(state)
                    .await?
                    .into_iter()
                    .find(|e| e.name == name)
                    .ok_or_else(|| ApiError::not_found(format!("endpoint: no endpoint {name:?}")))?
                    .id,
            ),
        };
        Ok(Context { now, tz, from, to, endpoint, limits, days })
    }

    fn window(&self) -> Window {
        match (self.from, self.to) {
            (None, None) => Window::All,
            (from, to) => Window::Custom { from, to },
        }
    }

    fn require_endpoint(&self, view: &str) -> Result<i64, ApiError> {
        self.endpoint.ok_or_else(|| ApiError::bad("endpoint", format!("the {view} view needs an endpoint (by name)")))
    }

    /// Local days of the hourly and daily views: `from`/`to` when given, else `days` (or `default`) ending
    /// today (as `fmd show`).
    fn day_range(&self, default: u32) -> Result<DayRange, ApiError> {
        let local_date = |t: DateTime<Utc>| t.with_timezone(&self.tz).date_naive();
        let last = self.to.map_or_else(|| local_date(self.now), |t| local_date(t - Duration::microseconds(1)));
        let first = match self.from {
            Some(from) => local_date(from),
            None => last - Duration::days(i64::from(self.days.unwrap_or(default)) - 1),
        };
        if first > last {
            return Err(ApiError::bad("from", "the window holds no whole day"));
        }
        Ok(DayRange::new(first, last))
    }

    async fn ask(
        &self,
        state: &AppState,
        kind: ViewKind,
        endpoint: Option<i64>,
        days: Option<DayRange>,
    ) -> Result<std::sync::Arc<ViewData>, ApiError> {
        let request = fmd_core::dashboard::ViewRequest {
            key: fmd_core::dashboard::ViewKey { kind, window: self.window(), endpoint },
            now: self.now,
            zone: self.tz,
            limits: self.limits,
            days,
        };
        Ok(state.pool().answer(request, state.settings().now.is_some()).await?)
    }
}

/// An instant as `fmd show` reads `--from`/`--to`: RFC 3339, a local date or date and time, `now`, `today`,
/// or an age (`24h`, `7d`).
fn instant(param: &str, text: &str, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, ApiError> {
    let t = text.trim();
    let local = |naive: NaiveDateTime| {
        tz.from_local_datetime(&naive)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
            .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
    };
    match t {
        "now" => return Ok(now),
        "today" => return Ok(local(now.with_timezone(&tz).date_naive().and_time(chrono::NaiveTime::MIN))),
        _ => {}
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(t) {
        return Ok(instant.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(local(date.and_time(chrono::NaiveTime::MIN)));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(local(naive));
        }
    }
    if t.starts_with(|c: char| c.is_ascii_digit()) && t.ends_with(|c: char| c.is_ascii_alphabetic()) {
        let age = fmd_core::config::parse_duration(t.trim_end_matches(" ago"))
            .ok()
            .and_then(|d| Duration::from_std(d).ok())
            .ok_or_else(|| ApiError::bad(param, format!("{t:?} is not an age (24h, 7d, 2w)")))?;
        return Ok(now - age);
    }
    Err(ApiError::bad(
        param,
        format!("{text:?} is not a time: use RFC 3339, a local date or time, now, today, or an age like 24h or 7d"),
    ))
}

/// `fmd show requests`' filter and order.
fn request_query(q: &ViewQuery) -> Result<RequestQuery, ApiError> {
    let text = |param: &str, value: &Option<String>| {
        value.as_deref().map(|v| v.parse::<TextMatch>().map_err(|e| ApiError::bad(param, e))).transpose()
    };
    let status = q.status.as_deref().map(str::parse::<StatusRange>).transpose();
    Ok(RequestQuery {
        filter: RequestFilter {
            status: status.map_err(|e| ApiError::bad("status", e))?,
            user: text("user", &q.user)?,
            ip: text("ip", &q.ip)?,
            version: text("app_version", &q.app_version)?,
        },
        order: match q.sort.as_deref() {
            None | Some("time") => RequestOrder::Time,
            Some("duration") => RequestOrder::Duration,
            Some(other) => return Err(ApiError::bad("sort", format!("{other:?} is not time or duration"))),
        },
    })
}

/// The report's comparison, as `fmd show report` picks it.
fn comparison(q: &ViewQuery, ctx: &Context) -> Result<Compare, ApiError> {
    if let (Some(version), Some(baseline)) = (&q.compare_version, &q.baseline_version) {
        return Ok(Compare::version_pair(version, baseline));
    }
    if q.compare_version.is_some() != q.baseline_version.is_some() {
        return Err(ApiError::bad("baseline_version", "compare_version and baseline_version go together"));
    }
    if let (Some(from), Some(to)) = (&q.baseline_from, &q.baseline_to) {
        let interval = Interval {
            from: ctx.from.ok_or_else(|| ApiError::bad("from", "baseline_from needs from"))?,
            to: ctx.to.unwrap_or(ctx.now),
        };
        let baseline = Interval {
            from: instant("baseline_from", from, ctx.now, ctx.tz)?,
            to: instant("baseline_to", to, ctx.now, ctx.tz)?,
        };
        return Ok(Compare::Intervals { interval, baseline });
    }
    if q.baseline_from.is_some() != q.baseline_to.is_some() {
        return Err(ApiError::bad("baseline_to", "baseline_from and baseline_to go together"));
    }
    match q.preset.as_deref() {
        None | Some("day") => Ok(Compare::Day),
        Some("week") => Ok(Compare::Week),
        Some("month") => Ok(Compare::Month),
        Some(other) => Err(ApiError::bad("preset", format!("{other:?} is not day, week or month"))),
    }
}

/// `fmd show profiler --request ID --json`: the tree and the indexes of its hottest path.
#[derive(Serialize)]
struct TreeJson<'a> {
    #[serde(flatten)]
    tree: &'a CallTree,
    hottest_path: Vec<usize>,
}

/// `value` as `fmd show` prints it: pretty JSON and a newline.
fn pretty(value: &impl Serialize) -> Result<Response, ApiError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| ApiError(http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    text.push('\n');
    Ok(([(http::header::CONTENT_TYPE, "application/json")], text).into_response())
}

async fn view(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(name): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, ApiError> {
    let Some(&view) = VIEWS.iter().find(|v| **v == name) else {
        return Err(ApiError::not_found(format!("no view {name:?}; the views are {}", VIEWS.join(", "))));
    };
    if q.request.is_some() && !matches!(view, "profiler" | "outliers") {
        return Err(ApiError::bad("request", format!("only applies to profiler and outliers, not {view}")));
    }
    let filtered =
        q.status.is_some() || q.user.is_some() || q.ip.is_some() || q.app_version.is_some() || q.sort.is_some();
    if filtered && view != "requests" {
        return Err(ApiError::bad(
            "status",
            format!("status, user, ip, app_version and sort only apply to requests, not {view}"),
        ));
    }
    let request = q.request.as_deref().map(|r| number("request", Some(r), 0i64, (i64::MIN, i64::MAX))).transpose()?;
    let ctx = Context::new(&state, &q).await?;
    let endpoint = ctx.endpoint;
    let ask = |kind: ViewKind, endpoint: Option<i64>| ctx.ask(&state, kind, endpoint, None);
    let data = match view {
        "overview" => ask(ViewKind::Overview, None).await?,
        "hourly" => ctx.ask(&state, ViewKind::DashHourly, endpoint, Some(ctx.day_range(DEFAULT_DAYS.0)?)).await?,
        "daily" => ctx.ask(&state, ViewKind::DashDaily, endpoint, Some(ctx.day_range(DEFAULT_DAYS.1)?)).await?,
        "versions" => {
            ask(if endpoint.is_some() { ViewKind::Versions } else { ViewKind::DashVersions }, endpoint).await?
        }
        "api-performance" => ask(ViewKind::DashPerformance, endpoint).await?,
        "status-codes" => {
            ask(if endpoint.is_some() { ViewKind::Status } else { ViewKind::StatusPerEndpoint }, endpoint).await?
        }
        "endpoint" => ask(ViewKind::Summary, Some(ctx.require_endpoint(view)?)).await?,
        "latency" => ask(if endpoint.is_some() { ViewKind::Latency } else { ViewKind::DashLatency }, endpoint).await?,
        "users" => ask(ViewKind::UserHits, Some(ctx.require_endpoint(view)?)).await?,
        "ips" => ask(ViewKind::IpHits, Some(ctx.require_endpoint(view)?)).await?,
        "user-versions" => ask(ViewKind::UserVersion, Some(ctx.require_endpoint(view)?)).await?,
        "ip-versions" => ask(ViewKind::IpVersion, Some(ctx.require_endpoint(view)?)).await?,
        "requests" => {
            let kind = ViewKind::Requests(RequestsKey::new(&request_query(&q)?));
            ask(kind, Some(ctx.require_endpoint(view)?)).await?
        }
        "report" => {
            let kind = ViewKind::DashReport(comparison(&q, &ctx)?);
            let data = ask(kind, None).await?;
            return match &*data {
                ViewData::Report(r) => match &r.report {
                    Some(report) => pretty(report),
                    None => Err(ApiError::bad("preset", r.note.clone().unwrap_or_default())),
                },
                _ => Err(ApiError::unexpected(kind)),
            };
        }
        "graphs" => ask(ViewKind::GraphValues, None).await?,
        "outliers" => {
            let id = ctx.require_endpoint(view)?;
            let Some(request) = request else { return pretty(&*ask(ViewKind::Outliers, Some(id)).await?) };
            let data = ask(ViewKind::Outlier(request), Some(id)).await?;
            return match &*data {
                ViewData::Outlier(Some(row)) => pretty(row),
                _ => Err(ApiError::not_found(format!("request: the endpoint has no outlier of request {request}"))),
            };
        }
        "profiler" => {
            let id = ctx.require_endpoint(view)?;
            let Some(request) = request else { return pretty(&*ask(ViewKind::Profiler, Some(id)).await?) };
            return tree(&ctx, &state, id, request).await;
        }
        "grouped-profiler" => {
            let data = ask(ViewKind::Grouped, Some(ctx.require_endpoint(view)?)).await?;
            return match &*data {
                ViewData::Grouped(profile) => pretty(&profile.lines),
                _ => Err(ApiError::unexpected(ViewKind::Grouped)),
            };
        }
        _ => ask(ViewKind::Exceptions, endpoint).await?,
    };
    pretty(&*data)
}

/// `profiler` with `request`: that request's call tree, when it is one of the endpoint's and was profiled.
async fn tree(ctx: &Context, state: &AppState, endpoint: i64, request: i64) -> Result<Response, ApiError> {
    let detail = ctx.ask(state, ViewKind::RequestDetail(request), Some(endpoint), None).await?;
    let owner = match &*detail {
        ViewData::RequestDetail(d) => d.as_ref().and_then(|d| d.request.endpoint_id),
        _ => return Err(ApiError::unexpected(ViewKind::RequestDetail(request))),
    };
    if owner != Some(endpoint) {
        return Err(ApiError::not_found(format!("request: no request of the endpoint has id {request}")));
    }
    let data = ctx.ask(state, ViewKind::CallTree(request), Some(endpoint), None).await?;
    let ViewData::CallTree(tree) = &*data else { return Err(ApiError::unexpected(ViewKind::CallTree(request))) };
    let Some(tree) = tree.as_ref().filter(|t| !t.lines.is_empty()) else {
        return Err(ApiError::not_found(format!(
            "request: request {request} has no stack lines (it was not profiled at level 3)"
        )));
    };
    pretty(&TreeJson { tree, hottest_path: tree.hottest_path() })
}
