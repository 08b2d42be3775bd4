//! A batch's Request rows in one statement: a prepared `INSERT … SELECT FROM unnest(arrays) WITH ORDINALITY
//! ORDER BY ord` (the write path), or binary `COPY` with ids reserved from the sequence first (kept for the
//! measurement in pg/tests/write.rs, `insert_speed`, which chose between them).

use fmd_core::store::WriteBatch;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::Transaction;

use super::values::{fit, int4, timestamp, SHORT_CHARS};

/// How a batch's Request rows go in.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestInsert {
    /// One `INSERT … SELECT … FROM unnest($arrays) WITH ORDINALITY … ORDER BY ord [RETURNING id]`.
    Unnest,
    /// `COPY … FROM STDIN (FORMAT binary)`; when the ids are needed, reserved first from `nextval` over
    /// `generate_series`.
    Copy,
}

/// The batch's rows as column arrays.
struct Columns<'a> {
    endpoint: Vec<i32>,
    duration: Vec<f64>,
    time: Vec<chrono::NaiveDateTime>,
    group_by: Vec<std::borrow::Cow<'a, str>>,
    ip: Vec<std::borrow::Cow<'a, str>>,
    status: Vec<i32>,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a WriteBatch) -> Columns<'a> {
        let n = batch.requests.len();
        let mut c = Columns {
            endpoint: Vec::with_capacity(n),
            duration: Vec::with_capacity(n),
            time: Vec::with_capacity(n),
            group_by: Vec::with_capacity(n),
            ip: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
        };
        for r in &batch.requests {
            c.endpoint.push(int4(r.endpoint_id));
            c.duration.push(r.duration_ms);
            c.time.push(timestamp(r.time_micros));
            c.group_by.push(fit(&r.group_by, SHORT_CHARS));
            c.ip.push(fit(&r.ip, SHORT_CHARS));
            c.status.push(i32::from(r.status_code));
        }
        c
    }
}

/// Inserts the batch's Request rows; returns their ids in `batch.requests` order when `with_ids`.
pub(super) fn insert(
    tx: &mut Transaction<'_>,
    table: &str,
    batch: &WriteBatch,
    with_ids: bool,
    how: RequestInsert,
) -> Result<Vec<i32>, postgres::Error> {
    if batch.requests.is_empty() {
        return Ok(Vec::new());
    }
    match how {
        RequestInsert::Unnest => insert_unnest(tx, table, batch, with_ids),
        RequestInsert::Copy => insert_copy(tx, table, batch, with_ids),
    }
}

fn insert_unnest(
    tx: &mut Transaction<'_>,
    table: &str,
    batch: &WriteBatch,
    with_ids: bool,
) -> Result<Vec<i32>, postgres::Error> {
    let c = Columns::of(batch);
    let version = fit(&batch.version, SHORT_CHARS);
    let group_by: Vec<&str> = c.group_by.iter().map(|s| &**s).collect();
    let ip: Vec<&str> = c.ip.iter().map(|s| &**s).collect();
    // The ids come from the column default, evaluated row by row after the sort (PostgreSQL evaluates volatile
    // expressions above ORDER BY), so they ascend in `ord` order; sorting what RETURNING gives makes the
    // mapping independent of the order it returns rows in.
    let sql = format!(
        "INSERT INTO {table} (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
         SELECT u.e, u.d, u.t, $1::text, u.g, u.i, u.s \
         FROM unnest($2::int4[], $3::float8[], $4::timestamp[], $5::text[], $6::text[], $7::int4[]) \
         WITH ORDINALITY AS u(e, d, t, g, i, s, ord) ORDER BY u.ord{}",
        if with_ids { " RETURNING id" } else { "" }
    );
    let version: &str = &version;
    // Typed parameters: parsed, bound and run in one round trip.
    let params: [(&(dyn ToSql + Sync), Type); 7] = [
        (&version, Type::TEXT),
        (&c.endpoint, Type::INT4_ARRAY),
        (&c.duration, Type::FLOAT8_ARRAY),
        (&c.time, Type::TIMESTAMP_ARRAY),
        (&group_by, Type::TEXT_ARRAY),
        (&ip, Type::TEXT_ARRAY),
        (&c.status, Type::INT4_ARRAY),
    ];
    if !with_ids {
        tx.execute_typed(&sql, &params)?;
        return Ok(Vec::new());
    }
    let mut ids: Vec<i32> = tx.query_typed(&sql, &params)?.iter().map(|r| r.get(0)).collect();
    ids.sort_unstable();
    Ok(ids)
}

/// Reserves `n` ids of `table`'s `id` sequence, ascending.
pub(super) fn reserve_ids(tx: &mut Transaction<'_>, table: &str, n: usize) -> Result<Vec<i32>, postgres::Error> {
    let count = i32::try_from(n).unwrap_or(i32::MAX);
    let rows = tx.query_typed(
        "WITH s AS (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) \
         SELECT nextval(s.seq)::int4 FROM s, generate_series(1, $2)",
        &[(&table, Type::TEXT), (&count, Type::INT4)],
    )?;
    let mut ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    ids.sort_unstable();
    Ok(ids)
}

fn insert_copy(
    tx: &mut Transaction<'_>,
    table: &str,
    batch: &WriteBatch,
    with_ids: bool,
) -> Result<Vec<i32>, postgres::Error> {
    if !with_ids {
        return copy_rows(tx, table, batch, None).map(|()| Vec::new());
    }
    let ids = reserve_ids(tx, table, batch.requests.len())?;
    copy_rows(tx, table, batch, Some(&ids))?;
    Ok(ids)
}

/// `COPY`s the batch's rows, with `ids` (else the column default gives them).
fn copy_rows(
    tx: &mut Transaction<'_>,
    table: &str,
    batch: &WriteBatch,
    ids: Option<&[i32]>,
) -> Result<(), postgres::Error> {
    let c = Columns::of(batch);
    let version = fit(&batch.version, SHORT_CHARS);
    let version: &str = &version;
    let sink = tx.copy_in(&format!(
        "COPY {table} ({}endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
         FROM STDIN (FORMAT binary)",
        if ids.is_some() { "id, " } else { "" }
    ))?;
    let mut types =
        vec![Type::INT4, Type::FLOAT8, Type::TIMESTAMP, Type::VARCHAR, Type::VARCHAR, Type::VARCHAR, Type::INT4];
    if ids.is_some() {
        types.insert(0, Type::INT4);
    }
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    for i in 0..batch.requests.len() {
        let (group_by, ip): (&str, &str) = (&c.group_by[i], &c.ip[i]);
        let row: [&(dyn ToSql + Sync); 7] =
            [&c.endpoint[i], &c.duration[i], &c.time[i], &version, &group_by, &ip, &c.status[i]];
        match ids {
            Some(ids) => {
                let mut with_id: Vec<&(dyn ToSql + Sync)> = vec![&ids[i]];
                with_id.extend(row);
                writer.write(&with_id)?;
            }
            None => writer.write(&row)?,
        }
    }
    writer.finish()?;
    Ok(())
}
