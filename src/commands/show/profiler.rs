//! `fmd show profiler` (an endpoint's profiled requests, or one request's call tree with `--request`) and
//! `fmd show grouped-profiler` (FMD's grouped profiler; `--json` prints FMD's rows with FMD's keys).

use fmd_core::dashboard::ViewSource;
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::{CallTree, GroupedProfile};
use serde::Serialize;

use super::text::clean;
use super::{emit, print_json, Context};
use crate::cli::ShowArgs;
use crate::failure::Failure;

/// `fmd show profiler --request ID --json`: the tree and the indexes of its hottest path.
#[derive(Serialize)]
struct TreeJson<'a> {
    #[serde(flatten)]
    tree: &'a CallTree,
    hottest_path: Vec<usize>,
}

/// The list of profiled requests, or with `--request` one call tree.
pub fn list_or_tree(store: &dyn ViewSource, ctx: &Context, args: &ShowArgs) -> Result<(), Failure> {
    let endpoint = ctx.require_endpoint(args)?;
    let name = args.endpoint.as_deref().unwrap_or_default();
    let Some(request) = args.request else {
        let data = ctx.view(store, args, ViewKind::Profiler, Some(endpoint), None)?;
        return emit(args, ctx, &data, |v, style| super::views_text::profiled(v, name, style));
    };
    if store.request_detail(request)?.and_then(|d| d.request.endpoint_id) != Some(endpoint) {
        return Err(Failure::Input(format!(
            "--request {request}: no request of endpoint {} has that id (see `fmd show profiler --endpoint {}`)",
            clean(name),
            clean(name)
        )));
    }
    let ViewData::CallTree(tree) = ctx.view(store, args, ViewKind::CallTree(request), Some(endpoint), None)? else {
        return super::unexpected(args);
    };
    let Some(tree) = tree.filter(|t| !t.lines.is_empty()) else {
        return Err(Failure::Input(format!(
            "--request {request}: the request has no stack lines (it was not profiled at level 3)"
        )));
    };
    let hottest_path = tree.hottest_path();
    if args.json {
        print_json(&TreeJson { tree: &tree, hottest_path })
    } else {
        crate::output::print(&crate::table::fit_lines(&tree_text(&tree, &hottest_path, ctx.style.tz), ctx.style.width))
    }
}

/// FMD's grouped profiler of the endpoint.
pub fn grouped(store: &dyn ViewSource, ctx: &Context, args: &ShowArgs) -> Result<(), Failure> {
    let endpoint = ctx.require_endpoint(args)?;
    let ViewData::Grouped(profile) = ctx.view(store, args, ViewKind::Grouped, Some(endpoint), None)? else {
        return super::unexpected(args);
    };
    if args.json {
        print_json(&profile.lines)
    } else {
        crate::output::print(&crate::table::fit_lines(&grouped_text(&profile), ctx.style.width))
    }
}

/// `12.345` ms with three decimals.
fn ms(value: f64) -> String {
    format!("{value:.3}")
}

/// The call tree: one line per stack line, indented by depth, the hottest path marked with `*`.
fn tree_text(tree: &CallTree, hottest: &[usize], tz: chrono_tz::Tz) -> String {
    let r = &tree.request;
    let mut out = format!(
        "request {} · {} · {} ms · version {} · {} stack lines\n",
        r.id,
        r.time_requested
            .map_or_else(|| "-".to_string(), |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()),
        r.duration.map_or_else(|| "-".to_string(), ms),
        clean(&r.version_requested),
        r.stack_lines
    );
    out.push_str(&format!("{:>7}  {:>12}  {}\n", "%", "ms", "line (* hottest path)"));
    for (i, line) in tree.lines.iter().enumerate() {
        let percent = line.percent.map_or_else(|| "-".to_string(), |p| format!("{p:.1}%"));
        let mark = if hottest.contains(&i) { "*" } else { " " };
        let indent = "  ".repeat(line.indent.min(64) as usize);
        let location = if line.code.code.trim().is_empty() {
            String::new()
        } else {
            format!("   {}", clean(&line.code.location()))
        };
        out.push_str(&format!(
            "{percent:>7}  {:>12}{mark} {indent}{}{location}\n",
            ms(line.duration),
            clean(&line.code.label())
        ));
    }
    out
}

/// The grouped profiler as a table in FMD's (depth-first) order, with FMD's UI columns.
fn grouped_text(profile: &GroupedProfile) -> String {
    if profile.lines.is_empty() {
        return "(no profiled requests)\n".to_string();
    }
    let mut out = format!("{} profiled requests merged\n", profile.requests);
    out.push_str(&format!(
        "{:>6}  {:>6}  {:>10}  {:>10}  {:>12}  {:>6}  code\n",
        "hits", "hits%", "avg ms", "std ms", "total ms", "%"
    ));
    for (i, line) in profile.lines.iter().enumerate() {
        let (hits, total) = profile.shares(i);
        let pct = |f: Option<f64>| f.map_or_else(|| "-".to_string(), |f| format!("{:.1}", f * 100.0));
        out.push_str(&format!(
            "{:>6}  {:>6}  {:>10}  {:>10}  {:>12}  {:>6}  {}{}\n",
            line.hits,
            pct(hits),
            ms(line.average()),
            ms(line.std),
            ms(line.duration),
            pct(total),
            "  ".repeat(line.indent.min(64) as usize),
            clean(&line.label())
        ));
    }
    out
}
