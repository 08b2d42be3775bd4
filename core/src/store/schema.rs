//! FMD 5.x's DDL (as FMD 5.1.0 creates it on SQLite) and fmd's own tables beside it.

use rusqlite::{Connection, OptionalExtension};

use super::Tables;

/// Version of fmd's own additions (`{p}fmd_*` tables and indexes). Bumped by every migration.
pub const SCHEMA_VERSION: i64 = 1;

/// FMD's tables in creation order; `{P}` stands for the table prefix. Column names, types and constraints
/// are FMD 5.1.0's exactly.
const FMD_DDL: &[&str] = &[
    r#"CREATE TABLE IF NOT EXISTS "{P}User" (id INTEGER NOT NULL, username VARCHAR(250) NOT NULL, password_hash VARCHAR(162) NOT NULL, is_admin BOOLEAN, PRIMARY KEY (id), UNIQUE (username))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}TelemetryUser" (id VARCHAR(40) NOT NULL, times_initialized INTEGER, last_initialized DATETIME, monitoring_consent INTEGER, PRIMARY KEY (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}Endpoint" (id INTEGER NOT NULL, name VARCHAR(250) NOT NULL, monitor_level INTEGER, time_added DATETIME, version_added VARCHAR(100), last_requested DATETIME, PRIMARY KEY (id), UNIQUE (name))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}CodeLine" (id INTEGER NOT NULL, filename VARCHAR(250) NOT NULL, line_number INTEGER NOT NULL, function_name VARCHAR(250) NOT NULL, code VARCHAR(250) NOT NULL, PRIMARY KEY (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}CustomGraph" (graph_id INTEGER NOT NULL, title VARCHAR(250) NOT NULL, time_added DATETIME, version_added VARCHAR(100), PRIMARY KEY (graph_id), UNIQUE (title))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}StackTraceSnapshot" (id INTEGER NOT NULL, hash VARCHAR(64) NOT NULL, PRIMARY KEY (id), UNIQUE (hash))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}AlertFingerprint" (hash VARCHAR(64) NOT NULL, time_first_alerted DATETIME, PRIMARY KEY (hash))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}ExceptionType" (id INTEGER NOT NULL, type VARCHAR(256) NOT NULL, PRIMARY KEY (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}ExceptionMessage" (id INTEGER NOT NULL, message TEXT NOT NULL, PRIMARY KEY (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}FunctionDefinition" (id INTEGER NOT NULL, name VARCHAR(256), code TEXT, code_hash VARCHAR(64), PRIMARY KEY (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}FilePath" (id INTEGER NOT NULL, path VARCHAR(250) NOT NULL, PRIMARY KEY (id), UNIQUE (path))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}Request" (id INTEGER NOT NULL, endpoint_id INTEGER, duration FLOAT NOT NULL, time_requested DATETIME, version_requested VARCHAR(100), group_by VARCHAR(100), ip VARCHAR(100) NOT NULL, status_code INTEGER, PRIMARY KEY (id), FOREIGN KEY(endpoint_id) REFERENCES "{P}Endpoint" (id))"#,
    r#"CREATE INDEX IF NOT EXISTS ix_{p}request_endpoint_duration ON "{P}Request" (endpoint_id, duration)"#,
    r#"CREATE INDEX IF NOT EXISTS ix_{p}request_time_endpoint ON "{P}Request" (time_requested, endpoint_id, status_code, duration)"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}CustomGraphData" (id INTEGER NOT NULL, graph_id INTEGER, time DATETIME, value FLOAT, PRIMARY KEY (id), FOREIGN KEY(graph_id) REFERENCES "{P}CustomGraph" (graph_id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}FunctionLocation" (id INTEGER NOT NULL, file_path_id INTEGER, function_definition_id INTEGER, function_start_line_number INTEGER NOT NULL, PRIMARY KEY (id), FOREIGN KEY(file_path_id) REFERENCES "{P}FilePath" (id), FOREIGN KEY(function_definition_id) REFERENCES "{P}FunctionDefinition" (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}Outlier" (id INTEGER NOT NULL, request_id INTEGER, request_header TEXT, request_environment TEXT, request_url VARCHAR(2100), cpu_percent VARCHAR(150), memory TEXT, stacktrace TEXT, PRIMARY KEY (id), FOREIGN KEY(request_id) REFERENCES "{P}Request" (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}StackLine" (request_id INTEGER NOT NULL, code_id INTEGER, position INTEGER NOT NULL, indent INTEGER NOT NULL, duration FLOAT NOT NULL, PRIMARY KEY (request_id, position), FOREIGN KEY(request_id) REFERENCES "{P}Request" (id), FOREIGN KEY(code_id) REFERENCES "{P}CodeLine" (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}ExceptionOccurrence" (id INTEGER NOT NULL, request_id INTEGER, exception_type_id INTEGER NOT NULL, exception_msg_id INTEGER NOT NULL, stack_trace_snapshot_id INTEGER NOT NULL, is_user_captured BOOLEAN NOT NULL, PRIMARY KEY (id), FOREIGN KEY(request_id) REFERENCES "{P}Request" (id), FOREIGN KEY(exception_type_id) REFERENCES "{P}ExceptionType" (id), FOREIGN KEY(exception_msg_id) REFERENCES "{P}ExceptionMessage" (id), FOREIGN KEY(stack_trace_snapshot_id) REFERENCES "{P}StackTraceSnapshot" (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}ExceptionFrame" (id INTEGER NOT NULL, function_location_id INTEGER, line_number INTEGER NOT NULL, PRIMARY KEY (id), FOREIGN KEY(function_location_id) REFERENCES "{P}FunctionLocation" (id))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}ExceptionStackLine" (stack_trace_snapshot_id INTEGER NOT NULL, exception_frame_id INTEGER NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (stack_trace_snapshot_id, exception_frame_id, position), FOREIGN KEY(stack_trace_snapshot_id) REFERENCES "{P}StackTraceSnapshot" (id), FOREIGN KEY(exception_frame_id) REFERENCES "{P}ExceptionFrame" (id))"#,
];

