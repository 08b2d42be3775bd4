//! `fmd generate`: writes a realistic FMD-format database through the normal store code, for benchmarks
//! and for trying the console on months of traffic.
//!
//! Traffic follows a day/night curve, endpoints have Zipf-like popularity and log-normal latencies of their
//! own, a few fail more than others, users and client addresses repeat, and the version changes twice over
//! the period. Rows are written in time order in large transactions.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use fmd_core::store::{NewRequest, WriteBatch};
use fmd_core::Store;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::GenerateArgs;
use crate::failure::Failure;
use crate::rng::Rng;

const ROUTES: &[&str] = &[
    "/api/items",
    "/users/{id}",
    "/",
    "/search",
    "/api/items/{id}",
    "/login",
    "/cart",
    "/checkout",
    "/report",
    "/upload",
    "/users/{id}/orders",
    "/health",
    "/admin/stats",
    "/export.csv",
    "/static/{path}",
    "/graphql",
];

/// Requests per local hour relative to the daily mean (night low, afternoon peak).
const HOURLY_SHAPE: [f64; 24] = [
    0.25, 0.18, 0.14, 0.12, 0.13, 0.2, 0.4, 0.7, 1.1, 1.4, 1.55, 1.6, 1.5, 1.55, 1.65, 1.7, 1.6, 1.45, 1.3, 1.15, 1.0,
    0.8, 0.55, 0.37,
];

const BATCH: usize = 20_000;

struct EndpointModel {
    id: i64,
    weight: f64,
    /// ln of the median duration in ms.
    mu: f64,
    sigma: f64,
    error_rate: f64,
}

/// Generates the database described by `args` into `db`.
pub fn run(db: &Path, args: &GenerateArgs, prefix: &str) -> Result<(), Failure> {
    if db.exists() && !args.append {
        return Err(Failure::Input(format!("{}: already exists; pass --append to add to it", db.display())));
    }
    let mut store = Store::open_writer(db, prefix)?;
    let end: DateTime<Utc> = match &args.end {
        Some(text) => crate::settings::parse_now(text)?,
        None => Utc::now(),
    };
    let start = end - Duration::days(i64::from(args.days));
    let mut rng = Rng::new(args.seed);
    let models = endpoint_models(&store, args.endpoints, start, &mut rng)?;
    let total_weight: f64 = models.iter().map(|m| m.weight).sum();

    let bar = ProgressBar::new(args.requests);
    bar.set_style(
        ProgressStyle::with_template("{spinner} writing {pos}/{len} requests [{bar:40}] {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let hours = u64::from(args.days) * 24;
    let shape_total: f64 = (0..hours).map(|h| HOURLY_SHAPE[(h % 24) as usize]).sum();
    let mut written = 0u64;
    let mut carry = 0.0;
    let mut batch = WriteBatch::default();
    let mut last_seen = vec![0i64; models.len()];
    for hour in 0..hours {
        let exact = args.requests as f64 * HOURLY_SHAPE[(hour % 24) as usize] / shape_total + carry;
        let mut count = exact.floor() as u64;
        carry = exact - count as f64;
        if hour + 1 == hours {
            count = args.requests - written;
        }
        let hour_start = start.timestamp_micros() + (hour as i64) * 3_600_000_000;
        let version = version_at(hour, hours);
        if batch.version != version {
            flush(&mut store, &mut batch, &bar)?;
            batch.version = version.to_string();
        }
        for k in 0..count {
            let micros = hour_start + ((k as f64 + rng.unit()) * 3_600_000_000.0 / count as f64) as i64;
            let (index, model) = pick(&models, total_weight, &mut rng);
            last_seen[index] = micros;
            batch.requests.push(request(model, micros, &mut rng));
            if batch.requests.len() >= BATCH {
                flush(&mut store, &mut batch, &bar)?;
            }
        }
        written += count;
    }
    batch.last_requested = models.iter().zip(&last_seen).filter(|(_, t)| **t > 0).map(|(m, t)| (m.id, *t)).collect();
    flush(&mut store, &mut batch, &bar)?;
    bar.finish_and_clear();
    println!("generated {written} requests over {} days for {} endpoints in {}", args.days, models.len(), db.display());
    Ok(())
}

fn version_at(hour: u64, hours: u64) -> &'static str {
    match hour * 3 / hours.max(1) {
        0 => "1.0",
        1 => "1.1",
        _ => "2.0",
    }
}

fn endpoint_models(
    store: &Store,
    count: u32,
    start: DateTime<Utc>,
    rng: &mut Rng,
) -> Result<Vec<EndpointModel>, Failure> {
    let mut models = Vec::new();
    for k in 0..count as usize {
        let route = ROUTES[k % ROUTES.len()];
        let name = if k < ROUTES.len() { route.to_string() } else { format!("/v{}{route}", k / ROUTES.len() + 1) };
        let ep = store.ensure_endpoint(&name, 1, "1.0", start.timestamp_micros())?;
        let median_ms = 0.2 * 250f64.powf(rng.unit()); // 0.2 ms .. 50 ms
        let error_rate = if k % 7 == 3 { 0.08 } else { 0.002 + 0.02 * rng.unit() };
        models.push(EndpointModel {
            id: ep.id,
            weight: 1.0 / (k as f64 + 1.0),
            mu: median_ms.ln(),
            sigma: 0.25 + 0.5 * rng.unit(),
            error_rate,
        });
    }
    Ok(models)
}

fn pick<'a>(models: &'a [EndpointModel], total: f64, rng: &mut Rng) -> (usize, &'a EndpointModel) {
    let mut x = rng.unit() * total;
    for (i, m) in models.iter().enumerate() {
        if x < m.weight {
            return (i, m);
        }
        x -= m.weight;
    }
    let last = models.len() - 1;
    (last, &models[last])
}

fn request(model: &EndpointModel, micros: i64, rng: &mut Rng) -> NewRequest {
    let duration_ms = (model.mu + model.sigma * rng.normal()).exp();
    let status_code = if rng.unit() < model.error_rate {
        [500, 502, 404, 400, 503][rng.below(5) as usize]
    } else if rng.below(50) == 0 {
        201
    } else {
        200
    };
    let user = (rng.unit().powi(3) * 40.0) as u64; // a few heavy users, a long tail
    NewRequest {
        endpoint_id: model.id,
        duration_ms,
        time_micros: micros,
        group_by: format!("user{user:02}"),
        ip: format!("10.{}.{}.{}", user % 4, rng.below(8), 1 + rng.below(250)),
        status_code,
    }
}

fn flush(store: &mut Store, batch: &mut WriteBatch, bar: &ProgressBar) -> Result<(), Failure> {
    if batch.requests.is_empty() && batch.last_requested.is_empty() {
        return Ok(());
    }
    store.write(batch)?;
    bar.inc(batch.requests.len() as u64);
    batch.requests.clear();
    batch.last_requested.clear();
    Ok(())
}
