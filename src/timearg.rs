//! Parsing the CLI's instants (`--from`, `--to`, `--now`) and durations (`--older-than`).
//!
//! Instants: RFC 3339 (`2026-11-27T22:56:55Z`), a local date (`2026-11-27`, local midnight in `--tz`), a
//! local date and time (`2026-11-27 14:00`, `2026-11-27T14:00:30`), `now`, `today` (local midnight), or an
//! age (`90m`, `24h`, `7d`, `2w` ago). Durations: a number and a unit `s`, `m`/`min`, `h`, `d`, `w`.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses a duration like `90d`, `12w`, `36h`, `30m` or `45s` (whole numbers, positive, at most 100 years):
/// the configuration's parser, so `--older-than` and `[pruning] older_than` accept the same text.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = fmd_core::config::parse_duration(text)?;
    Duration::from_std(duration).map_err(|_| format!("{text:?} must be at most 100 years"))
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

/// Property tests: whatever the text, zone and "now" (any instant `--now` accepts: RFC 3339, years 0-9999),
/// the parsers return a value or an error and never panic; what they accept means what it says.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Every instant `--now` can pin (RFC 3339 has four-digit years).
    fn any_now() -> impl Strategy<Value = DateTime<Utc>> {
        let min = NaiveDate::from_ymd_opt(0, 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
        let max = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default().and_hms_opt(23, 59, 59).unwrap_or_default();
        (min.and_utc().timestamp()..=max.and_utc().timestamp())
            .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default())
    }

    /// Instants whose RFC 3339 text in any offset still has a four-digit year.
    fn any_mid_instant() -> impl Strategy<Value = DateTime<Utc>> {
        let min = NaiveDate::from_ymd_opt(1, 1, 2).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
        let max = NaiveDate::from_ymd_opt(9999, 12, 30).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
        (min.and_utc().timestamp()..=max.and_utc().timestamp(), 0u32..1_000_000_000)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap_or_default())
    }

    fn any_tz() -> impl Strategy<Value = Tz> {
        prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec())
    }

    /// Text that looks like what the parsers accept, with extreme and broken parts.
    fn near_miss() -> impl Strategy<Value = String> {
        prop_oneof![
            "[+-]?[0-9]{1,7}-[0-9]{1,2}-[0-9]{1,2}",
            "[+-]?[0-9]{1,7}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
            "[0-9]{1,25} ?(s|sec|secs|m|min|mins|h|hour|hours|d|day|days|w|week|weeks|y|x)?( ago)?",
            "-[0-9]{1,20}[smhdw]",
            "[ \t]*(now|today|NOW|Today)[ \t]*",
            "[+-][0-9]{6}-12-31 23:[0-9]{2}",
            "\\PC{0,40}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3_000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn durations_never_panic_and_stay_in_range(text in prop_oneof![any::<String>(), near_miss()]) {
            if let Ok(d) = parse_duration(&text) {
                prop_assert!(d > Duration::zero() && d <= Duration::days(100 * 366), "{text:?} gave {d}");
            }
        }

        #[test]
        fn durations_mean_what_they_say(
            n in 0i64..5_000_000,
            (unit, seconds) in prop::sample::select(vec![
                ("s", 1i64), ("sec", 1), ("m", 60), ("min", 60), ("h", 3_600), ("hours", 3_600), ("d", 86_400),
                ("days", 86_400), ("w", 604_800), ("weeks", 604_800),
            ]),
        ) {
            let result = parse_duration(&format!("{n}{unit}"));
            let total = n * seconds;
            if n > 0 && total <= 100 * 366 * 86_400 {
                prop_assert_eq!(result, Ok(Duration::seconds(total)));
            } else {
                prop_assert!(result.is_err());
            }
        }

        #[test]
        fn instants_never_panic(
            text in prop_oneof![any::<String>(), near_miss()],
            now in any_now(),
            tz in any_tz(),
        ) {
            let _ = parse_instant(&text, now, tz);
        }

        #[test]
        fn rfc3339_round_trips(now in any_now(), at in any_mid_instant(), tz in any_tz(), offset_min in -1_439i32..=1_439) {
            let offset = chrono::FixedOffset::east_opt(offset_min * 60).expect("offset within a day");
            let text = at.with_timezone(&offset).to_rfc3339();
            prop_assert_eq!(parse_instant(&text, now, tz), Ok(at), "{}", text);
        }

        #[test]
        fn ages_count_back_from_now(now in any_now(), tz in any_tz(), n in 1i64..=5_000, ago in any::<bool>()) {
            let text = if ago { format!("{n}h ago") } else { format!("{n}h") };
            prop_assert_eq!(parse_instant(&text, now, tz), Ok(now - Duration::hours(n)));
        }

        #[test]
        fn local_dates_are_local_midnight(days in 0i64..3_652_000, tz in any_tz(), now in any_now()) {
            let date = NaiveDate::from_ymd_opt(0, 1, 1).unwrap_or_default() + Duration::days(days);
            let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
            // Where local midnight exists; in a DST gap the first instant after it is taken (unit test above).
            if let Some(expected) = tz.from_local_datetime(&midnight).earliest() {
                let text = date.format("%Y-%m-%d").to_string();
                prop_assert_eq!(parse_instant(&text, now, tz), Ok(expected.with_timezone(&Utc)), "{} in {}", text, tz);
            }
        }
    }
}
