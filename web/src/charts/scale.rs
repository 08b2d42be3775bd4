//! Axes and colour scales: values to pixels, linear (ticks at round values: 1, 2 or 5 times a power of ten)
//! or logarithmic (ticks at powers of ten, with 2 and 5 between them over few decades), [`Scale::fit`]
//! choosing log when the values span decades; and the sequential colour scale of heatmaps ([`HeatScale`]:
//! CSS classes `h0`..`h4` over `--heat-0`..`--heat-4`, a colour-blind-safe blue ramp).

/// Smallest value a log scale shows; zero and below sit at its low end.
pub const LOG_FLOOR: f64 = 0.001;
/// [`Scale::fit`] goes logarithmic when the largest value is at least this many times the smallest.
pub const LOG_RATIO: f64 = 30.0;
/// Ticks a linear axis aims at.
const TICKS: usize = 5;

/// Values to pixels along one axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    step: f64,
    from_px: f64,
    to_px: f64,
}

impl Scale {
    /// A linear scale over `min..=max` drawn from pixel `from_px` to `to_px` (which may be smaller, for
    /// y axes); its ends are widened to round ticks.
    pub fn linear(min: f64, max: f64, from_px: f64, to_px: f64) -> Scale {
        let (min, max) = finite_pair(min, max, 0.0, 1.0);
        let (min, max) = if max > min {
            (min, max)
        } else if max == 0.0 {
            (0.0, 1.0)
        } else {
            (min.min(0.0), max.max(0.0))
        };
        let (min, max) = if max > min { (min, max) } else { (min - 1.0, max + 1.0) };
        let step = nice_step(max - min, TICKS);
        let lo = (min / step).floor() * step;
        let hi = (max / step).ceil() * step;
        Scale { lo, hi: if hi > lo { hi } else { lo + step }, log: false, step, from_px, to_px }
    }

    /// A linear scale from a round value at or below `min` to `max` itself (bars: the longest one fills the
    /// width); ticks at round values inside it.
    pub fn tight(min: f64, max: f64, from_px: f64, to_px: f64) -> Scale {
        let round = Scale::linear(min, max, from_px, to_px);
        let (_, max) = finite_pair(min, max, 0.0, 1.0);
        if max > round.lo {
            Scale { hi: max, ..round }
        } else {
            round
        }
    }

    /// A logarithmic scale over `min..=max` (both raised to [`LOG_FLOOR`] at least), widened to powers of ten.
    pub fn log(min: f64, max: f64, from_px: f64, to_px: f64) -> Scale {
        let (min, max) = finite_pair(min, max, LOG_FLOOR, 1.0);
        let min = min.max(LOG_FLOOR);
        let max = max.max(min);
        let lo = 10f64.powf(min.log10().floor());
        let hi = 10f64.powf(max.log10().ceil());
        let hi = if hi > lo { hi } else { lo * 10.0 };
        Scale { lo, hi, log: true, step: 0.0, from_px, to_px }
    }

    /// Log when the positive values span decades (`max >= LOG_RATIO * min`), else linear from zero.
    pub fn fit(min: f64, max: f64, from_px: f64, to_px: f64) -> Scale {
        if spans_decades(min, max) {
            Scale::log(min, max, from_px, to_px)
        } else {
            Scale::linear(0.0_f64.min(min), max, from_px, to_px)
        }
    }

    /// Whether the scale is logarithmic.
    pub fn is_log(&self) -> bool {
        self.log
    }

    /// The values at its ends.
    pub fn domain(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The pixel of `value`, clamped to the scale's ends.
    pub fn px(&self, value: f64) -> f64 {
        let t = if self.log {
            let v = if value.is_finite() { value.max(self.lo) } else { self.lo };
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            let v = if value.is_finite() { value } else { self.lo };
            (v - self.lo) / (self.hi - self.lo)
        };
        self.from_px + t.clamp(0.0, 1.0) * (self.to_px - self.from_px)
    }

    /// The tick values, low to high: multiples of a round step (linear), or powers of ten with 2 and 5
    /// between them when the scale spans at most two decades (log).
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let decades = (self.hi / self.lo).log10().round() as i32;
            let first = self.lo.log10().round() as i32;
            let mut ticks = Vec::new();
            for e in first..=first + decades {
                let base = 10f64.powi(e);
                ticks.push(clean(base));
                if decades <= 2 && e < first + decades {
                    ticks.push(clean(2.0 * base));
                    ticks.push(clean(5.0 * base));
                }
            }
            ticks
        } else {
            let n = ((self.hi - self.lo) / self.step + 1e-9).floor() as i64;
            (0..=n).map(|i| clean(self.lo + i as f64 * self.step)).collect()
        }
    }
}

