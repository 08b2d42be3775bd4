//! Daily utilization: requests per local day per endpoint (FMD's `/api/requests/<start>/<end>`).

use std::collections::HashMap;

use chrono_tz::Tz;
use serde::Serialize;

use super::{int_of, DayRange, Filter, LocalBucketer};
use crate::store::{Store, StoreError};

/// Requests per local day, per endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyUtilization {
    /// The local days, `YYYY-MM-DD`, first to last.
    pub days: Vec<String>,
    /// One entry per endpoint, busiest (in these days) first, then by name; endpoints without requests too.
    pub data: Vec<EndpointDays>,
}

/// One endpoint's requests per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointDays {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
    /// Requests on each of [`DailyUtilization::days`].
    pub values: Vec<u64>,
}

impl Store {
    /// Requests per local day (in `tz`) of `days`, per endpoint (only `endpoint` when given).
    ///
    /// Requests of endpoint ids missing from the Endpoint table are not listed. FMD orders endpoints by
    /// all-time hits; this orders them by hits within `days`.
    pub fn daily_requests(
        &self,
        days: DayRange,
        tz: Tz,
        endpoint: Option<i64>,
    ) -> Result<DailyUtilization, StoreError> {
        let list = days.days();
        let filter = Filter::new(&days.time_range(tz), endpoint);
        let sql = format!("SELECT time_requested, endpoint_id FROM {} WHERE {}", self.tables.request, filter.sql());
        let (counts, endpoints) = self.view_snapshot(|| {
            let mut counts: HashMap<i64, Vec<u64>> = HashMap::new();
            if let Some(&first) = list.first() {
                let mut bucketer = LocalBucketer::new(tz, first, list.len());
                let mut stmt = self.conn.prepare(&sql)?;
                let mut rows = stmt.query(filter.params())?;
                while let Some(row) = rows.next()? {
                    let (Some((day, _)), Some(id)) = (bucketer.bucket(row.get_ref(0)?), int_of(row.get_ref(1)?)) else {
                        continue;
                    };
                    if let Some(cell) = counts.entry(id).or_insert_with(|| vec![0; list.len()]).get_mut(day) {
                        *cell += 1;
                    }
                }
            }
            Ok((counts, self.view_endpoint_rows()?))
        })?;
        let mut data: Vec<EndpointDays> = endpoints
            .into_iter()
            .filter(|e| endpoint.is_none() || endpoint == Some(e.id))
            .map(|e| EndpointDays {
                values: counts.get(&e.id).cloned().unwrap_or_else(|| vec![0; list.len()]),
                id: e.id,
                name: e.name,
            })
            .collect();
        data.sort_by(|a, b| {
            let total = |e: &EndpointDays| e.values.iter().sum::<u64>();
            total(b).cmp(&total(a)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(DailyUtilization { days: list.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect(), data })
    }
}
