//! Values as PostgreSQL stores them: naive UTC timestamps to the microsecond, texts cut to FMD's `VARCHAR`
//! lengths (PostgreSQL refuses longer ones, where SQLite keeps them whole) and without NUL characters (which
//! PostgreSQL's text cannot hold), integers as its `integer`.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime};

/// `Endpoint.name`, `CodeLine`'s texts, `FilePath.path`.
pub(crate) const NAME_CHARS: usize = 250;
/// `Request.version_requested`, `group_by`, `ip`, `Endpoint.version_added`.
pub(crate) const SHORT_CHARS: usize = 100;
/// `Outlier.request_url`.
pub(crate) const URL_CHARS: usize = 2100;
/// `Outlier.cpu_percent`.
pub(crate) const CPU_CHARS: usize = 150;
/// `ExceptionType.type`, `FunctionDefinition.name`.
pub(crate) const TYPE_CHARS: usize = 256;

/// Microseconds since the Unix epoch as a naive UTC timestamp (out-of-range values clamp to the epoch, as
/// `fmd_core::timefmt::format_micros` does).
pub(crate) fn timestamp(micros: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(micros).unwrap_or_default().naive_utc()
}

/// `text` as a `VARCHAR(max)` holds it: at most `max` characters, NULs replaced by U+FFFD.
pub(crate) fn fit(text: &str, max: usize) -> Cow<'_, str> {
    let cut = match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    };
    clean(cut)
}

/// `text` without NUL characters (replaced by U+FFFD), for `TEXT` columns.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// An `integer` column's value (ids come from such columns; counts beyond its range saturate).
pub(crate) fn int4(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_fit_their_columns() {
        assert_eq!(fit("héllo", 2), "hé");
        assert_eq!(fit("hi", 5), "hi");
        assert!(matches!(fit("hi", 5), Cow::Borrowed(_)));
        assert_eq!(fit("a\0b", 5), "a\u{FFFD}b");
        assert_eq!(int4(1 << 40), i32::MAX);
        assert_eq!(int4(-5), -5);
    }

    #[test]
    fn timestamps_keep_microseconds() {
        let t = timestamp(1_700_000_000_123_456);
        assert_eq!(t.and_utc().timestamp_micros(), 1_700_000_000_123_456);
        assert_eq!(timestamp(i64::MAX), DateTime::UNIX_EPOCH.naive_utc());
    }
}
