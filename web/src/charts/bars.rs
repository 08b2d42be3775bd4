//! Horizontal stacked bars on a shared linear axis with round ticks: one bar per row (requests per day split
//! by endpoint, status codes per endpoint), one `<rect>` per segment with a `<title>`, the row's label (a link
//! when given) on the left and its total on the right; and a legend of the segments' colours.
//!
//! Colours are CSS classes (status codes: `s2`..`s5`) or SVG `fill` attributes made here from numbers (the
//! configuration's endpoint colours, the palette), never text from the database.

use maud::{html, Markup};

use super::scale::{fit_text, px, tick_label, Scale, CHAR_PX};

/// Widest row label, in characters.
const LABEL_CHARS: usize = 28;
/// Height of a bar row.
const ROW: f64 = 20.0;
/// Height of the axis below the bars.
const AXIS: f64 = 20.0;
/// Room for the total after the longest bar.
const TOTAL: f64 = 64.0;

/// Okabe and Ito's colour-blind-safe palette (without black), for endpoints without a configured colour.
pub const PALETTE: [[u8; 3]; 7] =
    [[0, 114, 178], [230, 159, 0], [0, 158, 115], [204, 121, 167], [86, 180, 233], [213, 94, 0], [240, 228, 66]];

/// How a segment is coloured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paint {
    /// A CSS class of ours.
    Class(&'static str),
    /// A colour (`fill="#rrggbb"`).
    Rgb([u8; 3]),
}

impl Paint {
    fn class(&self) -> Option<&'static str> {
        match self {
            Paint::Class(c) => Some(c),
            Paint::Rgb(_) => None,
        }
    }

    fn fill(&self) -> Option<String> {
        match self {
            Paint::Class(_) => None,
            Paint::Rgb([r, g, b]) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
        }
    }
}

/// One part of a bar.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Its length in the axis' unit.
    pub value: f64,
    /// Its colour.
    pub paint: Paint,
    /// Its tooltip.
    pub title: String,
}

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The row's label.
    pub label: String,
    /// Where the label leads.
    pub href: Option<String>,
    /// Its parts, left to right.
    pub segments: Vec<Segment>,
    /// The text after the bar (its total).
    pub total: String,
}

/// The bars as inline SVG `width` pixels wide, `label` naming them.
pub fn stacked(bars: &[Bar], width: f64, label: &str) -> Markup {
    let label_chars = bars.iter().map(|b| b.label.chars().count()).max().unwrap_or(0).min(LABEL_CHARS);
    let left = label_chars as f64 * CHAR_PX + 10.0;
    let most = bars.iter().map(|b| b.segments.iter().map(|s| s.value.max(0.0)).sum::<f64>()).fold(0.0, f64::max);
    let scale = Scale::tight(0.0, most, left, (width - TOTAL).max(left + 40.0));
    let height = bars.len() as f64 * ROW + AXIS;
    let bottom = bars.len() as f64 * ROW;
    html! {
        svg.bars width=(px(width)) height=(px(height)) viewBox={ "0 0 " (px(width)) " " (px(height)) } role="img" aria-label=(label) {
            @for tick in scale.ticks() {
                @let x = scale.px(tick);
                line.grid x1=(px(x)) x2=(px(x)) y1="0" y2=(px(bottom)) {}
                text x=(px(x)) y=(px(bottom + 14.0)) text-anchor="middle" { (tick_label(tick)) }
            }
            @for (i, bar) in bars.iter().enumerate() {
                @let y = i as f64 * ROW;
                (row_label(bar, left - 6.0, y + ROW / 2.0 + 4.0))
                @let ends = ends(bar);
                @for (segment, (from, to)) in bar.segments.iter().zip(&ends) {
                    @let (x0, x1) = (scale.px(*from), scale.px(*to));
                    rect class={ "seg" @if let Some(c) = segment.paint.class() { " " (c) } } fill=[segment.paint.fill()] x=(px(x0)) y=(px(y + 3.0))
                        width=(px((x1 - x0).max(0.0))) height=(px(ROW - 6.0)) {
                        title { (segment.title) }
                    }
                }
                text.total x=(px(scale.px(ends.last().map_or(0.0, |e| e.1)) + 6.0)) y=(px(y + ROW / 2.0 + 4.0)) { (bar.total) }
            }
            line.axis x1=(px(left)) x2=(px(left)) y1="0" y2=(px(bottom)) {}
        }
    }
}

