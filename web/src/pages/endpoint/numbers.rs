//! The endpoint's tabs of numbers over the window: `hourly` (requests per local hour of each day: a heatmap,
//! 31 days a page), `latency` (p50 and p95 per time bucket: lines), `versions`, `users` and `ips` (box plots
//! of the durations per version, user, IP on one axis, with their numbers; users and IPs paged),
//! `user-versions` and `ip-versions` (median per user or IP and version: a heatmap shaded by quarter of the
//! medians) and `status` (requests per status code, the latest errors linking to their requests). The charts
//! are [`crate::charts`]'; every chart has its numbers beside it or in a table below.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::DurationSummary;
use maud::{html, Markup};

use super::{Answer, Endpoint};
use crate::auth::Viewer;
use crate::charts::boxplot;
use crate::charts::heatmap::{self, Heatmap, Label};
use crate::charts::scale::{HeatScale, Scale};
use crate::pages::dashboard::{day_label, day_page, day_pager, requests};
use crate::pages::format::{count, instant, ms, share};
use crate::pages::table::pager;
use crate::pages::{frame, limits, PAGE_ROWS};
use crate::params::PageQuery;
use crate::state::AppState;

/// Most rows of a matrix (the busiest).
pub const MOST_GROUPS: usize = 100;
/// Most version columns of a matrix (the newest).
pub const MOST_VERSIONS: usize = 20;
/// Rows and columns of a matrix's heatmap (the busiest, the newest).
pub const HEAT_GROUPS: usize = 40;
/// Columns of a matrix's heatmap.
pub const HEAT_VERSIONS: usize = 12;

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
    let at = |day: usize, hour: usize| load.data.get(hour).and_then(|h| h.get(day)).copied().unwrap_or(0);
    let most = load.data.iter().flatten().copied().max().unwrap_or(0);
    let days = day_page(load.days.len(), ep.query.page());
    let rows: Vec<Label> = days.iter().map(|&d| Label::text(day_label(&load.days[d]))).collect();
    let cols: Vec<Label> = (0..24).map(|h| Label::text(format!("{h:02}"))).collect();
    let values: Vec<Vec<f64>> = days.iter().map(|&d| (0..24).map(|h| at(d, h) as f64).collect()).collect();
    let scale = HeatScale::new(most as f64);
    let title = |r: usize, c: usize, v: f64| {
        format!("{} {c:02}:00-{:02}:00 · {}", rows[r].text, (c + 1) % 24, requests(v as u64))
    };
    let label = format!("Requests of {} per local hour of each day, {}", ep.name, phrase(ep, true));
    let map = Heatmap {
        label: &label,
        rows: &rows,
        cols: &cols,
        values: &values,
        scale,
        cell: (28.0, 22.0),
        title: &title,
        text: None,
    };
    let content = html! {
        p.muted { (requests(total)) " over " (count(load.days.len() as u64)) " local days, " (phrase(ep, true)) ", newest day on top" }
        @if total == 0 { (frame::empty(NO_REQUESTS)) } @else {
            div.chart { (heatmap::draw(&map)) }
            (heatmap::count_legend(&scale, "requests per hour"))
            (day_pager(&ep.query, ep.query.page(), load.days.len()))
            details {
                summary { "the numbers" }
                table.data.heat.numbers {
                    thead { tr { th { "day" } @for h in 0..24 { th.num { (format!("{h:02}")) } } th.num { "total" } } }
                    tbody {
                        @for &d in &days {
                            tr {
                                th { (load.days[d]) }
                                @for h in 0..24 {
                                    @let v = at(d, h);
                                    td class={ "num h" (shade(v as f64, most as f64)) } { @if v > 0 { (v) } }
                                }
                                td.num { (count((0..24).map(|h| at(d, h)).sum())) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(ep.page("hourly", "Hourly", kind, true, content))
}

/// What the window covers in words, with the zone: `last 7 days (UTC)` (`days`: as whole local days).
fn phrase(ep: &Endpoint, days: bool) -> String {
    let zone = ep.view.zone;
    let what = if days { ep.view.window.days_phrase(zone) } else { ep.view.window.phrase(zone) };
    format!("{what} ({})", zone.name())
}

async fn latency_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(0, 0)).await?;
    let ViewData::Latency(series) = &*data else { return Err(ep.missing("No latency answer.", "", "summary")) };
    let content = html! {
        h1 { "Latency of " (ep.name) " · " (phrase(ep, false)) }
        (crate::pages::dashboard::latency::chart(series, ep.view.zone, &phrase(ep, false)))
    };
    Ok(ep.page("latency", "Latency", kind, true, content))
}

/// Width of a box plot.
const PLOT: f64 = 360.0;

/// The headings of a table of duration summaries with box plots on `scale`'s axis.
fn summary_heads(scale: Option<&Scale>) -> Markup {
    html! {
        @if let Some(scale) = scale { th.plot { (boxplot::axis(scale, PLOT)) } }
        th.num { "requests" } th.num { "min" } th.num { "p25" } th.num { "p50" } th.num { "p75" } th.num { "p95" } th.num { "max" } th.num { "mean" }
    }
}

/// A row's box plot and numbers.
fn summary_cells(scale: Option<&Scale>, label: &str, hits: u64, s: Option<&DurationSummary>) -> Markup {
    html! {
        @if let Some(scale) = scale {
            @match s {
                Some(s) => td.plot { (boxplot::plot(scale, s, PLOT, &boxplot::title(label, s))) },
                None => td.plot.muted { "no usable durations" },
            }
        }
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

/// What the box plots show, and the scale.
fn box_note(scale: Option<&Scale>) -> Markup {
    html! {
        @if let Some(scale) = scale {
            p.small.muted {
                "Whiskers reach the furthest durations within 1.5 IQR of the box (p25 to p75); the bar is the median; dots are \
                 the fastest and slowest beyond them. "
                @if scale.is_log() { "Log scale: the durations span decades." } @else { "Linear scale." }
            }
        }
    }
}

async fn versions_page(ep: &Endpoint, kind: ViewKind) -> Answer {
    let data = ep.ask(kind, limits(0, 0)).await?;
    let ViewData::Versions(view) = &*data else { return Err(ep.missing("No versions answer.", "", "summary")) };
    let rows = view.performance.as_deref().unwrap_or_default();
    let scale = boxplot::scale_for(rows.iter().filter_map(|v| v.summary.as_ref()), PLOT);
    let content = html! {
        p.muted { (count(rows.len() as u64)) " versions with requests in this window, " (phrase(ep, false)) ", newest first" }
        @if rows.is_empty() { (frame::empty(NO_REQUESTS)) } @else {
            (box_note(scale.as_ref()))
            table.data.boxes {
                thead { tr { th { "version" } th { "first request" } (summary_heads(scale.as_ref())) } }
                tbody {
                    @for v in rows {
                        tr {
                            th { (super::or_empty(&v.version)) }
                            td { @match v.date { Some(t) => (instant(t, ep.view.zone)), None => "–" } }
                            (summary_cells(scale.as_ref(), &v.version, v.summary.as_ref().map_or(0, |s| s.count), v.summary.as_ref()))
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
    let page = ep.query.page();
    let shown = groups.iter().skip((page - 1) * PAGE_ROWS).take(PAGE_ROWS);
    // One axis for every row of every page, so pages compare.
    let scale = boxplot::scale_for(groups.iter().filter_map(|g| g.summary.as_ref()), PLOT);
    let capped = groups.len() >= fmd_core::dashboard::query::CONSOLE_GROUPS;
    let content = html! {
        p.muted {
            @if capped { "The busiest " (count(groups.len() as u64)) " " (noun) "s (more have requests)" }
            @else { (count(groups.len() as u64)) " " (noun) "s" }
            " in this window, " (phrase(ep, false)) ", busiest first"
        }
        @if groups.is_empty() { (frame::empty(NO_REQUESTS)) } @else {
            (box_note(scale.as_ref()))
            table.data.boxes {
                thead { tr { th { (noun) } (summary_heads(scale.as_ref())) } }
                tbody {
                    @for g in shown {
                        tr { th { (super::or_empty(&g.group)) } (summary_cells(scale.as_ref(), &g.group, g.hits, g.summary.as_ref())) }
                    }
                }
            }
            (pager(&ep.query, page, PAGE_ROWS, groups.len().saturating_sub((page - 1) * PAGE_ROWS).min(PAGE_ROWS), Some(groups.len() as u64)))
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
    let median = |g: usize, c: usize| m.data.get(g).and_then(|row| row.get(c)).copied().flatten();
    let mut medians: Vec<f64> = m.data.iter().flatten().flatten().copied().filter(|v| v.is_finite()).collect();
    medians.sort_by(f64::total_cmp);
    // Shades by quarter of the medians, from the fastest to the slowest.
    let cell_shade = |v: f64| {
        let rank = medians.partition_point(|m| *m < v);
        1 + (rank * 4 / medians.len().max(1)).min(3)
    };
    let heat_rows: Vec<Label> =
        m.groups.iter().take(HEAT_GROUPS).map(|g| Label::text(super::or_empty(&g.name))).collect();
    let heat_cols: Vec<usize> = columns.iter().copied().take(HEAT_VERSIONS).collect();
    let col_labels: Vec<Label> =
        heat_cols.iter().map(|c| Label::text(super::or_empty(&m.versions[*c].version))).collect();
    let values: Vec<Vec<f64>> = (0..heat_rows.len())
        .map(|g| heat_cols.iter().map(|c| median(g, *c).map_or(0.0, |v| cell_shade(v) as f64)).collect())
        .collect();
    let cell_title = |r: usize, c: usize, _: f64| match median(r, heat_cols[c]) {
        Some(v) => format!("{} · version {} · median {}", heat_rows[r].text, col_labels[c].text, ms(Some(v))),
        None => format!("{} · version {} · no requests", heat_rows[r].text, col_labels[c].text),
    };
    let cell_text = |r: usize, c: usize, _: f64| median(r, heat_cols[c]).map_or(String::new(), |v| ms(Some(v)));
    let label = format!("Median duration per {noun} and version of {}", ep.name);
    let map = Heatmap {
        label: &label,
        rows: &heat_rows,
        cols: &col_labels,
        values: &values,
        scale: HeatScale::new(4.0),
        cell: (66.0, 22.0),
        title: &cell_title,
        text: Some(&cell_text),
    };
    let legend: Vec<(u8, String)> = vec![
        (1, "fastest quarter".into()),
        (2, "·".into()),
        (3, "·".into()),
        (4, "slowest quarter".into()),
        (0, "no requests".into()),
    ];
    let content = html! {
        p.muted {
            "Median duration of the busiest " (noun) "s (rows) in each version (columns, newest first), " (phrase(ep, false)) " · "
            (count(m.groups.len() as u64)) " " (noun) "s, " (count(m.versions.len() as u64)) " versions"
        }
        @if m.groups.is_empty() { (frame::empty(NO_REQUESTS)) } @else {
            div.chart { (heatmap::draw(&map)) }
            (heatmap::legend(&legend, "of the medians shown"))
            @if m.groups.len() > HEAT_GROUPS || m.versions.len() > HEAT_VERSIONS {
                p.small.muted { "The chart shows the busiest " (HEAT_GROUPS) " and the newest " (HEAT_VERSIONS) " versions; the numbers below the busiest " (MOST_GROUPS) " and the newest " (MOST_VERSIONS) "." }
            }
            details {
                summary { "the numbers" }
                table.data.heat.matrix {
                    thead { tr { th { (noun) } th.num { "hits" } @for c in &columns { th.num { (super::or_empty(&m.versions[*c].version)) } } } }
                    tbody {
                        @for (g, group) in m.groups.iter().enumerate().take(MOST_GROUPS) {
                            tr {
                                th { (super::or_empty(&group.name)) }
                                td.num { (count(group.hits)) }
                                @for c in &columns {
                                    @match median(g, *c) {
                                        Some(v) => td class={ "num h" (cell_shade(v)) } { (ms(Some(v))) },
                                        None => td {},
                                    }
                                }
                            }
                        }
                    }
                }
            }
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
