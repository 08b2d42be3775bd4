//! FMD's `User` table: the dashboard's accounts (placeholder until the users module lands).

use rusqlite::params;

use super::{Store, StoreError};

/// One account of the dashboard.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// `User.id`.
    pub id: i64,
    /// `User.username`.
    pub username: String,
    /// `User.password_hash` (never serialised or printed).
    #[serde(skip)]
    pub password_hash: String,
    /// `User.is_admin`.
    pub is_admin: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.id).field("username", &self.username).finish_non_exhaustive()
    }
}

impl Store {
    fn user_table(&self) -> String {
        format!("\"{}User\"", self.tables.prefix())
    }

    fn users_where(&self, clause: &str, param: &dyn rusqlite::ToSql) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT id, username, password_hash, coalesce(is_admin, 0) FROM {} {clause} ORDER BY id",
            self.user_table()
        );
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.wrap(e))?;
        let rows = statement
            .query_map([param], |r| {
                Ok(User { id: r.get(0)?, username: r.get(1)?, password_hash: r.get(2)?, is_admin: r.get(3)? })
            })
            .map_err(|e| self.wrap(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.wrap(e))
    }

    /// Every account, by id.
    pub fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.users_where("WHERE ?1 = ?1", &1)
    }

    /// The account named `name`.
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        Ok(self.users_where("WHERE username = ?1", &name)?.into_iter().next())
    }

    /// The account with this id.
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        Ok(self.users_where("WHERE id = ?1", &id)?.into_iter().next())
    }

    /// Adds an account; answers its id.
    pub fn add_user(&self, name: &str, password_hash: &str, is_admin: bool) -> Result<i64, StoreError> {
        self.conn
            .execute(
                &format!("INSERT INTO {} (username, password_hash, is_admin) VALUES (?1, ?2, ?3)", self.user_table()),
                params![name, password_hash, is_admin],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces an account's password hash.
    pub fn set_password(&self, id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                &format!("UPDATE {} SET password_hash = ?1 WHERE id = ?2", self.user_table()),
                params![password_hash, id],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }
}
