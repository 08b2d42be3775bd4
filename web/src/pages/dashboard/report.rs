//! `/{link}/report`: FMD's report, which endpoints changed between today and yesterday (`?compare=week`,
//! `month`: this and the last ISO week or month in the page's zone; `versions`: the newest two versions;
//! `?version=A&baseline=B`: two versions), significant changes first, with the evidence: medians before and
//! after, the change, Mood's median test p-value, requests per side, and the status-code shares. The window
//! does not apply. Sortable and filtered by endpoint name.

use axum::extract::{Query, State};
use axum::response::Response;
use fmd_core::dashboard::{Compare, ReportRow, ReportView, VersionsView, ViewData, ViewKind, Window};
use fmd_core::report::{Answer, ReportOptions, StatusCodeAnswer};
use maud::{html, Markup};
use serde::Deserialize;

use super::{by_number, order, Page};
use crate::auth::Viewer;
use crate::pages::format::{count, ms};
use crate::pages::{frame, limits, PageError, View};
use crate::params::{BadParam, PageQuery};
use crate::state::AppState;

/// The report's own keys in the URL.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    /// `day` (default), `week`, `month`, `versions`.
    pub compare: Option<String>,
    /// A version to compare (with `baseline`).
    pub version: Option<String>,
    /// The version it is compared with.
    pub baseline: Option<String>,
}

/// The comparison presets as written in URLs.
const PRESETS: [(&str, Compare, &str); 4] = [
    ("day", Compare::Day, "today vs yesterday"),
    ("week", Compare::Week, "this week vs last"),
    ("month", Compare::Month, "this month vs last"),
    ("versions", Compare::Versions, "newest version vs the one before"),
];

/// `GET /{link}/report`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
    Query(report): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    // Every version ever used, newest first: the pair picker, and what `version` / `baseline` may name.
    let all = View { window: Window::All, zone: view.zone };
    let versions = all.ask(&state, ViewKind::DashVersions, None, limits(0, 0), None).await?;
    let versions: Vec<String> = match &*versions {
        ViewData::Versions(VersionsView { versions, .. }) => versions.iter().map(|v| v.version.clone()).collect(),
        _ => Vec::new(),
    };
    let compare = compare_of(&report, &versions)?;
    let data = view.ask(&state, ViewKind::DashReport(compare), None, limits(0, 0), None).await?;
    let ViewData::Report(answer) = &*data else {
        return Err(PageError::NotFound("the report has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let content = html! {
        h1 { "Report · " (answer.label) }
        (picker(&page, compare, &versions))
        (body(&page, &report, answer))
    };
    Ok(page.render("report", "Report", false, content))
}

/// The comparison the URL asks for; a version pair must name versions that exist (so a URL cannot make the
/// process keep texts it never saw in the file).
fn compare_of(report: &ReportQuery, versions: &[String]) -> Result<Compare, BadParam> {
    let nonempty = |v: &Option<String>| v.as_deref().filter(|t| !t.is_empty()).map(str::to_string);
    match (nonempty(&report.version), nonempty(&report.baseline)) {
        (Some(version), Some(baseline)) => {
            for (param, v) in [("version", &version), ("baseline", &baseline)] {
                if !versions.contains(v) {
                    return Err(BadParam { param, why: format!("{v:?} is not a version of this database") });
                }
            }
            return Ok(Compare::version_pair(&version, &baseline));
        }
        (Some(_), None) => return Err(BadParam { param: "baseline", why: "give the version to compare with".into() }),
        (None, Some(_)) => return Err(BadParam { param: "version", why: "give the version to compare".into() }),
        (None, None) => {}
    }
    match report.compare.as_deref().filter(|c| !c.is_empty()) {
        None => Ok(Compare::Day),
        Some(name) => PRESETS.iter().find(|(n, _, _)| *n == name).map(|(_, c, _)| *c).ok_or_else(|| BadParam {
            param: "compare",
            why: format!("{name:?} is not one of day, week, month, versions (or give version and baseline)"),
        }),
    }
}

/// Links to the presets and, with two versions or more, a form picking two versions.
fn picker(page: &Page<'_>, compare: Compare, versions: &[String]) -> Markup {
    let pair = match compare {
        Compare::VersionPair { version, baseline } => Some((version, baseline)),
        _ => None,
    };
    html! {
        nav.choices aria-label="Compare" {
            span.muted { "compare: " }
            @for (name, preset, label) in PRESETS {
                a.current[compare == preset] href=(page.query.with(&[("compare", Some(name))])) { (label) }
            }
        }
        @if versions.len() >= 2 {
            form.pair method="get" {
                @for (key, value) in frame::hidden_keeping(page.query, &[]) { input type="hidden" name=(key) value=(value); }
                @if let Some(q) = page.query.q.as_deref().filter(|q| !q.is_empty()) { input type="hidden" name="q" value=(q); }
                label { "version " select name="version" {
                    @for v in versions { option value=(v) selected[pair.is_some_and(|p| p.0 == v) || pair.is_none() && Some(v) == versions.first()] { (v) } }
                } }
                " vs "
                label { "baseline " select name="baseline" {
                    @for v in versions { option value=(v) selected[pair.is_some_and(|p| p.1 == v) || pair.is_none() && Some(v) == versions.get(1)] { (v) } }
                } }
                " " button type="submit" { "compare versions" }
            }
        }
    }
}

fn body(page: &Page<'_>, report: &ReportQuery, answer: &ReportView) -> Markup {
    if let Some(note) = &answer.note {
        return frame::empty(&format!("No report: {note}. Compare days, weeks or months instead."));
    }
    if answer.rows.is_empty() {
        return frame::empty("No endpoints yet: the report compares each endpoint's requests once there are some.");
    }
    let mut rows: Vec<&ReportRow> = answer.rows.iter().filter(|r| page.matches(&r.name)).collect();
    let changed = answer.rows.iter().filter(|r| r.significant).count();
    let note = html! {
        (changed) " of " (answer.rows.len()) " endpoints changed significantly · medians: Mood's test p < 0.05 · codes: a share grew by more than 3 points"
    };
    let extras = extras(report);
    let filter = html! {
        div.toolbar {
            form.filter method="get" role="search" {
                @for (key, value) in frame::hidden_keeping(page.query, &[]) { input type="hidden" name=(key) value=(value); }
                @for (key, value) in &extras { input type="hidden" name=(key) value=(value); }
                input #filter type="search" name="q" value=(page.query.q.as_deref().unwrap_or("")) placeholder="filter endpoints…  (/)" aria-label="filter endpoints";
            }
            span.muted { (note) }
        }
    };
    let th = |key: &str, text: &str, numeric: bool| heading(page.query, &extras, key, text, numeric);
    match page.query.sort.as_deref() {
        Some("name") => order(&mut rows, page.query, |a, b| a.name.cmp(&b.name)),
        Some("before") => order(&mut rows, page.query, |a, b| by_number(a.median_before, b.median_before)),
        Some("after") => order(&mut rows, page.query, |a, b| by_number(a.median_after, b.median_after)),
        Some("change") => order(&mut rows, page.query, |a, b| by_number(a.change, b.change)),
        Some("p") => order(&mut rows, page.query, |a, b| by_number(b.p_value, a.p_value)),
        Some("n") => order(&mut rows, page.query, |a, b| b.n_after.cmp(&a.n_after)),
        // The layer's order: significant first, busiest first within.
        _ => {
            if !page.query.descending() {
                rows.reverse();
            }
        }
    }
    let codes_of = |id: i64| {
        answer.report.as_ref().and_then(|r| r.summaries.iter().find(|s| s.endpoint_id == id)).and_then(|s| {
            s.answers.iter().find_map(|a| match a {
                Answer::StatusCodeDistribution(c) => Some(c),
                Answer::MedianLatency(_) => None,
            })
        })
    };
    html! {
        (filter)
        table.data.report {
            thead { tr {
                (th("changed", "", false))
                (th("name", "endpoint", false))
                (th("before", "p50 before", true))
                (th("after", "p50 after", true))
                (th("change", "change", true))
                (th("p", "p", true))
                th.num { "n before" }
                (th("n", "n after", true))
                th { "status codes (before → after)" }
            } }
            tbody {
                @for r in &rows {
                    tr.significant[r.significant] data-href=(page.endpoint(r.endpoint_id, "")) {
                        td { @if r.significant { span.error title="a significant change" { "●" } } }
                        td { a href=(page.endpoint(r.endpoint_id, "")) { (r.name) } }
                        td.num { (ms(r.median_before)) }
                        td.num { (ms(r.median_after)) }
                        td.num.error[r.latency_significant && r.change.is_some_and(|c| c > 0.0)]
                            .ok[r.latency_significant && r.change.is_some_and(|c| c < 0.0)] {
                            (r.change.map_or("–".to_string(), |c| format!("{c:+.1}%")))
                        }
                        td.num { (p_value(r.p_value)) }
                        td.num { (count(r.n_before)) }
                        td.num { (count(r.n_after)) }
                        td.wrap.error[r.codes_significant] { (codes(codes_of(r.endpoint_id))) }
                    }
                }
            }
        }
        @if rows.is_empty() { (frame::empty("No endpoint matches the filter.")) }
    }
}

/// The report's keys of the URL, for the links and forms of the page that keep them.
fn extras(report: &ReportQuery) -> Vec<(&'static str, String)> {
    [("compare", &report.compare), ("version", &report.version), ("baseline", &report.baseline)]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v.to_string())))
        .collect()
}

