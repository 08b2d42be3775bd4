//! Text for the screen: counts, durations, percentages, relative and local times, and database strings
//! made safe to print (control characters escaped, long text cut with `…` by display width).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Shown where a value does not exist (no requests in the window, no errors to divide).
pub const NONE: &str = "–";

pub use fmd_core::dashboard::answer::status_code_order;

/// The thousands separator of counts: a comma, so `1,687` reads as one number even between spaced columns or
/// in a range (`751–1,687`), where a space would read as two.
pub const THOUSANDS: char = ',';

/// A count with a [`THOUSANDS`] separator every three digits: `52,009`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(THOUSANDS);
        }
        out.push(c);
    }
    out
}

/// A duration given in milliseconds, with a unit and two or three significant digits:
/// `0.18 ms`, `4.0 ms`, `17.0 ms`, `230 ms`, `1.2 s`, `2.5 min`.
pub fn duration_ms(ms: Option<f64>) -> String {
    let Some(ms) = ms.filter(|ms| ms.is_finite() && *ms >= 0.0) else {
        return NONE.to_string();
    };
    if ms == 0.0 {
        "0 ms".to_string()
    } else if ms < 0.005 {
        "<0.01 ms".to_string()
    } else if ms < 0.995 {
        format!("{ms:.2} ms")
    } else if ms < 99.95 {
        format!("{ms:.1} ms")
    } else if ms < 999.5 {
        format!("{ms:.0} ms")
    } else if ms < 59_950.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms < 3_597_000.0 {
        format!("{:.1} min", ms / 60_000.0)
    } else {
        format!("{:.1} h", ms / 3_600_000.0)
    }
}

/// A range of counts, `751–1,687` (an en dash, no spaces), or one count when both ends are equal.
pub fn count_range(first: u64, last: u64) -> String {
    if first == last {
        count(first)
    } else {
        format!("{}–{}", count(first), count(last))
    }
}

/// `part` of `whole` in percent, `None` when `whole` is zero.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// A percentage with one decimal: `0.0%`, `4.1%`, `100%`; a non-zero share never reads as zero (`<0.1%`).
pub fn percent(p: Option<f64>) -> String {
    match p {
        None => NONE.to_string(),
        Some(p) if !p.is_finite() => NONE.to_string(),
        Some(p) if p <= 0.0 => "0.0%".to_string(),
        Some(p) if p < 0.05 => "<0.1%".to_string(),
        Some(p) if p >= 99.95 => "100%".to_string(),
        Some(p) => format!("{p:.1}%"),
    }
}

/// How long ago `then` was at `now`: `12 s ago`, `3 min ago`, `2 h ago`, `5 d ago` (`never` without a time).
pub fn relative(then: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(then) = then else {
        return "never".to_string();
    };
    let secs = (now - then).num_seconds();
    match secs {
        s if s < 0 => "just now".to_string(),
        s if s < 60 => format!("{s} s ago"),
        s if s < 3_600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3_600),
        s => format!("{} d ago", count((s / 86_400) as u64)),
    }
}

/// An instant as local date and time in `tz`: `2026-11-27 21:52:22`.
pub fn local_datetime(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An instant as local time of day in `tz`: `21:52:22`.
pub fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M:%S").to_string()
}

/// True for characters that would move the cursor, change colours or reorder text on a terminal.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || c == '\u{FEFF}'
}

/// A database string made safe for the terminal: C0 controls become their control pictures (`\x1b` → `␛`,
/// `\n` → `␊`), DEL becomes `␡`, C1 controls and bidirectional overrides become `\u{…}` escapes.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�')),
            '\u{7f}' => out.push('␡'),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Most bytes put on the clipboard (terminals cap OSC 52 payloads; the start of a longer text is copied).
pub const CLIPBOARD_MAX: usize = 64 * 1024;

