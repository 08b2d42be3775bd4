//! Duration histograms with fine logarithmic buckets, stored compactly as BLOBs.
//!
//! A bucket is the top 19 bits of a duration's order-preserving bit pattern: sign, exponent and the 7 leading
//! mantissa bits. So every octave `[2^e, 2^(e+1))` holds 128 equal buckets of relative width between 2^-8 and
//! 2^-7 (0.39 %-0.78 %), buckets sort like the values they hold, and a bucket's bounds are exact `f64`s, which
//! lets a query seek the `(endpoint_id, duration)` index to exactly the first value of a bucket.
//!
//! Only usable durations are counted (finite, within ±1e308, i.e. what `VALID_DURATION` admits).

use crate::store::views::{fences, lerp, virtual_index, DurationSummary};

/// Bits dropped from the 64-bit order key: what remains is sign + exponent + 7 mantissa bits.
const SHIFT: u32 = 45;

/// Format tag of an encoded histogram.
const TAG: u8 = 1;

/// Largest duration magnitude counted (SQL `duration BETWEEN -1e308 AND 1e308`).
pub(crate) const LIMIT: f64 = 1e308;

/// The order-preserving 64-bit key of a finite value (`-0.0` counts as `0.0`, as SQL compares them).
fn order_bits(d: f64) -> u64 {
    let d = if d == 0.0 { 0.0 } else { d };
    let bits = d.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The value of an order key (inverse of [`order_bits`]).
fn from_order_bits(m: u64) -> f64 {
    let bits = if m >> 63 == 1 { m & !(1 << 63) } else { !m };
    f64::from_bits(bits)
}

/// The bucket of a usable duration.
pub(crate) fn bucket(d: f64) -> u32 {
    (order_bits(d) >> SHIFT) as u32
}

/// The smallest value of bucket `k`.
pub(crate) fn bucket_low(k: u32) -> f64 {
    let v = from_order_bits(u64::from(k) << SHIFT);
    // The bucket holding 0.0 starts at +0.0; nothing smaller than -0.0 lives in it.
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// The largest value of bucket `k`.
pub(crate) fn bucket_high(k: u32) -> f64 {
    let m = (u64::from(k) << SHIFT) | ((1u64 << SHIFT) - 1);
    let v = from_order_bits(m);
    if v == 0.0 {
        // The bucket just below zero ends at the largest negative subnormal, not at -0.0 (which SQL equates
        // with +0.0).
        -f64::from_bits(1)
    } else {
        v
    }
}

/// A representative value of bucket `k`: the midpoint of its bounds, within half a bucket width (at most
/// 2^-8, about 0.39 %, of the value) of every value the bucket holds.
pub(crate) fn bucket_mid(k: u32) -> f64 {
    let (lo, hi) = (bucket_low(k), bucket_high(k));
    lo + (hi - lo) / 2.0
}

/// True when `d` is a usable duration for histograms (finite and within ±1e308).
pub(crate) fn usable(d: f64) -> bool {
    d.is_finite() && d.abs() <= LIMIT
}

/// Counts per bucket, sorted by bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Hist {
    entries: Vec<(u32, u64)>,
}

impl Hist {
    /// Counts one usable duration.
    pub(crate) fn add(&mut self, d: f64) {
        self.add_bucket(bucket(d), 1);
    }

    /// Adds `n` to bucket `k`.
    pub(crate) fn add_bucket(&mut self, k: u32, n: u64) {
        if let Some(last) = self.entries.last_mut() {
            if last.0 == k {
                last.1 += n;
                return;
            }
            if last.0 < k {
                self.entries.push((k, n));
                return;
            }
        }
        match self.entries.binary_search_by_key(&k, |e| e.0) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 += n;
                }
            }
            Err(i) => self.entries.insert(i, (k, n)),
        }
    }

    /// Adds every count of `other`.
    pub(crate) fn merge(&mut self, other: &Hist) {
        if other.entries.is_empty() {
            return;
        }
        if self.entries.is_empty() {
            self.entries.clone_from(&other.entries);
            return;
        }
        let mut out = Vec::with_capacity(self.entries.len() + other.entries.len());
        let (mut a, mut b) = (self.entries.iter().peekable(), other.entries.iter().peekable());
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    out.push((x.0, x.1 + y.1));
                    a.next();
                    b.next();
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    out.push(**x);
                    a.next();
                }
                (Some(_), Some(y)) => {
                    out.push(**y);
                    b.next();
                }
                (Some(x), None) => {
                    out.push(**x);
                    a.next();
                }
                (None, Some(y)) => {
                    out.push(**y);
                    b.next();
                }
                (None, None) => break,
            }
        }
        self.entries = out;
    }

    /// Number of values counted.
    pub(crate) fn total(&self) -> u64 {
        self.entries.iter().map(|e| e.1).sum()
    }

    /// `(bucket, count)`, ascending.
    pub(crate) fn entries(&self) -> &[(u32, u64)] {
        &self.entries
    }

    /// The bucket holding the value of 0-based rank `k` and the rank of that value within the bucket.
    pub(crate) fn locate(&self, k: u64) -> Option<(u32, u64)> {
        let mut below = 0u64;
        for &(bucket, n) in &self.entries {
            if k < below + n {
                return Some((bucket, k - below));
            }
            below += n;
        }
        None
    }

    /// The compact form: a tag, the number of entries, then per entry the bucket's distance to the previous
    /// bucket and the count, all as LEB128 varints (typically 2-4 bytes per non-empty bucket).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.entries.len() * 3);
        out.push(TAG);
        put_varint(&mut out, self.entries.len() as u64);
        let mut prev = 0u32;
        for &(k, n) in &self.entries {
            put_varint(&mut out, u64::from(k - prev));
            put_varint(&mut out, n);
            prev = k;
        }
        out
    }

    /// Reads [`Hist::encode`]'s form; `None` for anything else (a corrupt or foreign BLOB).
    pub(crate) fn decode(bytes: &[u8]) -> Option<Hist> {
        let (&tag, mut rest) = bytes.split_first()?;
        if tag != TAG {
            return None;
        }
        let len = get_varint(&mut rest)?;
        let mut entries = Vec::with_capacity(usize::try_from(len).ok()?.min(1 << 20));
        let mut prev = 0u64;
        for i in 0..len {
            let delta = get_varint(&mut rest)?;
            if i > 0 && delta == 0 {
                return None;
            }
            prev = prev.checked_add(delta)?;
            let k = u32::try_from(prev).ok()?;
            entries.push((k, get_varint(&mut rest)?));
        }
        rest.is_empty().then_some(Hist { entries })
    }
}

