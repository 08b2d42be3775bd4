//! What a request listing keeps and in which order ([`RequestQuery`]), shared by `fmd show requests` and the
//! console's Requests tab, and the text forms both accept: `5xx`, `404`, `400-499` for a status, `alice` or a
//! prefix `10.0.*` for a user, IP or version, and the console's one-line form
//! `status:5xx user:alice ip:10.0.* version:1.2`.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::Value;

use super::Filter;

/// Longest text a user, IP or version filter takes (FMD's columns are `VARCHAR(100)`).
pub const MAX_MATCH_LEN: usize = 100;

/// An inclusive range of status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusRange {
    /// Lowest code kept.
    pub from: i64,
    /// Highest code kept.
    pub to: i64,
}

impl FromStr for StatusRange {
    type Err = String;

    /// `404`, `5xx` (a class), or `400-499` (a range, both ends included).
    fn from_str(text: &str) -> Result<StatusRange, String> {
        let bad = || format!("bad status `{text}`: use a code (404), a class (5xx) or a range (400-499)");
        let one = |part: &str| -> Result<(i64, i64), String> {
            let part = part.trim();
            let b = part.as_bytes();
            if b.len() != 3 {
                return Err(bad());
            }
            if b[0].is_ascii_digit() && b[1..].eq_ignore_ascii_case(b"xx") {
                let class = i64::from(b[0] - b'0') * 100;
                return Ok((class, class + 99));
            }
            let code: i64 = part.parse().map_err(|_| bad())?;
            if b.iter().all(u8::is_ascii_digit) {
                Ok((code, code))
            } else {
                Err(bad())
            }
        };
        let (from, to) = match text.split_once('-') {
            Some((a, b)) => (one(a)?.0, one(b)?.1),
            None => one(text)?,
        };
        if from > to {
            return Err(format!("bad status `{text}`: the range ends before it starts"));
        }
        Ok(StatusRange { from, to })
    }
}

impl fmt::Display for StatusRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else if self.from % 100 == 0 && self.to == self.from + 99 {
            write!(f, "{}xx", self.from / 100)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// A text a column must equal, or (written with a trailing `*`) start with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextMatch {
    /// The text (without the `*`).
    pub text: String,
    /// The column starts with `text` rather than equalling it.
    pub prefix: bool,
}

impl FromStr for TextMatch {
    type Err = String;

    /// `alice` (exactly) or `10.0.*` (a prefix); empty or longer than [`MAX_MATCH_LEN`] bytes is refused.
    fn from_str(text: &str) -> Result<TextMatch, String> {
        let (body, prefix) = match text.strip_suffix('*') {
            Some(body) => (body, true),
            None => (text, false),
        };
        if body.is_empty() && !prefix {
            return Err("an empty value matches nothing: give a text, or `*` for any".into());
        }
        if body.len() > MAX_MATCH_LEN {
            return Err(format!("a value is at most {MAX_MATCH_LEN} bytes long (got {})", body.len()));
        }
        Ok(TextMatch { text: body.to_string(), prefix })
    }
}

impl fmt::Display for TextMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.text, if self.prefix { "*" } else { "" })
    }
}

impl TextMatch {
    /// Adds the condition on `column` to `filter`: `=` for an exact text, GLOB with the text's own `*?[`
    /// escaped for a prefix (both compare bytes, as FMD stores them).
    fn add_to(&self, filter: &mut Filter, column: &str) {
        if self.prefix {
            let mut pattern = String::with_capacity(self.text.len() + 1);
            for c in self.text.chars() {
                match c {
                    '*' | '?' | '[' => {
                        pattern.push('[');
                        pattern.push(c);
                        pattern.push(']');
                    }
                    c => pattern.push(c),
                }
            }
            pattern.push('*');
            filter.push(&format!("{column} GLOB ?"), Value::Text(pattern));
        } else {
            filter.push(&format!("{column} = ?"), Value::Text(self.text.clone()));
        }
    }
}

/// Which requests a listing keeps: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequestFilter {
    /// Status code range.
    pub status: Option<StatusRange>,
    /// `group_by` (FMD's user).
    pub user: Option<TextMatch>,
    /// Client IP.
    pub ip: Option<TextMatch>,
    /// `version_requested`.
    pub version: Option<TextMatch>,
}

impl RequestFilter {
    /// No condition: every request.
    pub fn is_empty(&self) -> bool {
        *self == RequestFilter::default()
    }

    /// A condition reads a column outside the time index (user, IP, version).
    pub(crate) fn needs_rows(&self) -> bool {
        self.user.is_some() || self.ip.is_some() || self.version.is_some()
    }

