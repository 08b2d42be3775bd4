//! FMD 5.1's tables exactly as Python FMD 5.1.0 (SQLAlchemy 2.1 + psycopg2) creates them on PostgreSQL, and
//! fmd's own `{prefix}fmd_*` tables beside them.
//!
//! The statements are SQLAlchemy's own (`CREATE TABLE "{p}Request" (id SERIAL NOT NULL, …, PRIMARY KEY (id),
//! FOREIGN KEY(endpoint_id) REFERENCES "{p}Endpoint" (id))`, printed by its PostgreSQL dialect) with `IF NOT
//! EXISTS` added, so PostgreSQL names the sequences (`{T}_id_seq`, `AS integer`, OWNED BY the column),
//! primary keys (`{T}_pkey`), unique constraints (`{T}_{col}_key`) and foreign keys (`{T}_{col}_fkey`) as it
//! did for Python FMD, with TABLE_PREFIX in every name. `pg_dump --schema-only` of a database fmd created is
//! that of one Python FMD created (pg/tests/schema.rs compares it with fixtures/postgres/fmd-5.1.0-schema.sql).
//!
//! Creation runs in one transaction under an advisory lock, so recorders starting together do not race on
//! PostgreSQL's catalogs; a database that already has every table is not touched at all.

use fmd_core::store::Tables;
use postgres::GenericClient;

/// Version of fmd's own additions on PostgreSQL (`{p}fmd_*` tables), kept in `{p}fmd_meta`. Bumped by every
/// migration of them; a database with a higher version is refused.
pub const PG_SCHEMA_VERSION: i64 = 1;

/// Advisory lock taken (per database) while tables are created: "fmd_sche".
const SCHEMA_LOCK: i64 = 0x666d_645f_7363_6865;

/// One table: its name without prefix and the lines of its `CREATE TABLE` (columns, then constraints), with
/// `{P}` for the prefix.
pub(crate) struct TableDef {
    /// The name after TABLE_PREFIX.
    pub(crate) name: &'static str,
    body: &'static [&'static str],
}

impl TableDef {
    /// The column names, in order.
    pub(crate) fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.body
            .iter()
            .filter(|line| {
                !(line.starts_with("PRIMARY KEY") || line.starts_with("UNIQUE") || line.starts_with("FOREIGN"))
            })
            .filter_map(|line| line.split_whitespace().next())
    }

    fn ddl(&self, prefix: &str) -> String {
        let body: Vec<String> = self.body.iter().map(|line| line.replace("{P}", prefix)).collect();
        format!("CREATE TABLE IF NOT EXISTS \"{prefix}{}\" (\n\t{}\n)", self.name, body.join(", \n\t"))
    }
}

