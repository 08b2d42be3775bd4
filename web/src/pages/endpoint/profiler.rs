//! `/{link}/endpoint/{id}/profiler`: the endpoint's profiled requests (level 3; all time, newest first,
//! [`PAGE_ROWS`] a page), each opening `profiler/{request}`: its call tree, nested `<details>` that fold
//! without JavaScript, each line with its ms and share of the request; the hottest path (the costliest child
//! at every level) is marked. How a code line reads (its source, else its function and `file:line`, never
//! FMD's literal `None`) is [`label`], as in the console.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::CallTree;
use maud::{html, Markup};

use super::{instant_ms, request_id, Answer, Endpoint};
use crate::auth::Viewer;
use crate::pages::format::{count, instant, ms};
use crate::pages::table::pager;
use crate::pages::{frame, limits, PAGE_ROWS};
use crate::params::PageQuery;
use crate::state::AppState;

pub use fmd_core::stored::code::{function, label, location};

/// Most lines of a call tree on a page (position order; the rest are counted).
pub const MOST_LINES: usize = 1000;
/// Deepest `<details>` nesting; deeper lines are listed flat inside it, with their depth.
const MAX_NESTING: usize = 48;

/// The note of the Profiler and Grouped tabs without profiled requests for an endpoint at `level`.
pub fn no_profiles(level: Option<u8>) -> String {
    match level {
        Some(3) => "No profiled requests yet: level 3 samples every request longer than one sampling period.".into(),
        Some(l) => format!("No profiled requests: this endpoint is at level {l}; level 3 records them."),
        None => "No profiled requests: level 3 records them.".into(),
    }
}

/// `GET /{link}/endpoint/{id}/profiler`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path(id): Path<String>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let page = ep.query.page();
    let mut web = limits(0, (page - 1) * PAGE_ROWS);
    web.profiled = PAGE_ROWS;
    let data = ep.ask(ViewKind::Profiler, web).await?;
    let ViewData::Profiler(view) = &*data else { return Err(ep.missing("No profiler answer.", "", "summary")) };
    let plus = if view.total_is_at_least { "+" } else { "" };
    let content = html! {
        p.muted { (count(view.total)) (plus) " profiled requests in all (kept until pruned; the window does not apply)" }
        @if view.rows.is_empty() && page == 1 {
            (frame::empty(&no_profiles(ep.level())))
        } @else {
            table.data.profiled {
                thead { tr { th { "time" } th.num { "duration" } th.num { "lines" } th.num { "status" } th { "version" } th { "user" } th.num { "request" } } }
                tbody {
                    @for r in &view.rows {
                        @let href = ep.link(&format!("profiler/{}", r.id));
                        tr data-href=(href) {
                            td { a href=(href) { @match r.time_requested { Some(t) => (instant(t, ep.view.zone)), None => "–" } } }
                            td.num { (ms(r.duration)) }
                            td.num { (count(r.stack_lines)) }
                            td.num.error[r.status_code.is_some_and(|c| c >= 400)] { (r.status_code.map_or("–".into(), |c| c.to_string())) }
                            td { (r.version_requested) }
                            td { (r.group_by) }
                            td.num.muted { "#" (r.id) }
                        }
                    }
                }
            }
            (pager(&ep.query, page, PAGE_ROWS, view.rows.len(), (!view.total_is_at_least).then_some(view.total)))
        }
    };
    Ok(ep.page("profiler", "Profiler", ViewKind::Profiler, true, content))
}

