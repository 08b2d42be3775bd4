//! The info popup (`i`): the deployment's details from the worker, drawn at a large and a tiny size, closed by
//! Esc, the configuration's secrets never drawn.

use crossterm::event::KeyCode;

use super::{drive, fixture_copy, loaded_app, now, press, screen};
use crate::app::Popup;
use crate::query::{self, Job, Source, StoreSource};

#[test]
fn i_opens_the_details_and_esc_closes_them() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, "i");
    let Some(Popup::Info { info: Some(Ok(info)), .. }) = &app.popup else { panic!("no details: {:?}", app.popup) };
    let store = fmd_core::Store::open_reader(&db, None).expect("reader");
    let total: u64 = store.overview(now(), chrono_tz::UTC).expect("overview").iter().map(|r| r.hits_overall).sum();
    assert!(total > 0);
    assert_eq!(info.requests, total, "the overview's total");
    let text = screen(&app, 120, 40);
    assert!(text.contains(" Info "), "{text}");
    let requests = text.lines().find(|l| l.contains("requests ")).unwrap_or_else(|| panic!("{text}"));
    assert!(requests.contains(&crate::format::count(total)) || requests.contains(&total.to_string()), "{text}");
    assert!(text.contains("first request") && text.contains("2026-11-17 22:06:11"), "{text}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.popup, None, "Esc closes");
    drive(&mut app, &db, "ii");
    assert_eq!(app.popup, None, "i toggles");
}

#[test]
fn the_popup_fits_a_tiny_terminal_and_scrolls() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 40, 12);
    press(&mut app, KeyCode::Char('i'));
    let waiting = screen(&app, 40, 12);
    assert!(waiting.contains("reading"), "{waiting}");
    super::settle(&mut app, &db);
    for _ in 0..30 {
        let text = screen(&app, 40, 12);
        assert!(text.lines().count() <= 12 && text.lines().all(|l| crate::format::width(l) <= 40), "{text}");
        press(&mut app, KeyCode::Char('j'));
    }
    let Some(Popup::Info { scroll, .. }) = app.popup else { panic!("closed: {:?}", app.popup) };
    assert!(scroll > 0, "scrolled");
    assert_eq!(scroll, crate::render::info::max_scroll(&app), "no further than the last line");
}

#[test]
fn the_configuration_is_drawn_without_its_secrets() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 120, 40);
    press(&mut app, KeyCode::Char('i'));
    let hash = fmd_core::password::hash("popup-password", fmd_core::password::Scheme::Argon2id).expect("hash");
    let mut config = fmd_core::Config::default();
    config.authentication.password_hash = Some(hash.clone());
    config.database.url = Some("postgres://fmd:db-secret-word@db.example/fmd".into());
    let store = fmd_core::Store::open_reader(&db, None).expect("reader");
    let mut source = StoreSource::new(store, chrono_tz::UTC).with_config(Some(config));
    assert!(source.info(now()).is_ok());
    for job in app.take_jobs() {
        assert!(matches!(job, Job::Info { .. }), "{job:?}");
        app.apply(query::run(&mut source, job));
    }
    let mut all = String::new();
    for _ in 0..40 {
        all.push_str(&screen(&app, 120, 40));
        press(&mut app, KeyCode::Char('j'));
    }
    assert!(all.contains("authentication.password_hash") && all.contains("configuration in effect"), "{all}");
    let digest = hash.rsplit('$').next().expect("digest");
    assert!(!all.contains(digest) && !all.contains("db-secret-word"), "a secret was drawn: {all}");
}
