//! `/{link}/hourly`: requests of every endpoint per local day (rows, newest on top) and local hour (columns)
//! as a heatmap with a legend, the busiest hour named, and the numbers in a table below (collapsed). Windows
//! longer than a month are shown a month of days at a time (`?page=`).

use axum::extract::{Query, State};
use axum::response::Response;
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::views::HourlyLoad;
use maud::{html, Markup};

use super::{day_label, day_page, day_pager, requests, Page};
use crate::auth::Viewer;
use crate::charts::heatmap::{self, Heatmap, Label};
use crate::charts::scale::HeatScale;
use crate::pages::format::count;
use crate::pages::frame;
use crate::pages::{limits, PageError, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// `GET /{link}/hourly`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::DashHourly, None, limits(0, 0), None).await?;
    let ViewData::Hourly(load) = &*data else {
        return Err(PageError::NotFound("the hourly view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let content = html! {
        h1 { "Requests per hour · " (page.phrase(true)) }
        (heat(&page, load))
    };
    Ok(page.render("hourly", "Hourly", true, content))
}

/// The heatmap of `load` (shared with nothing else, but kept apart from the handler for reading).
fn heat(page: &Page<'_>, load: &HourlyLoad) -> Markup {
    let total: u64 = load.data.iter().flatten().sum();
    if total == 0 {
        return frame::empty(&format!(
            "No requests in this window, {}: the heatmap fills in as monitored services record requests (level 1 or more).",
            page.phrase(true)
        ));
    }
    let at = |day: usize, hour: usize| load.data.get(hour).and_then(|h| h.get(day)).copied().unwrap_or(0);
    let busiest = (0..load.days.len())
        .flat_map(|d| (0..24).map(move |h| (d, h)))
        .max_by_key(|&(d, h)| (at(d, h), d))
        .unwrap_or((0, 0));
    let days = day_page(load.days.len(), page.query.page());
    if days.is_empty() {
        return html! {
            (frame::empty(&format!("No days on this page: the window has {} days.", load.days.len())))
            (day_pager(page.query, page.query.page(), load.days.len()))
        };
    }
    let rows: Vec<Label> = days.iter().map(|&d| Label::text(day_label(&load.days[d]))).collect();
    let cols: Vec<Label> = (0..24).map(|h| Label::text(format!("{h:02}"))).collect();
    let values: Vec<Vec<f64>> = days.iter().map(|&d| (0..24).map(|h| at(d, h) as f64).collect()).collect();
    let scale = HeatScale::new(at(busiest.0, busiest.1) as f64);
    let title = |r: usize, c: usize, v: f64| cell_title(&rows[r].text, c, v as u64);
    let label = format!("Requests per local hour of each day, {}", page.phrase(true));
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
    html! {
        p.muted {
            (requests(total)) " · busiest hour " (cell_title(&day_label(&load.days[busiest.0]), busiest.1, at(busiest.0, busiest.1)))
        }
        div.chart { (heatmap::draw(&map)) }
        (heatmap::count_legend(&scale, "requests per hour"))
        (day_pager(page.query, page.query.page(), load.days.len()))
        details {
            summary { "the numbers" }
            table.data.numbers {
                thead { tr { th { "day" } @for h in 0..24 { th.num { (format!("{h:02}")) } } th.num { "total" } } }
                tbody {
                    @for &d in &days {
                        tr {
                            th { (day_label(&load.days[d])) }
                            @for h in 0..24 { td.num { (count(at(d, h))) } }
                            td.num { (count((0..24).map(|h| at(d, h)).sum())) }
                        }
                    }
                }
            }
        }
    }
}

/// `Fri 27 Nov 19:00-20:00 · 28 requests`.
fn cell_title(day: &str, hour: usize, n: u64) -> String {
    format!("{day} {hour:02}:00-{:02}:00 · {}", (hour + 1) % 24, requests(n))
}
