//! The Requests tab's detail (`Enter`) as [`Section`]s: every column of the request, then its outlier capture
//! (request line, stack, CPU, memory, headers, environment) and its exceptions with their stacks.

use fmd_core::store::RequestDetail;

use super::{push_frame, Kind, Section, StackFrame};
use crate::app::App;
use crate::format;

/// The detail's sections (title, lines), as drawn.
pub fn sections(detail: &RequestDetail, app: &App) -> Vec<Section> {
    let r = &detail.request;
    let mut request = Section { title: "Request".into(), ..Section::default() };
    let none = || format::NONE.to_string();
    let endpoint = match r.endpoint_id.and_then(|id| app.table.row(id)) {
        Some(e) => format!("{} (#{})", e.name, e.id),
        None => r.endpoint_id.map_or_else(none, |id| format!("#{id}")),
    };
    let time = r.time_requested.map_or_else(none, |t| {
        let local = t.with_timezone(&app.timezone).format("%Y-%m-%d %H:%M:%S%.6f");
        format!("{local} {}", app.timezone.name())
    });
    let or_empty = |s: &str| if s.is_empty() { "(empty)".to_string() } else { s.to_string() };
    for (key, value) in [
        ("id", r.id.to_string()),
        ("endpoint", endpoint),
        ("time", time),
        ("duration", r.duration.map_or_else(none, |d| format!("{d:.3} ms"))),
        ("status", r.status_code.map_or_else(none, |c| c.to_string())),
        ("version", or_empty(&r.version_requested)),
        ("user", or_empty(&r.group_by)),
        ("ip", or_empty(&r.ip)),
    ] {
        request.push(Kind::Plain, format!("{key:<9}{value}"));
    }
    let mut out = vec![request];
    match &detail.outlier {
        Some(outlier) => {
            for mut section in super::outlier::sections(outlier, None, app.timezone) {
                section.title = format!("Outlier · {}", section.title.to_lowercase());
                out.push(section);
            }
        }
        None => {
            let mut section = Section { title: "Outlier".into(), ..Section::default() };
            section.push(Kind::Dim, "(none captured: levels 2 and 3 capture requests slower than the threshold)");
            out.push(section);
        }
    }
    for e in &detail.exceptions {
        let kind = if e.user_captured { "captured with capture()" } else { "uncaught" };
        let mut section = Section { title: format!("Exception · {kind}"), ..Section::default() };
        section.push(Kind::Own, format!("{}: {}", e.type_name, e.message.lines().next().unwrap_or_default()));
        for more in e.message.lines().skip(1) {
            section.push(Kind::Plain, more);
        }
        for f in &e.stack {
            let frame = StackFrame {
                file: f.full_file_path.clone(),
                line: f.line_number.to_string(),
                function: f.function_name.clone().unwrap_or_default(),
                code: f.code.as_deref().and_then(|c| c.lines().next()).unwrap_or_default().trim().to_string(),
            };
            push_frame(&mut section, &frame);
        }
        out.push(section);
    }
    out
}

/// Lines the detail scrolls over (each section's heading and lines).
pub fn line_count(detail: &RequestDetail, app: &App) -> usize {
    sections(detail, app).iter().map(|s| s.lines.len() + 1).sum()
}
