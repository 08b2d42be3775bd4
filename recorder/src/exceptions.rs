//! Exceptions: panics caught by the layer and errors recorded with [`capture`], kept per request through a
//! thread-local context and turned into FMD's exception rows by the writer.
//!
//! # The request context
//! While the layer polls the response future of a request monitored at levels 1-3 (and while it calls the
//! inner service), the polling thread is marked as being inside that request ([`enter`] / [`exit`]). Errors
//! passed to [`capture`] on that thread are queued in a thread-local list and moved into the request when
//! the poll returns; a panic hook (installed once, chained with the previous hook) captures an unresolved
//! backtrace for panics raised there. Captures made elsewhere (outside a monitored request, in spawned tasks
//! or on other threads, or at level 0) are ignored, as FMD ignores captures outside its endpoints.
//!
//! Backtraces are captured unresolved (addresses only) and symbolized by the writer thread.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::Once;

use fmd_core::store::{NewException, NewFrame};

use crate::symbolize::{self, Frame};

/// Type stored for panics (`ExceptionType.type`).
pub const PANIC_TYPE: &str = "panic";

/// Most exceptions kept per request (further captures are ignored).
const MAX_PER_REQUEST: usize = 32;
/// Most `caused by:` lines in a message.
const MAX_SOURCES: usize = 16;

/// One exception of a request, as the request path hands it to the writer.
#[derive(Debug)]
pub(crate) struct RawException {
    /// `panic`, or the captured error's type name.
    pub(crate) type_name: String,
    /// The message (with its `caused by:` lines).
    pub(crate) message: String,
    /// True for [`capture`], false for panics.
    pub(crate) user_captured: bool,
    /// Where it was raised (panic location or `capture` call site).
    pub(crate) location: Option<(String, u32)>,
    /// The stack, unresolved.
    pub(crate) backtrace: Option<backtrace::Backtrace>,
}

/// A panic seen by the hook on a thread inside a monitored request.
#[derive(Debug)]
struct PanicNote {
    location: Option<(String, u32)>,
    backtrace: backtrace::Backtrace,
}

thread_local! {
    /// Number of monitored requests (levels 1-3) this thread is polling right now (nested layers).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Mirror of `CAPTURED.len()`, so the poll exit checks a plain cell.
    static CAPTURED_LEN: Cell<usize> = const { Cell::new(0) };
    /// Exceptions captured on this thread and not yet moved into their request.
    static CAPTURED: RefCell<Vec<RawException>> = const { RefCell::new(Vec::new()) };
    /// True while `PANIC` holds a note.
    static PANIC_NOTED: Cell<bool> = const { Cell::new(false) };
    /// The latest panic of a monitored request on this thread.
    static PANIC: RefCell<Option<PanicNote>> = const { RefCell::new(None) };
}

/// Marks this thread as inside a monitored request; returns the mark to pass to [`exit`].
#[inline]
pub(crate) fn enter() -> usize {
    DEPTH.with(|d| d.set(d.get() + 1));
    CAPTURED_LEN.with(Cell::get)
}

/// Leaves the request entered with `mark`, moving the exceptions captured since into `into`.
#[inline]
pub(crate) fn exit(mark: usize, into: &mut Vec<RawException>) {
    let depth = DEPTH.with(|d| {
        let depth = d.get().saturating_sub(1);
        d.set(depth);
        depth
    });
    if CAPTURED_LEN.with(Cell::get) > mark {
        take_captured(mark, into);
    }
    if depth == 0 && PANIC_NOTED.with(Cell::get) {
        // A panic caught inside the handler itself: nothing will claim its note.
        let _ = take_panic();
    }
}

#[cold]
fn take_captured(mark: usize, into: &mut Vec<RawException>) {
    let _ = CAPTURED.try_with(|captured| {
        if let Ok(mut captured) = captured.try_borrow_mut() {
            let from = mark.min(captured.len());
            into.extend(captured.drain(from..));
            CAPTURED_LEN.with(|len| len.set(captured.len()));
        }
    });
}

/// True while this thread polls a request monitored at levels 1-3.
fn in_monitored_request() -> bool {
    DEPTH.try_with(Cell::get).unwrap_or(0) > 0
}

