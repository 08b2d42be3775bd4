//! `/{link}/endpoint/{id}/`: the endpoint's numbers (the console's Summary tab): its level (a select for
//! admins) and when it was last requested, hits, errors and p50 / p95 / p99 today, over 7 days and all time,
//! then its numbers in the chosen window (requests, errors, p50, p95, p99, mean, max, versions, first and
//! last request), and what each of the other tabs holds.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{ViewData, ViewKind};
use maud::{html, Markup};

use super::{Answer, Endpoint};
use crate::auth::Viewer;
use crate::pages::format::{ago, count, instant, ms, share};
use crate::pages::frame;
use crate::pages::limits;
use crate::params::PageQuery;
use crate::state::AppState;

/// What each level records.
pub const LEVEL_MEANING: [&str; 4] = [
    "only the time of the last request",
    "duration, status, version, user and IP of every request",
    "level 1, and the stack, CPU, memory and headers of slow requests (outliers)",
    "level 2, and sampled call stacks of every request (the profiler)",
];

/// The other tabs and what they hold.
const TABS: [(&str, &str, &str); 13] = [
    ("hourly", "Hourly", "requests per hour of each day"),
    ("latency", "Latency", "median and 95th percentile over the window"),
    ("versions", "Versions", "durations per version of the service"),
    ("users", "Users", "durations per user"),
    ("ips", "IPs", "durations per client IP"),
    ("user-versions", "User×Version", "median per user and version"),
    ("ip-versions", "IP×Version", "median per IP and version"),
    ("status", "Status", "status codes and the latest errors"),
    ("requests", "Requests", "every request, filtered and paged"),
    ("outliers", "Outliers", "slow requests with their stack, CPU, memory and headers (level 2)"),
    ("exceptions", "Exceptions", "exception groups with their stacks"),
    ("profiler", "Profiler", "profiled requests and their call trees (level 3)"),
    ("grouped", "Grouped", "the profiler's lines merged over the last 100 requests, as a table and an icicle"),
];

/// `GET /{link}/endpoint/{id}/`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path(id): Path<String>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let data = ep.ask(ViewKind::Summary, limits(0, 0)).await?;
    let summary = match &*data {
        ViewData::Summary(s) => s.as_ref(),
        _ => None,
    };
    let now = ep.state.now();
    let zone = ep.view.zone;
    let row = ep.row();
    let window = crate::params::PageQuery::window_name(ep.view.window);
    let window_label = match window {
        "all" => "all time".to_string(),
        "custom" => "the chosen window".to_string(),
        w => format!("the last {w}"),
    };
    let content = html! {
        h1 { (ep.name) }
        div.grid {
            div.panel.stat {
                span.muted { "level" }
                b { (crate::pages::admin::level_cell(&ep.state, &ep.viewer, &ep.name, ep.level())) }
                span.small.muted { (ep.level().and_then(|l| LEVEL_MEANING.get(usize::from(l))).copied().unwrap_or("unset")) }
            }
            div.panel.stat {
                span.muted { "last seen" }
                @match row.and_then(|r| r.last_requested) {
                    Some(t) => { b { (ago(t, now)) } span.small { (instant(t, zone)) } },
                    None => b { "never" },
                }
            }
            div.panel.stat { span.muted { "exception groups" } b { a href=(ep.link("exceptions")) { (count(ep.exception_groups())) } } }
        }
        @if let Some(row) = row {
            h2 { "Today, 7 days, all time" }
            table.data.narrow {
                thead { tr { th {} th.num { "today" } th.num { "7 days" } th.num { "all" } } }
                tbody {
                    (numbers_row("hits", [row.hits_today, row.hits_week, row.hits_overall].map(count)))
                    (numbers_row("errors", [row.hits_today_errors, row.hits_week_errors, row.hits_overall_errors].map(count)))
                    (numbers_row("err%", [
                        share(row.hits_today_errors, row.hits_today),
                        share(row.hits_week_errors, row.hits_week),
                        share(row.hits_overall_errors, row.hits_overall),
                    ]))
                    (numbers_row("p50", [row.median_today, row.median_week, row.median_overall].map(ms)))
                    (numbers_row("p95", [row.p95_today, row.p95_week, row.p95_overall].map(ms)))
                    (numbers_row("p99", [row.p99_today, row.p99_week, row.p99_overall].map(ms)))
                }
            }
        }
        h2 { "In " (window_label) }
        @match summary {
            None => (frame::empty("This endpoint is no longer in the database.")),
            Some(s) if s.hits == 0 => (frame::empty(&format!("No requests in {window_label}: choose a longer window above."))),
            Some(s) => {
                div.grid {
                    (stat("requests", count(s.hits)))
                    div.panel.stat { span.muted { "errors" } b.error[s.errors > 0] { (count(s.errors)) } span.small.muted { (share(s.errors, s.hits)) } }
                    (stat("p50", ms(s.median)))
                    (stat("p95", ms(s.p95)))
                    (stat("p99", ms(s.p99)))
                    (stat("mean", ms(s.mean)))
                    (stat("max", ms(s.max)))
                    div.panel.stat { span.muted { "versions" } b { a href=(ep.link("versions")) { (count(s.versions)) } } }
                }
                p.muted {
                    "first request " @match s.first_request { Some(t) => (instant(t, zone)), None => "–" }
                    " · last " @match s.last_request { Some(t) => (instant(t, zone)), None => "–" }
                }
            }
        }
        h2 { "Tabs" }
        ul.tabs-list {
            @for (slug, label, what) in TABS {
                li { a href=(ep.link(slug)) { (label) } span.muted { " · " (what) } }
            }
        }
    };
    Ok(ep.page("", "Summary", ViewKind::Summary, true, content))
}

fn numbers_row(label: &str, cells: [String; 3]) -> Markup {
    html! { tr { th { (label) } @for cell in cells { td.num { (cell) } } } }
}

fn stat(label: &str, value: String) -> Markup {
    html! { div.panel.stat { span.muted { (label) } b { (value) } } }
}
