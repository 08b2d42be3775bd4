//! Hostile databases: whatever FMD's text columns hold (escape sequences, C0/C1 controls, bidi overrides,
//! megabyte strings, invalid UTF-8 as BLOBs or as TEXT, wrong types) and whatever state the file is in
//! (truncated, bytes flipped), every screen draws without panicking and no control character reaches the
//! terminal buffer. Written with raw SQL, so the data is what another program could have put there.

use std::path::{Path, PathBuf};

use crossterm::event::KeyCode;
use fmd_core::Store;
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rusqlite::types::Value;

use super::{drive, now, press, refresh};
use crate::app::App;
use crate::render;

/// Every tab, reached by keys from the loaded overview (`\n` opens the selected endpoint).
const SCREENS: [&str; 17] =
    ["", "2", "3", "4", "5", "6", "\n", "\n2", "\n3", "\n4", "\n5", "\n6", "\n7", "\n8", "\n9", "?", "m"];

/// Terminal sizes each screen is drawn at.
const SIZES: [(u16, u16); 4] = [(80, 24), (120, 40), (40, 12), (250, 60)];

/// A character that must never reach a terminal cell: controls (C0, DEL, C1) and bidi overrides.
fn forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Draws `app` at `width` x `height` and checks every cell; returns the screen as text.
fn draw_checked(app: &App, width: u16, height: u16, what: &str) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| render::draw(frame, app)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            assert!(
                !symbol.chars().any(forbidden),
                "{what} at {width}x{height}: cell ({x}, {y}) holds {symbol:?} (raw control character)"
            );
            text.push_str(symbol);
        }
        text.push('\n');
    }
    text
}

/// Opens `db` (if it opens: a bad file is refused with a one-line error naming it) and draws every screen
/// for the first `endpoints` endpoints at every size.
fn draw_everything(db: &Path, endpoints: usize, sizes: &[(u16, u16)]) -> Result<usize, String> {
    drop(Store::open_reader(db, None).map_err(|e| e.to_string())?);
    let mut drawn = 0;
    for selected in 0..endpoints.max(1) {
        let mut base = App::new("hostile\u{1b}[31m.db".into(), chrono_tz::UTC, Some(now()), false);
        base.resize(120, 40);
        refresh(&mut base, db);
        for _ in 0..selected {
            press(&mut base, KeyCode::Down);
        }
        for keys in SCREENS {
            // Every screen for the first endpoint; for the others the screens that show their own name,
            // versions, users and requests (the dashboard screens show every endpoint already).
            if selected > 0 && !["\n", "\n3", "\n4", "\n9"].contains(&keys) {
                continue;
            }
            let mut app = base.clone();
            drive(&mut app, db, keys);
            // Cursors far right and down, where the screen has them.
            let mut far = app.clone();
            for _ in 0..40 {
                press(&mut far, KeyCode::Right);
                press(&mut far, KeyCode::Down);
            }
            press(&mut far, KeyCode::End);
            // Every size for the first endpoint, the first size for the others (megabyte strings are slow to cut).
            let sizes = if selected == 0 { sizes } else { &sizes[..1] };
            for view in [&app, &far] {
                for &(width, height) in sizes {
                    let mut view = view.clone();
                    view.resize(width, height);
                    draw_checked(&view, width, height, &format!("endpoint {selected}, keys {keys:?}"));
                    drawn += 1;
                }
            }
        }
    }
    Ok(drawn)
}

const MEGABYTE: usize = 1 << 20;