/// `GET /{link}/endpoint/{id}/profiler/{request}`.
pub async fn call_tree(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path((id, request)): Path<(String, String)>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let gone = || {
        ep.missing(&format!("Request #{request} of {} has no call tree.", ep.name), "profiler", "its profiled requests")
    };
    let Some(rid) = request_id(&request) else { return Err(gone()) };
    // The request must be this endpoint's (the call tree does not say whose it is).
    let owner = ep.ask(ViewKind::RequestDetail(rid), limits(0, 0)).await?;
    if !matches!(&*owner, ViewData::RequestDetail(Some(d)) if d.request.endpoint_id == Some(ep.id)) {
        return Err(gone());
    }
    let data = ep.ask(ViewKind::CallTree(rid), limits(0, 0)).await?;
    let ViewData::CallTree(Some(tree)) = &*data else { return Err(gone()) };
    let r = &tree.request;
    let content = html! {
        h1 { "Call tree of request #" (rid) }
        p.muted {
            @match r.time_requested { Some(t) => (instant_ms(t, ep.view.zone)), None => "–" }
            " · " (ms(r.duration)) " · " (count(tree.lines.len() as u64)) " lines"
            " · " a href=(ep.link(&format!("requests/{rid}"))) { "the request" }
            " · " a href=(ep.link("grouped")) { "grouped over the last 100" }
        }
        @if tree.lines.is_empty() { (frame::empty("This request has no stack lines.")) }
        @else { (tree_markup(tree)) }
    };
    Ok(ep.page("profiler", &format!("call tree #{rid}"), ViewKind::CallTree(rid), false, content))
}

/// The call tree as nested `<details>` (open), lines beyond [`MOST_LINES`] counted, nesting beyond
/// [`MAX_NESTING`] listed flat.
pub fn tree_markup(tree: &CallTree) -> Markup {
    let n = tree.lines.len().min(MOST_LINES);
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, line) in tree.lines.iter().enumerate().take(n) {
        match line.parent.filter(|p| *p < i) {
            Some(p) => kids[p].push(i),
            None => roots.push(i),
        }
    }
    let mut hot = vec![false; n];
    for i in tree.hottest_path() {
        if let Some(h) = hot.get_mut(i) {
            *h = true;
        }
    }
    let ctx = TreeCtx { tree, kids: &kids, hot: &hot };
    html! {
        div.calltree role="tree" {
            @for &root in &roots { (ctx.node(root, 0)) }
        }
        @if tree.lines.len() > n {
            p.muted { (count((tree.lines.len() - n) as u64)) " more lines are not shown (the page shows the first " (MOST_LINES) ")." }
        }
        p.small.muted { "▌ marks the hottest path: the costliest line at every level. Percentages are of the request's duration." }
    }
}

struct TreeCtx<'a> {
    tree: &'a CallTree,
    kids: &'a [Vec<usize>],
    hot: &'a [bool],
}

impl TreeCtx<'_> {
    fn row(&self, i: usize, flat_depth: Option<u32>) -> Markup {
        let line = &self.tree.lines[i];
        let percent = line.percent.map_or("–".to_string(), |p| format!("{p:.1}%"));
        let shown_location = if line.code.code.trim().is_empty() { None } else { location(&line.code) };
        html! {
            span.line.hot[self.hot[i]] {
                span.pct { (percent) } " "
                span.ms { (ms(Some(line.duration))) } " "
                @if let Some(depth) = flat_depth { span.muted { "[depth " (depth) "] " } }
                code.label { (label(&line.code)) }
                @if let Some(l) = shown_location { " " span.where.muted { (l) } }
                @if let Some(f) = function(&line.code).filter(|_| !line.code.code.trim().is_empty()) { " " span.fn.muted { (f) } }
            }
        }
    }

    fn node(&self, i: usize, nesting: usize) -> Markup {
        let kids = &self.kids[i];
        if kids.is_empty() {
            return html! { div.leaf { (self.row(i, None)) } };
        }
        if nesting >= MAX_NESTING {
            return html! { div.flat { @for j in self.subtree(i) { div.leaf { (self.row(j, Some(self.tree.lines[j].indent))) } } } };
        }
        html! {
            details.node open {
                summary { (self.row(i, None)) }
                div.kids { @for &k in kids { (self.node(k, nesting + 1)) } }
            }
        }
    }

    /// `i` and everything below it, depth first (without recursion).
    fn subtree(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            out.push(j);
            stack.extend(self.kids[j].iter().rev());
        }
        out
    }
}
