//! Server-side sessions: a random 256-bit id in an HttpOnly, SameSite=Strict cookie; the server keeps the
//! user it belongs to, its CSRF token and its age. Ids are looked up by their SHA-256, so neither the table
//! nor a lookup's timing reveals one. Sessions end on logout, after [`Sessions::idle`] unused or
//! [`Sessions::max`] in all, and when the user is removed or their password changes (checked against the
//! database on every request, so a change made by `fmd user` in another process ends them too).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Sessions kept at most (the least recently used go first).
const MOST: usize = 10_000;

/// One signed-in browser.
#[derive(Clone)]
pub struct Session {
    /// The user's id in FMD's User table.
    pub user_id: i64,
    /// A digest of the password hash the user signed in with: a changed password ends the session.
    pub hash_mark: [u8; 32],
    /// The token every state change from our pages carries.
    pub csrf: String,
    created: Instant,
    used: Instant,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("user_id", &self.user_id).finish_non_exhaustive()
    }
}

/// Every session of this server.
pub struct Sessions {
    idle: Duration,
    max: Duration,
    live: Mutex<HashMap<[u8; 32], Session>>,
}

/// 32 random bytes as 64 hexadecimal digits.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(crate::headers::hex(&bytes))
}

/// The digest a session keeps of a password hash.
pub fn hash_mark(password_hash: &str) -> [u8; 32] {
    Sha256::digest(password_hash.as_bytes()).into()
}

fn key(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

impl Sessions {
    /// No sessions yet; they end `idle` after their last use and `max` after they began.
    pub fn new(idle: Duration, max: Duration) -> Sessions {
        Sessions { idle, max, live: Mutex::new(HashMap::new()) }
    }

    /// How long a session lasts unused.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// How long a session lasts at most.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// Starts a session for `user_id`; answers its id (the cookie's value).
    pub fn start(&self, user_id: i64, password_hash: &str) -> Result<String, getrandom::Error> {
        let id = random_token()?;
        let now = Instant::now();
        let session =
            Session { user_id, hash_mark: hash_mark(password_hash), csrf: random_token()?, created: now, used: now };
        if let Ok(mut live) = self.live.lock() {
            if live.len() >= MOST {
                live.retain(|_, s| !self.expired(s, now));
            }
            if live.len() >= MOST {
                let oldest = live.iter().min_by_key(|(_, s)| s.used).map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    live.remove(&oldest);
                }
            }
            live.insert(key(&id), session);
        }
        Ok(id)
    }

    fn expired(&self, session: &Session, now: Instant) -> bool {
        now.duration_since(session.used) > self.idle || now.duration_since(session.created) > self.max
    }

    /// The live session with this id (marking it used), or `None` (unknown or expired: then forgotten).
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut live = self.live.lock().ok()?;
        let k = key(id);
        let now = Instant::now();
        let session = live.get_mut(&k)?;
        if self.expired(session, now) {
            live.remove(&k);
            return None;
        }
        session.used = now;
        Some(session.clone())
    }

    /// Ends the session with this id.
    pub fn end(&self, id: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&key(id));
        }
    }

    /// Ends every session of `user_id` (removed, or their password changed here).
    pub fn end_user(&self, user_id: i64) {
        if let Ok(mut live) = self.live.lock() {
            live.retain(|_, s| s.user_id != user_id);
        }
    }

    /// Sessions alive now.
    pub fn count(&self) -> usize {
        let now = Instant::now();
        self.live.lock().map_or(0, |live| live.values().filter(|s| !self.expired(s, now)).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_idle_or_old_or_when_asked() {
        let sessions = Sessions::new(Duration::from_millis(50), Duration::from_secs(60));
        let a = sessions.start(1, "h").expect("random");
        let b = sessions.start(2, "h").expect("random");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(sessions.get(&a).map(|s| s.user_id), Some(1));
        sessions.end(&a);
        assert!(sessions.get(&a).is_none());
        std::thread::sleep(Duration::from_millis(80));
        assert!(sessions.get(&b).is_none(), "idle too long");
        let c = sessions.start(3, "h").expect("random");
        sessions.end_user(3);
        assert!(sessions.get(&c).is_none());
        let old = Sessions::new(Duration::from_secs(60), Duration::from_millis(30));
        let d = old.start(4, "h").expect("random");
        std::thread::sleep(Duration::from_millis(50));
        assert!(old.get(&d).is_none(), "past its maximum age");
    }

    #[test]
    fn the_password_mark_follows_the_hash() {
        assert_eq!(hash_mark("x"), hash_mark("x"));
        assert_ne!(hash_mark("x"), hash_mark("y"));
    }
}
