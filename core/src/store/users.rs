//! FMD's `{p}User` table: the web dashboard's accounts (username, password hash, admin flag), read and
//! changed as FMD 5.x stores them, so Python FMD and fmd share one list of users.
//!
//! Readers work on any store, read-only files included; a file without the table has no users. Changes need a
//! read-write store ([`Store::open_editor`]) and run in one immediate transaction each, so two editors cannot
//! together remove the last admin. Hashes are made by [`crate::password`]; these functions only check that
//! what they store is one ([`crate::password::check_hash`]): a clear-text password is never written.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;

use super::{schema, Store, StoreError};
use crate::password::{self, PasswordError};

/// FMD's `User.username` is a VARCHAR(250).
pub const MAX_USERNAME_CHARS: usize = 250;

/// One row of FMD's User table. Neither its JSON nor its `Debug` text contains the password hash.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// `User.id`.
    pub id: i64,
    /// `User.username` (unique, case-sensitive as FMD compares it).
    pub username: String,
    /// `User.password_hash`: an Argon2 PHC string or a Werkzeug pbkdf2 hash ([`crate::password`]).
    #[serde(skip)]
    pub password_hash: String,
    /// `User.is_admin` (NULL reads as false): admins may change levels and manage users.
    pub is_admin: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("is_admin", &self.is_admin)
            .field("scheme", &self.scheme())
            .finish_non_exhaustive()
    }
}

impl User {
    /// The kind of the stored hash: `argon2id`, `werkzeug pbkdf2`, ... ([`password::scheme_name`]).
    pub fn scheme(&self) -> &'static str {
        password::scheme_name(&self.password_hash)
    }

    /// True when `password` is this user's ([`password::verify`]; slow by design).
    pub fn check_password(&self, password: &str) -> Result<bool, PasswordError> {
        password::verify(&self.password_hash, password)
    }
}

/// Checks a new username: not empty, no leading or trailing white space, no control characters, at most
/// [`MAX_USERNAME_CHARS`] characters.
pub fn check_username(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the username is empty".into());
    }
    if name.trim() != name {
        return Err("the username starts or ends with white space".into());
    }
    if name.chars().any(char::is_control) {
        return Err("the username contains a control character".into());
    }
    let chars = name.chars().count();
    if chars > MAX_USERNAME_CHARS {
        return Err(format!("the username has {chars} characters, at most {MAX_USERNAME_CHARS} fit FMD's column"));
    }
    Ok(())
}

const COLUMNS: &str = "id, username, password_hash, coalesce(is_admin, 0) != 0";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User { id: r.get(0)?, username: r.get(1)?, password_hash: r.get(2)?, is_admin: r.get(3)? })
}

impl Store {
    fn has_user_table(&self) -> Result<bool, StoreError> {
        schema::table_exists(&self.conn, &format!("{}User", self.tables.prefix())).map_err(|e| self.wrap(e))
    }

    fn require_user_table(&self) -> Result<(), StoreError> {
        if self.has_user_table()? {
            Ok(())
        } else {
            let problem = format!("table \"{}User\" is missing (FMD keeps its users there)", self.tables.prefix());
            Err(StoreError::Unusable { path: self.path.clone(), problem })
        }
    }

    /// Every user, by id. A file without FMD's User table has none. (Not `users`: that is an endpoint's
    /// users by requests, [`Store::users`].)
    pub fn list_users(&self) -> Result<Vec<User>, StoreError> {
        if !self.has_user_table()? {
            return Ok(Vec::new());
        }
        let run = || -> rusqlite::Result<Vec<User>> {
            let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM {} ORDER BY id", self.tables.user))?;
            let users = stmt.query_map([], user_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(users)
        };
        run().map_err(|e| self.wrap(e))
    }

    /// The user called `name` (exactly, as FMD's login compares), if any.
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        if !self.has_user_table()? {
            return Ok(None);
        }
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM {} WHERE username = ?1", self.tables.user), [name], user_row)
            .optional()
            .map_err(|e| self.wrap(e))
    }

