//! Box plots of durations on one shared scale, linear or log (`l`):
//!
//! ```text
//! endpoint     linear · l: log                          p25     p50     p75     p95      n
//! user_detail  ├─[▒┃▒▒]──────┤                        3.1 ms  4.0 ms  5.2 ms  9.8 ms    443
//! search        ├[▒┃▒]──┤                             4.1 ms  4.7 ms  5.6 ms  7.9 ms    285
//!              0 ms        10 ms       20 ms       30 ms
//! ```
//!
//! Whiskers (`├─┤`) end at the furthest durations within 1.5 IQR of the box, the box (`[▒]`) spans p25-p75,
//! `┃` marks the median. [`Scale`] turns values into columns and picks the axis ticks; [`glyphs`] draws one
//! plot; [`render_table`] lays out label, plot and the numbers beside it, dropping numbers by priority when
//! narrow. Only the visible rows are built.

use fmd_core::store::DurationSummary;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{cell, line_at, note};
use crate::app::App;
use crate::cursor::visible_start;
use crate::format;

/// Widest row label.
const LABEL_MAX: usize = 24;
/// Narrowest plot kept before numbers are dropped: a third of the width, within these bounds.
const PLOT_MIN: (usize, usize) = (12, 30);
/// Width of a duration column (`<0.01 ms`).
const DURATION: usize = 8;
/// Smallest value a log scale shows (ms): zero and below sit at the left edge.
const LOG_FLOOR: f64 = 0.001;

/// Values to columns `0..width`, linear from zero or logarithmic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    width: usize,
}

impl Scale {
    /// A scale covering `low..=high` in `width` columns: linear ones start at zero, log ones at `low` (or
    /// [`LOG_FLOOR`] when that is not positive).
    pub fn new(low: f64, high: f64, log: bool, width: usize) -> Scale {
        let finite = |v: f64, or: f64| if v.is_finite() { v } else { or };
        if log {
            let lo = finite(low, LOG_FLOOR).max(LOG_FLOOR);
            let hi = finite(high, lo).max(lo);
            let hi = if hi > lo { hi } else { lo * 10.0 };
            Scale { lo, hi, log, width }
        } else {
            let hi = finite(high, 1.0).max(0.0);
            Scale { lo: 0.0, hi: if hi > 0.0 { hi } else { 1.0 }, log, width }
        }
    }

    /// The scale shared by `summaries` (whisker to whisker), `None` when there is none.
    pub fn fit<'a>(summaries: impl Iterator<Item = &'a DurationSummary>, log: bool, width: usize) -> Option<Scale> {
        let mut range: Option<(f64, f64)> = None;
        for s in summaries {
            let low = if log && s.whisker_low <= 0.0 { [s.p25, s.p50].into_iter().find(|v| *v > 0.0) } else { None };
            let low = low.unwrap_or(s.whisker_low);
            range = Some(match range {
                Some((a, b)) => (a.min(low), b.max(s.whisker_high)),
                None => (low, s.whisker_high),
            });
        }
        range.map(|(low, high)| Scale::new(low, high, log, width))
    }

    /// Columns of the scale.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The column of `value` (clamped to the scale's ends).
    pub fn column(&self, value: f64) -> usize {
        if self.width == 0 {
            return 0;
        }
        let t = if self.log {
            (value.max(self.lo).ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (value - self.lo) / (self.hi - self.lo)
        };
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        ((t * (self.width - 1) as f64).round() as usize).min(self.width - 1)
    }

    /// Tick values: multiples of a 1-2-5 step from zero (linear, about one per 10 columns), or 1-2-5 times
    /// powers of ten (log, powers first when they are enough).
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let mut powers = Vec::new();
            let mut others = Vec::new();
            let mut exponent = self.lo.log10().floor() as i32;
            while 10f64.powi(exponent) <= self.hi * 1.000_001 && exponent < 20 {
                for m in [1.0, 2.0, 5.0] {
                    let v = m * 10f64.powi(exponent);
                    if v >= self.lo * 0.999_999 && v <= self.hi * 1.000_001 {
                        if m == 1.0 {
                            powers.push(v);
                        } else {
                            others.push(v);
                        }
                    }
                }
                exponent += 1;
            }
            if powers.len() < 3 {
                powers.extend(others);
                powers.sort_by(f64::total_cmp);
            }
            return powers;
        }
        let target = (self.width / 10).max(2) as f64;
        let span = self.hi - self.lo;
        let magnitude = 10f64.powf((span / target).log10().floor());
        // The finest 1-2-5 step with at most `target` steps inside the span.
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|s| (span / s).floor() <= target)
            .unwrap_or(span / target);
        if !(step > 0.0 && step.is_finite()) {
            return vec![self.lo];
        }
        (0..=100).map(|k| self.lo + k as f64 * step).take_while(|v| *v <= self.hi * 1.000_001).collect()
    }

    /// The axis under the plots: tick labels starting at their columns (the last one ending there when it would
    /// run off), skipping those that would touch the previous one.
    pub fn axis(&self) -> String {
        let mut line = vec![' '; self.width];
        let mut free = 0;
        for value in self.ticks() {
            let label: Vec<char> = tick_label(value).chars().collect();
            let column = self.column(value);
            let start = if column + label.len() > self.width { self.width.saturating_sub(label.len()) } else { column };
            if start < free || start + label.len() > self.width {
                continue;
            }
            line.splice(start..start + label.len(), label.iter().copied());
            free = start + label.len() + 2;
        }
        line.into_iter().collect()
    }
}