/// Whether positive values from `min` to `max` span decades ([`LOG_RATIO`]); never for a `min` of zero or
/// below (callers pass the smallest positive value).
pub fn spans_decades(min: f64, max: f64) -> bool {
    min.is_finite() && min > 0.0 && max.is_finite() && max >= min.max(LOG_FLOOR) * LOG_RATIO
}

fn finite_pair(min: f64, max: f64, min_or: f64, max_or: f64) -> (f64, f64) {
    let min = if min.is_finite() { min } else { min_or };
    let max = if max.is_finite() { max } else { max_or };
    (min.min(max), max.max(min))
}

/// A round step (1, 2 or 5 times a power of ten) cutting `span` into about `ticks` parts.
pub fn nice_step(span: f64, ticks: usize) -> f64 {
    let span = if span.is_finite() && span > 0.0 { span } else { 1.0 };
    let raw = span / ticks.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().find(|m| m * magnitude >= raw * (1.0 - 1e-9)).unwrap_or(10.0);
    clean(step * magnitude)
}

/// `v` without the float noise of sums of steps (`0.30000000000000004` → `0.3`).
fn clean(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { 0.0 } else { v };
    }
    let digits = 12 - v.abs().log10().ceil() as i32;
    let factor = 10f64.powi(digits.clamp(0, 15));
    (v * factor).round() / factor
}

/// A tick's text: `0`, `0.25`, `5`, `250`, `12k`, `2.5M`.
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

/// A duration tick in ms: `0.1 ms`, `20 ms`, `1.5 s`.
pub fn ms_label(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{} s", trim(v / 1000.0))
    } else {
        format!("{} ms", trim(v))
    }
}

fn trim(v: f64) -> String {
    let text = format!("{:.3}", clean(v));
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// Pixels per character of chart text (11 px system font, a little generous).
pub const CHAR_PX: f64 = 6.6;

/// About how wide `text` is drawn, in pixels.
pub fn text_px(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_PX
}

/// `text` cut to `chars` characters at most, an ellipsis marking the cut (the full text goes in a title).
pub fn fit_text(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A coordinate as SVG text, one decimal.
pub fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// Levels of the heat scale: 0 (nothing) and four shades.
pub const HEAT_LEVELS: u8 = 5;

/// The sequential colour scale of heatmaps: 0 is level 0 (`h0`), the rest in four equal steps up to `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatScale {
    max: f64,
}

impl HeatScale {
    /// A scale up to `max` (the largest value shown).
    pub fn new(max: f64) -> HeatScale {
        HeatScale { max: if max.is_finite() && max > 0.0 { max } else { 1.0 } }
    }

    /// The level (0-4) of `value`.
    pub fn level(&self, value: f64) -> u8 {
        if !value.is_finite() || value <= 0.0 {
            return 0;
        }
        ((value * 4.0 / self.max).ceil() as u8).clamp(1, HEAT_LEVELS - 1)
    }

    /// The CSS class of `value`'s level (`h0`..`h4`).
    pub fn class(&self, value: f64) -> &'static str {
        HEAT_CLASSES[usize::from(self.level(value))]
    }

    /// The whole counts each shade covers (level, first, last), shades covering none left out.
    pub fn count_ranges(&self) -> Vec<(u8, u64, u64)> {
        let max = self.max.round() as u64;
        let mut out = vec![(0, 0, 0)];
        for level in 1..HEAT_LEVELS {
            let first = (u64::from(level) - 1) * max / 4 + 1;
            let last = u64::from(level) * max / 4;
            if first <= last {
                out.push((level, first, last));
            }
        }
        out
    }

    /// The part of `max` each shade covers (level, above, up to), for shares and other fractions.
    pub fn fraction_ranges(&self) -> Vec<(u8, f64, f64)> {
        (1..HEAT_LEVELS).map(|l| (l, self.max * f64::from(l - 1) / 4.0, self.max * f64::from(l) / 4.0)).collect()
    }
}

/// The CSS classes of the heat levels.
pub const HEAT_CLASSES: [&str; HEAT_LEVELS as usize] = ["h0", "h1", "h2", "h3", "h4"];

#[cfg(test)]
mod tests {
    use super::*;

    /// 1, 2 or 5 times a power of ten.
    fn round_step(step: f64) -> bool {
        let norm = step / 10f64.powf(step.log10().floor());
        [1.0, 2.0, 5.0, 10.0].iter().any(|r| (norm - r).abs() < 1e-9)
    }

