//! Hourly load: requests per local hour of each local day (FMD's `/api/hourly_load/<start>/<end>[/<id>]`).

use chrono_tz::Tz;
use serde::Serialize;

use super::DayRange;
use crate::store::{Store, StoreError};

/// A days x 24 hours heatmap of request counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourlyLoad {
    /// The local days, `YYYY-MM-DD`, first to last.
    pub days: Vec<String>,
    /// `data[hour][day]`: requests in local hour `hour` (0-23) of `days[day]`; always 24 rows.
    pub data: Vec<Vec<u64>>,
}

impl Store {
    /// Requests per local hour (in `tz`) of each day of `days`, for one endpoint or all of them.
    ///
    /// Like FMD, but a request counts for the local hour it falls in even across DST changes (FMD indexes days
    /// in fixed 24 h steps from the first midnight and overwrites a repeated hour), and the last day ends at
    /// the next local midnight (FMD stops at 23:59:59.000000).
    pub fn hourly_load(&self, days: DayRange, tz: Tz, endpoint: Option<i64>) -> Result<HourlyLoad, StoreError> {
        let list = days.days();
        let mut data = vec![vec![0u64; list.len()]; 24];
        if list.is_empty() {
            return Ok(HourlyLoad { days: Vec::new(), data });
        }
        let counts = self.view_snapshot(|| self.local_hour_counts(&days, tz, endpoint))?;
        for cells in counts.values() {
            for (i, n) in cells.iter().enumerate() {
                if let Some(cell) = data.get_mut(i % 24).and_then(|r| r.get_mut(i / 24)) {
                    *cell += n;
                }
            }
        }
        Ok(HourlyLoad { days: list.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect(), data })
    }
}
