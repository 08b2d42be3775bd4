//! The PostgreSQL database a command or recorder uses: parsed from a URL as fmd.toml's `database.url`, `--db`
//! and FMD's `DATABASE=` write it (`postgres://`, `postgresql://`, and SQLAlchemy's `postgresql+psycopg2://` /
//! `postgresql+psycopg://`), with the password from the URL, `PGPASSWORD` or a password file. The password is
//! kept out of [`PgUrl::location`], `Debug` and every error.

use std::path::Path;

use fmd_core::config::SERVER_SCHEMES as SCHEMES;

/// True when `text` names a PostgreSQL database rather than a SQLite file.
pub use fmd_core::config::is_server_url as is_postgres_url;

/// Why a URL cannot be used (never quoting its password).
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    /// Not one of the schemes fmd takes.
    #[error("{0}: not a PostgreSQL URL (postgres://user@host[:port]/database)")]
    Scheme(String),
    /// The URL is malformed.
    #[error("{location}: {problem}")]
    Malformed {
        /// The URL without its password.
        location: String,
        /// What is wrong.
        problem: String,
    },
    /// The password file cannot be read.
    #[error("password file {path}: {source}")]
    PasswordFile {
        /// The file.
        path: String,
        /// Why it cannot be read.
        #[source]
        source: std::io::Error,
    },
}

/// A parsed PostgreSQL URL.
#[derive(Clone)]
pub struct PgUrl {
    config: postgres::Config,
    location: String,
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgUrl").field("location", &self.location).finish()
    }
}

impl std::fmt::Display for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.location)
    }
}

/// `url` with its password replaced by `***`: the one in the user info (`user:secret@`) and a `password=`
/// query parameter (libpq's form).
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let authority = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') { format!("{user}:***") } else { user.to_string() };
            format!("{masked}{}", &authority[at..])
        }
        None => authority.to_string(),
    };
    let tail = &rest[authority_end..];
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => param.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{}{authority}{tail}", &url[..scheme_end])
}

