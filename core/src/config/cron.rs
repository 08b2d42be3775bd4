//! Cron-style schedules with FMD's (APScheduler's) fields: second, minute, hour, day (of the month), month.
//!
//! A field is a comma-separated list of items: `*` (every value), a value (`5`), a range (`1-5`), or any of
//! these with a step (`*/15`, `10-50/20`, `5/10` = from 5 to the end in steps of 10). Schedules are evaluated
//! in UTC. [`CronSpec::parse`] reads all five fields in order (`"0 */5 * * *"` = second 0 of every fifth
//! minute); [`CronSpec::from_fields`] reads named fields the way APScheduler's `cron` trigger does: fields
//! more significant than the most significant one given default to `*`, less significant ones to their
//! first value, so `{ hour = 3 }` means 03:00:00 every day.
//!
//! The next matching instant is computed by the recorder (`fmd_recorder::Schedule`); this type only holds
//! and validates the sets, so `fmd.toml` errors are reported when the configuration is read. A schedule that
//! can never fire (`day = 31, month = 2`) is an error too.

use std::fmt;

/// One of the five fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CronField {
    /// 0-59.
    Second,
    /// 0-59.
    Minute,
    /// 0-23.
    Hour,
    /// Day of the month, 1-31.
    Day,
    /// 1-12.
    Month,
}

impl CronField {
    /// Every field, most significant last (the order of [`CronSpec::parse`]).
    pub const ALL: [CronField; 5] =
        [CronField::Second, CronField::Minute, CronField::Hour, CronField::Day, CronField::Month];

    /// The field's name (`second`, ..., `month`).
    pub fn name(self) -> &'static str {
        match self {
            CronField::Second => "second",
            CronField::Minute => "minute",
            CronField::Hour => "hour",
            CronField::Day => "day",
            CronField::Month => "month",
        }
    }

    /// Smallest and largest value.
    pub fn bounds(self) -> (u32, u32) {
        match self {
            CronField::Second | CronField::Minute => (0, 59),
            CronField::Hour => (0, 23),
            CronField::Day => (1, 31),
            CronField::Month => (1, 12),
        }
    }

    fn index(self) -> usize {
        match self {
            CronField::Second => 0,
            CronField::Minute => 1,
            CronField::Hour => 2,
            CronField::Day => 3,
            CronField::Month => 4,
        }
    }
}

/// A validated cron schedule: for each field, the set of values it allows (and the text it was read from).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CronSpec {
    /// Bit `v` of `sets[field]` is set when the field allows value `v`.
    sets: [u64; 5],
    /// The fields as written (after defaults), for messages.
    texts: [String; 5],
}

/// Longest day of each month (February: 29, for leap years).
const MONTH_DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

impl CronSpec {
    /// Parses `"second minute hour day month"` (five fields separated by spaces, e.g. `"0 30 3 * *"` for
    /// 03:30:00 every day).
    pub fn parse(expression: &str) -> Result<CronSpec, String> {
        let parts: Vec<&str> = expression.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "{expression:?} has {} fields; a cron schedule has five: second minute hour day month \
                 (e.g. \"0 30 3 * *\" for 03:30:00 every day)",
                parts.len()
            ));
        }
        Self::build(CronField::ALL.into_iter().zip(parts).map(|(f, p)| (f, p.to_string())).collect())
    }

    /// Reads named fields (`second`, `minute`, `hour`, `day`, `month`) with APScheduler's defaults: fields more
    /// significant than the most significant one given are `*`, less significant ones their first value.
    pub fn from_fields<'a>(fields: impl IntoIterator<Item = (&'a str, String)>) -> Result<CronSpec, String> {
        let mut given: [Option<String>; 5] = Default::default();
        for (name, text) in fields {
            let Some(field) = CronField::ALL.into_iter().find(|f| f.name() == name) else {
                return Err(format!("unknown cron field `{name}` (fields: second, minute, hour, day, month)"));
            };
            given[field.index()] = Some(text);
        }
        let Some(top) = given.iter().rposition(Option::is_some) else {
            return Err("no field given; set at least one of second, minute, hour, day, month".into());
        };
        let fields = CronField::ALL
            .into_iter()
            .map(|field| {
                let i = field.index();
                let text = match given[i].take() {
                    Some(text) => text,
                    None if i > top => "*".to_string(),
                    None => field.bounds().0.to_string(),
                };
                (field, text)
            })
            .collect();
        Self::build(fields)
    }

    fn build(fields: Vec<(CronField, String)>) -> Result<CronSpec, String> {
        let mut spec = CronSpec { sets: [0; 5], texts: Default::default() };
        for (field, text) in fields {
            spec.sets[field.index()] = parse_field(field, &text)?;
            spec.texts[field.index()] = text.trim().to_string();
        }
        let possible = (1..=12u32).any(|month| {
            spec.allows(CronField::Month, month)
                && (1..=MONTH_DAYS[month as usize - 1]).any(|day| spec.allows(CronField::Day, day))
        });
        if !possible {
            return Err(format!(
                "day {} never occurs in month {}",
                spec.text(CronField::Day),
                spec.text(CronField::Month)
            ));
        }
        Ok(spec)
    }

    /// True when `field` allows `value`.
    pub fn allows(&self, field: CronField, value: u32) -> bool {
        value < 64 && self.sets[field.index()] & (1 << value) != 0
    }

    /// The smallest value of `field` that is at least `from` (`None` when there is none).
    pub fn first_from(&self, field: CronField, from: u32) -> Option<u32> {
        let (_, max) = field.bounds();
        (from..=max).find(|v| self.allows(field, *v))
    }

    /// How `field` was written (after defaults).
    pub fn text(&self, field: CronField) -> &str {
        &self.texts[field.index()]
    }
}

