//! The endpoint's tabs of numbers over the window: `hourly` (requests per local hour of each day), `latency`
//! (p50 and p95 per time bucket), `versions`, `users` and `ips` (duration summaries per version, user, IP:
//! the numbers of the console's box plots), `user-versions` and `ip-versions` (median per user or IP and
//! version) and `status` (requests per status code, the latest errors linking to their requests). Each is a
//! table of the layer's numbers, cells shaded where the console shades them.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::DurationSummary;
use maud::{html, Markup};

use super::{Answer, Endpoint};
use crate::auth::Viewer;
use crate::pages::format::{count, instant, ms, share};
use crate::pages::{frame, limits, PAGE_ROWS};
use crate::params::PageQuery;
use crate::state::AppState;

/// Most days of the hourly table (the newest).
pub const MOST_DAYS: usize = 62;
/// Most rows of the users / IPs tables and of the matrices (the busiest).
pub const MOST_GROUPS: usize = 200;
/// Most version columns of a matrix (the newest).
pub const MOST_VERSIONS: usize = 30;

macro_rules! tab {
    ($name:ident, $draw:ident, $kind:expr) => {
        #[doc = concat!("`GET /{link}/endpoint/{id}/", stringify!($name), "`.")]
        pub async fn $name(
            State(state): State<AppState>,
            viewer: Viewer,
            Query(query): Query<PageQuery>,
            Path(id): Path<String>,
        ) -> Answer {
            let ep = Endpoint::load(state, viewer, query, &id).await?;
            $draw(&ep, $kind).await
        }
    };
}

tab!(hourly, hourly_page, ViewKind::Hourly);
tab!(latency, latency_page, ViewKind::Latency);
tab!(versions, versions_page, ViewKind::Versions);
tab!(users, groups_page, ViewKind::Users);
tab!(ips, groups_page, ViewKind::Ips);
tab!(user_versions, matrix_page, ViewKind::UserVersion);
tab!(ip_versions, matrix_page, ViewKind::IpVersion);
tab!(status, status_page, ViewKind::Status);

const NO_REQUESTS: &str =
    "No requests in this window: choose a longer window above (level 1 and above record every request).";

/// Shade 0-4 of `value` in `0..=most`.
fn shade(value: f64, most: f64) -> usize {
    if value <= 0.0 || most <= 0.0 {
        return 0;
    }
    1 + ((value / most) * 3.999).floor().clamp(0.0, 3.0) as usize
}

async fn hourly_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(0, 0)).await?;
    let ViewData::Hourly(load) = &*data else { return Err(ep.missing("No hourly answer.", "", "summary")) };
    let total: u64 = load.data.iter().flatten().sum();
    let most = load.data.iter().flatten().copied().max().unwrap_or(0) as f64;
    let days = load.days.len();
    let shown: Vec<usize> = (0..days).rev().take(MOST_DAYS).collect();
    let content = html! {
        p.muted { (count(total)) " requests over " (count(days as u64)) " local days (" (ep.view.zone.name()) "), newest day on top"
            @if days > MOST_DAYS { " · the newest " (MOST_DAYS) " days shown" } }
        @if total == 0 { (frame::empty(NO_REQUESTS)) } @else {
            table.data.heat {
                thead { tr { th { "day" } @for h in 0..24 { th.num { (format!("{h:02}")) } } th.num { "total" } } }
                tbody {
                    @for d in &shown {
                        @let day_total: u64 = (0..24).map(|h| load.data[h][*d]).sum();
                        tr {
                            th { (load.days[*d]) }
                            @for h in 0..24 {
                                @let v = load.data[h][*d];
                                td class={ "num h" (shade(v as f64, most)) } title={ (load.days[*d]) " " (format!("{h:02}:00-{:02}:00", (h + 1) % 24)) " · " (v) " requests" } {
                                    @if v > 0 { (v) }
                                }
                            }
                            td.num { (count(day_total)) }
                        }
                    }
                }
            }
            (legend(most))
        }
    };
    Ok(ep.page("hourly", "Hourly", kind, true, content))
}

fn legend(most: f64) -> Markup {
    html! {
        p.legend.small.muted {
            "shades: " span.h0 { "0" }
            @for s in 1..=4usize {
                @let lo = ((s - 1) as f64 / 4.0 * most).floor() as u64 + 1;
                @let hi = (s as f64 / 4.0 * most).ceil() as u64;
                " " span class={ "h" (s) } { (lo) "–" (hi) }
            }
            " requests per hour"
        }
    }
}

