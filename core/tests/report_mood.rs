//! Mood's median test against scipy.
//!
//! Every expected value below was computed with `scipy.stats.median_test(a, b)` (default arguments:
//! ties="below", correction=True) using scipy 1.17.1 and numpy 2.4.6 on Python 3, printing `repr(float(...))`
//! of the statistic, the p-value and the grand median, and the table.

use fmd_core::report::{median_test, NotTestable};

const TOLERANCE: f64 = 1e-9;

fn check(a: &[f64], b: &[f64], statistic: f64, p_value: f64, grand_median: f64, table: [[u64; 2]; 2]) {
    let got = median_test(a, b).expect("testable");
    assert!((got.statistic - statistic).abs() < TOLERANCE, "statistic {} vs scipy {statistic}", got.statistic);
    assert!((got.p_value - p_value).abs() < TOLERANCE, "p {} vs scipy {p_value}", got.p_value);
    assert!((got.grand_median - grand_median).abs() < TOLERANCE, "median {} vs scipy {grand_median}", got.grand_median);
    assert_eq!(got.table, table);
}

#[test]
fn small_separated_samples() {
    // scipy: statistic 6.4, p 0.01141203638600166, median 5.5, table [[0, 5], [5, 0]]
    check(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0], 6.4, 0.01141203638600166, 5.5, [[0, 5], [5, 0]]);
}

#[test]
fn ties_at_the_grand_median_count_below() {
    // scipy: statistic 2.006377551020408, p 0.15663894451067534, median 3.0, table [[1, 5], [5, 2]]
    check(
        &[1.0, 2.0, 2.0, 2.0, 3.0, 5.0],
        &[2.0, 2.0, 4.0, 4.0, 6.0, 7.0, 8.0],
        2.006377551020408,
        0.15663894451067534,
        3.0,
        [[1, 5], [5, 2]],
    );
}

#[test]
fn unequal_sizes() {
    // scipy: statistic 0.03078703703703701, p 0.8607163504269453, median 9.5, table [[5, 4], [7, 3]]
    check(
        &[12.5, 3.25, 7.0, 9.5, 11.0, 4.75, 8.0, 15.0, 2.5, 6.0, 10.25, 13.5],
        &[5.5, 14.0, 16.25, 9.0, 18.5, 21.0, 7.75],
        0.03078703703703701,
        0.8607163504269453,
        9.5,
        [[5, 4], [7, 3]],
    );
}

#[test]
fn identical_samples() {
    // scipy: statistic 0.0, p 1.0, median 3.5, table [[4, 4], [4, 4]]
    let a = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    check(&a, &a, 0.0, 1.0, 3.5, [[4, 4], [4, 4]]);
}

#[test]
fn one_value_each() {
    // scipy: statistic 0.0, p 1.0, median 1.5, table [[0, 1], [1, 0]]
    check(&[1.0], &[2.0], 0.0, 1.0, 1.5, [[0, 1], [1, 0]]);
}

#[test]
fn strongly_separated_gives_a_tiny_p_value() {
    // a = 1..=40, b = 31..=80. scipy: statistic 52.38642539525692, p 4.558641576108406e-13, median 38.0,
    // table [[2, 42], [38, 8]]
    let a: Vec<f64> = (1..=40).map(f64::from).collect();
    let b: Vec<f64> = (31..=80).map(f64::from).collect();
    check(&a, &b, 52.38642539525692, 4.558641576108406e-13, 38.0, [[2, 42], [38, 8]]);
    // The absolute tolerance says little this close to 0: the tail must match scipy relatively too.
    let p = median_test(&a, &b).expect("testable").p_value;
    assert!((p / 4.558641576108406e-13 - 1.0).abs() < 1e-9, "p {p}");
}

/// 64-bit LCG (Knuth's MMIX constants) mapped to [shift, shift + scale), the same in the scipy script.
fn lcg(seed: u64, n: usize, scale: f64, shift: f64) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shift + scale * ((x >> 11) as f64 / 9007199254740992.0)
        })
        .collect()
}

#[test]
fn larger_pseudo_random_samples() {
    // a = lcg(1, 200, 10, 5), b = lcg(2, 150, 10, 6). scipy: statistic 3.371666666666667,
    // p 0.06632662429944897, median 10.361930336255446, table [[91, 84], [109, 66]]
    let a = lcg(1, 200, 10.0, 5.0);
    let b = lcg(2, 150, 10.0, 6.0);
    check(&a, &b, 3.371666666666667, 0.06632662429944897, 10.361930336255446, [[91, 84], [109, 66]]);
}

#[test]
fn where_scipy_raises_we_answer_not_testable() {
    // scipy raises "All values are below the grand median (2.0)."
    assert_eq!(median_test(&[2.0, 2.0], &[2.0, 2.0, 2.0]), Err(NotTestable::NoneAbove));
    // scipy raises "Sample 1 is empty. All samples must contain at least one value."
    assert_eq!(median_test(&[], &[1.0]), Err(NotTestable::EmptySample));
    assert_eq!(median_test(&[1.0], &[]), Err(NotTestable::EmptySample));
    // scipy answers statistic=nan, pvalue=nan.
    assert_eq!(median_test(&[1.0, f64::NAN], &[2.0, 3.0]), Err(NotTestable::NotANumber));
}
