//! FMD's custom graphs on PostgreSQL (`{p}CustomGraph`, `{p}CustomGraphData`): the graphs, a graph's values
//! and a graph's series bucketed for drawing, as `fmd_core`'s SQLite store answers them. A database without
//! the tables has no graphs.
//!
//! The series buckets values by whole milliseconds the way SQLite's `julianday` counts them: a time's
//! milliseconds are `trunc(seconds * 1000 + 0.5)` with the seconds as the double SQLite parses from FMD's
//! text (`SS + ffffff / 1e6`), so values on a half millisecond fall into the same bucket on both backends.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Timelike, Utc};
use fmd_core::store::{CustomGraph, CustomGraphValue, GraphPoint, GraphSeries, TimeRange};
use fmd_core::StoreError;
use postgres::{GenericClient, Row};

use super::bind::{count, instant, naive, usable, Bind};
use crate::{schema, PgStore};

/// Values the SQLite views aggregate: a number (NaN, which SQLite cannot hold, is not) at a time.
const NUMERIC: &str = "value IS NOT NULL AND value <> 'NaN'::float8 AND time IS NOT NULL";

/// `time`'s milliseconds since the epoch as SQLite's `julianday` rounds them (see the module doc).
const TIME_MS: &str = "(extract(epoch FROM date_trunc('minute', time))::int8 * 1000 \
     + trunc(((extract(microseconds FROM time)::int8 / 1000000)::float8 \
     + (extract(microseconds FROM time)::int8 % 1000000)::float8 / 1000000::float8) * 1000::float8 \
     + 0.5::float8)::int8)";

/// [`TIME_MS`] of an instant, in Rust.
fn time_ms(t: NaiveDateTime) -> i64 {
    let minute = t.and_utc().timestamp().div_euclid(60) * 60_000;
    let micros = i64::from(t.nanosecond() / 1000) + i64::from(t.second()) * 1_000_000;
    let seconds = (micros / 1_000_000) as f64 + (micros % 1_000_000) as f64 / 1_000_000.0;
    minute + (seconds * 1000.0 + 0.5) as i64
}

/// A `CustomGraphData` row `id, graph_id, time, value`; `None` when a column is unusable.
fn value_row(r: &Row) -> Result<Option<CustomGraphValue>, postgres::Error> {
    let (id, graph_id, time, value): (Option<i64>, Option<i64>, Option<NaiveDateTime>, Option<f64>) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
    let (Some(id), Some(graph_id), Some(time), Some(value)) = (id, graph_id, time, usable(value)) else {
        return Ok(None);
    };
    Ok(Some(CustomGraphValue { id, graph_id, time: instant(time), value }))
}

const VALUE_COLUMNS: &str = "id::int8, graph_id::int8, time, value::float8";

impl PgStore {
    /// The quoted `CustomGraph` and `CustomGraphData` names, `None` when either table is missing.
    fn graph_tables(&self, client: &mut impl GenericClient) -> Result<Option<(String, String)>, postgres::Error> {
        let prefix = self.tables.prefix();
        let (graph, data) = (format!("{prefix}CustomGraph"), format!("{prefix}CustomGraphData"));
        if !schema::table_exists(client, &graph)? || !schema::table_exists(client, &data)? {
            return Ok(None);
        }
        Ok(Some((format!("\"{graph}\""), format!("\"{data}\""))))
    }

    /// Every graph, by id (FMD's `/api/custom_graphs`).
    pub fn graphs(&self) -> Result<Vec<CustomGraph>, StoreError> {
        self.read_snapshot(|c| {
            let Some((graph, _)) = self.graph_tables(c)? else { return Ok(Vec::new()) };
            let sql = format!(
                "SELECT graph_id::int8, title::text, time_added, version_added::text FROM {graph} ORDER BY graph_id"
            );
            let mut out = Vec::new();
            for r in c.query(&sql, &[])? {
                let Some(graph_id) = r.try_get::<_, Option<i64>>(0)? else { continue };
                let time_added: Option<NaiveDateTime> = r.try_get(2)?;
                out.push(CustomGraph {
                    graph_id,
                    title: r.try_get::<_, Option<String>>(1)?.unwrap_or_default(),
                    time_added: time_added.map(instant),
                    version_added: r.try_get(3)?,
                });
            }
            Ok(out)
        })
    }