/// fmd's own tables. They never alter FMD's, so FMD keeps reading (and writing) the file.
const FMD_OWN_DDL: &[&str] = &[
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_meta" (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_recorder" (recorder_id TEXT NOT NULL PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started DATETIME NOT NULL, last_seen DATETIME NOT NULL, recorded INTEGER NOT NULL DEFAULT 0, dropped INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0)"#,
];

fn expand(sql: &str, tables: &Tables) -> String {
    sql.replace("{P}", tables.prefix()).replace("{p}", &tables.prefix().to_lowercase())
}

/// FMD's `CREATE TABLE` statements for `tables`' prefix, in creation order (what a file must hold).
pub(super) fn fmd_ddl(tables: &Tables) -> impl Iterator<Item = String> + '_ {
    FMD_DDL.iter().map(move |ddl| expand(ddl, tables))
}

/// Creates whatever of FMD's and fmd's tables is missing, and records fmd's schema version.
/// Existing tables are left exactly as they are.
pub(super) fn ensure(conn: &Connection, tables: &Tables) -> rusqlite::Result<()> {
    let mut script = String::from("BEGIN IMMEDIATE;\n");
    for ddl in FMD_DDL.iter().chain(FMD_OWN_DDL) {
        script.push_str(&expand(ddl, tables));
        script.push_str(";\n");
    }
    // fmd's summary tables (derived data with their own format version; filled by `Store::refresh_summaries`).
    for ddl in super::summary::ddl(tables) {
        script.push_str(&ddl);
        script.push_str(";\n");
    }
    script.push_str(&format!(
        "INSERT OR IGNORE INTO {} (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');\nCOMMIT;",
        tables.meta
    ));
    conn.execute_batch(&script).inspect_err(|_| {
        let _ = conn.execute_batch("ROLLBACK");
    })
}

/// fmd's schema version recorded in the file (`None` for files only FMD has written).
pub(super) fn version(conn: &Connection, tables: &Tables) -> rusqlite::Result<Option<i64>> {
    if !table_exists(conn, &format!("{}fmd_meta", tables.prefix()))? {
        return Ok(None);
    }
    let value: Option<String> = conn
        .query_row(&format!("SELECT value FROM {} WHERE key = 'schema_version'", tables.meta), [], |r| r.get(0))
        .optional()?;
    Ok(value.and_then(|v| v.trim().parse().ok()))
}

/// True when a table of exactly this (unquoted) name exists.
pub(super) fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n > 0)
}
