//! An endpoint's Outliers tab: the outliers list on the left (local time, duration, × the endpoint's mean;
//! `s` sorts by time or by duration), the selected one's detail on the right: request, stack (the service's
//! own frames emphasised, library frames dim), CPU per core as small bars, memory, headers (sensitive values
//! as stored: `[redacted]`) and environment. `J`/`K` scroll the detail, `y` copies the section on top.
//! Narrower than [`crate::layout::SPLIT_MIN_WIDTH`], the list is alone and Enter opens the detail full-width.
//!
//! The detail is a list of [`Section`]s (also used by the Exceptions tab), built from the stored texts in
//! FMD's formats: frames `File: "f", line n, in "fn": "code"` joined by `<br />`, `[12.5, 3.0]`,
//! `svmem(total=…, …)`, `Name: value\r\n` lines and a Python-dict-like environment.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::store::OutlierRow;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{bars, body, cell, line_at, no_data, note};
use crate::app::App;
use crate::cursor::visible_start;
use crate::format;
use crate::layout::split;
use crate::views::{OutlierView, ViewData};

/// Width of the list in the split view (time, duration, × avg).
const LIST_WIDTH: u16 = 35;
/// Width of a CPU bar.
const CPU_BAR: usize = 10;

/// How a detail line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Normal text.
    Plain,
    /// A frame of the service's own code (emphasised).
    Own,
    /// A library or runtime frame, a note (dim).
    Dim,
    /// A source line under a frame.
    Code,
}

/// One titled part of a detail, copied as a whole with `y`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// Heading (`Stack`, `Headers`).
    pub title: String,
    /// The lines, unsanitised (sanitised when drawn; copied as stored).
    pub lines: Vec<String>,
    /// How each line is drawn (same length as `lines`).
    pub kinds: Vec<Kind>,
}

impl Section {
    fn new(title: &str) -> Section {
        Section { title: title.to_string(), ..Section::default() }
    }

    /// Adds a line.
    pub fn push(&mut self, kind: Kind, line: impl Into<String>) {
        self.lines.push(line.into());
        self.kinds.push(kind);
    }
}

/// The rows in screen order: newest first, or longest first.
pub fn sorted(view: &OutlierView, by_duration: bool) -> Vec<&OutlierRow> {
    let mut rows: Vec<&OutlierRow> = view.rows.iter().collect();
    if by_duration {
        rows.sort_by(|a, b| b.request.duration.total_cmp(&a.request.duration));
    }
    rows
}

/// The section holding detail line `line` (each section is its heading plus its lines).
pub fn section_at(sections: &[Section], line: usize) -> Option<&Section> {
    let mut start = 0;
    for section in sections {
        let end = start + 1 + section.lines.len();
        if line < end {
            return Some(section);
        }
        start = end;
    }
    sections.last()
}

/// A frame of a stack: file, line, function and source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrame {
    /// Source file.
    pub file: String,
    /// Line number as stored.
    pub line: String,
    /// Function name.
    pub function: String,
    /// The source line (may be empty).
    pub code: String,
}

/// Parses one stored frame `File: "f", line n, in "fn": "code"`; `None` for notes and other text.
pub fn parse_frame(text: &str) -> Option<StackFrame> {
    let rest = text.trim().strip_prefix("File: \"").or_else(|| text.trim().strip_prefix("File \""))?;
    let (file, rest) = rest.split_once("\", line ")?;
    let (line, rest) = rest.split_once(", in ")?;
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    let (function, code) = match rest.split_once("\": \"") {
        Some((function, code)) => (function, code.strip_suffix('"').unwrap_or(code)),
        None => (rest.strip_suffix('"').unwrap_or(rest), ""),
    };
    Some(StackFrame {
        file: file.to_string(),
        line: line.trim().to_string(),
        function: function.to_string(),
        code: code.to_string(),
    })
}

