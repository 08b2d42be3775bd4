//! The tower [`Layer`] and [`Service`] that wrap an application: usable with axum (`Router::layer`), hyper
//! and tonic, for any request body and any response body with a `Default` (the empty body of the 500
//! response that replaces a panic).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::exceptions;
use crate::measure::{Head, Shared, Visit};
use crate::profile::probe;

/// A tower layer that records every request passing through it; made by
/// [`Recorder::layer`](crate::Recorder::layer).
///
/// With axum, add it with `Router::layer` *after* the routes (and fallback) so each route is wrapped
/// individually and the matched route (`MatchedPath`) names the endpoint. Cloning is cheap.
///
/// A panic in the inner service (in `call` or while its response future is polled) is caught: the request
/// gets a `500 Internal Server Error` with an empty body (`ResBody::default()`), the panic is recorded as an
/// exception at levels 1-3, and the service stays usable. This needs the response body type to implement
/// `Default` (axum's `Body`, `http_body_util::Full`/`Empty`, `String`, `()` … do). With `panic = "abort"`
/// nothing can be caught.
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

/// The service produced by [`RecorderLayer`]: times the inner service, queues what it measured, and turns
/// panics into 500 responses.
#[derive(Clone, Debug)]
pub struct RecorderService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RecorderService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
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
        if self.shared.needs_parts() {
            let (parts, body) = request.into_parts();
            let head = Head {
                method: &parts.method,
                uri: &parts.uri,
                version: parts.version,
                headers: &parts.headers,
                extensions: &parts.extensions,
            };
            let visit = self.shared.begin(head, Some(&parts));
            return self.call_inner(Request::from_parts(parts, body), visit);
        }
        // The common path: the request is only borrowed until it is handed to the inner service (every move
        // of a `Request` is a copy of a few hundred bytes).
        let head = Head {
            method: request.method(),
            uri: request.uri(),
            version: request.version(),
            headers: request.headers(),
            extensions: request.extensions(),
        };
        let visit = self.shared.begin(head, None);
        self.call_inner(request, visit)
    }
}

impl<S> RecorderService<S> {
    /// Calls the inner service for a request whose measurement has begun, catching a panic.
    #[inline(always)]
    fn call_inner<ReqBody, ResBody>(&mut self, request: Request<ReqBody>, mut visit: Visit) -> ResponseFuture<S::Future>
    where
        S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    {
        visit.handler_called();
        let scope = visit.enter();
        let called = catch_unwind(AssertUnwindSafe(|| self.inner.call(request)));
        let caught = called.as_ref().err().map(|payload| exceptions::caught_panic(payload.as_ref()));
        if let Some(scope) = scope {
            // The future now waits for its first poll.
            visit.exit(scope, true);
        }
        match called {
            Ok(future) => ResponseFuture { state: State::Running { future }, visit: Some(visit) },
            Err(_payload) => {
                if let Some(exception) = caught {
                    visit.add_exception(exception);
                }
                ResponseFuture { state: State::CallPanicked, visit: Some(visit) }
            }
        }
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Running { #[pin] future: F },
        CallPanicked,
        Done,
    }
}

pin_project! {
    /// The response future of [`RecorderService`]: resolves like the inner future (a panic becomes a 500
    /// response) and records the request when it does (response head ready; body streaming is not included).
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
        visit: Option<Visit>,
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// The response that replaces a panic.
fn internal_error<B: Default>() -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Default,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        // `(output, panicked, exception of the panic)`
        let (output, panicked, exception) = match this.state.as_mut().project() {
            StateProj::Running { future } => {
                let scope = this.visit.as_ref().and_then(Visit::enter);
                let polled = match this.visit.as_ref().and_then(Visit::profiled) {
                    // Level 3: the future sees the await probe, which notes where it parks.
                    Some(watch) => {
                        let waker = probe::waker(cx.waker(), watch);
                        let mut cx = Context::from_waker(&waker);
                        catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx)))
                    }
                    None => catch_unwind(AssertUnwindSafe(|| future.poll(cx))),
                };
                let caught = polled.as_ref().err().map(|payload| exceptions::caught_panic(payload.as_ref()));
                if let (Some(scope), Some(visit)) = (scope, this.visit.as_mut()) {
                    visit.exit(scope, matches!(polled, Ok(Poll::Pending)));
                }
                match polled {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(output)) => (output, false, None),
                    Err(_payload) => (Ok(internal_error()), true, caught),
                }
            }
            // The exception was recorded when `call` panicked.
            StateProj::CallPanicked => (Ok(internal_error()), true, None),
            // Polled again after completion: never resolves twice.
            StateProj::Done => return Poll::Pending,
        };
        // Drops the inner future (possibly left inconsistent by a panic) in place.
        this.state.set(State::Done);
        if let Some(mut visit) = this.visit.take() {
            if let Some(exception) = exception {
                visit.add_exception(exception);
            }
            let status = if panicked { None } else { output.as_ref().ok().map(|response| response.status().as_u16()) };
            visit.finish(status);
        }
        Poll::Ready(output)
    }
}
