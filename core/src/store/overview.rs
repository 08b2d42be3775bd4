//! The overview: per endpoint, hits and error hits today / last 7 days / overall, median durations for the
//! same windows, and the last request, with FMD's definitions: "today" starts at local midnight in the
//! configured zone, "week" is the 7 days before `now`, errors are status codes 400-599. Beside FMD's medians,
//! the 95th and 99th percentiles of the same windows (numpy linear), from the same sources.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::params;

use super::summary::histogram::Durations;
use super::summary::{is_error, Scope, SummaryView, WindowAgg, NO_ENDPOINT};
use super::views::{lerp, percentile_sorted, virtual_index};
use super::{Store, StoreError};
use crate::timefmt;

/// One overview line.
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// 95th percentile of the durations today, ms (numpy linear; same sources as the medians).
    pub p95_today: Option<f64>,
    /// 99th percentile today, ms.
    pub p99_today: Option<f64>,
    /// 95th percentile in the last 7 days, ms.
    pub p95_week: Option<f64>,
    /// 99th percentile in the last 7 days, ms.
    pub p99_week: Option<f64>,
    /// 95th percentile overall, ms.
    pub p95_overall: Option<f64>,
    /// 99th percentile overall, ms.
    pub p99_overall: Option<f64>,
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

/// Median, 95th and 99th percentile of one window's durations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tail {
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
}

impl Tail {
    /// Exact, from the sample (numpy's median and linear percentiles).
    fn of(values: &mut [f64]) -> Tail {
        values.sort_unstable_by(f64::total_cmp);
        Tail { p50: median(values), p95: percentile_sorted(values, 95.0), p99: percentile_sorted(values, 99.0) }
    }

    /// From a histogram (within half a bucket, 0.39 %).
    fn approx(d: &Durations) -> Tail {
        Tail { p50: d.approx_median(), p95: d.approx_percentile(95.0), p99: d.approx_percentile(99.0) }
    }
}