/// True for frames of libraries, the standard library or the runtime (Python or Rust), drawn dim.
pub fn is_library(file: &str) -> bool {
    const MARKERS: [&str; 9] = [
        "/site-packages/",
        "/dist-packages/",
        "/lib/python",
        "/.pyenv/",
        "/.cargo/registry/",
        "/.cargo/git/",
        "/rustc/",
        "/.rustup/",
        "/library/std/",
    ];
    file.is_empty() || file.starts_with('<') || MARKERS.iter().any(|m| file.contains(m))
}

/// Adds the frame lines of `frame`: `File "x", line n, in "f"` and, indented, its source line.
pub fn push_frame(section: &mut Section, frame: &StackFrame) {
    let kind = if is_library(&frame.file) { Kind::Dim } else { Kind::Own };
    section.push(kind, format!("File \"{}\", line {}, in \"{}\"", frame.file, frame.line, frame.function));
    if !frame.code.trim().is_empty() {
        section.push(Kind::Code, format!("    {}", frame.code.trim()));
    }
}

/// Numbers of a Python list literal `[12.5, 3.0]` (unreadable items skipped).
fn cpu_list(text: &str) -> Vec<f64> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .filter_map(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .collect()
}

/// `key=value` pairs of `svmem(total=1, available=2)`.
fn memory_fields(text: &str) -> Vec<(String, String)> {
    let inner = text.trim();
    let inner = inner.split_once('(').map_or(inner, |(_, rest)| rest.trim_end_matches(')'));
    inner
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Bytes as `25.3 GB`, `921 MB`.
fn bytes(text: &str) -> String {
    let Ok(n) = text.parse::<f64>() else { return text.to_string() };
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let unit = UNITS.get(unit).copied().unwrap_or("B");
    if value >= 100.0 || unit == "B" {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

/// Top-level items of a Python dict text `{'A': 1, 'B': (1, 0)}` as `'A': 1` strings (brackets, parentheses,
/// angle brackets and quotes respected).
pub fn dict_items(text: &str) -> Vec<String> {
    let inner = text.trim();
    let inner = inner.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(inner);
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in inner.chars() {
        if let Some(q) = quote {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                current.push(c);
            }
            '(' | '[' | '{' | '<' => {
                depth += 1;
                current.push(c);
            }
            ')' | ']' | '}' | '>' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ',' if depth == 0 => {
                let item = current.trim();
                if !item.is_empty() {
                    items.push(item.to_string());
                }
                current.clear();
            }
            c => current.push(c),
        }
    }
    let item = current.trim();
    if !item.is_empty() {
        items.push(item.to_string());
    }
    items
}

/// The value of `'KEY': 'value'` in a Python dict text.
fn dict_value(items: &[String], key: &str) -> Option<String> {
    let prefix = format!("'{key}':");
    items.iter().find_map(|item| item.strip_prefix(&prefix)).map(|v| v.trim().trim_matches('\'').to_string())
}

/// An FMD time text as an instant.
fn instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(fmd_core::timefmt::parse_fmd)
}

/// The detail of `row`: Request, Stack, CPU, Memory, Headers, Environment.
pub fn sections(row: &OutlierRow, average: Option<f64>, tz: Tz) -> Vec<Section> {
    let env_items = row.request_environment.as_deref().map(dict_items).unwrap_or_default();
    let method = dict_value(&env_items, "REQUEST_METHOD").unwrap_or_default();
    let url = row.request_url.clone().unwrap_or_default();
    let r = &row.request;
    let mut request = Section::new("Request");
    request.push(Kind::Own, format!("{method} {url}").trim().to_string());
    let times =
        average.filter(|a| *a > 0.0).map(|a| format!(" · {:.1}× avg {}", r.duration / a, format::duration_ms(Some(a))));
    request
        .push(Kind::Plain, format!("duration {}{}", format::duration_ms(Some(r.duration)), times.unwrap_or_default()));
    let when = instant(r.time_requested.as_deref()).map_or_else(
        || r.time_requested.clone().unwrap_or_default(),
        |t| format!("{} {}", format::local_datetime(t, tz), tz.name()),
    );
    request.push(Kind::Plain, format!("time {when}"));
    let status = r.status_code.map_or_else(|| format::NONE.to_string(), |c| c.to_string());
    request.push(Kind::Plain, format!("status {status} · request #{} · outlier #{}", r.id, row.id));
    let mut who = Vec::new();
    if let Some(v) = r.version_requested.as_deref().filter(|v| !v.is_empty()) {
        who.push(format!("version {v}"));
    }
    if let Some(g) = r.group_by.as_deref().filter(|g| !g.is_empty()) {
        who.push(format!("user {g}"));
    }
    if !r.ip.is_empty() {
        who.push(format!("ip {}", r.ip));
    }
    if !who.is_empty() {
        request.push(Kind::Plain, who.join(" · "));
    }

    let mut stack = Section::new("Stack");
    for piece in row.stacktrace.as_deref().unwrap_or_default().split("<br />") {
        if piece.trim().is_empty() {
            continue;
        }
        match parse_frame(piece) {
            Some(frame) => push_frame(&mut stack, &frame),
            None => stack.push(Kind::Dim, piece.trim()),
        }
    }
    if stack.lines.is_empty() {
        stack.push(Kind::Dim, "(no stack captured)");
    }

    let mut cpu = Section::new("CPU per core");
    let cores = cpu_list(row.cpu_percent.as_deref().unwrap_or_default());
    for (i, percent) in cores.iter().enumerate() {
        let bar = bars::hbar(*percent, 100.0, CPU_BAR);
        cpu.push(Kind::Plain, format!("core {i:<2} {bar:<w$} {percent:>5.1}%", w = CPU_BAR));
    }
    if cores.is_empty() {
        cpu.push(Kind::Dim, row.cpu_percent.clone().unwrap_or_else(|| "(none)".into()));
    }

    let mut memory = Section::new("Memory");
    let fields = memory_fields(row.memory.as_deref().unwrap_or_default());
    let field = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if let (Some(used), Some(total)) = (field("used"), field("total")) {
        let percent = field("percent").map(|p| format!(" ({p}%)")).unwrap_or_default();
        memory.push(Kind::Plain, format!("used {} of {}{percent}", bytes(used), bytes(total)));
        if let Some(available) = field("available") {
            memory.push(Kind::Plain, format!("available {}", bytes(available)));
        }
        if let Some(rss) = field("process_rss") {
            memory.push(Kind::Plain, format!("process rss {}", bytes(rss)));
        }
    } else {
        memory.push(Kind::Dim, row.memory.clone().unwrap_or_else(|| "(none)".into()));
    }

    let mut headers = Section::new("Headers");
    for line in row.request_header.as_deref().unwrap_or_default().split('\n') {
        let line = line.trim_end_matches('\r');
        if !line.is_empty() {
            let kind = if line.ends_with("[redacted]") { Kind::Dim } else { Kind::Plain };
            headers.push(kind, line);
        }
    }
    if headers.lines.is_empty() {
        headers.push(Kind::Dim, "(none)");
    }

    let mut environment = Section::new("Environment");
    for item in &env_items {
        environment.push(Kind::Plain, item.clone());
    }
    if environment.lines.is_empty() {
        environment.push(Kind::Dim, "(none)");
    }
    vec![request, stack, cpu, memory, headers, environment]
}

/// Most screen rows one detail line wraps to (the last ends in `…` when more remains).
const WRAP_LINES: usize = 40;

/// Draws `sections` into `area` from line `scroll` on, each line wrapped to the width (continuations indented
/// by two more columns). The section on top (the one `y` copies) is marked `▸`; when the scroll is inside it,
/// its heading stays on the first row.
pub fn draw_sections(frame: &mut Frame, area: Rect, app: &App, sections: &[Section], scroll: usize) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    if width == 0 || height == 0 {
        return;
    }
    // Every row: (section, line index or None for the heading).
    let rows: Vec<(usize, Option<usize>)> = sections
        .iter()
        .enumerate()
        .flat_map(|(s, section)| std::iter::once((s, None)).chain((0..section.lines.len()).map(move |l| (s, Some(l)))))
        .collect();
    let scroll = scroll.min(rows.len().saturating_sub(1));
    let current = rows.get(scroll).map(|(s, _)| *s);
    let heading = |s: usize| {
        let title = sections.get(s).map_or("", |x| x.title.as_str());
        let marker = if Some(s) == current { "▸ " } else { "  " };
        Span::styled(format::truncate(&format!("{marker}{title}"), width).into_owned(), theme.heading)
    };
    let mut y = 0usize;
    if let Some((s, Some(_))) = rows.get(scroll) {
        line_at(frame, area, 0, Line::from(heading(*s)));
        y = 1;
    }
    for (s, line) in rows.iter().skip(scroll) {
        if y >= height {
            break;
        }
        let Some(l) = line else {
            line_at(frame, area, y as u16, Line::from(heading(*s)));
            y += 1;
            continue;
        };
        let section = sections.get(*s);
        let text = section.and_then(|x| x.lines.get(*l)).map_or("", String::as_str);
        let style = match section.and_then(|x| x.kinds.get(*l)) {
            Some(Kind::Own) => theme.heading,
            Some(Kind::Dim) => theme.dim,
            _ => Style::new(),
        };
        // Continuations hang two columns deeper than the line's own indent (source lines under frames have one).
        let text = format::sanitize(text);
        let own_indent = text.len() - text.trim_start().len();
        let hang = 2 + own_indent + 2;
        let pieces =
            format::wrap_hanging(&text, width.saturating_sub(2), width.saturating_sub(hang).max(1), WRAP_LINES);
        let parts = pieces.into_iter().enumerate().map(|(i, piece)| {
            let indent = if i == 0 { "  ".to_string() } else { " ".repeat(hang) };
            format!("{indent}{piece}")
        });
        for part in parts {
            if y >= height {
                break;
            }
            line_at(frame, area, y as u16, Line::from(Span::styled(part, style)));
            y += 1;
        }
    }
}

