//! How numbers and times read on a page: durations in ms with sensible precision, counts with thin
//! separators, instants in the page's zone (hover shows UTC), shares as percentages.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};

/// `8.2 ms`, `31 ms`, `1.24 s`; `–` for none.
pub fn ms(value: Option<f64>) -> String {
    match value {
        None => "–".into(),
        Some(v) if !v.is_finite() => "–".into(),
        Some(v) if v >= 10_000.0 => format!("{:.1} s", v / 1000.0),
        Some(v) if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Some(v) if v >= 100.0 => format!("{v:.0} ms"),
        Some(v) if v >= 10.0 => format!("{v:.1} ms"),
        Some(v) => format!("{v:.2} ms"),
    }
}

/// `16 140`, `10 000 000` (a thin space between thousands).
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// `2.1%` of `part` in `whole` (`–` for none).
pub fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    let pct = part as f64 * 100.0 / whole as f64;
    if pct > 0.0 && pct < 0.1 {
        "<0.1%".into()
    } else {
        format!("{pct:.1}%")
    }
}

/// An instant in `zone` (`2026-11-27 22:50:03 CET`), hovering shows UTC.
pub fn instant(t: DateTime<Utc>, zone: Tz) -> Markup {
    let local = t.with_timezone(&zone);
    html! {
        time datetime=(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            title=(t.format("%Y-%m-%d %H:%M:%S UTC")) { (local.format("%Y-%m-%d %H:%M:%S %Z")) }
    }
}

/// How long ago `t` was at `now`: `19 s ago`, `5 min ago`, `3 h ago`, `4 d ago`.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    match secs {
        s if s < 0 => "just now".into(),
        s if s < 120 => format!("{s} s ago"),
        s if s < 7200 => format!("{} min ago", s / 60),
        s if s < 172_800 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(ms(Some(8.234)), "8.23 ms");
        assert_eq!(ms(Some(31.4)), "31.4 ms");
        assert_eq!(ms(Some(1240.0)), "1.24 s");
        assert_eq!(ms(None), "–");
        assert_eq!(count(10_000_000), "10\u{2009}000\u{2009}000");
        assert_eq!(count(999), "999");
        assert_eq!(share(21, 1000), "2.1%");
        assert_eq!(share(0, 0), "–");
    }
}
