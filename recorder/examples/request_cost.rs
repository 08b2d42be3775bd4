//! Instructions the layer adds per request, counted by callgrind (deterministic, unlike timings on a shared
//! machine): a trivial service called `N` times without the layer and with it at a given level, one mode per
//! process.
//!
//! ```text
//! cargo build --release -p fmd-recorder --example request_cost
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cost.out target/release/examples/request_cost
//! for mode in none 0 1 3; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cost-$mode.out target/release/examples/request_cost $mode
//!   callgrind_annotate --inclusive=yes /tmp/cost-$mode.out | grep 'request_cost::measured '
//! done
//! ```
//! Divide each `measured` total by `N` (printed) and subtract mode `none` for the layer's instructions per
//! request (requests are built before and dropped after `measured`; the writer's work is not counted).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use axum::extract::MatchedPath;
use http::{Request, Response};
use tower::{Layer, Service};

const N: usize = 20_000;

#[path = "../tests/common/routed.rs"]
mod routed;
use routed::{matched_path, NoopWaker};

fn requests(matched: &MatchedPath) -> Vec<Request<()>> {
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("address");
    (0..N).map(|_| routed::request(matched, peer, "callgrind")).collect()
}

/// The inner service keeps each request (dropped after the measured function) so that freeing it is not
/// counted.
fn run<S>(service: &mut S, requests: Vec<Request<()>>) -> Vec<Response<()>>
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    let waker = Waker::from(Arc::new(NoopWaker));
    let mut cx = Context::from_waker(&waker);
    let mut responses = Vec::with_capacity(requests.len());
    for request in requests {
        let future = pin!(service.call(request));
        if let Poll::Ready(Ok(response)) = future.poll(&mut cx) {
            responses.push(response);
        }
    }
    responses
}

type Kept = Arc<std::sync::Mutex<Vec<Request<()>>>>;

fn keeping(
    kept: &Kept,
) -> impl Service<
    Request<()>,
    Response = Response<()>,
    Error = Infallible,
    Future = std::future::Ready<Result<Response<()>, Infallible>>,
> + Clone {
    let kept = Arc::clone(kept);
    tower::service_fn(move |request: Request<()>| {
        if let Ok(mut kept) = kept.try_lock() {
            kept.push(request);
        }
        std::future::ready(Ok::<_, Infallible>(Response::new(())))
    })
}

/// The measured function.
#[inline(never)]
fn measured<S>(service: &mut S, requests: Vec<Request<()>>) -> Vec<Response<()>>
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    run(service, requests)
}

fn main() {
    // `none`, `0`, `1`, `2` or `3`: one mode per process, so each `measured` total is one mode's. An optional
    // second argument repeats the measurement and prints the fastest repetition's time per request (without
    // valgrind: the minimum of many runs is what a busy machine disturbs least).
    let mode = std::env::args().nth(1).unwrap_or_else(|| "none".to_string());
    let repeats: u32 = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
    let matched = matched_path();
    let dir = tempfile::tempdir().expect("tempdir");
    let kept: Kept = Arc::new(std::sync::Mutex::new(Vec::with_capacity(N)));
    let mut fastest = Duration::MAX;
    let mut time = |service: &mut dyn FnMut(Vec<Request<()>>) -> Vec<Response<()>>, wait: &dyn Fn()| {
        for _ in 0..repeats {
            let requests = requests(&matched);
            let started = Instant::now();
            let responses = service(requests);
            fastest = fastest.min(started.elapsed());
            drop(responses);
            kept.lock().map(|mut k| k.clear()).ok();
            wait();
        }
    };
    let Ok(level) = mode.parse::<u8>() else {
        let mut bare = keeping(&kept);
        drop(run(&mut bare, requests(&matched)));
        kept.lock().map(|mut k| k.clear()).ok();
        time(&mut |r| measured(&mut bare, r), &|| {});
        println!("mode none, N = {N}, fastest of {repeats}: {:.1} ns per request", per_request(fastest));
        return;
    };
    let mut config = fmd_core::Config::default();
    config.database.path = dir.path().join("cost.db");
    let recorder = fmd_recorder::Recorder::builder(&config).default_level(level).build();
    let mut service = recorder.layer().layer(keeping(&kept));
    // First sight of the endpoint, and the samples outlier detection needs at level >= 2.
    drop(run(&mut service, requests(&matched).into_iter().take(64).collect()));
    std::thread::sleep(Duration::from_millis(300));
    // Under valgrind the writer may need longer: at level >= 2 every measured request must see the
    // endpoint's threshold (set from the rows the writer took), or the count depends on the writer's pace.
    let deadline = Instant::now() + Duration::from_secs(60);
    while recorder.stats().recorded < 64 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    kept.lock().map(|mut k| k.clear()).ok();
    // Between repetitions the writer empties the queue (the measured path is the one where records are
    // accepted, not dropped).
    let drained = || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while recorder.stats().queued > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    time(&mut |r| measured(&mut service, r), &drained);
    let report = recorder.shutdown(Duration::from_secs(60));
    println!(
        "mode level {level}, N = {N}, fastest of {repeats}: {:.1} ns per request; {report:?}",
        per_request(fastest)
    );
}

fn per_request(total: Duration) -> f64 {
    total.as_nanos() as f64 / N as f64
}