async fn latency_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(0, 0)).await?;
    let ViewData::Latency(series) = &*data else { return Err(ep.missing("No latency answer.", "", "summary")) };
    let total: u64 = series.buckets.iter().map(|b| b.count).sum();
    let worst = series.buckets.iter().filter_map(|b| b.p95.map(|p| (p, b.start))).max_by(|a, b| a.0.total_cmp(&b.0));
    let width = series.buckets.first().map(|b| (b.end - b.start).num_seconds()).unwrap_or(0);
    let content = html! {
        p.muted {
            (count(total)) " requests · per " (bucket_name(width))
            @if let Some((p, t)) = worst { " · worst p95 " (ms(Some(p))) " at " (instant(t, ep.view.zone)) }
        }
        @if total == 0 { (frame::empty(NO_REQUESTS)) } @else {
            table.data.narrow {
                thead { tr { th { "from" } th.num { "requests" } th.num { "p50" } th.num { "p95" } } }
                tbody {
                    @for b in series.buckets.iter().rev() {
                        tr { td { (instant(b.start, ep.view.zone)) } td.num { (count(b.count)) } td.num { (ms(b.p50)) } td.num { (ms(b.p95)) } }
                    }
                }
            }
        }
    };
    Ok(ep.page("latency", "Latency", kind, true, content))
}

fn bucket_name(seconds: i64) -> String {
    match seconds {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// The heading and cells of a duration summary.
fn summary_heads() -> Markup {
    html! { th.num { "requests" } th.num { "min" } th.num { "p25" } th.num { "p50" } th.num { "p75" } th.num { "p95" } th.num { "max" } th.num { "mean" } }
}

fn summary_cells(hits: u64, s: Option<&DurationSummary>) -> Markup {
    html! {
        td.num { (count(hits)) }
        @match s {
            Some(s) => {
                td.num { (ms(Some(s.min))) } td.num { (ms(Some(s.p25))) } td.num { b { (ms(Some(s.p50))) } }
                td.num { (ms(Some(s.p75))) } td.num { (ms(Some(s.p95))) } td.num { (ms(Some(s.max))) } td.num { (ms(Some(s.mean))) }
            }
            None => { @for _ in 0..7 { td.num.muted { "–" } } }
        }
    }
}

async fn versions_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(0, 0)).await?;
    let ViewData::Versions(view) = &*data else { return Err(ep.missing("No versions answer.", "", "summary")) };
    let rows = view.performance.as_deref().unwrap_or_default();
    let content = html! {
        p.muted { (count(rows.len() as u64)) " versions with requests in this window, newest first" }
        @if rows.is_empty() { (frame::empty(NO_REQUESTS)) } @else {
            table.data {
                thead { tr { th { "version" } th { "first request" } (summary_heads()) } }
                tbody {
                    @for v in rows {
                        tr {
                            th { (super::or_empty(&v.version)) }
                            td { @match v.date { Some(t) => (instant(t, ep.view.zone)), None => "–" } }
                            (summary_cells(v.summary.as_ref().map_or(0, |s| s.count), v.summary.as_ref()))
                        }
                    }
                }
            }
        }
    };
    Ok(ep.page("versions", "Versions", kind, true, content))
}

async fn groups_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(0, 0)).await?;
    let ViewData::Groups(groups) = &*data else { return Err(ep.missing("No answer.", "", "summary")) };
    let (slug, title, noun) = if kind == ViewKind::Users { ("users", "Users", "user") } else { ("ips", "IPs", "IP") };
    let content = html! {
        p.muted {
            (count(groups.len() as u64)) " " (noun) "s with requests in this window, busiest first"
            @if groups.len() > MOST_GROUPS { " · the busiest " (MOST_GROUPS) " shown" }
        }
        @if groups.is_empty() { (frame::empty(NO_REQUESTS)) } @else {
            table.data {
                thead { tr { th { (noun) } (summary_heads()) } }
                tbody {
                    @for g in groups.iter().take(MOST_GROUPS) {
                        tr { th { (super::or_empty(&g.group)) } (summary_cells(g.hits, g.summary.as_ref())) }
                    }
                }
            }
        }
    };
    Ok(ep.page(slug, title, kind, true, content))
}

