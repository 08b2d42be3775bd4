//! The tower [`Layer`] and [`Service`] that wrap an application: usable with axum (`Router::layer`), hyper
//! and tonic, for any request and response body types.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::measure::{Shared, Visit};

/// A tower layer that records every request passing through it; made by
/// [`Recorder::layer`](crate::Recorder::layer).
///
/// With axum, add it with `Router::layer` *after* the routes (and fallback) so each route is wrapped
/// individually and the matched route (`MatchedPath`) names the endpoint. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct RecorderLayer {
    shared: Arc<Shared>,
}

impl RecorderLayer {
    pub(crate) fn new(shared: Arc<Shared>) -> RecorderLayer {
        RecorderLayer { shared }
    }
}

impl<S> Layer<S> for RecorderLayer {
    type Service = RecorderService<S>;

    fn layer(&self, inner: S) -> RecorderService<S> {
        RecorderService { inner, shared: Arc::clone(&self.shared) }
    }
}

/// The service produced by [`RecorderLayer`]: times the inner service and queues what it measured.
#[derive(Clone, Debug)]
pub struct RecorderService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RecorderService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (request, mut visit) = if self.shared.needs_parts() {
            let (parts, body) = request.into_parts();
            let visit = self.shared.begin(&parts.headers, &parts.extensions, Some(&parts));
            (Request::from_parts(parts, body), visit)
        } else {
            let visit = self.shared.begin(request.headers(), request.extensions(), None);
            (request, visit)
        };
        visit.handler_called();
        ResponseFuture { inner: self.inner.call(request), visit: Some(visit) }
    }
}

pin_project! {
    /// The response future of [`RecorderService`]: resolves exactly like the inner future and records the
    /// request when it does (response head ready; body streaming is not included).
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        visit: Option<Visit>,
    }
}

impl<F: std::fmt::Debug> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = match this.inner.poll(cx) {
            Poll::Ready(output) => output,
            Poll::Pending => return Poll::Pending,
        };
        if let Some(visit) = this.visit.take() {
            visit.finish(output.as_ref().ok().map(|response| response.status().as_u16()));
        }
        Poll::Ready(output)
    }
}
