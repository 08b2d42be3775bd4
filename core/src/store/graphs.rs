//! FMD's custom graphs: `{p}CustomGraph` (one row per title, created once, with the time and version it was
//! added) and `{p}CustomGraphData` (one row per value: `graph_id`, `time` in FMD's naive-UTC text, `value`).
//!
//! The recorder writes them ([`Store::ensure_graph`], [`Store::add_graph_value`]: one short autocommit
//! statement each); the console and `fmd show graphs` read them ([`Store::graphs`], [`Store::graph_values`],
//! and [`Store::graph_series`], which buckets a long series in SQL so a graph sampled every second for months
//! still draws at once). Every read is lenient like the rest of the store: a row with a non-numeric value or
//! an unparsable time is skipped, never an error; a file without the tables (not written by FMD 5.x) simply
//! has no graphs.
//!
//! JSON uses FMD's keys (`row2dict`): graphs `{graph_id, title, time_added, version_added}`, values
//! `{id, graph_id, time, value}`, instants as RFC 3339 UTC like every other view.

use chrono::{DateTime, Duration, Utc};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::views::ser;
use super::{schema, Store, StoreError, TimeRange};
use crate::timefmt;

/// Longest title FMD's `CustomGraph.title VARCHAR(250)` holds.
pub const MAX_GRAPH_TITLE: usize = 250;

/// One `CustomGraph` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomGraph {
    /// `graph_id`.
    pub graph_id: i64,
    /// `title` (lossy text).
    pub title: String,
    /// `time_added` (`None` when NULL or unparsable).
    #[serde(serialize_with = "ser::opt_time")]
    pub time_added: Option<DateTime<Utc>>,
    /// `version_added` (`None` when NULL).
    pub version_added: Option<String>,
}

/// One `CustomGraphData` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomGraphValue {
    /// `id`.
    pub id: i64,
    /// `graph_id`.
    pub graph_id: i64,
    /// `time`.
    #[serde(serialize_with = "time_ser")]
    pub time: DateTime<Utc>,
    /// `value`.
    pub value: f64,
}

/// The values of one bucket of a [`GraphSeries`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GraphPoint {
    /// The middle of the bucket.
    #[serde(serialize_with = "time_ser")]
    pub time: DateTime<Utc>,
    /// Smallest value in the bucket.
    pub min: f64,
    /// Largest value in the bucket.
    pub max: f64,
    /// Mean of the bucket's values.
    pub mean: f64,
    /// Values in the bucket.
    pub count: u64,
}

/// A graph's values over a window, bucketed for drawing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphSeries {
    /// The graph.
    pub graph: CustomGraph,
    /// Start of the x axis (the window's start, or the first value's time for an open start).
    #[serde(serialize_with = "time_ser")]
    pub from: DateTime<Utc>,
    /// End of the x axis (the window's end, or `now` for an open end).
    #[serde(serialize_with = "time_ser")]
    pub to: DateTime<Utc>,
    /// Values in the window.
    pub count: u64,
    /// Smallest value in the window.
    pub min: Option<f64>,
    /// Largest value in the window.
    pub max: Option<f64>,
    /// The value stored last in the window (recorders store in time order).
    pub last: Option<CustomGraphValue>,
    /// Non-empty buckets, oldest first.
    pub points: Vec<GraphPoint>,
}

/// Quoted `CustomGraph` and `CustomGraphData` names for the store's prefix.
fn names(store: &Store) -> (String, String) {
    let prefix = store.tables.prefix();
    (format!("\"{prefix}CustomGraph\""), format!("\"{prefix}CustomGraphData\""))
}

fn has_tables(store: &Store) -> rusqlite::Result<bool> {
    let prefix = store.tables.prefix();
    Ok(schema::table_exists(&store.conn, &format!("{prefix}CustomGraph"))?
        && schema::table_exists(&store.conn, &format!("{prefix}CustomGraphData"))?)
}

fn integer(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}

fn real(value: ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Real(f) if f.is_finite() => Some(f),
        _ => None,
    }
}

fn text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

fn time(value: ValueRef<'_>) -> Option<DateTime<Utc>> {
    match value {
        ValueRef::Text(b) => std::str::from_utf8(b).ok().and_then(timefmt::parse_fmd),
        _ => None,
    }
}

