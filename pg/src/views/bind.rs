//! What the PostgreSQL views (and the editor) share: WHERE conditions built with bind parameters (never a value
//! in the SQL text), the read snapshot a view runs in, and the conversions between `fmd_core`'s values and
//! PostgreSQL's.
//!
//! Times: PostgreSQL holds FMD's naive-UTC `timestamp without time zone`; `fmd_core` works in
//! `DateTime<Utc>` with microseconds. Both directions are exact at microsecond precision: an instant is
//! truncated to the microsecond as FMD's text (`%.6f`) truncates it, so a bound compares with the stored
//! times exactly as SQLite's text comparison does. An instant before the first one PostgreSQL can hold
//! (4714-11-24 BC) is bound as that first instant, which keeps the same rows on either side of a comparison
//! (every stored time is at or after it); every later instant `chrono` has (up to year 262143) fits
//! PostgreSQL's range (up to 294276) as it is.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use fmd_core::store::TimeRange;
use fmd_core::timefmt::FMD_FORMAT;
use fmd_core::StoreError;
use postgres::types::ToSql;
use postgres::{IsolationLevel, Transaction};

use crate::PgStore;

/// SQL conditions joined by AND, with the bind parameters their placeholders (`$1`, `$2`, ...) name.
#[derive(Default)]
pub(crate) struct Bind {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Bind {
    /// `range` on `time_requested` and `endpoint` on `endpoint_id`: the Request rows the SQLite filter keeps.
    pub(crate) fn requests(range: &TimeRange, endpoint: Option<i64>) -> Bind {
        let mut b = Bind::default();
        b.time_range("time_requested", range);
        b.endpoint(endpoint);
        b
    }

    /// Adds a parameter and returns its placeholder (`$n`), for values whose type the SQL around it fixes.
    pub(crate) fn value(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    /// Adds a parameter and returns its placeholder cast to `sql_type` (so PostgreSQL infers the type the
    /// value is sent as).
    pub(crate) fn param(&mut self, value: impl ToSql + Sync + 'static, sql_type: &str) -> String {
        format!("{}::{sql_type}", self.value(value))
    }

    /// An `int8` parameter.
    pub(crate) fn int(&mut self, value: i64) -> String {
        self.param(value, "int8")
    }

    /// A `text` parameter.
    pub(crate) fn text(&mut self, value: &str) -> String {
        self.param(value.to_string(), "text")
    }

    /// Adds a condition (which may name placeholders returned by [`Bind::param`]).
    pub(crate) fn and(&mut self, clause: impl Into<String>) -> &mut Bind {
        self.clauses.push(clause.into());
        self
    }

    /// `column` within `range` (half-open, `[from, to)`), as SQLite's comparison of FMD's times keeps rows:
    /// NULL times fall outside every bounded side.
    pub(crate) fn time_range(&mut self, column: &str, range: &TimeRange) -> &mut Bind {
        if let Some(from) = range.from {
            let p = self.param(param_time(from), "timestamp");
            self.and(format!("{column} >= {p}"));
        }
        if let Some(to) = range.to {
            let p = self.param(param_time(to), "timestamp");
            self.and(format!("{column} < {p}"));
        }
        self
    }

    /// `endpoint_id = endpoint` when given.
    pub(crate) fn endpoint(&mut self, endpoint: Option<i64>) -> &mut Bind {
        if let Some(id) = endpoint {
            let p = self.int(id);
            self.and(format!("endpoint_id = {p}"));
        }
        self
    }

    /// The conditions (`TRUE` when there are none).
    pub(crate) fn conditions(&self) -> String {
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

/// The earliest instant a PostgreSQL `timestamp` holds (4714-11-24 BC, proleptic Gregorian as PostgreSQL reckons).
fn pg_min() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(-4713, 11, 24).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or(NaiveDateTime::MIN)
}

/// An instant as PostgreSQL's naive UTC timestamp, truncated to microseconds (as FMD's text holds it).
pub(crate) fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t).naive_utc()
}

/// An instant as a `timestamp` parameter: [`naive`], and instants before anything PostgreSQL can store as its
/// first instant (see the module documentation).
pub(crate) fn param_time(t: DateTime<Utc>) -> NaiveDateTime {
    naive(t).max(pg_min())
}

/// A stored `timestamp` (naive UTC) as an instant.
pub(crate) fn instant(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// An optional stored `timestamp` as an instant.
pub(crate) fn opt_instant(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(instant)
}

/// A timestamp as FMD's text (`YYYY-MM-DD HH:MM:SS.ffffff`), as the SQLite views return stored times.
pub(crate) fn fmd_text(t: NaiveDateTime) -> String {
    t.format(FMD_FORMAT).to_string()
}

/// A duration as the SQLite views use it: finite, or unusable.
pub(crate) fn usable(d: Option<f64>) -> Option<f64> {
    d.filter(|d| d.is_finite())
}

/// A count read from PostgreSQL as `u64` (negative reads as 0).
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `limit` or `offset` as PostgreSQL's bigint.
pub(crate) fn big(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// SQL condition keeping finite durations (`NaN` and infinities fail it; PostgreSQL orders NaN above all).
pub(crate) const FINITE: &str = "abs(duration) < 'Infinity'::float8";

/// SQL condition of SQLite's `VALID_DURATION`: a number within ±1e308 (NaN and infinities fail it).
pub(crate) const VALID_DURATION: &str = "duration BETWEEN -1e308::float8 AND 1e308::float8";

impl PgStore {
    /// Runs `f` in one read-only REPEATABLE READ transaction, so a view's queries read one snapshot even while
    /// recorders write (as each SQLite view runs in one read transaction).
    pub(crate) fn read_snapshot<T>(
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_convert_exactly_and_format_as_fmd() {
        let t: DateTime<Utc> = "2026-11-17T22:06:11.259339Z".parse().expect("instant");
        assert_eq!(instant(naive(t)), t);
        assert_eq!(fmd_text(naive(t)), "2026-11-17 22:06:11.259339");
        let nanos: DateTime<Utc> = "2026-11-17T22:06:11.259339999Z".parse().expect("instant");
        assert_eq!(instant(naive(nanos)), t, "truncated to microseconds like FMD's text");
        let before_2000: DateTime<Utc> = "1999-12-31T23:59:59.999999999Z".parse().expect("instant");
        assert_eq!(fmd_text(param_time(before_2000)), "1999-12-31 23:59:59.999999", "floored, not rounded to 2000");
        assert_eq!(param_time(DateTime::<Utc>::MIN_UTC), pg_min());
        assert_eq!(param_time(DateTime::<Utc>::MAX_UTC), naive(DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn conditions_number_their_parameters() {
        let from: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().expect("instant");
        let b = Bind::requests(&TimeRange::new(Some(from), Some(DateTime::<Utc>::MIN_UTC)), Some(3));
        assert_eq!(
            b.conditions(),
            "time_requested >= $1::timestamp AND time_requested < $2::timestamp AND endpoint_id = $3::int8"
        );
        assert_eq!(b.params().len(), 3);
        let mut b = Bind::default();
        let p = b.value(vec![1_i64]);
        b.and(format!("id = ANY({p})")).and("TRUE");
        assert_eq!(b.conditions(), "id = ANY($1) AND TRUE");
        assert_eq!(Bind::requests(&TimeRange::ALL, None).conditions(), "TRUE");
    }
}