/// Appends `v` as a LEB128 varint (7 bits a byte, low first).
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint written by [`put_varint`] from the front of `input`, advancing it; `None` when it is cut
/// short or overflows 64 bits.
pub(crate) fn get_varint(input: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = input.split_first()?;
        *input = rest;
        v |= u64::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Usable durations as a histogram plus the exact count, sum, minimum and maximum.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Durations {
    /// Bucket counts.
    pub(crate) hist: Hist,
    /// Compensated sum.
    pub(crate) sum: Sum,
    /// Smallest value (`+inf` when empty).
    pub(crate) min: f64,
    /// Largest value (`-inf` when empty).
    pub(crate) max: f64,
}

impl Default for Durations {
    fn default() -> Self {
        Durations::new()
    }
}

impl Durations {
    /// Nothing counted yet.
    pub(crate) fn new() -> Durations {
        Durations { hist: Hist::default(), sum: Sum::default(), min: f64::INFINITY, max: f64::NEG_INFINITY }
    }

    /// Counts a usable duration.
    pub(crate) fn add(&mut self, d: f64) {
        self.hist.add(d);
        self.sum.add(d);
        self.min = self.min.min(d);
        self.max = self.max.max(d);
    }

    /// Adds another set.
    pub(crate) fn merge(&mut self, other: &Durations) {
        self.hist.merge(&other.hist);
        self.sum.merge(&other.sum);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of durations.
    pub(crate) fn count(&self) -> u64 {
        self.hist.total()
    }

    /// The approximate value of 0-based rank `k`: exact for the smallest and largest, else the midpoint of its
    /// bucket clamped to `[min, max]`.
    pub(crate) fn approx_at(&self, k: u64) -> Option<f64> {
        let n = self.count();
        if n == 0 || k >= n {
            return None;
        }
        if k == 0 {
            return Some(self.min);
        }
        if k == n - 1 {
            return Some(self.max);
        }
        let (b, _) = self.hist.locate(k)?;
        Some(bucket_mid(b).clamp(self.min, self.max))
    }

    /// numpy's linear percentile, from approximate order statistics.
    pub(crate) fn approx_percentile(&self, p: f64) -> Option<f64> {
        let n = self.count();
        let (k, gamma) = virtual_index(n, p)?;
        let a = self.approx_at(k)?;
        let b = self.approx_at((k + 1).min(n - 1))?;
        Some(lerp(a, b, gamma))
    }

    /// numpy's median (mean of the two middle values for even counts), approximate.
    pub(crate) fn approx_median(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let upper = self.approx_at(n / 2)?;
        if n % 2 == 1 {
            return Some(upper);
        }
        Some((self.approx_at(n / 2 - 1)? + upper) / 2.0)
    }

    /// The mean (`None` when empty).
    pub(crate) fn mean(&self) -> Option<f64> {
        let n = self.count();
        (n > 0).then(|| self.sum.value() / n as f64)
    }

    /// A box-plot summary: count, mean, minimum and maximum exact (the mean up to rounding), percentiles within
    /// half a bucket, whiskers at the nearest non-empty bucket at or inside the fence.
    pub(crate) fn approx_summary(&self) -> Option<DurationSummary> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let p = |q: f64| self.approx_percentile(q);
        let (p25, p50, p75, p95) = (p(25.0)?, p(50.0)?, p(75.0)?, p(95.0)?);
        let (low_fence, high_fence) = fences(p25, p75);
        Some(DurationSummary {
            count: n,
            mean: self.mean()?,
            min: self.min,
            p25,
            p50,
            p75,
            p95,
            max: self.max,
            whisker_low: self.approx_first_at_or_above(low_fence),
            whisker_high: self.approx_last_at_or_below(high_fence),
        })
    }

    fn approx_first_at_or_above(&self, fence: f64) -> f64 {
        if self.min >= fence {
            return self.min;
        }
        self.hist
            .entries()
            .iter()
            .find(|(k, _)| bucket_high(*k) >= fence)
            .map_or(self.max, |(k, _)| bucket_mid(*k).max(fence).clamp(self.min, self.max))
    }

    fn approx_last_at_or_below(&self, fence: f64) -> f64 {
        if self.max <= fence {
            return self.max;
        }
        self.hist
            .entries()
            .iter()
            .rev()
            .find(|(k, _)| bucket_low(*k) <= fence)
            .map_or(self.min, |(k, _)| bucket_mid(*k).min(fence).clamp(self.min, self.max))
    }
}

/// Neumaier-compensated sum.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Sum {
    /// Running sum.
    pub(crate) sum: f64,
    /// Accumulated rounding error.
    pub(crate) compensation: f64,
}

