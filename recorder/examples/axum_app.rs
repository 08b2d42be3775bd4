//! A minimal axum service monitored by fmd: `cargo run -p fmd-recorder --example axum_app`, then open
//! http://127.0.0.1:3000/users/7 a few times, stop with Ctrl-C, and look at `fmd.db` with the console.
//!
//! The configuration comes from `--config`-less discovery: `FMD_CONFIG`, `./fmd.toml`, or the defaults
//! (database `fmd.db` in the current directory, level 1 for new endpoints).

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::Path;
use axum::routing::get;
use axum::Router;
use fmd_recorder::Recorder;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = fmd_core::Config::discover(None)?;
    let recorder = Recorder::builder(&config)
        .group_by(|parts: &http::request::Parts| {
            parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned)
        })
        .build();

    let app = Router::new()
        .route("/", get(|| async { "hello" }))
        .route("/users/{id}", get(|Path(id): Path<u32>| async move { format!("user {id}") }))
        .layer(recorder.layer());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://127.0.0.1:3000, recording into {}", recorder.database().display());
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;

    let report = tokio::task::spawn_blocking(move || recorder.shutdown(Duration::from_secs(10))).await?;
    println!("{} requests recorded, {} dropped, {} failed", report.recorded, report.dropped, report.failed);
    Ok(())
}
