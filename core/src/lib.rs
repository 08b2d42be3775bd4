//! fmd's shared core: the configuration (`fmd.toml`) and the FMD-compatible SQLite store.
//!
//! Both the recorder (embedded in a monitored service) and the console depend on this crate; it pulls in
//! neither a terminal library nor an HTTP stack, so a service that embeds the recorder pays only for SQLite.
//!
//! * [`backend`]: one database whichever backend holds it: readers, editors and how they are opened.
//! * [`config`]: FMD's options as TOML, loaded from a path, `FMD_CONFIG` or defaults, with precise errors.
//! * [`dashboard`]: the one layer every front-end asks for its views (console, `fmd show`, the web).
//! * [`password`]: the dashboard users' password hashes (Argon2id, and Werkzeug's pbkdf2 that Python FMD checks).
//! * [`stored`]: how FMD's stored texts read (stack frames, CPU, memory, environment, code lines).
//! * [`store`]: FMD 5.x schema, timestamps, batched writes, endpoint levels and the read queries of the console.

pub mod backend;
pub mod config;
pub mod dashboard;
pub mod password;
pub mod report;
pub mod store;
pub mod stored;
pub mod timefmt;

pub use config::{Config, ConfigError};
pub use store::{ErrorKind, Store, StoreError};
