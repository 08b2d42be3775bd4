//! The `vcode` summary table: requests per endpoint, UTC hour, version key and status code, for the report
//! (`crate::report`), which needs per-endpoint status-code counts of an interval or of a version without reading
//! the requests.
//!
//! * Key: `(endpoint, version, hour, code)`. `version` is the version key of the other tables (kind tag plus
//!   bytes); `hour` is the UTC hour of FMD's exact time text, or [`NO_HOUR`] for the requests whose time is not
//!   that text (they belong to no hour but still to their version); `code` is the status code as the report keys
//!   it ([`status_key`]: integers, integral reals and numeric text; anything else, NULL included, is no code),
//!   as decimal text, `''` for no code. Unlike the `code` table, NULL status codes are counted: the report
//!   counts them.
//! * Written by the refresh with the other tables (same spans, same short write transactions); the requests
//!   above the mark are aggregated by the view's delta ([`super::agg::Agg`]) like everything else.
//! * An interval's codes: the hours inside it from this table, the partial hours at the edges, the odd times and
//!   the rows above the mark read exactly (as [`SummaryView::window`] does); a version's: the sum over its hours
//!   (including [`NO_HOUR`]) plus the rows above the mark.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, Connection};

use super::agg::NO_ENDPOINT;
use super::histogram::{usable, Durations};
use super::read::{Scope, SummaryView};
use super::rows::{durations_of, DURATION_COLUMNS};
use super::schema::Names;
use super::window::split_hours;
use crate::store::views::{duration_of, int_of};
use crate::timefmt;

/// The `hour` of requests whose `time_requested` is not FMD's exact text.
pub(crate) const NO_HOUR: i64 = i64::MIN;

/// A status code as the report keys it: an integer, an integral real or numeric text (trimmed); `None` for NULL
/// and anything else.
pub(crate) fn status_key(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18 => Some(f as i64),
        ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(|s| s.trim().parse().ok()),
        _ => None,
    }
}

/// The stored text of a status key.
fn code_text(code: Option<i64>) -> String {
    code.map_or_else(String::new, |c| c.to_string())
}

/// The status key of a stored text; `None` when the text is damaged.
fn code_of_text(text: &str) -> Option<Option<i64>> {
    if text.is_empty() {
        Some(None)
    } else {
        text.parse().ok().map(Some)
    }
}

/// One row of the table: (endpoint, version key, hour, status key, requests).
pub(crate) type VcodeRow = (i64, Vec<u8>, i64, Option<i64>, u64);

/// Per (endpoint, hour): (version key, status key, requests).
type VcodeCells = HashMap<(i64, i64), Vec<(Vec<u8>, Option<i64>, u64)>>;

/// Requests per endpoint, hour, version key and status key, aggregated in memory.
#[derive(Debug, Default)]
pub(crate) struct VcodeAgg {
    cells: VcodeCells,
}

impl VcodeAgg {
    /// Counts one request (`hour` `None` for an odd time).
    pub(crate) fn add(&mut self, endpoint: i64, hour: Option<i64>, version: &[u8], status: ValueRef<'_>) {
        let code = status_key(status);
        let list = self.cells.entry((endpoint, hour.unwrap_or(NO_HOUR))).or_default();
        match list.iter_mut().find(|(v, c, _)| *c == code && v.as_slice() == version) {
            Some((_, _, n)) => *n += 1,
            None => list.push((version.to_vec(), code, 1)),
        }
    }

    /// The rows to merge into the table, in key order: (endpoint, version key, hour, status key, requests).
    pub(crate) fn into_rows(self) -> Vec<VcodeRow> {
        let mut out: Vec<_> = self
            .cells
            .into_iter()
            .flat_map(|((e, h), list)| list.into_iter().map(move |(v, c, n)| (e, v, h, c, n)))
            .collect();
        out.sort_by(|a, b| (a.0, &a.1, a.2, a.3).cmp(&(b.0, &b.1, b.2, b.3)));
        out
    }

    /// Requests per endpoint and status key of one version key (every hour, odd times included).
    fn version_codes(&self, version: &[u8], out: &mut HashMap<i64, BTreeMap<Option<i64>, u64>>) {
        for ((e, _), list) in &self.cells {
            for (v, c, n) in list {
                if v.as_slice() == version {
                    *out.entry(*e).or_default().entry(*c).or_default() += n;
                }
            }
        }
    }
}