/// The OSC 52 escape sequence that asks the terminal to put `text` on the system clipboard (`ESC ] 52 ; c ;
/// base64 BEL`); texts longer than [`CLIPBOARD_MAX`] bytes are cut at a character boundary.
pub fn osc52(text: &str) -> String {
    let mut end = text.len().min(CLIPBOARD_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes().get(..end).unwrap_or_default();
    let mut out = String::with_capacity(bytes.len() / 3 * 4 + 12);
    out.push_str("\x1b]52;c;");
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out.push('\x07');
    out
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

/// `s` split into lines of at most `max` cells, at most `lines` of them, the last cut with `…` when text
/// remains (character wrapping: names and paths have no good word breaks).
pub fn wrap(s: &str, max: usize, lines: usize) -> Vec<String> {
    let mut out = Vec::new();
    if max == 0 || lines == 0 {
        return out;
    }
    let mut rest = s;
    while !rest.is_empty() && out.len() < lines {
        if out.len() + 1 == lines || width(rest) <= max {
            out.push(truncate(rest, max).into_owned());
            break;
        }
        let mut used = 0;
        let mut split = rest.len();
        for (i, c) in rest.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > max {
                split = i;
                break;
            }
            used += w;
        }
        if split == 0 {
            // A character wider than the line: show what fits and stop.
            out.push(truncate(rest, max).into_owned());
            break;
        }
        out.push(rest[..split].to_string());
        rest = &rest[split..];
    }
    out
}

/// `s` split into lines at spaces (a word that would leave a line less than half full is split where it must):
/// the first line of at most `first` cells, the others of at most `rest_max` (a hanging indent), at most `lines`
/// of them, the last cut with `…` when text remains. For messages and stack frames in detail views.
pub fn wrap_hanging(s: &str, first: usize, rest_max: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if first == 0 || rest_max == 0 || lines == 0 {
        return out;
    }
    let mut rest = s.trim_end();
    while !rest.is_empty() && out.len() < lines {
        let max = if out.is_empty() { first } else { rest_max };
        if out.len() + 1 == lines || width(rest) <= max {
            out.push(truncate(rest, max).into_owned());
            break;
        }
        // The longest start of `rest` that fits, then back to its last space when there is one.
        let mut used = 0;
        let mut fit = rest.len();
        for (i, c) in rest.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > max {
                fit = i;
                break;
            }
            used += w;
        }
        if fit == 0 {
            out.push(truncate(rest, max).into_owned());
            break;
        }
        // At a space unless that leaves the line less than half full (a long path then breaks inside).
        let split = match rest[..fit].rfind(' ') {
            Some(space) if width(&rest[..space]) * 2 >= max && !rest[fit..].starts_with(' ') => space,
            _ => fit,
        };
        out.push(rest[..split].trim_end().to_string());
        rest = rest[split..].trim_start();
    }
    out
}

