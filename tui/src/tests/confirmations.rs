//! Destructive confirmations (delete, merge, prune): only `y` does what the popup shows; every other key
//! (Enter, Space, letters, digits, arrows) is ignored or, for `n` and Esc, cancels.

use crossterm::event::KeyCode;

use super::graphs_report::{count, with_old_requests};
use super::{drive, loaded_app, press};
use crate::app::{App, Popup};
use crate::query::Job;

/// Every key a user might press by habit in a popup, except `y` (confirms) and `q` (quits, deletes nothing).
fn habit_keys() -> Vec<KeyCode> {
    let mut keys = vec![
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Char(' '),
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::F(1),
    ];
    keys.extend(('a'..='z').chain('A'..='Z').chain('0'..='9').filter(|c| !matches!(c, 'y' | 'q')).map(KeyCode::Char));
    keys.extend("!?/[]{}-=+.,;:'\"\\`~".chars().map(KeyCode::Char));
    keys
}

/// Presses each habit key on a copy of `app` (a confirmation with its counts) and checks that none asks the
/// worker to change anything; returns how many closed the popup.
fn no_key_but_y_confirms(app: &App, what: &str) -> usize {
    assert!(matches!(&app.popup, Some(Popup::Confirm { preview: Some(Ok(_)), .. })), "{what}: {:?}", app.popup);
    let mut closed = 0;
    for key in habit_keys() {
        let mut copy = app.clone();
        copy.take_jobs();
        press(&mut copy, key);
        let jobs = copy.take_jobs();
        assert!(!jobs.iter().any(|j| matches!(j, Job::Apply(_))), "{what}: {key:?} confirmed: {jobs:?}");
        if copy.popup.is_none() {
            closed += 1;
        }
    }
    closed
}

#[test]
fn only_y_confirms_a_delete_a_merge_or_a_prune() {
    let (_dir, db) = with_old_requests();
    let mut app = loaded_app(&db, 80, 24);
    let endpoints = count(&db, "SELECT count(*) FROM Endpoint");
    let requests = count(&db, "SELECT count(*) FROM Request");

    drive(&mut app, &db, "D");
    assert_eq!(no_key_but_y_confirms(&app, "delete"), 2, "n and Esc cancel, nothing else does");
    drive(&mut app, &db, "\x1b");

    drive(&mut app, &db, "Mj\n");
    assert_eq!(no_key_but_y_confirms(&app, "merge"), 2);
    drive(&mut app, &db, "n");

    drive(&mut app, &db, "P\n");
    assert_eq!(no_key_but_y_confirms(&app, "prune"), 2);
    // Enter, pressed for real in the worker's loop, changes nothing either.
    drive(&mut app, &db, "\n\n");
    assert_eq!(count(&db, "SELECT count(*) FROM Endpoint"), endpoints);
    assert_eq!(count(&db, "SELECT count(*) FROM Request"), requests);
    // y does.
    drive(&mut app, &db, "y");
    assert!(count(&db, "SELECT count(*) FROM Request") < requests);
}