/// Adds `n` requests to a row of the table.
pub(crate) fn add_row(
    conn: &Connection,
    names: &Names,
    (endpoint, version, hour, code, n): VcodeRow,
) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO {} (endpoint, version, hour, code, hits) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (endpoint, version, hour, code) DO UPDATE SET hits = hits + excluded.hits",
        names.vcode
    ))?
    .execute(params![endpoint, version, hour, code_text(code), i64::try_from(n).unwrap_or(i64::MAX)])?;
    Ok(())
}

/// One side of a report, per endpoint, from the summaries.
#[derive(Debug, Clone, Default)]
pub(crate) struct SideSummary {
    /// Requests.
    pub(crate) hits: u64,
    /// Requests per status key.
    pub(crate) status: BTreeMap<Option<i64>, u64>,
    /// Usable durations.
    pub(crate) durations: Durations,
}

/// Per endpoint id (rows without a usable endpoint id left out).
pub(crate) type Side = HashMap<i64, SideSummary>;

impl SummaryView<'_> {
    /// The requests with `from < time_requested <= to` (FMD's criterion on its text) per endpoint: counts, status
    /// codes and usable durations, exact (see the module docs). `None` when the summaries cannot answer (too
    /// many odd times, a damaged row, a view of one endpoint).
    pub(crate) fn report_interval(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> rusqlite::Result<Option<Side>> {
        if self.scope != Scope::All || self.state.odd > super::ODD_LIMIT {
            return Ok(None);
        }
        if to <= from {
            return Ok(Some(Side::new()));
        }
        // The canonical text has microseconds: `t > from` is `t >= from + 1 µs`, `t <= to` is `t < to + 1 µs`.
        let micro = chrono::Duration::microseconds(1);
        let (start, end) = (from + micro, to + micro);
        let Some((hours, edges)) = split_hours(start, Some(end)) else { return Ok(None) };
        let mut out = Side::new();
        if let Some((first_hour, end_hour)) = hours {
            let Some(()) = self.whole_hours(first_hour, end_hour, &mut out)? else { return Ok(None) };
        }
        let r = &self.request;
        let odd = &self.names.odd;
        let text = |t: DateTime<Utc>| Value::Text(timefmt::format_utc(t));
        let mark = Value::Integer(self.state.mark);
        for (a, b) in edges {
            let sql = format!(
                "SELECT endpoint_id, duration, status_code FROM {r} WHERE time_requested >= ?1 AND time_requested < ?2 \
                 AND rowid <= ?3 AND rowid NOT IN (SELECT request FROM {odd})"
            );
            self.add_side_rows(&sql, vec![text(a), text(b), mark.clone()], &mut out)?;
        }
        // Odd times up to the mark and every request above it, by FMD's criterion on the text itself.
        let odd_sql = format!(
            "SELECT endpoint_id, duration, status_code FROM {r} WHERE rowid IN (SELECT request FROM {odd}) \
             AND time_requested > ?1 AND time_requested <= ?2"
        );
        self.add_side_rows(&odd_sql, vec![text(from), text(to)], &mut out)?;
        let delta_sql = format!(
            "SELECT endpoint_id, duration, status_code FROM {r} WHERE rowid > ?1 AND +time_requested > ?2 \
             AND +time_requested <= ?3"
        );
        self.add_side_rows(&delta_sql, vec![mark, text(from), text(to)], &mut out)?;
        out.remove(&NO_ENDPOINT);
        Ok(Some(out))
    }

    /// Adds the hours `first_hour..end_hour` of every endpoint: durations from the hour table, status codes
    /// from the vcode table. `None` for a damaged row.
    fn whole_hours(&self, first_hour: i64, end_hour: i64, out: &mut Side) -> rusqlite::Result<Option<()>> {
        let mut pairs: Vec<(i64, Vec<u8>)> = Vec::new();
        {
            let mut stmt =
                self.conn.prepare_cached(&format!("SELECT endpoint, version FROM {}", self.names.version))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                pairs.push((r.get(0)?, r.get_ref(1)?.as_blob().unwrap_or_default().to_vec()));
            }
        }
        let mut hours = self.conn.prepare_cached(&format!(
            "SELECT hits, {DURATION_COLUMNS} FROM {} WHERE endpoint = ?1 AND hour >= ?2 AND hour < ?3",
            self.names.hour
        ))?;
        let mut endpoints: Vec<i64> = pairs.iter().map(|(e, _)| *e).collect();
        endpoints.dedup();
        for &e in &endpoints {
            let mut rows = hours.query(params![e, first_hour, end_hour])?;
            while let Some(r) = rows.next()? {
                let Some(d) = durations_of(r, 1)? else { return Ok(None) };
                let side = out.entry(e).or_default();
                side.hits += u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0);
                side.durations.merge(&d);
            }
        }
        let mut codes = self.conn.prepare_cached(&format!(
            "SELECT code, sum(hits) FROM {} WHERE endpoint = ?1 AND version = ?2 AND hour >= ?3 AND hour < ?4 \
             GROUP BY code",
            self.names.vcode
        ))?;
        for (e, version) in &pairs {
            let mut rows = codes.query(params![e, version, first_hour, end_hour])?;
            while let Some(r) = rows.next()? {
                let Some(code) = code_of_text(&r.get::<_, String>(0)?) else { return Ok(None) };
                *out.entry(*e).or_default().status.entry(code).or_default() +=
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
            }
        }
        Ok(Some(()))
    }

    /// The requests recorded under one text version (`version_requested = version`, which only TEXT values
    /// equal), per endpoint: counts, status codes and usable durations, exact, the rows above the mark
    /// included. `None` for a damaged row or a view of one endpoint.
    pub(crate) fn report_version(&self, version: &str) -> rusqlite::Result<Option<Side>> {
        if self.scope != Scope::All {
            return Ok(None);
        }
        let mut key = Vec::with_capacity(version.len() + 1);
        super::agg::key_into(ValueRef::Text(version.as_bytes()), &mut key);
        let Some(versions) = self.versions(None, true)? else { return Ok(None) };
        let mut out = Side::new();
        for (e, k, v) in versions {
            if k == key && e != NO_ENDPOINT {
                let side = out.entry(e).or_default();
                side.hits += v.hits;
                side.durations.merge(&v.durations);
            }
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT code, sum(hits) FROM {} WHERE endpoint = ?1 AND version = ?2 GROUP BY code",
            self.names.vcode
        ))?;
        let endpoints: Vec<i64> = out.keys().copied().collect();
        for e in endpoints {
            let mut rows = stmt.query(params![e, key])?;
            while let Some(r) = rows.next()? {
                let Some(code) = code_of_text(&r.get::<_, String>(0)?) else { return Ok(None) };
                *out.entry(e).or_default().status.entry(code).or_default() +=
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
            }
        }
        let mut delta: HashMap<i64, BTreeMap<Option<i64>, u64>> = HashMap::new();
        self.delta.vcodes.version_codes(&key, &mut delta);
        for (e, codes) in delta {
            if e == NO_ENDPOINT {
                continue;
            }
            let side = out.entry(e).or_default();
            for (c, n) in codes {
                *side.status.entry(c).or_default() += n;
            }
        }
        Ok(Some(out))
    }

    fn add_side_rows(&self, sql: &str, params: Vec<Value>, out: &mut Side) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        while let Some(r) = rows.next()? {
            let e = int_of(r.get_ref(0)?).unwrap_or(NO_ENDPOINT);
            let side = out.entry(e).or_default();
            side.hits += 1;
            *side.status.entry(status_key(r.get_ref(2)?)).or_default() += 1;
            if let Some(d) = duration_of(r.get_ref(1)?).filter(|d| usable(*d)) {
                side.durations.add(d);
            }
        }
        Ok(())
    }
}