fn graph_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<CustomGraph>> {
    let Some(graph_id) = integer(r.get_ref(0)?) else { return Ok(None) };
    Ok(Some(CustomGraph {
        graph_id,
        title: text(r.get_ref(1)?).unwrap_or_default(),
        time_added: time(r.get_ref(2)?),
        version_added: text(r.get_ref(3)?),
    }))
}

fn value_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<CustomGraphValue>> {
    let (Some(id), Some(graph_id), Some(time), Some(value)) =
        (integer(r.get_ref(0)?), integer(r.get_ref(1)?), time(r.get_ref(2)?), real(r.get_ref(3)?))
    else {
        return Ok(None);
    };
    Ok(Some(CustomGraphValue { id, graph_id, time, value }))
}

/// `time` conditions for `range` (as FMD text, so comparisons are FMD's string comparisons), numbered from
/// parameter `?first` on, with their values.
fn time_filter(range: &TimeRange, first: usize) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    for (bound, op) in [(range.from, ">="), (range.to, "<")] {
        if let Some(t) = bound {
            sql.push_str(&format!(" AND time {op} ?{}", first + values.len()));
            values.push(Value::Text(timefmt::format_utc(t)));
        }
    }
    (sql, values)
}

fn time_ser<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ser::rfc3339(t))
}

impl Store {
    /// Returns the id of the graph titled `title`, creating its `CustomGraph` row (with the current time and
    /// `version`) the first time; later calls leave the row as it is, as FMD does.
    pub fn ensure_graph(&self, title: &str, version: &str) -> Result<i64, StoreError> {
        let (graph, _) = names(self);
        let run = || -> rusqlite::Result<i64> {
            self.conn.execute(
                &format!("INSERT OR IGNORE INTO {graph} (title, time_added, version_added) VALUES (?1, ?2, ?3)"),
                params![title, timefmt::format_utc(Utc::now()), version],
            )?;
            self.conn.query_row(&format!("SELECT graph_id FROM {graph} WHERE title = ?1"), [title], |r| r.get(0))
        };
        run().map_err(|e| self.wrap(e))
    }

    /// Stores one value of graph `graph_id` taken at `time` (one short autocommit statement).
    pub fn add_graph_value(&self, graph_id: i64, time: DateTime<Utc>, value: f64) -> Result<(), StoreError> {
        let (_, data) = names(self);
        self.conn
            .execute(
                &format!("INSERT INTO {data} (graph_id, time, value) VALUES (?1, ?2, ?3)"),
                params![graph_id, timefmt::format_utc(time), value],
            )
            .map(|_| ())
            .map_err(|e| self.wrap(e))
    }

    /// Every graph, by id (FMD's `/api/custom_graphs`).
    pub fn graphs(&self) -> Result<Vec<CustomGraph>, StoreError> {
        let run = || -> rusqlite::Result<Vec<CustomGraph>> {
            if !has_tables(self)? {
                return Ok(Vec::new());
            }
            let (graph, _) = names(self);
            let mut stmt = self.conn.prepare(&format!(
                "SELECT graph_id, title, time_added, version_added FROM {graph} ORDER BY graph_id"
            ))?;
            let rows = stmt.query_map([], graph_row)?;
            let mut out = Vec::new();
            for row in rows {
                out.extend(row?);
            }
            Ok(out)
        };
        run().map_err(|e| self.wrap(e))
    }

