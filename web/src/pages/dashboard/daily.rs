//! `/{link}/daily`: requests per local day (newest on top), one horizontal bar per day split by endpoint (the
//! busiest few in their colours, the rest together), then the numbers per endpoint and day (collapsed),
//! sortable by name or total, filtered by endpoint name. A month of days at a time (`?page=`).

use axum::extract::{Query, State};
use axum::response::Response;
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::views::{DailyUtilization, EndpointDays};
use maud::{html, Markup};

use super::{day_label, day_page, day_pager, filter_form, order, requests, Page};
use crate::auth::Viewer;
use crate::charts::bars::{self, Bar, Paint, Segment, PALETTE};
use crate::pages::format::count;
use crate::pages::table::sort_heading;
use crate::pages::{frame, limits, PageError, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// Endpoints drawn in their own colour; the others share one.
const COLOURED: usize = PALETTE.len();
/// Endpoints in the numbers table at most (the busiest).
const TABLE_ENDPOINTS: usize = 50;

/// `GET /{link}/daily`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::DashDaily, None, limits(0, 0), None).await?;
    let ViewData::Daily(daily) = &*data else {
        return Err(PageError::NotFound("the daily view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let content = html! {
        h1 { "Requests per day · " (page.phrase(true)) }
        (body(&page, daily))
    };
    Ok(page.render("daily", "Daily", true, content))
}

fn body(page: &Page<'_>, daily: &DailyUtilization) -> Markup {
    let shown: Vec<&EndpointDays> = daily.data.iter().filter(|e| page.matches(&e.name)).collect();
    let total: u64 = shown.iter().flat_map(|e| e.values.iter()).sum();
    let note = html! {
        (shown.len()) " of " (daily.data.len()) " endpoints · " (requests(total))
    };
    let filter = filter_form(page.query, "filter endpoints…  (/)", note);
    if daily.data.iter().all(|e| e.values.iter().all(|v| *v == 0)) {
        return html! { (frame::empty(&format!(
            "No requests in this window, {}: bars appear as monitored services record requests (level 1 or more).",
            page.phrase(true)
        ))) };
    }
    if total == 0 {
        return html! { (filter) (frame::empty("No endpoint with requests in these days matches the filter.")) };
    }
    // The layer lists the busiest endpoints first: the first few get colours.
    let coloured: Vec<(&EndpointDays, Paint)> =
        shown.iter().take(COLOURED).enumerate().map(|(i, e)| (*e, page.paint(&e.name, i))).collect();
    let others = shown.len().saturating_sub(COLOURED);
    let days = day_page(daily.days.len(), page.query.page());
    if days.is_empty() {
        return html! {
            (frame::empty(&format!("No days on this page: the window has {} days.", daily.days.len())))
            (day_pager(page.query, page.query.page(), daily.days.len()))
        };
    }
    let day_total = |d: usize| shown.iter().map(|e| e.values.get(d).copied().unwrap_or(0)).sum::<u64>();
    let bars: Vec<Bar> = days
        .iter()
        .map(|&d| {
            let day = day_label(&daily.days[d]);
            let mut segments: Vec<Segment> = coloured
                .iter()
                .map(|(e, paint)| {
                    let n = e.values.get(d).copied().unwrap_or(0);
                    Segment {
                        value: n as f64,
                        paint: paint.clone(),
                        title: format!("{day} · {}: {}", e.name, requests(n)),
                    }
                })
                .collect();
            if others > 0 {
                let n: u64 = shown.iter().skip(COLOURED).map(|e| e.values.get(d).copied().unwrap_or(0)).sum();
                let title = format!("{day} · {others} other endpoints: {}", requests(n));
                segments.push(Segment { value: n as f64, paint: Paint::Class("other"), title });
            }
            Bar { label: day, href: None, segments, total: count(day_total(d)) }
        })
        .collect();
    let mut keys: Vec<(Paint, String)> = coloured.iter().map(|(e, p)| (p.clone(), e.name.clone())).collect();
    if others > 0 {
        keys.push((Paint::Class("other"), format!("{others} other endpoints")));
    }
    let label = format!("Requests per day and endpoint, {}", page.phrase(true));
    html! {
        (filter)
        div.chart { (bars::stacked(&bars, 760.0, &label)) }
        (bars::legend(&keys))
        (day_pager(page.query, page.query.page(), daily.days.len()))
        details {
            summary { "the numbers" }
            (numbers(page, &shown, &days, &daily.days))
        }
    }
}

fn numbers(page: &Page<'_>, shown: &[&EndpointDays], days: &[usize], names: &[String]) -> Markup {
    let sum = |e: &EndpointDays| days.iter().map(|&d| e.values.get(d).copied().unwrap_or(0)).sum::<u64>();
    let mut rows: Vec<&EndpointDays> = shown.to_vec();
    match page.query.sort.as_deref() {
        Some("name") => order(&mut rows, page.query, |a, b| a.name.cmp(&b.name)),
        _ => order(&mut rows, page.query, |a, b| sum(b).cmp(&sum(a))),
    }
    let cut = rows.len().saturating_sub(TABLE_ENDPOINTS);
    rows.truncate(TABLE_ENDPOINTS);
    html! {
        table.data.numbers {
            thead { tr {
                (sort_heading(page.query, "name", "endpoint", false, "total"))
                (sort_heading(page.query, "total", "total", true, "total"))
                @for &d in days { th.num { (day_label(&names[d])) } }
            } }
            tbody {
                @for e in &rows {
                    tr {
                        td { a href=(page.endpoint(e.id, "")) { (e.name) } }
                        td.num { (count(sum(e))) }
                        @for &d in days { td.num { (count(e.values.get(d).copied().unwrap_or(0))) } }
                    }
                }
            }
        }
        @if cut > 0 { p.muted { (cut) " more endpoints not listed; the filter finds them." } }
    }
}