/// Status codes per endpoint key, keyed as the views key them (see [`view_code_key`]).
pub(crate) type ViewCodes = HashMap<i64, BTreeMap<String, u64>>;

/// Adds `n` requests of the stored code text `code` to endpoint `e` (allocating the text only for a new code).
fn add_code(out: &mut ViewCodes, e: i64, code: ValueRef<'_>, n: u64) {
    let code = match code {
        ValueRef::Text(t) => String::from_utf8_lossy(t),
        other => std::borrow::Cow::Owned(crate::store::views::text_of(other)),
    };
    let per_code = out.entry(e).or_default();
    match per_code.get_mut(code.as_ref()) {
        Some(sum) => *sum += n,
        None => {
            per_code.insert(code.into_owned(), n);
        }
    }
}

/// Removes the codes counted 0 and the endpoints left without codes.
pub(crate) fn drop_zero_codes(codes: &mut ViewCodes) {
    for per_endpoint in codes.values_mut() {
        per_endpoint.retain(|_, n| *n > 0);
    }
    codes.retain(|_, per_endpoint| !per_endpoint.is_empty());
}

/// A status code as the views (and the `code` table) key it: an integer (or integral real) as decimal text,
/// anything else as its text; `None` for NULL, which the views do not count.
pub(crate) fn view_code_key(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        v => Some(int_of(v).map_or_else(|| crate::store::views::text_of(v), |c| c.to_string())),
    }
}

