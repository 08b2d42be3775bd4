//! `/{link}/graphs`: FMD's custom graphs (`Recorder::add_graph`), each as a line of its values' mean per
//! bucket over the window, with its count, minimum, maximum and latest value; a few graphs a page.

use axum::extract::{Query, State};
use axum::response::Response;
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::GraphSeries;
use maud::{html, Markup};

use super::{rows_of_page, Page};
use crate::auth::Viewer;
use crate::charts::lines::{self, value_text, LineChart, Point, Series};
use crate::charts::scale::tick_label;
use crate::pages::format::{count, instant};
use crate::pages::table::pager;
use crate::pages::{frame, limits, PageError, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// Graphs on one page.
pub const PER_PAGE: usize = 6;
/// Buckets per graph.
const POINTS: usize = 120;

/// `GET /{link}/graphs`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let mut web = limits(0, 0);
    web.graph_points = POINTS;
    let data = view.ask(&state, ViewKind::DashGraphs, None, web, None).await?;
    let ViewData::Graphs(graphs) = &*data else {
        return Err(PageError::NotFound("the graphs view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let capped = graphs.len() >= web.graphs;
    let content = html! {
        h1 { "Custom graphs · " (page.phrase(false)) }
        @if graphs.is_empty() {
            (frame::empty(
                "No custom graphs: a service adds one with Recorder::add_graph(title, closure, schedule), e.g. \
                 recorder.add_graph(\"queue length\", move || queue.len(), Schedule::every_seconds(10)); its values \
                 are stored in FMD's CustomGraph tables and drawn here."))
        } @else {
            (body(&page, graphs, capped))
        }
    };
    Ok(page.render("graphs", "Graphs", true, content))
}

fn body(page: &Page<'_>, graphs: &[GraphSeries], capped: bool) -> Markup {
    let number = page.query.page();
    let range = rows_of_page(graphs.len(), number, PER_PAGE);
    let shown = &graphs[range];
    html! {
        p.muted { (graphs.len()) " graphs" @if capped { " (the first " (graphs.len()) ")" } }
        @for g in shown { (graph(page, g)) }
        @if graphs.len() > PER_PAGE { (pager(page.query, number, PER_PAGE, shown.len(), Some(graphs.len() as u64))) }
    }
}

fn graph(page: &Page<'_>, g: &GraphSeries) -> Markup {
    let zone = page.view.zone;
    let title = &g.graph.title;
    let series = [Series {
        name: format!("{title} (mean per bucket)"),
        class: "l-value",
        points: g
            .points
            .iter()
            .map(|p| Point {
                at: p.time,
                value: Some(p.mean),
                title: format!(
                    "{} · {title}: mean {} (min {}, max {}, {} values)",
                    p.time.with_timezone(&zone).format("%a %d %b %H:%M"),
                    value_text(p.mean),
                    value_text(p.min),
                    value_text(p.max),
                    count(p.count)
                ),
            })
            .collect(),
    }];
    let label = format!("{title} over {}", page.phrase(false));
    html! {
        section.panel.graph {
            h2 { (title) }
            p.muted.small {
                @if let Some(t) = g.graph.time_added { "added " (instant(t, zone)) }
                @if let Some(v) = &g.graph.version_added { " · version " (v) }
            }
            @if g.count == 0 {
                (frame::empty(&format!("No values of this graph in this window, {}.", page.phrase(false))))
            } @else {
                p {
                    "n " (count(g.count))
                    @if let Some(min) = g.min { " · min " (tick_label(min)) }
                    @if let Some(max) = g.max { " · max " (tick_label(max)) }
                    @if let Some(last) = &g.last { " · last " (tick_label(last.value)) " at " (instant(last.time, zone)) }
                }
                div.chart { (lines::draw(&LineChart { label: &label, from: g.from, to: g.to, zone, series: &series, y_label: tick_label, size: (900.0, 220.0) })) }
            }
        }
    }
}
