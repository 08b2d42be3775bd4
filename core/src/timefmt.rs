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

/// FMD's text of one instant, formatted without allocating (bind it with [`as_str`](Self::as_str)).
///
/// Years 0000-9999 are formatted by civil-from-days arithmetic into a stack buffer; instants outside that
/// range (never produced by a clock) go through chrono, like [`format_micros`], and give the same text.
#[derive(Clone, Copy)]
pub struct MicrosText {
    buf: [u8; 32],
    len: u8,
}

impl MicrosText {
    /// The text, always equal to [`format_micros`] of the same instant.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators (or a chrono string) are ever written.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("1970-01-01 00:00:00.000000")
    }

    fn slow(micros: i64) -> Self {
        let text = format_micros(micros);
        let mut buf = [0u8; 32];
        let len = text.len().min(buf.len());
        buf[..len].copy_from_slice(&text.as_bytes()[..len]);
        MicrosText { buf, len: len as u8 }
    }
}

impl std::fmt::Debug for MicrosText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Microseconds since 0000-03-01 are beyond this for year 10000 and later; before it for years < 0.
const FAST_MIN_SECS: i64 = -62_167_219_200; // 0000-01-01 00:00:00
const FAST_END_SECS: i64 = 253_402_300_800; // 10000-01-01 00:00:00

/// `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn two(out: &mut [u8], v: u32) {
    out[0] = b'0' + (v / 10) as u8;
    out[1] = b'0' + (v % 10) as u8;
}

/// Formats instants in FMD's text format without allocating, remembering the `YYYY-MM-DD HH:MM:SS` part of
/// the last second it saw (a writer's batch is mostly within one second).
#[derive(Debug, Clone, Copy)]
pub struct TimeFormatter {
    second: i64,
    prefix: [u8; 19],
}

impl Default for TimeFormatter {
    fn default() -> Self {
        TimeFormatter { second: i64::MIN, prefix: [0; 19] }
    }
}

impl TimeFormatter {
    /// FMD's text of `micros` (microseconds since the Unix epoch, UTC); equals [`format_micros`].
    pub fn format(&mut self, micros: i64) -> MicrosText {
        let secs = micros.div_euclid(1_000_000);
        if !(FAST_MIN_SECS..FAST_END_SECS).contains(&secs) {
            return MicrosText::slow(micros);
        }
        let frac = micros.rem_euclid(1_000_000) as u32;
        if secs != self.second {
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let sod = secs.rem_euclid(86_400) as u32;
            let p = &mut self.prefix;
            let y = y as u32; // 0..=9999 here
            two(&mut p[0..2], y / 100);
            two(&mut p[2..4], y % 100);
            p[4] = b'-';
            two(&mut p[5..7], m);
            p[7] = b'-';
            two(&mut p[8..10], d);
            p[10] = b' ';
            two(&mut p[11..13], sod / 3_600);
            p[13] = b':';
            two(&mut p[14..16], sod / 60 % 60);
            p[16] = b':';
            two(&mut p[17..19], sod % 60);
            self.second = secs;
        }
        let mut buf = [0u8; 32];
        buf[..19].copy_from_slice(&self.prefix);
        buf[19] = b'.';
        two(&mut buf[20..22], frac / 10_000);
        two(&mut buf[22..24], frac / 100 % 100);
        two(&mut buf[24..26], frac % 100);
        MicrosText { buf, len: 26 }
    }
}

/// FMD's text of `micros` without allocating (see [`TimeFormatter`] to format many instants).
pub fn micros_text(micros: i64) -> MicrosText {
    TimeFormatter::default().format(micros)
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

/// An instant as fmd's JSON writes every instant: RFC 3339 in UTC with microseconds and `Z`
/// (`2026-11-27T22:56:55.000123Z`).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// FMD's stored DATETIME text (`2026-11-27 22:56:55.000123`, naive UTC) as [`rfc3339`] text. Text that is no
/// FMD time (hostile or damaged content) is returned unchanged, so nothing read is lost.
pub fn fmd_text_to_rfc3339(text: &str) -> String {
    parse_fmd(text).map_or_else(|| text.to_string(), rfc3339)
}

/// Serde `serialize_with` helpers that write instants as [`rfc3339`] text.
pub mod json {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    /// An instant.
    pub fn instant<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }

    /// Optional FMD DATETIME text (as read from a column) as RFC 3339, or null.
    pub fn opt_fmd_text<S: Serializer>(t: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(text) => s.serialize_str(&super::fmd_text_to_rfc3339(text)),
            None => s.serialize_none(),
        }
    }
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

    /// A small deterministic generator (no rand dependency): xorshift64*.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn check(f: &mut TimeFormatter, micros: i64) {
        let expected = format_micros(micros);
        assert_eq!(f.format(micros).as_str(), expected, "micros {micros}");
        assert_eq!(micros_text(micros).as_str(), expected, "micros {micros} (uncached)");
    }

    #[test]
    fn fast_formatter_equals_chrono_at_edges() {
        let mut f = TimeFormatter::default();
        let day = 86_400_000_000i64;
        let mut edges = vec![0, -1, 1, 999_999, 1_000_000, -1_000_000, -1_000_001, i64::MIN, i64::MAX, i64::MIN + 1];
        // Year boundaries, leap days and month ends from year 0 to 10000 (and around them).
        for year in (0..=10_001).filter(|y| y % 97 == 0 || *y < 2 || y % 400 < 5 || *y > 9_990) {
            for (month, day_of_month) in [(1, 1), (2, 28), (2, 29), (3, 1), (12, 31)] {
                if let Some(date) = chrono::NaiveDate::from_ymd_opt(year, month, day_of_month) {
                    let t = date.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_micros();
                    edges.extend([t - 1, t, t + 1, t + day - 1, t + 86_399_000_000, t + 43_200_123_456]);
                }
            }
        }
        for micros in [1_795_820_215_000_123, 253_402_300_799_999_999, 253_402_300_800_000_000, -62_167_219_200_000_000]
        {
            edges.extend([micros - 1, micros, micros + 1]);
        }
        for micros in edges {
            check(&mut f, micros);
        }
    }

    #[test]
    fn fast_formatter_equals_chrono_at_random_instants() {
        let mut f = TimeFormatter::default();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..400_000u32 {
            let r = next(&mut state);
            let micros = match i % 4 {
                // Any instant in years 0-10000 and a little beyond.
                0 => (r % 320_000_000_000_000_000) as i64 - 62_200_000_000_000_000,
                // Recent years, consecutive instants in the same second (the cache).
                1 => 1_600_000_000_000_000 + (r % 400_000_000_000_000) as i64,
                2 => 1_795_820_215_000_000 + (r % 3_000_000) as i64,
                // Any i64 (out-of-range values go the slow way and must still match).
                _ => r as i64,
            };
            check(&mut f, micros);
        }
    }

    #[test]
    fn fmd_text_becomes_rfc3339_utc() {
        assert_eq!(fmd_text_to_rfc3339("2026-12-04 19:05:57.491820"), "2026-12-04T19:05:57.491820Z");
        assert_eq!(fmd_text_to_rfc3339("2026-12-04 19:05:57"), "2026-12-04T19:05:57.000000Z");
        assert_eq!(fmd_text_to_rfc3339("not a time"), "not a time", "unknown text is kept");
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
