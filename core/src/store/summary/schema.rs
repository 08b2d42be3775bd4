//! The summary tables' DDL, the state row and resetting.

use rusqlite::{params, Connection, OptionalExtension};

use crate::store::schema::table_exists;
use crate::store::Tables;

/// Version of the summary tables' layout and meaning. Summaries are derived data: a file whose summaries have
/// an older format is rebuilt; a newer format (written by a newer fmd) is left alone and not used.
pub(crate) const FORMAT: i64 = 5;

/// `{P}` is the table prefix.
const DDL: &[&str] = &[
    // One row: how far the summaries reach and who is building them.
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_state" (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL, mark INTEGER NOT NULL, rows INTEGER NOT NULL, mark_fp INTEGER NOT NULL, odd INTEGER NOT NULL, pending INTEGER, generation INTEGER NOT NULL, verified INTEGER NOT NULL, retracked INTEGER NOT NULL, backfill_to INTEGER NOT NULL, backfill_at INTEGER NOT NULL, lease_owner TEXT, lease_until INTEGER, updated TEXT NOT NULL)"#,
    // Per endpoint and version: counts, durations, first use, SQL min/max of time_requested.
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_version" (endpoint INTEGER NOT NULL, version BLOB NOT NULL, hits INTEGER NOT NULL, errors INTEGER NOT NULL, valid INTEGER NOT NULL, sum REAL NOT NULL, sum_c REAL NOT NULL, dmin REAL, dmax REAL, first_s INTEGER, first_ns INTEGER, tmin, tmax, hist BLOB NOT NULL, PRIMARY KEY (endpoint, version)) WITHOUT ROWID"#,
    // Per endpoint and UTC hour (requests with FMD's exact time text only).
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_hour" (endpoint INTEGER NOT NULL, hour INTEGER NOT NULL, hits INTEGER NOT NULL, errors INTEGER NOT NULL, valid INTEGER NOT NULL, sum REAL NOT NULL, sum_c REAL NOT NULL, dmin REAL, dmax REAL, hist BLOB NOT NULL, PRIMARY KEY (endpoint, hour)) WITHOUT ROWID"#,
    // Per endpoint and user (col 0) or IP (col 1): requests.
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_group" (endpoint INTEGER NOT NULL, col INTEGER NOT NULL, grp BLOB NOT NULL, hits INTEGER NOT NULL, PRIMARY KEY (endpoint, col, grp)) WITHOUT ROWID"#,
    // Per endpoint and status code (as the views key it): requests.
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_code" (endpoint INTEGER NOT NULL, code TEXT NOT NULL, hits INTEGER NOT NULL, PRIMARY KEY (endpoint, code)) WITHOUT ROWID"#,
    // Requests whose time_requested is not FMD's exact text (kept out of the hours, read back by id).
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_odd" (request INTEGER NOT NULL PRIMARY KEY)"#,
    // The users and IPs (the busiest per endpoint) whose per-version cells are kept; `complete` once their cells
    // hold every request up to the mark (a newly tracked one is filled in by a backfill pass).
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_track" (endpoint INTEGER NOT NULL, col INTEGER NOT NULL, grp BLOB NOT NULL, complete INTEGER NOT NULL, PRIMARY KEY (endpoint, col, grp)) WITHOUT ROWID"#,
    // Per endpoint, tracked user/IP and version: durations.
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_cell" (endpoint INTEGER NOT NULL, col INTEGER NOT NULL, grp BLOB NOT NULL, version BLOB NOT NULL, hits INTEGER NOT NULL, valid INTEGER NOT NULL, sum REAL NOT NULL, sum_c REAL NOT NULL, dmin REAL, dmax REAL, hist BLOB NOT NULL, PRIMARY KEY (endpoint, col, grp, version)) WITHOUT ROWID"#,
    // Per endpoint, version, UTC hour (`vcode::NO_HOUR` for odd times) and status code as the report keys it.
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_vcode" (endpoint INTEGER NOT NULL, version BLOB NOT NULL, hour INTEGER NOT NULL, code TEXT NOT NULL, hits INTEGER NOT NULL, PRIMARY KEY (endpoint, version, hour, code)) WITHOUT ROWID"#,
    // Per endpoint, UTC hour and version (requests with FMD's exact time text only): as the hour table.
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_vhour" (endpoint INTEGER NOT NULL, hour INTEGER NOT NULL, version BLOB NOT NULL, hits INTEGER NOT NULL, errors INTEGER NOT NULL, valid INTEGER NOT NULL, sum REAL NOT NULL, sum_c REAL NOT NULL, dmin REAL, dmax REAL, hist BLOB NOT NULL, PRIMARY KEY (endpoint, hour, version)) WITHOUT ROWID"#,
    // Per endpoint, UTC hour, tracked user/IP and version: durations (see `ghour.rs`).
    super::ghour::DDL,
    // Per endpoint and UTC hour: every request's user, IP, version and duration, packed (see `packed.rs`).
    super::packed::DDL[0],
    // The numbers of the users, IPs and versions in `packed`.
    super::packed::DDL[1],
];

