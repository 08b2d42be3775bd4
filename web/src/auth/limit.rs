//! Failed logins, counted per client address and per user name: after [`PER_USER`] failures for one name or
//! [`PER_CLIENT`] from one address within [`WINDOW`], further attempts are refused (429, with Retry-After)
//! until the window has passed, without checking the password (so guessing costs no hashing either).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(300);
/// Failures one user name may see in the window.
pub const PER_USER: u32 = 5;
/// Failures one client address may cause in the window.
pub const PER_CLIENT: u32 = 20;
/// Names and addresses remembered at most.
const MOST: usize = 50_000;

#[derive(Clone, Copy)]
struct Count {
    failures: u32,
    since: Instant,
}

/// Login failures per client and per user.
#[derive(Default)]
pub struct LoginLimiter {
    counts: Mutex<HashMap<String, Count>>,
}

fn user_key(name: &str) -> String {
    format!("user:{}", name.to_lowercase())
}

fn client_key(client: &str) -> String {
    format!("client:{client}")
}

impl LoginLimiter {
    /// `Some(wait)` when `client` or `name` has failed too often: the time until the window ends.
    pub fn refused(&self, client: &str, name: &str) -> Option<Duration> {
        let counts = self.counts.lock().ok()?;
        let now = Instant::now();
        [(client_key(client), PER_CLIENT), (user_key(name), PER_USER)]
            .iter()
            .filter_map(|(key, most)| {
                let count = counts.get(key)?;
                let age = now.duration_since(count.since);
                (age < WINDOW && count.failures >= *most).then(|| WINDOW - age)
            })
            .max()
    }

    /// Counts a failed login.
    pub fn failed(&self, client: &str, name: &str) {
        let Ok(mut counts) = self.counts.lock() else { return };
        let now = Instant::now();
        if counts.len() >= MOST {
            counts.retain(|_, c| now.duration_since(c.since) < WINDOW);
            if counts.len() >= MOST {
                counts.clear();
            }
        }
        for key in [client_key(client), user_key(name)] {
            let count = counts.entry(key).or_insert(Count { failures: 0, since: now });
            if now.duration_since(count.since) >= WINDOW {
                *count = Count { failures: 0, since: now };
            }
            count.failures += 1;
        }
    }

    /// A successful login forgets the user's failures (the client's stay: one address guessing many names).
    pub fn succeeded(&self, name: &str) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.remove(&user_key(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_refused_after_its_failures_and_a_client_after_its_own() {
        let limiter = LoginLimiter::default();
        for _ in 0..PER_USER {
            assert!(limiter.refused("1.2.3.4", "admin").is_none());
            limiter.failed("1.2.3.4", "admin");
        }
        let wait = limiter.refused("9.9.9.9", "ADMIN").expect("the name is refused from any address");
        assert!(wait <= WINDOW && wait > WINDOW - Duration::from_secs(5));
        assert!(limiter.refused("1.2.3.4", "bob").is_none(), "the client has failed 5 of its 20");
        for i in 0..PER_CLIENT {
            limiter.failed("5.5.5.5", &format!("user{i}"));
        }
        assert!(limiter.refused("5.5.5.5", "carol").is_some(), "one address guessing many names");
        limiter.succeeded("admin");
        assert!(limiter.refused("9.9.9.9", "admin").is_none());
    }
}
