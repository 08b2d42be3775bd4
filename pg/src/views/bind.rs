//! What the PostgreSQL views share: WHERE conditions built with bind parameters (never a value in the SQL text),
//! the read snapshot a view runs in, and the conversions between `fmd_core`'s values and PostgreSQL's.
//!
//! Times: PostgreSQL holds FMD's naive-UTC `timestamp without time zone`; `fmd_core` works in
//! `DateTime<Utc>` with microseconds. Both directions are exact at microsecond precision.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use fmd_core::store::TimeRange;
use fmd_core::timefmt::FMD_FORMAT;
use fmd_core::StoreError;
use postgres::types::ToSql;
use postgres::IsolationLevel;

use crate::PgStore;

/// SQL conditions joined by AND, with the bind parameters their placeholders (`$1`, `$2`, ...) name.
#[derive(Default)]
pub(crate) struct Bind {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Bind {
    /// Adds a parameter and returns its placeholder cast to `sql_type` (so PostgreSQL infers the type the
    /// value is sent as).
    pub(crate) fn param(&mut self, value: impl ToSql + Sync + 'static, sql_type: &str) -> String {
        self.params.push(Box::new(value));
        format!("${}::{sql_type}", self.params.len())
    }

    /// An `int8` parameter.
    pub(crate) fn int(&mut self, value: i64) -> String {
        self.param(value, "int8")
    }

    /// A `text` parameter.
    pub(crate) fn text(&mut self, value: &str) -> String {
        self.param(value.to_string(), "text")
    }

    /// Adds a condition.
    pub(crate) fn and(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    /// `column` within `range` (half-open, `[from, to)`), as SQLite's text comparison of FMD's times orders
    /// them: NULL times fall outside every bounded range.
    pub(crate) fn range(&mut self, column: &str, range: &TimeRange) {
        if let Some(from) = range.from {
            match bound(from) {
                Bound::Before => {}
                Bound::At(t) => {
                    let p = self.param(t, "timestamp");
                    self.and(format!("{column} >= {p}"));
                }
                Bound::After => self.and("FALSE"),
            }
        }
        if let Some(to) = range.to {
            match bound(to) {
                Bound::Before => self.and("FALSE"),
                Bound::At(t) => {
                    let p = self.param(t, "timestamp");
                    self.and(format!("{column} < {p}"));
                }
                Bound::After => {}
            }
        }
        if range.is_bounded() {
            self.and(format!("{column} IS NOT NULL"));
        }
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

/// Where an instant lies against the times PostgreSQL can hold (years 1-9999 here, which every FMD time is in).
enum Bound {
    Before,
    At(NaiveDateTime),
    After,
}

fn bound(t: DateTime<Utc>) -> Bound {
    let naive = naive(t);
    match naive.year() {
        ..=0 => Bound::Before,
        1..=9999 => Bound::At(naive),
        _ => Bound::After,
    }
}

/// An instant as PostgreSQL's naive UTC timestamp, truncated to microseconds (as FMD's text holds it).
pub(crate) fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t).naive_utc()
}

/// A naive UTC timestamp as an instant.
pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
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

/// SQL condition of SQLite's `VALID_DURATION`: a number within ±1e308.
pub(crate) const VALID_DURATION: &str = "duration BETWEEN -1e308::float8 AND 1e308::float8";

impl PgStore {
    /// Runs `f` in one read-only REPEATABLE READ transaction, so a view's queries read one snapshot (as each
    /// SQLite view runs in one read transaction).
    pub(crate) fn read_snapshot<T>(
        &self,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        self.with(|client| {
            let mut tx =
                client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// True when the table `name` (unquoted, prefix included) exists on the search path.
    pub(crate) fn table_exists(client: &mut impl postgres::GenericClient, name: &str) -> Result<bool, postgres::Error> {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        client.query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&quoted])?.try_get(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_convert_exactly_and_format_as_fmd() {
        let t: DateTime<Utc> = "2026-11-17T22:06:11.259339Z".parse().expect("instant");
        assert_eq!(utc(naive(t)), t);
        assert_eq!(fmd_text(naive(t)), "2026-11-17 22:06:11.259339");
        let nanos: DateTime<Utc> = "2026-11-17T22:06:11.259339999Z".parse().expect("instant");
        assert_eq!(utc(naive(nanos)), t, "truncated to microseconds like FMD's text");
    }

    #[test]
    fn ranges_bind_their_bounds() {
        let mut b = Bind::default();
        let from: DateTime<Utc> = "2026-11-17T00:00:00Z".parse().expect("instant");
        b.range("time_requested", &TimeRange::since(from));
        assert_eq!(b.conditions(), "time_requested >= $1::timestamp AND time_requested IS NOT NULL");
        assert_eq!(b.params().len(), 1);
        let mut b = Bind::default();
        b.range("t", &TimeRange::new(Some(DateTime::<Utc>::MIN_UTC), Some(DateTime::<Utc>::MIN_UTC)));
        assert_eq!(b.conditions(), "FALSE AND t IS NOT NULL");
        assert_eq!(Bind::default().conditions(), "TRUE");
    }
}
