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

use std::collections::HashSet;

use http::{HeaderMap, Version};

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
    names: HashSet<String>,
}

impl Redaction {
    /// The default names plus `extra` (case-insensitive).
    pub(crate) fn new<I: IntoIterator<Item = String>>(extra: I) -> Redaction {
        let mut names: HashSet<String> = DEFAULT_REDACTED.iter().map(|n| n.to_string()).collect();
        names.extend(extra.into_iter().map(|n| n.trim().to_ascii_lowercase()).filter(|n| !n.is_empty()));
        Redaction { names }
    }

    fn hides(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

/// `content-type` -> `Content-Type`.
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

/// `request_header`.
pub(crate) fn headers(headers: &HeaderMap, redaction: &Redaction) -> String {
    let mut text = String::new();
    for (name, value) in headers {
        text.push_str(&title_case(name.as_str()));
        text.push_str(": ");
        if redaction.hides(name.as_str()) {
            text.push_str(REDACTED);
        } else {
            text.push_str(&String::from_utf8_lossy(value.as_bytes()));
        }
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text
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

/// The host the client asked for: the URI's authority, else the Host header.
fn host(head: &RequestHead) -> Option<String> {
    head.uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| head.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string))
        .filter(|h| !h.is_empty())
}

/// `request_url`.
pub(crate) fn url(head: &RequestHead) -> String {
    let path = head.uri.path_and_query().map_or("/", |pq| pq.as_str());
    match host(head) {
        Some(host) => format!("{}://{host}{path}", head.uri.scheme_str().unwrap_or("http")),
        None => path.to_string(),
    }
}

/// `request_environment`.
pub(crate) fn environment(head: &RequestHead) -> String {
    let host = host(head);
    let (server_name, server_port) = match &host {
        // `name:port`, `[v6]:port`; a bare `[v6]` has no port.
        Some(host) => match host.rsplit_once(':') {
            Some((name, port))
                if !host.ends_with(']') && !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) =>
            {
                (name.to_string(), port.to_string())
            }
            _ => (host.clone(), String::new()),
        },
        None => (String::new(), String::new()),
    };
    let mut pairs: Vec<(&str, String)> = vec![
        ("REQUEST_METHOD", head.method.as_str().to_string()),
        ("SCRIPT_NAME", String::new()),
        ("PATH_INFO", head.uri.path().to_string()),
        ("QUERY_STRING", head.uri.query().unwrap_or("").to_string()),
        ("SERVER_PROTOCOL", version_text(head.version).to_string()),
        ("SERVER_NAME", server_name),
        ("SERVER_PORT", server_port),
        ("HTTP_HOST", host.unwrap_or_default()),
    ];
    match head.peer {
        Some(peer) => {
            pairs.push(("REMOTE_ADDR", peer.ip().to_canonical().to_string()));
            pairs.push(("REMOTE_PORT", peer.port().to_string()));
        }
        None => pairs.push(("REMOTE_ADDR", String::new())),
    }
    pairs.push(("wsgi.url_scheme", head.uri.scheme_str().unwrap_or("http").to_string()));
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
    use crate::outlier::system::Memory;

    fn head() -> RequestHead {
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.test:8080".parse().expect("value"));
        headers.insert("authorization", "Bearer secret".parse().expect("value"));
        headers.insert("x-trace", "it's \\ here".parse().expect("value"));
        RequestHead {
            method: http::Method::POST,
            uri: "/r/1?x=1&y=2".parse().expect("uri"),
            version: Version::HTTP_11,
            headers,
            peer: Some("127.0.0.1:5555".parse().expect("peer")),
        }
    }

    #[test]
    fn headers_are_lines_with_redaction() {
        let text = headers(&head().headers, &Redaction::new(["X-Trace".to_string()]));
        assert_eq!(text, "Host: example.test:8080\r\nAuthorization: [redacted]\r\nX-Trace: [redacted]\r\n\r\n");
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
