//! The text layout of the `fmd show` views with a shape of their own: day columns (hourly, daily), version
//! matrices, status codes, outliers, exceptions, graphs and profiled requests. Each reads the view's JSON (the
//! same value `--json` prints), so text and JSON cannot disagree.

use serde_json::Value;

use super::text::{cell, clean, format_float, label, Style};
use crate::table::{block, Table};

fn array(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// `2026-11-27` as `11-27` (the title line names the years).
fn short_day(day: &Value) -> String {
    let d = day.as_str().unwrap_or("");
    d.get(5..).unwrap_or(d).to_string()
}

fn total(values: &[Value]) -> String {
    values.iter().filter_map(Value::as_f64).sum::<f64>().to_string()
}

/// Rows with leading columns and one column per day, split into several tables when the days do not fit.
fn day_columns(lead: &[&str], days: &[String], rows: &[(Vec<String>, Vec<String>)], style: &Style) -> String {
    let lead_width: usize = (0..lead.len())
        .map(|c| rows.iter().map(|r| r.0[c].chars().count()).chain([lead[c].len()]).max().unwrap_or(0).min(40) + 2)
        .sum();
    let cell_width = rows.iter().flat_map(|r| r.1.iter().map(|c| c.chars().count())).chain([5]).max().unwrap_or(5) + 2;
    let fit = (style.width.saturating_sub(lead_width) / cell_width).max(1);
    let mut out = String::new();
    let chunks: Vec<std::ops::Range<usize>> =
        (0..days.len().max(1)).step_by(fit).map(|start| start..(start + fit).min(days.len())).collect();
    for (i, range) in chunks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let headers = lead.iter().map(|h| h.to_string()).chain(days[range.clone()].iter().cloned());
        let mut t = Table::new(headers);
        for (leading, values) in rows {
            t.row(leading.iter().cloned().chain(values[range.clone()].iter().cloned()));
        }
        out.push_str(&t.render(style.width));
    }
    out
}

fn days_title(what: &str, days: &[Value], style: &Style) -> String {
    let first = days.first().and_then(Value::as_str).unwrap_or("-");
    let last = days.last().and_then(Value::as_str).unwrap_or("-");
    format!("{what} per local day ({}), {first} to {last}\n", style.tz)
}

/// `fmd show hourly`: one row per local hour, one column per day, with the hour's total.
pub fn hourly(v: &Value, style: &Style) -> String {
    let days = array(&v["days"]);
    let headers: Vec<String> = days.iter().map(short_day).collect();
    let rows: Vec<(Vec<String>, Vec<String>)> = array(&v["data"])
        .iter()
        .enumerate()
        .map(|(hour, counts)| {
            let counts = array(counts);
            (vec![format!("{hour:02}:00"), total(counts)], counts.iter().map(|c| cell(c, style)).collect())
        })
        .collect();
    days_title("requests per hour", days, style).replacen(" per local day", "", 1)
        + &day_columns(&["hour", "total"], &headers, &rows, style)
}

/// `fmd show daily`: one row per endpoint, one column per day, with the endpoint's total.
pub fn daily(v: &Value, style: &Style) -> String {
    let days = array(&v["days"]);
    let headers: Vec<String> = days.iter().map(short_day).collect();
    let rows: Vec<(Vec<String>, Vec<String>)> = array(&v["data"])
        .iter()
        .map(|e| {
            let values = array(&e["values"]);
            (vec![clean(str_of(e, "name")), total(values)], values.iter().map(|c| cell(c, style)).collect())
        })
        .collect();
    if rows.is_empty() {
        return days_title("requests", days, style) + "(no endpoints)\n";
    }
    days_title("requests", days, style) + &day_columns(&["endpoint", "total"], &headers, &rows, style)
}

fn versions_table(versions: &[Value], style: &Style) -> String {
    let mut t = Table::new(["version", "first used"]);
    for v in versions {
        t.row([clean(str_of(v, "version")), cell(&v["date"], style)]);
    }
    if t.is_empty() {
        return "(no versions)\n".into();
    }
    t.render(style.width)
}

