//! `/{link}/endpoint/{id}/outliers`: the endpoint's outliers (all time, newest first, [`PAGE_ROWS`] a page:
//! time, duration and how many times the endpoint's mean, URL, CPU, memory), each opening
//! `outliers/{request}`: the request, its stack (the service's own frames emphasised), CPU per core, memory,
//! headers and environment. Headers and environment go through [`super::redact`]: secret values are never
//! shown, and guests see names only.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::OutlierRow;
use maud::{html, Markup};

use super::{fmd_time, or_empty, redact, request_id, stored, Answer, Endpoint};
use crate::auth::Viewer;
use crate::pages::format::{count, ms};
use crate::pages::table::pager;
use crate::pages::{frame, limits, PAGE_ROWS};
use crate::params::PageQuery;
use crate::state::AppState;

/// The note of an empty Outliers tab for an endpoint at `level`.
pub fn none_yet(level: Option<u8>) -> String {
    match level {
        Some(2 | 3) => "No outliers yet: the recorder captures a request slower than the endpoint's threshold \
                        (a multiple of its mean, after enough requests)."
            .into(),
        Some(l) => format!("No outliers: this endpoint is at level {l}; levels 2 and 3 record them."),
        None => "No outliers: this endpoint has no level; levels 2 and 3 record them.".into(),
    }
}

/// `GET /{link}/endpoint/{id}/outliers`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path(id): Path<String>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let page = ep.query.page();
    let mut web = limits(0, (page - 1) * PAGE_ROWS);
    web.outliers = PAGE_ROWS;
    let data = ep.ask(ViewKind::Outliers, web).await?;
    let ViewData::Outliers(view) = &*data else { return Err(ep.missing("No outliers answer.", "", "summary")) };
    let content = html! {
        p.muted { (count(view.total)) " outliers in all (kept until pruned; the window does not apply)"
            @if let Some(avg) = view.average { " · the endpoint's mean " (ms(Some(avg))) } }
        @if view.total == 0 {
            (frame::empty(&none_yet(ep.level())))
        } @else {
            table.data.outliers {
                thead { tr { th { "time" } th.num { "duration" } th.num { "× mean" } th { "URL" } th.num { "CPU" } th.num { "memory" } th.num { "status" } } }
                tbody {
                    @for o in &view.rows {
                        @let href = ep.link(&format!("outliers/{}", o.request_id));
                        @let cpu = stored::cpu_list(o.cpu_percent.as_deref().unwrap_or_default());
                        tr data-href=(href) {
                            td { a href=(href) { (fmd_time(o.request.time_requested.as_deref(), ep.view.zone)) } }
                            td.num { (ms(Some(o.request.duration))) }
                            td.num { (times_mean(o.request.duration, view.average)) }
                            td.wrap.url { (redact::params(o.request_url.as_deref().unwrap_or_default())) }
                            td.num { (cpu_text(&cpu)) }
                            td.num { (memory_text(o.memory.as_deref().unwrap_or_default())) }
                            td.num.error[o.request.status_code.is_some_and(|c| c >= 400)] { (o.request.status_code.map_or("–".into(), |c| c.to_string())) }
                        }
                    }
                }
            }
            (pager(&ep.query, page, PAGE_ROWS, view.rows.len(), Some(view.total)))
        }
    };
    Ok(ep.page("outliers", "Outliers", ViewKind::Outliers, true, content))
}

fn times_mean(duration: f64, mean: Option<f64>) -> String {
    mean.filter(|m| *m > 0.0).map_or("–".into(), |m| format!("{:.1}×", duration / m))
}

/// `avg 12.5% · 8 cores`.
fn cpu_text(cores: &[f64]) -> String {
    if cores.is_empty() {
        return "–".into();
    }
    let mean = cores.iter().sum::<f64>() / cores.len() as f64;
    format!("avg {mean:.1}% · {} cores", cores.len())
}

/// `43.1% used`.
fn memory_text(text: &str) -> String {
    let fields = stored::memory_fields(text);
    fields.iter().find(|(k, _)| k == "percent").map_or("–".into(), |(_, v)| format!("{v}% used"))
}

