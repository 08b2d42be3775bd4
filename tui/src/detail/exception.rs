//! The detail of one exception group as [`Section`]s: what and when (count, captured or uncaught, first and
//! last seen, an example request), then its stack, outermost frame first.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{instant, push_frame, Kind, Section, StackFrame};
use crate::format;
use crate::views::ExceptionEntry;

/// `3 min ago (2026-11-27 22:53:10)`.
fn when(text: Option<&str>, tz: Tz, now: DateTime<Utc>) -> String {
    match instant(text) {
        Some(t) => format!("{} ({})", format::relative(Some(t), now), format::local_datetime(t, tz)),
        None => format::NONE.to_string(),
    }
}

/// The source line of a stored frame: fmd stores the line itself, FMD the whole function from its first line.
fn source_line(code: Option<&str>, line: i64, start: i64) -> String {
    let code = code.unwrap_or_default();
    let index = usize::try_from(line.saturating_sub(start)).unwrap_or(0);
    code.lines().nth(index).or_else(|| code.lines().next()).unwrap_or_default().trim().to_string()
}

/// The detail of a group: what and when, then its stack.
pub fn sections(entry: &ExceptionEntry, tz: Tz, now: DateTime<Utc>) -> Vec<Section> {
    let g = &entry.group;
    let mut what = Section { title: "Exception".into(), ..Section::default() };
    what.push(Kind::Own, format!("{}: {}", g.type_name, g.message.lines().next().unwrap_or_default()));
    for more in g.message.lines().skip(1) {
        what.push(Kind::Plain, more);
    }
    let kind = if g.user_captured { "captured with capture()" } else { "uncaught" };
    let times = if g.count == 1 { "once".to_string() } else { format!("{} times", format::count(g.count)) };
    what.push(Kind::Plain, format!("{times} · {kind}"));
    what.push(Kind::Plain, format!("first {}", when(g.first_timestamp.as_deref(), tz, now)));
    what.push(Kind::Plain, format!("last  {}", when(g.latest_timestamp.as_deref(), tz, now)));
    what.push(Kind::Plain, format!("example request #{} · stack #{}", g.example_request_id, g.stack_trace_snapshot_id));
    let mut stack = Section { title: "Stack (most recent call last)".into(), ..Section::default() };
    for f in &entry.stack {
        let frame = StackFrame {
            file: f.full_file_path.clone(),
            line: f.line_number.to_string(),
            function: f.function_name.clone().unwrap_or_default(),
            code: source_line(f.code.as_deref(), f.line_number, f.function_start_line_number),
        };
        push_frame(&mut stack, &frame);
    }
    if stack.lines.is_empty() {
        stack.push(Kind::Dim, "(no frames stored)");
    }
    vec![what, stack]
}