/// FMD's tables in SQLAlchemy's creation order (`Base.metadata.sorted_tables`), as its PostgreSQL dialect
/// prints them.
pub(crate) const FMD_TABLES: &[TableDef] = &[
    TableDef {
        name: "AlertFingerprint",
        body: &["hash VARCHAR(64) NOT NULL", "time_first_alerted TIMESTAMP WITHOUT TIME ZONE", "PRIMARY KEY (hash)"],
    },
    TableDef {
        name: "CodeLine",
        body: &[
            "id SERIAL NOT NULL",
            "filename VARCHAR(250) NOT NULL",
            "line_number INTEGER NOT NULL",
            "function_name VARCHAR(250) NOT NULL",
            "code VARCHAR(250) NOT NULL",
            "PRIMARY KEY (id)",
        ],
    },
    TableDef {
        name: "CustomGraph",
        body: &[
            "graph_id SERIAL NOT NULL",
            "title VARCHAR(250) NOT NULL",
            "time_added TIMESTAMP WITHOUT TIME ZONE",
            "version_added VARCHAR(100)",
            "PRIMARY KEY (graph_id)",
            "UNIQUE (title)",
        ],
    },
    TableDef {
        name: "Endpoint",
        body: &[
            "id SERIAL NOT NULL",
            "name VARCHAR(250) NOT NULL",
            "monitor_level INTEGER",
            "time_added TIMESTAMP WITHOUT TIME ZONE",
            "version_added VARCHAR(100)",
            "last_requested TIMESTAMP WITHOUT TIME ZONE",
            "PRIMARY KEY (id)",
            "UNIQUE (name)",
        ],
    },
    TableDef { name: "ExceptionMessage", body: &["id SERIAL NOT NULL", "message TEXT NOT NULL", "PRIMARY KEY (id)"] },
    TableDef { name: "ExceptionType", body: &["id SERIAL NOT NULL", "type VARCHAR(256) NOT NULL", "PRIMARY KEY (id)"] },
    TableDef {
        name: "FilePath",
        body: &["id SERIAL NOT NULL", "path VARCHAR(250) NOT NULL", "PRIMARY KEY (id)", "UNIQUE (path)"],
    },
    TableDef {
        name: "FunctionDefinition",
        body: &["id SERIAL NOT NULL", "name VARCHAR(256)", "code TEXT", "code_hash VARCHAR(64)", "PRIMARY KEY (id)"],
    },
    TableDef {
        name: "StackTraceSnapshot",
        body: &["id SERIAL NOT NULL", "hash VARCHAR(64) NOT NULL", "PRIMARY KEY (id)", "UNIQUE (hash)"],
    },
    TableDef {
        name: "TelemetryUser",
        body: &[
            "id VARCHAR(40) NOT NULL",
            "times_initialized INTEGER",
            "last_initialized TIMESTAMP WITHOUT TIME ZONE",
            "monitoring_consent INTEGER",
            "PRIMARY KEY (id)",
        ],
    },
    TableDef {
        name: "User",
        body: &[
            "id SERIAL NOT NULL",
            "username VARCHAR(250) NOT NULL",
            "password_hash VARCHAR(162) NOT NULL",
            "is_admin BOOLEAN",
            "PRIMARY KEY (id)",
            "UNIQUE (username)",
        ],
    },
    TableDef {
        name: "CustomGraphData",
        body: &[
            "id SERIAL NOT NULL",
            "graph_id INTEGER",
            "time TIMESTAMP WITHOUT TIME ZONE",
            "value FLOAT",
            "PRIMARY KEY (id)",
            "FOREIGN KEY(graph_id) REFERENCES \"{P}CustomGraph\" (graph_id)",
        ],
    },
    TableDef {
        name: "FunctionLocation",
        body: &[
            "id SERIAL NOT NULL",
            "file_path_id INTEGER",
            "function_definition_id INTEGER",
            "function_start_line_number INTEGER NOT NULL",
            "PRIMARY KEY (id)",
            "FOREIGN KEY(file_path_id) REFERENCES \"{P}FilePath\" (id)",
            "FOREIGN KEY(function_definition_id) REFERENCES \"{P}FunctionDefinition\" (id)",
        ],
    },
    TableDef {
        name: "Request",
        body: &[
            "id SERIAL NOT NULL",
            "endpoint_id INTEGER",
            "duration FLOAT NOT NULL",
            "time_requested TIMESTAMP WITHOUT TIME ZONE",
            "version_requested VARCHAR(100)",
            "group_by VARCHAR(100)",
            "ip VARCHAR(100) NOT NULL",
            "status_code INTEGER",
            "PRIMARY KEY (id)",
            "FOREIGN KEY(endpoint_id) REFERENCES \"{P}Endpoint\" (id)",
        ],
    },
    TableDef {
        name: "ExceptionFrame",
        body: &[
            "id SERIAL NOT NULL",
            "function_location_id INTEGER",
            "line_number INTEGER NOT NULL",
            "PRIMARY KEY (id)",
            "FOREIGN KEY(function_location_id) REFERENCES \"{P}FunctionLocation\" (id)",
        ],
    },
    TableDef {
        name: "ExceptionOccurrence",
        body: &[
            "id SERIAL NOT NULL",
            "request_id INTEGER",
            "exception_type_id INTEGER NOT NULL",
            "exception_msg_id INTEGER NOT NULL",
            "stack_trace_snapshot_id INTEGER NOT NULL",
            "is_user_captured BOOLEAN NOT NULL",
            "PRIMARY KEY (id)",
            "FOREIGN KEY(request_id) REFERENCES \"{P}Request\" (id)",
            "FOREIGN KEY(exception_type_id) REFERENCES \"{P}ExceptionType\" (id)",
            "FOREIGN KEY(exception_msg_id) REFERENCES \"{P}ExceptionMessage\" (id)",
            "FOREIGN KEY(stack_trace_snapshot_id) REFERENCES \"{P}StackTraceSnapshot\" (id)",
        ],
    },
    TableDef {
        name: "Outlier",
        body: &[
            "id SERIAL NOT NULL",
            "request_id INTEGER",
            "request_header TEXT",
            "request_environment TEXT",
            "request_url VARCHAR(2100)",
            "cpu_percent VARCHAR(150)",
            "memory TEXT",
            "stacktrace TEXT",
            "PRIMARY KEY (id)",
            "FOREIGN KEY(request_id) REFERENCES \"{P}Request\" (id)",
        ],
    },
    TableDef {
        name: "StackLine",
        body: &[
            "request_id INTEGER NOT NULL",
            "code_id INTEGER",
            "position INTEGER NOT NULL",
            "indent INTEGER NOT NULL",
            "duration FLOAT NOT NULL",
            "PRIMARY KEY (request_id, position)",
            "FOREIGN KEY(request_id) REFERENCES \"{P}Request\" (id)",
            "FOREIGN KEY(code_id) REFERENCES \"{P}CodeLine\" (id)",
        ],
    },
    TableDef {
        name: "ExceptionStackLine",
        body: &[
            "stack_trace_snapshot_id INTEGER NOT NULL",
            "exception_frame_id INTEGER NOT NULL",
            "position INTEGER NOT NULL",
            "PRIMARY KEY (stack_trace_snapshot_id, exception_frame_id, position)",
            "FOREIGN KEY(stack_trace_snapshot_id) REFERENCES \"{P}StackTraceSnapshot\" (id)",
            "FOREIGN KEY(exception_frame_id) REFERENCES \"{P}ExceptionFrame\" (id)",
        ],
    },
];