/// `GET /{link}/endpoint/{id}/outliers/{request}`.
pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path((id, request)): Path<(String, String)>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let gone = || ep.missing(&format!("Request #{request} of {} has no outlier.", ep.name), "outliers", "its outliers");
    let Some(rid) = request_id(&request) else { return Err(gone()) };
    let data = ep.ask(ViewKind::Outlier(rid), limits(0, 0)).await?;
    let ViewData::Outlier(Some(outlier)) = &*data else { return Err(gone()) };
    let content = html! {
        h1 { "Outlier of request #" (rid) }
        p { a href=(ep.link(&format!("requests/{rid}"))) { "the request with its exceptions" } " · " a href=(ep.link("outliers")) { "all outliers" } }
        (sections(&ep, outlier))
    };
    Ok(ep.page("outliers", &format!("outlier of request #{rid}"), ViewKind::Outlier(rid), false, content))
}

/// An outlier's detail: request, stack, CPU per core, memory, headers, environment.
pub fn sections(ep: &Endpoint, row: &OutlierRow) -> Markup {
    let admin = ep.viewer.admin;
    let env = stored::environment(row.request_environment.as_deref().unwrap_or_default());
    let method = stored::environment_value(&env, "REQUEST_METHOD").unwrap_or_default();
    let url = redact::params(row.request_url.as_deref().unwrap_or_default()).into_owned();
    let r = &row.request;
    let cores = stored::cpu_list(row.cpu_percent.as_deref().unwrap_or_default());
    let memory = stored::memory_fields(row.memory.as_deref().unwrap_or_default());
    let field = |k: &str| memory.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let headers = stored::headers(row.request_header.as_deref().unwrap_or_default());
    html! {
        section.detail {
            h2 { "Request" }
            p.mono.url { b { (method) } " " (url) }
            table.data.pairs.narrow { tbody {
                tr { th { "duration" } td { (ms(Some(r.duration))) } }
                tr { th { "time" } td { (fmd_time(r.time_requested.as_deref(), ep.view.zone)) } }
                tr { th { "status" } td { (r.status_code.map_or("–".into(), |c| c.to_string())) } }
                tr { th { "version" } td { (or_empty(r.version_requested.as_deref().unwrap_or_default())) } }
                tr { th { "user" } td { (or_empty(r.group_by.as_deref().unwrap_or_default())) } }
                tr { th { "ip" } td { (or_empty(&r.ip)) } }
                tr { th { "ids" } td.muted { "request #" (r.id) " · outlier #" (row.id) } }
            } }
            h2 { "Stack" span.muted.small { " · most recent call last; the service's own frames in bold" } }
            (stored::stack(&stored::outlier_stack(row.stacktrace.as_deref().unwrap_or_default())))
            h2 { "CPU per core" }
            @if cores.is_empty() { p.muted { (row.cpu_percent.as_deref().unwrap_or("(none)")) } }
            @else {
                table.data.narrow { tbody {
                    @for (i, percent) in cores.iter().enumerate() {
                        tr { th { "core " (i) } td { meter min="0" max="100" value=(format!("{percent:.1}")) { (format!("{percent:.1}%")) } } td.num { (format!("{percent:.1}%")) } }
                    }
                } }
            }
            h2 { "Memory" }
            @match (field("used"), field("total")) {
                (Some(used), Some(total)) => p {
                    "used " (stored::bytes(used)) " of " (stored::bytes(total))
                    @if let Some(p) = field("percent") { " (" (p) "%)" }
                    @if let Some(a) = field("available") { " · available " (stored::bytes(a)) }
                    @if let Some(rss) = field("process_rss") { " · process rss " (stored::bytes(rss)) }
                },
                _ => p.muted { (row.memory.as_deref().unwrap_or("(none)")) },
            }
            h2 { "Headers" @if !admin { span.muted.small { " · values are shown to admins only" } } }
            (stored::entries(&headers, admin))
            h2 { "Environment" @if !admin { span.muted.small { " · values are shown to admins only" } } }
            details {
                summary { (env.len()) " entries" }
                (stored::entries(&env, admin))
            }
        }
    }
}
