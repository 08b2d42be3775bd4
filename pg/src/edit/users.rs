//! FMD's `{p}User` table on PostgreSQL (`id SERIAL`, `username VARCHAR(250) UNIQUE`, `password_hash
//! VARCHAR(162)`, `is_admin BOOLEAN`), read and changed as Python FMD stores its users and with the meaning of
//! `fmd_core`'s SQLite functions (core/src/store/users.rs): a database without the table has no users, NULL
//! `is_admin` reads as false, names compare exactly, hashes are checked to be hashes.
//!
//! Every change is one transaction that first takes `LOCK TABLE ... IN SHARE ROW EXCLUSIVE MODE` (which only
//! writers of the table wait for; readers and logins go on), so two editors cannot together remove the last
//! admin, and a name taken meanwhile is seen as taken.

use fmd_core::password;
use fmd_core::store::{check_username, User};
use fmd_core::StoreError;
use postgres::error::SqlState;
use postgres::{GenericClient, Row, Transaction};

use super::Failure;
use crate::{schema, PgStore};

const COLUMNS: &str = "id::int8, username::text, password_hash::text, coalesce(is_admin, false)";

fn user_row(r: &Row) -> User {
    User { id: r.get(0), username: r.get(1), password_hash: r.get(2), is_admin: r.get(3) }
}

impl PgStore {
    fn has_user_table(&self) -> Result<bool, StoreError> {
        let name = format!("{}User", self.tables.prefix());
        self.with(|client| schema::table_exists(client, &name))
    }

    fn require_user_table(&self) -> Result<(), StoreError> {
        if self.has_user_table()? {
            Ok(())
        } else {
            let problem = format!("table \"{}User\" is missing (FMD keeps its users there)", self.tables.prefix());
            Err(StoreError::Unusable { path: self.location_path(), problem })
        }
    }

    fn query_user(
        &self,
        condition: &str,
        value: &(dyn postgres::types::ToSql + Sync),
    ) -> Result<Option<User>, StoreError> {
        if !self.has_user_table()? {
            return Ok(None);
        }
        let sql = format!("SELECT {COLUMNS} FROM {} WHERE {condition}", self.tables.user);
        Ok(self.with(|client| client.query_opt(&sql, &[value]))?.as_ref().map(user_row))
    }

    /// Every user, by id. A database without FMD's User table has none.
    pub fn list_users(&self) -> Result<Vec<User>, StoreError> {
        if !self.has_user_table()? {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {COLUMNS} FROM {} ORDER BY id", self.tables.user);
        Ok(self.with(|client| client.query(&sql, &[]))?.iter().map(user_row).collect())
    }

    /// The user called `name` (exactly, as FMD's login compares), if any.
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        if name.contains('\0') {
            return Ok(None); // PostgreSQL's text cannot hold it, so no user has it
        }
        self.query_user("username = $1::text", &name)
    }

    /// The user with id `id`, if any.
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.query_user("id = $1::int8", &id)
    }

    /// Adds a user with a password hash made by `fmd_core::password::hash`; returns its id. Fails with
    /// [`StoreError::DuplicateUser`] when the name is taken, [`StoreError::BadUsername`] for a name
    /// [`check_username`] refuses and [`StoreError::BadPasswordHash`] when `password_hash` is not a hash.
    pub fn add_user(&self, name: &str, password_hash: &str, is_admin: bool) -> Result<i64, StoreError> {
        check_username(name).map_err(|problem| StoreError::BadUsername { path: self.location_path(), problem })?;
        self.check_hash(password_hash)?;
        self.require_user_table()?;
        let duplicate = || Failure::Store(StoreError::DuplicateUser { path: self.location_path(), name: name.into() });
        self.users_transaction(|tx, user| {
            if tx.query_opt(&format!("SELECT 1 FROM {user} WHERE username = $1::text"), &[&name])?.is_some() {
                return Err(duplicate());
            }
            let inserted = tx.query_one(
                &format!(
                    "INSERT INTO {user} (username, password_hash, is_admin) VALUES ($1::text, $2::text, $3) \
                     RETURNING id::int8"
                ),
                &[&name, &password_hash, &is_admin],
            );
            match inserted {
                Ok(row) => Ok(row.get(0)),
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Err(duplicate()),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Replaces user `id`'s password hash (made by `fmd_core::password::hash`).
    pub fn set_password(&self, id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.check_hash(password_hash)?;
        self.require_user_table()?;
        self.users_transaction(|tx, user| {
            let sql = format!("UPDATE {user} SET password_hash = $1::text WHERE id = $2::int8");
            if tx.execute(&sql, &[&password_hash, &id])? == 0 {
                return Err(Failure::Store(StoreError::UnknownUserId { path: self.location_path(), id }));
            }
            Ok(())
        })
    }

    /// Makes user `id` an admin or not. Taking the flag from the only admin fails ([`StoreError::LastAdmin`]).
    pub fn set_admin(&self, id: i64, is_admin: bool) -> Result<(), StoreError> {
        self.require_user_table()?;
        self.users_transaction(|tx, user| {
            let found = self.existing(tx, id)?;
            if !is_admin {
                self.keep_an_admin(tx, &found)?;
            }
            tx.execute(&format!("UPDATE {user} SET is_admin = $1 WHERE id = $2::int8"), &[&is_admin, &id])?;
            Ok(())
        })
    }

    /// Deletes user `id`. Deleting the only admin fails ([`StoreError::LastAdmin`]).
    pub fn remove_user(&self, id: i64) -> Result<(), StoreError> {
        self.require_user_table()?;
        self.users_transaction(|tx, user| {
            let found = self.existing(tx, id)?;
            self.keep_an_admin(tx, &found)?;
            tx.execute(&format!("DELETE FROM {user} WHERE id = $1::int8"), &[&id])?;
            Ok(())
        })
    }

    fn check_hash(&self, hash: &str) -> Result<(), StoreError> {
        password::check_hash(hash).map_err(|source| StoreError::BadPasswordHash { path: self.location_path(), source })
    }

    /// Runs `f` (given the quoted User table) in a transaction holding the table's write lock.
    fn users_transaction<T>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>, &str) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let user = self.tables.user.clone();
        self.in_transaction(|tx| {
            tx.batch_execute(&format!("LOCK TABLE {user} IN SHARE ROW EXCLUSIVE MODE"))?;
            f(tx, &user)
        })
    }

    fn existing(&self, client: &mut impl GenericClient, id: i64) -> Result<User, Failure> {
        let sql = format!("SELECT {COLUMNS} FROM {} WHERE id = $1::int8", self.tables.user);
        match client.query_opt(&sql, &[&id])? {
            Some(row) => Ok(user_row(&row)),
            None => Err(Failure::Store(StoreError::UnknownUserId { path: self.location_path(), id })),
        }
    }

    /// Fails when `user` is the only admin.
    fn keep_an_admin(&self, client: &mut impl GenericClient, user: &User) -> Result<(), Failure> {
        if !user.is_admin {
            return Ok(());
        }
        let sql =
            format!("SELECT count(*) FROM {} WHERE coalesce(is_admin, false) AND id != $1::int8", self.tables.user);
        let others: i64 = client.query_one(&sql, &[&user.id])?.get(0);
        if others == 0 {
            return Err(Failure::Store(StoreError::LastAdmin {
                path: self.location_path(),
                name: user.username.clone(),
            }));
        }
        Ok(())
    }
}
