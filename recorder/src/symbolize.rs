//! Turning code addresses into frames (function, file, line, source text), off the request path, and keeping
//! only the request's own frames.
//!
//! Addresses are resolved with the `backtrace` crate (DWARF line tables of the binary; inlined calls become
//! frames of their own) behind a bounded cache; source lines are read from the files the line tables name,
//! when they exist on this machine, through a bounded cache of files. Services built without debug line
//! tables get function names only (set `debug = "limited"` in the release profile for files and
//! lines).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most resolved addresses cached.
const MAX_CACHED_ADDRESSES: usize = 16_384;
/// Most source files cached.
const MAX_CACHED_FILES: usize = 256;
/// Larger files are not read for their lines.
const MAX_SOURCE_BYTES: u64 = 4 * 1024 * 1024;
/// Most frames kept for one stack.
pub(crate) const MAX_KEPT_FRAMES: usize = 100;

/// One resolved frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Demangled function name without hash, or the address when unknown.
    pub(crate) function: String,
    /// Source file, when the line tables say.
    pub(crate) file: Option<String>,
    /// Line number (0 when unknown).
    pub(crate) line: u32,
    /// The source line, trimmed (empty when the file is not readable).
    pub(crate) code: String,
    /// False when not even a symbol name was found.
    pub(crate) known: bool,
}

type Lines = Option<Arc<Vec<String>>>;

static ADDRESSES: Mutex<Option<HashMap<usize, Arc<[Frame]>>>> = Mutex::new(None);
static FILES: Mutex<Option<HashMap<String, Lines>>> = Mutex::new(None);

/// Resolves code addresses (innermost first) into frames, innermost first. The first address is the exact
/// interrupted instruction when `first_is_exact`; all others are return addresses.
pub(crate) fn resolve(ips: &[usize], first_is_exact: bool) -> Vec<Frame> {
    let mut frames = Vec::with_capacity(ips.len());
    for (i, &ip) in ips.iter().enumerate() {
        if ip == 0 {
            continue;
        }
        // `backtrace::resolve` looks up `address - 1` (right for return addresses, which point after the
        // call); the exact instruction gets + 1 to compensate.
        let lookup = if i == 0 && first_is_exact { ip.wrapping_add(1) } else { ip };
        frames.extend(resolve_one(lookup).iter().cloned());
    }
    frames
}

fn resolve_one(address: usize) -> Arc<[Frame]> {
    if let Some(found) = ADDRESSES.lock().unwrap_or_else(|p| p.into_inner()).as_ref().and_then(|c| c.get(&address)) {
        return Arc::clone(found);
    }
    let mut frames = Vec::new();
    backtrace::resolve(address as *mut std::ffi::c_void, |symbol| {
        let file = symbol.filename().map(|path| path.display().to_string());
        let line = symbol.lineno().unwrap_or(0);
        let function = symbol.name().map(|name| {
            let name = format!("{name:#}");
            // Builds with `debug = "line-tables-only"` name closures and async bodies `{closure#0}`,
            // `{async_fn#0}`: say which function they belong to when the source tells.
            match file.as_deref().filter(|_| name.starts_with('{')).and_then(|f| enclosing_function(f, line)) {
                Some(outer) => format!("{outer}::{name}"),
                None => name,
            }
        });
        let known = function.is_some();
        frames.push(Frame {
            function: function.unwrap_or_else(|| format!("{address:#x}")),
            code: file.as_deref().map(|f| source_line(f, line)).unwrap_or_default(),
            file,
            line,
            known,
        });
    });
    if frames.is_empty() {
        frames.push(Frame {
            function: format!("{address:#x}"),
            file: None,
            line: 0,
            code: String::new(),
            known: false,
        });
    }
    let frames: Arc<[Frame]> = frames.into();
    let mut cache = ADDRESSES.lock().unwrap_or_else(|p| p.into_inner());
    let cache = cache.get_or_insert_with(HashMap::new);
    if cache.len() >= MAX_CACHED_ADDRESSES {
        cache.clear();
    }
    cache.insert(address, Arc::clone(&frames));
    frames
}