/// `fmd show versions`: versions with their first use, then each endpoint's hits per version (or, with
/// `--endpoint`, the duration summary per version).
pub fn versions(v: &Value, style: &Style) -> String {
    let mut out = versions_table(array(&v["versions"]), style);
    if let Some(perf) = v.get("performance") {
        out.push_str("\nduration per version (ms)\n");
        let rows =
            array(perf).iter().map(|p| (vec![cell(&p["version"], style), cell(&p["date"], style)], &p["summary"]));
        out.push_str(&summary_table(&["version", "first used"], rows, style));
    }
    if let Some(multi) = v.get("multi_version") {
        let names: Vec<String> = array(&multi["versions"]).iter().map(|x| clean(str_of(x, "version"))).collect();
        let counts = array(&multi["counts"]);
        let shares = array(&multi["share"]);
        let rows: Vec<(Vec<String>, Vec<String>)> = array(&multi["endpoints"])
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let cells = array(counts.get(i).unwrap_or(&Value::Null))
                    .iter()
                    .zip(array(shares.get(i).unwrap_or(&Value::Null)))
                    .map(|(n, share)| match share.as_f64() {
                        Some(s) if n.as_u64().unwrap_or(0) > 0 => format!("{} ({:.0}%)", cell(n, style), s * 100.0),
                        _ => cell(n, style),
                    })
                    .collect();
                (vec![clean(str_of(e, "name"))], cells)
            })
            .collect();
        out.push_str("\nhits per endpoint and version (share of the endpoint's hits)\n");
        out.push_str(&day_columns(&["endpoint"], &names, &rows, style));
    }
    out
}

/// `fmd show user-versions` / `ip-versions`: median ms per user (or IP) and version.
pub fn matrix(v: &Value, style: &Style) -> String {
    let names: Vec<String> = array(&v["versions"]).iter().map(|x| clean(str_of(x, "version"))).collect();
    let data = array(&v["data"]);
    let rows: Vec<(Vec<String>, Vec<String>)> = array(&v["groups"])
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let medians = array(data.get(i).unwrap_or(&Value::Null)).iter().map(|m| cell(m, style)).collect();
            (vec![cell(&g["name"], style), cell(&g["hits"], style)], medians)
        })
        .collect();
    if rows.is_empty() {
        return "(no requests)\n".into();
    }
    "median ms per version\n".to_string() + &day_columns(&["name", "hits"], &names, &rows, style)
}

/// Status codes of one endpoint: a table of codes, then its latest error requests.
fn status_of(v: &Value, style: &Style, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut t = Table::new(["status", "requests", "share"]).indented(indent);
    if let Some(counts) = v["counts"].as_object() {
        for (code, n) in counts {
            let share = v["distribution"][code].as_f64().map_or_else(|| "-".into(), |s| format!("{:.1}%", s * 100.0));
            t.row([clean(code), cell(n, style), share]);
        }
    }
    let mut out = if t.is_empty() { format!("{pad}(no requests)\n") } else { t.render(style.width) };
    let errors = array(&v["error_requests"]);
    out.push_str(&format!("{pad}{} error requests (4xx, 5xx)", cell(&v["total_errors"], style)));
    if errors.is_empty() {
        out.push('\n');
    } else {
        out.push_str(&format!(", the latest {}:\n", errors.len()));
        out.push_str(&requests_table(errors, indent + 2, style));
    }
    out
}

/// Request rows with the columns a person reads first.
fn requests_table(rows: &[Value], indent: usize, style: &Style) -> String {
    let mut t = Table::new(["id", "time", "ms", "status", "version", "user", "ip"]).indented(indent);
    for r in rows {
        t.row(
            ["id", "time_requested", "duration", "status_code", "version_requested", "group_by", "ip"]
                .map(|k| cell(&r[k], style)),
        );
    }
    t.render(style.width)
}

/// `fmd show status-codes`: with `--endpoint` one endpoint, else every endpoint in turn.
pub fn status_codes(v: &Value, style: &Style) -> String {
    match v {
        Value::Array(all) if all.is_empty() => "(no requests)\n".into(),
        Value::Array(all) => all
            .iter()
            .map(|e| format!("{}\n{}", clean(str_of(e, "endpoint")), status_of(e, style, 2)))
            .collect::<Vec<_>>()
            .join("\n"),
        one => status_of(one, style, 0),
    }
}

/// `fmd show requests`: the endpoint's requests, newest first.
pub fn requests(v: &Value, style: &Style) -> String {
    if array(v).is_empty() {
        return "(no requests)\n".into();
    }
    requests_table(array(v), 0, style)
}