/// A tick's text: `0 ms`, `2.5 ms`, `10 ms`, `1.5 s`.
pub fn tick_label(ms: f64) -> String {
    let trim = |v: f64| {
        let text = format!("{v:.3}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text.is_empty() || text == "-" {
            "0".to_string()
        } else {
            text.to_string()
        }
    };
    if ms >= 1000.0 {
        format!("{} s", trim(ms / 1000.0))
    } else {
        format!("{} ms", trim(ms))
    }
}

/// What a column of a plot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Nothing.
    Blank,
    /// Whisker line or end.
    Whisker,
    /// Between the quartiles.
    Box,
    /// The median.
    Median,
}

/// The plot of `s` on `scale`: one glyph per column.
pub fn glyphs(s: &DurationSummary, scale: &Scale) -> Vec<(char, Part)> {
    let mut out = vec![(' ', Part::Blank); scale.width()];
    if out.is_empty() {
        return out;
    }
    let c = |v: f64| scale.column(v);
    let (low, high) = (c(s.whisker_low).min(c(s.whisker_high)), c(s.whisker_low).max(c(s.whisker_high)));
    let (q1, q3) = (c(s.p25).min(c(s.p75)), c(s.p25).max(c(s.p75)));
    for slot in out.iter_mut().take(high + 1).skip(low) {
        *slot = ('─', Part::Whisker);
    }
    out[low] = ('├', Part::Whisker);
    out[high] = ('┤', Part::Whisker);
    for slot in out.iter_mut().take(q3 + 1).skip(q1) {
        *slot = ('▒', Part::Box);
    }
    if q3 > q1 {
        out[q1] = ('[', Part::Box);
        out[q3] = (']', Part::Box);
    }
    if let Some(slot) = out.get_mut(c(s.p50)) {
        *slot = ('┃', Part::Median);
    }
    out
}

/// One row of a box-plot table.
#[derive(Debug, Clone)]
pub struct PlotRow<'a> {
    /// The label (sanitised here).
    pub label: String,
    /// The durations, `None` without requests.
    pub summary: Option<&'a DurationSummary>,
    /// Requests (or hits) shown in the count column.
    pub count: u64,
    /// Text of the extra column (e.g. a version's first day).
    pub extra: String,
}

/// Headings and widths of a box-plot table.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'h> {
    /// Heading of the labels.
    pub label: &'h str,
    /// Widest label of all rows (not only the visible ones).
    pub label_width: usize,
    /// Heading of the count column (`n`, `hits`).
    pub count: &'h str,
    /// Largest count of all rows.
    pub max_count: u64,
    /// Heading and width of the extra column, if any.
    pub extra: Option<(&'h str, usize)>,
}

/// The rows of a box-plot table: `len` of them, all their summaries (for the shared scale), the row under the
/// cursor (highlighted and kept visible), the scroll hint, and how to build row `i` (called for visible rows
/// only).
pub struct Rows<'a, S, F>
where
    S: Iterator<Item = &'a DurationSummary>,
    F: Fn(usize) -> PlotRow<'a>,
{
    /// Number of rows.
    pub len: usize,
    /// Every row's summary.
    pub summaries: S,
    /// Selected row.
    pub cursor: Option<usize>,
    /// First row shown last time (a hint).
    pub offset: usize,
    /// Builds one row.
    pub row: F,
}

/// A number column beside the plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    P25,
    P50,
    P75,
    P95,
    Count,
    Extra,
}

