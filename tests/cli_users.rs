//! `fmd user add|passwd|remove|list|check` on a copy of FMD's own file: passwords from standard input (and,
//! under `script`'s pseudo-terminal, from a prompt asked twice), duplicates and bad input refused with exit 2,
//! `list` never printing a hash, `remove` asking first and keeping the last admin.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod fixture_support;
use fixture_support::{fixture_copy, fmd_command};

/// `fmd user ARGS --db DB` with `stdin` as standard input (a pipe, so never a terminal).
fn user(db: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = fmd_command()
        .arg("user")
        .args(args)
        .args(["--db", db.to_str().expect("utf8")])
        .env("COLUMNS", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fmd");
    let mut input = child.stdin.take().expect("stdin");
    // fmd may exit before reading (a refused command): a closed pipe is fine.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("wait")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

/// Exit code 2 and one line on standard error containing `needle`.
fn refused(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} in {err}");
}

fn hashes(db: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn.prepare("SELECT username, password_hash FROM \"User\" ORDER BY id").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

#[test]
fn users_are_added_from_standard_input_and_listed_without_hashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let out = user(&db, &["add", "alice"], "alice's password\n");
    assert!(stdout(&out).starts_with("added user \"alice\" (not admin, argon2id)"));
    let out = user(&db, &["add", "bob", "--admin", "--werkzeug"], "bob's password\r\n");
    assert!(stdout(&out).starts_with("added user \"bob\" (admin, werkzeug pbkdf2)"));

    let stored = hashes(&db);
    assert_eq!(stored.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["admin", "alice", "bob"]);
    assert!(stored[1].1.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(stored[2].1.starts_with("pbkdf2:sha256:1000000$") && stored[2].1.len() == 103, "Werkzeug's format");

    assert!(user(&db, &["check", "alice"], "alice's password\n").status.success());
    assert!(user(&db, &["check", "bob"], "bob's password\n").status.success(), "the line ending is not the password");
    let wrong = user(&db, &["check", "bob"], "bob's password \n");
    assert_eq!(wrong.status.code(), Some(1), "{}", String::from_utf8_lossy(&wrong.stderr));

    let text = stdout(&user(&db, &["list"], ""));
    assert_eq!(
        text,
        "id  user   admin  scheme\n 1  admin  yes    werkzeug pbkdf2\n 2  alice  no     argon2id\n 3  bob    yes    werkzeug pbkdf2\n"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&user(&db, &["list", "--json"], ""))).expect("json");
    assert_eq!(json[1], serde_json::json!({"id": 2, "username": "alice", "is_admin": false, "scheme": "argon2id"}));
    assert_eq!(json.as_array().map(Vec::len), Some(3));
    for (name, hash) in &stored {
        let salt = hash.split('$').nth(if hash.starts_with('$') { 4 } else { 1 }).expect("salt");
        let digest = hash.rsplit('$').next().expect("digest");
        assert!(salt.len() >= 16 && digest.len() >= 43, "{name}");
        for printed in [&text, &json.to_string()] {
            let shown = [salt, digest, &hash[..20]].iter().any(|part| printed.contains(part));
            assert!(!shown, "{name}'s hash in {printed}");
        }
    }
}

#[test]
fn bad_input_is_refused_with_exit_2_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    stdout(&user(&db, &["add", "alice"], "alice's password\n"));
    let before = hashes(&db);

    refused(&user(&db, &["add", "alice"], "another password\n"), "a user named \"alice\" already exists");
    refused(&user(&db, &["add", "carol"], "\n"), "the password is empty");
    refused(&user(&db, &["add", "carol"], ""), "the password is empty");
    refused(&user(&db, &["add", "carol"], "seven77\n"), "too short: 7 characters, at least 8");
    refused(&user(&db, &["add", " carol"], "a long password\n"), "white space");
    refused(&user(&db, &["passwd", "nobody"], "a long password\n"), "no user named \"nobody\"");
    refused(&user(&db, &["remove", "nobody", "-y"], ""), "no user named \"nobody\"");
    refused(&user(&db, &["check", "nobody"], "a long password\n"), "no user named \"nobody\"");
    refused(&user(&db, &["remove", "alice"], ""), "refusing without --yes");
    let out = fmd_command().args(["user", "add", "dave", "--password", "x"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2), "no password flag");
    let missing = dir.path().join("missing.db");
    refused(&user(&missing, &["add", "carol"], "a long password\n"), "no such database file");
    assert!(!missing.exists());
    assert_eq!(hashes(&db), before, "nothing changed");

    // Nothing typed is ever echoed back.
    for out in [user(&db, &["add", "alice"], "do not print me\n"), user(&db, &["check", "alice"], "do not print me\n")]
    {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("do not print me"), "{all}");
    }
}