/// `s` cut from the front to at most `max` cells, starting with `…` when something was cut (the end of a
/// text being typed stays visible).
pub fn truncate_start(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut tail = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        tail.push(c);
    }
    Cow::Owned(std::iter::once('…').chain(tail.into_iter().rev()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_base64_between_the_escape_and_bel() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("abc"), "\x1b]52;c;YWJj\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
        let long = "é".repeat(CLIPBOARD_MAX);
        assert!(osc52(&long).len() < CLIPBOARD_MAX * 2, "cut at a character boundary");
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(52_009), "52,009");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn ranges_read_as_one_range() {
        assert_eq!(count_range(751, 1_687), "751–1,687");
        assert_eq!(count_range(3, 3), "3");
    }

    #[test]
    fn durations_have_units() {
        assert_eq!(duration_ms(Some(0.18095970153808594)), "0.18 ms");
        assert_eq!(duration_ms(Some(4.020452499389648)), "4.0 ms");
        assert_eq!(duration_ms(Some(16.999363899230957)), "17.0 ms");
        assert_eq!(duration_ms(Some(15.20538330078125)), "15.2 ms");
        assert_eq!(duration_ms(Some(230.4)), "230 ms");
        assert_eq!(duration_ms(Some(1_200.0)), "1.2 s");
        assert_eq!(duration_ms(Some(999.7)), "1.0 s");
        assert_eq!(duration_ms(Some(150_000.0)), "2.5 min");
        assert_eq!(duration_ms(Some(7_200_000.0)), "2.0 h");
        assert_eq!(duration_ms(Some(0.0)), "0 ms");
        assert_eq!(duration_ms(Some(0.001)), "<0.01 ms");
        assert_eq!(duration_ms(Some(0.999)), "1.0 ms");
        assert_eq!(duration_ms(None), NONE);
        assert_eq!(duration_ms(Some(f64::NAN)), NONE);
        assert_eq!(duration_ms(Some(-1.0)), NONE);
    }

    #[test]
    fn percentages_never_hide_errors() {
        assert_eq!(percent(ratio(0, 10)), "0.0%");
        assert_eq!(percent(ratio(1, 24)), "4.2%");
        assert_eq!(percent(ratio(1, 10_000)), "<0.1%");
        assert_eq!(percent(ratio(72, 72)), "100%");
        assert_eq!(percent(ratio(0, 0)), NONE);
    }

    #[test]
    fn relative_times() {
        let now = at("2026-11-27T22:56:55Z");
        assert_eq!(relative(Some(at("2026-11-27T22:56:43Z")), now), "12 s ago");
        assert_eq!(relative(Some(at("2026-11-27T22:53:40Z")), now), "3 min ago");
        assert_eq!(relative(Some(at("2026-11-27T20:50:00Z")), now), "2 h ago");
        assert_eq!(relative(Some(at("2026-11-22T20:50:00Z")), now), "5 d ago");
        assert_eq!(relative(Some(at("2026-11-27T22:57:55Z")), now), "just now");
        assert_eq!(relative(Some(now), now), "0 s ago");
        assert_eq!(relative(None, now), "never");
    }

    #[test]
    fn local_times_follow_the_zone() {
        let t = at("2026-11-27T22:56:55Z");
        assert_eq!(local_datetime(t, chrono_tz::UTC), "2026-11-27 22:56:55");
        assert_eq!(local_datetime(t, chrono_tz::Asia::Tokyo), "2026-11-28 07:56:55");
        assert_eq!(local_time(t, chrono_tz::Europe::Amsterdam), "23:56:55");
    }

    #[test]
    fn sanitising_escapes_control_characters() {
        assert!(matches!(sanitize("/users/{id}"), Cow::Borrowed(_)));
        assert_eq!(sanitize("\x1b[31mred\x1b[0m"), "␛[31mred␛[0m");
        assert_eq!(sanitize("a\nb\tc\rd\0"), "a␊b␉c␍d␀");
        assert_eq!(sanitize("del\x7f"), "del␡");
        assert_eq!(sanitize("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(sanitize("rtl\u{202e}txt"), "rtl\\u{202e}txt");
        assert_eq!(sanitize("ünïcødé ✓"), "ünïcødé ✓");
        assert!(!sanitize("\x07\x08\x1b\u{85}").chars().any(char::is_control));
    }

    #[test]
    fn truncation_counts_cells() {
        assert_eq!(truncate("user_detail", 20), "user_detail");
        assert_eq!(truncate("user_detail", 11), "user_detail");
        assert_eq!(truncate("user_detail", 10), "user_deta…");
        assert_eq!(truncate("user_detail", 1), "…");
        assert_eq!(truncate("user_detail", 0), "");
        assert_eq!(truncate("日本語の名前", 7), "日本語…");
        assert_eq!(width(&truncate("日本語の名前", 6)), 5);
        assert_eq!(truncate(&sanitize("\x1b[2J very long"), 6), "␛[2J …");
        assert_eq!(truncate_start("user_detail", 11), "user_detail");
        assert_eq!(wrap("abcdefgh", 3, 5), ["abc", "def", "gh"]);
        assert_eq!(wrap("abcdefghij", 3, 2), ["abc", "de…"]);
        assert_eq!(wrap("日本語", 3, 5), ["日", "本", "語"]);
        assert_eq!(wrap("日本", 1, 5), ["…"]);
        assert_eq!(wrap("", 3, 2), Vec::<String>::new());
        assert_eq!(wrap("abc", 0, 2), Vec::<String>::new());
        assert_eq!(truncate_start("user_detail", 5), "…tail");
        assert_eq!(
            wrap_hanging("404 Not Found: The requested URL", 12, 12, 9),
            ["404 Not", "Found: The", "requested", "URL"]
        );
        assert_eq!(wrap_hanging("averyveryverylongword ok", 8, 8, 9), ["averyver", "yverylon", "gword ok"]);
        assert_eq!(wrap_hanging("exactly eight", 7, 7, 9), ["exactly", "eight"]);
        assert_eq!(wrap_hanging("a b c d e f", 3, 3, 2), ["a b", "c …"]);
        assert_eq!(wrap_hanging("first line then more", 10, 6, 9), ["first line", "then", "more"]);
        assert_eq!(wrap_hanging("", 5, 5, 2), Vec::<String>::new());
        assert_eq!(truncate_start("名前の日本語", 5), "…本語");
    }
}