    #[test]
    fn linear_ticks_are_round_and_cover_the_values() {
        for (min, max) in [(0.0, 57.774), (0.0, 0.34), (0.0, 1234.0), (0.0, 3.0), (-12.0, 48.2), (0.0, 0.0), (5.0, 5.0)]
        {
            let scale = Scale::linear(min, max, 0.0, 500.0);
            let ticks = scale.ticks();
            assert!(ticks.len() >= 2 && ticks.len() <= 12, "{min}..{max}: {ticks:?}");
            let (lo, hi) = scale.domain();
            assert!(lo <= min && hi >= max, "{min}..{max} within {lo}..{hi}");
            let step = ticks[1] - ticks[0];
            assert!(round_step(step), "{min}..{max}: {ticks:?}");
            assert!(ticks.iter().all(|t| ((t / step) - (t / step).round()).abs() < 1e-9), "{ticks:?}");
            assert!(ticks.windows(2).all(|w| ((w[1] - w[0]) - step).abs() < step * 1e-6), "{ticks:?}");
        }
        assert_eq!(Scale::linear(0.0, 57.774, 0.0, 1.0).ticks(), [0.0, 20.0, 40.0, 60.0]);
        assert_eq!(Scale::linear(0.0, 0.34, 0.0, 1.0).ticks(), [0.0, 0.1, 0.2, 0.3, 0.4]);
        assert_eq!(nice_step(0.3, 3), 0.1);
    }

    #[test]
    fn a_tight_scale_ends_at_its_largest_value() {
        let bars = Scale::tight(0.0, 153.0, 0.0, 153.0);
        assert_eq!(bars.domain(), (0.0, 153.0));
        assert_eq!(bars.ticks(), [0.0, 50.0, 100.0, 150.0]);
        assert_eq!(bars.px(153.0), 153.0);
    }

    #[test]
    fn pixels_run_from_end_to_end_and_clamp() {
        let x = Scale::linear(0.0, 100.0, 10.0, 110.0);
        assert_eq!(x.px(0.0), 10.0);
        assert_eq!(x.px(50.0), 60.0);
        assert_eq!(x.px(1e9), 110.0);
        let y = Scale::linear(0.0, 100.0, 200.0, 0.0);
        assert_eq!(y.px(100.0), 0.0, "y axes grow upwards");
        let log = Scale::log(0.1, 100.0, 0.0, 300.0);
        assert!((log.px(1.0) - 100.0).abs() < 1e-9 && (log.px(10.0) - 200.0).abs() < 1e-9);
        assert_eq!(log.px(0.0), 0.0, "zero sits at the low end");
    }

    #[test]
    fn log_scale_kicks_in_for_wide_ranges_only() {
        assert!(Scale::fit(0.079, 57.0, 0.0, 1.0).is_log(), "index's 0.08 ms beside report's 57 ms");
        assert!(!Scale::fit(2.0, 30.0, 0.0, 1.0).is_log());
        assert!(!Scale::fit(0.0, 0.5, 0.0, 1.0).is_log());
        let log = Scale::log(0.079, 57.0, 0.0, 1.0);
        assert_eq!(log.domain(), (0.01, 100.0));
        assert_eq!(log.ticks(), [0.01, 0.1, 1.0, 10.0, 100.0]);
        let narrow = Scale::log(1.5, 60.0, 0.0, 1.0);
        assert_eq!(narrow.ticks(), [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
    }

    #[test]
    fn labels_read_short() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(0.1 + 0.2), "0.3");
        assert_eq!(tick_label(20_000.0), "20k");
        assert_eq!(tick_label(2_500_000.0), "2.5M");
        assert_eq!(ms_label(0.01), "0.01 ms");
        assert_eq!(ms_label(1500.0), "1.5 s");
    }

    #[test]
    fn heat_levels_split_the_counts_in_four() {
        let heat = HeatScale::new(28.0);
        assert_eq!(heat.level(0.0), 0);
        assert_eq!(heat.level(1.0), 1);
        assert_eq!(heat.level(7.0), 1);
        assert_eq!(heat.level(8.0), 2);
        assert_eq!(heat.level(28.0), 4);
        assert_eq!(heat.class(21.0), "h3");
        assert_eq!(heat.count_ranges(), [(0, 0, 0), (1, 1, 7), (2, 8, 14), (3, 15, 21), (4, 22, 28)]);
        for v in 1..=28u64 {
            let level = heat.level(v as f64);
            let (_, first, last) = heat.count_ranges()[usize::from(level)];
            assert!(first <= v && v <= last, "{v} in level {level}");
        }
        assert_eq!(HeatScale::new(2.0).count_ranges(), [(0, 0, 0), (2, 1, 1), (4, 2, 2)], "empty shades left out");
    }
}
