//! Level-3 profiles: FMD's `StackLine` rows (one per line of a request's call tree, depth first) and the
//! deduplicated `CodeLine` rows they point to.
//!
//! A `CodeLine` is identified by FMD's quadruple (filename, line_number, function_name, code). FMD looks each
//! one up with a full scan of `CodeLine` (there is no index on it); a recorder keeps a [`CodeLineCache`] of the
//! ids it has resolved so that a known line costs one primary-key lookup (which also notices a line deleted
//! meanwhile, e.g. by pruning in another process) instead of a scan.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::Tables;

/// One line of a request's call tree, in depth-first order.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStackLine {
    /// `CodeLine.filename`.
    pub filename: String,
    /// `CodeLine.line_number`.
    pub line_number: u32,
    /// `CodeLine.function_name`.
    pub function_name: String,
    /// `CodeLine.code`: the source line, trimmed (empty when the file was not readable).
    pub code: String,
    /// `StackLine.indent`: depth in the tree (0 for the endpoint's own line, 1 for the first frames below).
    pub indent: u32,
    /// `StackLine.duration`: milliseconds attributed to this line and everything below it.
    pub duration_ms: f64,
}

/// The call tree of one request, attached to a request of the same [`WriteBatch`](super::WriteBatch).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewProfile {
    /// Position of its request in [`WriteBatch::requests`](super::WriteBatch::requests). Positions outside
    /// the batch are ignored.
    pub request: usize,
    /// The lines, depth first; `StackLine.position` is the index in this list.
    pub lines: Vec<NewStackLine>,
}

/// `(filename, line_number, function_name, code)`.
type CodeKey = (String, u32, String, String);

/// Most entries a [`CodeLineCache`] keeps (it is cleared when full).
const MAX_CACHED_CODE_LINES: usize = 65_536;

/// `CodeLine` ids a writer has resolved in one database file. Clear it when switching files.
#[derive(Debug, Default)]
pub struct CodeLineCache {
    ids: HashMap<CodeKey, i64>,
}

impl CodeLineCache {
    /// Forgets every id (another file, or after a failed transaction).
    pub fn clear(&mut self) {
        self.ids.clear();
    }

    /// Number of cached ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Keeps ids resolved by a committed transaction.
    pub(super) fn absorb(&mut self, resolved: HashMap<CodeKey, i64>) {
        if self.ids.len() + resolved.len() > MAX_CACHED_CODE_LINES {
            self.ids.clear();
        }
        self.ids.extend(resolved);
    }
}

/// Inserts the StackLines of `profiles` (and the CodeLines they need) for the requests whose row ids are
/// `ids`. Ids resolved here are returned so that the caller keeps them only once the transaction commits.
pub(super) fn insert(
    tx: &Transaction<'_>,
    tables: &Tables,
    profiles: &[NewProfile],
    ids: &[i64],
    cache: &CodeLineCache,
) -> rusqlite::Result<HashMap<CodeKey, i64>> {
    let mut resolved: HashMap<CodeKey, i64> = HashMap::new();
    if profiles.is_empty() {
        return Ok(resolved);
    }
    let mut check = tx.prepare_cached(&format!(
        "SELECT 1 FROM {} WHERE id = ?1 AND filename = ?2 AND line_number = ?3 AND function_name = ?4 AND code = ?5",
        tables.code_line
    ))?;
    let mut find = tx.prepare_cached(&format!(
        "SELECT id FROM {} WHERE filename = ?1 AND line_number = ?2 AND function_name = ?3 AND code = ?4 LIMIT 1",
        tables.code_line
    ))?;
    let mut add_code = tx.prepare_cached(&format!(
        "INSERT INTO {} (filename, line_number, function_name, code) VALUES (?1, ?2, ?3, ?4)",
        tables.code_line
    ))?;
    let mut add_line = tx.prepare_cached(&format!(
        "INSERT INTO {} (request_id, code_id, position, indent, duration) VALUES (?1, ?2, ?3, ?4, ?5)",
        tables.stack_line
    ))?;
    for profile in profiles {
        let Some(request_id) = ids.get(profile.request) else {
            continue;
        };
        for (position, line) in profile.lines.iter().enumerate() {
            let key: CodeKey = (line.filename.clone(), line.line_number, line.function_name.clone(), line.code.clone());
            let code_id = match resolved.get(&key) {
                Some(&id) => id,
                None => {
                    let cached = match cache.ids.get(&key) {
                        Some(&id) => check
                            .query_row(params![id, key.0, key.1, key.2, key.3], |_| Ok(()))
                            .optional()?
                            .map(|()| id),
                        None => None,
                    };
                    let id = match cached {
                        Some(id) => id,
                        None => match find.query_row(params![key.0, key.1, key.2, key.3], |r| r.get(0)).optional()? {
                            Some(id) => id,
                            None => {
                                add_code.execute(params![key.0, key.1, key.2, key.3])?;
                                tx.last_insert_rowid()
                            }
                        },
                    };
                    resolved.insert(key, id);
                    id
                }
            };
            add_line.execute(params![request_id, code_id, position as i64, line.indent, line.duration_ms])?;
        }
    }
    Ok(resolved)
}
