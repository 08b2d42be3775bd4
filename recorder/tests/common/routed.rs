//! Requests as an axum app hands them to a layer, for the recorder's benchmark, its cost example and its
//! allocation test (included by `#[path]`): a genuine `MatchedPath` (it has no public constructor, so it is
//! copied out of a request a real router matched), a peer address, three ordinary headers, and a waker that
//! does nothing for polling futures by hand.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Wake;

use axum::extract::{ConnectInfo, MatchedPath};
use http::Request;
use tower::ServiceExt;

/// A waker for polling a future by hand; nothing waits on it.
pub struct NoopWaker;

impl Wake for NoopWaker {
    fn wake(self: Arc<Self>) {}
}

/// A genuine `MatchedPath` for `/users/{id}`, copied out of a routed request.
pub fn matched_path() -> MatchedPath {
    let (tx, rx) = std::sync::mpsc::channel();
    let router = axum::Router::new().route("/users/{id}", axum::routing::get(|| async { "ok" })).layer(
        axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
            if let Some(matched) = request.extensions().get::<MatchedPath>() {
                let _ = tx.send(matched.clone());
            }
            next.run(request)
        }),
    );
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let request = Request::builder().uri("/users/1").body(axum::body::Body::empty()).expect("request");
    runtime.block_on(router.oneshot(request)).expect("infallible");
    rx.recv().expect("matched path")
}

/// `GET /users/7` from `peer` with `host`, `user-agent` (`agent`) and `accept` headers, `MatchedPath` and
/// `ConnectInfo` set, as inside an axum app.
pub fn request(matched: &MatchedPath, peer: SocketAddr, agent: &'static str) -> Request<()> {
    let mut request = Request::builder()
        .uri("/users/7")
        .header("host", "127.0.0.1:3000")
        .header("user-agent", agent)
        .header("accept", "*/*")
        .body(())
        .expect("request");
    request.extensions_mut().insert(matched.clone());
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}
