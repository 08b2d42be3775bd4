//! The user's closures (group-by and endpoint naming), called on the request path behind `catch_unwind`.
//!
//! A panicking closure must not take the request down with it: the panic is caught, logged once per closure,
//! and the request is recorded with the fallback (`"None"` for group-by, the matched route for naming).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use http::request::Parts;

/// The group-by text FMD stores when no group-by is configured or it yields nothing.
pub const GROUP_BY_NONE: &str = "None";

type PartsFn = dyn Fn(&Parts) -> Option<String> + Send + Sync;

/// A user closure over the request head, with its panic fallback.
pub(crate) struct UserClosure {
    f: Box<PartsFn>,
    what: &'static str,
    fallback: &'static str,
    panicked: AtomicBool,
}

impl std::fmt::Debug for UserClosure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserClosure").field("what", &self.what).finish_non_exhaustive()
    }
}

impl UserClosure {
    /// The group-by closure: `None` (or a panic) is stored as `"None"`.
    pub(crate) fn group_by<F, S>(f: F) -> UserClosure
    where
        F: Fn(&Parts) -> Option<S> + Send + Sync + 'static,
        S: Into<String>,
    {
        UserClosure {
            f: Box::new(move |parts| f(parts).map(Into::into)),
            what: "group_by",
            fallback: "the group-by value \"None\"",
            panicked: AtomicBool::new(false),
        }
    }

    /// The endpoint naming closure: `None` (or a panic) falls back to the matched route.
    pub(crate) fn endpoint_name<F>(f: F) -> UserClosure
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        UserClosure {
            f: Box::new(f),
            what: "endpoint_name",
            fallback: "the matched route as endpoint name",
            panicked: AtomicBool::new(false),
        }
    }

    /// Calls the closure; a panic yields `None` and is logged the first time.
    #[inline]
    pub(crate) fn call(&self, parts: &Parts) -> Option<String> {
        match catch_unwind(AssertUnwindSafe(|| (self.f)(parts))) {
            Ok(value) => value,
            Err(payload) => {
                self.note_panic(payload.as_ref());
                None
            }
        }
    }

    #[cold]
    fn note_panic(&self, payload: &(dyn Any + Send)) {
        if !self.panicked.swap(true, Ordering::Relaxed) {
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("non-string panic payload");
            tracing::warn!(
                "fmd recorder: the {} closure panicked ({message}); such requests are recorded with {} \
                 (logged once)",
                self.what,
                self.fallback
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> Parts {
        http::Request::builder().header("x-user", "ann").body(()).expect("request").into_parts().0
    }

    #[test]
    fn returns_the_closure_value() {
        let by_user =
            UserClosure::group_by(|p: &Parts| p.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned));
        assert_eq!(by_user.call(&parts()).as_deref(), Some("ann"));
    }

    #[test]
    fn a_panic_yields_none_every_time() {
        let panicky = UserClosure::group_by(|_: &Parts| -> Option<String> { panic!("boom") });
        assert_eq!(panicky.call(&parts()), None);
        assert_eq!(panicky.call(&parts()), None);
        assert!(panicky.panicked.load(Ordering::Relaxed));
    }
}