impl SummaryView<'_> {
    /// The status codes of the requests with `from <= time_requested` (`< to` when given) per endpoint key (of
    /// `endpoint` only, when given), keyed as the views key them, exact: whole hours from this table, the
    /// partial hours at the edges, odd times and rows above the mark from the requests. `None` out of scope,
    /// with too many odd times, or when this table's keys are not the views' keys for every request (status
    /// codes stored as text such as `" 200"`, blobs or fractions: then the `code` table and this one disagree
    /// and the caller reads the rows).
    pub(crate) fn window_codes(
        &self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        endpoint: Option<i64>,
    ) -> rusqlite::Result<Option<ViewCodes>> {
        if !self.in_scope(endpoint) || self.odd_rows() > super::read::ODD_LIMIT || !self.codes_agree(endpoint)? {
            return Ok(None);
        }
        let Some(plan) = self.window_plan(Some(from), to, "endpoint_id, status_code", endpoint) else {
            return Ok(None);
        };
        let mut out = ViewCodes::new();
        if let Some((first_hour, end_hour)) = plan.hours {
            let only = if endpoint.is_some() { "endpoint = ?3" } else { "?3 IS NULL" };
            // Summed here rather than by a GROUP BY, which sorts every row of the table first.
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT endpoint, code, hits FROM {} WHERE {only} AND hour >= ?1 AND hour < ?2 AND code != ''",
                self.names.vcode
            ))?;
            let mut rows = stmt.query(params![first_hour, end_hour, endpoint])?;
            while let Some(r) = rows.next()? {
                let n = u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0);
                add_code(&mut out, r.get(0)?, r.get_ref(1)?, n);
            }
        }
        plan.each_row(self.conn, |r| {
            if let Some(code) = view_code_key(r.get_ref(1)?) {
                let e = int_of(r.get_ref(0)?).unwrap_or(NO_ENDPOINT);
                *out.entry(e).or_default().entry(code).or_default() += 1;
            }
            Ok(())
        })?;
        drop_zero_codes(&mut out);
        Ok(Some(out))
    }

    /// True when, up to the mark, the `code` table (the views' keys) and this table (the report's keys, without
    /// "no code") count the same codes the same number of times per endpoint (of `endpoint` only, when given):
    /// then every counted request has the same key in both (a request keyed differently shows up as a
    /// non-numeric key in `code`, or as one fewer in this table).
    fn codes_agree(&self, endpoint: Option<i64>) -> rusqlite::Result<bool> {
        let only = if endpoint.is_some() { "endpoint = ?1" } else { "?1 IS NULL" };
        let read = |sql: String| -> rusqlite::Result<BTreeMap<(i64, String), i64>> {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![endpoint], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
            rows.collect()
        };
        let views = read(format!("SELECT endpoint, code, hits FROM {} WHERE {only} AND hits > 0", self.names.code))?;
        // Summed here rather than by a GROUP BY, which sorts every row of the table first.
        let mut sums: HashMap<i64, HashMap<String, i64>> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT endpoint, code, hits FROM {} WHERE {only} AND code != ''",
            self.names.vcode
        ))?;
        let mut rows = stmt.query(params![endpoint])?;
        while let Some(r) = rows.next()? {
            let (e, hits): (i64, i64) = (r.get(0)?, r.get(2)?);
            let code = r.get_ref(1)?.as_str()?;
            let per_code = sums.entry(e).or_default();
            match per_code.get_mut(code) {
                Some(sum) => *sum = sum.saturating_add(hits),
                None => {
                    per_code.insert(code.to_string(), hits);
                }
            }
        }
        let report: BTreeMap<(i64, String), i64> = sums
            .into_iter()
            .flat_map(|(e, per_code)| per_code.into_iter().map(move |(code, n)| ((e, code), n)))
            .filter(|(_, n)| *n > 0)
            .collect();
        Ok(views == report)
    }
}