impl fmt::Display for CronSpec {
    /// `second=0 minute=*/5 hour=* day=* month=*`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, field) in CronField::ALL.into_iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}={}", field.name(), self.text(field))?;
        }
        Ok(())
    }
}

fn parse_field(field: CronField, text: &str) -> Result<u64, String> {
    let name = field.name();
    let (min, max) = field.bounds();
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{name}: empty; use `*`, a value, a range `a-b`, a step `*/n` or a list `a,b`"));
    }
    let number = |s: &str| -> Result<u32, String> {
        let n: u32 = s.trim().parse().map_err(|_| format!("{name}: {s:?} is not a number"))?;
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(format!("{name}: {n} is out of range {min}-{max}"))
        }
    };
    let mut set = 0u64;
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!("{name}: {text:?} has an empty list item"));
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.trim().parse().map_err(|_| format!("{name}: step {step:?} is not a number"))?;
                if step == 0 || step > max {
                    return Err(format!("{name}: step {step} must be between 1 and {max}"));
                }
                (range.trim(), step)
            }
            None => (item, 1),
        };
        let (low, high) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (number(a)?, number(b)?);
            if a > b {
                return Err(format!("{name}: range {a}-{b} runs backwards"));
            }
            (a, b)
        } else if range.is_empty() {
            return Err(format!("{name}: {item:?} has no value before the step"));
        } else {
            let start = number(range)?;
            // `5/10` runs from 5 to the end; a plain `5` is just 5.
            (start, if item.contains('/') { max } else { start })
        };
        let mut v = low;
        while v <= high {
            set |= 1 << v;
            v += step;
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(spec: &CronSpec, field: CronField) -> Vec<u32> {
        let (min, max) = field.bounds();
        (min..=max).filter(|v| spec.allows(field, *v)).collect()
    }

    #[test]
    fn parses_values_lists_ranges_and_steps() {
        let spec = CronSpec::parse("*/15 1,15 9-17/4 */10 1-12/6").expect("valid");
        assert_eq!(values(&spec, CronField::Second), [0, 15, 30, 45]);
        assert_eq!(values(&spec, CronField::Minute), [1, 15]);
        assert_eq!(values(&spec, CronField::Hour), [9, 13, 17]);
        assert_eq!(values(&spec, CronField::Day), [1, 11, 21, 31]);
        assert_eq!(values(&spec, CronField::Month), [1, 7]);
        assert_eq!(spec.to_string(), "second=*/15 minute=1,15 hour=9-17/4 day=*/10 month=1-12/6");
        let spec = CronSpec::parse("5/20 * * * *").expect("valid");
        assert_eq!(values(&spec, CronField::Second), [5, 25, 45]);
        assert_eq!(spec.first_from(CronField::Second, 26), Some(45));
        assert_eq!(spec.first_from(CronField::Second, 46), None);
    }

    #[test]
    fn named_fields_default_like_apscheduler() {
        let spec = CronSpec::from_fields([("hour", "3".to_string())]).expect("valid");
        assert_eq!(spec.to_string(), "second=0 minute=0 hour=3 day=* month=*");
        let spec = CronSpec::from_fields([("minute", "*/5".to_string()), ("second", "30".into())]).expect("valid");
        assert_eq!(spec.to_string(), "second=30 minute=*/5 hour=* day=* month=*");
        assert!(CronSpec::from_fields([("hours", "3".to_string())]).expect_err("typo").contains("unknown cron field"));
        assert!(CronSpec::from_fields(std::iter::empty()).is_err());
    }

    #[test]
    fn errors_name_the_field_and_the_problem() {
        let cases = [
            ("0 0 0 * ", "five"),
            ("60 * * * *", "second: 60 is out of range 0-59"),
            ("* * 24 * *", "hour: 24 is out of range 0-23"),
            ("* * * 0 *", "day: 0 is out of range 1-31"),
            ("* * * * 13", "month: 13 is out of range 1-12"),
            ("*/0 * * * *", "second: step 0"),
            ("* 10-5 * * *", "minute: range 10-5 runs backwards"),
            ("* x * * *", "minute: \"x\" is not a number"),
            ("* * * 30 2", "day 30 never occurs in month 2"),
            ("* ,5 * * *", "minute: \",5\" has an empty list item"),
            ("* * /5 * *", "hour: \"/5\" has no value before the step"),
        ];
        for (text, want) in cases {
            let e = CronSpec::parse(text).expect_err(text);
            assert!(e.contains(want), "{text}: {e}");
        }
        assert!(CronSpec::parse("0 0 0 29 2").is_ok(), "leap days exist");
    }
}
