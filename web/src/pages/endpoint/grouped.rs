//! `/{link}/endpoint/{id}/grouped`: FMD's grouped profiler (the endpoint's last 100 profiled requests merged
//! line by line), as the console's Grouped tab: the icicle ([`crate::charts::icicle`]; click a frame to zoom,
//! `?zoom=LINE` without JavaScript; the search box highlights frames, `?find=` without JavaScript), then the
//! table ranked by total time (`?sort=tree`: FMD's tree order, indented) with hits, hits %, average, standard
//! deviation, total and % of the endpoint's time.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::GroupedProfile;
use maud::{html, Markup};
use serde::Deserialize;

use super::profiler::{label, location, no_profiles};
use super::{Answer, Endpoint};
use crate::auth::Viewer;
use crate::charts::icicle::{icicle, matches, Icicle};
use crate::pages::format::{count, ms};
use crate::pages::{frame, limits};
use crate::params::PageQuery;
use crate::state::AppState;

/// Most rows of the table (ranked: the costliest; tree order: the first).
pub const MOST_ROWS: usize = 300;

/// The icicle's own parameters.
#[derive(Debug, Default, Deserialize)]
pub struct IcicleQuery {
    /// The line drawn full width.
    pub zoom: Option<usize>,
    /// Text whose frames are highlighted.
    pub find: Option<String>,
}

/// `12.3%` of a fraction, `–` without one.
fn share(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| "–".to_string(), |f| format!("{:.1}%", f * 100.0))
}

/// `GET /{link}/endpoint/{id}/grouped`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Query(icicle_query): Query<IcicleQuery>,
    Path(id): Path<String>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let data = ep.ask(ViewKind::Grouped, limits(0, 0)).await?;
    let ViewData::Grouped(profile) = &*data else { return Err(ep.missing("No grouped answer.", "", "summary")) };
    let content = if profile.lines.is_empty() {
        frame::empty(&no_profiles(ep.level()))
    } else {
        content(&ep, profile, &icicle_query)
    };
    Ok(ep.page("grouped", "Grouped profiler", ViewKind::Grouped, false, content))
}

fn content(ep: &Endpoint, profile: &GroupedProfile, iq: &IcicleQuery) -> Markup {
    let find: String = iq.find.as_deref().unwrap_or("").chars().take(100).collect();
    let zoom = iq.zoom.filter(|z| *z < profile.lines.len());
    let find_param = (!find.is_empty()).then_some(find.as_str());
    let labels: Vec<String> = profile.lines.iter().map(|l| label(&l.code_ref())).collect();
    let label_of = |i: usize| labels.get(i).cloned().unwrap_or_default();
    let title_of = |i: usize| {
        let line = &profile.lines[i];
        let code = line.code_ref();
        let place = [super::profiler::function(&code).map(str::to_string), location(&code)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        let (_, time) = profile.shares(i);
        format!(
            "{place}\ntotal {} ({}) · {} hits · avg {} ± {}",
            ms(Some(line.duration)),
            share(time),
            count(line.hits),
            ms(Some(line.average())),
            ms(Some(line.std))
        )
    };
    let href_of = |i: usize| ep.query.with(&[("zoom", Some(&i.to_string())), ("find", find_param)]);
    let (svg, drawn) =
        icicle(&Icicle { profile, zoom, find: &find, label: &label_of, title: &title_of, href: &href_of });
    let reset = ep.query.with(&[("find", find_param)]);
    let tree_order = ep.query.sort.as_deref() == Some("tree");
    let mut order: Vec<usize> = (0..profile.lines.len()).collect();
    if !tree_order {
        order.sort_by(|a, b| profile.lines[*b].duration.total_cmp(&profile.lines[*a].duration));
    }
    let by = |sort: Option<&str>| {
        ep.query.with(&[("sort", sort), ("zoom", zoom.map(|z| z.to_string()).as_deref()), ("find", find_param)])
    };
    html! {
        p.muted {
            "The last " (count(profile.requests)) " profiled requests merged line by line (FMD's grouped profiler; all time) · "
            (count(profile.lines.len() as u64)) " lines"
        }
        div.toolbar {
            form.find method="get" role="search" {
                @for (key, value) in frame::hidden_keeping(&ep.query, &[]) { input type="hidden" name=(key) value=(value); }
                @if let Some(z) = zoom { input type="hidden" name="zoom" value=(z); }
                input #filter type="search" name="find" value=(find) data-icicle-search="1" placeholder="highlight frames…  (/)" aria-label="Highlight frames";
                button type="submit" { "find" }
            }
            span.muted #icicle-found {
                @if !find.is_empty() { (drawn.matches) " frames match" }
            }
            @if let Some(z) = zoom {
                span { "zoomed into " code { (label_of(z)) } " · " a href=(reset) data-icicle-reset="1" { "reset zoom" } }
            } @else {
                a.hidden-until-zoom href=(reset) data-icicle-reset="1" { "reset zoom" }
            }
        }
        div.icicle-box { (svg) }
        p.small.muted {
            "Each frame is as wide as its share of the time of the frame above it; click one to zoom into it."
            @if drawn.left_out > 0 { " " (count(drawn.left_out as u64)) " frames too narrow or too deep to draw are left out (they are in the table)." }
        }
        h2 { "Lines" }
        p.small {
            "order: "
            a.current[!tree_order] href=(by(None)) { "by total time" } " · "
            a.current[tree_order] href=(by(Some("tree"))) { "FMD's tree order" }
            @if profile.lines.len() > MOST_ROWS { span.muted { " · the first " (MOST_ROWS) " of " (count(profile.lines.len() as u64)) } }
        }
        table.data.grouped {
            thead { tr {
                th.num { "hits" } th.num { "hits %" } th.num { "avg" } th.num { "std" } th.num { "total" } th.num { "%" } th { "code" } th { "where" }
            } }
            tbody {
                @for &i in order.iter().take(MOST_ROWS) {
                    @let line = &profile.lines[i];
                    @let (hits, time) = profile.shares(i);
                    @let caller = line.parent.and_then(|p| labels.get(p)).filter(|_| !tree_order);
                    tr.match[matches(&labels[i], &find)] data-line=(i) {
                        td.num { (count(line.hits)) }
                        td.num { (share(hits)) }
                        td.num { (ms(Some(line.average()))) }
                        td.num { (ms(Some(line.std))) }
                        td.num { (ms(Some(line.duration))) }
                        td.num { (share(time)) }
                        td.wrap {
                            @if tree_order { span.indent { ("\u{a0}\u{a0}".repeat((line.indent as usize).min(24))) } }
                            code { (labels[i]) }
                            @if let Some(caller) = caller { span.muted.small { " ← " (caller) } }
                        }
                        td.muted.small.where { (location(&line.code_ref()).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}
