//! Parsing the CLI's instants (`--from`, `--to`, `--now`) and durations (`--older-than`).
//!
//! Instants: RFC 3339 (`2026-11-27T22:56:55Z`), a local date (`2026-11-27`, local midnight in `--tz`), a
//! local date and time (`2026-11-27 14:00`, `2026-11-27T14:00:30`), `now`, `today` (local midnight), or an
//! age (`90m`, `24h`, `7d`, `2w` ago). Durations: a number and a unit `s`, `m`/`min`, `h`, `d`, `w`.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses a duration like `90d`, `12w`, `36h`, `30m` or `45s` (whole numbers, positive, at most 100 years).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: i64 = number.parse().map_err(|_| format!("{text:?} is not a duration like 90d, 12w, 36h, 30m or 45s"))?;
    let seconds_per_unit = match unit.trim() {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        "" => return Err(format!("{text:?} has no unit: add s, m, h, d or w (e.g. 90d)")),
        other => return Err(format!("{text:?}: unknown unit {other:?}; use s, m, h, d or w")),
    };
    let seconds = n.checked_mul(seconds_per_unit).filter(|s| *s > 0 && *s <= 100 * 366 * 86_400);
    seconds.map(Duration::seconds).ok_or_else(|| format!("{text:?} must be more than zero and at most 100 years"))
}

/// Parses an instant relative to `now` in zone `tz` (see the module docs for the forms).
pub fn parse_instant(text: &str, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    match t {
        "now" => return Ok(now),
        "today" => return Ok(local(now.with_timezone(&tz).date_naive().and_hms_opt(0, 0, 0).unwrap_or_default(), tz)),
        _ => {}
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(t) {
        return Ok(instant.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(local(date.and_hms_opt(0, 0, 0).unwrap_or_default(), tz));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(local(naive, tz));
        }
    }
    if t.starts_with(|c: char| c.is_ascii_digit()) && t.ends_with(|c: char| c.is_ascii_alphabetic()) {
        let age = parse_duration(t.trim_end_matches(" ago"))?;
        return Ok(now - age);
    }
    Err(format!(
        "{text:?} is not a time: use RFC 3339 (2026-11-27T22:56:55Z), a local date (2026-11-27), a local time \
         (2026-11-27 14:00), now, today, or an age like 24h or 7d"
    ))
}

/// A local wall time in `tz` as UTC; in a DST gap the earliest valid instant after it.
fn local(naive: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-27T22:56:55Z".parse().expect("instant")
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(Duration::days(90)));
        assert_eq!(parse_duration("12w"), Ok(Duration::weeks(12)));
        assert_eq!(parse_duration("36h"), Ok(Duration::hours(36)));
        assert_eq!(parse_duration("30min"), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration("45s"), Ok(Duration::seconds(45)));
        for bad in ["", "d", "90", "0d", "-5d", "5y", "1.5d", "99999999999999999999d", "36500000d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn instants() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        assert_eq!(parse_instant("now", now(), tz), Ok(now()));
        assert_eq!(
            parse_instant("2026-11-27T22:00:00+01:00", now(), tz).map(|t| t.to_rfc3339()),
            Ok("2026-11-27T21:00:00+00:00".into())
        );
        assert_eq!(
            parse_instant("2026-11-27", now(), tz).map(|t| t.to_rfc3339()),
            Ok("2026-11-26T23:00:00+00:00".into())
        );
        assert_eq!(parse_instant("today", now(), tz).map(|t| t.to_rfc3339()), Ok("2026-11-26T23:00:00+00:00".into()));
        assert_eq!(
            parse_instant("2026-11-27 14:00", now(), tz).map(|t| t.to_rfc3339()),
            Ok("2026-11-27T13:00:00+00:00".into())
        );
        assert_eq!(parse_instant("7d", now(), tz), Ok(now() - Duration::days(7)));
        assert_eq!(parse_instant("24h ago", now(), tz), Ok(now() - Duration::hours(24)));
        // 02:30 on 2026-03-29 does not exist in Amsterdam; the next valid instant is used.
        assert_eq!(
            parse_instant("2026-03-29 02:30", now(), tz).map(|t| t.to_rfc3339()),
            Ok("2026-03-29T01:30:00+00:00".into())
        );
        for bad in ["yesterday", "2026-13-01", "27/11/2026", "", "7x"] {
            assert!(parse_instant(bad, now(), tz).is_err(), "{bad:?} accepted");
        }
    }
}