/// Draws `rows` as box plots into `area`, with a heading and an axis.
pub fn render_table<'a, S, F>(frame: &mut Frame, area: Rect, app: &App, columns: Columns<'_>, rows: Rows<'a, S, F>)
where
    S: Iterator<Item = &'a DurationSummary>,
    F: Fn(usize) -> PlotRow<'a>,
{
    let Rows { len, summaries, cursor, offset, row } = rows;
    let theme = &app.theme;
    let width = usize::from(area.width);
    if len == 0 {
        return note(frame, area, app, "no requests in this window");
    }
    let label = columns.label_width.max(format::width(columns.label)).min(LABEL_MAX).min(width / 3).max(1);
    let count_width = format::count(columns.max_count).len().max(format::width(columns.count));
    let stat_width = |s: Stat| match s {
        Stat::Count => count_width,
        Stat::Extra => columns.extra.map_or(0, |(h, w)| w.max(format::width(h))),
        _ => DURATION,
    };
    let plot_min = (width / 3).clamp(PLOT_MIN.0, PLOT_MIN.1).min(width.saturating_sub(label + 1));
    let mut used = label + 1 + plot_min;
    let mut shown = Vec::new();
    // By priority; the quartiles come as a pair (the box shows them, the numbers only with room for both).
    let groups: [&[Stat]; 5] = [&[Stat::P50], &[Stat::Count], &[Stat::P95], &[Stat::Extra], &[Stat::P25, Stat::P75]];
    for group in groups {
        if group.contains(&Stat::Extra) && columns.extra.is_none() {
            continue;
        }
        let need: usize = group.iter().map(|s| 1 + stat_width(*s)).sum();
        if used + need <= width {
            used += need;
            shown.extend_from_slice(group);
        }
    }
    let order = [Stat::P25, Stat::P50, Stat::P75, Stat::P95, Stat::Count, Stat::Extra];
    shown.sort_by_key(|s| order.iter().position(|o| o == s));
    let plot = width.saturating_sub(used - plot_min);
    let Some(scale) = Scale::fit(summaries, app.log_scale, plot) else {
        return note(frame, area, app, "no usable durations in this window");
    };

    let scale_name = if app.log_scale { "log scale · l: linear" } else { "linear · l: log" };
    let mut heading = vec![cell(columns.label, label, false, theme.heading), Span::raw(" ")];
    heading.push(cell(scale_name, plot, false, theme.dim));
    for stat in &shown {
        let text = match stat {
            Stat::P25 => "p25",
            Stat::P50 => "p50",
            Stat::P75 => "p75",
            Stat::P95 => "p95",
            Stat::Count => columns.count,
            Stat::Extra => columns.extra.map_or("", |(h, _)| h),
        };
        heading.push(Span::raw(" "));
        heading.push(cell(text, stat_width(*stat), *stat != Stat::Extra, theme.heading));
    }
    line_at(frame, area, 0, Line::from(heading));

    let height = usize::from(area.height).saturating_sub(2);
    let start = cursor.map_or(offset.min(len.saturating_sub(height)), |c| visible_start(offset, c, height, len));
    let end = (start + height).min(len);
    for (y, i) in (start..end).enumerate() {
        let r = row(i);
        let label_style = if cursor == Some(i) { theme.selected } else { Style::new() };
        let name = format::sanitize(&r.label).into_owned();
        let mut spans = vec![cell(&name, label, false, label_style), Span::raw(" ")];
        match r.summary {
            Some(s) => {
                for (part, text) in runs(&glyphs(s, &scale)) {
                    let style = match part {
                        Part::Blank => Style::new(),
                        Part::Whisker => theme.plot_whisker,
                        Part::Box => theme.plot_box,
                        Part::Median => theme.plot_median,
                    };
                    spans.push(Span::styled(text, style));
                }
            }
            None => spans.push(cell("no requests", plot, false, theme.dim)),
        }
        for stat in &shown {
            let text = match (stat, r.summary) {
                (Stat::Count, _) => format::count(r.count),
                (Stat::Extra, _) => format::sanitize(&r.extra).into_owned(),
                (_, None) => format::NONE.to_string(),
                (Stat::P25, Some(s)) => format::duration_ms(Some(s.p25)),
                (Stat::P50, Some(s)) => format::duration_ms(Some(s.p50)),
                (Stat::P75, Some(s)) => format::duration_ms(Some(s.p75)),
                (Stat::P95, Some(s)) => format::duration_ms(Some(s.p95)),
            };
            let style = if *stat == Stat::P50 { theme.heading } else { Style::new() };
            spans.push(Span::raw(" "));
            spans.push(cell(&text, stat_width(*stat), *stat != Stat::Extra, style));
        }
        line_at(frame, area, 1 + y as u16, Line::from(spans));
    }
    let axis = vec![Span::raw(" ".repeat(label + 1)), Span::styled(scale.axis(), theme.dim)];
    line_at(frame, area, 1 + (end - start) as u16, Line::from(axis));
}

