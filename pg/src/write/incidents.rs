//! A batch's Outlier rows, and its exceptions in FMD's deduplicated tables, written exactly as
//! `fmd_core`'s SQLite store writes them (core/src/store/exceptions.rs: the same lookups in the same order,
//! so the same ids on the same data), each attached to its request's new id.

use std::collections::HashMap;

use fmd_core::store::{NewException, NewFrame, NewOutlier, Tables};
use postgres::types::{ToSql, Type};
use postgres::{Statement, Transaction};

use super::values::{clean, fit, CPU_CHARS, NAME_CHARS, TYPE_CHARS, URL_CHARS};

/// Taken (per database, until commit) by writes that deduplicate rows without a unique constraint
/// (exception types, messages, definitions, locations, frames; code lines), so that writers never store one
/// twice: "fmd_dedu".
pub(super) const DEDUP_LOCK: i64 = 0x666d_645f_6465_6475;

/// Inserts the outliers; `ids[i]` is the row id of `batch.requests[i]` (outliers of other positions are skipped).
pub(super) fn insert_outliers(
    tx: &mut Transaction<'_>,
    t: &Tables,
    outliers: &[NewOutlier],
    ids: &[i32],
) -> Result<(), postgres::Error> {
    let mut request = Vec::new();
    let mut cols: [Vec<String>; 6] = Default::default();
    for o in outliers {
        let Some(&id) = ids.get(o.request) else {
            continue;
        };
        request.push(id);
        cols[0].push(clean(&o.request_header).into_owned());
        cols[1].push(clean(&o.request_environment).into_owned());
        cols[2].push(fit(&o.request_url, URL_CHARS).into_owned());
        cols[3].push(fit(&o.cpu_percent, CPU_CHARS).into_owned());
        cols[4].push(clean(&o.memory).into_owned());
        cols[5].push(clean(&o.stacktrace).into_owned());
    }
    if request.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO {} (request_id, request_header, request_environment, request_url, cpu_percent, memory, stacktrace) \
         SELECT u.r, u.h, u.e, u.u, u.c, u.m, u.s \
         FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
         WITH ORDINALITY AS u(r, h, e, u, c, m, s, ord) ORDER BY u.ord",
        t.outlier
    );
    let [h, e, u, c, m, s] = &cols;
    let text = Type::TEXT_ARRAY;
    tx.execute_typed(
        &sql,
        &[
            (&request, Type::INT4_ARRAY),
            (h, text.clone()),
            (e, text.clone()),
            (u, text.clone()),
            (c, text.clone()),
            (m, text.clone()),
            (s, text),
        ],
    )?;
    Ok(())
}

/// The exception writes of one batch: statements prepared when first used, ids already resolved.
struct Exceptions<'t> {
    t: &'t Tables,
    /// Ids found or created in this batch, by table and key (saves round trips; the same ids the lookups give).
    known: HashMap<(&'static str, String), i32>,
    statements: HashMap<String, Statement>,
}