/// Median of an unsorted sample (mean of the two middle values for even sizes, as numpy does).
pub fn median(values: &mut [f64]) -> Option<f64> {
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

/// The overview's numbers per endpoint id (NULL ids as -1).
#[derive(Default)]
struct Numbers {
    overall: HashMap<i64, Counts>,
    today: HashMap<i64, Counts>,
    week: HashMap<i64, Counts>,
    median_today: HashMap<i64, Tail>,
    median_week: HashMap<i64, Tail>,
    /// Filled by the summary path; the direct path reads the index per endpoint.
    median_overall: Option<HashMap<i64, Tail>>,
}

impl Store {
    /// The overview at `now` in zone `tz`, busiest endpoint first.
    ///
    /// On large files with summaries (see [`crate::store::summary`]) the overall numbers come from them (all of
    /// them exact), today's and the week's counts from their hours plus exact scans of the partial hours, and
    /// the medians (and 95th / 99th percentiles) of today and the week from the rows while the week holds at most
    /// `SummaryPolicy::exact_window_rows` requests (from the hour histograms, within 0.4 %, above that); the
    /// overall ones exactly, at the ranks the histograms locate on the `(endpoint_id, duration)` index.
    pub fn overview(&self, now: DateTime<Utc>, tz: Tz) -> Result<Vec<OverviewRow>, StoreError> {
        let window = Window::at(now, tz);
        self.view_snapshot(|| self.overview_inner(window))
    }

    fn overview_inner(&self, window: Window) -> rusqlite::Result<Vec<OverviewRow>> {
        let t = &self.tables;
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
        let ids: Vec<i64> = endpoints.iter().map(|e| e.0).collect();
        let mut numbers = match self.overview_numbers_from_summaries(&window, &ids)? {
            Some(n) => n,
            None => self.overview_numbers(&window)?,
        };

        let mut rows = Vec::with_capacity(endpoints.len());
        for (id, name, level, last_requested) in endpoints {
            let all = numbers.overall.get(&id);
            let hits_overall = all.map_or(0, |c| c.hits);
            let overall = match &numbers.median_overall {
                Some(m) => m.get(&id).copied().unwrap_or_default(),
                None => self.indexed_tail(id, hits_overall)?,
            };
            let today = numbers.median_today.remove(&id).unwrap_or_default();
            let week = numbers.median_week.remove(&id).unwrap_or_default();
            rows.push(OverviewRow {
                id,
                name,
                monitor_level: level.filter(|l| (0..=3).contains(l)).map(|l| l as u8),
                hits_today: numbers.today.get(&id).map_or(0, |c| c.hits),
                hits_today_errors: numbers.today.get(&id).map_or(0, |c| c.errors),
                hits_week: numbers.week.get(&id).map_or(0, |c| c.hits),
                hits_week_errors: numbers.week.get(&id).map_or(0, |c| c.errors),
                hits_overall,
                hits_overall_errors: all.map_or(0, |c| c.errors),
                median_today: today.p50,
                median_week: week.p50,
                median_overall: overall.p50,
                p95_today: today.p95,
                p99_today: today.p99,
                p95_week: week.p95,
                p99_week: week.p99,
                p95_overall: overall.p95,
                p99_overall: overall.p99,
                last_requested,
            });
        }
        rows.sort_by(|a, b| b.hits_overall.cmp(&a.hits_overall).then_with(|| a.name.cmp(&b.name)));
        Ok(rows)
    }

    /// The numbers straight from the requests.
    fn overview_numbers(&self, window: &Window) -> rusqlite::Result<Numbers> {
        let (median_today, median_week) = self.window_medians(window)?;
        Ok(Numbers {
            overall: self.counts_since(None)?,
            today: self.counts_since(Some(window.today_start))?,
            week: self.counts_since(Some(window.week_start))?,
            median_today,
            median_week,
            median_overall: None,
        })
    }

    /// Exact medians (and 95th, 99th percentiles) of today and the week, from the rows.
    #[allow(clippy::type_complexity)]
    fn window_medians(&self, window: &Window) -> rusqlite::Result<(HashMap<i64, Tail>, HashMap<i64, Tail>)> {
        let medians = |mut durations: HashMap<i64, Vec<f64>>| -> HashMap<i64, Tail> {
            durations.iter_mut().map(|(id, v)| (*id, Tail::of(v))).collect()
        };
        Ok((medians(self.durations_since(window.today_start)?), medians(self.durations_since(window.week_start)?)))
    }

    /// The numbers from the summaries, `None` when they cannot answer.
    fn overview_numbers_from_summaries(&self, window: &Window, ids: &[i64]) -> rusqlite::Result<Option<Numbers>> {
        let Some(view) = self.summary_view(Scope::All, false)? else { return Ok(None) };
        let Some(versions) = view.versions(None, true)? else { return Ok(None) };
        let key = |e: i64| if e == NO_ENDPOINT { -1 } else { e };
        let mut overall: HashMap<i64, Counts> = HashMap::new();
        let mut durations: HashMap<i64, Durations> = HashMap::new();
        for (e, _, v) in &versions {
            let c = overall.entry(key(*e)).or_default();
            c.hits += v.hits;
            c.errors += v.errors;
            durations.entry(*e).or_default().merge(&v.durations);
        }
        let counts = |w: &HashMap<i64, WindowAgg>| -> HashMap<i64, Counts> {
            w.iter().map(|(e, w)| (key(*e), Counts { hits: w.hits, errors: w.errors })).collect()
        };
        // The week's durations are read with its counts (one pass over its hours) when they may be needed.
        let policy = view.policy();
        let Some(week) = view.window(window.week_start, None, policy.approximate)? else { return Ok(None) };
        let week_rows: u64 = week.values().map(|w| w.hits).sum();
        let approximate = week_rows > policy.exact_window_rows && policy.approximate;
        let Some(today) = view.window(window.today_start, None, approximate)? else { return Ok(None) };
        let (median_today, median_week) = if approximate {
            let approx = |w: &HashMap<i64, WindowAgg>| -> HashMap<i64, Tail> {
                w.iter().map(|(e, w)| (key(*e), Tail::approx(&w.durations))).collect()
            };
            (approx(&today), approx(&week))
        } else {
            self.window_medians(window)?
        };
        let mut median_overall = HashMap::new();
        for &id in ids {
            let hits = overall.get(&id).map_or(0, |c| c.hits);
            let d = durations.remove(&id).unwrap_or_default();
            // The direct query takes the order statistics of every row in index order; with only usable
            // durations those are the histogram's, read exactly from the index.
            let exact = if hits > 0 && d.count() == hits { exact_tail(&view, id, &d)? } else { None };
            let m = match exact {
                Some(m) => m,
                None => self.indexed_tail(id, hits)?,
            };
            median_overall.insert(id, m);
        }
        Ok(Some(Numbers {
            overall,
            today: counts(&today),
            week: counts(&week),
            median_today,
            median_week,
            median_overall: Some(median_overall),
        }))
    }

    /// Requests and errors per endpoint id (NULL as -1) since `since` (all of them for `None`), streamed from the
    /// `(time_requested, endpoint_id, status_code, duration)` index, which holds every column needed: a
    /// `GROUP BY endpoint_id` would walk the endpoint index and look up every row instead.
    fn counts_since(&self, since: Option<DateTime<Utc>>) -> rusqlite::Result<HashMap<i64, Counts>> {
        let t = &self.tables;
        let filter = if since.is_some() { "WHERE time_requested >= ?1" } else { "" };
        let mut stmt = self.conn.prepare(&format!("SELECT endpoint_id, status_code FROM {} {filter}", t.request))?;
        let mut rows = match since {
            Some(since) => stmt.query(params![timefmt::format_utc(since)])?,
            None => stmt.query([])?,
        };
        let mut out: HashMap<i64, Counts> = HashMap::new();
        let mut last: Option<(i64, Counts)> = None;
        while let Some(r) = rows.next()? {
            let id = r.get::<_, Option<i64>>(0)?.unwrap_or(-1);
            let error = u64::from(is_error(r.get_ref(1)?));
            // Runs of one endpoint are common; count them before touching the map.
            match &mut last {
                Some((current, c)) if *current == id => {
                    c.hits += 1;
                    c.errors += error;
                }
                _ => {
                    if let Some((previous, c)) = last.take() {
                        let entry = out.entry(previous).or_default();
                        entry.hits += c.hits;
                        entry.errors += c.errors;
                    }
                    last = Some((id, Counts { hits: 1, errors: error }));
                }
            }
        }
        if let Some((previous, c)) = last {
            let entry = out.entry(previous).or_default();
            entry.hits += c.hits;
            entry.errors += c.errors;
        }
        Ok(out)
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

    /// Median, 95th and 99th percentile over all of an endpoint's `n` requests, read from the
    /// (endpoint_id, duration) index without loading the rows.
    fn indexed_tail(&self, id: i64, n: u64) -> rusqlite::Result<Tail> {
        if n == 0 {
            return Ok(Tail::default());
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT duration FROM {} WHERE endpoint_id = ?1 ORDER BY duration LIMIT ?2 OFFSET ?3",
            self.tables.request
        ))?;
        let mut at = |k: u64, take: u64| -> rusqlite::Result<Vec<f64>> {
            let offset = i64::try_from(k).unwrap_or(i64::MAX);
            stmt.query_map(params![id, take, offset], |r| r.get::<_, f64>(0))?.collect()
        };
        let take = if n % 2 == 0 { 2 } else { 1 };
        let p50 = match at((n - 1) / 2, take)?.as_slice() {
            [one] => Some(*one),
            [a, b] => Some((a + b) / 2.0),
            _ => None,
        };
        let mut percentile = |p: f64| -> rusqlite::Result<Option<f64>> {
            let Some((k, gamma)) = virtual_index(n, p) else { return Ok(None) };
            Ok(match at(k, 2)?.as_slice() {
                [one] => Some(*one),
                [a, b] => Some(lerp(*a, *b, gamma)),
                _ => None,
            })
        };
        Ok(Tail { p50, p95: percentile(95.0)?, p99: percentile(99.0)? })
    }
}

/// An endpoint's median, 95th and 99th percentile over all time, exact: the histogram `d` gives the ranks'
/// positions, the index their values. `None` when the index disagrees with the histogram.
fn exact_tail(view: &SummaryView<'_>, id: i64, d: &Durations) -> rusqlite::Result<Option<Tail>> {
    let Some(p50) = view.exact_median(id, d)? else { return Ok(None) };
    let n = d.count();
    let mut tail = Tail { p50, p95: None, p99: None };
    for (slot, p) in [(&mut tail.p95, 95.0), (&mut tail.p99, 99.0)] {
        let Some((k, gamma)) = virtual_index(n, p) else { continue };
        let Some((a, b)) = view.exact_pair(id, d, k)? else { return Ok(None) };
        *slot = Some(lerp(a, b, gamma));
    }
    Ok(Some(tail))
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
