//! Cost of the recorder layer on the request path: a trivial tower service called directly (no network),
//! without the layer and with it at levels 0, 1, 2 and 3.
//!
//! At level 2 every request is watched for outliers once the endpoint has its 10 samples (the warm-up
//! provides them): the request head is copied and registered with the watcher, and each poll publishes its
//! thread. The trivial service finishes long before its deadline, so nothing is captured: this is the
//! price every level-2 request pays. At level 3 every request is also registered for profiling (from its
//! first request on) and polled through the await-probe waker; it finishes long before its first sample.
//! Requests carry three headers (`host`, `user-agent`, `accept`) at every level, as copying headers is part
//! of that price.
//!
//! Requests carry axum's `MatchedPath` (taken from a real router once, as it has no public constructor)
//! and a `ConnectInfo<SocketAddr>`, like requests inside an axum app. Requests are built outside the timed
//! region; the level 1 runs are timed in chunks smaller than the queue, waiting for the writer to drain
//! between chunks, so they measure the path where records are accepted (not dropped).
//!
//! Run: `cargo bench -p fmd-recorder -- --warm-up-time 1 --measurement-time 3`

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use axum::extract::MatchedPath;
use criterion::{criterion_group, criterion_main, Criterion};
use http::{Request, Response};
use tower::{Layer, Service};

/// Requests per timed chunk (well below the default queue capacity of 65,536).
const CHUNK: u64 = 8_192;

#[path = "../tests/common/routed.rs"]
mod routed;
use routed::{matched_path, NoopWaker};

fn request(matched: &MatchedPath, peer: SocketAddr) -> Request<()> {
    routed::request(matched, peer, "criterion/0.5")
}

/// Calls the service and polls the (immediately ready) response future once.
#[inline]
fn call_once<S>(service: &mut S, cx: &mut Context<'_>, request: Request<()>)
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    let future = pin!(service.call(request));
    match future.poll(cx) {
        Poll::Ready(Ok(response)) => {
            std::hint::black_box(response);
        }
        _ => unreachable!("the trivial service is always ready"),
    }
}

/// Times `iters` calls in chunks, building requests before each chunk and running `between` after it.
fn timed<S>(service: &mut S, matched: &MatchedPath, iters: u64, mut between: impl FnMut()) -> Duration
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    let waker = Waker::from(Arc::new(NoopWaker));
    let mut cx = Context::from_waker(&waker);
    let peer: SocketAddr = "127.0.0.1:50000".parse().expect("address");
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let requests: Vec<Request<()>> = (0..n).map(|_| request(matched, peer)).collect();
        let start = Instant::now();
        for request in requests {
            call_once(service, &mut cx, request);
        }
        total += start.elapsed();
        left -= n;
        between();
    }
    total
}

fn trivial_service() -> impl Service<
    Request<()>,
    Response = Response<()>,
    Error = Infallible,
    Future = std::future::Ready<Result<Response<()>, Infallible>>,
> + Clone {
    tower::service_fn(|_request: Request<()>| std::future::ready(Ok::<_, Infallible>(Response::new(()))))
}

fn bench_layer(c: &mut Criterion) {
    let matched = matched_path();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("recorder_layer");

    let mut bare = trivial_service();
    group.bench_function("no_layer", |b| b.iter_custom(|iters| timed(&mut bare, &matched, iters, || {})));

    let mut config = fmd_core::Config::default();
    config.database.path = dir.path().join("level0.db");
    let level0 = fmd_recorder::Recorder::builder(&config).default_level(0).build();
    let mut with_level0 = level0.layer().layer(trivial_service());
    group.bench_function("layer_level_0", |b| b.iter_custom(|iters| timed(&mut with_level0, &matched, iters, || {})));

    config.database.path = dir.path().join("level1.db");
    let level1 = fmd_recorder::Recorder::builder(&config).default_level(1).build();
    let mut with_level1 = level1.layer().layer(trivial_service());
    let drained = || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while level1.stats().queued > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    group.bench_function("layer_level_1", |b| b.iter_custom(|iters| timed(&mut with_level1, &matched, iters, drained)));

    config.database.path = dir.path().join("level2.db");
    let level2 = fmd_recorder::Recorder::builder(&config).default_level(2).build();
    let mut with_level2 = level2.layer().layer(trivial_service());
    let drained2 = || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while level2.stats().queued > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        // Let the watcher empty its queue too (its deadlines are long past).
        std::thread::sleep(Duration::from_millis(2));
    };
    // The endpoint's first 10 requests give it the samples outlier detection needs.
    timed(&mut with_level2, &matched, 64, drained2);
    group
        .bench_function("layer_level_2", |b| b.iter_custom(|iters| timed(&mut with_level2, &matched, iters, drained2)));

    config.database.path = dir.path().join("level3.db");
    let level3 = fmd_recorder::Recorder::builder(&config).default_level(3).build();
    let mut with_level3 = level3.layer().layer(trivial_service());
    let drained3 = || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while level3.stats().queued > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    timed(&mut with_level3, &matched, 64, drained3);
    group
        .bench_function("layer_level_3", |b| b.iter_custom(|iters| timed(&mut with_level3, &matched, iters, drained3)));
    group.finish();

    let report0 = level0.shutdown(Duration::from_secs(30));
    let report1 = level1.shutdown(Duration::from_secs(30));
    let report2 = level2.shutdown(Duration::from_secs(30));
    let report3 = level3.shutdown(Duration::from_secs(30));
    eprintln!("level 0 recorder: {report0:?}");
    eprintln!("level 1 recorder: {report1:?} (dropped must be 0: the timed path is the accepting one)");
    eprintln!("level 2 recorder: {report2:?} (dropped must be 0)");
    eprintln!("level 3 recorder: {report3:?} (dropped must be 0)");
}

criterion_group!(benches, bench_layer);
criterion_main!(benches);
