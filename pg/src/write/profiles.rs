//! A batch's level-3 call trees: FMD's `StackLine` rows and the deduplicated `CodeLine` rows they point to,
//! with the same ids as `fmd_core`'s SQLite store gives (a CodeLine is FMD's quadruple filename, line, function,
//! code; an existing one is reused, the lowest id first; new ones are added in the order the batch first names
//! them). Where SQLite looks each line up on its own (helped by the writer's `CodeLineCache`), PostgreSQL
//! resolves all of a batch's lines in one query and adds the missing ones in one statement.

use std::collections::HashMap;

use fmd_core::store::{NewProfile, Tables};
use postgres::types::{ToSql, Type};
use postgres::Transaction;

use super::incidents::DEDUP_LOCK;
use super::values::{fit, int4, NAME_CHARS};

/// `(filename, line_number, function_name, code)` as stored.
type CodeKey = (String, i32, String, String);

/// The distinct code lines of a batch, in first-seen order.
#[derive(Default)]
struct Keys {
    keys: Vec<CodeKey>,
    index: HashMap<CodeKey, usize>,
}

impl Keys {
    fn add(&mut self, key: CodeKey) -> usize {
        if let Some(&at) = self.index.get(&key) {
            return at;
        }
        self.keys.push(key.clone());
        self.index.insert(key, self.keys.len() - 1);
        self.keys.len() - 1
    }
}

/// Column arrays of the keys at `at`.
fn arrays(keys: &[CodeKey], at: &[usize]) -> (Vec<String>, Vec<i32>, Vec<String>, Vec<String>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &i in at {
        let k = &keys[i];
        out.0.push(k.0.clone());
        out.1.push(k.1);
        out.2.push(k.2.clone());
        out.3.push(k.3.clone());
    }
    out
}

/// The typed parameters of a key query (one round trip).
fn key_params<'a>(
    f: &'a Vec<String>,
    l: &'a Vec<i32>,
    n: &'a Vec<String>,
    c: &'a Vec<String>,
) -> [(&'a (dyn ToSql + Sync), Type); 4] {
    [(f, Type::TEXT_ARRAY), (l, Type::INT4_ARRAY), (n, Type::TEXT_ARRAY), (c, Type::TEXT_ARRAY)]
}

/// Fills `ids[i]` for the keys at `at` that exist (the lowest id of equal rows), locking the rows found
/// (`FOR KEY SHARE`) so that they stay until commit.
fn find(
    tx: &mut Transaction<'_>,
    table: &str,
    keys: &[CodeKey],
    at: &[usize],
    ids: &mut [Option<i32>],
) -> Result<(), postgres::Error> {
    if at.is_empty() {
        return Ok(());
    }
    let (f, l, n, c) = arrays(keys, at);
    let rows = tx.query_typed(
        &format!(
            "SELECT k.ord::int4, c.id FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[]) \
             WITH ORDINALITY AS k(f, l, n, c, ord) JOIN {table} c ON c.filename = k.f AND c.line_number = k.l \
             AND c.function_name = k.n AND c.code = k.c FOR KEY SHARE OF c"
        ),
        &key_params(&f, &l, &n, &c),
    )?;
    for row in rows {
        let ord: i32 = row.get(0);
        let id: i32 = row.get(1);
        let Some(&key) = usize::try_from(ord - 1).ok().and_then(|o| at.get(o)) else {
            continue;
        };
        let slot = &mut ids[key];
        *slot = Some(slot.map_or(id, |old| old.min(id)));
    }
    Ok(())
}

/// Inserts the StackLines of `profiles` (and the CodeLines they need) for the requests whose row ids are `ids`.
pub(super) fn insert(
    tx: &mut Transaction<'_>,
    t: &Tables,
    profiles: &[NewProfile],
    ids: &[i32],
) -> Result<(), postgres::Error> {
    let mut keys = Keys::default();
    // (request id, key index, position, indent, duration) per StackLine.
    let mut lines: Vec<(i32, usize, i32, i32, f64)> = Vec::new();
    for profile in profiles {
        let Some(&request_id) = ids.get(profile.request) else {
            continue;
        };
        for (position, line) in profile.lines.iter().enumerate() {
            let key = (
                fit(&line.filename, NAME_CHARS).into_owned(),
                i32::try_from(line.line_number).unwrap_or(i32::MAX),
                fit(&line.function_name, NAME_CHARS).into_owned(),
                fit(&line.code, NAME_CHARS).into_owned(),
            );
            let at = keys.add(key);
            let indent = i32::try_from(line.indent).unwrap_or(i32::MAX);
            lines.push((request_id, at, int4(position as i64), indent, line.duration_ms));
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    let mut code_ids: Vec<Option<i32>> = vec![None; keys.keys.len()];
    let all: Vec<usize> = (0..keys.keys.len()).collect();
    find(tx, &t.code_line, &keys.keys, &all, &mut code_ids)?;
    let mut missing: Vec<usize> = all.into_iter().filter(|&i| code_ids[i].is_none()).collect();
    if !missing.is_empty() {
        // Another writer may be adding the same lines: look again while holding the lock, then add the rest.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DEDUP_LOCK])?;
        find(tx, &t.code_line, &keys.keys, &missing, &mut code_ids)?;
        missing.retain(|&i| code_ids[i].is_none());
    }
    if !missing.is_empty() {
        let (f, l, n, c) = arrays(&keys.keys, &missing);
        // Ids ascend in `ord` order (the default is evaluated after the sort): sorted, they map to `missing`.
        let rows = tx.query_typed(
            &format!(
                "INSERT INTO {} (filename, line_number, function_name, code) SELECT k.f, k.l, k.n, k.c \
                 FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[]) WITH ORDINALITY AS k(f, l, n, c, ord) \
                 ORDER BY k.ord RETURNING id",
                t.code_line
            ),
            &key_params(&f, &l, &n, &c),
        )?;
        let mut new: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        new.sort_unstable();
        for (&at, id) in missing.iter().zip(new) {
            code_ids[at] = Some(id);
        }
    }
    let mut request = Vec::with_capacity(lines.len());
    let mut code = Vec::with_capacity(lines.len());
    let mut position = Vec::with_capacity(lines.len());
    let mut indent = Vec::with_capacity(lines.len());
    let mut duration = Vec::with_capacity(lines.len());
    for (r, at, p, i, d) in lines {
        request.push(r);
        code.push(code_ids[at]);
        position.push(p);
        indent.push(i);
        duration.push(d);
    }
    tx.execute_typed(
        &format!(
            "INSERT INTO {} (request_id, code_id, position, indent, duration) \
             SELECT * FROM unnest($1::int4[], $2::int4[], $3::int4[], $4::int4[], $5::float8[])",
            t.stack_line
        ),
        &[
            (&request, Type::INT4_ARRAY),
            (&code, Type::INT4_ARRAY),
            (&position, Type::INT4_ARRAY),
            (&indent, Type::INT4_ARRAY),
            (&duration, Type::FLOAT8_ARRAY),
        ],
    )?;
    Ok(())
}