/// `fmd show outliers`: one row per outlier; the stack, headers and environment are in the detail form.
pub fn outliers(v: &Value, endpoint: &str, style: &Style) -> String {
    let rows = array(&v["outlier_table"]);
    let mut out = format!("{} outliers", cell(&v["num_outliers"], style));
    if rows.is_empty() {
        return out + "\n";
    }
    out.push_str(&format!(", newest first ({} shown)\n", rows.len()));
    let mut t = Table::new(["request", "time", "ms", "status", "user", "cpu %", "url"]);
    for o in rows {
        let r = &o["request"];
        t.row([
            cell(&r["id"], style),
            cell(&r["time_requested"], style),
            cell(&r["duration"], style),
            cell(&r["status_code"], style),
            cell(&r["group_by"], style),
            cell(&o["cpu_percent"], style),
            cell(&o["request_url"], style),
        ]);
    }
    out.push_str(&t.render(style.width));
    let hint =
        format!("stack, headers and environment: fmd show outliers --endpoint {} --request ID", shell_word(endpoint));
    out.push_str(&block(&hint, 0, style.width));
    out
}

/// One outlier in full: its request, then the stack, headers and environment as wrapped blocks.
pub fn outlier_detail(o: &Value, style: &Style) -> String {
    let r = &o["request"];
    let mut out = format!("outlier {} of request {}\n", cell(&o["id"], style), cell(&r["id"], style));
    for (key, title) in [
        ("time_requested", "time"),
        ("duration", "ms"),
        ("status_code", "status"),
        ("version_requested", "version"),
        ("group_by", "user"),
        ("ip", "ip"),
    ] {
        out.push_str(&crate::table::truncate(&format!("  {title:<8} {}", cell(&r[key], style)), style.width));
        out.push('\n');
    }
    for (key, title) in [
        ("request_url", "url"),
        ("cpu_percent", "cpu % per core"),
        ("memory", "memory"),
        ("stacktrace", "stack"),
        ("request_header", "headers"),
        ("request_environment", "environment"),
    ] {
        // FMD separates a stack's frames with `<br />` (its web UI shows the text as HTML).
        let text = o[key].as_str().unwrap_or("").replace("<br />", "\n");
        let text = text.as_str();
        out.push_str(&format!("\n{title}:\n"));
        out.push_str(&if text.trim().is_empty() { "    (none)\n".to_string() } else { block(text, 4, style.width) });
    }
    out
}

/// The frame's own line of its function's code (`code` holds the whole definition from its first line).
fn frame_line(frame: &Value) -> String {
    let code = frame["code"].as_str().unwrap_or("");
    let (start, line) = (frame["function_start_line_number"].as_i64(), frame["line_number"].as_i64());
    let own = match (start, line) {
        (Some(s), Some(l)) if l >= s => code.lines().nth(usize::try_from(l - s).unwrap_or(usize::MAX)),
        _ => None,
    };
    own.or_else(|| code.lines().find(|l| !l.trim().is_empty())).unwrap_or("").trim().to_string()
}

/// `fmd show exceptions`: one row per group, its stack (outermost first) wrapped under it.
pub fn exceptions(v: &Value, style: &Style) -> String {
    let groups = array(v);
    if groups.is_empty() {
        return "(no exceptions)\n".into();
    }
    let mut t = Table::new(["last", "count", "endpoint", "type", "message"]);
    for g in groups {
        let mut stack = format!(
            "first {} · latest request {}\n",
            cell(&g["first_timestamp"], style),
            cell(&g["example_request_id"], style)
        );
        let message = g["message"].as_str().unwrap_or("");
        if message.chars().count() > 40 || message.contains('\n') {
            stack.push_str(&format!("message: {message}\n"));
        }
        for frame in array(&g["stack_trace_snapshot"]) {
            let function = frame["function_name"].as_str().unwrap_or("?");
            stack.push_str(&format!(
                "{}:{} in {function}\n",
                str_of(frame, "file_path"),
                cell(&frame["line_number"], style)
            ));
            let own = frame_line(frame);
            if !own.is_empty() {
                stack.push_str(&format!("    {own}\n"));
            }
        }
        let captured = if g["user_captured"].as_bool() == Some(true) { " (captured)" } else { "" };
        t.row_with_detail(
            [
                cell(&g["latest_timestamp"], style),
                cell(&g["count"], style),
                cell(&g["endpoint"], style),
                format!("{}{captured}", cell(&g["type"], style)),
                cell(&g["message"], style),
            ],
            block(&stack, 4, style.width),
        );
    }
    t.render(style.width)
}