/// Records `error` as a user-captured exception of the request being handled on this thread, like FMD's
/// `dashboard.capture(e)`. Returns whether it was recorded: only inside a request monitored at levels 1-3
/// (in the handler's own task; not in spawned tasks or other threads), at most 32 per request.
///
/// The stored type is `std::any::type_name::<E>()` (so pass the concrete error, not `&dyn Error`, to get a
/// useful name); the message is the error's `Display` followed by one `caused by: …` line per
/// [`source`](std::error::Error::source) in the chain. The stack is captured here (a few microseconds) and
/// symbolized later by the recorder's writer thread.
///
/// ```
/// async fn handler() -> Result<String, axum::http::StatusCode> {
///     let config = std::fs::read_to_string("/no/such/file").map_err(|e| {
///         fmd_recorder::capture(&e);
///         axum::http::StatusCode::INTERNAL_SERVER_ERROR
///     })?;
///     Ok(config)
/// }
/// # drop(handler());
/// ```
#[track_caller]
pub fn capture<E>(error: &E) -> bool
where
    E: std::error::Error + ?Sized,
{
    if !in_monitored_request() || CAPTURED_LEN.try_with(Cell::get).unwrap_or(MAX_PER_REQUEST) >= MAX_PER_REQUEST {
        return false;
    }
    let caller = Location::caller();
    let mut message = error.to_string();
    let mut source = error.source();
    let mut sources = 0;
    while let Some(cause) = source {
        if sources == MAX_SOURCES {
            message.push_str("\ncaused by: …");
            break;
        }
        message.push_str("\ncaused by: ");
        message.push_str(&cause.to_string());
        source = cause.source();
        sources += 1;
    }
    let raw = RawException {
        type_name: std::any::type_name::<E>().to_string(),
        message,
        user_captured: true,
        location: Some((caller.file().to_string(), caller.line())),
        backtrace: Some(backtrace::Backtrace::new_unresolved()),
    };
    CAPTURED
        .try_with(|captured| match captured.try_borrow_mut() {
            Ok(mut captured) => {
                captured.push(raw);
                CAPTURED_LEN.with(|len| len.set(captured.len()));
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false)
}

/// Installs the panic hook (once per process), chained with the hook in place: for a panic on a thread
/// inside a monitored request it captures an unresolved backtrace, then always calls the previous hook.
pub(crate) fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if in_monitored_request() {
                let note = PanicNote {
                    location: info.location().map(|l| (l.file().to_string(), l.line())),
                    backtrace: backtrace::Backtrace::new_unresolved(),
                };
                let _ = PANIC.try_with(|slot| {
                    if let Ok(mut slot) = slot.try_borrow_mut() {
                        *slot = Some(note);
                        let _ = PANIC_NOTED.try_with(|noted| noted.set(true));
                    }
                });
            }
            previous(info);
        }));
    });
}

fn take_panic() -> Option<PanicNote> {
    let _ = PANIC_NOTED.try_with(|noted| noted.set(false));
    PANIC.try_with(|slot| slot.try_borrow_mut().ok().and_then(|mut slot| slot.take())).ok().flatten()
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// The exception of a panic just caught on this thread (with the hook's backtrace when it saw it).
pub(crate) fn caught_panic(payload: &(dyn Any + Send)) -> RawException {
    let note = take_panic();
    let (location, backtrace) = match note {
        Some(note) => (note.location, Some(note.backtrace)),
        None => (None, None),
    };
    RawException {
        type_name: PANIC_TYPE.to_string(),
        message: panic_message(payload),
        user_captured: false,
        location,
        backtrace,
    }
}

/// Resolves a raw exception into the rows the store writes (writer thread): frames outermost first, only
/// the request's own, or the raise location when nothing else is known.
pub(crate) fn to_new_exception(raw: &RawException, request: usize) -> NewException {
    let mut frames: Vec<Frame> = match &raw.backtrace {
        Some(backtrace) => {
            let ips: Vec<usize> = backtrace.frames().iter().map(|f| f.ip() as usize).collect();
            symbolize::request_frames(symbolize::resolve(&ips, false)).0
        }
        None => Vec::new(),
    };
    if frames.is_empty() {
        if let Some((file, line)) = &raw.location {
            frames.push(Frame {
                function: "<unknown function>".to_string(),
                file: Some(file.clone()),
                line: *line,
                code: String::new(),
                known: false,
            });
        }
    }
    frames.reverse();
    NewException {
        request,
        type_name: raw.type_name.clone(),
        message: raw.message.clone(),
        frames: frames
            .into_iter()
            .map(|f| NewFrame { file: f.file.unwrap_or_default(), function: f.function, line: f.line, code: f.code })
            .collect(),
        user_captured: raw.user_captured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("loading the report failed")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn capture_outside_a_request_is_ignored() {
        let error = std::io::Error::other("nope");
        assert!(!capture(&error));
    }

    #[test]
    fn capture_inside_keeps_the_source_chain() {
        let mark = enter();
        assert!(capture(&Outer(std::io::Error::other("disk on fire"))));
        let mut taken = Vec::new();
        exit(mark, &mut taken);
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].message, "loading the report failed\ncaused by: disk on fire");
        assert!(taken[0].type_name.ends_with("Outer"), "{}", taken[0].type_name);
        assert!(taken[0].user_captured);
        assert!(!capture(&Outer(std::io::Error::other("after"))), "outside again");
    }

    #[test]
    fn nested_requests_keep_their_own_captures() {
        let outer = enter();
        assert!(capture(&std::io::Error::other("outer")));
        let inner = enter();
        assert!(capture(&std::io::Error::other("inner")));
        let mut inner_taken = Vec::new();
        exit(inner, &mut inner_taken);
        let mut outer_taken = Vec::new();
        exit(outer, &mut outer_taken);
        assert_eq!(inner_taken.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), ["inner"]);
        assert_eq!(outer_taken.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), ["outer"]);
    }

    #[test]
    fn panic_messages_of_both_payload_kinds() {
        assert_eq!(panic_message(&"static"), "static");
        assert_eq!(panic_message(&String::from("owned")), "owned");
        assert_eq!(panic_message(&42_u8), "panic with a non-string payload");
    }
}
