//! The overview: per endpoint, hits and error hits today / last 7 days / overall, median durations for the
//! same windows, and the last request, with FMD's definitions: "today" starts at local midnight in the
//! configured zone, "week" is the 7 days before `now`, errors are status codes 400-599.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::params;

use super::{Store, StoreError};
use crate::timefmt;

/// One overview line.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewRow {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// Monitoring level (NULL in the file reads as `None`).
    pub monitor_level: Option<u8>,
    /// Requests since local midnight.
    pub hits_today: u64,
    /// Of those, status 400-599.
    pub hits_today_errors: u64,
    /// Requests in the 7 days before now.
    pub hits_week: u64,
    /// Of those, status 400-599.
    pub hits_week_errors: u64,
    /// All requests.
    pub hits_overall: u64,
    /// Of those, status 400-599.
    pub hits_overall_errors: u64,
    /// Median duration today, ms (`None` without requests).
    pub median_today: Option<f64>,
    /// Median duration in the last 7 days, ms.
    pub median_week: Option<f64>,
    /// Median duration overall, ms.
    pub median_overall: Option<f64>,
    /// `Endpoint.last_requested`.
    pub last_requested: Option<DateTime<Utc>>,
}

/// The instants that bound "today" and "week" at `now` in zone `tz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Local midnight of `now`'s day, in UTC.
    pub today_start: DateTime<Utc>,
    /// `now` minus 7 days.
    pub week_start: DateTime<Utc>,
}

impl Window {
    /// FMD's windows at `now` in `tz`.
    pub fn at(now: DateTime<Utc>, tz: Tz) -> Window {
        let local_date = now.with_timezone(&tz).date_naive();
        let midnight = local_date.and_hms_opt(0, 0, 0).unwrap_or_default();
        // On a DST gap at midnight take the earliest valid instant.
        let today_start = tz
            .from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| midnight.and_utc());
        Window { today_start, week_start: now - Duration::days(7) }
    }
}

#[derive(Default)]
struct Counts {
    hits: u64,
    errors: u64,
}

/// Median of an unsorted sample (mean of the two middle values for even sizes, as numpy does).
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[..n / 2].iter().copied().max_by(f64::total_cmp).unwrap_or(upper);
    Some((lower + upper) / 2.0)
}

impl Store {
    /// The overview at `now` in zone `tz`, busiest endpoint first.
    pub fn overview(&self, now: DateTime<Utc>, tz: Tz) -> Result<Vec<OverviewRow>, StoreError> {
        self.overview_inner(Window::at(now, tz)).map_err(|e| self.wrap(e))
    }

    fn overview_inner(&self, window: Window) -> rusqlite::Result<Vec<OverviewRow>> {
        let t = &self.tables;
        let overall = self.counts_since(None)?;
        let today = self.counts_since(Some(window.today_start))?;
        let week = self.counts_since(Some(window.week_start))?;
        let mut today_durations = self.durations_since(window.today_start)?;
        let mut week_durations = self.durations_since(window.week_start)?;

        let mut stmt =
            self.conn.prepare(&format!("SELECT id, name, monitor_level, last_requested FROM {}", t.endpoint))?;
        let endpoints = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    text(r.get_ref(1)?),
                    r.get::<_, Option<i64>>(2).ok().flatten(),
                    r.get_ref(3)?.as_str().ok().and_then(timefmt::parse_fmd),
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;

        let mut rows = Vec::with_capacity(endpoints.len());
        for (id, name, level, last_requested) in endpoints {
            let all = overall.get(&id);
            let hits_overall = all.map_or(0, |c| c.hits);
            rows.push(OverviewRow {
                id,
                name,
                monitor_level: level.filter(|l| (0..=3).contains(l)).map(|l| l as u8),
                hits_today: today.get(&id).map_or(0, |c| c.hits),
                hits_today_errors: today.get(&id).map_or(0, |c| c.errors),
                hits_week: week.get(&id).map_or(0, |c| c.hits),
                hits_week_errors: week.get(&id).map_or(0, |c| c.errors),
                hits_overall,
                hits_overall_errors: all.map_or(0, |c| c.errors),
                median_today: today_durations.get_mut(&id).and_then(|v| median(v)),
                median_week: week_durations.get_mut(&id).and_then(|v| median(v)),
                median_overall: self.indexed_median(id, hits_overall)?,
                last_requested,
            });
        }
        rows.sort_by(|a, b| b.hits_overall.cmp(&a.hits_overall).then_with(|| a.name.cmp(&b.name)));
        Ok(rows)
    }