/// `× avg` of a duration.
fn times_average(duration: f64, average: Option<f64>) -> String {
    match average.filter(|a| *a > 0.0) {
        Some(a) => format!("{:.1}×", duration / a),
        None => format::NONE.to_string(),
    }
}

/// Draws the outliers list into `area`: heading, then the visible rows with the cursor highlighted.
fn list(frame: &mut Frame, area: Rect, app: &App, view: &OutlierView, rows: &[&OutlierRow], cursor: usize) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let height = usize::from(area.height).saturating_sub(1);
    let (time_w, dur_w, avg_w) = (14usize, 10usize, 6usize);
    let show_avg = width >= time_w + dur_w + avg_w + 4;
    let sorted_mark =
        |by_duration: bool| if app.outliers_by_duration == by_duration { theme.sorted_heading } else { theme.heading };
    let mut heading = vec![
        cell(if app.outliers_by_duration { "time" } else { "time ▼" }, time_w.min(width), false, sorted_mark(false)),
        Span::raw("  "),
        cell(if app.outliers_by_duration { "duration ▼" } else { "duration" }, dur_w, true, sorted_mark(true)),
    ];
    if show_avg {
        heading.extend([Span::raw("  "), cell("× avg", avg_w, true, theme.heading)]);
    }
    line_at(frame, area, 0, Line::from(heading));
    let start = visible_start(app.cursor.offset, cursor, height, rows.len());
    for (y, row) in rows.iter().skip(start).take(height).enumerate() {
        let time = instant(row.request.time_requested.as_deref()).map_or_else(
            || format::NONE.to_string(),
            |t| t.with_timezone(&app.timezone).format("%m-%d %H:%M:%S").to_string(),
        );
        let style = if start + y == cursor { theme.selected } else { Style::new() };
        let mut spans = vec![
            cell(&time, time_w.min(width), false, style),
            Span::raw("  "),
            cell(&format::duration_ms(Some(row.request.duration)), dur_w, true, Style::new()),
        ];
        if show_avg {
            spans.extend([
                Span::raw("  "),
                cell(&times_average(row.request.duration, view.average), avg_w, true, theme.dim),
            ]);
        }
        line_at(frame, area, 1 + y as u16, Line::from(spans));
    }
}

