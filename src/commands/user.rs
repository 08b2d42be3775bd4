//! `fmd user add|passwd|remove|list`: the web dashboard's users in FMD's User table (shared with Python FMD).
//!
//! Passwords come from a prompt without echo, asked twice, when standard input is a terminal, or from one line
//! of standard input when it is not; never from a flag, never printed. New hashes are Argon2id, or with
//! `--werkzeug` Werkzeug's pbkdf2 format, which Python FMD's login checks too.

use std::io::{BufRead, IsTerminal};

use fmd_core::password::{self, Scheme};
use fmd_core::store::User;
use fmd_core::StoreError;
use serde::Serialize;

use crate::cli::{UserAction, UserArgs};
use crate::confirm::confirm;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::table::{clean, output_width, Table};

/// Runs one user command.
pub fn run(settings: &Settings, args: &UserArgs) -> Result<(), Failure> {
    match &args.action {
        UserAction::Add { name, admin, werkzeug } => {
            let store = crate::database::editor(settings)?;
            fmd_core::store::check_username(name).map_err(Failure::Input)?;
            if store.user_by_name(name)?.is_some() {
                return Err(StoreError::DuplicateUser {
                    path: crate::database::location(settings).into(),
                    name: name.clone(),
                }
                .into());
            }
            let secret = new_password(&format!("password for {name}: "))?;
            let scheme = scheme(*werkzeug);
            let hash = password::hash(&secret, scheme).map_err(Failure::runtime)?;
            store.add_user(name, &hash, *admin)?;
            let role = if *admin { "admin" } else { "not admin" };
            crate::output::println(&format!(
                "added user {name:?} ({role}, {}) to {}",
                name_of(scheme),
                crate::database::location(settings)
            ))?;
            if !store.list_users()?.iter().any(|u| u.is_admin) {
                eprintln!("fmd: note: no user is an admin yet; add one with `fmd user add NAME --admin`");
            }
        }
        UserAction::Passwd { name, werkzeug } => {
            let store = crate::database::editor(settings)?;
            let user = existing(&*store, settings, name)?;
            let secret = new_password(&format!("new password for {name}: "))?;
            let scheme = scheme(*werkzeug);
            let hash = password::hash(&secret, scheme).map_err(Failure::runtime)?;
            store.set_password(user.id, &hash)?;
            crate::output::println(&format!("changed the password of {name:?} ({})", name_of(scheme)))?;
        }
        UserAction::Remove { name, yes } => {
            let store = crate::database::editor(settings)?;
            let user = existing(&*store, settings, name)?;
            if user.is_admin && !store.list_users()?.iter().any(|u| u.is_admin && u.id != user.id) {
                return Err(StoreError::LastAdmin {
                    path: crate::database::location(settings).into(),
                    name: name.clone(),
                }
                .into());
            }
            confirm(&format!("remove user {name:?} from {}?", crate::database::location(settings)), *yes)?;
            store.remove_user(user.id)?;
            crate::output::println(&format!("removed user {name:?}"))?;
        }
        UserAction::List { json } => {
            let store = crate::database::reader(settings)?;
            let users = store.list_users()?;
            if *json {
                let rows: Vec<UserJson> = users
                    .iter()
                    .map(|u| UserJson { id: u.id, username: &u.username, is_admin: u.is_admin, scheme: u.scheme() })
                    .collect();
                crate::output::println(&serde_json::to_string_pretty(&rows).map_err(Failure::runtime)?)?;
            } else {
                crate::output::print(&text(&users, output_width()))?;
            }
        }
        UserAction::Check { name } => {
            let store = crate::database::reader(settings)?;
            let user = existing(&*store, settings, name)?;
            let secret =
                if std::io::stdin().is_terminal() { prompt(&format!("password for {name}: "))? } else { stdin_line()? };
            if !user.check_password(&secret).map_err(|e| Failure::Input(format!("user {name:?}: {e}")))? {
                return Err(Failure::Runtime(format!("wrong password for {name:?}")));
            }
        }
    }
    Ok(())
}

/// One user in `fmd user list --json`.
#[derive(Serialize)]
struct UserJson<'a> {
    id: i64,
    username: &'a str,
    is_admin: bool,
    /// `argon2id`, `werkzeug pbkdf2`, ... (`unknown` for a hash fmd cannot check).
    scheme: &'static str,
}

fn scheme(werkzeug: bool) -> Scheme {
    if werkzeug {
        Scheme::Werkzeug
    } else {
        Scheme::Argon2id
    }
}

fn name_of(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Argon2id => "argon2id",
        Scheme::Werkzeug => "werkzeug pbkdf2",
    }
}

fn existing(store: &dyn fmd_core::backend::Reader, settings: &Settings, name: &str) -> Result<User, Failure> {
    store.user_by_name(name)?.ok_or_else(|| {
        StoreError::UnknownUser { path: crate::database::location(settings).into(), name: name.to_string() }.into()
    })
}

/// A new password: asked twice without echo on a terminal, else one line of standard input; refused when
/// empty or shorter than 8 characters.
fn new_password(question: &str) -> Result<String, Failure> {
    let secret = if std::io::stdin().is_terminal() {
        let first = prompt(question)?;
        check(&first)?;
        if prompt("again: ")? != first {
            return Err(Failure::Input("the two passwords differ; nothing was changed".into()));
        }
        first
    } else {
        stdin_line()?
    };
    check(&secret)?;
    Ok(secret)
}

fn check(secret: &str) -> Result<(), Failure> {
    password::check_new_password(secret).map_err(|e| Failure::Input(format!("{e}; nothing was changed")))
}

/// Asks on the terminal without echo.
fn prompt(question: &str) -> Result<String, Failure> {
    rpassword::prompt_password(question).map_err(|e| Failure::Runtime(format!("cannot read a password: {e}")))
}

/// The first line of standard input without its line ending (the rest of it is not read).
fn stdin_line() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        Failure::Input(format!("cannot read the password from standard input: {e} (it must be UTF-8 text)"))
    })?;
    if let Some(rest) = line.strip_suffix('\n') {
        line.truncate(rest.strip_suffix('\r').unwrap_or(rest).len());
    }
    Ok(line)
}

/// The users as a table: id, user, admin, scheme.
fn text(users: &[User], width: usize) -> String {
    if users.is_empty() {
        return "(no users)\n".into();
    }
    let mut table = Table::new(["id", "user", "admin", "scheme"]);
    for u in users {
        let admin = if u.is_admin { "yes" } else { "no" };
        table.row([u.id.to_string(), clean(&u.username), admin.to_string(), u.scheme().to_string()]);
    }
    table.render(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_read_as_a_table() {
        let users = [
            User { id: 1, username: "admin".into(), password_hash: "pbkdf2:sha256:1$s$0".into(), is_admin: true },
            User { id: 12, username: "eve\u{1b}[2J".into(), password_hash: String::new(), is_admin: false },
        ];
        assert_eq!(
            text(&users, 80),
            "id  user          admin  scheme\n 1  admin         yes    unknown\n12  eve\\u{1b}[2J  no     unknown\n"
        );
        assert_eq!(text(&[], 80), "(no users)\n");
    }
}
