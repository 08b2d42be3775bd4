//! FMD's User table: users added, listed, given new passwords and admin flags, and removed; the last admin
//! kept; readers on a read-only copy of FMD's own file; hashes never in `Debug`, JSON or error text.

use std::path::{Path, PathBuf};

use fmd_core::password::{self, Scheme};
use fmd_core::store::User;
use fmd_core::{Store, StoreError};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fmd-5.1.0-sample.db")
}

/// A new fmd file with the prefix `prefix`, opened for edits.
fn editor(dir: &Path, prefix: &str) -> Store {
    let path = dir.join("users.db");
    drop(Store::open_writer(&path, prefix).expect("writer"));
    Store::open_editor(&path, None).expect("editor")
}

fn names(store: &Store) -> Vec<(String, bool)> {
    store.list_users().expect("users").into_iter().map(|u| (u.username, u.is_admin)).collect()
}

#[test]
fn users_are_added_listed_changed_and_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = editor(dir.path(), "fmd");
    assert!(store.list_users().expect("users").is_empty());
    let hash = password::hash("first password", Scheme::Argon2id).expect("hash");
    let alice = store.add_user("alice", &hash, true).expect("add");
    let werkzeug = password::hash("bob's password", Scheme::Werkzeug).expect("hash");
    let bob = store.add_user("bob", &werkzeug, false).expect("add");
    assert_ne!(alice, bob);
    assert_eq!(names(&store), [("alice".to_string(), true), ("bob".to_string(), false)]);

    // In FMD's table of this prefix, in FMD's columns.
    let (name, stored, admin): (String, String, i64) = store
        .connection()
        .query_row("SELECT username, password_hash, is_admin FROM \"fmdUser\" WHERE id = ?1", [bob], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("row");
    assert_eq!((name.as_str(), stored.as_str(), admin), ("bob", werkzeug.as_str(), 0));

    let a = store.user_by_name("alice").expect("read").expect("alice");
    assert_eq!((a.id, a.is_admin, a.scheme()), (alice, true, "argon2id"));
    assert_eq!(a.check_password("first password"), Ok(true));
    assert_eq!(a.check_password("First password"), Ok(false));
    assert_eq!(store.user_by_id(bob).expect("read").expect("bob").scheme(), "werkzeug pbkdf2");
    assert_eq!(store.user_by_name("Alice").expect("read"), None, "names compare exactly, as FMD's login");
    assert_eq!(store.user_by_id(999).expect("read"), None);

    let new_hash = password::hash("second password", Scheme::Argon2id).expect("hash");
    store.set_password(alice, &new_hash).expect("passwd");
    let a = store.user_by_id(alice).expect("read").expect("alice");
    assert_eq!(a.check_password("second password"), Ok(true));
    assert_eq!(a.check_password("first password"), Ok(false));

    store.set_admin(bob, true).expect("admin");
    store.set_admin(alice, false).expect("bob is admin now");
    assert_eq!(names(&store), [("alice".to_string(), false), ("bob".to_string(), true)]);
    store.remove_user(alice).expect("remove");
    assert_eq!(names(&store), [("bob".to_string(), true)]);

    assert!(matches!(store.remove_user(alice), Err(StoreError::UnknownUserId { id, .. }) if id == alice));
    assert!(matches!(store.set_password(alice, &new_hash), Err(StoreError::UnknownUserId { .. })));
    assert!(matches!(store.set_admin(alice, true), Err(StoreError::UnknownUserId { .. })));
}

#[test]
fn a_duplicate_user_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = editor(dir.path(), "");
    let hash = password::hash("a password", Scheme::Argon2id).expect("hash");
    store.add_user("carol", &hash, true).expect("add");
    let e = store.add_user("carol", &hash, false).expect_err("taken");
    assert!(matches!(&e, StoreError::DuplicateUser { name, .. } if name == "carol"), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("\"carol\" already exists") && !text.contains(&hash), "{text}");
    assert_eq!(names(&store), [("carol".to_string(), true)], "nothing changed");
}

#[test]
fn the_last_admin_is_never_removed_or_demoted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = editor(dir.path(), "");
    let hash = password::hash("a password", Scheme::Argon2id).expect("hash");
    let root = store.add_user("root", &hash, true).expect("add");
    let guest = store.add_user("guest", &hash, false).expect("add");
    for e in [store.remove_user(root).expect_err("last admin"), store.set_admin(root, false).expect_err("last admin")] {
        assert!(matches!(&e, StoreError::LastAdmin { name, .. } if name == "root"), "{e:?}");
        assert!(e.to_string().contains("only admin user"), "{e}");
    }
    store.set_admin(root, true).expect("an admin may stay admin");
    store.remove_user(guest).expect("a guest goes");
    let second = store.add_user("second", &hash, true).expect("add");
    store.set_admin(root, false).expect("another admin exists");
    assert!(matches!(store.remove_user(second), Err(StoreError::LastAdmin { .. })));
    store.set_admin(root, true).expect("admin again");
    store.remove_user(second).expect("root is admin");
    assert_eq!(names(&store), [("root".to_string(), true)]);

    // A table with no admin at all (FMD seeds one only into an empty table): guests still go.
    store.connection().execute("UPDATE \"User\" SET is_admin = NULL", []).expect("no admins");
    store.remove_user(root).expect("not an admin any more");
}