/// Draws the Outliers tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let view = match cached.map(|c| &c.data) {
        Some(ViewData::Outliers(view)) => Some(view),
        _ => None,
    };
    let len = view.map_or(0, |v| v.rows.len());
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{}", cursor + 1, format::count(len as u64)) };
    let sort = if app.outliers_by_duration { "longest first" } else { "newest first" };
    let title = match view {
        Some(v) if v.total > len as u64 => {
            format!("Outliers · {} in all, newest {} · {sort}", format::count(v.total), format::count(len as u64))
        }
        Some(v) => format!("Outliers · {} · {sort}", format::count(v.total)),
        None => "Outliers".to_string(),
    };
    let title = if app.detail_open { format!("{title} · detail, Esc back") } else { title };
    let inner = body(frame, area, app, &title, &position, 1);
    let Some(view) = view else { return no_data(frame, inner, app) };
    if view.rows.is_empty() {
        return note(frame, inner, app, &none_yet(super::endpoint_level(app), app.outlier_rule));
    }
    let rows = sorted(view, app.outliers_by_duration);
    if app.detail_open {
        return draw_sections(frame, inner, app, &app.detail_sections(), app.detail_scroll);
    }
    if !split(app.size.0) || inner.width < LIST_WIDTH + 12 {
        return list(frame, inner, app, view, &rows, cursor);
    }
    let list_area = Rect { width: LIST_WIDTH, ..inner };
    list(frame, list_area, app, view, &rows, cursor);
    let rule = Rect { x: inner.x + LIST_WIDTH, width: 1, ..inner };
    for y in 0..rule.height {
        line_at(frame, rule, y, Line::styled("│", theme_border(app)));
    }
    let detail = Rect { x: inner.x + LIST_WIDTH + 2, width: inner.width.saturating_sub(LIST_WIDTH + 2), ..inner };
    draw_sections(frame, detail, app, &app.detail_sections(), app.detail_scroll);
}

