//! Synthetic traffic written through the store's normal write API: `fmd generate` writes it for benchmarks
//! and for trying the console on months of traffic, and `fmd demo` lays down its history with it.
//!
//! Traffic follows a day/night curve; endpoints have a load spread of their own ([`shape::Load`]), log-normal
//! latencies and error rates; users and client addresses repeat; the version changes over the period. Rows are
//! written in time order in large transactions. Everything is drawn from one seeded [`Rng`], so a seed and a
//! shape give the same file on every machine.

pub mod shape;

use chrono::{DateTime, Duration, Utc};
use fmd_core::backend::Writer;
use fmd_core::store::{NewRequest, WriteBatch};

use crate::failure::Failure;
use crate::rng::Rng;
use shape::Shape;

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

/// One generated endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `Endpoint.id`.
    pub id: i64,
    /// `Endpoint.name`.
    pub name: String,
    weight: f64,
    /// ln of the median duration in ms.
    mu: f64,
    sigma: f64,
    error_rate: f64,
}

/// What to write: a shape, how many requests, from when, with which seed.
#[derive(Debug, Clone)]
pub struct Traffic<'a> {
    /// The distributions.
    pub shape: &'a Shape,
    /// Requests in all.
    pub requests: u64,
    /// Start of the period (it lasts `shape.days`).
    pub start: DateTime<Utc>,
    /// Seed of the generator.
    pub seed: u64,
}

/// Called after each request is added to the batch (the last of `batch.requests`), to attach outliers,
/// exceptions or profiles to it; gets the request's endpoint and the generator.
pub type Decorate<'d> = dyn FnMut(&Endpoint, &mut WriteBatch, &mut Rng) + 'd;

/// What [`write`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// Requests.
    pub requests: u64,
    /// The endpoints, in the shape's order.
    pub endpoints: Vec<Endpoint>,
}

/// Writes `traffic` into `store` in time order, calling `progress` with the requests of each committed batch
/// and `decorate` after each request.
pub fn write(
    store: &mut dyn Writer,
    traffic: &Traffic<'_>,
    progress: &mut dyn FnMut(u64),
    decorate: &mut Decorate<'_>,
) -> Result<Written, Failure> {
    let shape = traffic.shape;
    let start = traffic.start;
    let mut rng = Rng::new(traffic.seed);
    let models = endpoint_models(store, shape, start, &mut rng)?;
    let total_weight: f64 = models.iter().map(|m| m.weight).sum();
    let hours = u64::from(shape.days) * 24;
    let shape_total: f64 = (0..hours).map(|h| HOURLY_SHAPE[(h % 24) as usize]).sum();
    let mut written = 0u64;
    let mut carry = 0.0;
    let mut batch = WriteBatch::default();
    let mut last_seen = vec![0i64; models.len()];
    for hour in 0..hours {
        let exact = traffic.requests as f64 * HOURLY_SHAPE[(hour % 24) as usize] / shape_total + carry;
        let mut count = exact.floor() as u64;
        carry = exact - count as f64;
        if hour + 1 == hours {
            count = traffic.requests - written;
        }
        let hour_start = start.timestamp_micros() + (hour as i64) * 3_600_000_000;
        let version = version_at(shape, hour, hours);
        if batch.version != version.name {
            flush(store, &mut batch, progress)?;
            batch.version.clone_from(&version.name);
        }
        for k in 0..count {
            let micros = hour_start + ((k as f64 + rng.unit()) * 3_600_000_000.0 / count as f64) as i64;
            let (index, model) = pick(&models, total_weight, &mut rng);
            last_seen[index] = micros;
            batch.requests.push(request(shape, model, version.latency, micros, &mut rng));
            decorate(model, &mut batch, &mut rng);
            if batch.requests.len() >= BATCH {
                flush(store, &mut batch, progress)?;
            }
        }
        written += count;
    }
    batch.last_requested = models.iter().zip(&last_seen).filter(|(_, t)| **t > 0).map(|(m, t)| (m.id, *t)).collect();
    flush(store, &mut batch, progress)?;
    Ok(Written { requests: written, endpoints: models })
}

/// The version of `hour` out of `hours`: the last one started by then.
fn version_at(shape: &Shape, hour: u64, hours: u64) -> &shape::Version {
    let at = hour as f64 / hours.max(1) as f64;
    let mut current = &shape.versions[0];
    for v in &shape.versions {
        if v.from <= at {
            current = v;
        }
    }
    current
}

fn endpoint_models(
    store: &dyn Writer,
    shape: &Shape,
    start: DateTime<Utc>,
    rng: &mut Rng,
) -> Result<Vec<Endpoint>, Failure> {
    let mut models = Vec::new();
    let first_version = shape.versions.first().map_or("1.0", |v| v.name.as_str());
    for k in 0..shape.endpoints as usize {
        let name = match shape.routes.get(k) {
            Some(name) => name.clone(),
            None => {
                let k = k - shape.routes.len();
                let route = ROUTES[k % ROUTES.len()];
                if k < ROUTES.len() {
                    route.to_string()
                } else {
                    format!("/v{}{route}", k / ROUTES.len() + 1)
                }
            }
        };
        let ep = store.ensure_endpoint(&name, 1, first_version, start.timestamp_micros())?;
        let drawn = 0.2 * 250f64.powf(rng.unit()); // 0.2 ms .. 50 ms
        let median_ms = shape.medians_ms.get(k).copied().unwrap_or(drawn);
        let varied = if k % 7 == 3 { 0.08 } else { 0.002 + 0.02 * rng.unit() };
        models.push(Endpoint {
            id: ep.id,
            name,
            weight: shape.load.weight(k),
            mu: median_ms.ln(),
            sigma: 0.25 + 0.5 * rng.unit(),
            error_rate: shape.error_rate.unwrap_or(varied),
        });
    }
    Ok(models)
}

fn pick<'a>(models: &'a [Endpoint], total: f64, rng: &mut Rng) -> (usize, &'a Endpoint) {
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

fn request(shape: &Shape, model: &Endpoint, latency: f64, micros: i64, rng: &mut Rng) -> NewRequest {
    let duration_ms = (model.mu + model.sigma * rng.normal()).exp() * latency;
    let status_code = if rng.unit() < model.error_rate {
        shape.error_codes[rng.below(shape.error_codes.len() as u64) as usize]
    } else if rng.below(50) == 0 {
        201
    } else {
        200
    };
    let user = (rng.unit().powi(3) * f64::from(shape.users)) as u64; // a few heavy users, a long tail
    let ip = match shape.ips {
        None => format!("10.{}.{}.{}", user % 4, rng.below(8), 1 + rng.below(250)),
        Some(n) => {
            let i = (rng.unit().powi(2) * f64::from(n)) as u64;
            format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
        }
    };
    let group_by = match shape.user_names.get(user as usize) {
        Some(name) => name.clone(),
        None => format!("user{user:02}"),
    };
    NewRequest { endpoint_id: model.id, duration_ms, time_micros: micros, group_by, ip, status_code }
}

fn flush(store: &mut dyn Writer, batch: &mut WriteBatch, progress: &mut dyn FnMut(u64)) -> Result<(), Failure> {
    if batch.requests.is_empty() && batch.last_requested.is_empty() {
        return Ok(());
    }
    store.write(batch)?;
    progress(batch.requests.len() as u64);
    batch.requests.clear();
    batch.last_requested.clear();
    batch.outliers.clear();
    batch.exceptions.clear();
    batch.profiles.clear();
    Ok(())
}

/// The start of a period of `days` ending at `end`.
pub fn start_of(end: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    end - Duration::days(i64::from(days))
}