#[test]
fn readers_list_users_of_a_read_only_copy_of_fmds_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("fmd.db");
    std::fs::copy(fixture(), &copy).expect("copy");
    let mut perms = std::fs::metadata(&copy).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&copy, perms).expect("chmod");
    let before = std::fs::read(&copy).expect("read");

    let reader = Store::open_reader(&copy, None).expect("reader");
    let users = reader.list_users().expect("users");
    assert_eq!(users.len(), 1, "{users:?}");
    let admin = &users[0];
    assert_eq!((admin.id, admin.username.as_str(), admin.is_admin), (1, "admin", true));
    assert_eq!(admin.scheme(), "werkzeug pbkdf2", "FMD 5.1.0 wrote it with Werkzeug 3.1");
    assert!(admin.password_hash.starts_with("pbkdf2:sha256:1000000$"));
    assert_eq!(reader.user_by_name("admin").expect("read").as_ref(), Some(admin));
    assert_eq!(reader.user_by_id(1).expect("read").as_ref(), Some(admin));
    assert_eq!(admin.check_password("not FMD's password"), Ok(false));

    let hash = password::hash("a password", Scheme::Argon2id).expect("hash");
    assert!(reader.add_user("dave", &hash, false).is_err(), "a reader writes nothing");
    drop(reader);
    assert_eq!(std::fs::read(&copy).expect("read"), before, "the file is unchanged");
}

#[test]
fn hashes_stay_out_of_debug_json_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = editor(dir.path(), "");
    let hash = password::hash("a password", Scheme::Werkzeug).expect("hash");
    store.add_user("erin", &hash, true).expect("add");
    let user: User = store.user_by_name("erin").expect("read").expect("erin");
    let debug = format!("{user:?}");
    let json = serde_json::to_string(&user).expect("json");
    let salt = hash.split('$').nth(1).expect("salt");
    for text in [&debug, &json] {
        assert!(!text.contains(salt) && !text.contains("pbkdf2:sha256:"), "{text}");
    }
    assert_eq!(json, r#"{"id":1,"username":"erin","is_admin":true}"#);
    assert!(debug.contains("werkzeug pbkdf2"), "{debug}");

    // A clear-text password is never stored as a hash, and never quoted back.
    let e = store.add_user("frank", "hunter2 hunter2", false).expect_err("clear text");
    assert!(matches!(e, StoreError::BadPasswordHash { .. }), "{e:?}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = store.set_password(1, "hunter2 hunter2").expect_err("clear text");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert_eq!(store.user_by_name("erin").expect("read").expect("erin").password_hash, hash, "unchanged");
}

#[test]
fn usernames_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = editor(dir.path(), "");
    let hash = password::hash("a password", Scheme::Argon2id).expect("hash");
    let long = "x".repeat(251);
    for (name, problem) in [
        ("", "empty"),
        (" gina", "white space"),
        ("gina\n", "white space"),
        ("gi\u{1b}na", "control"),
        (&long, "at most 250"),
    ] {
        let e = store.add_user(name, &hash, false).expect_err(name);
        assert!(matches!(&e, StoreError::BadUsername { .. }) && e.to_string().contains(problem), "{name:?}: {e}");
    }
    store.add_user(&"x".repeat(250), &hash, false).expect("250 characters fit");
    store.add_user("Ünïcode user", &hash, false).expect("any printable name");
}

#[test]
fn a_file_without_a_user_table_has_no_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("fmd.db");
    std::fs::copy(fixture(), &copy).expect("copy");
    rusqlite::Connection::open(&copy).expect("open").execute_batch("DROP TABLE \"User\"").expect("drop");
    let store = Store::open_editor(&copy, None).expect("editor: fmd does not need the table");
    assert!(store.list_users().expect("users").is_empty());
    assert_eq!(store.user_by_name("admin").expect("read"), None);
    let hash = password::hash("a password", Scheme::Argon2id).expect("hash");
    let e = store.add_user("admin", &hash, true).expect_err("no table");
    assert!(e.to_string().contains("table \"User\" is missing"), "{e}");
}
