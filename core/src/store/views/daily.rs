//! Daily utilization: requests per local day per endpoint (FMD's `/api/requests/<start>/<end>`).

use std::collections::HashMap;

use chrono_tz::Tz;
use serde::Serialize;

use super::DayRange;
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
        let (hours, endpoints) =
            self.view_snapshot(|| Ok((self.local_hour_counts(&days, tz, endpoint)?, self.view_endpoint_rows()?)))?;
        let counts: HashMap<i64, Vec<u64>> =
            hours.into_iter().map(|(id, cells)| (id, cells.chunks(24).map(|day| day.iter().sum()).collect())).collect();
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
