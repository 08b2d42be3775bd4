//! Readable text for `fmd show` without `--json`: aligned tables that fit the width ([`crate::table`]),
//! instants in the `--tz` zone, objects as aligned `key  value` lines. The views with a shape of their own
//! (hourly, daily, matrices, status codes, outliers, exceptions...) are laid out in [`super::views_text`];
//! this module holds what they share and the generic layout of the rest. Database strings are printed with
//! control characters escaped, so a hostile value cannot drive the terminal.

use chrono::DateTime;
use chrono_tz::Tz;
use fmd_core::report::{Answer, Report};
use serde_json::Value;

pub use crate::table::clean;
use crate::table::Table;

/// How text is laid out: the width to fit and the zone of instants.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Cells per line.
    pub width: usize,
    /// Zone instants are shown in.
    pub tz: Tz,
}

/// Renders any JSON value as readable text.
pub fn render(value: &Value, style: &Style) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, style);
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize, style: &Style) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Array(items) if items.is_empty() => out.push_str(&format!("{pad}(none)\n")),
        Value::Array(items) if items.iter().all(is_flat_object) => out.push_str(&table(items, depth * 2, style)),
        Value::Array(items) if items.iter().all(is_scalar) => {
            out.push_str(&format!("{pad}{}\n", items.iter().map(|v| cell(v, style)).collect::<Vec<_>>().join(", ")));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                out.push_str(&format!("{pad}[{i}]\n"));
                write_value(out, item, depth + 1, style);
            }
        }
        Value::Object(map) => {
            let key_width = map.keys().map(|k| label(k).chars().count()).max().unwrap_or(0);
            for (key, v) in map {
                if is_scalar(v) || matches!(v, Value::Array(a) if a.iter().all(is_scalar) && !a.is_empty()) {
                    let text = match v {
                        Value::Array(items) => items.iter().map(|x| cell(x, style)).collect::<Vec<_>>().join(", "),
                        other => cell(other, style),
                    };
                    let line = format!("{pad}{:<key_width$}  {text}", label(key));
                    out.push_str(crate::table::truncate(line.trim_end(), style.width).as_str());
                    out.push('\n');
                } else {
                    out.push_str(&format!("{pad}{}:\n", label(key)));
                    write_value(out, v, depth + 1, style);
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", cell(other, style))),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn is_flat_object(v: &Value) -> bool {
    matches!(v, Value::Object(map) if map.values().all(|x| is_scalar(x) || is_flat_object(x)))
}

/// Flattens nested objects into dotted keys (`summary.p50`).
fn flatten(prefix: &str, v: &Value, into: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, into);
            }
        }
        other => into.push((prefix.to_string(), other.clone())),
    }
}

/// An array of flat objects as a table; nested keys are named by their last part when that is unambiguous.
pub fn table(rows: &[Value], indent: usize, style: &Style) -> String {
    let flat: Vec<Vec<(String, Value)>> = rows
        .iter()
        .map(|r| {
            let mut cells = Vec::new();
            flatten("", r, &mut cells);
            cells
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for row in &flat {
        for (k, _) in row {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let last = |c: &str| c.rsplit('.').next().unwrap_or(c).to_string();
    let headers: Vec<String> = columns
        .iter()
        .map(|c| {
            let unique = columns.iter().filter(|o| last(o) == last(c)).count() == 1;
            label(&if unique { last(c) } else { c.clone() })
        })
        .collect();
    let mut t = Table::new(headers).indented(indent);
    for row in &flat {
        t.row(
            columns.iter().map(|c| row.iter().find(|(k, _)| k == c).map(|(_, v)| cell(v, style)).unwrap_or_default()),
        );
    }
    t.render(style.width)
}

/// A JSON key as a column or line label: FMD's column names in words.
pub fn label(key: &str) -> String {
    match key {
        "time_requested" => "time".into(),
        "version_requested" => "version".into(),
        "group_by" => "user".into(),
        "status_code" => "status".into(),
        "duration" => "ms".into(),
        "endpoint_id" => "endpoint id".into(),
        "whisker_low" => "whisker lo".into(),
        "whisker_high" => "whisker hi".into(),
        "monitor_level" => "level".into(),
        other => clean(&other.replace('_', " ")),
    }
}

/// A scalar as a cell: instants in the zone, floats rounded, null as `-`.
pub fn cell(v: &Value, style: &Style) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => instant(s, style).unwrap_or_else(|| clean(s)),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format_float(f),
            _ => n.to_string(),
        },
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        other => clean(&other.to_string()),
    }
}

/// An RFC 3339 instant (how the JSON writes them) as `YYYY-MM-DD HH:MM:SS` in the zone.
pub fn instant(s: &str, style: &Style) -> Option<String> {
    if s.len() < 20 || s.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&style.tz).format("%Y-%m-%d %H:%M:%S").to_string())
}

