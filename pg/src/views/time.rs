//! What every view query shares: a [`TimeRange`] and an endpoint as a `WHERE` clause with bind parameters,
//! timestamps both ways (`timestamp without time zone` holds naive UTC), one read snapshot per view, and the
//! Endpoint rows the views list.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use postgres::types::ToSql;
use postgres::{IsolationLevel, Transaction};

use crate::PgStore;
use fmd_core::store::TimeRange;
use fmd_core::StoreError;

/// The earliest instant a PostgreSQL `timestamp` holds (4714-11-24 BC, proleptic Gregorian as PostgreSQL reckons).
fn pg_min() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(-4713, 11, 24).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or(NaiveDateTime::MIN)
}

/// A stored `timestamp` (naive UTC) as an instant.
pub(crate) fn instant(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// An optional stored `timestamp` as an instant.
pub(crate) fn opt_instant(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(instant)
}

/// An instant as a `timestamp` parameter. Instants before anything PostgreSQL can store become its first
/// instant, which keeps the same rows on either side of a comparison (every non-NULL time is at or after it).
pub(crate) fn param_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().max(pg_min())
}

/// A `WHERE` clause built from conditions with their bind parameters (`$1`, `$2`, ... in order of adding).
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Where {
    /// No condition.
    pub(crate) fn new() -> Where {
        Where::default()
    }

    /// `range` on `time_requested` and `endpoint` on `endpoint_id`: the same rows the SQLite filter keeps
    /// (its text comparison leaves NULL times out of every bounded side).
    pub(crate) fn range(range: &TimeRange, endpoint: Option<i64>) -> Where {
        let mut w = Where::new();
        w.time_range("time_requested", range);
        w.endpoint(endpoint);
        w
    }

    /// Adds a parameter, returning its placeholder (`$n`).
    pub(crate) fn param(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    /// Adds a condition (which may name placeholders returned by [`Where::param`]).
    pub(crate) fn and(&mut self, clause: impl Into<String>) -> &mut Where {
        self.clauses.push(clause.into());
        self
    }

    /// `column` within `range`, half-open (NULL times are outside every bounded side, as on SQLite).
    pub(crate) fn time_range(&mut self, column: &str, range: &TimeRange) -> &mut Where {
        if let Some(from) = range.from {
            let p = self.param(param_time(from));
            self.and(format!("{column} >= {p}"));
        }
        if let Some(to) = range.to {
            let p = self.param(param_time(to));
            self.and(format!("{column} < {p}"));
        }
        self
    }

    /// `endpoint_id = endpoint` when given.
    pub(crate) fn endpoint(&mut self, endpoint: Option<i64>) -> &mut Where {
        if let Some(id) = endpoint {
            let p = self.param(id);
            self.and(format!("endpoint_id = {p}::int8"));
        }
        self
    }

    /// The condition text (`TRUE` when there is none).
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// The parameters, in placeholder order.
    pub(crate) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

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
    /// Runs `f` in one read-only, repeatable-read transaction, so a view's queries see one snapshot even while
    /// recorders write.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        self.with(|client| {
            let mut tx =
                client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_parameters() {
        let from: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().expect("instant");
        let w = Where::range(&TimeRange::new(Some(from), Some(DateTime::<Utc>::MIN_UTC)), Some(3));
        assert_eq!(w.sql(), "time_requested >= $1 AND time_requested < $2 AND endpoint_id = $3::int8");
        assert_eq!(w.params().len(), 3);
        assert_eq!(param_time(DateTime::<Utc>::MIN_UTC), pg_min());
        assert_eq!(param_time(from), from.naive_utc());
        assert_eq!(Where::range(&TimeRange::ALL, None).sql(), "TRUE");
    }
}
