//! `fmd show` and the console on truncated and corrupted database files: a clear one-line error or a
//! (partial) answer, never a panic and never a hang.
//!
//! The files are copies of the FMD 5.1.0 fixture cut at several sizes or with bytes flipped (a fixed
//! xorshift sequence, so every case is reproducible). The console runs under `script` (a pseudo-terminal)
//! where that tool exists, walks through its tabs and quits.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-27T22:56:55Z";

fn fixture() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/fmd-5.1.0-sample.db")).expect("fixture")
}

/// Damaged copies of the fixture, each with a name.
fn variants() -> Vec<(String, Vec<u8>)> {
    let original = fixture();
    let len = original.len();
    let mut out = Vec::new();
    for cut in [0, 1, 100, 4_095, 4_096, 4_097, 12_288, 65_536, len / 4, len / 2, len - 4_096, len - 1] {
        out.push((format!("truncated to {cut} bytes"), original[..cut].to_vec()));
    }
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..16 {
        let mut bytes = original.clone();
        let flips = [1, 16, 128, 1_024][case % 4];
        for _ in 0..flips {
            let at = if case % 5 == 4 { (next() % 100) as usize } else { (next() % len as u64) as usize };
            bytes[at] ^= 1 << (next() % 8);
        }
        out.push((format!("case {case}: {flips} bits flipped"), bytes));
    }
    let mut zeroed = original.clone();
    zeroed[4_096..8_192].fill(0);
    out.push(("second page zeroed".into(), zeroed));
    let mut garbage = original;
    for b in garbage[len / 2..len / 2 + 8_192].iter_mut() {
        *b = (next() & 0xff) as u8;
    }
    out.push(("two pages of noise".into(), garbage));
    out
}

/// Runs `fmd` with a deadline; `None` if it had to be killed.
fn fmd_within(args: &[&str], db: &Path, limit: Duration) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fmd"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("FMD_CONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fmd");
    // Read while it runs: a full pipe would block it (and look like a hang).
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let stdout = stdout.join().expect("stdout reader");
            let stderr = stderr.join().expect("stderr reader");
            return Some(Output { status, stdout, stderr });
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What is wrong with one run (empty when it behaved).
fn judge(what: &str, out: Option<Output>) -> Vec<String> {
    let Some(out) = out else {
        return vec![format!("{what}: still running after 60 s")];
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        problems.push(format!("{what}: panicked: {stderr}"));
    }
    match out.status.code() {
        Some(0) => {}
        Some(1 | 2) => {
            let lines: Vec<&str> = stderr.trim_end().lines().collect();
            // Known gap (reported): SQLite's "malformed database schema" message quotes the damaged schema
            // text, which spans lines. Every other failure is one line.
            let one_line = lines.len() == 1 || stderr.contains("malformed database schema");
            let first = lines.first().copied().unwrap_or("");
            if !one_line || !first.starts_with("fmd: ") || !first.contains("damaged.db") {
                problems.push(format!("{what}: failed without a clear one-line message: {stderr:?}"));
            }
        }
        other => problems.push(format!("{what}: exit {other:?}: {stderr}")),
    }
    problems
}

#[test]
fn show_on_damaged_files_answers_or_explains() {
    let dir = tempfile::tempdir().expect("tempdir");
    let views: [&[&str]; 12] = [
        &["show", "overview"],
        &["show", "overview", "--json"],
        &["show", "hourly", "--json"],
        &["show", "daily", "--json"],
        &["show", "versions"],
        &["show", "api-performance", "--json"],
        &["show", "status-codes"],
        &["show", "report", "--json"],
        &["show", "endpoint", "--endpoint", "search", "--json"],
        &["show", "users", "--endpoint", "user_detail"],
        &["show", "user-versions", "--endpoint", "user_detail", "--json"],
        &["show", "requests", "--endpoint", "search", "--json"],
    ];
    let mut problems = Vec::new();
    let mut answered = 0;
    for (name, bytes) in variants() {
        let db = dir.path().join("damaged.db");
        std::fs::write(&db, &bytes).expect("write");
        for view in views {
            let args: Vec<&str> = view.iter().copied().chain(["--now", NOW, "--tz", "UTC"]).collect();
            let out = fmd_within(&args, &db, Duration::from_secs(60));
            if out.as_ref().is_some_and(|o| o.status.success()) {
                answered += 1;
            }
            problems.extend(judge(&format!("{name}: fmd {}", view.join(" ")), out));
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(answered > 0, "some damaged files still give answers");
}

/// The console itself on each damaged file, in a pseudo-terminal (`script` from util-linux): it refuses the
/// file with one line, or shows it; either way it quits on `q` within the time limit and never panics.
#[test]
fn console_on_damaged_files_never_panics() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed, so there is no pseudo-terminal");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut problems = Vec::new();
    for (name, bytes) in variants() {
        let db = dir.path().join("damaged.db");
        std::fs::write(&db, &bytes).expect("write");
        let command = format!(
            "stty rows 40 cols 120; {} --db {} --now {NOW} --tz UTC --no-color; echo \"exit=$?\"",
            env!("CARGO_BIN_EXE_fmd"),
            db.display()
        );
        // Keys: every dashboard tab, an endpoint and its tabs, back, quit. Sent slowly enough to be read.
        let keys = "23456\x1b1\r23456789\x1bq";
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &command, "/dev/null"])
            .env_remove("FMD_CONFIG")
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script");
        // Read the console's output while it runs: left unread, the pipe fills, `script` stops reading the
        // pseudo-terminal and the console blocks in a write, unable to see `q` (a deadlock of the test's making
        // that showed up under load, when the console redraws more often).
        let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
        let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            for key in keys.chars() {
                std::thread::sleep(Duration::from_millis(60));
                if write!(stdin, "{key}").and_then(|()| stdin.flush()).is_err() {
                    break; // the console already exited (a refused file)
                }
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut output = stdout.join().expect("stdout reader");
        output.extend(stderr.join().expect("stderr reader"));
        let text = String::from_utf8_lossy(&output);
        match status {
            None => problems.push(format!(
                "{name}: the console did not quit within 30 s; its screen ended with: {}",
                screen_tail(&text)
            )),
            Some(_) if text.contains("panicked") => problems.push(format!("{name}: panicked: {text}")),
            Some(_) if !(text.contains("exit=0") || text.contains("exit=2") || text.contains("exit=1")) => {
                problems.push(format!("{name}: no exit status seen: {text}"));
            }
            Some(_) => {}
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// Reads `from` to its end on a thread of its own.
fn drain(mut from: Box<dyn Read + Send>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        bytes
    })
}

/// The last characters a console wrote, control characters escaped, for a failure message.
fn screen_tail(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(1_500)..].iter().collect();
    tail.escape_debug().to_string()
}
