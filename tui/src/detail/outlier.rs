//! The detail of one outlier (request, stack, CPU per core, memory, headers, environment) as [`Section`]s,
//! read from FMD's stored texts: frames `File: "f", line n, in "fn": "code"` joined by `<br />`, `[12.5, 3.0]`,
//! `svmem(total=…, …)`, `Name: value\r\n` lines and a Python-dict-like environment; the list's order; and
//! the rule recorders capture outliers by.

use chrono_tz::Tz;
use fmd_core::store::OutlierRow;

use super::{instant, parse_frame, push_frame, Kind, Section};
use crate::bars;
use crate::format;
use crate::views::OutlierView;

/// Width of a CPU bar.
const CPU_BAR: usize = 10;

/// The rows in screen order: newest first, or longest first.
pub fn sorted(view: &OutlierView, by_duration: bool) -> Vec<&OutlierRow> {
    let mut rows: Vec<&OutlierRow> = view.rows.iter().collect();
    if by_duration {
        rows.sort_by(|a, b| b.request.duration.total_cmp(&a.request.duration));
    }
    rows
}

pub use fmd_core::stored::dict_items;
use fmd_core::stored::{bytes, cpu_list, memory_fields};

/// The value of `'KEY': 'value'` in a Python dict text.
fn dict_value(items: &[String], key: &str) -> Option<String> {
    let prefix = format!("'{key}':");
    items.iter().find_map(|item| item.strip_prefix(&prefix)).map(|v| v.trim().trim_matches('\'').to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dicts_split_at_top_level_commas_only() {
        let items = dict_items("{'a': (1, 0), 'b': <x name='y, z'>, 'REQUEST_METHOD': 'GET'}");
        assert_eq!(items, ["'a': (1, 0)", "'b': <x name='y, z'>", "'REQUEST_METHOD': 'GET'"]);
        assert_eq!(dict_value(&items, "REQUEST_METHOD").as_deref(), Some("GET"));
        assert_eq!(cpu_list("[12.5, 3.0, x]"), [12.5, 3.0]);
        assert_eq!(bytes("25276063744"), "25.3 GB");
    }
}