/// The summary tables' DDL for `tables`' prefix, in creation order (in the attached database holding them,
/// when that is not the file: `Tables::summary_schema`).
pub(crate) fn ddl(tables: &Tables) -> Vec<String> {
    let table = match tables.summary_schema() {
        Some(schema) => format!("\"{schema}\".\"{}fmd_summary_", tables.prefix()),
        None => format!("\"{}fmd_summary_", tables.prefix()),
    };
    DDL.iter().map(|sql| sql.replace("\"{P}fmd_summary_", &table)).collect()
}

/// Quoted names of the summary tables (schema-qualified when they live in an attached database).
#[derive(Debug, Clone)]
pub(crate) struct Names {
    /// The attached database holding them (`None`: the file itself).
    pub(crate) schema: Option<&'static str>,
    /// Unquoted name of the state table, for existence checks.
    pub(crate) state_bare: String,
    pub(crate) state: String,
    pub(crate) version: String,
    pub(crate) hour: String,
    pub(crate) group: String,
    pub(crate) code: String,
    pub(crate) odd: String,
    pub(crate) track: String,
    pub(crate) cell: String,
    pub(crate) vcode: String,
    pub(crate) vhour: String,
    pub(crate) ghour: String,
    pub(crate) packed: String,
    pub(crate) dict: String,
}

impl Names {
    pub(crate) fn new(tables: &Tables) -> Names {
        let p = tables.prefix();
        let schema = tables.summary_schema();
        let q = |name: &str| match schema {
            Some(s) => format!("\"{s}\".\"{p}fmd_summary_{name}\""),
            None => format!("\"{p}fmd_summary_{name}\""),
        };
        Names {
            schema,
            state_bare: format!("{p}fmd_summary_state"),
            state: q("state"),
            version: q("version"),
            hour: q("hour"),
            group: q("group"),
            code: q("code"),
            odd: q("odd"),
            track: q("track"),
            cell: q("cell"),
            vcode: q("vcode"),
            vhour: q("vhour"),
            ghour: q("ghour"),
            packed: q("packed"),
            dict: q("dict"),
        }
    }

    /// True when the state table exists (in an attached database: when that is attached, too).
    pub(crate) fn present(&self, conn: &Connection) -> rusqlite::Result<bool> {
        let Some(schema) = self.schema else { return table_exists(conn, &self.state_bare) };
        let attached: i64 = conn
            .prepare_cached("SELECT count(*) FROM pragma_database_list WHERE name = ?1")?
            .query_row([schema], |r| r.get(0))?;
        if attached == 0 {
            return Ok(false);
        }
        let n: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM \"{schema}\".sqlite_master WHERE type = 'table' AND name = ?1"
            ))?
            .query_row([&self.state_bare], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Every data table (not the state).
    pub(crate) fn data_tables(&self) -> [&str; 12] {
        [
            &self.version,
            &self.hour,
            &self.group,
            &self.code,
            &self.odd,
            &self.track,
            &self.cell,
            &self.vcode,
            &self.vhour,
            &self.ghour,
            &self.packed,
            &self.dict,
        ]
    }
}

/// The state row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    /// Layout version.
    pub(crate) format: i64,
    /// Every request with a rowid up to this one is in the summaries.
    pub(crate) mark: i64,
    /// How many requests that is.
    pub(crate) rows: i64,
    /// Fingerprint of the request at `mark` (0 when `mark` is 0).
    pub(crate) mark_fp: i64,
    /// Of `rows`, those with a time that is not FMD's exact text.
    pub(crate) odd: i64,
    /// Set while a write split over several transactions is under way (the summaries are then incomplete).
    pub(crate) pending: Option<i64>,
    /// Bumped by every change of the summaries.
    pub(crate) generation: i64,
    /// Unix seconds of the last deep check against the requests.
    pub(crate) verified: i64,
    /// `rows` when the tracked users and IPs were last chosen.
    pub(crate) retracked: i64,
    /// While newly tracked users/IPs are being filled in: the mark their backfill runs up to (else 0).
    pub(crate) backfill_to: i64,
    /// How far (rowid) that backfill has got.
    pub(crate) backfill_at: i64,
    /// The process building the summaries, and until when (Unix ms) its claim holds.
    pub(crate) lease: Option<(String, i64)>,
}