/// Line `line` (1-based) of `file`, trimmed; empty when unreadable.
fn source_line(file: &str, line: u32) -> String {
    if line == 0 {
        return String::new();
    }
    source_lines(file)
        .and_then(|lines| lines.get(line as usize - 1).map(|text| text.trim().to_string()))
        .unwrap_or_default()
}

/// The name of the `fn` whose body holds line `line` of `file`: the nearest line at or above it that
/// declares a function (`fn name`, `async fn name`, `pub(crate) fn name<T>` …) with less indentation than
/// the line itself.
fn enclosing_function(file: &str, line: u32) -> Option<String> {
    let lines = source_lines(file)?;
    let at = (line as usize).checked_sub(1)?;
    let indent = |text: &str| text.len() - text.trim_start().len();
    let own = indent(lines.get(at)?);
    lines[..=at].iter().rev().find_map(|text| {
        if indent(text) >= own && !std::ptr::eq(text, &lines[at]) {
            return None;
        }
        let rest = text.trim_start().split("fn ").nth(1)?;
        let before = text.trim_start().split("fn ").next().unwrap_or("");
        let declares = before.split_whitespace().all(|word| {
            matches!(word, "pub" | "async" | "const" | "unsafe" | "extern" | "default") || word.starts_with("pub(")
        });
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        (declares && !name.is_empty()).then_some(name)
    })
}

/// The lines of `file` (cached), `None` when unreadable.
fn source_lines(file: &str) -> Lines {
    let lines = {
        let mut cache = FILES.lock().unwrap_or_else(|p| p.into_inner());
        let cache = cache.get_or_insert_with(HashMap::new);
        if let Some(lines) = cache.get(file) {
            lines.clone()
        } else {
            let lines = read_lines(file);
            if cache.len() >= MAX_CACHED_FILES {
                cache.clear();
            }
            cache.insert(file.to_string(), lines.clone());
            lines
        }
    };
    lines
}

fn read_lines(file: &str) -> Lines {
    let size = std::fs::metadata(file).ok()?.len();
    if size > MAX_SOURCE_BYTES {
        return None;
    }
    let text = std::fs::read(file).ok()?;
    Some(Arc::new(String::from_utf8_lossy(&text).lines().map(str::to_string).collect()))
}

/// Loads the binary's debug information ahead of the first real symbolization (called by the watcher when
/// the first request is registered, so the first capture and later panic backtraces are not slowed).
pub(crate) fn warm_up() {
    let _ = resolve_one(warm_up as *const () as usize + 1);
}

/// Crates and symbols whose frames are machinery around the request, not the request's own code.
const MACHINERY: &[&str] = &[
    "std::",
    "core::",
    "alloc::",
    "backtrace::",
    "fmd_recorder::",
    "tokio::",
    "tower::",
    "tower_service::",
    "tower_layer::",
    "tower_http::",
    "axum::",
    "axum_core::",
    "hyper::",
    "hyper_util::",
    "futures::",
    "futures_util::",
    "futures_core::",
    "futures_executor::",
    "tracing::",
    "tracing_futures::",
    "tonic::",
    "__rust",
    "rust_begin_unwind",
    "rust_panic",
    "_Unwind",
    "__libc",
    "__GI_",
    "_start",
    "start_thread",
    "clone",
    "__clone",
];

