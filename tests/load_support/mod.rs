//! Shared by `faults_under_load.rs` and `kill9.rs`: a hello-world axum service with the recorder on a real
//! loopback port, a keep-alive HTTP/1.1 client loop that checks every response (status, body, latency),
//! and a capture of the recorder's log lines.
#![allow(dead_code)]

#[path = "../../recorder/tests/common/harness.rs"]
mod harness;
#[allow(unused_imports)] // each test binary uses a part
pub use harness::{capture_logs_at, log_lines, wait_until, ReadOnly};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Path as UrlPath;
use axum::routing::get;
use axum::Router;

/// A recorder configuration for `db`: level 1, version "load-1", level poll every 100 ms.
pub fn config(db: &Path) -> fmd_core::Config {
    let mut config = fmd_core::Config::default();
    config.database.path = db.to_path_buf();
    config.dashboard.monitor_level = 1;
    config.dashboard.app_version = "load-1".into();
    config.recorder.level_poll_ms = 100;
    config
}

/// The body `/hello/{n}` answers.
pub fn body_for(n: u64) -> String {
    format!("hello {n}")
}

/// The service under test: `/hello/{n}` answers `hello {n}`.
pub fn app() -> Router {
    Router::new().route("/hello/{n}", get(|UrlPath(n): UrlPath<u64>| async move { body_for(n) }))
}

/// A running service: an axum server on 127.0.0.1 (its own 2-thread runtime) with the recorder's layer.
pub struct Service {
    pub addr: SocketAddr,
    pub served: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Service {
    /// Serves `/hello/{n}` with `layer` (the recorder's, or none) inside a counting middleware.
    pub fn start(layer: Option<fmd_recorder::RecorderLayer>) -> Service {
        let served = Arc::new(AtomicU64::new(0));
        let mut router = app();
        if let Some(layer) = layer {
            router = router.layer(layer);
        }
        let counter = served.clone();
        let router = router.layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| {
            let counter = counter.clone();
            async move {
                let response = next.run(req).await;
                counter.fetch_add(1, Ordering::Relaxed);
                response
            }
        }));
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Service { addr, served, stop: Some(stop), thread: Some(thread) }
    }

    /// Stops accepting, waits for open connections to finish, and returns how many responses were served.
    pub fn stop(mut self) -> u64 {
        self.shutdown();
        self.served.load(Ordering::Relaxed)
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Client {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// What one request got.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let writer = stream.try_clone()?;
        Ok(Client { addr, reader: BufReader::new(stream), writer })
    }

    /// GET `path` on the open connection.
    pub fn get(&mut self, path: &str) -> std::io::Result<Answer> {
        write!(self.writer, "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.addr)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().map_err(std::io::Error::other)?;
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Answer { status, body: String::from_utf8_lossy(&body).into_owned() })
    }
}

/// What the client loop saw in one phase of a test.
#[derive(Debug, Default, Clone)]
pub struct Phase {
    /// Requests answered `200` with the right body.
    pub ok: u64,
    /// Anything else (wrong status, wrong body, I/O error), with the first few described.
    pub bad: u64,
    pub bad_examples: Vec<String>,
    /// Latencies of the answered requests, in microseconds.
    pub latencies_us: Vec<u64>,
}

impl Phase {
    /// The `q` quantile of the latencies (0 without requests).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies_us.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() - 1) as f64 * q).round() as usize;
        Duration::from_micros(sorted[index])
    }

    pub fn max(&self) -> Duration {
        Duration::from_micros(self.latencies_us.iter().copied().max().unwrap_or(0))
    }

    pub fn describe(&self) -> String {
        format!(
            "{} ok, {} bad, p50 {:?}, p99 {:?}, max {:?}",
            self.ok,
            self.bad,
            self.quantile(0.5),
            self.quantile(0.99),
            self.max()
        )
    }
}

/// A concurrent client loop: `clients` threads, each on its own keep-alive connection, sending
/// `/hello/{n}` and checking status and body; `pause` between requests keeps the rate moderate.
/// What they see is collected per phase (see [`Load::next_phase`]).
pub struct Load {
    stop: Arc<AtomicBool>,
    phases: Arc<Mutex<Vec<Phase>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    pub sent: Arc<AtomicU64>,
}

impl Load {
    pub fn start(addr: SocketAddr, clients: usize, pause: Duration) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let phases = Arc::new(Mutex::new(vec![Phase::default()]));
        let sent = Arc::new(AtomicU64::new(0));
        let threads = (0..clients)
            .map(|c| {
                let (stop, phases, sent) = (stop.clone(), phases.clone(), sent.clone());
                std::thread::spawn(move || {
                    let mut client = None;
                    let mut n = c as u64 * 1_000_000_000;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        if client.is_none() {
                            client = Client::connect(addr).ok();
                        }
                        let started = Instant::now();
                        let result = match client.as_mut() {
                            Some(client) => client.get(&format!("/hello/{n}")),
                            None => Err(std::io::Error::other("cannot connect")),
                        };
                        let took = started.elapsed();
                        sent.fetch_add(1, Ordering::Relaxed);
                        let mut phases = phases.lock().unwrap_or_else(|p| p.into_inner());
                        let phase = phases.last_mut().expect("a phase");
                        match result {
                            Ok(answer) if answer.status == 200 && answer.body == body_for(n) => {
                                phase.ok += 1;
                                phase.latencies_us.push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
                            }
                            other => {
                                phase.bad += 1;
                                if phase.bad_examples.len() < 5 {
                                    phase.bad_examples.push(format!("/hello/{n}: {other:?}"));
                                }
                                client = None;
                            }
                        }
                        drop(phases);
                        if !pause.is_zero() {
                            std::thread::sleep(pause);
                        }
                    }
                })
            })
            .collect();
        Load { stop, phases, threads, sent }
    }

    /// Ends the current phase (returning what it saw) and starts the next.
    pub fn next_phase(&self) -> Phase {
        let mut phases = self.phases.lock().unwrap_or_else(|p| p.into_inner());
        phases.push(Phase::default());
        phases[phases.len() - 2].clone()
    }

    /// Stops the clients and returns the last phase.
    pub fn stop(mut self) -> Phase {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        let phases = self.phases.lock().unwrap_or_else(|p| p.into_inner());
        phases.last().cloned().unwrap_or_default()
    }

    /// Every phase's `ok` summed (answered correctly) and `bad` summed.
    pub fn totals(&self) -> (u64, u64) {
        let phases = self.phases.lock().unwrap_or_else(|p| p.into_inner());
        phases.iter().fold((0, 0), |(ok, bad), p| (ok + p.ok, bad + p.bad))
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Captures every `tracing` event of this test binary, from INFO up.
pub fn capture_logs() {
    capture_logs_at(tracing::Level::INFO);
}

/// Rows in `{db}`'s Request table (0 when the file or table is missing or unreadable).
pub fn request_rows(db: &Path) -> i64 {
    if !db.exists() {
        return 0;
    }
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|conn| {
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.query_row("SELECT count(*) FROM Request", [], |r| r.get(0))
        })
        .unwrap_or(0)
}
