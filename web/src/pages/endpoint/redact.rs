//! What an outlier page never shows. Python FMD stored request headers and the WSGI environment in clear
//! (fmd's recorder already stores `[redacted]` for Authorization, Proxy-Authorization, Cookie, Set-Cookie and
//! X-Api-Key), so the page redacts again, for every viewer:
//!
//! * secret names: those headers (also as environment keys, `HTTP_AUTHORIZATION`) and anything named like a
//!   token, secret, password, API key or credential;
//! * secret parameters inside values: `token=…`, `password=…` in a URL, a query string, a `Referer`;
//! * guests see no value at all: header and environment names with `[redacted]`.

use std::borrow::Cow;

/// What stands for a value that is not shown.
pub const REDACTED: &str = "[redacted]";

/// Names whose values are secret wherever they appear (normalised: lowercase, `-` for `_`, no `http-`).
const SECRET_NAMES: [&str; 5] = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"];

/// Parts of a name that make it secret.
const SECRET_PARTS: [&str; 9] =
    ["token", "secret", "password", "passwd", "api-key", "apikey", "credential", "cookie", "authorization"];

/// `HTTP_X_API_KEY`, `X-Api-Key`, `x_api_key` all read `x-api-key`.
fn normalise(name: &str) -> String {
    let lower = name.trim().trim_matches(|c| c == '\'' || c == '"').to_ascii_lowercase().replace('_', "-");
    match lower.strip_prefix("http-") {
        Some(rest) => rest.to_string(),
        None => lower,
    }
}

/// True when the values of header, environment key or parameter `name` are never shown.
pub fn is_secret(name: &str) -> bool {
    let name = normalise(name);
    SECRET_NAMES.contains(&name.as_str()) || SECRET_PARTS.iter().any(|part| name.contains(part))
}

/// `text` with the value of every `name=value` whose name is secret replaced (URLs, query strings,
/// `Referer` values, reprs that hold them).
pub fn params(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || matches!(bytes[start - 1], b'_' | b'-' | b'.'))
        {
            start -= 1;
        }
        let mut end = i + 1;
        while end < bytes.len()
            && !matches!(bytes[end], b'&' | b'\'' | b'"' | b'>' | b'#' | b';' | b',' | b')')
            && !bytes[end].is_ascii_whitespace()
        {
            end += 1;
        }
        if start < i && end > i + 1 && is_secret(&text[start..i]) {
            out.push_str(&text[copied..=i]);
            out.push_str(REDACTED);
            copied = end;
        }
        i = end.max(i + 1);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The value of header or environment entry `name` as `viewer_is_admin` may see it.
pub fn value<'a>(name: &str, value: &'a str, viewer_is_admin: bool) -> Cow<'a, str> {
    if !viewer_is_admin || is_secret(name) {
        return Cow::Borrowed(REDACTED);
    }
    params(value)
}

/// A line that is not `name: value` (it cannot be told what it holds): whole for admins unless it looks
/// secret, redacted for guests.
pub fn unnamed(line: &str, viewer_is_admin: bool) -> Cow<'_, str> {
    let lower = line.to_ascii_lowercase().replace('_', "-");
    if !viewer_is_admin || SECRET_PARTS.iter().any(|part| lower.contains(part)) {
        return Cow::Borrowed(REDACTED);
    }
    params(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_and_parameters_are_never_shown_and_guests_see_no_values() {
        for name in [
            "Authorization",
            "COOKIE",
            "Set-Cookie",
            "HTTP_AUTHORIZATION",
            "HTTP_X_API_KEY",
            "X-Csrf-Token",
            "db_password",
            "'HTTP_COOKIE'",
        ] {
            assert!(is_secret(name), "{name}");
        }
        for name in ["Accept", "User-Agent", "HTTP_HOST", "QUERY_STRING", "X-User"] {
            assert!(!is_secret(name), "{name}");
        }
        assert_eq!(value("Accept", "*/*", true), "*/*");
        assert_eq!(value("Accept", "*/*", false), REDACTED);
        assert_eq!(value("Authorization", "Bearer s3cret", true), REDACTED);
        assert_eq!(params("/a?q=1&access_token=abc&x=2"), "/a?q=1&access_token=[redacted]&x=2");
        assert_eq!(params("'RAW_URI': '/login?password=hunter2'"), "'RAW_URI': '/login?password=[redacted]'");
        assert_eq!(params("/search?q=fast"), "/search?q=fast");
        assert_eq!(unnamed("garbage with token", true), REDACTED);
        assert_eq!(unnamed("plain", true), "plain");
        assert_eq!(unnamed("plain", false), REDACTED);
    }
}
