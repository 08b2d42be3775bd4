//! Shades for heatmaps and matrices: a scale from values to five levels (none and four shades), the legend
//! that names each level's range, and the cell text and style of a level. Colours on: background colours from
//! cool to hot; colours off (NO_COLOR): the glyphs ` ░▒▓█`.

use ratatui::text::Span;

use crate::format;
use crate::theme::Theme;

/// The glyph of each level when there are no colours.
pub const GLYPHS: [char; 5] = [' ', '░', '▒', '▓', '█'];
/// Levels above zero.
const SHADES: u64 = 4;

/// Counts to levels: zero is level 0, the rest spread over four shades on a square-root scale, so the busy
/// hours do not wash out the quiet ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeatScale {
    max: u64,
}

impl HeatScale {
    /// The scale of counts up to `max`.
    pub fn new(max: u64) -> HeatScale {
        HeatScale { max }
    }

    /// The level (0-4) of `value`: `ceil(4 · sqrt(value / max))`, 0 only for 0.
    pub fn level(&self, value: u64) -> usize {
        if value == 0 || self.max == 0 {
            return 0;
        }
        let share = (value as f64 / self.max as f64).min(1.0);
        ((SHADES as f64 * share.sqrt()).ceil() as usize).clamp(1, SHADES as usize)
    }

    /// The shades in use with the counts each covers, `(level, first, last)`; levels no count can reach
    /// (small maxima) are left out.
    pub fn legend(&self) -> Vec<(usize, u64, u64)> {
        let mut out = Vec::new();
        let mut first = 1;
        for level in 1..=SHADES as usize {
            // The largest count of this level: the square-root bound, corrected for rounding by the level itself.
            let bound = (self.max as f64 * (level as f64 / SHADES as f64).powi(2)).floor() as u64;
            let mut last = bound.min(self.max);
            while last < self.max && self.level(last + 1) <= level {
                last += 1;
            }
            while last >= first && self.level(last) > level {
                last -= 1;
            }
            if last >= first {
                out.push((level, first, last));
                first = last + 1;
            }
        }
        out
    }
}

/// A value between `low` and `high` (positive, e.g. medians) to a shade 1-4 on a log scale; all equal: 2.
pub fn shade_between(value: f64, low: f64, high: f64) -> usize {
    if !(value > 0.0 && low > 0.0 && high > low) {
        return 2;
    }
    let t = ((value.ln() - low.ln()) / (high.ln() - low.ln())).clamp(0.0, 1.0);
    1 + ((t * SHADES as f64).floor() as usize).min(SHADES as usize - 1)
}

/// A cell of `width` columns at `level`: the glyph repeated (no colours) or blanks on the level's colour.
pub fn shade(theme: &Theme, level: usize, width: usize) -> Span<'static> {
    let level = level.min(GLYPHS.len() - 1);
    let style = theme.heat.get(level).copied().unwrap_or_default();
    if theme.heat_glyphs {
        let glyph = GLYPHS.get(level).copied().unwrap_or(' ');
        Span::styled(glyph.to_string().repeat(width), style)
    } else {
        Span::styled(" ".repeat(width), style)
    }
}

/// `text` on the shade of `level` (matrix cells): coloured background, or the glyph before the text.
pub fn shaded_text(theme: &Theme, level: usize, text: &str, width: usize) -> Vec<Span<'static>> {
    let level = level.min(GLYPHS.len() - 1);
    if theme.heat_glyphs {
        let glyph = GLYPHS.get(level).copied().unwrap_or(' ');
        vec![Span::raw(format!("{glyph} ")), Span::raw(super::pad(text, width.saturating_sub(2), true))]
    } else {
        let style = theme.heat.get(level).copied().unwrap_or_default();
        vec![Span::styled(super::pad(text, width, true), style)]
    }
}

/// The legend spans: `░ 1–11  ▒ 12–45  ▓ 46–101  █ 102–1,180` then `unit`.
pub fn legend_spans(theme: &Theme, scale: &HeatScale, unit: &str) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (level, first, last) in scale.legend() {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(shade(theme, level, if theme.heat_glyphs { 1 } else { 2 }));
        let range = format::count_range(first, last);
        spans.push(Span::raw(format!(" {range}")));
    }
    if spans.is_empty() {
        spans.push(Span::styled("no requests".to_string(), theme.dim));
    } else {
        spans.push(Span::styled(format!("  {unit}"), theme.dim));
    }
    spans
}

/// Display width of spans.
pub fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_a_square_root_scale() {
        let s = HeatScale::new(180);
        assert_eq!(s.level(0), 0);
        assert_eq!(s.level(1), 1);
        assert_eq!(s.level(11), 1, "11/180 = 0.061, sqrt 0.247, x4 = 0.99");
        assert_eq!(s.level(12), 2);
        assert_eq!(s.level(45), 2, "45/180 = 1/4: sqrt 1/2, exactly level 2");
        assert_eq!(s.level(46), 3);
        assert_eq!(s.level(101), 3);
        assert_eq!(s.level(102), 4);
        assert_eq!(s.level(180), 4);
        assert_eq!(s.level(1000), 4, "above the maximum stays at the top");
        assert_eq!(HeatScale::new(0).level(5), 0);
    }

    #[test]
    fn the_legend_names_each_shade_range() {
        assert_eq!(HeatScale::new(180).legend(), [(1, 1, 11), (2, 12, 45), (3, 46, 101), (4, 102, 180)]);
        assert_eq!(HeatScale::new(1).legend(), [(4, 1, 1)], "one request: only the top shade");
        assert_eq!(HeatScale::new(3).legend(), [(3, 1, 1), (4, 2, 3)], "1 of 3 is already well up the scale");
        assert_eq!(HeatScale::new(0).legend(), []);
        for max in 1..400 {
            let legend = HeatScale::new(max).legend();
            let covered: u64 = legend.iter().map(|(_, a, b)| b - a + 1).sum();
            assert_eq!(covered, max, "every count 1..=max has exactly one shade ({max})");
            for (level, first, last) in legend {
                let s = HeatScale::new(max);
                assert_eq!((s.level(first), s.level(last)), (level, level), "{max}");
            }
        }
    }

    #[test]
    fn shades_between_values_use_a_log_scale() {
        assert_eq!(shade_between(1.0, 1.0, 10_000.0), 1);
        assert_eq!(shade_between(10.0, 1.0, 10_000.0), 2);
        assert_eq!(shade_between(100.0, 1.0, 10_000.0), 3);
        assert_eq!(shade_between(10_000.0, 1.0, 10_000.0), 4);
        assert_eq!(shade_between(5.0, 5.0, 5.0), 2, "one value: a middle shade");
        assert_eq!(shade_between(0.0, 0.0, 1.0), 2);
    }

    #[test]
    fn cells_are_glyphs_without_colour_and_backgrounds_with_it() {
        let plain = Theme::plain();
        assert_eq!(shade(&plain, 3, 2).content, "▓▓");
        assert_eq!(shade(&plain, 0, 2).content, "  ");
        let coloured = Theme::colored();
        let cell = shade(&coloured, 4, 2);
        assert_eq!(cell.content, "  ");
        assert_ne!(cell.style.bg, None);
        let legend: String =
            legend_spans(&plain, &HeatScale::new(180), "req/h").iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(legend, "░ 1–11  ▒ 12–45  ▓ 46–101  █ 102–180  req/h");
        let legend: String =
            legend_spans(&plain, &HeatScale::new(1_687), "req/h").iter().map(|s| s.content.as_ref()).collect();
        assert!(legend.contains("█ 949–1,687  req/h"), "{legend}");
    }
}