async fn matrix_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(0, 0)).await?;
    let ViewData::Matrix(m) = &*data else { return Err(ep.missing("No answer.", "", "summary")) };
    let (slug, title, noun) = if kind == ViewKind::UserVersion {
        ("user-versions", "User×Version", "user")
    } else {
        ("ip-versions", "IP×Version", "IP")
    };
    // Newest versions first, as the console shows them.
    let columns: Vec<usize> = (0..m.versions.len()).rev().take(MOST_VERSIONS).collect();
    let mut medians: Vec<f64> = m.data.iter().flatten().flatten().copied().filter(|v| v.is_finite()).collect();
    medians.sort_by(f64::total_cmp);
    // Shades by quarter of the medians shown, from the fastest to the slowest.
    let cell_shade = |v: f64| {
        let rank = medians.partition_point(|m| *m < v);
        1 + (rank * 4 / medians.len().max(1)).min(3)
    };
    let content = html! {
        p.muted {
            "Median duration of the busiest " (noun) "s (rows) in each version (columns, newest first) · "
            (count(m.groups.len() as u64)) " " (noun) "s, " (count(m.versions.len() as u64)) " versions"
            @if m.groups.len() > MOST_GROUPS || m.versions.len() > MOST_VERSIONS { " · the first " (MOST_GROUPS) " × " (MOST_VERSIONS) " shown" }
        }
        @if m.groups.is_empty() { (frame::empty(NO_REQUESTS)) } @else {
            table.data.heat.matrix {
                thead { tr { th { (noun) } th.num { "hits" } @for c in &columns { th.num { (super::or_empty(&m.versions[*c].version)) } } } }
                tbody {
                    @for (g, group) in m.groups.iter().enumerate().take(MOST_GROUPS) {
                        tr {
                            th { (super::or_empty(&group.name)) }
                            td.num { (count(group.hits)) }
                            @for c in &columns {
                                @match m.data.get(g).and_then(|row| row.get(*c)).copied().flatten() {
                                    Some(v) => td class={ "num h" (cell_shade(v)) } { (ms(Some(v))) },
                                    None => td {},
                                }
                            }
                        }
                    }
                }
            }
            p.legend.small.muted { "shades by quarter: " span.h1 { "fastest" } " " span.h2 { "·" } " " span.h3 { "·" } " " span.h4 { "slowest" } " median · blank: no requests" }
        }
    };
    Ok(ep.page(slug, title, kind, true, content))
}

async fn status_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(PAGE_ROWS, 0)).await?;
    let ViewData::Status(s) = &*data else { return Err(ep.missing("No status answer.", "", "summary")) };
    let mut codes: Vec<(&String, &u64)> = s.counts.iter().collect();
    codes.sort_by(|a, b| fmd_core::dashboard::answer::status_code_order(a.0, b.0));
    let total: u64 = codes.iter().map(|(_, n)| **n).sum();
    let errors_link = format!(
        "{}{}",
        ep.state.path(&format!("endpoint/{}/requests", ep.id)),
        ep.query.with(&[("q", Some("status:400-599")), ("sort", None), ("dir", None), ("page", None)])
    );
    let content = html! {
        @if total == 0 { (frame::empty(NO_REQUESTS)) } @else {
            table.data.narrow.codes {
                thead { tr { th { "code" } th { "share" } th.num { "share" } th.num { "requests" } } }
                tbody {
                    @for (code, n) in &codes {
                        @let error = code.parse::<i64>().is_ok_and(|c| c >= 400);
                        tr {
                            th.error[error] { (code) }
                            td { meter min="0" max=(total) value=(n) { (share(**n, total)) } }
                            td.num { (share(**n, total)) }
                            td.num { (count(**n)) }
                        }
                    }
                }
            }
            h2 { "Latest errors · " (count(s.total_errors)) " in this window" }
            @if s.error_requests.is_empty() { p.muted { "No errors (status 400-599) in this window." } } @else {
                (super::requests::table(ep, &s.error_requests))
                @if s.total_errors > s.error_requests.len() as u64 {
                    p { "The newest " (s.error_requests.len()) " shown · " a href=(errors_link) { "all " (count(s.total_errors)) " in Requests" } }
                }
            }
        }
    };
    Ok(ep.page("status", "Status", kind, true, content))
}