/// The subject of a function name: `a::b::f` itself, the type of `<T as Trait>::f` (or the trait when `T`
/// is a generic parameter), the type of `<T>::f`.
fn subject(name: &str) -> &str {
    let Some(inner) = name.strip_prefix('<') else {
        return name;
    };
    // The text up to the matching '>'.
    let mut depth = 0usize;
    let mut end = inner.len();
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth == 0 => {
                end = i;
                break;
            }
            '>' => depth -= 1,
            _ => {}
        }
    }
    let inner = &inner[..end];
    let (ty, tr) = match find_top_level_as(inner) {
        Some(at) => (&inner[..at], Some(&inner[at + 4..])),
        None => (inner, None),
    };
    let ty = ty.trim_start_matches('&').trim_start_matches("mut ").trim_start_matches("dyn ").trim();
    // A type without a path is a generic parameter or a primitive: the trait says whose code it is.
    match tr {
        Some(tr) if !ty.contains("::") => tr,
        _ => ty,
    }
}

/// Position of the top-level `" as "` in `text` (not inside `<...>`).
fn find_top_level_as(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'<' => depth += 1,
            b'>' => depth = depth.saturating_sub(1),
            b' ' if depth == 0 && text[i..].starts_with(" as ") => return Some(i),
            _ => {}
        }
    }
    None
}

/// The crates whose source files are machinery (see [`MACHINERY`]), as the first part of a registry
/// directory name (`tokio-1.54.1`).
const MACHINERY_CRATES: &[&str] = &[
    "tokio",
    "tower",
    "tower-service",
    "tower-layer",
    "tower-http",
    "axum",
    "axum-core",
    "hyper",
    "hyper-util",
    "futures",
    "futures-util",
    "futures-core",
    "futures-executor",
    "tracing",
    "tracing-futures",
    "tonic",
    "backtrace",
    "fmd-recorder",
];

/// This crate's source directory, to recognise the recorder's own frames by file.
const RECORDER_SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");

/// True when `file` belongs to the standard library, a machinery crate or the recorder itself. Builds with
/// `debug = "line-tables-only"` name functions without their path (`poll<..>`, `{async_block#0}`), so the
/// file is the reliable way to tell whose code a frame is.
fn is_machinery_file(file: &str) -> bool {
    if file.starts_with("/rustc/") || file.starts_with(RECORDER_SRC) || file.contains("/library/std/src/") {
        return true;
    }
    // `…/registry/src/<index>/<crate>-<version>/…` or a git checkout `…/git/checkouts/<crate>-<hash>/…`.
    let package = if let Some(at) = file.find("/registry/src/") {
        file[at..].split('/').nth(4)
    } else if let Some(at) = file.find("/git/checkouts/") {
        file[at..].split('/').nth(3)
    } else {
        None
    };
    let Some(package) = package else {
        return false;
    };
    // The name ends before the first `-` followed by a digit (`tokio-1.54.1`, `axum-core-0.5.6`).
    let bytes = package.as_bytes();
    let end =
        (1..bytes.len()).find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit()).map_or(package.len(), |i| i - 1);
    MACHINERY_CRATES.contains(&&package[..end])
}

/// True for frames of the runtime, the web framework, the standard library or the recorder itself.
pub(crate) fn is_machinery(frame: &Frame) -> bool {
    if let Some(file) = &frame.file {
        return is_machinery_file(file);
    }
    frame.known && {
        let subject = subject(&frame.function);
        // Rust functions always have a path; names without one are C (libc, the vDSO).
        !subject.contains("::") || MACHINERY.iter().any(|prefix| subject.starts_with(prefix))
    }
}

/// True for the recorder's response future, where the request's own frames end (going outwards).
fn is_request_boundary(frame: &Frame) -> bool {
    frame.function.contains("fmd_recorder::layer::")
        || frame.file.as_deref().is_some_and(|file| file.starts_with(RECORDER_SRC) && file.ends_with("/layer.rs"))
}

