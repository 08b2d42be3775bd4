//! Requests counted per local hour and day (FMD's `/api/hourly_load` and `/api/requests`), the overview's trend
//! over the last hours and the first request's time.
//!
//! Local hours are bucketed in Rust with chrono-tz as the SQLite store does, from the requests counted per UTC
//! minute in PostgreSQL (the SQLite store buckets each request by its minute too), so every zone and every DST
//! change gives the same cells.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use postgres::Transaction;

use super::bind::{opt_instant, param_time, Bind};
use crate::PgStore;
use fmd_core::store::views::{DailyUtilization, EndpointDays, HourlyLoad};
use fmd_core::store::DayRange;
use fmd_core::StoreError;

/// Counts per endpoint id (`None` for requests without one): `days x 24` cells, `day * 24 + local hour`.
type HourCounts = HashMap<Option<i64>, Vec<u64>>;

/// The (day index, local hour) of instant `t` among `days` local days from `first` in `tz`.
fn bucket(t: DateTime<Utc>, tz: Tz, first: NaiveDate, days: usize) -> Option<(usize, u32)> {
    let local = t.with_timezone(&tz);
    let day = usize::try_from((local.date_naive() - first).num_days()).ok().filter(|d| *d < days)?;
    Some((day, local.hour()))
}

fn day_names(list: &[NaiveDate]) -> Vec<String> {
    list.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect()
}

impl PgStore {
    /// Requests per endpoint and (local day, local hour) of `days` in `tz`, of `endpoint` only when given.
    fn local_hour_counts(
        &self,
        tx: &mut Transaction<'_>,
        days: &DayRange,
        tz: Tz,
        endpoint: Option<i64>,
    ) -> Result<HourCounts, postgres::Error> {
        let list = days.days();
        let Some(&first) = list.first() else { return Ok(HourCounts::new()) };
        let w = Bind::requests(&days.time_range(tz), endpoint);
        let sql = format!(
            "SELECT endpoint_id::int8, date_trunc('minute', time_requested), count(*) FROM {} WHERE {} GROUP BY 1, 2",
            self.tables().request,
            w.conditions()
        );
        let mut counts = HourCounts::new();
        for r in tx.query(&sql, &w.params())? {
            let Some(minute) = opt_instant(r.get(1)) else { continue };
            let Some((day, hour)) = bucket(minute, tz, first, list.len()) else { continue };
            let cells = counts.entry(r.get(0)).or_insert_with(|| vec![0; list.len() * 24]);
            if let Some(cell) = cells.get_mut(day * 24 + hour as usize) {
                *cell += u64::try_from(r.get::<_, i64>(2)).unwrap_or(0);
            }
        }
        Ok(counts)
    }

    /// Requests per local hour (in `tz`) of each day of `days`, for one endpoint or all of them (requests
    /// without an endpoint count in the total).
    pub fn hourly_load(&self, days: DayRange, tz: Tz, endpoint: Option<i64>) -> Result<HourlyLoad, StoreError> {
        let list = days.days();
        let mut data = vec![vec![0u64; list.len()]; 24];
        if list.is_empty() {
            return Ok(HourlyLoad { days: Vec::new(), data });
        }
        let counts = self.read_snapshot(|tx| self.local_hour_counts(tx, &days, tz, endpoint))?;
        for cells in counts.values() {
            for (i, n) in cells.iter().enumerate() {
                if let Some(cell) = data.get_mut(i % 24).and_then(|r| r.get_mut(i / 24)) {
                    *cell += n;
                }
            }
        }
        Ok(HourlyLoad { days: day_names(&list), data })
    }

    /// Requests per local day (in `tz`) of `days`, per endpoint of the Endpoint table (only `endpoint` when
    /// given), busiest in these days first, then by name.
    pub fn daily_requests(
        &self,
        days: DayRange,
        tz: Tz,
        endpoint: Option<i64>,
    ) -> Result<DailyUtilization, StoreError> {
        let list = days.days();
        let (hours, endpoints) =
            self.read_snapshot(|tx| Ok((self.local_hour_counts(tx, &days, tz, endpoint)?, self.endpoint_rows(tx)?)))?;
        let counts: HashMap<Option<i64>, Vec<u64>> =
            hours.into_iter().map(|(id, cells)| (id, cells.chunks(24).map(|day| day.iter().sum()).collect())).collect();
        let mut data: Vec<EndpointDays> = endpoints
            .into_iter()
            .filter(|e| endpoint.is_none() || endpoint == Some(e.id))
            .map(|e| EndpointDays {
                values: counts.get(&Some(e.id)).cloned().unwrap_or_else(|| vec![0; list.len()]),
                id: e.id,
                name: e.name,
            })
            .collect();
        data.sort_by(|a, b| {
            let total = |e: &EndpointDays| e.values.iter().sum::<u64>();
            total(b).cmp(&total(a)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(DailyUtilization { days: day_names(&list), data })
    }

    /// Requests per endpoint id in each of the `hours` hours before `now` (`[now - hours h, now)`, oldest hour
    /// first); endpoints without requests in that time, and requests without an endpoint or time, are absent.
    pub fn request_trend(&self, now: DateTime<Utc>, hours: usize) -> Result<HashMap<i64, Vec<u64>>, StoreError> {
        let span = i64::try_from(hours).unwrap_or(i64::MAX);
        let bounds: Vec<chrono::NaiveDateTime> =
            (0..=span).map(|h| param_time(now - Duration::hours(span) + Duration::hours(h))).collect();
        let (Some(&first), Some(&last)) = (bounds.first(), bounds.last()) else { return Ok(HashMap::new()) };
        let sql = format!(
            "SELECT endpoint_id::int8, width_bucket(time_requested, $3::timestamp[]), count(*) FROM {} \
             WHERE time_requested >= $1 AND time_requested < $2 AND endpoint_id IS NOT NULL GROUP BY 1, 2",
            self.tables().request
        );
        self.read_snapshot(|tx| {
            let mut out: HashMap<i64, Vec<u64>> = HashMap::new();
            for r in tx.query(&sql, &[&first, &last, &bounds])? {
                let hour = usize::try_from(r.get::<_, i32>(1)).unwrap_or(0).saturating_sub(1);
                if let Some(cell) = out.entry(r.get(0)).or_insert_with(|| vec![0; hours]).get_mut(hour) {
                    *cell += u64::try_from(r.get::<_, i64>(2)).unwrap_or(0);
                }
            }
            Ok(out)
        })
    }

    /// The earliest request time (`None` for an empty table).
    pub fn first_request_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = format!("SELECT min(time_requested) FROM {}", self.tables().request);
        self.read_snapshot(|tx| Ok(opt_instant(tx.query_one(&sql, &[])?.get(0))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hours_follow_dst() {
        let first: NaiveDate = "2026-03-28".parse().expect("date");
        let tz = chrono_tz::Europe::Amsterdam;
        let t = |s: &str| s.parse::<DateTime<Utc>>().expect("instant");
        // 00:30 UTC on the 29th is 01:30 CET; 01:30 UTC is 03:30 CEST (02:00-03:00 does not exist that night).
        assert_eq!(bucket(t("2026-03-29T00:30:00Z"), tz, first, 3), Some((1, 1)));
        assert_eq!(bucket(t("2026-03-29T01:30:00Z"), tz, first, 3), Some((1, 3)));
        assert_eq!(bucket(t("2026-03-27T22:59:00Z"), tz, first, 3), None, "before the first day");
        assert_eq!(bucket(t("2026-03-30T22:00:00Z"), tz, first, 3), None, "after the last day");
    }
}