    /// The values of graph `graph_id` with `time` in `range`, oldest first (FMD's `/api/custom_graph`).
    pub fn graph_values(&self, graph_id: i64, range: TimeRange) -> Result<Vec<CustomGraphValue>, StoreError> {
        let run = || -> rusqlite::Result<Vec<CustomGraphValue>> {
            if !has_tables(self)? {
                return Ok(Vec::new());
            }
            let (_, data) = names(self);
            let (filter, mut values) = time_filter(&range, 2);
            values.insert(0, Value::Integer(graph_id));
            let mut stmt = self.conn.prepare(&format!(
                "SELECT id, graph_id, time, value FROM {data} WHERE graph_id = ?1{filter} ORDER BY time, id"
            ))?;
            let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), value_row)?;
            let mut out = Vec::new();
            for row in rows {
                out.extend(row?);
            }
            Ok(out)
        };
        run().map_err(|e| self.wrap(e))
    }

    /// Graph `graph.graph_id`'s values in `range`, in at most `buckets` equal time buckets between the window's
    /// start (or the first value) and its end (or `now`; later values count into the last bucket), with the
    /// window's count, minimum, maximum and the value stored last. Buckets without values are left out. One scan
    /// of `CustomGraphData` (two for an open start), so a live console can redraw it every second.
    pub fn graph_series(
        &self,
        graph: &CustomGraph,
        range: TimeRange,
        buckets: usize,
        now: DateTime<Utc>,
    ) -> Result<GraphSeries, StoreError> {
        let run = || -> rusqlite::Result<GraphSeries> {
            let mut series = GraphSeries {
                graph: graph.clone(),
                from: range.from.unwrap_or(now),
                to: range.to.unwrap_or(now),
                count: 0,
                min: None,
                max: None,
                last: None,
                points: Vec::new(),
            };
            if !has_tables(self)? {
                return Ok(series);
            }
            let (_, data) = names(self);
            let numeric = "typeof(value) IN ('integer', 'real') AND julianday(time) IS NOT NULL";
            let (filter, mut values) = time_filter(&range, 2);
            values.insert(0, Value::Integer(graph.graph_id));
            if range.from.is_none() {
                // An open window starts at the graph's first value (the only extra scan, and only here).
                let first: Option<String> = self.conn.query_row(
                    &format!("SELECT min(time) FROM {data} WHERE graph_id = ?1{filter} AND {numeric}"),
                    rusqlite::params_from_iter(values.iter()),
                    |r| Ok(text(r.get_ref(0)?)),
                )?;
                match first.as_deref().and_then(timefmt::parse_fmd) {
                    Some(first) => series.from = first.min(series.to),
                    None => return Ok(series),
                }
            }
            // Buckets in whole milliseconds (julianday's precision is about 50 µs), so values on a boundary
            // always fall into the same bucket.
            let span_ms = (series.to - series.from).num_milliseconds().max(1);
            let width_ms = (span_ms + buckets.max(1) as i64 - 1) / buckets.max(1) as i64;
            let (bucket_filter, mut bucketed) = time_filter(&range, 4);
            bucketed.splice(
                0..0,
                [
                    Value::Text(timefmt::format_utc(series.from)),
                    Value::Integer(width_ms),
                    Value::Integer(graph.graph_id),
                ],
            );
            let mut stmt = self.conn.prepare(&format!(
                "SELECT CAST(round((julianday(time) - julianday(?1)) * 86400000.0) AS INTEGER) / ?2 AS b, \
                 min(value), max(value), avg(value), count(*) FROM {data} \
                 WHERE graph_id = ?3{bucket_filter} AND {numeric} GROUP BY b ORDER BY b"
            ))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(bucketed.iter()))?;
            while let Some(row) = rows.next()? {
                let (Some(b), Some(min), Some(max), Some(mean)) =
                    (integer(row.get_ref(0)?), real(row.get_ref(1)?), real(row.get_ref(2)?), real(row.get_ref(3)?))
                else {
                    continue;
                };
                let b = b.clamp(0, buckets.max(1) as i64 - 1);
                let time = series.from + Duration::milliseconds(b * width_ms + width_ms / 2);
                let count = row.get::<_, i64>(4)?.max(0) as u64;
                series.count += count;
                series.min = Some(series.min.map_or(min, |m| m.min(min)));
                series.max = Some(series.max.map_or(max, |m| m.max(max)));
                match series.points.last_mut() {
                    // Values at the very end of the window fall into the last bucket.
                    Some(p) if p.time == time => {
                        p.mean = (p.mean * p.count as f64 + mean * count as f64) / (p.count + count) as f64;
                        p.min = p.min.min(min);
                        p.max = p.max.max(max);
                        p.count += count;
                    }
                    _ => series.points.push(GraphPoint { time, min, max, mean, count }),
                }
            }
            drop(rows);
            if series.count > 0 {
                // The value stored last: recorders append in time order, so scanning back from the newest row
                // finds it at once (the table has no index on graph_id or time).
                series.last = self
                    .conn
                    .query_row(
                        &format!(
                            "SELECT id, graph_id, time, value FROM {data} WHERE graph_id = ?1{filter} AND {numeric} \
                             ORDER BY id DESC LIMIT 1"
                        ),
                        rusqlite::params_from_iter(values.iter()),
                        value_row,
                    )
                    .optional()?
                    .flatten();
            }
            Ok(series)
        };
        run().map_err(|e| self.wrap(e))
    }
}
