//! Throwaway PostgreSQL clusters of a test's own (scripts/pg-test-server.sh), for faults that must not touch the
//! shared test server (a restart, a password rule, a tablespace on a small filesystem), and a sized tmpfs.
//!
//! A cluster listens on a free local port; with `FMD_PG_CLUSTER_PORTS=FIRST-LAST` (e.g. `55450-55459`, when
//! several people share a machine and have ports of their own) it takes the free ports of that range in turn.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU16, Ordering};

/// The variable naming a range of ports for the clusters (`FIRST-LAST`).
pub const PORTS_VAR: &str = "FMD_PG_CLUSTER_PORTS";

/// A throwaway PostgreSQL cluster, stopped and removed on drop.
pub struct Cluster {
    pub url: String,
    pub dir: String,
    script: PathBuf,
}

/// The next port of the range to try, across the tests of one binary (which run in parallel).
static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

/// A free port for a cluster: the next free one of `FMD_PG_CLUSTER_PORTS`, else one the system picks.
fn cluster_port() -> Option<u16> {
    if let Ok(range) = std::env::var(PORTS_VAR) {
        let (first, last) = range.split_once('-').expect("FMD_PG_CLUSTER_PORTS=FIRST-LAST");
        let (first, last): (u16, u16) = (first.parse().expect("first port"), last.parse().expect("last port"));
        let _ = NEXT_PORT.compare_exchange(0, first, Ordering::Relaxed, Ordering::Relaxed);
        loop {
            let port = NEXT_PORT.fetch_add(1, Ordering::Relaxed);
            assert!(port <= last, "no free port left in {PORTS_VAR}={range}");
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return Some(port);
            }
        }
    }
    Some(std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port())
}

impl Cluster {
    /// Starts a cluster, or `None` (with a line saying why) when there is no test server configured (the
    /// PostgreSQL tests are skipped then) or this machine cannot start one.
    pub fn start(test: &str) -> Option<Cluster> {
        std::env::var(fmd_pg::testing::TEST_URL_VAR).ok()?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-test-server.sh");
        let port = cluster_port()?;
        let out = Command::new("bash").arg(&script).arg("start").env("FMD_PG_PORT", port.to_string()).output();
        let out = match out {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).to_string(),
            Ok(out) => {
                eprintln!("{test}: skipped, no throwaway cluster: {}", String::from_utf8_lossy(&out.stderr));
                return None;
            }
            Err(e) => {
                eprintln!("{test}: skipped, no throwaway cluster: {e}");
                return None;
            }
        };
        let value = |key: &str| {
            out.lines().find_map(|l| l.strip_prefix(&format!("export {key}=")).map(str::to_string)).expect("printed")
        };
        let cluster = Cluster { url: value("FMD_TEST_PG_URL"), dir: value("FMD_PG_TEST_DIR"), script };
        assert!(cluster.url.contains(&format!(":{port}/")), "our own port, never the shared server's");
        Some(cluster)
    }

    /// Runs `pg_ctl ARGS` on this cluster's data directory as its owner.
    pub fn pg_ctl(&self, args: &str) {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin/pg_ctl")))
            .find(|p| p.exists())
            .expect("pg_ctl");
        let command = format!("'{}' -D '{}/data' {args}", bin.display(), self.dir);
        let status = if is_root() {
            Command::new("su").current_dir("/").args(["postgres", "-s", "/bin/sh", "-c", &command]).status()
        } else {
            Command::new("sh").args(["-c", &command]).status()
        };
        assert!(status.is_ok_and(|s| s.success()), "pg_ctl {args}");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(&self.script).arg("stop").arg(&self.dir).status();
    }
}

/// True when running as root (then the cluster belongs to `postgres`, as the script makes it).
pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A tmpfs of a given size mounted on a directory of its own, owned by the cluster's user; unmounted on drop.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`mount`'s syntax: `256k`, `8m`) for the cluster's user, or says why it cannot.
    pub fn mount(size: &str) -> Result<Tmpfs, String> {
        if !is_root() {
            return Err("mounting a tmpfs needs root".into());
        }
        let dir = tempfile::tempdir().map_err(|e| format!("a mount point: {e}"))?;
        let owner =
            Command::new("id").args(["-u", "postgres"]).output().map_err(|e| format!("id postgres: {e}")).and_then(
                |o| {
                    if o.status.success() {
                        Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
                    } else {
                        Err("no postgres user".to_string())
                    }
                },
            )?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700,uid={owner}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(format!("mount -t tmpfs refused: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(Tmpfs { dir })
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Gives the filesystem a new size (`mount -o remount,size=…`).
    pub fn resize(&self, size: &str) {
        let status = Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(self.path()).status();
        assert!(status.is_ok_and(|s| s.success()), "remount the tmpfs with size={size}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily, should a process still hold a file there; the directory is removed after.
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}
