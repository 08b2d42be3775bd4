//! `/{link}/endpoint/{id}/requests`: the endpoint's requests in the window, newest first or (`?sort=duration`)
//! longest first, filtered with the console's one-line filter in `?q=` (`status:5xx user:alice ip:10.0.*
//! version:1.2`), [`PAGE_ROWS`] a page; each row opens `requests/{request}`, the request with its outlier
//! capture and its exceptions.

use axum::extract::{Path, Query, State};
use fmd_core::dashboard::{RequestsKey, ViewData, ViewKind};
use fmd_core::store::views::{RequestFilter, RequestOrder, RequestQuery, RequestRow};
use fmd_core::store::RequestDetail;
use http::StatusCode;
use maud::{html, Markup};

use super::{instant_ms, or_empty, request_id, stored, Answer, Endpoint};
use crate::auth::Viewer;
use crate::pages::format::{count, ms};
use crate::pages::table::pager;
use crate::pages::{frame, limits, PAGE_ROWS};
use crate::params::PageQuery;
use crate::state::AppState;

/// `GET /{link}/endpoint/{id}/requests`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path(id): Path<String>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let text = ep.query.q.clone().unwrap_or_default();
    let order = if ep.query.sort.as_deref() == Some("duration") { RequestOrder::Duration } else { RequestOrder::Time };
    let filter = RequestFilter::parse(&text);
    let page = ep.query.page();
    let (rows, refused) = match &filter {
        Ok(filter) => {
            let key = RequestsKey::new(&RequestQuery { filter: filter.clone(), order });
            let data = ep.ask(ViewKind::Requests(key), limits(PAGE_ROWS, (page - 1) * PAGE_ROWS)).await?;
            match &*data {
                ViewData::Requests(rows) => (rows.clone(), None),
                _ => (Vec::new(), None),
            }
        }
        Err(why) => (Vec::new(), Some(why.clone())),
    };
    let by = |sort: Option<&str>| ep.query.with(&[("sort", sort), ("dir", None), ("page", None)]);
    let content = html! {
        div.toolbar {
            form.filter method="get" role="search" {
                @for (key, value) in frame::hidden_keeping(&ep.query, &[]) { input type="hidden" name=(key) value=(value); }
                input #filter type="search" name="q" value=(text) size="48"
                    placeholder="status:5xx user:alice ip:10.0.* version:1.2  (/)" aria-label="Filter requests";
                button type="submit" { "filter" }
            }
            span {
                "order: "
                a.current[order == RequestOrder::Time] href=(by(None)) { "newest first" } " · "
                a.current[order == RequestOrder::Duration] href=(by(Some("duration"))) { "longest first" }
            }
        }
        @if let Some(why) = &refused {
            p.notice.error { "The filter is not understood: " (why) ". Keys: status (404, 5xx, 400-499), user, ip, version (a trailing * matches a prefix)." }
        } @else if rows.is_empty() && page == 1 {
            @if text.trim().is_empty() {
                (frame::empty("No requests in this window: choose a longer window above (level 1 records every request)."))
            } @else {
                (frame::empty("No request in this window matches the filter."))
            }
        } @else {
            (table(&ep, &rows))
            (pager(&ep.query, page, PAGE_ROWS, rows.len(), None))
        }
    };
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(ep.page_with(status, "requests", "Requests", ViewKind::Requests(RequestsKey::default()), true, content))
}

/// A table of requests (the Requests tab, the Status tab's latest errors), each row opening its detail.
pub fn table(ep: &Endpoint, rows: &[RequestRow]) -> Markup {
    html! {
        table.data.requests {
            thead { tr {
                th { "time" } th.num { "status" } th.num { "duration" } th { "user" } th { "ip" } th { "version" } th.num { "request" }
            } }
            tbody {
                @for r in rows {
                    @let href = ep.link(&format!("requests/{}", r.id));
                    tr data-href=(href) {
                        td { a href=(href) { @match r.time_requested { Some(t) => (instant_ms(t, ep.view.zone)), None => "–" } } }
                        td.num.error[r.status_code.is_some_and(|c| c >= 400)] { (r.status_code.map_or("–".to_string(), |c| c.to_string())) }
                        td.num { (ms(r.duration)) }
                        td { (r.group_by) }
                        td { (r.ip) }
                        td { (r.version_requested) }
                        td.num.muted { "#" (r.id) }
                    }
                }
            }
        }
    }
}

/// `GET /{link}/endpoint/{id}/requests/{request}`.
pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Path((id, request)): Path<(String, String)>,
) -> Answer {
    let ep = Endpoint::load(state, viewer, query, &id).await?;
    let gone =
        || ep.missing(&format!("Request #{request} is not a request of {}.", ep.name), "requests", "its requests");
    let Some(rid) = request_id(&request) else { return Err(gone()) };
    let data = ep.ask(ViewKind::RequestDetail(rid), limits(0, 0)).await?;
    let detail = match &*data {
        ViewData::RequestDetail(Some(d)) if d.request.endpoint_id == Some(ep.id) => d,
        _ => return Err(gone()),
    };
    let content = request_detail(&ep, detail);
    Ok(ep.page("requests", &format!("request #{rid}"), ViewKind::RequestDetail(rid), false, content))
}

fn request_detail(ep: &Endpoint, detail: &RequestDetail) -> Markup {
    let r = &detail.request;
    let zone = ep.view.zone;
    html! {
        h1 { "Request #" (r.id) }
        table.data.pairs.narrow {
            tbody {
                tr { th { "endpoint" } td { (ep.name) " (#" (ep.id) ")" } }
                tr { th { "time" } td { @match r.time_requested { Some(t) => (instant_ms(t, zone)), None => "–" } } }
                tr { th { "duration" } td { (r.duration.map_or("–".to_string(), |d| format!("{d:.3} ms"))) } }
                tr { th { "status" } td.error[r.status_code.is_some_and(|c| c >= 400)] { (r.status_code.map_or("–".to_string(), |c| c.to_string())) } }
                tr { th { "version" } td { (or_empty(&r.version_requested)) } }
                tr { th { "user" } td { (or_empty(&r.group_by)) } }
                tr { th { "ip" } td { (or_empty(&r.ip)) } }
            }
        }
        h2 { "Outlier" }
        @match &detail.outlier {
            Some(outlier) => {
                p { a href=(ep.link(&format!("outliers/{}", r.id))) { "open the outlier page" } }
                (super::outliers::sections(ep, outlier))
            }
            None => (frame::empty("None captured: levels 2 and 3 capture requests slower than the endpoint's threshold.")),
        }
        h2 { "Exceptions (" (count(detail.exceptions.len() as u64)) ")" }
        @if detail.exceptions.is_empty() { p.muted { "None recorded on this request." } }
        @for e in &detail.exceptions {
            div.panel {
                p { b.error { (e.type_name) } ": " (e.message.lines().next().unwrap_or_default())
                    span.muted { " · " @if e.user_captured { "captured with capture()" } @else { "uncaught" } } }
                @for more in e.message.lines().skip(1) { p.mono.small { (more) } }
                details open {
                    summary { "stack (" (e.stack.len()) " frames, most recent call last)" }
                    (stored::stack(&stored::exception_stack(&e.stack)))
                }
            }
        }
    }
}
