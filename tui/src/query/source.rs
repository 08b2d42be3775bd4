//! The real [`Source`]: the store's views, one per tab, over the window and endpoint of the [`ViewKey`].

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::store::views::GroupColumn;
use fmd_core::Store;

use super::{sql, Overview, Source};
use crate::nav::Window;
use crate::views::{ViewData, ViewKey, ViewKind};

/// Most users or IPs listed with box plots (the busiest).
pub const GROUP_TOP: usize = 500;
/// Most users or IPs in a version matrix (the busiest).
pub const MATRIX_TOP: usize = 200;

/// The real source: a read-only store for queries; level writes open a short-lived editor on the same file.
pub struct StoreSource {
    store: Store,
    path: PathBuf,
    prefix: String,
    timezone: Tz,
}

impl StoreSource {
    /// Wraps an open reader; `timezone` decides where "today" starts and which local hour a request is in.
    pub fn new(store: Store, timezone: Tz) -> StoreSource {
        let path = store.path().to_path_buf();
        let prefix = store.tables().prefix().to_string();
        StoreSource { store, path, prefix, timezone }
    }

    fn endpoint(key: &ViewKey) -> Result<i64, String> {
        key.endpoint.ok_or_else(|| format!("{:?} needs an endpoint", key.kind))
    }
}

impl Source for StoreSource {
    fn overview(&mut self, now: DateTime<Utc>) -> Result<Overview, String> {
        let rows = self.store.overview(now, self.timezone).map_err(|e| e.to_string())?;
        let (dropped, failed) = self.store.recorder_losses().map_err(|e| e.to_string())?;
        let trends = sql::trends(&self.store, now)?;
        Ok(Overview { rows, dropped, failed, trends })
    }

    fn view(&mut self, key: ViewKey, now: DateTime<Utc>, limit: usize) -> Result<ViewData, String> {
        let store = &self.store;
        let tz = self.timezone;
        let range = key.window.range(now);
        let days = || -> Result<_, String> {
            let first = match key.window {
                Window::All => sql::first_request(store)?.map(|t| t.with_timezone(&tz).date_naive()),
                _ => None,
            };
            Ok(key.window.days(now, tz, first))
        };
        let e = |error: fmd_core::StoreError| error.to_string();
        Ok(match key.kind {
            ViewKind::DashHourly => ViewData::Hourly(store.hourly_load(days()?, tz, None).map_err(e)?),
            ViewKind::DashDaily => ViewData::Daily(store.daily_requests(days()?, tz, None).map_err(e)?),
            ViewKind::DashVersions => ViewData::Versions(store.multi_version(range).map_err(e)?),
            ViewKind::DashPerformance => ViewData::Performance(store.api_performance(range, None).map_err(e)?),
            ViewKind::DashStatus => ViewData::DashStatus(sql::dash_status(store, range, limit)?),
            ViewKind::Summary => ViewData::Summary(store.endpoint_summary(Self::endpoint(&key)?, range).map_err(e)?),
            ViewKind::Hourly => {
                ViewData::Hourly(store.hourly_load(days()?, tz, Some(Self::endpoint(&key)?)).map_err(e)?)
            }
            ViewKind::Versions => {
                ViewData::VersionPerformance(store.version_performance(Self::endpoint(&key)?, range).map_err(e)?)
            }
            ViewKind::Users | ViewKind::Ips => {
                let column = if key.kind == ViewKind::Users { GroupColumn::User } else { GroupColumn::Ip };
                let id = Self::endpoint(&key)?;
                ViewData::Groups(store.group_performance(id, column, range, Some(GROUP_TOP)).map_err(e)?)
            }
            ViewKind::UserVersion | ViewKind::IpVersion => {
                let column = if key.kind == ViewKind::UserVersion { GroupColumn::User } else { GroupColumn::Ip };
                let id = Self::endpoint(&key)?;
                ViewData::Matrix(store.version_matrix(id, column, range, MATRIX_TOP).map_err(e)?)
            }
            ViewKind::Status => ViewData::Status(store.status_codes(Self::endpoint(&key)?, range, limit).map_err(e)?),
            ViewKind::Requests => {
                ViewData::Requests(store.recent_requests(Self::endpoint(&key)?, range, limit, 0).map_err(e)?)
            }
        })
    }

    fn set_level(&mut self, name: &str, level: u8) -> Result<(), String> {
        let editor = Store::open_editor(&self.path, Some(&self.prefix)).map_err(|e| e.to_string())?;
        editor.set_level(name, level).map_err(|e| e.to_string())
    }
}