    /// The user with id `id`, if any.
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        if !self.has_user_table()? {
            return Ok(None);
        }
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM {} WHERE id = ?1", self.tables.user), [id], user_row)
            .optional()
            .map_err(|e| self.wrap(e))
    }

    /// Adds a user with a password hash made by [`password::hash`]; returns its id. Fails with
    /// [`StoreError::DuplicateUser`] when the name is taken, [`StoreError::BadUsername`] for a name
    /// [`check_username`] refuses and [`StoreError::BadPasswordHash`] when `password_hash` is not a hash.
    pub fn add_user(&self, name: &str, password_hash: &str, is_admin: bool) -> Result<i64, StoreError> {
        check_username(name).map_err(|problem| StoreError::BadUsername { path: self.path.clone(), problem })?;
        self.check_hash(password_hash)?;
        self.require_user_table()?;
        self.in_transaction(|tx| {
            if self.find(tx, name)?.is_some() {
                return Err(StoreError::DuplicateUser { path: self.path.clone(), name: name.to_string() });
            }
            tx.execute(
                &format!("INSERT INTO {} (username, password_hash, is_admin) VALUES (?1, ?2, ?3)", self.tables.user),
                params![name, password_hash, is_admin],
            )
            .map_err(|e| self.wrap(e))?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Replaces user `id`'s password hash (made by [`password::hash`]).
    pub fn set_password(&self, id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.check_hash(password_hash)?;
        self.require_user_table()?;
        self.in_transaction(|tx| {
            let changed = tx
                .execute(
                    &format!("UPDATE {} SET password_hash = ?1 WHERE id = ?2", self.tables.user),
                    params![password_hash, id],
                )
                .map_err(|e| self.wrap(e))?;
            if changed == 0 {
                return Err(StoreError::UnknownUserId { path: self.path.clone(), id });
            }
            Ok(())
        })
    }

    /// Makes user `id` an admin or not. Taking the flag from the only admin fails ([`StoreError::LastAdmin`]).
    pub fn set_admin(&self, id: i64, is_admin: bool) -> Result<(), StoreError> {
        self.require_user_table()?;
        self.in_transaction(|tx| {
            let user = self.existing(tx, id)?;
            if !is_admin {
                self.keep_an_admin(tx, &user)?;
            }
            tx.execute(&format!("UPDATE {} SET is_admin = ?1 WHERE id = ?2", self.tables.user), params![is_admin, id])
                .map_err(|e| self.wrap(e))?;
            Ok(())
        })
    }

    /// Deletes user `id`. Deleting the only admin fails ([`StoreError::LastAdmin`]).
    pub fn remove_user(&self, id: i64) -> Result<(), StoreError> {
        self.require_user_table()?;
        self.in_transaction(|tx| {
            let user = self.existing(tx, id)?;
            self.keep_an_admin(tx, &user)?;
            tx.execute(&format!("DELETE FROM {} WHERE id = ?1", self.tables.user), [id]).map_err(|e| self.wrap(e))?;
            Ok(())
        })
    }

    fn check_hash(&self, hash: &str) -> Result<(), StoreError> {
        password::check_hash(hash).map_err(|source| StoreError::BadPasswordHash { path: self.path.clone(), source })
    }

    /// Runs `f` in an immediate (write-locking) transaction, committed when it succeeds.
    fn in_transaction<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate).map_err(|e| self.wrap(e))?;
        let value = f(&tx)?;
        tx.commit().map_err(|e| self.wrap(e))?;
        Ok(value)
    }

    fn find(&self, tx: &Transaction<'_>, name: &str) -> Result<Option<User>, StoreError> {
        tx.query_row(&format!("SELECT {COLUMNS} FROM {} WHERE username = ?1", self.tables.user), [name], user_row)
            .optional()
            .map_err(|e| self.wrap(e))
    }

    fn existing(&self, tx: &Transaction<'_>, id: i64) -> Result<User, StoreError> {
        tx.query_row(&format!("SELECT {COLUMNS} FROM {} WHERE id = ?1", self.tables.user), [id], user_row)
            .optional()
            .map_err(|e| self.wrap(e))?
            .ok_or_else(|| StoreError::UnknownUserId { path: self.path.clone(), id })
    }

    /// Fails when `user` is the only admin.
    fn keep_an_admin(&self, tx: &Transaction<'_>, user: &User) -> Result<(), StoreError> {
        if !user.is_admin {
            return Ok(());
        }
        let others: i64 = tx
            .query_row(
                &format!("SELECT count(*) FROM {} WHERE coalesce(is_admin, 0) != 0 AND id != ?1", self.tables.user),
                [user.id],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))?;
        if others == 0 {
            return Err(StoreError::LastAdmin { path: self.path.clone(), name: user.username.clone() });
        }
        Ok(())
    }
}
