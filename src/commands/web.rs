//! `fmd web`: the web dashboard (cargo feature `web`), on the configured database; without the feature, a
//! clear error that says how to build it.

use crate::cli::WebArgs;
use crate::failure::Failure;
use crate::settings::Settings;

/// Serves the dashboard until Ctrl-C.
#[cfg(feature = "web")]
pub fn run(settings: &Settings, args: &WebArgs) -> Result<(), Failure> {
    if settings.server.is_none() {
        crate::summaries::prepare(&settings.db, settings.table_prefix.as_deref())?;
    }
    serve(settings, args.listen, args.secure_cookies, None)
}

/// Serves the configured database (`crate::database::checked_backend`: a SQLite file or PostgreSQL) on `listen`; `banner` is printed once the address is bound
/// (the demo's password).
#[cfg(feature = "web")]
pub fn serve(
    settings: &Settings,
    listen: std::net::SocketAddr,
    secure_cookies: bool,
    banner: Option<String>,
) -> Result<(), Failure> {
    let config = &settings.config;
    let seed_admin =
        config.authentication.password_hash.clone().map(|hash| (config.authentication.username.clone(), hash));
    let backend = crate::database::checked_backend(settings)?;
    let location = backend.location();
    let options = fmd_web::WebOptions {
        listen,
        link: config.dashboard.custom_link.clone(),
        zone: settings.tz,
        now: settings.now,
        colors: config.visualization.colors.clone(),
        secure_cookies,
        seed_admin,
    };
    let link = options.link.trim_matches('/').to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(fmd_web::serve(backend, options, |addr| {
        let exposed = if addr.ip().is_loopback() { "" } else { " (reachable from the network)" };
        eprintln!("fmd web: serving {location} at http://{addr}/{link}/{exposed}; Ctrl-C stops");
        if let Some(banner) = &banner {
            eprintln!("{banner}");
        }
    }));
    result.map_err(|e| if e.is_input() { Failure::Input(e.to_string()) } else { Failure::Runtime(e.to_string()) })
}

/// Without the `web` feature: says how to get it.
#[cfg(not(feature = "web"))]
pub fn run(_settings: &Settings, _args: &WebArgs) -> Result<(), Failure> {
    Err(Failure::Input(
        "this fmd was built without the web dashboard; build it with `cargo build --release --features web`".into(),
    ))
}
