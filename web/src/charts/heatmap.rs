//! Heatmaps: a rows x columns grid (days x hours, endpoints x versions), one `<rect>` per cell shaded by the
//! sequential [`HeatScale`] (CSS classes `h0`..`h4`) with a `<title>` tooltip, labels on the left (links when
//! given) and on top, and a legend of the ranges each shade covers. Every text goes through maud.

use maud::{html, Markup};

use super::scale::{fit_text, px, HeatScale, HEAT_CLASSES};

/// Widest row label, in characters (longer ones are cut; the full text is their tooltip).
const LABEL_CHARS: usize = 28;
/// Height of the column labels above the grid.
const TOP: f64 = 18.0;
/// Gap between cells.
const GAP: f64 = 1.0;

/// A row or column label, a link when `href` is given.
#[derive(Debug, Clone, Default)]
pub struct Label {
    /// The text.
    pub text: String,
    /// Where it leads.
    pub href: Option<String>,
}

impl Label {
    /// A plain label.
    pub fn text(text: impl Into<String>) -> Label {
        Label { text: text.into(), href: None }
    }
}

/// A heatmap to draw.
pub struct Heatmap<'a> {
    /// What it shows (the SVG's accessible name).
    pub label: &'a str,
    /// Row labels, top to bottom.
    pub rows: &'a [Label],
    /// Column labels, left to right.
    pub cols: &'a [Label],
    /// `values[row][col]` (missing cells read as 0).
    pub values: &'a [Vec<f64>],
    /// The colour scale.
    pub scale: HeatScale,
    /// Width and height of a cell in pixels.
    pub cell: (f64, f64),
    /// The tooltip of cell `(row, col)` with its value.
    pub title: &'a dyn Fn(usize, usize, f64) -> String,
    /// Text written inside cell `(row, col)` (`None`: none).
    pub text: Option<&'a dyn Fn(usize, usize, f64) -> String>,
}

/// The heatmap as inline SVG.
pub fn draw(map: &Heatmap<'_>) -> Markup {
    let label_chars = map.rows.iter().map(|r| r.text.chars().count()).max().unwrap_or(0).min(LABEL_CHARS);
    let left = (label_chars as f64 * super::scale::CHAR_PX + 8.0).max(24.0);
    let (cw, ch) = map.cell;
    let width = left + map.cols.len() as f64 * cw;
    let height = TOP + map.rows.len() as f64 * ch;
    let col_chars = ((cw - 2.0) / super::scale::CHAR_PX).floor().max(1.0) as usize;
    html! {
        svg.heatmap width=(px(width)) height=(px(height)) viewBox={ "0 0 " (px(width)) " " (px(height)) }
            role="img" aria-label=(map.label) {
            @for (c, col) in map.cols.iter().enumerate() {
                @let x = left + c as f64 * cw + cw / 2.0;
                text.col x=(px(x)) y=(px(TOP - 5.0)) text-anchor="middle" {
                    @if col.text.chars().count() > col_chars { title { (col.text) } }
                    (fit_text(&col.text, col_chars))
                }
            }
            @for (r, row) in map.rows.iter().enumerate() {
                @let y = TOP + r as f64 * ch;
                (row_label(row, left - 6.0, y + ch / 2.0 + 4.0))
                @for c in 0..map.cols.len() {
                    @let value = map.values.get(r).and_then(|v| v.get(c)).copied().unwrap_or(0.0);
                    @let level = map.scale.level(value);
                    @let x = left + c as f64 * cw;
                    rect class=(HEAT_CLASSES[usize::from(level)]) x=(px(x)) y=(px(y)) width=(px(cw - GAP)) height=(px(ch - GAP)) {
                        title { ((map.title)(r, c, value)) }
                    }
                    @if let Some(text) = map.text {
                        @let t = text(r, c, value);
                        @if !t.is_empty() {
                            text class={ "cell l" (level) } x=(px(x + cw / 2.0)) y=(px(y + ch / 2.0 + 4.0)) text-anchor="middle" { (t) }
                        }
                    }
                }
            }
        }
    }
}

fn row_label(row: &Label, x: f64, y: f64) -> Markup {
    let cut = fit_text(&row.text, LABEL_CHARS);
    let inner = html! {
        text.row x=(px(x)) y=(px(y)) text-anchor="end" {
            @if cut != row.text { title { (row.text) } }
            (cut)
        }
    };
    match &row.href {
        Some(href) => html! { a href=(href) { (inner) } },
        None => inner,
    }
}

/// The legend: a swatch per shade with what it covers (`entries`: level and text).
pub fn legend(entries: &[(u8, String)], unit: &str) -> Markup {
    html! {
        p.legend {
            @for (level, text) in entries {
                span.key {
                    svg.swatch width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" {
                        rect class=(HEAT_CLASSES[usize::from(*level).min(HEAT_CLASSES.len() - 1)]) x="0.5" y="0.5" width="11" height="11" {}
                    }
                    " " (text)
                }
            }
            @if !unit.is_empty() { span.muted { (unit) } }
        }
    }
}

/// The legend of a scale of whole counts: `0`, `1–7`, `8–14`, … (`unit` after them: `requests per hour`).
pub fn count_legend(scale: &HeatScale, unit: &str) -> Markup {
    let entries: Vec<(u8, String)> = scale
        .count_ranges()
        .into_iter()
        .map(|(level, first, last)| {
            let text = if first == last {
                crate::pages::format::count(first)
            } else {
                format!("{}–{}", crate::pages::format::count(first), crate::pages::format::count(last))
            };
            (level, text)
        })
        .collect();
    legend(&entries, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&str], cols: usize, values: Vec<Vec<f64>>) -> String {
        let rows: Vec<Label> = rows.iter().map(|r| Label::text(*r)).collect();
        let cols: Vec<Label> = (0..cols).map(|c| Label::text(format!("{c:02}"))).collect();
        let max = values.iter().flatten().copied().fold(0.0, f64::max);
        let title = |r: usize, c: usize, v: f64| format!("{} {c:02}:00 · {v} requests", rows[r].text);
        draw(&Heatmap {
            label: "requests per hour",
            rows: &rows,
            cols: &cols,
            values: &values,
            scale: HeatScale::new(max),
            cell: (20.0, 16.0),
            title: &title,
            text: None,
        })
        .into_string()
    }

    #[test]
    fn every_cell_has_a_rect_with_a_title_and_a_shade() {
        let svg = grid(&["Thu 26 Nov", "Fri 27 Nov"], 24, vec![vec![1.0; 24], (0..24).map(f64::from).collect()]);
        assert_eq!(svg.matches("<rect").count(), 48, "{svg}");
        assert_eq!(svg.matches("<rect").count(), svg.matches("</title></rect>").count(), "a title in every rect");
        assert!(svg.contains("<title>Fri 27 Nov 23:00 · 23 requests</title>"), "{svg}");
        assert!(svg.contains(r#"class="h0""#) && svg.contains(r#"class="h4""#));
        assert!(!svg.contains("style="), "no inline styles");
    }

    #[test]
    fn a_hostile_label_is_escaped() {
        let svg = grid(&["<script>alert(1)</script>"], 2, vec![vec![0.0, 3.0]]);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{svg}");
    }

    #[test]
    fn the_legend_names_the_ranges() {
        let html = count_legend(&HeatScale::new(28.0), "requests per hour").into_string();
        for range in [">0<", "1–7", "8–14", "15–21", "22–28", "requests per hour"] {
            assert!(html.contains(range.trim_matches(['>', '<'])), "{range}: {html}");
        }
    }
}