    /// The values of graph `graph_id` with `time` in `range`, oldest first (then by id).
    pub fn graph_values(&self, graph_id: i64, range: TimeRange) -> Result<Vec<CustomGraphValue>, StoreError> {
        let bind = of_graph(graph_id, &range);
        self.read_snapshot(|c| {
            let Some((_, data)) = self.graph_tables(c)? else { return Ok(Vec::new()) };
            let sql = format!("SELECT {VALUE_COLUMNS} FROM {data} WHERE {} ORDER BY time, id", bind.conditions());
            let mut out = Vec::new();
            for r in c.query(&sql, &bind.params())? {
                out.extend(value_row(&r)?);
            }
            Ok(out)
        })
    }

    /// Graph `graph.graph_id`'s values in `range`, in at most `buckets` equal time buckets between the window's
    /// start (or the first value) and its end (or `now`; later values count into the last bucket), with the
    /// window's count, minimum, maximum and the value stored last; buckets without values are left out.
    pub fn graph_series(
        &self,
        graph: &CustomGraph,
        range: TimeRange,
        buckets: usize,
        now: DateTime<Utc>,
    ) -> Result<GraphSeries, StoreError> {
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
        let buckets = i64::try_from(buckets.max(1)).unwrap_or(i64::MAX);
        self.read_snapshot(|c| {
            let Some((_, data)) = self.graph_tables(c)? else { return Ok(series) };
            let mut values = of_graph(graph.graph_id, &range);
            values.and(NUMERIC);
            if range.from.is_none() {
                // An open window starts at the graph's first value.
                let sql = format!("SELECT min(time) FROM {data} WHERE {}", values.conditions());
                let first: Option<NaiveDateTime> = c.query_one(&sql, &values.params())?.try_get(0)?;
                match first {
                    Some(first) => series.from = instant(first).min(series.to),
                    None => return Ok(series),
                }
            }
            if !(0..=9999).contains(&series.from.year()) {
                // SQLite's julianday cannot read such a start (FMD's text has four-digit years): no bucket.
                return Ok(series);
            }
            let span_ms = (series.to - series.from).num_milliseconds().max(1);
            let width_ms = (span_ms + buckets - 1) / buckets;
            let mut bucketed = of_graph(graph.graph_id, &range);
            bucketed.and(NUMERIC);
            let conditions = bucketed.conditions();
            let (from_ms, width) = (bucketed.int(time_ms(naive(series.from))), bucketed.int(width_ms));
            let sql = format!(
                "SELECT ({TIME_MS} - {from_ms}) / {width} AS b, min(value), max(value), avg(value), count(*) \
                 FROM {data} WHERE {conditions} GROUP BY b ORDER BY b"
            );
            for row in c.query(&sql, &bucketed.params())? {
                let (b, min, max, mean): (Option<i64>, Option<f64>, Option<f64>, Option<f64>) =
                    (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
                let (Some(b), Some(min), Some(max), Some(mean)) = (b, usable(min), usable(max), usable(mean)) else {
                    continue;
                };
                let b = b.clamp(0, buckets - 1);
                let time = series.from + Duration::milliseconds(b * width_ms + width_ms / 2);
                let count = count(row.try_get(4)?);
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
            if series.count > 0 {
                let sql = format!(
                    "SELECT {VALUE_COLUMNS} FROM {data} WHERE {} ORDER BY id DESC LIMIT 1",
                    values.conditions()
                );
                series.last = match c.query_opt(&sql, &values.params())? {
                    Some(r) => value_row(&r)?,
                    None => None,
                };
            }
            Ok(series)
        })
    }
}

/// The rows of graph `graph_id` with `time` in `range`.
fn of_graph(graph_id: i64, range: &TimeRange) -> Bind {
    let mut bind = Bind::default();
    let id = bind.int(graph_id);
    bind.and(format!("graph_id = {id}"));
    bind.time_range("time", range);
    bind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_round_half_up_like_sqlite() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("instant").naive_utc();
        let base = time_ms(at("2026-03-27T18:00:00Z"));
        assert_eq!(time_ms(at("2026-03-27T18:00:00.000499Z")) - base, 0);
        assert_eq!(time_ms(at("2026-03-27T18:00:00.000500Z")) - base, 1);
        assert_eq!(time_ms(at("2026-03-27T18:01:05.123750Z")) - base, 65_124);
    }
}