/// A float with three decimals below 100, one above, none when whole.
pub fn format_float(f: f64) -> String {
    if f == f.trunc() && f.abs() < 1e15 {
        format!("{f:.0}")
    } else if f.abs() >= 100.0 {
        format!("{f:.1}")
    } else {
        format!("{f:.3}")
    }
}

/// The report as text: the endpoints with a significant change first, with the evidence.
pub fn report(report: &Report) -> String {
    let mut out = String::new();
    let changed: Vec<_> = report.summaries.iter().filter(|s| s.has_anything_significant).collect();
    out.push_str(&format!("{} of {} endpoints changed significantly\n", changed.len(), report.summaries.len()));
    for summary in report.summaries.iter() {
        let mark = if summary.has_anything_significant { "*" } else { " " };
        out.push_str(&format!("{mark} {}\n", clean(&summary.endpoint_name)));
        for answer in &summary.answers {
            match answer {
                Answer::MedianLatency(a) => {
                    let median = |m: Option<f64>| m.map_or_else(|| "-".into(), |v| format!("{v:.3} ms"));
                    let diff = a.percentual_diff.map_or_else(|| "-".into(), |d| format!("{d:+.1}%"));
                    let p = a.p_value.map_or_else(|| "not testable".into(), |p| format!("p = {p:.4}"));
                    out.push_str(&format!(
                        "    median {} vs {} ({diff}, {p}, n {} vs {}){}\n",
                        median(a.comparison_median),
                        median(a.compared_to_median),
                        a.comparison_count,
                        a.compared_to_count,
                        if a.is_significant { "  significant" } else { "" }
                    ));
                }
                Answer::StatusCodeDistribution(a) => {
                    let shares = a.percentages.as_ref().map_or_else(
                        || {
                            format!(
                                "too few requests (n {} vs {}, need 30 each)",
                                a.comparison_count, a.compared_to_count
                            )
                        },
                        |list| {
                            list.iter()
                                .map(|s| {
                                    let code = s.status_code.map_or_else(|| "none".to_string(), |c| c.to_string());
                                    format!("{code} {:.1}% vs {:.1}%", s.comparison_interval, s.compared_to_interval)
                                })
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    );
                    out.push_str(&format!(
                        "    status codes: {shares}{}\n",
                        if a.is_significant { "  significant" } else { "" }
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> Style {
        Style { width: 100, tz: Tz::UTC }
    }

    #[test]
    fn tables_and_nesting() {
        let v = serde_json::json!({"days": ["2026-11-26", "2026-11-27"], "rows": [{"user": "bob", "hits": 3}, {"user": "al\u{1b}[31m", "hits": 12}]});
        let text = render(&v, &style());
        assert!(text.contains("days  2026-11-26, 2026-11-27"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "  user          hits", "{text}");
        assert_eq!(lines[3], "  bob              3", "{text}");
        assert_eq!(lines[4], "  al\\u{1b}[31m    12", "escaped and aligned: {text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn instants_are_shown_in_the_zone() {
        let amsterdam = Style { width: 100, tz: "Europe/Amsterdam".parse().expect("tz") };
        assert_eq!(instant("2026-11-27T22:56:55.123456Z", &amsterdam).as_deref(), Some("2026-11-27 23:56:55"));
        assert_eq!(instant("2026-11-27", &amsterdam), None, "a date stays a date");
    }
}
