//! Throwaway databases for tests (feature `testing`): each test gets its own database on the server named by
//! `FMD_TEST_PG_URL` (e.g. `postgres://postgres@127.0.0.1:55432/postgres`, as `.ci/run` starts one), dropped
//! when the test ends. Without the variable [`TestDb::create`] returns `None` and prints that the test was
//! skipped and why, unless `FMD_REQUIRE_PG=1` (set by CI), when it panics so nothing is skipped silently.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::url::PgUrl;

/// The environment variable naming the test server.
pub const TEST_URL_VAR: &str = "FMD_TEST_PG_URL";

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A database created for one test, dropped on drop.
#[derive(Debug)]
pub struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    /// A new empty database, or `None` (after saying so on stderr) when no test server is configured.
    ///
    /// # Panics
    /// When the server cannot be reached, or when `FMD_REQUIRE_PG=1` and no server is configured.
    #[allow(clippy::expect_used)]
    pub fn create(test: &str) -> Option<TestDb> {
        let Ok(admin) = std::env::var(TEST_URL_VAR) else {
            assert!(
                std::env::var("FMD_REQUIRE_PG").as_deref() != Ok("1"),
                "{test}: FMD_REQUIRE_PG=1 but {TEST_URL_VAR} is not set"
            );
            eprintln!("{test}: skipped, no PostgreSQL server: set {TEST_URL_VAR}=postgres://user@host:port/db");
            return None;
        };
        Some(TestDb::create_on(&admin, test))
    }

    /// A new empty database on the server `admin` (a URL of a database there, e.g. a throwaway cluster's
    /// `postgres://fmd@127.0.0.1:port/postgres`), dropped on drop.
    ///
    /// # Panics
    /// When the server cannot be reached.
    #[allow(clippy::expect_used)]
    pub fn create_on(admin: &str, test: &str) -> TestDb {
        let admin = admin.to_string();
        let name = format!(
            "fmd_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            test.chars().filter(|c| c.is_ascii_alphanumeric()).take(24).collect::<String>().to_lowercase()
        );
        let mut client = admin_client(&admin);
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        TestDb { admin, name, url }
    }

    /// The test database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The test database's URL, parsed.
    ///
    /// # Panics
    /// Never for the URLs [`TestDb::create`] makes.
    #[allow(clippy::expect_used)]
    pub fn pg_url(&self) -> PgUrl {
        PgUrl::parse(&self.url, None).expect("test URL parses")
    }

    /// A plain connection to the test database, for checks a test makes behind fmd's back.
    ///
    /// # Panics
    /// When the server cannot be reached.
    #[allow(clippy::expect_used)]
    pub fn client(&self) -> postgres::Client {
        self.pg_url().config().connect(postgres::NoTls).expect("connect to the test database")
    }
}

/// Python FMD 5.1.0's schema on PostgreSQL as its `pg_dump --schema-only` printed it (no prefix).
pub const PYTHON_FMD_SCHEMA: &str = include_str!("../../fixtures/postgres/fmd-5.1.0-schema.sql");

impl TestDb {
    /// Creates FMD's tables exactly as Python FMD 5.1.0 created them (from its dump), as a database Python FMD
    /// made would have them.
    ///
    /// # Panics
    /// When the server refuses the dump.
    #[allow(clippy::expect_used)]
    pub fn create_python_fmd_schema(&self) {
        let mut client = self.client();
        // The dump gives every table to its owner there (`postgres`), a role this server may not have.
        let schema: String =
            PYTHON_FMD_SCHEMA.lines().filter(|l| !l.contains(" OWNER TO ")).map(|l| format!("{l}\n")).collect();
        client.batch_execute(&schema).expect("Python FMD's schema");
        // The dump empties search_path for its own session only; this connection ends here.
    }

    /// A store on the test database with the FMD tables of `prefix`.
    ///
    /// # Panics
    /// When the server cannot be reached.
    #[allow(clippy::expect_used)]
    pub fn store(&self, prefix: &str) -> crate::PgStore {
        crate::PgStore::connect(&self.pg_url(), prefix).expect("connect to the test database")
    }
}

#[allow(clippy::expect_used)]
fn admin_client(admin: &str) -> postgres::Client {
    PgUrl::parse(admin, None)
        .expect("FMD_TEST_PG_URL parses")
        .config()
        .connect(postgres::NoTls)
        .expect("connect to the test server named by FMD_TEST_PG_URL")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut client) = PgUrl::parse(&self.admin, None)
            .map_err(|_| ())
            .and_then(|u| u.config().connect(postgres::NoTls).map_err(|_| ()))
        {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