    fn counts_since(&self, since: Option<DateTime<Utc>>) -> rusqlite::Result<HashMap<i64, Counts>> {
        let t = &self.tables;
        let filter = if since.is_some() { "WHERE time_requested >= ?1" } else { "" };
        let sql = format!(
            "SELECT endpoint_id, count(*), coalesce(sum(status_code >= 400 AND status_code < 600), 0) FROM {} {filter} GROUP BY endpoint_id",
            t.request
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let map_row = |r: &rusqlite::Row<'_>| {
            Ok((
                r.get::<_, Option<i64>>(0)?.unwrap_or(-1),
                Counts { hits: r.get::<_, i64>(1)? as u64, errors: r.get::<_, i64>(2)? as u64 },
            ))
        };
        let rows = match since {
            Some(since) => {
                stmt.query_map(params![timefmt::format_utc(since)], map_row)?.collect::<Result<HashMap<_, _>, _>>()?
            }
            None => stmt.query_map([], map_row)?.collect::<Result<HashMap<_, _>, _>>()?,
        };
        Ok(rows)
    }

    fn durations_since(&self, since: DateTime<Utc>) -> rusqlite::Result<HashMap<i64, Vec<f64>>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT endpoint_id, duration FROM {} WHERE time_requested >= ?1",
            self.tables.request
        ))?;
        let mut out: HashMap<i64, Vec<f64>> = HashMap::new();
        let mut rows = stmt.query(params![timefmt::format_utc(since)])?;
        while let Some(row) = rows.next()? {
            let id = row.get::<_, Option<i64>>(0)?.unwrap_or(-1);
            if let Ok(d) = row.get::<_, f64>(1) {
                out.entry(id).or_default().push(d);
            }
        }
        Ok(out)
    }

    /// Median over all of an endpoint's requests, read from the (endpoint_id, duration) index without
    /// loading the rows.
    fn indexed_median(&self, id: i64, n: u64) -> rusqlite::Result<Option<f64>> {
        if n == 0 {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT duration FROM {} WHERE endpoint_id = ?1 ORDER BY duration LIMIT ?2 OFFSET ?3",
            self.tables.request
        ))?;
        let take = if n % 2 == 0 { 2 } else { 1 };
        let values =
            stmt.query_map(params![id, take, (n - 1) / 2], |r| r.get::<_, f64>(0))?.collect::<Result<Vec<f64>, _>>()?;
        Ok(match values.as_slice() {
            [one] => Some(*one),
            [a, b] => Some((a + b) / 2.0),
            _ => None,
        })
    }
}

/// Reads a text column that may hold invalid UTF-8 or another type without failing.
pub(crate) fn text(value: rusqlite::types::ValueRef<'_>) -> String {
    match value {
        rusqlite::types::ValueRef::Text(bytes) | rusqlite::types::ValueRef::Blob(bytes) => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        rusqlite::types::ValueRef::Integer(i) => i.to_string(),
        rusqlite::types::ValueRef::Real(f) => f.to_string(),
        rusqlite::types::ValueRef::Null => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_matches_numpy() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [4.0, 1.0]), Some(2.5));
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [7.0, 1.0, 3.0, 5.0]), Some(4.0));
    }

    #[test]
    fn today_starts_at_local_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 22, 56, 55).single().expect("valid");
        let w = Window::at(now, chrono_tz::UTC);
        assert_eq!(w.today_start, Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).single().expect("valid"));
        assert_eq!(w.week_start, Utc.with_ymd_and_hms(2026, 11, 20, 22, 56, 55).single().expect("valid"));
        let w = Window::at(now, chrono_tz::Asia::Tokyo);
        // 22:56 UTC is 07:56 on the 28th in Tokyo; its midnight is 15:00 UTC on the 27th.
        assert_eq!(w.today_start, Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0).single().expect("valid"));
    }
}
