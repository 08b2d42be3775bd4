//! `/{link}/versions`: how each endpoint's requests split over the service's versions (FMD's multi_version)
//! as a heatmap, endpoints by requests, versions newest first (shaded relative to the largest share); and the
//! versions with requests in the window, their first use (over all time, as FMD dates them) and requests,
//! sortable. Filtered by endpoint name.

use axum::extract::{Query, State};
use axum::response::Response;
use fmd_core::dashboard::{VersionsView, ViewData, ViewKind};
use fmd_core::store::views::MultiVersion;
use maud::{html, Markup};

use super::{filter_form, order, requests, Page};
use crate::auth::Viewer;
use crate::charts::heatmap::{self, Heatmap, Label};
use crate::charts::scale::HeatScale;
use crate::pages::format::{count, instant, share};
use crate::pages::table::sort_heading;
use crate::pages::{frame, limits, PageError, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// Endpoints (rows) in the heatmap at most, the busiest.
const ROWS: usize = 60;
/// Versions (columns) in the heatmap at most, the newest.
const COLUMNS: usize = 16;
/// Versions in the list at most.
const LISTED: usize = 200;

/// `GET /{link}/versions`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::DashVersions, None, limits(0, 0), None).await?;
    let ViewData::Versions(VersionsView { multi_version: Some(multi), .. }) = &*data else {
        return Err(PageError::NotFound("the versions view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let content = html! {
        h1 { "Versions · " (page.phrase(false)) }
        @if multi.endpoints.is_empty() {
            (frame::empty(&format!(
                "No requests in this window, {}: versions appear once monitored services record requests (the recorder's \
                 `version`, FMD's APP_VERSION).", page.phrase(false))))
        } @else {
            (matrix(&page, multi))
            h2 { "Versions in use" }
            (list(&page, multi))
        }
    };
    Ok(page.render("versions", "Versions", true, content))
}

fn matrix(page: &Page<'_>, multi: &MultiVersion) -> Markup {
    let hits = |i: usize| multi.counts.get(i).map_or(0, |c| c.iter().sum::<u64>());
    let shown: Vec<usize> = (0..multi.endpoints.len()).filter(|&i| page.matches(&multi.endpoints[i].name)).collect();
    let note =
        html! { (shown.len()) " of " (multi.endpoints.len()) " endpoints · " (multi.versions.len()) " versions" };
    let filter = filter_form(page.query, "filter endpoints…  (/)", note);
    if shown.is_empty() {
        return html! { (filter) (frame::empty("No endpoint with requests in this window matches the filter.")) };
    }
    let rows_cut = shown.len().saturating_sub(ROWS);
    let rows_idx: Vec<usize> = shown.iter().copied().take(ROWS).collect();
    // Newest first.
    let cols_idx: Vec<usize> = (0..multi.versions.len()).rev().take(COLUMNS).collect();
    let cols_cut = multi.versions.len().saturating_sub(COLUMNS);
    let version_total = |v: usize| multi.counts.iter().map(|c| c.get(v).copied().unwrap_or(0)).sum::<u64>();
    let rows: Vec<Label> = rows_idx
        .iter()
        .map(|&i| Label {
            text: multi.endpoints[i].name.clone(),
            href: Some(page.endpoint(multi.endpoints[i].id, "versions")),
        })
        .collect();
    let cols: Vec<Label> = cols_idx.iter().map(|&v| Label::text(multi.versions[v].version.clone())).collect();
    let cell = |i: usize, v: usize| {
        let n = multi.counts.get(i).and_then(|c| c.get(v)).copied().unwrap_or(0);
        let s = multi.share.get(i).and_then(|c| c.get(v)).copied().unwrap_or(0.0);
        (n, s)
    };
    let values: Vec<Vec<f64>> = rows_idx.iter().map(|&i| cols_idx.iter().map(|&v| cell(i, v).1).collect()).collect();
    let title = |r: usize, c: usize, _: f64| {
        let (i, v) = (rows_idx[r], cols_idx[c]);
        let (n, _) = cell(i, v);
        format!(
            "{} · version {}: {}, {} of the endpoint's, {} of the version's",
            multi.endpoints[i].name,
            multi.versions[v].version,
            requests(n),
            share(n, hits(i)),
            share(n, version_total(v))
        )
    };
    // Shades relative to the largest share drawn: with many versions every share is small.
    let largest = values.iter().flatten().copied().fold(0.0, f64::max);
    let scale = HeatScale::new(largest);
    let digits = if largest >= 0.2 { 0 } else { 1 };
    let text = |r: usize, c: usize, _: f64| {
        let (n, s) = cell(rows_idx[r], cols_idx[c]);
        if n == 0 {
            String::new()
        } else {
            format!("{:.digits$}%", s * 100.0)
        }
    };
    let label = format!("Share of each endpoint's requests per version, {}", page.phrase(false));
    let map = Heatmap {
        label: &label,
        rows: &rows,
        cols: &cols,
        values: &values,
        scale,
        cell: (58.0, 22.0),
        title: &title,
        text: Some(&text),
    };
    let entries: Vec<(u8, String)> = std::iter::once((0, "none".to_string()))
        .chain(
            scale
                .fraction_ranges()
                .into_iter()
                .map(|(l, above, upto)| (l, format!("{:.digits$}–{:.digits$}%", above * 100.0, upto * 100.0))),
        )
        .collect();
    html! {
        (filter)
        p.muted { "Each row is one endpoint's requests split over the versions (rows add up to 100%); hover a cell for its requests." }
        div.chart { (heatmap::draw(&map)) }
        (heatmap::legend(&entries, "of the endpoint's requests"))
        @if rows_cut > 0 || cols_cut > 0 {
            p.muted {
                @if rows_cut > 0 { (rows_cut) " less busy endpoints not drawn (the filter finds them). " }
                @if cols_cut > 0 { (cols_cut) " older versions not drawn (listed below)." }
            }
        }
    }
}

fn list(page: &Page<'_>, multi: &MultiVersion) -> Markup {
    let total: u64 = multi.counts.iter().flatten().sum();
    let version_total = |v: usize| multi.counts.iter().map(|c| c.get(v).copied().unwrap_or(0)).sum::<u64>();
    let mut rows: Vec<usize> = (0..multi.versions.len()).collect();
    match page.query.sort.as_deref() {
        Some("version") => {
            order(&mut rows, page.query, |a, b| multi.versions[*a].version.cmp(&multi.versions[*b].version))
        }
        Some("requests") => order(&mut rows, page.query, |a, b| version_total(*b).cmp(&version_total(*a))),
        _ => order(&mut rows, page.query, |a, b| multi.versions[*b].date.cmp(&multi.versions[*a].date)),
    }
    let cut = rows.len().saturating_sub(LISTED);
    rows.truncate(LISTED);
    // The layer dates versions by their first use over all time (as FMD's multi_version), whatever the window.
    let since = "first used (all time)";
    html! {
        table.data {
            thead { tr {
                (sort_heading(page.query, "version", "version", false, "date"))
                (sort_heading(page.query, "date", since, true, "date"))
                (sort_heading(page.query, "requests", "requests", true, "date"))
                th.num { "share" }
            } }
            tbody {
                @for v in rows {
                    @let info = &multi.versions[v];
                    tr {
                        td { @if info.version.is_empty() { span.muted { "(none)" } } @else { (info.version) } }
                        td.num { @if let Some(t) = info.date { (instant(t, page.view.zone)) } @else { "–" } }
                        td.num { (count(version_total(v))) }
                        td.num { (share(version_total(v), total)) }
                    }
                }
            }
        }
        @if cut > 0 { p.muted { (cut) " more versions not listed." } }
    }
}
