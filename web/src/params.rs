//! What a page's URL says: the time window (`window=7d`, or `from`/`to`), the zone (`tz`), the order
//! (`sort`, `dir`), the filter (`q`) and the page (`page`). Every link a page draws keeps the others, so
//! the state lives in the URL: links can be shared and Back works.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use fmd_core::dashboard::Window;
use serde::Deserialize;

/// The query string of a page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    /// `1h`, `24h`, `7d`, `30d`, `all` (or empty with `from`/`to`).
    pub window: Option<String>,
    /// Start of a custom window: RFC 3339, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` in the page's zone.
    pub from: Option<String>,
    /// End of a custom window (exclusive), the same forms.
    pub to: Option<String>,
    /// IANA zone of days and hours.
    pub tz: Option<String>,
    /// Column to order by.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    /// Filter text.
    pub q: Option<String>,
    /// Page of a paged list, from 1.
    pub page: Option<usize>,
}

/// A query parameter that says nothing we understand; the page answers 400 naming it.
#[derive(Debug, thiserror::Error)]
#[error("{param}: {why}")]
pub struct BadParam {
    /// The parameter.
    pub param: &'static str,
    /// What is wrong, with what is accepted.
    pub why: String,
}

impl axum::response::IntoResponse for BadParam {
    fn into_response(self) -> axum::response::Response {
        (http::StatusCode::BAD_REQUEST, self.to_string()).into_response()
    }
}

/// The window presets as written in URLs, shortest first.
pub const WINDOWS: [(&str, Window); 5] =
    [("1h", Window::Hour), ("24h", Window::Day), ("7d", Window::Week), ("30d", Window::Month), ("all", Window::All)];

impl PageQuery {
    /// The zone: `tz`, else `default`.
    pub fn zone(&self, default: Tz) -> Result<Tz, BadParam> {
        match self.tz.as_deref().filter(|t| !t.is_empty()) {
            None => Ok(default),
            Some(name) => name.parse::<Tz>().map_err(|_| BadParam {
                param: "tz",
                why: format!("{name:?} is not an IANA time zone (e.g. UTC, Europe/Amsterdam)"),
            }),
        }
    }

    /// The window: `from`/`to` when given, else the preset (default 7d).
    pub fn window(&self, zone: Tz) -> Result<Window, BadParam> {
        let from = self.from.as_deref().filter(|t| !t.is_empty()).map(|t| instant("from", t, zone)).transpose()?;
        let to = self.to.as_deref().filter(|t| !t.is_empty()).map(|t| instant("to", t, zone)).transpose()?;
        if from.is_some() || to.is_some() {
            if let (Some(from), Some(to)) = (from, to) {
                if from >= to {
                    return Err(BadParam { param: "to", why: "must be after from".into() });
                }
            }
            return Ok(Window::Custom { from, to });
        }
        match self.window.as_deref().filter(|t| !t.is_empty()) {
            None => Ok(Window::Week),
            Some(text) => WINDOWS.iter().find(|(name, _)| *name == text).map(|(_, w)| *w).ok_or_else(|| BadParam {
                param: "window",
                why: format!("{text:?} is not one of 1h, 24h, 7d, 30d, all (or give from and to)"),
            }),
        }
    }

    /// The window's name in URLs (`custom` for a from/to range).
    pub fn window_name(window: Window) -> &'static str {
        WINDOWS.iter().find(|(_, w)| *w == window).map_or("custom", |(name, _)| name)
    }

    /// The page number, from 1.
    pub fn page(&self) -> usize {
        self.page.unwrap_or(1).max(1)
    }

    /// Descending unless `dir=asc`.
    pub fn descending(&self) -> bool {
        self.dir.as_deref() != Some("asc")
    }

    /// The pairs of this query, with `changes` applied (`None` removes a key), as `?a=b&c=d` (empty when none).
    pub fn with(&self, changes: &[(&str, Option<&str>)]) -> String {
        let page = self.page.map(|p| p.to_string());
        let mut pairs: Vec<(&str, Option<&str>)> = vec![
            ("window", self.window.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("tz", self.tz.as_deref()),
            ("sort", self.sort.as_deref()),
            ("dir", self.dir.as_deref()),
            ("q", self.q.as_deref()),
            ("page", page.as_deref()),
        ];
        for (key, value) in changes {
            match pairs.iter_mut().find(|(k, _)| k == key) {
                Some(pair) => pair.1 = *value,
                None => pairs.push((key, *value)),
            }
        }
        let mut out = String::new();
        for (key, value) in pairs {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                out.push(if out.is_empty() { '?' } else { '&' });
                let _ = write!(out, "{key}={}", encode(value));
            }
        }
        out
    }
}

/// An instant from a URL: RFC 3339, or a local date / date and time in `zone`.
pub fn instant(param: &'static str, text: &str, zone: Tz) -> Result<DateTime<Utc>, BadParam> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN)));
    let bad = || BadParam {
        param,
        why: format!("{text:?} is not a time (RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM in the page's zone)"),
    };
    let local = local.map_err(|_| bad())?;
    zone.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(bad)
}

/// Percent-encodes `text` for a query value or a path segment.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b':' => out.push(byte as char),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_zones_and_links_round_trip() {
        let q = PageQuery { window: Some("24h".into()), tz: Some("Europe/Amsterdam".into()), ..Default::default() };
        let zone = q.zone(Tz::UTC).expect("zone");
        assert_eq!(zone, chrono_tz::Europe::Amsterdam);
        assert_eq!(q.window(zone).expect("window"), Window::Day);
        assert_eq!(q.with(&[("sort", Some("p95")), ("window", None)]), "?tz=Europe/Amsterdam&sort=p95");
        let bad = PageQuery { window: Some("2d".into()), ..Default::default() };
        assert_eq!(bad.window(Tz::UTC).expect_err("bad").param, "window");
        let bad = PageQuery { tz: Some("Mars/Base".into()), ..Default::default() };
        assert!(bad.zone(Tz::UTC).expect_err("bad").to_string().contains("Mars/Base"));
        let custom =
            PageQuery { from: Some("2026-11-20".into()), to: Some("2026-11-27T12:00".into()), ..Default::default() };
        let Window::Custom { from: Some(from), to: Some(to) } = custom.window(Tz::UTC).expect("custom") else {
            panic!("a custom window")
        };
        assert_eq!(from.to_rfc3339(), "2026-11-20T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-11-27T12:00:00+00:00");
        assert_eq!(encode("a b&c<d>"), "a%20b%26c%3Cd%3E");
    }
}
