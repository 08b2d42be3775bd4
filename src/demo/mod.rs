//! `fmd demo`: a self-contained tour. Starts a small axum service with the recorder on 127.0.0.1, sends it
//! a seeded mix of requests over loopback, shuts it down gracefully, checks that every request sent is in
//! the database, then opens the console on it. Into a file without requests it first writes days of history
//! (see [`history`]), so every tab has something to show; the live part is counted on its own.

mod history;
mod load;
mod service;

use std::path::PathBuf;

use fmd_core::Store;

use crate::cli::{Common, DemoArgs};
use crate::failure::Failure;
use crate::settings::Settings;

/// Database file of the demo when `--db` is not given.
pub const DEFAULT_DB: &str = "fmd-demo.db";

/// Runs the demo, then the console unless `--no-tui`.
pub fn run(common: &Common, mut settings: Settings, args: &DemoArgs) -> Result<(), Failure> {
    let db = common.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    let prefix = settings.config.database.table_prefix.clone();
    settings.config.database.path = db.clone();
    settings.db = db.clone();
    settings.table_prefix = Some(prefix.clone());
    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(Failure::Input(format!("{}: directory {} does not exist", db.display(), parent.display())));
        }
    }
    if args.history_days > 0 && count_requests(&db, &prefix)? == 0 {
        let h = history::lay_down(&db, &prefix, args.history_days, chrono::Utc::now(), args.seed)?;
        crate::output::println(&format!(
            "demo: wrote {} requests of history over {} days (versions 1.0, then 1.1)",
            h.requests, h.days
        ))?;
    }
    // The demo service is version 1.1, whatever the configuration says about the user's own service.
    settings.config.dashboard.app_version = history::LIVE_VERSION.to_string();
    settings.config.dashboard.git = None;
    let before = count_requests(&db, &prefix)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
    let outcome = runtime.block_on(service::serve_and_load(&settings.config, args))?;
    drop(runtime);

    let after = count_requests(&db, &prefix)?;
    let recorded = after.saturating_sub(before);
    crate::output::println(&format!(
        "demo: sent {} requests ({} answered), recorded {recorded} (dropped {}, failed {}) in {}",
        outcome.sent,
        outcome.answered,
        outcome.report.dropped,
        outcome.report.failed,
        db.display()
    ))?;
    if recorded != outcome.sent {
        return Err(Failure::Runtime(format!(
            "{} requests were sent but {recorded} were recorded; see the log above",
            outcome.sent
        )));
    }
    if args.web {
        return web(&settings, args);
    }
    if args.no_tui {
        crate::output::println(&format!("open the console with: fmd --db {}", db.display()))?;
        return Ok(());
    }
    crate::commands::open_console(&settings, &crate::cli::TuiArgs::default())
}

/// `fmd demo --web`: a demo admin with a password made for this run (printed once; there is no default
/// password), then the web dashboard on the demo's database.
#[cfg(feature = "web")]
fn web(settings: &Settings, args: &DemoArgs) -> Result<(), Failure> {
    let password = fmd_web::auth::session::random_token()
        .map_err(|e| Failure::runtime(format!("no random numbers for the demo's password: {e}")))?;
    let password = &password[..20];
    let hash = fmd_core::password::hash(password, fmd_core::password::Scheme::Argon2id)
        .map_err(|e| Failure::runtime(format!("cannot hash the demo's password: {e}")))?;
    let store = Store::open_editor(&settings.db, settings.table_prefix.as_deref())?;
    match store.user_by_name(DEMO_USER)? {
        Some(user) => store.set_password(user.id, &hash)?,
        None => {
            store.add_user(DEMO_USER, &hash, true)?;
        }
    }
    drop(store);
    crate::summaries::prepare(&settings.db, settings.table_prefix.as_deref())?;
    let banner = format!("demo: log in as {DEMO_USER:?} with the password {password} (made for this run)");
    crate::commands::web::serve(settings, args.listen, false, Some(banner))
}

/// The demo's admin.
#[cfg(feature = "web")]
const DEMO_USER: &str = "demo";

/// Without the `web` feature: says how to get it.
#[cfg(not(feature = "web"))]
fn web(_settings: &Settings, _args: &DemoArgs) -> Result<(), Failure> {
    Err(Failure::Input(
        "this fmd was built without the web dashboard; run `cargo run --release --features web -- demo --web`".into(),
    ))
}

fn count_requests(db: &std::path::Path, prefix: &str) -> Result<u64, Failure> {
    if !db.exists() {
        return Ok(0);
    }
    let store = Store::open_reader(db, Some(prefix))?;
    let n: i64 = store
        .connection()
        .query_row(&format!("SELECT count(*) FROM {}", store.tables().request), [], |r| r.get(0))
        .map_err(|e| Failure::runtime(format!("{}: {e}", db.display())))?;
    Ok(n.max(0) as u64)
}
