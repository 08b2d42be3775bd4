//! Exceptions in FMD 5's tables: what a recorder hands over ([`NewException`]), how it is deduplicated as FMD
//! does, and the console's reads (groups and stacks).
//!
//! Deduplication follows FMD 5.1.0 (see the anchor, §1):
//! * `ExceptionType` by `type[:256]`, `ExceptionMessage` by text, `FilePath` by `path[:256]`;
//! * `FunctionDefinition` by `code_hash`. FMD hashes the whole Python function source; a Rust binary has no
//!   source of whole functions, so fmd stores the frame's *source line* as `code` (or `""` when the file is
//!   not readable; never whole files) and hashes `"{function name}\n{code}"`, so two functions whose lines
//!   read the same stay distinct;
//! * `FunctionLocation` by (file, definition, start line). The start line of a Rust function is not in the
//!   line tables, so fmd stores the frame's line there too: FMD's UI then shows the one stored line under its
//!   real number;
//! * `ExceptionFrame` by (location, line);
//! * `StackTraceSnapshot` by `hash`: FMD's sha256 chain. It starts from the sha256 (hex) of the Python-style
//!   traceback text ([`NewException::traceback_text`], which includes type and message), then for every frame,
//!   outermost first, `h = sha256_hex(h + code_hash)`. Frames are written once per new snapshot;
//! * `ExceptionStackLine` position 0 is the outermost frame; `ExceptionOccurrence` is one row per exception
//!   per request, with `is_user_captured`.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Store, StoreError, Tables};

/// FMD truncates type names and file paths to this many characters.
const MAX_KEY_CHARS: usize = 256;

/// One exception as a recorder hands it over, attached to a request of the same [`WriteBatch`].
///
/// [`WriteBatch`]: super::WriteBatch
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewException {
    /// Position of its request in [`WriteBatch::requests`](super::WriteBatch::requests); the writer stores
    /// that request's id. Positions outside the batch are ignored.
    pub request: usize,
    /// The type: `panic` for panics, the error's Rust type name for captured errors.
    pub type_name: String,
    /// The message (`Display` of the error, with its `caused by:` lines).
    pub message: String,
    /// The stack, **outermost first** (position 0 is the outermost frame, as FMD stores it).
    pub frames: Vec<NewFrame>,
    /// True for errors recorded with `fmd_recorder::capture`, false for panics.
    pub user_captured: bool,
}

/// One frame of an exception's stack.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewFrame {
    /// Source file path.
    pub file: String,
    /// Function name (demangled, without hash).
    pub function: String,
    /// Line number (0 when unknown).
    pub line: u32,
    /// The source line's text, trimmed, or `""` when the file is not readable.
    pub code: String,
}

/// sha256 of `text` as lowercase hex (Python's `hexdigest()`).
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    hex
}

