//! A PostgreSQL database as a `fmd_core::backend::Backend`: the console and the web open readers (read-only
//! sessions, [`PgStore::open_reader`]) and editors ([`PgStore::open_editor`]) on it from any thread, each its
//! own connection.

use fmd_core::backend::{Backend, Editor, Reader};
use fmd_core::StoreError;

use crate::{PgStore, PgUrl};

/// A PostgreSQL database with the FMD tables of one prefix (`None`: detected when the database holds one set).
#[derive(Debug, Clone)]
pub struct PgBackend {
    url: PgUrl,
    prefix: Option<String>,
}

impl PgBackend {
    /// The database `url` names; nothing is connected until a reader or editor is asked for.
    pub fn new(url: PgUrl, prefix: Option<&str>) -> PgBackend {
        PgBackend { url, prefix: prefix.map(str::to_string) }
    }

    /// The database's URL (its `Debug` and `Display` never show the password).
    pub fn url(&self) -> &PgUrl {
        &self.url
    }
}

impl Backend for PgBackend {
    fn location(&self) -> String {
        self.url.location()
    }

    fn kind(&self) -> &'static str {
        "PostgreSQL database"
    }

    fn reader(&self) -> Result<Box<dyn Reader>, StoreError> {
        Ok(Box::new(PgStore::open_reader(&self.url, self.prefix.as_deref())?))
    }

    fn editor(&self) -> Result<Box<dyn Editor>, StoreError> {
        Ok(Box::new(PgStore::open_editor(&self.url, self.prefix.as_deref())?))
    }
}