    /// Adds the conditions to `filter`.
    pub(crate) fn add_to(&self, filter: &mut Filter) {
        if let Some(status) = self.status {
            filter.push("status_code >= ?", Value::Integer(status.from));
            filter.push("status_code <= ?", Value::Integer(status.to));
        }
        for (m, column) in [(&self.user, "group_by"), (&self.ip, "ip"), (&self.version, "version_requested")] {
            if let Some(m) = m {
                m.add_to(filter, column);
            }
        }
    }

    /// Parses the console's one-line form: `key:value` words, any order, keys `status`, `user`, `ip`,
    /// `version` (also `code`, `group`), values in double quotes when they hold spaces (`user:"a b"`). Empty
    /// text is no filter.
    pub fn parse(text: &str) -> Result<RequestFilter, String> {
        let mut filter = RequestFilter::default();
        for word in words(text)? {
            let Some((key, value)) = word.split_once(':') else {
                return Err(format!("`{word}`: write key:value, with key status, user, ip or version"));
            };
            let text_match = |v: &str| v.parse::<TextMatch>().map_err(|e| format!("{key}: {e}"));
            match key.to_ascii_lowercase().as_str() {
                "status" | "code" => filter.status = Some(value.parse()?),
                "user" | "group" => filter.user = Some(text_match(value)?),
                "ip" => filter.ip = Some(text_match(value)?),
                "version" => filter.version = Some(text_match(value)?),
                _ => return Err(format!("unknown filter key `{key}`: use status, user, ip or version")),
            }
        }
        Ok(filter)
    }
}

/// Splits on spaces, keeping double-quoted stretches (quotes removed) inside one word.
fn words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if any {
        out.push(word);
    }
    Ok(out)
}

impl fmt::Display for RequestFilter {
    /// The one-line form [`RequestFilter::parse`] reads back (values with spaces or quotes in double quotes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            parts.push(format!("status:{s}"));
        }
        for (m, key) in [(&self.user, "user"), (&self.ip, "ip"), (&self.version, "version")] {
            if let Some(m) = m {
                let text = m.to_string();
                if text.contains(char::is_whitespace) || text.is_empty() {
                    parts.push(format!("{key}:\"{text}\""));
                } else {
                    parts.push(format!("{key}:{text}"));
                }
            }
        }
        f.write_str(&parts.join(" "))
    }
}

/// The order of a request listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RequestOrder {
    /// Newest first (the default).
    #[default]
    Time,
    /// Longest first (requests without a usable duration left out).
    Duration,
}

/// A request listing: which requests and in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequestQuery {
    /// Which requests.
    pub filter: RequestFilter,
    /// Their order.
    pub order: RequestOrder,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_forms_parse_and_print_back() {
        for (text, from, to) in [("404", 404, 404), ("5xx", 500, 599), ("5XX", 500, 599), ("400-499", 400, 499)] {
            let s: StatusRange = text.parse().expect(text);
            assert_eq!((s.from, s.to), (from, to), "{text}");
            assert_eq!(s.to_string().parse::<StatusRange>(), Ok(s));
        }
        assert_eq!("4xx-5xx".parse::<StatusRange>().map(|s| (s.from, s.to)), Ok((400, 599)));
        for bad in ["", "5", "5x", "abc", "500-400", "1234", "-1"] {
            assert!(bad.parse::<StatusRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_one_line_form_parses_every_key_quotes_and_refuses_the_rest() {
        let f = RequestFilter::parse(r#"status:5xx user:"john doe" ip:10.0.* version:1.2"#).expect("parses");
        assert_eq!(f.status, Some(StatusRange { from: 500, to: 599 }));
        assert_eq!(f.user, Some(TextMatch { text: "john doe".into(), prefix: false }));
        assert_eq!(f.ip, Some(TextMatch { text: "10.0.".into(), prefix: true }));
        assert_eq!(f.version, Some(TextMatch { text: "1.2".into(), prefix: false }));
        assert_eq!(RequestFilter::parse(&f.to_string()), Ok(f.clone()), "prints back: {f}");
        assert!(RequestFilter::parse("  ").expect("empty").is_empty());
        assert!(RequestFilter::parse("alice").expect_err("refused").contains("key:value"));
        assert!(RequestFilter::parse("colour:red").expect_err("refused").contains("unknown filter key `colour`"));
        assert!(RequestFilter::parse("user:").expect_err("refused").contains("user:"));
        assert!(RequestFilter::parse("user:\"open").expect_err("refused").contains("quote"));
        assert!(RequestFilter::parse(&format!("ip:{}", "9".repeat(101))).is_err());
    }
}
