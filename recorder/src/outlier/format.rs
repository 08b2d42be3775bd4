//! The texts of an Outlier row, in the formats FMD writes and its web UI shows (anchor §1, Outlier):
//!
//! * `request_header`: `"Name: value\r\n"` per header, then `"\r\n"` (Werkzeug's `str(headers)`), names in
//!   `Title-Case`, sensitive values replaced by `[redacted]`;
//! * `request_environment`: a Python-dict-like text of WSGI-style keys (`{'REQUEST_METHOD': 'GET', ...}`),
//!   without headers (they are in `request_header`);
//! * `request_url`: `scheme://host/path?query` when the host is known, else `/path?query`;
//! * `cpu_percent`: a Python list of one-decimal floats, `"[12.5, 3.0]"` (FMD's graph parses it with
//!   `ast.literal_eval`);
//! * `memory`: `svmem(total=…, available=…, percent=…, used=…, free=…, process_rss=…)`, bytes and percent
//!   like psutil's `virtual_memory()`, plus this process's resident set size;
//! * `stacktrace`: notes, then frames `File: "{file}", line {line}, in "{function}": "{code}"`, innermost
//!   last, joined by `<br />`.

use http::{HeaderMap, HeaderValue, Version};

use super::system::SystemSnapshot;
use super::RequestHead;
use crate::symbolize::Frame;

/// Stored instead of a sensitive header's value.
pub(crate) const REDACTED: &str = "[redacted]";

/// Headers always redacted (lowercase).
pub(crate) const DEFAULT_REDACTED: &[&str] =
    &["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"];

/// Separator of stack lines.
pub(crate) const LINE_BREAK: &str = "<br />";

/// The set of header names whose values are never stored.
#[derive(Debug, Clone)]
pub(crate) struct Redaction {
    /// Lowercase, without duplicates; a handful, so a scan (which compares lengths first) is cheaper than
    /// hashing each header name of each copied request.
    names: Vec<Box<str>>,
}

impl Redaction {
    /// The default names plus `extra` (case-insensitive).
    pub(crate) fn new<I: IntoIterator<Item = String>>(extra: I) -> Redaction {
        let mut names: Vec<Box<str>> = DEFAULT_REDACTED.iter().map(|n| Box::from(*n)).collect();
        for name in extra.into_iter().map(|n| n.trim().to_ascii_lowercase()).filter(|n| !n.is_empty()) {
            if !names.iter().any(|known| **known == *name) {
                names.push(name.into_boxed_str());
            }
        }
        Redaction { names }
    }

    /// True when the values of header `name` (lowercase, as `HeaderName`s are) are never stored.
    #[inline]
    fn hides(&self, name: &str) -> bool {
        // Length and first byte first: most names differ there, without a call to `memcmp`.
        let first = name.as_bytes().first();
        self.names
            .iter()
            .any(|hidden| hidden.len() == name.len() && hidden.as_bytes().first() == first && **hidden == *name)
    }
}

/// Room [`write_headers`] is given up front per header: most headers are shorter (a longer one makes the
/// string grow), and sizing it exactly would take a second pass over the headers.
pub(crate) const HEADER_ROOM: usize = 64;

/// Writes the lines of `request_header` with the names as they come (lowercase): `name: value\r\n` per
/// header, then `\r\n`, as bytes (a value may be invalid UTF-8: the caller checks the whole text once). The
/// values of the headers `redaction` hides are never copied. The names are title-cased only when an outlier
/// row is written ([`headers`]): almost no copy becomes one. Returns the (first) `Host` header's value.
pub(crate) fn write_headers<'a>(
    text: &mut Vec<u8>,
    headers: &'a HeaderMap,
    redaction: &Redaction,
) -> Option<&'a HeaderValue> {
    let mut host = None;
    for (name, value) in headers {
        if host.is_none() && name == http::header::HOST {
            host = Some(value);
        }
        let name = name.as_str();
        text.extend_from_slice(name.as_bytes());
        text.extend_from_slice(b": ");
        let value = if redaction.hides(name) { REDACTED.as_bytes() } else { value.as_bytes() };
        text.extend_from_slice(value);
        text.extend_from_slice(b"\r\n");
    }
    text.extend_from_slice(b"\r\n");
    host
}

/// `request_header` from the lines [`write_headers`] wrote: each name in `Title-Case` (the first letter and
/// every letter after a `-`: `content-type` -> `Content-Type`), values as they are. A name never contains
/// `:` and a value never contains a line break, so each line's name is what precedes its first `:`.
pub(crate) fn headers(lines: &str) -> String {
    let mut out = String::with_capacity(lines.len());
    let mut in_name = true;
    let mut upper = true;
    for c in lines.chars() {
        if c == '\n' {
            in_name = true;
            upper = true;
            out.push(c);
        } else if in_name {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = c == '-';
            in_name = c != ':';
        } else {
            out.push(c);
        }
    }
    out
}

