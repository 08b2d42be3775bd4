//! FMD's timestamp text format: naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`, always six fractional digits.
//!
//! FMD compares timestamps as strings, so every value we write and every bound we query with must use
//! exactly this format: `…:05` sorts before `…:05.000000`.

use chrono::{DateTime, NaiveDateTime, Utc};

/// The `strftime` pattern of FMD's DATETIME columns.
pub const FMD_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

/// Formats a UTC instant in FMD's text format.
pub fn format_utc(t: DateTime<Utc>) -> String {
    t.naive_utc().format(FMD_FORMAT).to_string()
}

/// Formats microseconds since the Unix epoch in FMD's text format (out-of-range values clamp to the epoch).
pub fn format_micros(micros: i64) -> String {
    format_utc(DateTime::from_timestamp_micros(micros).unwrap_or_default())
}

/// Parses an FMD DATETIME text (with or without fractional seconds, `T` or space separated).
/// Returns `None` for anything else, so hostile database content never panics a reader.
pub fn parse_fmd(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(text, fmt).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_six_fraction_digits() {
        let t = DateTime::from_timestamp(1_795_820_215, 0).expect("valid");
        assert_eq!(format_utc(t), "2026-11-27 22:56:55.000000");
        assert_eq!(format_micros(1_795_820_215_000_123), "2026-11-27 22:56:55.000123");
    }

    #[test]
    fn parses_fmd_text_and_rejects_garbage() {
        let t = parse_fmd("2026-11-27 21:38:33.428417").expect("parses");
        assert_eq!(format_utc(t), "2026-11-27 21:38:33.428417");
        assert!(parse_fmd("2026-11-27 21:38:33").is_some());
        assert!(parse_fmd("yesterday").is_none());
        assert!(parse_fmd("").is_none());
    }
}