impl State {
    fn empty(generation: i64) -> State {
        State {
            format: FORMAT,
            mark: 0,
            rows: 0,
            mark_fp: 0,
            odd: 0,
            pending: None,
            generation,
            verified: 0,
            retracked: 0,
            backfill_to: 0,
            backfill_at: 0,
            lease: None,
        }
    }
}

/// Creates the summary tables and the state row when missing (in the caller's transaction, if any).
pub(crate) fn create(conn: &Connection, tables: &Tables) -> rusqlite::Result<()> {
    for sql in ddl(tables) {
        conn.execute(&sql, [])?;
    }
    let names = Names::new(tables);
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO {} (id, format, mark, rows, mark_fp, odd, pending, generation, verified, \
             retracked, backfill_to, backfill_at, updated) VALUES (1, ?1, 0, 0, 0, 0, NULL, 0, 0, 0, 0, 0, ?2)",
            names.state
        ),
        params![FORMAT, now_text()],
    )?;
    Ok(())
}

/// The state, `None` when the tables do not exist (or the row is unreadable).
pub(crate) fn read_state(conn: &Connection, names: &Names) -> rusqlite::Result<Option<State>> {
    if !names.present(conn)? {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT format, mark, rows, mark_fp, odd, pending, generation, verified, retracked, backfill_to, \
         backfill_at, lease_owner, lease_until FROM {} WHERE id = 1",
        names.state
    ))?;
    let state = stmt
        .query_row([], |r| {
            let owner: Option<String> = r.get(11).ok().flatten();
            let until: Option<i64> = r.get(12).ok().flatten();
            Ok(State {
                format: r.get(0)?,
                mark: r.get(1)?,
                rows: r.get(2)?,
                mark_fp: r.get(3)?,
                odd: r.get(4)?,
                pending: r.get(5)?,
                generation: r.get(6)?,
                verified: r.get(7)?,
                retracked: r.get(8)?,
                backfill_to: r.get(9)?,
                backfill_at: r.get(10)?,
                lease: owner.zip(until),
            })
        })
        .optional();
    match state {
        Ok(s) => Ok(s),
        // A row of the wrong shape (e.g. a newer layout) reads as "no usable summaries".
        Err(rusqlite::Error::InvalidColumnType(..)) | Err(rusqlite::Error::FromSqlConversionFailure(..)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes the progress fields of the state (mark, rows, fingerprint, odd, pending, verified) and bumps the
/// generation.
pub(crate) fn write_state(conn: &Connection, names: &Names, s: &State) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "UPDATE {} SET format = ?1, mark = ?2, rows = ?3, mark_fp = ?4, odd = ?5, pending = ?6, \
         generation = generation + 1, verified = ?7, retracked = ?8, backfill_to = ?9, backfill_at = ?10, \
         updated = ?11 WHERE id = 1",
        names.state
    ))?
    .execute(params![
        s.format,
        s.mark,
        s.rows,
        s.mark_fp,
        s.odd,
        s.pending,
        s.verified,
        s.retracked,
        s.backfill_to,
        s.backfill_at,
        now_text()
    ])?;
    Ok(())
}

/// Empties every summary table and starts over at mark 0 (one transaction of the caller's).
pub(crate) fn reset(conn: &Connection, names: &Names) -> rusqlite::Result<()> {
    for table in names.data_tables() {
        conn.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let generation: i64 = conn
        .query_row(&format!("SELECT generation FROM {} WHERE id = 1", names.state), [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    write_state(conn, names, &State::empty(generation))
}

/// Sets or clears the lease (`owner`, `until` Unix ms).
pub(crate) fn set_lease(conn: &Connection, names: &Names, lease: Option<(&str, i64)>) -> rusqlite::Result<()> {
    let (owner, until) = lease.map_or((None, None), |(o, u)| (Some(o), Some(u)));
    conn.prepare_cached(&format!("UPDATE {} SET lease_owner = ?1, lease_until = ?2 WHERE id = 1", names.state))?
        .execute(params![owner, until])?;
    Ok(())
}

/// Now as FMD's text, for the `updated` column (informational).
fn now_text() -> String {
    crate::timefmt::format_utc(chrono::Utc::now())
}