/// Where each segment of `bar` starts and ends along the axis.
fn ends(bar: &Bar) -> Vec<(f64, f64)> {
    let mut at = 0.0;
    bar.segments
        .iter()
        .map(|s| {
            let from = at;
            at += s.value.max(0.0);
            (from, at)
        })
        .collect()
}

fn row_label(bar: &Bar, x: f64, y: f64) -> Markup {
    let cut = fit_text(&bar.label, LABEL_CHARS);
    let inner = html! {
        text.row x=(px(x)) y=(px(y)) text-anchor="end" {
            @if cut != bar.label { title { (bar.label) } }
            (cut)
        }
    };
    match &bar.href {
        Some(href) => html! { a href=(href) { (inner) } },
        None => inner,
    }
}

/// A legend: a swatch of each colour with its text.
pub fn legend(keys: &[(Paint, String)]) -> Markup {
    html! {
        p.legend {
            @for (paint, text) in keys {
                span.key { (swatch(paint)) " " (text) }
            }
        }
    }
}

/// A small square of `paint`'s colour.
pub fn swatch(paint: &Paint) -> Markup {
    html! {
        svg.swatch width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" {
            rect class=[paint.class()] fill=[paint.fill()] x="0.5" y="0.5" width="11" height="11" {}
        }
    }
}

/// The colour of status code `code`: its class (`s2` success, `s3` redirect, `s4` client error, `s5` server
/// error, `sx` anything else).
pub fn status_paint(code: &str) -> Paint {
    Paint::Class(match code.parse::<i64>() {
        Ok(200..=299) => "s2",
        Ok(300..=399) => "s3",
        Ok(400..=499) => "s4",
        Ok(500..=599) => "s5",
        _ => "sx",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, values: &[f64]) -> Bar {
        Bar {
            label: label.to_string(),
            href: Some("/dashboard/endpoint/1/".into()),
            segments: values
                .iter()
                .enumerate()
                .map(|(i, v)| Segment { value: *v, paint: Paint::Rgb(PALETTE[i]), title: format!("part {i}: {v}") })
                .collect(),
            total: format!("{}", values.iter().sum::<f64>()),
        }
    }

    #[test]
    fn segments_stack_and_the_longest_bar_sets_the_axis() {
        let svg = stacked(&[bar("a", &[10.0, 30.0]), bar("b", &[5.0])], 600.0, "requests").into_string();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r##"fill="#0072b2""##), "{svg}");
        assert!(svg.contains("<title>part 1: 30</title>"));
        assert!(svg.contains(">20</text>") && !svg.contains(">50</text>"), "round ticks up to the longest bar: {svg}");
        assert!(!svg.contains("style="));
        let classes = stacked(
            &[Bar {
                segments: vec![Segment { value: 1.0, paint: status_paint("500"), title: "x".into() }],
                ..bar("c", &[])
            }],
            300.0,
            "r",
        );
        assert!(classes.into_string().contains(r#"<rect class="seg s5""#), "one class attribute");
    }

    #[test]
    fn a_hostile_label_is_escaped_in_svg_text() {
        let svg = stacked(&[bar("<script>x</script>", &[1.0])], 400.0, "r").into_string();
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"), "{svg}");
    }

    #[test]
    fn status_codes_take_their_class() {
        assert_eq!(status_paint("200"), Paint::Class("s2"));
        assert_eq!(status_paint("404"), Paint::Class("s4"));
        assert_eq!(status_paint("503"), Paint::Class("s5"));
        assert_eq!(status_paint("none"), Paint::Class("sx"));
    }
}