impl Exceptions<'_> {
    /// `sql` prepared on this transaction (once per batch).
    fn prepared(&mut self, tx: &mut Transaction<'_>, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = tx.prepare(sql)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// The id of the row `lookup` finds with the first `key` of `params`, else of the row `insert` (ending in
    /// `RETURNING id`) adds with all of them.
    fn get_or_insert(
        &mut self,
        tx: &mut Transaction<'_>,
        memo: (&'static str, String),
        lookup: &str,
        insert: &str,
        params: &[&(dyn ToSql + Sync)],
        key: usize,
    ) -> Result<i32, postgres::Error> {
        if let Some(&id) = self.known.get(&memo) {
            return Ok(id);
        }
        let lookup = self.prepared(tx, lookup)?;
        let id = match tx.query_opt(&lookup, &params[..key])? {
            Some(row) => row.get(0),
            None => {
                let insert = self.prepared(tx, insert)?;
                tx.query_one(&insert, params)?.get(0)
            }
        };
        self.known.insert(memo, id);
        Ok(id)
    }

    /// The id of the row of a table with a unique key (`FilePath.path`, `StackTraceSnapshot.hash`): looked up,
    /// else inserted, else (another writer inserted it meanwhile) looked up again. Returns whether it was new.
    fn unique(
        &mut self,
        tx: &mut Transaction<'_>,
        table: &str,
        column: &str,
        value: &str,
    ) -> Result<(i32, bool), postgres::Error> {
        let lookup = self.prepared(tx, &format!("SELECT id FROM {table} WHERE {column} = $1"))?;
        if let Some(row) = tx.query_opt(&lookup, &[&value])? {
            return Ok((row.get(0), false));
        }
        let insert =
            format!("INSERT INTO {table} ({column}) VALUES ($1) ON CONFLICT ({column}) DO NOTHING RETURNING id");
        if let Some(row) = tx.query_opt(&insert, &[&value])? {
            return Ok((row.get(0), true));
        }
        Ok((tx.query_one(&lookup, &[&value])?.get(0), false))
    }

    /// The `ExceptionFrame` id of `frame`, creating its FilePath, FunctionDefinition, FunctionLocation and
    /// ExceptionFrame rows when missing.
    fn frame(&mut self, tx: &mut Transaction<'_>, frame: &NewFrame) -> Result<i32, postgres::Error> {
        let t = self.t;
        let path = fit(&frame.file, NAME_CHARS);
        let (file_id, _) = self.unique(tx, &t.file_path, "path", &path)?;
        let code_hash = frame.code_hash();
        let name = fit(&frame.function, TYPE_CHARS);
        let code = clean(&frame.code);
        let definition_id = self.get_or_insert(
            tx,
            ("definition", code_hash.clone()),
            &format!("SELECT id FROM {} WHERE code_hash = $1 ORDER BY id LIMIT 1", t.function_definition),
            &format!("INSERT INTO {} (code_hash, name, code) VALUES ($1, $2, $3) RETURNING id", t.function_definition),
            &[&code_hash, &&*name, &&*code],
            1,
        )?;
        let line = i32::try_from(frame.line).unwrap_or(i32::MAX);
        let location_id = self.get_or_insert(
            tx,
            ("location", format!("{file_id} {definition_id} {line}")),
            &format!(
                "SELECT id FROM {} WHERE file_path_id = $1 AND function_definition_id = $2 \
                 AND function_start_line_number = $3 ORDER BY id LIMIT 1",
                t.function_location
            ),
            &format!(
                "INSERT INTO {} (file_path_id, function_definition_id, function_start_line_number) \
                 VALUES ($1, $2, $3) RETURNING id",
                t.function_location
            ),
            &[&file_id, &definition_id, &line],
            3,
        )?;
        self.get_or_insert(
            tx,
            ("frame", format!("{location_id} {line}")),
            &format!(
                "SELECT id FROM {} WHERE function_location_id = $1 AND line_number = $2 ORDER BY id LIMIT 1",
                t.exception_frame
            ),
            &format!(
                "INSERT INTO {} (function_location_id, line_number) VALUES ($1, $2) RETURNING id",
                t.exception_frame
            ),
            &[&location_id, &line],
            2,
        )
    }

    fn exception(
        &mut self,
        tx: &mut Transaction<'_>,
        e: &NewException,
        request_id: i32,
    ) -> Result<(), postgres::Error> {
        let t = self.t;
        let hash = e.snapshot_hash();
        let snapshot_id = match self.known.get(&("snapshot", hash.clone())) {
            Some(&id) => id,
            None => {
                let (snapshot_id, new) = self.unique(tx, &t.stack_trace_snapshot, "hash", &hash)?;
                if new {
                    for (position, frame) in e.frames.iter().enumerate() {
                        let frame_id = self.frame(tx, frame)?;
                        let position = i32::try_from(position).unwrap_or(i32::MAX);
                        let insert = self.prepared(
                            tx,
                            &format!(
                                "INSERT INTO {} (stack_trace_snapshot_id, exception_frame_id, position) \
                                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                                t.exception_stack_line
                            ),
                        )?;
                        tx.execute(&insert, &[&snapshot_id, &frame_id, &position])?;
                    }
                }
                self.known.insert(("snapshot", hash), snapshot_id);
                snapshot_id
            }
        };
        let type_name = fit(&e.type_name, TYPE_CHARS);
        let type_id = self.get_or_insert(
            tx,
            ("type", type_name.to_string()),
            &format!("SELECT id FROM {} WHERE type = $1 ORDER BY id LIMIT 1", t.exception_type),
            &format!("INSERT INTO {} (type) VALUES ($1) RETURNING id", t.exception_type),
            &[&&*type_name],
            1,
        )?;
        let message = clean(&e.message);
        let message_id = self.get_or_insert(
            tx,
            ("message", message.to_string()),
            &format!("SELECT id FROM {} WHERE message = $1 ORDER BY id LIMIT 1", t.exception_message),
            &format!("INSERT INTO {} (message) VALUES ($1) RETURNING id", t.exception_message),
            &[&&*message],
            1,
        )?;
        let insert = self.prepared(
            tx,
            &format!(
                "INSERT INTO {} (request_id, exception_type_id, exception_msg_id, stack_trace_snapshot_id, \
                 is_user_captured) VALUES ($1, $2, $3, $4, $5)",
                t.exception_occurrence
            ),
        )?;
        tx.execute(&insert, &[&request_id, &type_id, &message_id, &snapshot_id, &e.user_captured])?;
        Ok(())
    }
}

/// Inserts the exceptions with FMD's deduplication; `ids[i]` is the row id of `batch.requests[i]`.
pub(super) fn insert_exceptions(
    tx: &mut Transaction<'_>,
    t: &Tables,
    exceptions: &[NewException],
    ids: &[i32],
) -> Result<(), postgres::Error> {
    if !exceptions.iter().any(|e| e.request < ids.len()) {
        return Ok(());
    }
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DEDUP_LOCK])?;
    let mut writer = Exceptions { t, known: HashMap::new(), statements: HashMap::new() };
    for e in exceptions {
        if let Some(&request_id) = ids.get(e.request) {
            writer.exception(tx, e, request_id)?;
        }
    }
    Ok(())
}