/// When the recorder captures an outlier (`dashboard.outlier_detection_constant` and `outlier_min_samples` of
/// the configuration the console was opened with).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutlierRule {
    /// A request running longer than this many times the endpoint's average is captured.
    pub constant: f64,
    /// ... once the endpoint has this many requests.
    pub min_samples: u32,
}

impl Default for OutlierRule {
    fn default() -> Self {
        let defaults = fmd_core::config::Dashboard::default();
        OutlierRule { constant: defaults.outlier_detection_constant, min_samples: defaults.outlier_min_samples }
    }
}

/// The note of an empty Outliers tab for an endpoint at `level`: what would record them, or, at levels 2 and
/// 3, what an outlier is.
pub fn none_yet(level: Option<u8>, rule: OutlierRule) -> String {
    match level {
        Some(2 | 3) => format!(
            "no outliers yet: a request slower than {} x average after {} requests is captured",
            rule.constant,
            format::count(u64::from(rule.min_samples))
        ),
        _ => "no outliers: levels 2 and 3 record them (m sets the level)".to_string(),
    }
}

fn theme_border(app: &App) -> Style {
    app.theme.border
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_in_fmds_format() {
        let f =
            parse_frame("File: \"/app/app.py\", line 47, in \"upload\": \"data = request.get_data()\"").expect("frame");
        assert_eq!((f.file.as_str(), f.line.as_str(), f.function.as_str()), ("/app/app.py", "47", "upload"));
        assert_eq!(f.code, "data = request.get_data()");
        assert!(parse_frame("a note").is_none());
        assert!(is_library("/venv/lib/python3.11/site-packages/werkzeug/wsgi.py"));
        assert!(!is_library("src/main.rs"));
    }

    #[test]
    fn dicts_split_at_top_level_commas_only() {
        let items = dict_items("{'a': (1, 0), 'b': <x name='y, z'>, 'REQUEST_METHOD': 'GET'}");
        assert_eq!(items, ["'a': (1, 0)", "'b': <x name='y, z'>", "'REQUEST_METHOD': 'GET'"]);
        assert_eq!(dict_value(&items, "REQUEST_METHOD").as_deref(), Some("GET"));
        assert_eq!(cpu_list("[12.5, 3.0, x]"), [12.5, 3.0]);
        assert_eq!(bytes("25276063744"), "25.3 GB");
    }
}
