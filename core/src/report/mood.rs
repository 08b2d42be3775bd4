//! Mood's median test for two samples, computed exactly as `scipy.stats.median_test(a, b)` does with its
//! defaults (`ties="below"`, `correction=True`, `lambda_=1`), which is what FMD's reporting calls.
//!
//! The steps, following scipy:
//! 1. The grand median is numpy's median of both samples together (mean of the two middle values for an
//!    even count).
//! 2. A 2x2 table counts, per sample, the values above the grand median (row 0) and the values below it or
//!    equal to it (row 1, `ties="below"`).
//! 3. Pearson's chi-square of that table with one degree of freedom, after Yates' continuity correction as
//!    `scipy.stats.chi2_contingency` applies it: every observed count moves towards its expected count
//!    (`row total * column total / n`) by `min(0.5, |expected - observed|)`.
//! 4. The p-value is the chi-square(1) survival function of the statistic (statrs).
//!
//! Where scipy raises (an empty sample, every value on one side of the grand median, which includes "all
//! values equal") or answers NaN (a NaN in the data), [`median_test`] returns a [`NotTestable`] reason
//! instead: it never panics and never hands out a NaN p-value that could be read as significant.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The outcome of a testable median test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedianTest {
    /// The chi-square statistic (with Yates' correction).
    pub statistic: f64,
    /// The p-value: chi-square(1) survival function of `statistic`.
    pub p_value: f64,
    /// The median of both samples together.
    pub grand_median: f64,
    /// scipy's contingency table: `table[0] = [above in a, above in b]`,
    /// `table[1] = [below or equal in a, below or equal in b]`.
    pub table: [[u64; 2]; 2],
}

/// Why two samples cannot be compared by the median test (scipy raises or answers NaN in these cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum NotTestable {
    /// One of the samples has no values.
    #[error("a sample is empty")]
    EmptySample,
    /// A sample holds NaN (scipy propagates it into a NaN result).
    #[error("a sample contains NaN")]
    NotANumber,
    /// Every value is at or below the grand median (e.g. all values are equal), so the table has a zero row.
    #[error("no value lies above the grand median (all values equal or a zero row in the table)")]
    NoneAbove,
    /// Every value is above the grand median (a zero row in the table).
    #[error("no value lies at or below the grand median (a zero row in the table)")]
    NoneBelow,
    /// The statistic or p-value came out non-finite (e.g. infinite values in the samples).
    #[error("the statistic is not a finite number")]
    NonFinite,
}

/// numpy's median of an unsorted sample: the middle value, or the mean of the two middle values for an even
/// count. `None` for an empty sample. NaN values sort last (they are rejected before this is called).
pub fn median(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let upper = sorted[n / 2];
    if n % 2 == 1 {
        Some(upper)
    } else {
        Some((sorted[n / 2 - 1] + upper) / 2.0)
    }
}

/// Mood's median test of `a` against `b`, as `scipy.stats.median_test(a, b)` with default arguments.
pub fn median_test(a: &[f64], b: &[f64]) -> Result<MedianTest, NotTestable> {
    if a.is_empty() || b.is_empty() {
        return Err(NotTestable::EmptySample);
    }
    if a.iter().chain(b).any(|v| v.is_nan()) {
        return Err(NotTestable::NotANumber);
    }
    let all: Vec<f64> = a.iter().chain(b).copied().collect();
    let grand_median = median(&all).ok_or(NotTestable::EmptySample)?;
    if grand_median.is_nan() {
        // e.g. the two middle values are -inf and +inf.
        return Err(NotTestable::NonFinite);
    }
    let above = |s: &[f64]| s.iter().filter(|v| **v > grand_median).count() as u64;
    let (above_a, above_b) = (above(a), above(b));
    let table = [[above_a, above_b], [a.len() as u64 - above_a, b.len() as u64 - above_b]];
    if above_a + above_b == 0 {
        return Err(NotTestable::NoneAbove);
    }
    if table[1][0] + table[1][1] == 0 {
        return Err(NotTestable::NoneBelow);
    }
    let statistic = yates_chi_square(&table);
    let p_value = ChiSquared::new(1.0).map(|chi2| chi2.sf(statistic)).unwrap_or(f64::NAN);
    if !statistic.is_finite() || !p_value.is_finite() {
        return Err(NotTestable::NonFinite);
    }
    Ok(MedianTest { statistic, p_value, grand_median, table })
}

/// Pearson's chi-square of a 2x2 table with Yates' correction, as `scipy.stats.chi2_contingency` computes it.
/// Row and column totals must be non-zero (checked by the caller), so no expected count is zero.
fn yates_chi_square(table: &[[u64; 2]; 2]) -> f64 {
    let rows = [table[0][0] + table[0][1], table[1][0] + table[1][1]];
    let cols = [table[0][0] + table[1][0], table[0][1] + table[1][1]];
    let n = (rows[0] + rows[1]) as f64;
    let mut statistic = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &count) in row.iter().enumerate() {
            let expected = rows[i] as f64 * cols[j] as f64 / n;
            let observed = count as f64;
            let diff = expected - observed;
            let corrected = observed + diff.abs().min(0.5) * diff.signum();
            statistic += (corrected - expected).powi(2) / expected;
        }
    }
    statistic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_like_numpy() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[2.0]), Some(2.0));
        assert_eq!(median(&[3.0, 1.0]), Some(2.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn degenerate_inputs_are_not_testable() {
        assert_eq!(median_test(&[], &[1.0]), Err(NotTestable::EmptySample));
        assert_eq!(median_test(&[1.0], &[]), Err(NotTestable::EmptySample));
        assert_eq!(median_test(&[1.0, 1.0], &[1.0]), Err(NotTestable::NoneAbove));
        assert_eq!(median_test(&[f64::NAN], &[1.0]), Err(NotTestable::NotANumber));
        assert_eq!(median_test(&[f64::NEG_INFINITY], &[f64::INFINITY]), Err(NotTestable::NonFinite));
    }
}