impl PgUrl {
    /// Parses `url`; without a password in it, takes `password_file`'s first line, else `PGPASSWORD`.
    pub fn parse(url: &str, password_file: Option<&Path>) -> Result<PgUrl, UrlError> {
        let location = redact(url);
        let lower = url.to_ascii_lowercase();
        let Some(scheme) = SCHEMES.iter().find(|s| lower.starts_with(*s)) else {
            return Err(UrlError::Scheme(location));
        };
        // tokio-postgres reads `postgres://` and `postgresql://`; SQLAlchemy's driver suffix is dropped.
        let normal = format!("postgresql://{}", &url[scheme.len()..]);
        let mut config: postgres::Config = normal
            .parse()
            .map_err(|e: postgres::Error| UrlError::Malformed { location: location.clone(), problem: e.to_string() })?;
        if config.get_dbname().is_none() {
            return Err(UrlError::Malformed { location, problem: "names no database (…/database)".into() });
        }
        if config.get_password().is_none() {
            if let Some(path) = password_file {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| UrlError::PasswordFile { path: path.display().to_string(), source })?;
                config.password(text.lines().next().unwrap_or("").trim_end_matches('\r'));
            } else if let Ok(password) = std::env::var("PGPASSWORD") {
                config.password(password);
            }
        }
        if config.get_user().is_none() {
            if let Ok(user) = std::env::var("PGUSER").or_else(|_| std::env::var("USER")) {
                config.user(&user);
            }
        }
        config.application_name("fmd");
        Ok(PgUrl { config, location })
    }

    /// The connection settings.
    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// The URL as it may be printed: without its password.
    pub fn location(&self) -> String {
        self.location.clone()
    }

    /// A short name for headers and window titles: the database, then where it lives (`fmd on db.internal:5432`),
    /// so the part that tells two databases of one server apart survives when a header is cut short.
    pub fn title(&self) -> String {
        let database = self.config.get_dbname().unwrap_or("?");
        let host = match self.config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(name)) => name.clone(),
            #[cfg(unix)]
            Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_string(),
        };
        match self.config.get_ports().first() {
            Some(port) => format!("{database} on {host}:{port}"),
            None => format!("{database} on {host}"),
        }
    }

    /// These settings for a recorder's writer (application name `fmd-recorder`, as `pg_stat_activity` shows it),
    /// which must never hang on the network: connecting gives up after
    /// `connect_timeout`, TCP keepalives (idle 10 s, every 5 s, 3 probes) and a TCP user timeout of
    /// `connect_timeout` close a connection to a server that vanished without a word, and `statement_timeout` is
    /// set from the session's start (`options=-c statement_timeout=…`, after any options the URL gives), so even
    /// the schema checks of opening are bounded.
    pub fn for_recorder(&self, connect_timeout: std::time::Duration, statement_timeout: std::time::Duration) -> PgUrl {
        let mut config = self.config.clone();
        let timeout = format!("-c statement_timeout={}", statement_timeout.as_millis().max(1));
        let options = match config.get_options() {
            Some(given) if !given.trim().is_empty() => format!("{given} {timeout}"),
            _ => timeout,
        };
        config
            .options(&options)
            .application_name("fmd-recorder")
            .connect_timeout(connect_timeout)
            .tcp_user_timeout(connect_timeout)
            .keepalives(true)
            .keepalives_idle(std::time::Duration::from_secs(10))
            .keepalives_interval(std::time::Duration::from_secs(5))
            .keepalives_retries(3);
        PgUrl { config, location: self.location.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_put_the_database_first() {
        let url = PgUrl::parse("postgres://fmd:secret@db.internal:6543/metrics", None).expect("parses");
        assert_eq!(url.title(), "metrics on db.internal:6543");
        let url = PgUrl::parse("postgresql+psycopg2://fmd@10.0.0.5/app", None).expect("parses");
        assert_eq!(url.title(), "app on 10.0.0.5:5432");
    }

    #[test]
    fn schemes() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("PostgreSQL+psycopg2://u@h/db"));
        assert!(!is_postgres_url("sqlite:///x.db"));
        assert!(!is_postgres_url("/tmp/x.db"));
    }

    #[test]
    fn the_password_never_shows() {
        let url = PgUrl::parse("postgresql+psycopg2://fmd:s3cret@db.example:5433/mon", None).expect("parses");
        assert_eq!(url.location(), "postgresql+psycopg2://fmd:***@db.example:5433/mon");
        assert!(!format!("{url:?} {url}").contains("s3cret"));
        assert_eq!(url.config().get_password(), Some(&b"s3cret"[..]));
        assert_eq!(url.config().get_dbname(), Some("mon"));
        let bad = PgUrl::parse("postgres://fmd:s3cret@host:notaport/db", None).expect_err("bad port");
        assert!(!bad.to_string().contains("s3cret"), "{bad}");
        let none = PgUrl::parse("postgres://fmd:s3cret@host", None).expect_err("no database");
        assert!(none.to_string().contains("names no database"), "{none}");
        assert!(!none.to_string().contains("s3cret"));
        // libpq's query form of the password is hidden too.
        let query = PgUrl::parse("postgres://fmd@h/db?sslmode=disable&password=s3cret", None).expect("parses");
        assert_eq!(query.location(), "postgres://fmd@h/db?sslmode=disable&password=***");
        assert_eq!(query.config().get_password(), Some(&b"s3cret"[..]));
        let bad = PgUrl::parse("postgres://fmd@h/db?password=s3cret&sslmode=bogus", None).expect_err("bad mode");
        assert!(!bad.to_string().contains("s3cret"), "{bad}");
    }

    #[test]
    fn password_file() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\n").expect("write");
        let url = PgUrl::parse("postgres://fmd@localhost/mon", Some(&file)).expect("parses");
        assert_eq!(url.config().get_password(), Some(&b"from-file"[..]));
        let missing =
            PgUrl::parse("postgres://fmd@localhost/mon", Some(&dir.path().join("nope"))).expect_err("missing");
        assert!(missing.to_string().contains("password file"), "{missing}");
    }
}
