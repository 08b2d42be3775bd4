//! Opening a PostgreSQL database: for a recorder (create what is missing), for a reader (never create or
//! change anything, check the FMD tables, detect the table prefix) and for an editor (existing tables,
//! read-write, e.g. to change levels). The same rules and messages as `fmd_core`'s SQLite `Store`.

use std::cell::RefCell;

use fmd_core::store::Tables;
use fmd_core::{ErrorKind, StoreError};

use crate::schema::{self, PG_SCHEMA_VERSION};
use crate::{error, PgStore, PgUrl};

fn backend(location: &str, kind: ErrorKind, message: String) -> StoreError {
    StoreError::Backend { location: location.to_string(), kind, message }
}

fn quote_all(prefixes: &[String]) -> String {
    prefixes.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", ")
}

impl PgStore {
    /// A store of a new connection to `url` (nothing checked yet).
    fn connect_raw(url: &PgUrl) -> Result<(postgres::Client, String), StoreError> {
        let location = url.location();
        let client = url.config().connect(postgres::NoTls).map_err(|e| error::wrap(&location, &e))?;
        Ok((client, location))
    }

    fn assemble(client: postgres::Client, tables: Tables, location: String) -> PgStore {
        PgStore { client: RefCell::new(client), tables, location }
    }

    /// Connects for recording: every missing FMD table (exactly as Python FMD 5.1.0 creates it on PostgreSQL),
    /// its two Request indexes and fmd's own `{prefix}fmd_*` tables are created, in one transaction under an
    /// advisory lock so that recorders starting together all succeed. A database holding Python FMD's tables
    /// is used as it is (only fmd's own tables are added). Refused with [`ErrorKind::Newer`] when a newer fmd
    /// has written it.
    pub fn open_writer(url: &PgUrl, prefix: &str) -> Result<PgStore, StoreError> {
        let (mut client, location) = PgStore::connect_raw(url)?;
        let tables = Tables::new(prefix);
        check_version(&mut client, &location, &tables)?;
        schema::ensure(&mut client, &tables).map_err(|e| error::wrap(&location, &e))?;
        // Another process may have created the tables with a newer version meanwhile.
        check_version(&mut client, &location, &tables)?;
        check_schema(&mut client, &location, &tables)?;
        Ok(PgStore::assemble(client, tables, location))
    }

    /// Connects to a database holding FMD's tables, for reading: never creates or changes anything (the
    /// session is read-only: `default_transaction_read_only`). The prefix is `prefix`, or detected when the
    /// database holds exactly one FMD table set (`{p}Endpoint` + `{p}Request`).
    pub fn open_reader(url: &PgUrl, prefix: Option<&str>) -> Result<PgStore, StoreError> {
        let (mut client, location) = PgStore::connect_raw(url)?;
        client.batch_execute("SET default_transaction_read_only = on").map_err(|e| error::wrap(&location, &e))?;
        let tables = resolve_prefix(&mut client, &location, prefix)?;
        check_version(&mut client, &location, &tables)?;
        check_schema(&mut client, &location, &tables)?;
        Ok(PgStore::assemble(client, tables, location))
    }

    /// Connects to a database holding FMD's tables for small edits (levels): read-write, never adding tables.
    /// The prefix is found as by [`open_reader`](Self::open_reader).
    pub fn open_editor(url: &PgUrl, prefix: Option<&str>) -> Result<PgStore, StoreError> {
        let (mut client, location) = PgStore::connect_raw(url)?;
        let tables = resolve_prefix(&mut client, &location, prefix)?;
        check_version(&mut client, &location, &tables)?;
        check_schema(&mut client, &location, &tables)?;
        Ok(PgStore::assemble(client, tables, location))
    }

    /// The TABLE_PREFIXes of the FMD table sets in the database's current schema (a set = `{p}Endpoint` +
    /// `{p}Request`), sorted.
    pub fn detect_prefixes(&self) -> Result<Vec<String>, StoreError> {
        self.with(schema::detect_prefixes)
    }

    /// fmd's schema version recorded in the database (`None` when only Python FMD has written it).
    pub fn schema_version(&self) -> Result<Option<i64>, StoreError> {
        let tables = self.tables.clone();
        self.with(|client| schema::version(client, &tables))
    }
}

/// The tables of `wanted`, or of the one prefix found; errors worded as on SQLite, naming the database.
fn resolve_prefix(client: &mut postgres::Client, location: &str, wanted: Option<&str>) -> Result<Tables, StoreError> {
    let found = schema::detect_prefixes(client).map_err(|e| error::wrap(location, &e))?;
    let not_fmd = |problem: String| backend(location, ErrorKind::Corrupt, format!("not an FMD database: {problem}"));
    match wanted {
        Some(prefix) if found.iter().any(|p| p == prefix) => Ok(Tables::new(prefix)),
        Some(prefix) if found.is_empty() => {
            Err(not_fmd(format!("no {prefix}Endpoint/{prefix}Request tables (table prefix {prefix:?})")))
        }
        Some(prefix) => {
            Err(not_fmd(format!("no tables with prefix {prefix:?} (found prefixes: {})", quote_all(&found))))
        }
        None => match found.as_slice() {
            [one] => Ok(Tables::new(one)),
            [] => Err(not_fmd("no Endpoint/Request tables".to_string())),
            many => Err(backend(
                location,
                ErrorKind::Invalid,
                format!("holds FMD tables with several prefixes ({}); choose one with --table-prefix", quote_all(many)),
            )),
        },
    }
}

fn check_version(client: &mut postgres::Client, location: &str, tables: &Tables) -> Result<(), StoreError> {
    match schema::version(client, tables).map_err(|e| error::wrap(location, &e))? {
        Some(found) if found > PG_SCHEMA_VERSION => Err(backend(
            location,
            ErrorKind::Newer,
            format!(
                "written by a newer fmd (schema version {found}, this build reads up to {PG_SCHEMA_VERSION}); \
                 upgrade fmd"
            ),
        )),
        _ => Ok(()),
    }
}

/// Every FMD table fmd reads must exist with every column FMD 5.x gives it.
fn check_schema(client: &mut postgres::Client, location: &str, tables: &Tables) -> Result<(), StoreError> {
    let problems = schema::schema_problems(client, tables).map_err(|e| error::wrap(location, &e))?;
    if problems.is_empty() {
        return Ok(());
    }
    let shown = problems.len().min(3);
    let more = if problems.len() > shown { format!(" and {} more", problems.len() - shown) } else { String::new() };
    Err(backend(
        location,
        ErrorKind::Corrupt,
        format!(
            "not the FMD 5.x schema fmd reads: {}{more} (written by an FMD older than 5.x?)",
            problems[..shown].join("; ")
        ),
    ))
}