/// The request's own frames of a stack (innermost first): everything inside the recorder's response future
/// (the first boundary frame going outwards), without machinery frames, at most [`MAX_KEPT_FRAMES`]. Also
/// says whether the boundary was found (else the stack may be truncated).
pub(crate) fn request_frames(frames: Vec<Frame>) -> (Vec<Frame>, bool) {
    let boundary = frames.iter().position(is_request_boundary);
    let inside = match boundary {
        Some(at) => &frames[..at],
        None => &frames[..],
    };
    let kept: Vec<Frame> = inside.iter().filter(|f| !is_machinery(f)).take(MAX_KEPT_FRAMES).cloned().collect();
    (kept, boundary.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(name: &str) -> Frame {
        Frame { function: name.to_string(), file: None, line: 0, code: String::new(), known: true }
    }

    #[test]
    fn machinery_is_recognised_by_crate_and_trait() {
        for name in [
            "tokio::runtime::task::harness::poll_future",
            "<F as axum::handler::Handler<(M, T1), S>>::call::{{closure}}",
            "<&mut F as core::ops::function::FnOnce<A>>::call_once",
            "<core::pin::Pin<P> as core::future::future::Future>::poll",
            "<fmd_recorder::layer::ResponseFuture<F> as core::future::future::Future>::poll",
            "std::panicking::try",
            "syscall",
            "__futex_abstimed_wait_common",
        ] {
            assert!(is_machinery(&frame(name)), "{name}");
        }
        for name in [
            "my_app::handlers::slow::{{closure}}",
            "<my_app::Report as core::fmt::Display>::fmt",
            "end_to_end::fmd_test_busy_function",
        ] {
            assert!(!is_machinery(&frame(name)), "{name}");
        }
    }

    #[test]
    fn machinery_is_recognised_by_file() {
        let at = |file: &str| Frame {
            function: "poll<T>".to_string(),
            file: Some(file.to_string()),
            line: 1,
            code: String::new(),
            known: true,
        };
        for file in [
            "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/future/future.rs",
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tokio-1.54.1/src/runtime/park.rs",
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/axum-core-0.5.6/src/body.rs",
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/layer.rs"),
        ] {
            assert!(is_machinery(&at(file)), "{file}");
        }
        for file in [
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/serde_json-1.0.1/src/de.rs",
            "src/demo/service.rs",
            "./tests/outliers.rs",
        ] {
            assert!(!is_machinery(&at(file)), "{file}");
        }
    }

    #[test]
    fn request_frames_stop_at_the_response_future() {
        let frames = vec![
            frame("core::hint::black_box"),
            frame("app::busy"),
            frame("app::handler::{{closure}}"),
            frame("<F as axum::handler::Handler<(M,), S>>::call::{{closure}}"),
            frame("<fmd_recorder::layer::ResponseFuture<F> as core::future::future::Future>::poll"),
            frame("app::main"),
        ];
        let (kept, found) = request_frames(frames);
        assert!(found);
        let names: Vec<&str> = kept.iter().map(|f| f.function.as_str()).collect();
        assert_eq!(names, ["app::busy", "app::handler::{{closure}}"]);
    }

    #[test]
    fn closures_and_async_bodies_are_named_after_their_function() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/symbolize.rs");
        let text = std::fs::read_to_string(file).expect("source");
        let at = |needle: &str| text.lines().position(|l| l.contains(needle)).map(|i| i as u32 + 1).expect("line");
        assert_eq!(
            enclosing_function(file, at("let own = indent(lines.get(at)?);")).as_deref(),
            Some("enclosing_function")
        );
        assert_eq!(enclosing_function(file, at("fn enclosing_function(")).as_deref(), Some("enclosing_function"));
        assert_eq!(enclosing_function("/no/such/file.rs", 3), None);
    }

    #[inline(never)]
    fn a_named_function() -> usize {
        a_named_function as *const () as usize
    }

    #[test]
    fn resolves_an_address_of_this_binary() {
        let frames = resolve(&[a_named_function() + 1], false);
        assert!(frames.iter().any(|f| f.function.contains("a_named_function")), "{frames:?}");
    }
}
