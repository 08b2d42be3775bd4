//! `fmd web`: opens the database (any [`Backend`]), refuses to start without a user (there is no default password), binds
//! (127.0.0.1 unless told otherwise) and serves until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::backend::Backend;

use crate::pool::Pool;
use crate::state::{AppState, Settings};

/// What `fmd web` was asked for (the database comes beside it, as a [`Backend`]).
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// FMD's CUSTOM_LINK (URL prefix).
    pub link: String,
    /// The default zone of pages.
    pub zone: Tz,
    /// A pinned "now".
    pub now: Option<DateTime<Utc>>,
    /// Endpoint colours.
    pub colors: std::collections::BTreeMap<String, [u8; 3]>,
    /// Mark cookies Secure (served over TLS by a proxy).
    pub secure_cookies: bool,
    /// The first admin to create when the User table is empty: name and password hash (from fmd.toml).
    pub seed_admin: Option<(String, String)>,
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database is not an FMD database, or cannot be read.
    #[error(transparent)]
    Store(#[from] fmd_core::StoreError),
    /// Nobody could log in.
    #[error(
        "{0} has no users, and there is no default password: add one with `fmd user add NAME --admin` \
         (or set authentication.password_hash in fmd.toml for the first admin)"
    )]
    NoUsers(String),
    /// The address cannot be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// The server failed while running.
    #[error("the web server failed: {0}")]
    Io(#[from] std::io::Error),
}

impl ServeError {
    /// True for bad input (exit code 2): no users, not a database.
    pub fn is_input(&self) -> bool {
        matches!(self, ServeError::NoUsers(_) | ServeError::Store(_) | ServeError::Bind(..))
    }
}

/// The settings of a server with these options (sessions last 12 hours unused, 7 days at most).
pub fn settings(options: &WebOptions) -> Settings {
    Settings {
        link: options.link.trim_matches('/').to_string(),
        zone: options.zone,
        now: options.now,
        colors: options.colors.clone(),
        secure_cookies: options.secure_cookies,
        session_idle: Duration::from_secs(12 * 3600),
        session_max: Duration::from_secs(7 * 24 * 3600),
    }
}

/// Makes sure somebody can log in to `backend`: seeds the first admin from the configuration when the table
/// is empty, else refuses.
pub fn ensure_users(backend: &dyn Backend, options: &WebOptions) -> Result<(), ServeError> {
    if !backend.reader()?.list_users()?.is_empty() {
        return Ok(());
    }
    let Some((name, hash)) = &options.seed_admin else {
        return Err(ServeError::NoUsers(backend.location()));
    };
    backend.editor()?.add_user(name, hash, true)?;
    tracing::info!("created the admin {name:?} from authentication.password_hash");
    Ok(())
}

/// Serves the dashboard of `backend` until Ctrl-C or SIGTERM; `ready` is told the bound address.
pub async fn serve(
    backend: Arc<dyn Backend>,
    options: WebOptions,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    // Connecting blocks (PostgreSQL's client runs its own runtime): off the async workers.
    let checked = options.clone();
    let pool = tokio::task::spawn_blocking(move || -> Result<Pool, ServeError> {
        ensure_users(&*backend, &checked)?;
        Ok(Pool::new(backend)?)
    })
    .await
    .map_err(|e| ServeError::Io(std::io::Error::other(e.to_string())))??;
    pool.spawn_summary_refresher()?;
    let state = AppState::new(settings(&options), pool);
    let listener =
        tokio::net::TcpListener::bind(options.listen).await.map_err(|e| ServeError::Bind(options.listen, e))?;
    let bound = listener.local_addr()?;
    ready(bound);
    let app = crate::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