/// Consecutive glyphs of the same part joined into strings.
fn runs(glyphs: &[(char, Part)]) -> Vec<(Part, String)> {
    let mut out: Vec<(Part, String)> = Vec::new();
    for &(c, part) in glyphs {
        match out.last_mut() {
            Some((p, text)) if *p == part => text.push(c),
            _ => out.push((part, c.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(whisker_low: f64, p25: f64, p50: f64, p75: f64, whisker_high: f64) -> DurationSummary {
        DurationSummary {
            count: 10,
            mean: p50,
            min: whisker_low,
            p25,
            p50,
            p75,
            p95: whisker_high,
            max: whisker_high,
            whisker_low,
            whisker_high,
        }
    }

    fn text(s: &DurationSummary, scale: &Scale) -> String {
        glyphs(s, scale).into_iter().map(|(c, _)| c).collect()
    }

    #[test]
    fn linear_scales_start_at_zero_and_map_values_to_columns() {
        let scale = Scale::new(3.0, 10.0, false, 11);
        assert_eq!([0.0, 1.0, 5.0, 10.0, 12.0, -3.0].map(|v| scale.column(v)), [0, 1, 5, 10, 10, 0]);
        assert_eq!(scale.column(f64::NAN), 0);
        assert_eq!(text(&summary(1.0, 2.0, 3.0, 4.0, 5.0), &scale), " ├[┃]┤     ");
        assert_eq!(text(&summary(1.0, 2.0, 5.0, 8.0, 10.0), &scale), " ├[▒▒┃▒▒]─┤");
        // A box one column wide is all median; whiskers at the box leave no line.
        assert_eq!(text(&summary(4.0, 4.0, 4.0, 4.0, 4.0), &scale), "    ┃      ");
        assert_eq!(Scale::new(0.0, 0.0, false, 5).column(0.0), 0, "an empty range does not divide by zero");
    }

    #[test]
    fn a_shared_scale_spans_every_rows_whiskers() {
        let rows = [summary(1.0, 2.0, 3.0, 4.0, 5.0), summary(2.0, 4.0, 6.0, 8.0, 20.0)];
        let scale = Scale::fit(rows.iter(), false, 21).expect("scale");
        assert_eq!(scale.column(20.0), 20);
        assert_eq!(text(&rows[0], &scale), " ├[┃]┤               ");
        assert_eq!(text(&rows[1], &scale), "  ├─[▒┃▒]───────────┤");
        assert!(Scale::fit([].iter(), false, 10).is_none());
    }

    #[test]
    fn log_scales_spread_decades_evenly() {
        let scale = Scale::new(1.0, 1000.0, true, 31);
        assert_eq!([1.0, 10.0, 100.0, 1000.0].map(|v| scale.column(v)), [0, 10, 20, 30]);
        assert_eq!(scale.column(0.0), 0, "zero sits at the left edge");
        assert_eq!(scale.ticks(), [1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(scale.axis(), "1 ms      10 ms     100 ms  1 s");
        // A log scale fitted to rows whose whiskers reach zero starts at their first positive quartile.
        let rows = [summary(0.0, 0.5, 1.0, 2.0, 50.0)];
        let scale = Scale::fit(rows.iter(), true, 20).expect("scale");
        assert_eq!(scale.column(0.5), 0);
        assert_eq!(scale.column(50.0), 19);
        let narrow = Scale::new(3.0, 8.0, true, 20);
        assert_eq!(narrow.ticks(), [5.0], "no power of ten inside: 2 and 5 multiples");
    }

    #[test]
    fn linear_ticks_are_round_and_labels_never_overlap() {
        let scale = Scale::new(0.0, 17.0, false, 40);
        assert_eq!(scale.ticks(), [0.0, 5.0, 10.0, 15.0]);
        let axis = scale.axis();
        assert_eq!(axis.chars().count(), 40);
        assert!(axis.starts_with("0 ms"), "{axis}");
        assert!(axis.contains("15 ms"), "{axis}");
        let tight = Scale::new(0.0, 1000.0, false, 12).axis();
        assert_eq!(tight.chars().count(), 12);
        assert!(!tight.contains("ms5"), "{tight}");
        assert_eq!(tick_label(0.0), "0 ms");
        assert_eq!(tick_label(2.5), "2.5 ms");
        assert_eq!(tick_label(0.002), "0.002 ms");
        assert_eq!(tick_label(1500.0), "1.5 s");
        assert_eq!(Scale::new(0.0, 1.0, false, 0).axis(), "");
    }
}