/// `fmd show graphs`: each custom graph with its values in the window.
pub fn graphs(v: &Value, style: &Style) -> String {
    let graphs = array(v);
    if graphs.is_empty() {
        return "(no custom graphs)\n".into();
    }
    let mut out = String::new();
    for g in graphs {
        let values = array(&g["values"]);
        out.push_str(&format!(
            "{} (graph {}, added {}, version {}): {} values\n",
            cell(&g["title"], style),
            cell(&g["graph_id"], style),
            cell(&g["time_added"], style),
            cell(&g["version_added"], style),
            values.len()
        ));
        let mut t = Table::new(["time", "value"]).indented(2);
        for x in values {
            t.row([cell(&x["time"], style), cell(&x["value"], style)]);
        }
        if !t.is_empty() {
            out.push_str(&t.render(style.width));
        }
    }
    out
}

/// `fmd show profiler` without `--request`: the profiled requests, newest first.
pub fn profiled(v: &Value, endpoint: &str, style: &Style) -> String {
    let rows = array(&v["profiled_requests"]);
    let mut out = format!("{} profiled requests", cell(&v["num_profiled"], style));
    if rows.is_empty() {
        return out + "\n";
    }
    out.push_str(&format!(", newest first ({} shown)\n", rows.len()));
    let mut t = Table::new(["request", "time", "ms", "status", "version", "user", "stack lines"]);
    for r in rows {
        t.row(
            ["id", "time_requested", "duration", "status_code", "version_requested", "group_by", "stack_lines"]
                .map(|k| cell(&r[k], style)),
        );
    }
    out.push_str(&t.render(style.width));
    let hint = format!("call tree: fmd show profiler --endpoint {} --request ID", shell_word(endpoint));
    out.push_str(&block(&hint, 0, style.width));
    out
}

/// Rows of leading cells and a duration summary: count, mean and the percentiles in ms (the whiskers are in
/// the JSON).
fn summary_table<'a>(lead: &[&str], rows: impl Iterator<Item = (Vec<String>, &'a Value)>, style: &Style) -> String {
    const KEYS: [&str; 8] = ["count", "mean", "min", "p25", "p50", "p75", "p95", "max"];
    let mut t = Table::new(lead.iter().copied().chain(KEYS));
    for (cells, summary) in rows {
        t.row(cells.into_iter().chain(KEYS.iter().map(|k| cell(&summary[*k], style))));
    }
    if t.is_empty() {
        return "(no requests)\n".into();
    }
    t.render(style.width)
}

/// `fmd show api-performance`: each endpoint's duration summary, busiest first.
pub fn summaries(v: &Value, style: &Style) -> String {
    let rows = array(v).iter().map(|e| (vec![cell(&e["name"], style)], &e["summary"]));
    "duration (ms)\n".to_string() + &summary_table(&["endpoint"], rows, style)
}

/// The endpoint summary's keys that hold a duration in milliseconds.
const DURATION_KEYS: [&str; 5] = ["median", "p95", "p99", "mean", "max"];

/// `fmd show endpoint`: aligned `key  value` lines, durations with their unit.
pub fn endpoint(v: &Value, style: &Style) -> String {
    let Some(map) = v.as_object() else { return super::text::render(v, style) };
    let width = map.keys().map(|k| label(k).chars().count()).max().unwrap_or(0);
    map.iter()
        .map(|(k, x)| {
            let text = match x {
                Value::Number(n) if n.is_f64() && DURATION_KEYS.contains(&k.as_str()) => {
                    format!("{} ms", format_float(n.as_f64().unwrap_or(0.0)))
                }
                other => cell(other, style),
            };
            format!("{:<width$}  {text}\n", label(k))
        })
        .collect()
}

/// A name quoted for a shell when it holds anything but plain characters.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/_-.".contains(c)) {
        clean(s)
    } else {
        format!("'{}'", clean(&s.replace('\'', "'\\''")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_days_are_split_into_tables_that_fit() {
        let style = Style { width: 40, tz: chrono_tz::Tz::UTC };
        let days: Vec<String> = (1..=10).map(|d| format!("11-{d:02}")).collect();
        let rows = vec![(vec!["search".to_string(), "55".to_string()], (1..=10).map(|d| d.to_string()).collect())];
        let text = day_columns(&["endpoint", "total"], &days, &rows, &style);
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        assert!(text.contains("11-01") && text.contains("11-10"), "every day shown: {text}");
        assert_eq!(text.matches("endpoint").count(), 4, "four tables of at most 3 days: {text}");
    }

    #[test]
    fn names_are_quoted_for_the_shell_when_needed() {
        assert_eq!(shell_word("/users/{id}"), "'/users/{id}'");
        assert_eq!(shell_word("search"), "search");
    }
}