/// FMD's two Request indexes: name suffix (after `ix_{prefix lower}request_`) and columns.
const REQUEST_INDEXES: &[(&str, &str)] = &[
    ("endpoint_duration", "endpoint_id, duration"),
    ("time_endpoint", "time_requested, endpoint_id, status_code, duration"),
];

/// fmd's own tables: the schema version (key/value) and one row of counters per recorder process (the same
/// columns and meaning as on SQLite; times are naive UTC, counts 64-bit).
pub(crate) const FMD_OWN_TABLES: &[TableDef] = &[
    TableDef { name: "fmd_meta", body: &["key TEXT NOT NULL", "value TEXT NOT NULL", "PRIMARY KEY (key)"] },
    TableDef {
        name: "fmd_recorder",
        body: &[
            "recorder_id TEXT NOT NULL",
            "host TEXT NOT NULL",
            "pid BIGINT NOT NULL",
            "started TIMESTAMP WITHOUT TIME ZONE NOT NULL",
            "last_seen TIMESTAMP WITHOUT TIME ZONE NOT NULL",
            "recorded BIGINT DEFAULT 0 NOT NULL",
            "dropped BIGINT DEFAULT 0 NOT NULL",
            "failed BIGINT DEFAULT 0 NOT NULL",
            "PRIMARY KEY (recorder_id)",
        ],
    },
];

/// Every statement that creates what is missing for `tables`' prefix, in creation order.
fn statements(tables: &Tables) -> Vec<String> {
    let prefix = tables.prefix();
    let mut all = Vec::new();
    for table in FMD_TABLES {
        all.push(table.ddl(prefix));
        if table.name == "Request" {
            for (suffix, columns) in REQUEST_INDEXES {
                all.push(format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {} ({columns})",
                    tables.index_name(suffix),
                    tables.request
                ));
            }
        }
    }
    all.extend(FMD_OWN_TABLES.iter().map(|t| t.ddl(prefix)));
    all
}

