//! The frame of every page: the header (database, window and zone pickers, live state, the user menu), the
//! tabs, the breadcrumb, and the document around them. Everything from the database is escaped by maud.

use chrono_tz::Tz;
use fmd_core::dashboard::Window;
use maud::{html, Markup, DOCTYPE};

use crate::auth::Viewer;
use crate::params::{PageQuery, WINDOWS};
use crate::state::AppState;

/// The dashboard's tabs: URL segment under `/{link}/` and label.
pub const DASH_TABS: [(&str, &str); 10] = [
    ("", "Overview"),
    ("hourly", "Hourly"),
    ("daily", "Daily"),
    ("versions", "Versions"),
    ("performance", "Performance"),
    ("latency", "Latency"),
    ("status", "Status"),
    ("exceptions", "Exceptions"),
    ("graphs", "Graphs"),
    ("report", "Report"),
];

/// An endpoint's tabs: URL segment under `/{link}/endpoint/{id}/` and label.
pub const ENDPOINT_TABS: [(&str, &str); 15] = [
    ("", "Summary"),
    ("hourly", "Hourly"),
    ("latency", "Latency"),
    ("versions", "Versions"),
    ("users", "Users"),
    ("ips", "IPs"),
    ("user-versions", "User×Version"),
    ("ip-versions", "IP×Version"),
    ("status", "Status"),
    ("requests", "Requests"),
    ("outliers", "Outliers"),
    ("exceptions", "Exceptions"),
    ("profiler", "Profiler"),
    ("grouped", "Grouped"),
    ("admin", "Admin"),
];

/// Which tab row a page shows.
#[derive(Debug, Clone, Copy)]
pub enum Tabs<'a> {
    /// The dashboard's, this one selected.
    Dashboard(&'a str),
    /// An endpoint's (id, name), this one selected.
    Endpoint(i64, &'a str, &'a str),
    /// None (admin pages).
    None,
}

/// What the frame shows around a page's content.
pub struct Frame<'a> {
    /// The page's title (after "fmd ·").
    pub title: &'a str,
    /// Who is looking.
    pub viewer: &'a Viewer,
    /// The page's query (kept in every link).
    pub query: &'a PageQuery,
    /// The window the page shows (`None`: the window does not apply; the picker says so).
    pub window: Option<Window>,
    /// The zone of the page.
    pub zone: Tz,
    /// The tab row.
    pub tabs: Tabs<'a>,
    /// Poll this page's data while visible (pages of live data; not forms).
    pub live: bool,
}

/// A whole page: the frame with `content` inside.
pub fn page(state: &AppState, frame: &Frame<'_>, content: Markup) -> Markup {
    let q = frame.query;
    let db = state.pool().name();
    let here_window = frame.window.map(PageQuery::window_name);
    let body = html! {
        header.top {
            a.brand href=(state.path("")) { "fmd" }
            span.db title=(state.pool().location()) { (db) }
            span.title { (frame.title) }
            nav.windows aria-label="Time window" {
                @if frame.window.is_none() { span.muted title="This view does not depend on the window" { "today · 7d · all" } }
                @else {
                    @for (name, _) in WINDOWS {
                        @let query = q.with(&[("window", Some(name)), ("from", None), ("to", None), ("page", None)]);
                        a.window.current[here_window == Some(name)] href=(query) data-key=(name) { (name) }
                    }
                    @if here_window == Some("custom") { span.window.current { "custom" } }
                }
            }
            form.zone method="get" {
                @for (key, value) in hidden_keeping(q, &["tz"]) { input type="hidden" name=(key) value=(value); }
                label { span.visually-hidden { "Time zone" }
                    input name="tz" value=(frame.zone.name()) list="zones" aria-label="Time zone"; }
                datalist #zones { @for zone in COMMON_ZONES { option value=(zone); } }
            }
            @if frame.live { span.live #live title="The page refreshes while it is visible" { "● live" } }
            span.user {
                (frame.viewer.name) @if frame.viewer.admin { " (admin)" } @else { " (guest)" }
                " · "
                @if frame.viewer.admin { a href=(state.path("users")) { "users" } " · " a href=(state.path("prune")) { "prune" } " · " }
                a href=(state.path("info")) { "info" } " · "
                a href=(state.path("logout")) { "log out" }
            }
        }
        (tab_row(state, frame))
        main #content data-live=[frame.live.then_some("1")] { (content) }
    };
    document(state, frame.title, Some(&frame.viewer.csrf), body)
}

/// A page without the frame (login, logout, errors).
pub fn bare(state: &AppState, title: &str, content: Markup) -> Markup {
    document(state, title, None, content)
}

fn document(state: &AppState, title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(csrf) = csrf { meta name="csrf-token" content=(csrf); }
                title { "fmd · " (title) }
                link rel="icon" type="image/svg+xml" href=(state.path(&format!("static/{}", crate::assets::icon_name())));
                link rel="stylesheet" href=(state.path(&format!("static/{}", crate::assets::css_name())));
                script src=(state.path(&format!("static/{}", crate::assets::js_name()))) defer {}
            }
            body { (body) }
        }
    }
}

fn tab_row(state: &AppState, frame: &Frame<'_>) -> Markup {
    let keep = frame.query.with(&[("sort", None), ("dir", None), ("q", None), ("page", None)]);
    match frame.tabs {
        Tabs::None => html! {},
        Tabs::Dashboard(current) => html! {
            nav.tabs aria-label="Dashboard" {
                @for (i, (slug, label)) in DASH_TABS.iter().enumerate() {
                    a.current[*slug == current] href={ (state.path(slug)) (keep) } data-tab=(i + 1) { (label) }
                }
            }
        },
        Tabs::Endpoint(id, name, current) => html! {
            nav.crumbs aria-label="Breadcrumb" {
                a href={ (state.path("")) (keep) } { "Overview" } " › "
                a href={ (state.path(&format!("endpoint/{id}/"))) (keep) } { (name) }
                @if let Some((_, label)) = ENDPOINT_TABS.iter().find(|(s, _)| *s == current && !s.is_empty()) { " › " (label) }
            }
            nav.tabs aria-label="Endpoint" {
                @for (i, (slug, label)) in ENDPOINT_TABS.iter().enumerate() {
                    @if *slug != "admin" || frame.viewer.admin {
                        a.current[*slug == current] href={ (state.path(&format!("endpoint/{id}/{slug}"))) (keep) } data-tab=(i + 1) { (label) }
                    }
                }
            }
        },
    }
}

/// Hidden inputs that keep the query's other keys in a GET form.
pub fn hidden_keeping(q: &PageQuery, except: &[&str]) -> Vec<(&'static str, String)> {
    let pairs: [(&'static str, Option<&String>); 6] = [
        ("window", q.window.as_ref()),
        ("from", q.from.as_ref()),
        ("to", q.to.as_ref()),
        ("tz", q.tz.as_ref()),
        ("sort", q.sort.as_ref()),
        ("dir", q.dir.as_ref()),
    ];
    pairs
        .into_iter()
        .filter(|(k, v)| !except.contains(k) && v.is_some_and(|v| !v.is_empty()))
        .filter_map(|(k, v)| v.map(|v| (k, v.clone())))
        .collect()
}

/// The hidden CSRF field of a form that changes something.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name=(crate::auth::csrf::FIELD) value=(viewer.csrf); }
}

/// Zones offered in the picker (any IANA name is accepted).
const COMMON_ZONES: [&str; 12] = [
    "UTC",
    "Europe/London",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// A notice for an empty view, saying why it is empty.
pub fn empty(why: &str) -> Markup {
    html! { p.empty { (why) } }
}