/// The first `max` characters of `text`.
fn truncated(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

impl NewFrame {
    /// `FunctionDefinition.code_hash`: sha256 hex of `"{function}\n{code}"`.
    pub fn code_hash(&self) -> String {
        sha256_hex(&format!("{}\n{}", self.function, self.code))
    }
}

impl NewException {
    /// The exception as a Python-style traceback (what FMD hashes first):
    ///
    /// ```text
    /// Traceback (most recent call last):
    ///   File "src/main.rs", line 12, in app::handler
    ///     let x = parse(input)?;
    /// panic: boom
    /// ```
    pub fn traceback_text(&self) -> String {
        let mut text = String::from("Traceback (most recent call last):\n");
        for frame in &self.frames {
            text.push_str(&format!("  File \"{}\", line {}, in {}\n", frame.file, frame.line, frame.function));
            if !frame.code.is_empty() {
                text.push_str(&format!("    {}\n", frame.code));
            }
        }
        text.push_str(&format!("{}: {}\n", self.type_name, self.message));
        text
    }

    /// `StackTraceSnapshot.hash`: FMD's sha256 chain over the traceback text and every frame's code hash.
    pub fn snapshot_hash(&self) -> String {
        let mut hash = sha256_hex(&self.traceback_text());
        for frame in &self.frames {
            hash = sha256_hex(&format!("{hash}{}", frame.code_hash()));
        }
        hash
    }
}

/// Looks a row up by `lookup`, inserting it with `insert` when missing; returns its id.
/// The lookup binds the first `key` parameters, the insert all of them.
fn get_or_insert(
    tx: &Transaction<'_>,
    lookup: &str,
    insert: &str,
    params: &[&dyn rusqlite::ToSql],
    key: usize,
) -> rusqlite::Result<i64> {
    let key = &params[..key.min(params.len())];
    if let Some(id) = tx.prepare_cached(lookup)?.query_row(key, |r| r.get(0)).optional()? {
        return Ok(id);
    }
    tx.prepare_cached(insert)?.execute(params)?;
    Ok(tx.last_insert_rowid())
}

/// Inserts the exceptions of a batch with FMD's deduplication; `ids[i]` is the row id of `batch.requests[i]`.
pub(super) fn insert(
    tx: &Transaction<'_>,
    t: &Tables,
    exceptions: &[NewException],
    ids: &[i64],
) -> rusqlite::Result<()> {
    for e in exceptions {
        let Some(request_id) = ids.get(e.request) else {
            continue;
        };
        let hash = e.snapshot_hash();
        let existing: Option<i64> = tx
            .prepare_cached(&format!("SELECT id FROM {} WHERE hash = ?1", t.stack_trace_snapshot))?
            .query_row([&hash], |r| r.get(0))
            .optional()?;
        let snapshot_id = match existing {
            Some(id) => id,
            None => {
                tx.prepare_cached(&format!("INSERT INTO {} (hash) VALUES (?1)", t.stack_trace_snapshot))?
                    .execute([&hash])?;
                let snapshot_id = tx.last_insert_rowid();
                for (position, frame) in e.frames.iter().enumerate() {
                    let frame_id = insert_frame(tx, t, frame)?;
                    tx.prepare_cached(&format!(
                        "INSERT OR IGNORE INTO {} (stack_trace_snapshot_id, exception_frame_id, position) \
                         VALUES (?1, ?2, ?3)",
                        t.exception_stack_line
                    ))?
                    .execute(params![snapshot_id, frame_id, position as i64])?;
                }
                snapshot_id
            }
        };
        let type_name = truncated(&e.type_name, MAX_KEY_CHARS);
        let type_id = get_or_insert(
            tx,
            &format!("SELECT id FROM {} WHERE type = ?1 ORDER BY id LIMIT 1", t.exception_type),
            &format!("INSERT INTO {} (type) VALUES (?1)", t.exception_type),
            &[&type_name],
            1,
        )?;
        let message_id = get_or_insert(
            tx,
            &format!("SELECT id FROM {} WHERE message = ?1 ORDER BY id LIMIT 1", t.exception_message),
            &format!("INSERT INTO {} (message) VALUES (?1)", t.exception_message),
            &[&e.message],
            1,
        )?;
        tx.prepare_cached(&format!(
            "INSERT INTO {} (request_id, exception_type_id, exception_msg_id, stack_trace_snapshot_id, is_user_captured) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            t.exception_occurrence
        ))?
        .execute(params![request_id, type_id, message_id, snapshot_id, e.user_captured])?;
    }
    Ok(())
}

/// The `ExceptionFrame` id of `frame`, creating its FilePath, FunctionDefinition, FunctionLocation and
/// ExceptionFrame rows when missing.
fn insert_frame(tx: &Transaction<'_>, t: &Tables, frame: &NewFrame) -> rusqlite::Result<i64> {
    let path = truncated(&frame.file, MAX_KEY_CHARS);
    tx.prepare_cached(&format!("INSERT OR IGNORE INTO {} (path) VALUES (?1)", t.file_path))?.execute([path])?;
    let file_id: i64 = tx
        .prepare_cached(&format!("SELECT id FROM {} WHERE path = ?1", t.file_path))?
        .query_row([path], |r| r.get(0))?;
    let code_hash = frame.code_hash();
    let name = truncated(&frame.function, MAX_KEY_CHARS);
    let definition_id = get_or_insert(
        tx,
        &format!("SELECT id FROM {} WHERE code_hash = ?1 ORDER BY id LIMIT 1", t.function_definition),
        &format!("INSERT INTO {} (code_hash, name, code) VALUES (?1, ?2, ?3)", t.function_definition),
        &[&code_hash, &name, &frame.code],
        1,
    )?;
    let line = i64::from(frame.line);
    let location_id = get_or_insert(
        tx,
        &format!(
            "SELECT id FROM {} WHERE file_path_id = ?1 AND function_definition_id = ?2 AND function_start_line_number = ?3 \
             ORDER BY id LIMIT 1",
            t.function_location
        ),
        &format!(
            "INSERT INTO {} (file_path_id, function_definition_id, function_start_line_number) VALUES (?1, ?2, ?3)",
            t.function_location
        ),
        &[&file_id, &definition_id, &line],
        3,
    )?;
    get_or_insert(
        tx,
        &format!(
            "SELECT id FROM {} WHERE function_location_id = ?1 AND line_number = ?2 ORDER BY id LIMIT 1",
            t.exception_frame
        ),
        &format!("INSERT INTO {} (function_location_id, line_number) VALUES (?1, ?2)", t.exception_frame),
        &[&location_id, &line],
        2,
    )
}

/// A group of exceptions: one (endpoint, type, message, stack) with its occurrences. Serialises with the keys
/// of FMD's `/api/exception_occurrence` and `/api/detailed_exception_occurrence` rows, plus fmd's
/// `example_request_id` and `user_captured`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionGroup {
    /// `ExceptionType.type`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// `ExceptionMessage.message`.
    pub message: String,
    /// Endpoint name.
    pub endpoint: String,
    /// Endpoint id.
    pub endpoint_id: i64,
    /// `StackTraceSnapshot.id` (read the stack with [`Store::exception_stack`]).
    pub stack_trace_snapshot_id: i64,
    /// `time_requested` of the newest occurrence's request (FMD text; RFC 3339 UTC in JSON).
    #[serde(serialize_with = "crate::timefmt::json::opt_fmd_text")]
    pub latest_timestamp: Option<String>,
    /// `time_requested` of the oldest occurrence's request (FMD text; RFC 3339 UTC in JSON).
    #[serde(serialize_with = "crate::timefmt::json::opt_fmd_text")]
    pub first_timestamp: Option<String>,
    /// Number of occurrences.
    pub count: u64,
    /// The request id of the newest occurrence.
    pub example_request_id: i64,
    /// True when at least one occurrence was recorded with `capture` (not a panic).
    pub user_captured: bool,
}