/// A Python string literal (single quotes, backslash escapes).
fn py_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn version_text(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/?",
    }
}

/// `request_url`.
pub(crate) fn url(head: &RequestHead) -> String {
    let path = head.path_and_query();
    match head.host() {
        Some(host) => format!("{}://{host}{path}", head.scheme()),
        None => path.to_string(),
    }
}

/// `request_environment`.
pub(crate) fn environment(head: &RequestHead) -> String {
    let host = head.host();
    let (server_name, server_port) = match &host {
        // `name:port`, `[v6]:port`; a bare `[v6]` has no port.
        Some(host) => match host.rsplit_once(':') {
            Some((name, port))
                if !host.ends_with(']') && !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) =>
            {
                (name.to_string(), port.to_string())
            }
            _ => (host.to_string(), String::new()),
        },
        None => (String::new(), String::new()),
    };
    let mut pairs: Vec<(&str, String)> = vec![
        ("REQUEST_METHOD", head.method.as_str().to_string()),
        ("SCRIPT_NAME", String::new()),
        ("PATH_INFO", head.path().to_string()),
        ("QUERY_STRING", head.query().to_string()),
        ("SERVER_PROTOCOL", version_text(head.version).to_string()),
        ("SERVER_NAME", server_name),
        ("SERVER_PORT", server_port),
        ("HTTP_HOST", host.unwrap_or_default().to_string()),
    ];
    match head.peer {
        Some(peer) => {
            pairs.push(("REMOTE_ADDR", peer.ip().to_canonical().to_string()));
            pairs.push(("REMOTE_PORT", peer.port().to_string()));
        }
        None => pairs.push(("REMOTE_ADDR", String::new())),
    }
    pairs.push(("wsgi.url_scheme", head.scheme().to_string()));
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}: {}", py_str(k), py_str(v))).collect();
    format!("{{{}}}", body.join(", "))
}

/// `cpu_percent`.
pub(crate) fn cpu(per_core: &[f32]) -> String {
    let values: Vec<String> = per_core.iter().map(|v| format!("{:.1}", v.clamp(0.0, 100.0))).collect();
    format!("[{}]", values.join(", "))
}

/// `memory`.
pub(crate) fn memory(snapshot: &SystemSnapshot) -> String {
    let m = &snapshot.memory;
    let percent =
        if m.total == 0 { 0.0 } else { (m.total.saturating_sub(m.available)) as f64 * 100.0 / m.total as f64 };
    format!(
        "svmem(total={}, available={}, percent={percent:.1}, used={}, free={}, process_rss={})",
        m.total,
        m.available,
        m.used,
        m.free,
        snapshot.process_rss.unwrap_or(0)
    )
}

/// One frame as FMD prints it.
fn frame_line(frame: &Frame) -> String {
    format!(
        "File: \"{}\", line {}, in \"{}\": \"{}\"",
        frame.file.as_deref().unwrap_or("<unknown>"),
        frame.line,
        frame.function,
        frame.code
    )
}

