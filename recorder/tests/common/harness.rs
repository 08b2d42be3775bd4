//! Test harness shared by the recorder's integration tests (`recorder/tests/common`) and the workspace's load
//! and fault tests (`tests/load_support`, which includes this file by `#[path]`): waiting for a condition,
//! capturing the recorder's log lines, and making a file read-only even for root.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Polls `condition` every 10 ms until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every `tracing` event of this test binary at `level` and above (the first call decides).
pub fn capture_logs_at(level: tracing::Level) {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt().with_writer(|| LogWriter).with_ansi(false).with_max_level(level).try_init();
    });
}

/// Captured log lines that contain every one of `needles` (`FMD_TEST_DUMP_LOGS=1` prints all of them).
pub fn log_lines(needles: &[&str]) -> Vec<String> {
    let logs = LOGS.lock().unwrap_or_else(|p| p.into_inner());
    if std::env::var_os("FMD_TEST_DUMP_LOGS").is_some() {
        eprintln!("--- captured logs ---\n{}", String::from_utf8_lossy(&logs));
    }
    String::from_utf8_lossy(&logs)
        .lines()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .map(str::to_owned)
        .collect()
}

/// Makes a file read-only for this process; as root, permissions do not apply, so the immutable
/// attribute is used instead. Undone on drop.
pub struct ReadOnly {
    path: PathBuf,
    immutable: bool,
}

impl ReadOnly {
    /// Makes `path` read-only, or `None` when neither permissions nor `chattr` could.
    pub fn make(path: &Path) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        let writable = || std::fs::OpenOptions::new().write(true).open(path).is_ok();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let mut guard = ReadOnly { path: path.to_path_buf(), immutable: false };
        if !writable() {
            return Some(guard);
        }
        guard.immutable = Command::new("chattr").arg("+i").arg(path).status().is_ok_and(|status| status.success());
        (!writable()).then_some(guard)
    }

    /// Makes the file writable again.
    pub fn undo(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
            self.immutable = false;
        }
        let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o644));
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        self.undo();
    }
}
