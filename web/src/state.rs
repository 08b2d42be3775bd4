//! What every handler shares: the options the server started with, the reader pool, the sessions and the
//! login limiter. Cheap to clone (one `Arc`).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::auth::limit::LoginLimiter;
use crate::auth::session::Sessions;
use crate::pool::Pool;

/// What the dashboard serves and how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The URL prefix without slashes (FMD's CUSTOM_LINK, `dashboard` by default).
    pub link: String,
    /// The zone of days and hours unless a page asks for another (`?tz=`).
    pub zone: Tz,
    /// A pinned "now" (tests, and looking at old files as of a moment); `None`: the clock.
    pub now: Option<DateTime<Utc>>,
    /// Endpoint colours from the configuration (`visualization.colors`).
    pub colors: BTreeMap<String, [u8; 3]>,
    /// Cookies carry `Secure` (the dashboard is reached over TLS, e.g. behind a reverse proxy).
    pub secure_cookies: bool,
    /// How long a session lasts without use.
    pub session_idle: std::time::Duration,
    /// How long a session lasts at most.
    pub session_max: std::time::Duration,
}

/// The shared state of every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    settings: Settings,
    pool: Pool,
    sessions: Sessions,
    limiter: LoginLimiter,
}

impl AppState {
    /// State over an opened pool.
    pub fn new(settings: Settings, pool: Pool) -> AppState {
        let sessions = Sessions::new(settings.session_idle, settings.session_max);
        AppState(Arc::new(Inner { settings, pool, sessions, limiter: LoginLimiter::default() }))
    }

    /// The configuration the server runs with.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The URL prefix without slashes.
    pub fn link(&self) -> &str {
        &self.0.settings.link
    }

    /// `/{link}/{rest}`: a path under the dashboard.
    pub fn path(&self, rest: &str) -> String {
        format!("/{}/{}", self.0.settings.link, rest.trim_start_matches('/'))
    }

    /// The readers.
    pub fn pool(&self) -> &Pool {
        &self.0.pool
    }

    /// The sessions.
    pub fn sessions(&self) -> &Sessions {
        &self.0.sessions
    }

    /// Failed logins per client and per user.
    pub fn limiter(&self) -> &LoginLimiter {
        &self.0.limiter
    }

    /// The pinned instant, or the clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.0.settings.now.unwrap_or_else(Utc::now)
    }
}
