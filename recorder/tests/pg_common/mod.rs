//! Helpers of the PostgreSQL tests (feature `postgres`): configurations recording into a throwaway database,
//! a load generator, the counts the invariants compare, and a TCP proxy in front of the server that can be
//! started late and cut (a server that is down, goes away or comes back, without touching the shared server).
#![allow(dead_code)]

pub mod cluster;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fmd_core::store::Tables;
use fmd_core::Config;
use fmd_pg::testing::TestDb;
use fmd_recorder::ShutdownReport;

/// A configuration recording into the PostgreSQL database at `url` with new endpoints at `level`, a large queue
/// (faults of a few seconds lose nothing) and the default level poll (500 ms).
pub fn pg_config(url: &str, level: u8) -> Config {
    let mut config = Config::default();
    config.database.url = Some(url.to_string());
    config.dashboard.monitor_level = level;
    config.dashboard.app_version = "9.9-pg".into();
    config.recorder.queue_capacity = 65_536;
    config
}

/// `url` with its host and port replaced by `addr` (the proxy's).
pub fn via(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let (authority, path) = rest.split_once('/').expect("path");
    let user = authority.rsplit_once('@').map(|(user, _)| format!("{user}@")).unwrap_or_default();
    format!("{scheme}://{user}{addr}/{path}")
}

/// `(Request rows, recorded, dropped, failed)` as the database holds them (counters summed over recorders).
pub fn counts(db: &TestDb) -> (i64, i64, i64, i64) {
    let t = Tables::new("");
    let mut client = db.client();
    let rows: i64 = client.query_one(&format!("SELECT count(*) FROM {}", t.request), &[]).expect("count").get(0);
    let c = client
        .query_one(
            &format!(
                "SELECT coalesce(sum(recorded),0)::int8, coalesce(sum(dropped),0)::int8, \
                 coalesce(sum(failed),0)::int8 FROM {}",
                t.recorder
            ),
            &[],
        )
        .expect("counters");
    (rows, c.get(0), c.get(1), c.get(2))
}

/// Checks the promise after a shutdown: every served request is a row, a drop or a failure, the database
/// holds the rows and the same counters.
pub fn assert_accounted(db: &TestDb, report: &ShutdownReport, served: u64) {
    assert_eq!(
        report.recorded + report.dropped + report.failed,
        served,
        "rows + dropped + failed == served: {report:?}"
    );
    let (rows, recorded, dropped, failed) = counts(db);
    assert_eq!(rows as u64, report.recorded, "the database holds the recorded rows");
    assert_eq!(
        (recorded as u64, dropped as u64, failed as u64),
        (report.recorded, report.dropped, report.failed),
        "the persisted counters"
    );
}

/// The server pids of the recorders' writer connections to `db`.
pub fn writer_pids(db: &TestDb) -> Vec<i32> {
    let mut client = db.client();
    client
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = \
             'fmd-recorder' ORDER BY pid",
            &[],
        )
        .expect("pg_stat_activity")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// What a load run saw.
#[derive(Debug, Clone, Copy)]
pub struct Served {
    pub requests: u64,
    pub slowest: Duration,
}

/// Requests sent to a recorded app from a thread of its own, `pause` apart, until stopped.
pub struct Load {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    thread: Option<JoinHandle<Served>>,
}

impl Load {
    /// Starts sending `/users/{i}` requests to `app`, checking that each is answered with a 200.
    pub fn start(app: axum::Router, pause: Duration) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let (stop2, sent2) = (Arc::clone(&stop), Arc::clone(&sent));
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let mut slowest = Duration::ZERO;
            let mut i = 0u64;
            while !stop2.load(Ordering::Relaxed) {
                let (status, took) =
                    rt.block_on(super::common::call(&app, &format!("/users/{}", i % 1000), Some("ann")));
                assert_eq!(status, 200, "request {i} answered normally");
                slowest = slowest.max(took);
                i += 1;
                sent2.store(i, Ordering::Relaxed);
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
            }
            Served { requests: i, slowest }
        });
        Load { stop, sent, thread: Some(thread) }
    }

    /// Requests answered so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Stops and returns what was served.
    pub fn finish(mut self) -> Served {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().expect("running").join().expect("load thread")
    }
}

/// A TCP proxy on a fixed local port in front of the database server: [`Proxy::start`] listens,
/// [`Proxy::cut`] closes the listener and every connection through it (a server that went away).
pub struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    running: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    connections: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// A proxy for `upstream` on a free local port, not listening yet.
    pub fn new(upstream: SocketAddr) -> Proxy {
        let addr = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr");
        Proxy { addr, upstream, running: None, connections: Arc::default() }
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts accepting and forwarding connections.
    pub fn start(&mut self) {
        assert!(self.running.is_none(), "already running");
        let listener = bind_retrying(self.addr);
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, upstream, connections) = (Arc::clone(&stop), self.upstream, Arc::clone(&self.connections));
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).expect("blocking");
                        let Ok(server) = TcpStream::connect(upstream) else {
                            continue;
                        };
                        let mut list = connections.lock().expect("connections");
                        list.push(client.try_clone().expect("clone"));
                        list.push(server.try_clone().expect("clone"));
                        pipe(client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                        pipe(server, client);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        self.running = Some((stop, thread));
    }

    /// Stops listening and closes every connection made through the proxy.
    pub fn cut(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            stop.store(true, Ordering::Relaxed);
            thread.join().expect("proxy thread");
        }
        for stream in self.connections.lock().expect("connections").drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

fn bind_retrying(addr: SocketAddr) -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind(addr) {
            Ok(listener) => return listener,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("bind {addr} again: {e}"),
        }
    }
}

/// Copies bytes from `from` to `to` on a thread until either side closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// The server address of a `postgres://user@host:port/db` URL.
pub fn server_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").expect("scheme").1;
    let authority = rest.split('/').next().expect("authority");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let host_port = if host_port.contains(':') { host_port.to_string() } else { format!("{host_port}:5432") };
    std::net::ToSocketAddrs::to_socket_addrs(&host_port).expect("resolve").next().expect("an address")
}