/// One line of a stored stack; serialises with the keys of FMD's `stack_trace_snapshot` entries, plus
/// fmd's `code` (the stored source line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionStackFrame {
    /// 0 for the outermost frame.
    pub position: i64,
    /// The file path as stored.
    pub full_file_path: String,
    /// The same path (FMD shows it relative to the app's directory; fmd keeps it whole).
    pub file_path: String,
    /// Function name.
    pub function_name: Option<String>,
    /// `FunctionDefinition.id`.
    pub function_definition_id: Option<i64>,
    /// `FunctionLocation.function_start_line_number`.
    pub function_start_line_number: i64,
    /// The frame's line.
    pub line_number: i64,
    /// `FunctionDefinition.code`: the source line (fmd) or the function source (FMD).
    pub code: Option<String>,
}

impl Store {
    /// Exception groups, newest first (by their latest occurrence), at most `limit`: grouped by endpoint,
    /// type, message and stack like FMD's exception pages; all endpoints when `endpoint` is `None`.
    pub fn exception_groups(&self, endpoint: Option<i64>, limit: u32) -> Result<Vec<ExceptionGroup>, StoreError> {
        let t = &self.tables;
        let run = || -> rusqlite::Result<Vec<ExceptionGroup>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT ty.type, m.message, e.name, e.id, o.stack_trace_snapshot_id, max(r.time_requested), \
                 min(r.time_requested), count(o.request_id), max(r.id), max(o.is_user_captured) \
                 FROM {occ} o JOIN {req} r ON r.id = o.request_id JOIN {ep} e ON e.id = r.endpoint_id \
                 JOIN {ty} ty ON ty.id = o.exception_type_id JOIN {msg} m ON m.id = o.exception_msg_id \
                 WHERE ?1 IS NULL OR e.id = ?1 \
                 GROUP BY e.name, e.id, ty.type, m.message, o.stack_trace_snapshot_id \
                 ORDER BY max(r.time_requested) DESC, max(o.id) DESC LIMIT ?2",
                occ = t.exception_occurrence,
                req = t.request,
                ep = t.endpoint,
                ty = t.exception_type,
                msg = t.exception_message,
            ))?;
            let rows = stmt.query_map(params![endpoint, limit], |r| {
                Ok(ExceptionGroup {
                    type_name: r.get(0)?,
                    message: r.get(1)?,
                    endpoint: r.get(2)?,
                    endpoint_id: r.get(3)?,
                    stack_trace_snapshot_id: r.get(4)?,
                    latest_timestamp: r.get(5)?,
                    first_timestamp: r.get(6)?,
                    count: r.get::<_, i64>(7)?.max(0) as u64,
                    example_request_id: r.get(8)?,
                    user_captured: r.get::<_, Option<i64>>(9)?.unwrap_or(0) != 0,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.wrap(e))
    }

    /// The stack of a snapshot, outermost frame first.
    pub fn exception_stack(&self, snapshot_id: i64) -> Result<Vec<ExceptionStackFrame>, StoreError> {
        let t = &self.tables;
        let run = || -> rusqlite::Result<Vec<ExceptionStackFrame>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT sl.position, fp.path, fd.name, fd.id, fl.function_start_line_number, f.line_number, fd.code \
                 FROM {sl} sl JOIN {fr} f ON f.id = sl.exception_frame_id \
                 LEFT JOIN {fl} fl ON fl.id = f.function_location_id \
                 LEFT JOIN {fp} fp ON fp.id = fl.file_path_id \
                 LEFT JOIN {fd} fd ON fd.id = fl.function_definition_id \
                 WHERE sl.stack_trace_snapshot_id = ?1 ORDER BY sl.position",
                sl = t.exception_stack_line,
                fr = t.exception_frame,
                fl = t.function_location,
                fp = t.file_path,
                fd = t.function_definition,
            ))?;
            let rows = stmt.query_map([snapshot_id], |r| {
                let path: Option<String> = r.get(1)?;
                let path = path.unwrap_or_default();
                Ok(ExceptionStackFrame {
                    position: r.get(0)?,
                    full_file_path: path.clone(),
                    file_path: path,
                    function_name: r.get(2)?,
                    function_definition_id: r.get(3)?,
                    function_start_line_number: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                    line_number: r.get(5)?,
                    code: r.get(6)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.wrap(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_matches_known_digests() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn the_snapshot_hash_is_a_chain_over_text_and_frames() {
        let frame = NewFrame { file: "src/a.rs".into(), function: "app::f".into(), line: 3, code: "boom()".into() };
        let e = NewException {
            request: 0,
            type_name: "panic".into(),
            message: "boom".into(),
            frames: vec![frame.clone()],
            user_captured: false,
        };
        let text = e.traceback_text();
        assert_eq!(
            text,
            "Traceback (most recent call last):\n  File \"src/a.rs\", line 3, in app::f\n    boom()\npanic: boom\n"
        );
        let expected = sha256_hex(&format!("{}{}", sha256_hex(&text), sha256_hex("app::f\nboom()")));
        assert_eq!(e.snapshot_hash(), expected);
        let other = NewException { message: "bang".into(), ..e.clone() };
        assert_ne!(other.snapshot_hash(), e.snapshot_hash(), "the message is part of the hash");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncated("héllo", 2), "hé");
        assert_eq!(truncated("hi", 5), "hi");
    }
}