/// Strings no terminal should ever receive raw.
fn hostile_texts() -> Vec<Value> {
    vec![
        Value::Text("/evil\x1b[2J\x1b[H\x1b[31mred\x07".into()),
        Value::Text("\x1b]0;pwned\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\".into()),
        Value::Text("\u{9b}31mC1-CSI\u{9d}0;osc\u{9c}\u{85}".into()),
        Value::Text("back\x08\x08\x08space\rreturn\nnewline\ttab\0nul\x7fdel".into()),
        Value::Text("\u{202e}txt.exe\u{2066}isolate\u{2069}\u{200b}zero\u{fe0f}".into()),
        Value::Text("名前がとても長い利用者のアカウント名です🙂👨‍👩‍👧‍👦e\u{301}\u{301}\u{301}".into()),
        Value::Text(String::new()),
        Value::Text(" ".into()),
        Value::Text("A".repeat(MEGABYTE)),
        Value::Text("\x1b".repeat(MEGABYTE / 2)),
        Value::Text("日".repeat(MEGABYTE / 3)),
        // Invalid UTF-8, as a BLOB and (below, with CAST) as TEXT.
        Value::Blob(vec![0xff, 0xfe, 0x1b, b'[', b'3', b'1', b'm', 0xc3, 0x28, 0xa0, 0xa1]),
        Value::Blob(vec![0x1b; 64]),
        Value::Blob(vec![0x80; MEGABYTE]),
        Value::Integer(i64::MIN),
        Value::Real(-1e308),
        Value::Null,
    ]
}

/// A database holding every hostile text as endpoint names, users, IPs, versions and times.
fn hostile_db(dir: &Path) -> (PathBuf, usize) {
    let path = dir.join("hostile.db");
    drop(Store::open_writer(&path, "").expect("create"));
    let mut conn = rusqlite::Connection::open(&path).expect("open");
    let texts = hostile_texts();
    let tx = conn.transaction().expect("transaction");
    let mut endpoint_ids = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        // Names are NOT NULL and UNIQUE: make NULL and duplicates distinct but keep them hostile.
        let name = match text {
            Value::Null => Value::Text(format!("\x1b[{i}m")),
            other => other.clone(),
        };
        let level = Value::Integer([0, 1, 2, 3, 99, -5][i % 6]);
        tx.execute(
            "INSERT INTO Endpoint (name, monitor_level, time_added, version_added, last_requested) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![name, level, text, text, if i % 2 == 0 { Value::Text("2026-11-27 22:50:00.000000".into()) } else { text.clone() }],
        )
        .expect("endpoint");
        endpoint_ids.push(tx.last_insert_rowid());
    }
    // Invalid UTF-8 stored as TEXT (not BLOB): SQLite keeps the bytes as they are.
    tx.execute(
        "INSERT INTO Endpoint (name, monitor_level, time_added, version_added, last_requested) \
         VALUES (CAST(X'ff1b5b33316dc328' AS TEXT), 1, CAST(X'ff' AS TEXT), CAST(X'c0af' AS TEXT), '2026-11-27 22:00:00.000000')",
        [],
    )
    .expect("invalid UTF-8 endpoint");
    endpoint_ids.push(tx.last_insert_rowid());
    let utf8_garbage = "CAST(X'ed9fbfedbfbf1b5d303b78' AS TEXT)";
    let mut n = 0i64;
    for (e, &endpoint) in endpoint_ids.iter().enumerate() {
        for (j, text) in texts.iter().enumerate() {
            // Megabyte values in the first endpoint's requests only: enough to show they are cut, and every
            // other endpoint's tabs stay quick to draw.
            let huge = matches!(text, Value::Text(t) if t.len() >= 1_000)
                || matches!(text, Value::Blob(b) if b.len() >= 1_000);
            if huge && e > 0 {
                continue;
            }
            // Valid FMD times spread over the last days, so every window and chart has data; some garbage.
            let time = if j % 5 == 4 {
                text.clone()
            } else {
                Value::Text(format!("2026-11-{:02} {:02}:{:02}:00.000000", 20 + (n % 8), n % 23, n % 60))
            };
            let duration = [0.5, 1e308, -3.0, 0.0, 12.25, 1e-300][(n % 6) as usize];
            let status =
                [Value::Integer(200), Value::Integer(500), Value::Integer(i64::MAX), Value::Integer(-1), text.clone()]
                    [(n % 5) as usize]
                    .clone();
            tx.execute(
                "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![endpoint, duration, time, text, text, if matches!(text, Value::Null) { Value::Text("\x1b[0m".into()) } else { text.clone() }, status],
            )
            .expect("request");
            n += 1;
        }
        tx.execute(
            &format!(
                "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
                 VALUES (?1, 1.0, '2026-11-27 21:00:00.000000', {utf8_garbage}, {utf8_garbage}, {utf8_garbage}, 404)"
            ),
            [endpoint],
        )
        .expect("invalid UTF-8 request");
    }
    // A recorder row with hostile text, as another program might leave it.
    tx.execute(
        "INSERT INTO fmd_recorder (recorder_id, host, pid, started, last_seen, recorded, dropped, failed) \
         VALUES ('\x1b[31m', CAST(X'ff' AS TEXT), -1, 'x', 'y', 1, 9223372036854775807, -5)",
        [],
    )
    .expect("recorder row");
    tx.commit().expect("commit");
    (path, endpoint_ids.len())
}

#[test]
fn every_screen_of_a_hostile_database_draws_without_control_characters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, endpoints) = hostile_db(dir.path());
    let drawn = draw_everything(&db, endpoints, &SIZES).expect("the hostile file opens");
    assert!(drawn > 150, "{drawn} screens drawn");
}