/// The names of the tables (`relkind` r or p) and indexes in the current schema whose names start with
/// `prefix` (all of them for an empty prefix).
fn relations(client: &mut impl GenericClient, prefix: &str) -> Result<Vec<String>, postgres::Error> {
    let rows = client.query(
        "SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'i') AND starts_with(c.relname, $1)",
        &[&prefix],
    )?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// True when a table of exactly this (unquoted) name exists in the current schema.
pub(crate) fn table_exists(client: &mut impl GenericClient, name: &str) -> Result<bool, postgres::Error> {
    let row = client.query_one(
        "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = $1",
        &[&name],
    )?;
    Ok(row.get::<_, i64>(0) > 0)
}

/// The names every table and index of `tables`' prefix has, unquoted (PostgreSQL truncates names to 63 bytes,
/// as it did for Python FMD; such names are compared truncated too).
fn expected_relations(tables: &Tables) -> Vec<String> {
    let prefix = tables.prefix();
    let mut names: Vec<String> =
        FMD_TABLES.iter().chain(FMD_OWN_TABLES).map(|t| format!("{prefix}{}", t.name)).collect();
    names.extend(REQUEST_INDEXES.iter().map(|(suffix, _)| tables.index_name(suffix)));
    names.into_iter().map(|n| truncate_identifier(&n)).collect()
}

/// `name` cut to PostgreSQL's 63-byte identifier limit (on a character boundary, as PostgreSQL does).
fn truncate_identifier(name: &str) -> String {
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// Creates whatever of FMD's tables, its two Request indexes and fmd's own tables is missing, and records fmd's
/// schema version. Existing tables are left exactly as they are; when nothing is missing nothing is run.
pub(crate) fn ensure(client: &mut postgres::Client, tables: &Tables) -> Result<(), postgres::Error> {
    let found = relations(client, tables.prefix())?;
    let complete = expected_relations(tables).iter().all(|name| found.contains(name));
    if complete && version(client, tables)?.is_some() {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    // Recorders starting at once: one creates, the others wait here and then find everything there.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
    let mut script = statements(tables).join(";\n");
    script.push(';');
    tx.batch_execute(&script)?;
    tx.execute(
        &format!("INSERT INTO {} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING", tables.meta),
        &[&PG_SCHEMA_VERSION.to_string()],
    )?;
    tx.commit()
}

/// fmd's schema version recorded in the database (`None` for databases only Python FMD has written).
pub(crate) fn version(client: &mut impl GenericClient, tables: &Tables) -> Result<Option<i64>, postgres::Error> {
    if !table_exists(client, &format!("{}fmd_meta", tables.prefix()))? {
        return Ok(None);
    }
    let row = client.query_opt(&format!("SELECT value FROM {} WHERE key = 'schema_version'", tables.meta), &[])?;
    Ok(row.and_then(|r| r.get::<_, String>(0).trim().parse().ok()))
}

/// The TABLE_PREFIXes of the FMD table sets in the current schema (a set = `{p}Endpoint` + `{p}Request`), sorted.
pub(crate) fn detect_prefixes(client: &mut impl GenericClient) -> Result<Vec<String>, postgres::Error> {
    let rows = client.query(
        "SELECT left(r.relname, -7)::text FROM pg_catalog.pg_class r \
         JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace AND n.nspname = current_schema() \
         JOIN pg_catalog.pg_class e ON e.relnamespace = r.relnamespace AND e.relkind IN ('r', 'p') \
              AND e.relname = left(r.relname, -7) || 'Endpoint' \
         WHERE r.relkind IN ('r', 'p') AND right(r.relname, 7) = 'Request' ORDER BY left(r.relname, -7) COLLATE \"C\"",
        &[],
    )?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// FMD tables fmd never reads, so a database may lack them.
const UNREAD_TABLES: &[&str] = &["User", "TelemetryUser", "AlertFingerprint"];
/// FMD tables a database may lack entirely (older FMDs had no custom graphs), though when present they need
/// their columns.
const OPTIONAL_TABLES: &[&str] = &["CustomGraph", "CustomGraphData"];

/// What is missing of the FMD tables and columns fmd reads (empty when nothing), as core's check on SQLite
/// words it.
pub(crate) fn schema_problems(
    client: &mut impl GenericClient,
    tables: &Tables,
) -> Result<Vec<String>, postgres::Error> {
    let prefix = tables.prefix();
    let rows = client.query(
        "SELECT c.relname::text, a.attname::text FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p') \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() \
         WHERE a.attnum > 0 AND NOT a.attisdropped AND starts_with(c.relname, $1)",
        &[&prefix],
    )?;
    let found: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let mut problems = Vec::new();
    for table in FMD_TABLES.iter().filter(|t| !UNREAD_TABLES.contains(&t.name)) {
        let name = format!("{prefix}{}", table.name);
        let columns: Vec<&str> = found.iter().filter(|(t, _)| *t == name).map(|(_, c)| c.as_str()).collect();
        if columns.is_empty() {
            if !OPTIONAL_TABLES.contains(&table.name) {
                problems.push(format!("table {name:?} is missing"));
            }
            continue;
        }
        let missing: Vec<&str> = table.columns().filter(|c| !columns.contains(c)).collect();
        match missing.as_slice() {
            [] => {}
            [one] => problems.push(format!("table {name:?} has no column {one}")),
            many => problems.push(format!("table {name:?} has no columns {}", many.join(", "))),
        }
    }
    Ok(problems)
}
