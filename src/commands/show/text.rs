//! Aligned text for `fmd show` without `--json`: arrays of flat objects become tables, objects become
//! `key: value` lines, nested values are indented. Database strings are printed with control characters
//! escaped, so a hostile value cannot drive the terminal.

use fmd_core::report::{Answer, Report};
use serde_json::Value;

/// Renders any JSON value as readable text.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

fn indent(out: &mut String, depth: usize) {
    out.push_str(&"  ".repeat(depth));
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Array(items) if items.is_empty() => {
            indent(out, depth);
            out.push_str("(none)\n");
        }
        Value::Array(items) if items.iter().all(is_flat_object) => write_table(out, items, depth),
        Value::Array(items) if items.iter().all(is_scalar_array) => {
            let rows: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let mut map = serde_json::Map::new();
                    map.insert("#".into(), Value::from(i));
                    if let Value::Array(cells) = row {
                        for (c, cell) in cells.iter().enumerate() {
                            map.insert(c.to_string(), cell.clone());
                        }
                    }
                    Value::Object(map)
                })
                .collect();
            write_table(out, &rows, depth);
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                indent(out, depth);
                out.push_str(&format!("[{i}]\n"));
                write_value(out, item, depth + 1);
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                indent(out, depth);
                if is_scalar(v) || is_scalar_array(v) {
                    out.push_str(&format!("{}: {}\n", clean(key), scalar(v)));
                } else {
                    out.push_str(&format!("{}:\n", clean(key)));
                    write_value(out, v, depth + 1);
                }
            }
        }
        other => {
            indent(out, depth);
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn is_scalar_array(v: &Value) -> bool {
    matches!(v, Value::Array(items) if items.iter().all(is_scalar))
}

fn is_flat_object(v: &Value) -> bool {
    matches!(v, Value::Object(map) if map.values().all(|x| is_scalar(x) || is_flat_object(x)))
}

/// Flattens nested objects into dotted keys (`summary.p50`).
fn flatten(prefix: &str, v: &Value, into: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, into);
            }
        }
        other => into.push((prefix.to_string(), scalar(other))),
    }
}

fn write_table(out: &mut String, rows: &[Value], depth: usize) {
    let flat: Vec<Vec<(String, String)>> = rows
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
    let cell = |row: &Vec<(String, String)>, col: &str| {
        row.iter().find(|(k, _)| k == col).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| {
            flat.iter()
                .map(|r| cell(r, c).chars().count())
                .max()
                .unwrap_or(0)
                .max(c.chars().count())
                .min(usize::from(u16::MAX))
        })
        .collect();
    let line = |cells: Vec<String>| {
        let mut s = "  ".repeat(depth);
        for (i, (text, w)) in cells.iter().zip(&widths).enumerate() {
            let numeric = text.parse::<f64>().is_ok();
            if i > 0 {
                s.push_str("  ");
            }
            if numeric {
                s.push_str(&format!("{text:>w$}"));
            } else {
                s.push_str(&format!("{text:<w$}"));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(columns.iter().map(|c| clean(c)).collect()));
    for row in &flat {
        out.push_str(&line(columns.iter().map(|c| cell(row, c)).collect()));
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => clean(s),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format_float(f),
            _ => n.to_string(),
        },
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn format_float(f: f64) -> String {
    if f == f.trunc() && f.abs() < 1e15 {
        format!("{f:.0}")
    } else if f.abs() >= 100.0 {
        format!("{f:.1}")
    } else {
        format!("{f:.3}")
    }
}

/// Escapes control characters (and only those), so text from the database cannot move the cursor or
/// change colours.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
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

    #[test]
    fn tables_and_nesting() {
        let v = serde_json::json!({"days": ["2026-11-26", "2026-11-27"], "rows": [{"user": "bob", "hits": 3}, {"user": "al\u{1b}[31m", "hits": 12}]});
        let text = render(&v);
        assert!(text.contains("days: 2026-11-26, 2026-11-27"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "  user          hits", "{text}");
        assert_eq!(lines[3], "  bob              3", "{text}");
        assert_eq!(lines[4], "  al\\u{1b}[31m    12", "escaped and aligned: {text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn matrices_get_row_numbers() {
        let text = render(&serde_json::json!([[1, 2], [3, 40]]));
        assert_eq!(text, "#  0   1\n0  1   2\n1  3  40\n");
    }
}
