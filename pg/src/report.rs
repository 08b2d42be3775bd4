//! FMD's report on PostgreSQL: both sides read in one read-only snapshot, then the same statistics as on
//! SQLite ([`fmd_core::report::assemble`]).

use fmd_core::report::{assemble, Report, ReportOptions, Selection, SideData};
use fmd_core::StoreError;
use postgres::types::ToSql;
use postgres::{IsolationLevel, Transaction};

use crate::PgStore;

impl PgStore {
    /// Compares any two selections (intervals, versions or one of each), as `fmd_core::Store::report` does.
    pub fn report(
        &self,
        comparison: &Selection,
        baseline: &Selection,
        options: &ReportOptions,
    ) -> Result<Report, StoreError> {
        let t = self.tables().clone();
        self.with(|client| {
            let mut tx =
                client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
            let endpoints = tx
                .query(
                    &format!(
                        "SELECT e.id, e.name, (SELECT count(*) FROM {r} r WHERE r.endpoint_id = e.id) AS hits \
                         FROM {e} e ORDER BY hits DESC, e.name COLLATE \"C\"",
                        r = t.request,
                        e = t.endpoint
                    ),
                    &[],
                )?
                .iter()
                .map(|row| (i64::from(row.get::<_, i32>(0)), row.get::<_, String>(1)))
                .collect();
            let current = side(&mut tx, &t.request, comparison, options.sample_size)?;
            let base = side(&mut tx, &t.request, baseline, options.sample_size)?;
            tx.commit()?;
            Ok(assemble(comparison, baseline, endpoints, &current, &base, options))
        })
    }
}

/// One side's rows in `(time_requested, id)` order, NULL times first as SQLite orders them.
fn side(
    tx: &mut Transaction<'_>,
    request: &str,
    selection: &Selection,
    sample_size: usize,
) -> Result<SideData, postgres::Error> {
    let (from, to);
    let version;
    let (condition, params): (&str, Vec<&(dyn ToSql + Sync)>) = match selection {
        Selection::Interval { interval } => {
            from = interval.from.naive_utc();
            to = interval.to.naive_utc();
            ("time_requested > $1 AND time_requested <= $2", vec![&from as &(dyn ToSql + Sync), &to])
        }
        Selection::Version { version: v } => {
            version = v.clone();
            ("version_requested = $1", vec![&version as &(dyn ToSql + Sync)])
        }
    };
    let rows = tx.query(
        &format!(
            "SELECT endpoint_id, status_code, duration FROM {request} WHERE {condition} \
             ORDER BY time_requested NULLS FIRST, id"
        ),
        &params,
    )?;
    Ok(SideData::from_rows(
        rows.iter().filter_map(|row| {
            let endpoint: Option<i32> = row.get(0);
            let code: Option<i32> = row.get(1);
            Some((i64::from(endpoint?), code.map(i64::from), Some(row.get::<_, f64>(2))))
        }),
        sample_size,
    ))
}
