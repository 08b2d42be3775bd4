//! The request path allocates nothing for a known endpoint when no closure is configured (levels 0 and 1).
//!
//! A counting global allocator (per thread, so the writer thread's work is not counted) wraps the system
//! allocator; that needs `unsafe impl GlobalAlloc`, allowed in this test file only.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::extract::ConnectInfo;
use http::{Request, Response};
use tower::{Layer, Service};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a const-initialised
// thread-local `Cell` without destructor, so touching it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[path = "common/routed.rs"]
mod routed;
use routed::{matched_path, NoopWaker};

/// Allocations made on this thread by `calls` calls through the layer (requests built beforehand).
fn allocations_per_batch(level: u8, calls: usize) -> (u64, fmd_recorder::Recorder) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = fmd_core::Config::default();
    config.database.path = dir.path().join("fmd.db");
    let recorder = fmd_recorder::Recorder::builder(&config).default_level(level).build();
    let mut service = recorder
        .layer()
        .layer(tower::service_fn(|_request: Request<()>| std::future::ready(Ok::<_, Infallible>(Response::new(())))));
    let matched = matched_path();
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("address");
    let waker = Waker::from(Arc::new(NoopWaker));
    let mut cx = Context::from_waker(&waker);
    let mut run = |n: usize| -> u64 {
        let requests: Vec<Request<()>> = (0..n)
            .map(|_| {
                let mut request = Request::builder().uri("/users/7").body(()).expect("request");
                request.extensions_mut().insert(matched.clone());
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .collect();
        let mut responses = Vec::with_capacity(n);
        let before = allocations();
        for request in requests {
            let future = pin!(service.call(request));
            if let Poll::Ready(response) = future.poll(&mut cx) {
                responses.push(response);
            }
        }
        let made = allocations() - before;
        assert_eq!(responses.len(), n);
        made
    };
    run(5); // first sight of the endpoint allocates its entry
    std::thread::sleep(Duration::from_millis(200));
    let made = run(calls);
    drop(dir);
    (made, recorder)
}

#[test]
fn level_1_and_level_0_request_paths_do_not_allocate() {
    for level in [1, 0] {
        let (made, recorder) = allocations_per_batch(level, 1_000);
        assert_eq!(made, 0, "allocations on the request path at level {level}");
        let report = recorder.shutdown(Duration::from_secs(5));
        assert_eq!(report.dropped, 0);
    }
}