impl Sum {
    /// Adds a value.
    pub(crate) fn add(&mut self, v: f64) {
        let t = self.sum + v;
        self.compensation += if self.sum.abs() >= v.abs() { (self.sum - t) + v } else { (v - t) + self.sum };
        self.sum = t;
    }

    /// Adds another sum.
    pub(crate) fn merge(&mut self, other: &Sum) {
        self.add(other.sum);
        self.compensation += other.compensation;
    }

    /// The compensated total.
    pub(crate) fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_sort_like_values_and_bounds_are_exact() {
        let values = [-1e308, -5.0, -1e-300, -0.0, 0.0, 1e-310, 0.001, 0.5, 1.0, 1.004, 1.01, 27.3, 1e9, 1e308];
        for w in values.windows(2) {
            assert!(bucket(w[0]) <= bucket(w[1]), "{} vs {}", w[0], w[1]);
        }
        assert_eq!(bucket(-0.0), bucket(0.0));
        for &v in &values {
            let k = bucket(v);
            assert!(bucket_low(k) <= v && v <= bucket_high(k), "{v} in [{}, {}]", bucket_low(k), bucket_high(k));
            assert_eq!(bucket(bucket_low(k)), k);
            assert_eq!(bucket(bucket_high(k)), k);
            assert!(bucket_high(k) < bucket_low(k + 1));
        }
        // Relative width at most 2^-7.
        for v in [0.013, 1.0, 1.99, 27.3, 5000.0] {
            let k = bucket(v);
            assert!((bucket_high(k) - bucket_low(k)) / v <= 1.0 / 128.0 + 1e-12);
            assert!((bucket_mid(k) - v).abs() / v <= 1.0 / 256.0 + 1e-12);
        }
        assert!(bucket_high(bucket(-1e-300)) < 0.0, "the bucket below zero never reaches -0.0");
    }

    #[test]
    fn encoding_round_trips_and_rejects_garbage() {
        let mut h = Hist::default();
        for v in [3.0, 1.0, 3.0, 2.5, 1e6, 0.0, -4.0] {
            h.add(v);
        }
        assert_eq!(h.total(), 7);
        let bytes = h.encode();
        assert_eq!(Hist::decode(&bytes), Some(h.clone()));
        assert_eq!(Hist::decode(&[]), None);
        assert_eq!(Hist::decode(&[9, 0]), None);
        assert_eq!(Hist::decode(&bytes[..bytes.len() - 1]), None);
        let mut merged = h.clone();
        merged.merge(&Hist::decode(&bytes).expect("decodes"));
        assert_eq!(merged.total(), 14);
        assert_eq!(merged.locate(0), Some((bucket(-4.0), 0)));
        assert_eq!(merged.locate(1), Some((bucket(-4.0), 1)));
        assert_eq!(merged.locate(14), None);
    }

    #[test]
    fn approximate_summary_is_within_half_a_bucket() {
        let mut d = Durations::new();
        let mut values: Vec<f64> = (0..1001).map(|i| 0.5 + f64::from(i) * 0.0371).collect();
        for v in &values {
            d.add(*v);
        }
        let exact = DurationSummary::from_unsorted(&mut values).expect("summary");
        let approx = d.approx_summary().expect("summary");
        assert_eq!((approx.count, approx.min, approx.max), (exact.count, exact.min, exact.max));
        assert!((approx.mean - exact.mean).abs() < 1e-12);
        for (a, e) in
            [(approx.p25, exact.p25), (approx.p50, exact.p50), (approx.p75, exact.p75), (approx.p95, exact.p95)]
        {
            assert!((a - e).abs() <= e.abs() / 256.0, "{a} vs {e}");
        }
        assert!((d.approx_median().expect("median") - exact.p50).abs() <= exact.p50 / 256.0);
    }
}