/// A heading that sorts by `key` (as [`crate::pages::table::sort_heading`], keeping the comparison).
fn heading(query: &PageQuery, extras: &[(&'static str, String)], key: &str, text: &str, numeric: bool) -> Markup {
    let current = query.sort.as_deref().unwrap_or("changed") == key;
    let descending = query.descending();
    let dir = if current && descending { "asc" } else { "desc" };
    let mut changes: Vec<(&str, Option<&str>)> = vec![("sort", Some(key)), ("dir", Some(dir)), ("page", None)];
    changes.extend(extras.iter().map(|(k, v)| (*k, Some(v.as_str()))));
    html! {
        th.num[numeric] aria-sort=[current.then_some(if descending { "descending" } else { "ascending" })] {
            a href=(query.with(&changes)) { (text) @if current { @if descending { " ▼" } @else { " ▲" } } }
        }
    }
}

fn p_value(p: Option<f64>) -> String {
    match p {
        None => "–".to_string(),
        Some(p) if p < 0.0001 => "<0.0001".to_string(),
        Some(p) if p < 0.01 => format!("{p:.4}"),
        Some(p) => format!("{p:.3}"),
    }
}

/// `200 97.4% → 91.1%, 404 2.6% → 8.9%`, or why the codes were not compared.
fn codes(answer: Option<&StatusCodeAnswer>) -> String {
    let Some(answer) = answer else { return "–".to_string() };
    match &answer.percentages {
        None => format!(
            "too few requests (n {} vs {}, need {} each)",
            count(answer.compared_to_count),
            count(answer.comparison_count),
            ReportOptions::default().min_status_requests
        ),
        Some(shares) => shares
            .iter()
            .map(|s| {
                let code = s.status_code.map_or_else(|| "none".to_string(), |c| c.to_string());
                format!("{code} {:.1}% → {:.1}%", s.compared_to_interval, s.comparison_interval)
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}