#[test]
fn passwords_are_changed_and_users_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    stdout(&user(&db, &["add", "alice"], "first password\n"));
    let out = user(&db, &["passwd", "alice", "--werkzeug"], "second password\n");
    assert_eq!(stdout(&out), "changed the password of \"alice\" (werkzeug pbkdf2)\n");
    assert_eq!(user(&db, &["check", "alice"], "first password\n").status.code(), Some(1));
    assert!(user(&db, &["check", "alice"], "second password\n").status.success());
    stdout(&user(&db, &["passwd", "alice"], "third password\n"));
    assert!(hashes(&db)[1].1.starts_with("$argon2id$"));

    assert_eq!(stdout(&user(&db, &["remove", "alice", "-y"], "")), "removed user \"alice\"\n");
    // FMD's own admin is now the only user, and the only admin: never removed.
    refused(&user(&db, &["remove", "admin", "--yes"], ""), "\"admin\" is the only admin user");
    assert_eq!(hashes(&db).len(), 1);

    // A first user who is not an admin is added with a note.
    let empty = dir.path().join("empty.db");
    drop(fmd_core::Store::open_writer(&empty, "").expect("writer"));
    let out = user(&empty, &["add", "guest"], "guest password\n");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user is an admin yet"));
}

/// Runs `fmd user ARGS --db DB` on a pseudo-terminal (util-linux `script`), typing each answer once its prompt
/// has appeared; returns the exit code and everything the terminal showed. `None` when `script` is missing.
fn on_terminal(db: &Path, args: &[&str], dialogue: &[(&str, &str)]) -> Option<(Option<i32>, String)> {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = vec![quote(env!("CARGO_BIN_EXE_fmd")), "user".into()];
    line.extend(args.iter().map(|a| quote(a)));
    line.extend(["--db".into(), quote(db.to_str().expect("utf8"))]);
    let spawned = Command::new("script")
        .args(["-qec", &line.join(" "), "/dev/null"])
        .env_remove("FMD_CONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = spawned else {
        println!("util-linux `script` is not installed: the terminal dialogue is not tested");
        return None;
    };
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut reader = child.stdout.take().expect("stdout");
    let shown = Arc::clone(&screen);
    let pump = std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            shown.lock().expect("lock").extend_from_slice(&buf[..n]);
        }
    });
    let mut input = child.stdin.take().expect("stdin");
    let mut seen = 0;
    for (prompt, answer) in dialogue {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = String::from_utf8_lossy(&screen.lock().expect("lock")).into_owned();
            if let Some(at) = text[seen..].find(prompt) {
                seen += at + prompt.len();
                break;
            }
            assert!(Instant::now() < deadline, "no prompt {prompt:?} in {text:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
        input.write_all(answer.as_bytes()).expect("type");
        input.flush().expect("flush");
    }
    let status = child.wait().expect("wait");
    drop(input);
    pump.join().expect("pump");
    let text = String::from_utf8_lossy(&screen.lock().expect("lock")).into_owned();
    Some((status.code(), text))
}

#[test]
fn on_a_terminal_passwords_are_asked_twice_without_echo_and_remove_asks_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let typed = [("password for dora: ", "typed secret\r"), ("again: ", "typed secret\r")];
    let Some((code, screen)) = on_terminal(&db, &["add", "dora"], &typed) else { return };
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("added user \"dora\""), "{screen}");
    assert!(!screen.contains("typed secret"), "no echo: {screen}");
    assert!(user(&db, &["check", "dora"], "typed secret\n").status.success());

    let differ = [("password for emil: ", "typed secret\r"), ("again: ", "typed secreT\r")];
    let (code, screen) = on_terminal(&db, &["add", "emil"], &differ).expect("script");
    assert_eq!(code, Some(2), "{screen}");
    assert!(screen.contains("the two passwords differ"), "{screen}");
    let short = [("password for emil: ", "short\r")];
    let (code, screen) = on_terminal(&db, &["add", "emil"], &short).expect("script");
    assert!(code == Some(2) && screen.contains("too short"), "refused before asking again: {screen}");
    assert_eq!(hashes(&db).len(), 2, "admin and dora");

    let (code, screen) = on_terminal(&db, &["remove", "dora"], &[("[y/N] ", "n\r")]).expect("script");
    assert!(code == Some(2) && screen.contains("cancelled; nothing was changed"), "{screen}");
    assert_eq!(hashes(&db).len(), 2);
    let (code, screen) = on_terminal(&db, &["remove", "dora"], &[("[y/N] ", "y\r")]).expect("script");
    assert!(code == Some(0) && screen.contains("removed user \"dora\""), "{screen}");
    assert_eq!(hashes(&db).len(), 1);
}

#[test]
fn users_of_a_read_only_file_are_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(dir.path());
    let mut perms = std::fs::metadata(&db).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&db, perms).expect("chmod");
    let before = std::fs::read(&db).expect("read");
    assert!(stdout(&user(&db, &["list"], "")).contains("admin  yes    werkzeug pbkdf2"));
    assert_eq!(std::fs::read(&db).expect("read"), before);
}
