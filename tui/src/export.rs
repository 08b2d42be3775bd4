//! `e`: the view on screen written to a file, as CSV (`c`) or JSON (`j`), in the directory the console was
//! started in: `fmd-export-<tab>-<endpoint>-<UTC time>.<csv|json>`, named in the message line.
//!
//! The JSON is the view's own serializer (the store's types, as `fmd show VIEW --json` prints them, pretty,
//! with the same keys): the Requests tab equals `fmd show requests --endpoint E --json` for the same window,
//! filter and number of rows. The CSV is the same value flattened: one line per element of a list (or one line
//! for an object), nested objects as `outer.inner` columns, nested lists as JSON text.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::app::{App, Screen};
use crate::views::ViewData;

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, a heading line first.
    Csv,
    /// Pretty JSON.
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// The data on screen: the request detail when open, the Requests list (also under it), else the tab's view.
fn data(app: &App) -> Option<&ViewData> {
    if app.on_tab(crate::nav::EndpointTab::Requests) && !app.request_open() {
        return app.request_list().map(|c| &c.data);
    }
    app.view().map(|c| &c.data)
}

/// Whether the tab on screen can be exported (cheap: the footer asks on every draw).
pub fn exportable(app: &App) -> bool {
    json_of(data(app), false).is_some()
}

/// The JSON of the data on screen (the dashboard layer's answer), `None` where nothing is on screen (the
/// overview, whose rows the table holds, or a view still loading).
pub fn json(app: &App) -> Option<Value> {
    json_of(data(app), true)
}

/// The JSON of `data` (`Value::Null` when `serialise` is false, only to say that there is one).
fn json_of(data: Option<&ViewData>, serialise: bool) -> Option<Value> {
    fn to<T: serde::Serialize>(value: &T, serialise: bool) -> Option<Value> {
        if serialise {
            // The store's types always serialise; `None` if one did not.
            serde_json::to_value(value).ok()
        } else {
            Some(Value::Null)
        }
    }
    let s = serialise;
    match data? {
        // The rows people look at, as `fmd show` prints them: FMD's grouped rows, the outliers' and profiled
        // requests' tables (their counts are in the title).
        ViewData::Grouped(g) => to(&g.lines, s),
        ViewData::Outliers(o) => to(&o.rows, s),
        ViewData::Profiler(p) => to(&p.rows, s),
        ViewData::CallTree(Some(tree)) => to(tree, s),
        ViewData::RequestDetail(Some(detail)) => to(detail, s),
        ViewData::CallTree(None) | ViewData::RequestDetail(None) => None,
        // Every other view: the dashboard layer's answer as it serialises.
        other => to(other, s),
    }
}

/// `value` as CSV text.
pub fn csv(value: &Value) -> Result<String, String> {
    let rows: Vec<Map<String, Value>> = match value {
        Value::Array(items) => items.iter().map(flatten).collect(),
        other => vec![flatten(other)],
    };
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| format!("CSV: {e}");
    out.write_record(&columns).map_err(fail)?;
    for row in &rows {
        let cells = columns.iter().map(|c| match row.get(c) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        });
        out.write_record(cells).map_err(fail)?;
    }
    let bytes = out.into_inner().map_err(|e| format!("CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("CSV: {e}"))
}

/// An element as one CSV row: nested objects' keys joined with `.`, lists kept as JSON text; a value that is
/// not an object is one column, `value`.
fn flatten(value: &Value) -> Map<String, Value> {
    fn walk(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(&key, v, out);
                }
            }
            other => {
                let key = if prefix.is_empty() { "value".to_string() } else { prefix.to_string() };
                out.insert(key, other.clone());
            }
        }
    }
    let mut out = Map::new();
    walk("", value, &mut out);
    out
}

/// The file name for the view on screen: `fmd-export-requests-api_orders-20261127T225655Z.csv`.
pub fn file_name(app: &App, format: Format) -> String {
    let tab = match app.screen {
        Screen::Dashboard => app.dash_tab.name().to_string(),
        Screen::Endpoint(_) if app.request_open() => "request".to_string(),
        Screen::Endpoint(_) => app.endpoint_tab.name().to_string(),
    };
    let endpoint = match app.screen {
        Screen::Endpoint(id) => app.table.row(id).map_or_else(|| format!("{id}"), |r| r.name.clone()),
        Screen::Dashboard => "all".to_string(),
    };
    let safe = |s: &str| {
        let s: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
        s.trim_matches('_').chars().take(60).collect::<String>()
    };
    let when = app.now().format("%Y%m%dT%H%M%SZ");
    format!("fmd-export-{}-{}-{when}.{}", safe(&tab.to_lowercase()), safe(&endpoint), format.extension())
}

/// Writes the view on screen as `format` into `dir`; returns the file written and how many rows it holds.
pub fn write(app: &App, format: Format, dir: &Path) -> Result<(PathBuf, usize), String> {
    let value = json(app).ok_or_else(|| "nothing to export on this tab".to_string())?;
    let rows = match &value {
        Value::Array(items) => items.len(),
        _ => 1,
    };
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&value).map_err(|e| format!("JSON: {e}"))? + "\n",
        Format::Csv => csv(&value)?,
    };
    let path = dir.join(file_name(app, format));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((path, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_flattens_objects_and_quotes_what_needs_it() {
        let value = json!([
            {"id": 1, "user": "a,b", "summary": {"count": 2, "p50": 1.5}, "codes": [200, 404]},
            {"id": 2, "user": "say \"hi\"", "summary": null, "extra": true}
        ]);
        let text = csv(&value).expect("csv");
        assert_eq!(
            text,
            "id,user,summary.count,summary.p50,codes,summary,extra\n1,\"a,b\",2,1.5,\"[200,404]\",,\n2,\"say \"\"hi\"\"\",,,,,true\n"
        );
        assert_eq!(csv(&json!({"hits": 3})).expect("csv"), "hits\n3\n");
    }
}
