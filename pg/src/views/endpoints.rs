//! The Endpoint rows the views list (id, name, level, last request).

use chrono::{DateTime, Utc};
use postgres::Transaction;

use super::bind::opt_instant;
use crate::PgStore;

/// An Endpoint row as the views need it.
#[derive(Debug, Clone)]
pub(crate) struct EndpointRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) level: Option<u8>,
    pub(crate) last_requested: Option<DateTime<Utc>>,
}

/// A monitoring level as the views show it: 0-3, anything else `None`.
pub(crate) fn level_of(value: Option<i64>) -> Option<u8> {
    value.filter(|l| (0..=3).contains(l)).map(|l| l as u8)
}

impl PgStore {
    /// Every endpoint (id, name, level, last_requested), by id.
    pub(crate) fn endpoint_rows(&self, tx: &mut Transaction<'_>) -> Result<Vec<EndpointRow>, postgres::Error> {
        let sql = format!(
            "SELECT id::int8, name::text, monitor_level::int8, last_requested FROM {} ORDER BY id",
            self.tables().endpoint
        );
        Ok(tx
            .query(&sql, &[])?
            .iter()
            .map(|r| EndpointRow {
                id: r.get(0),
                name: r.get::<_, Option<String>>(1).unwrap_or_default(),
                level: level_of(r.get(2)),
                last_requested: opt_instant(r.get(3)),
            })
            .collect())
    }
}