/// `stacktrace`: notes first, then `frames` (given innermost first) printed innermost last.
pub(crate) fn stack(notes: &[String], frames: &[Frame]) -> String {
    let mut lines: Vec<String> = notes.to_vec();
    lines.extend(frames.iter().rev().map(frame_line));
    lines.join(LINE_BREAK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Head;
    use crate::outlier::system::Memory;

    fn copy(
        method: &http::Method,
        uri: &http::Uri,
        version: Version,
        headers: &HeaderMap,
        extensions: &http::Extensions,
        redaction: &Redaction,
    ) -> RequestHead {
        RequestHead::copy(Vec::new(), &Head { method, uri, version, headers, extensions }, redaction)
    }

    fn head_redacting(extra: &[&str]) -> RequestHead {
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.test:8080".parse().expect("value"));
        headers.insert("authorization", "Bearer secret".parse().expect("value"));
        headers.insert("x-trace", "it's \\ here".parse().expect("value"));
        let mut extensions = http::Extensions::new();
        let peer: std::net::SocketAddr = "127.0.0.1:5555".parse().expect("peer");
        extensions.insert(axum::extract::ConnectInfo(peer));
        let uri: http::Uri = "/r/1?x=1&y=2".parse().expect("uri");
        let redaction = Redaction::new(extra.iter().map(|name| name.to_string()));
        copy(&http::Method::POST, &uri, Version::HTTP_11, &headers, &extensions, &redaction)
    }

    fn head() -> RequestHead {
        head_redacting(&[])
    }

    #[test]
    fn headers_are_lines_with_redaction() {
        let head = head_redacting(&["X-Trace"]);
        let text = headers(head.header_lines());
        assert_eq!(text, "Host: example.test:8080\r\nAuthorization: [redacted]\r\nX-Trace: [redacted]\r\n\r\n");
        assert!(!format!("{head:?}").contains("secret"), "a redacted value is never copied: {head:?}");
        assert_eq!(headers(head_redacting(&[]).header_lines()).lines().nth(2), Some("X-Trace: it's \\ here"));
        let mut many = HeaderMap::new();
        many.append("x-a-b", "c-d: e-f".parse().expect("value"));
        many.append("x-a-b", "x-y".parse().expect("value"));
        many.insert("accept", "*/*".parse().expect("value"));
        let mut lines = Vec::new();
        assert_eq!(write_headers(&mut lines, &many, &Redaction::new([])), None);
        let lines = String::from_utf8(lines).expect("ASCII");
        assert_eq!(lines, "x-a-b: c-d: e-f\r\nx-a-b: x-y\r\naccept: */*\r\n\r\n");
        assert_eq!(headers(&lines), "X-A-B: c-d: e-f\r\nX-A-B: x-y\r\nAccept: */*\r\n\r\n");
    }

    #[test]
    fn invalid_utf8_values_are_replaced_and_the_url_kept() {
        let mut headers = HeaderMap::new();
        headers.insert("x-raw", http::HeaderValue::from_bytes(b"a\xffb").expect("value"));
        headers.insert("x-last", "z".parse().expect("value"));
        let uri: http::Uri = "https://api.test/p?q=1".parse().expect("uri");
        let head =
            copy(&http::Method::GET, &uri, Version::HTTP_2, &headers, &http::Extensions::new(), &Redaction::new([]));
        assert_eq!(super::headers(head.header_lines()), "X-Raw: a\u{fffd}b\r\nX-Last: z\r\n\r\n");
        assert_eq!(url(&head), "https://api.test/p?q=1");
        let env = environment(&head);
        assert!(env.contains("'PATH_INFO': '/p', 'QUERY_STRING': 'q=1'"), "{env}");
        assert!(env.contains("'SERVER_NAME': 'api.test', 'SERVER_PORT': ''"), "{env}");
        assert!(env.contains("'REMOTE_ADDR': ''"), "{env}");
        assert!(env.ends_with("'wsgi.url_scheme': 'https'}"), "{env}");
    }

    #[test]
    fn without_a_host_the_url_is_the_path() {
        let uri: http::Uri = "/only".parse().expect("uri");
        let head = copy(
            &http::Method::GET,
            &uri,
            Version::HTTP_11,
            &HeaderMap::new(),
            &http::Extensions::new(),
            &Redaction::new([]),
        );
        assert_eq!(url(&head), "/only");
        assert_eq!(headers(head.header_lines()), "\r\n");
        assert!(environment(&head).contains("'HTTP_HOST': ''"));
    }

    #[test]
    fn url_and_environment() {
        let h = head();
        assert_eq!(url(&h), "http://example.test:8080/r/1?x=1&y=2");
        let env = environment(&h);
        assert!(env.starts_with("{'REQUEST_METHOD': 'POST', 'SCRIPT_NAME': '', 'PATH_INFO': '/r/1'"), "{env}");
        assert!(env.contains("'QUERY_STRING': 'x=1&y=2'"), "{env}");
        assert!(env.contains("'SERVER_NAME': 'example.test', 'SERVER_PORT': '8080'"), "{env}");
        assert!(env.contains("'REMOTE_ADDR': '127.0.0.1', 'REMOTE_PORT': '5555'"), "{env}");
        assert!(env.ends_with("'wsgi.url_scheme': 'http'}"), "{env}");
        assert_eq!(py_str("it's \\"), "'it\\'s \\\\'");
    }

    #[test]
    fn cpu_memory_and_stack() {
        assert_eq!(cpu(&[12.5, 3.0, 100.4]), "[12.5, 3.0, 100.0]");
        assert_eq!(cpu(&[]), "[]");
        let snapshot = SystemSnapshot {
            cpu: vec![1.0],
            memory: Memory { total: 1000, available: 250, used: 700, free: 100 },
            process_rss: Some(42),
        };
        assert_eq!(
            memory(&snapshot),
            "svmem(total=1000, available=250, percent=75.0, used=700, free=100, process_rss=42)"
        );
        let frame = |f: &str, l| Frame {
            function: f.into(),
            file: Some("src/a.rs".into()),
            line: l,
            code: "x()".into(),
            known: true,
        };
        assert_eq!(
            stack(&["note".into()], &[frame("inner", 2), frame("outer", 1)]),
            "note<br />File: \"src/a.rs\", line 1, in \"outer\": \"x()\"<br />File: \"src/a.rs\", line 2, in \"inner\": \"x()\""
        );
    }
}
