//! The demo's load: a seeded mix of requests (the same mix FMD's oracle app was driven with), sent over
//! loopback with a progress bar.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::DemoArgs;
use crate::failure::Failure;
use crate::rng::Rng;

const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];

/// One request of the mix: method, path and query, body size, user.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// `true` for POST.
    pub post: bool,
    /// Path and query.
    pub target: String,
    /// Body bytes (POST only).
    pub body: usize,
    /// The X-User header.
    pub user: &'static str,
}

/// The `i`-th request of the mix for `seed`.
pub fn plan(seed: u64, i: u64) -> Planned {
    let mut mix = Rng::new(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let user = USERS[mix.below(4) as usize];
    let r = mix.below(100);
    let (post, target, body) = match r {
        0..=18 => (false, "/".to_string(), 0),
        19..=23 => (false, "/slow-report".to_string(), 0),
        24 => (false, "/panic".to_string(), 0),
        25..=54 => (false, format!("/users/{}", 1 + mix.below(200)), 0),
        55..=74 => (false, format!("/search?q={}", if mix.below(20) == 0 { "slow" } else { "fast" }), 0),
        75..=84 => (false, "/report".to_string(), 0),
        85..=94 => (true, "/upload".to_string(), [10, 100, 5000][mix.below(3) as usize]),
        95..=96 => (false, "/crunch".to_string(), 0),
        _ => (false, "/boom".to_string(), 0),
    };
    Planned { post, target, body, user }
}

/// Sends `args.requests` requests with `args.concurrency` in flight; returns (sent, answered).
pub async fn drive(addr: SocketAddr, args: &DemoArgs) -> Result<(u64, u64), Failure> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency as usize)
        .build()
        .map_err(|e| Failure::runtime(format!("cannot build the HTTP client: {e}")))?;
    let bar = ProgressBar::new(args.requests);
    bar.set_style(
        ProgressStyle::with_template("{spinner} sending {pos}/{len} requests [{bar:40}] {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let next = Arc::new(AtomicU64::new(0));
    let answered = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, next, answered, bar) = (client.clone(), next.clone(), answered.clone(), bar.clone());
        let (total, seed) = (args.requests, args.seed);
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let p = plan(seed, i);
                let url = format!("http://{addr}{}", p.target);
                let request = if p.post { client.post(url).body(vec![b'x'; p.body]) } else { client.get(url) };
                if let Ok(response) = request.header("x-user", p.user).send().await {
                    let _ = response.bytes().await;
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                bar.inc(1);
            }
        }));
    }
    for worker in workers {
        worker.await.map_err(|e| Failure::runtime(format!("load worker failed: {e}")))?;
    }
    bar.finish_and_clear();
    Ok((args.requests, answered.load(Ordering::Relaxed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_seeded_and_covers_every_endpoint() {
        assert_eq!(plan(1, 5), plan(1, 5));
        let targets: Vec<Planned> = (0..2000).map(|i| plan(1, i)).collect();
        for prefix in [
            "/users/",
            "/search?q=slow",
            "/search?q=fast",
            "/report",
            "/upload",
            "/boom",
            "/slow-report",
            "/panic",
            "/crunch",
        ] {
            assert!(targets.iter().any(|p| p.target.starts_with(prefix)), "{prefix} missing from the mix");
        }
        assert!(targets.iter().any(|p| p.target == "/"));
        let users: std::collections::BTreeSet<_> = targets.iter().map(|p| p.user).collect();
        assert_eq!(users.len(), 4);
    }
}