/// Truncated and bit-flipped copies of the FMD fixture: a one-line error naming the file, or screens that
/// draw (with whatever error text a failing query gives), never a panic.
#[test]
fn truncated_and_corrupted_files_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db");
    let original = std::fs::read(&source).expect("fixture");
    let len = original.len();
    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [0, 1, 16, 99, 100, 101, 512, 4_095, 4_096, 4_097, 8_192, 65_536, len / 3, len / 2, len - 4_096, len - 1]
    {
        variants.push((format!("truncated to {cut} bytes"), original[..cut.min(len)].to_vec()));
    }
    // Flipped bytes: a deterministic xorshift, so a failure names a reproducible case.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..24 {
        let mut bytes = original.clone();
        let flips = [1, 8, 64, 512][case % 4];
        for _ in 0..flips {
            // Pages after the header most of the time, the header itself sometimes.
            let at = if case % 6 == 5 { (next() % 100) as usize } else { (next() % len as u64) as usize };
            bytes[at] ^= 1 << (next() % 8);
        }
        variants.push((format!("case {case}: {flips} bytes flipped"), bytes));
    }
    // The whole first page zeroed and a page of garbage in the middle.
    let mut zeroed = original.clone();
    zeroed[..4_096].fill(0);
    variants.push(("first page zeroed".into(), zeroed));
    let mut garbage = original.clone();
    garbage[len / 2..len / 2 + 4_096].fill(0xff);
    variants.push(("a page of 0xff".into(), garbage));

    let mut opened = 0;
    for (name, bytes) in variants {
        let db = dir.path().join("corrupt.db");
        std::fs::write(&db, &bytes).expect("write variant");
        match draw_everything(&db, 2, &[(80, 24), (40, 12)]) {
            Ok(_) => opened += 1,
            Err(message) => {
                assert!(message.contains("corrupt.db"), "{name}: names the file: {message}");
                // Known gap (reported): SQLite's "malformed database schema" message quotes the damaged
                // schema text, which spans lines. Any other error must be one line.
                assert!(
                    !message.contains('\n') || message.contains("malformed database schema"),
                    "{name}: one line: {message}"
                );
            }
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    assert!(opened > 0, "some damaged files still open (and their screens were drawn)");
}

/// Any bytes in endpoint names, users, IPs and versions: the screens showing them have no raw controls.
fn any_db_text() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::Text),
        "[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}a-z]{0,40}".prop_map(Value::Text),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Blob),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_reach_the_terminal_raw(
        names in prop::collection::vec(any_db_text(), 1..4),
        users in prop::collection::vec(any_db_text(), 1..4),
        ips in prop::collection::vec(any_db_text(), 1..4),
        versions in prop::collection::vec(any_db_text(), 1..4),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("fuzz.db");
        drop(Store::open_writer(&db, "").expect("create"));
        let conn = rusqlite::Connection::open(&db).expect("open");
        let mut ids = Vec::new();
        for (i, name) in names.iter().enumerate() {
            // Make names unique without making them less hostile.
            conn.execute(
                "INSERT INTO Endpoint (name, monitor_level, last_requested) VALUES (CAST(?1 AS BLOB) || CAST(?2 AS BLOB), 1, '2026-11-27 22:00:00.000000')",
                rusqlite::params![name, format!("#{i}")],
            )
            .expect("endpoint");
            ids.push(conn.last_insert_rowid());
        }
        for (n, id) in ids.iter().cycle().take(24).enumerate() {
            conn.execute(
                "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    id,
                    n as f64 * 3.5,
                    format!("2026-11-27 {:02}:00:00.000000", n % 23),
                    versions[n % versions.len()],
                    users[n % users.len()],
                    ips[n % ips.len()],
                    [200, 404, 500][n % 3],
                ],
            )
            .expect("request");
        }
        drop(conn);
        draw_everything(&db, ids.len(), &[(100, 30)]).expect("opens");
    }
}
