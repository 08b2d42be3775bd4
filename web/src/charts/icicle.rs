//! The grouped profiler's icicle (a flame graph hanging down) as SVG: one `<g>` per grouped line, a rectangle
//! as wide as its share of its parent's time, on the row of its depth, with a `<title>` (code, function,
//! `file:line`, total ms, share, hits). The layout is the console's ([`fmd_core::dashboard::icicle`]: nested
//! roots drawn nested), computed in fine units and scaled to [`WIDTH`].
//!
//! Readable and usable without JavaScript: each frame is a link that zooms into it (`?zoom=LINE`, laid out
//! again by the server) and frames matching the search (`?find=`) carry the class `match`. The page script
//! zooms and searches in place instead, from the data attributes: `data-icicle` on the `<svg>`, and on each
//! frame `data-node` (the line), `data-x` and `data-w` (its span as fractions of the width), `data-depth`.

use fmd_core::dashboard::icicle::layout;
use fmd_core::store::GroupedProfile;
use maud::{html, Markup};

/// Width of the drawing in SVG units (it scales to the page).
pub const WIDTH: f64 = 1200.0;
/// Height of one row.
pub const ROW: f64 = 20.0;
/// Deepest row drawn.
pub const MAX_ROWS: usize = 64;
/// Most frames drawn (the widest; a frame is never wider than its parent, so each kept frame's parent is kept).
pub const MAX_FRAMES: usize = 1500;
/// Columns of the layout: a frame narrower than a millionth of the width is left out.
const UNITS: usize = 1_000_000;

/// What the icicle shows and how its frames read.
pub struct Icicle<'a> {
    /// The grouped profile.
    pub profile: &'a GroupedProfile,
    /// The line drawn full width on top (`None`: every root).
    pub zoom: Option<usize>,
    /// Text whose frames are highlighted (case-insensitive; empty: none).
    pub find: &'a str,
    /// A line's label (its code, or its function and `file:line`).
    pub label: &'a dyn Fn(usize) -> String,
    /// A line's tooltip (after its label).
    pub title: &'a dyn Fn(usize) -> String,
    /// The link that zooms into a line.
    pub href: &'a dyn Fn(usize) -> String,
}

/// What was drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Drawn {
    /// Frames drawn.
    pub frames: usize,
    /// Of those, matching the search.
    pub matches: usize,
    /// Frames left out (too narrow, too deep, or beyond [`MAX_FRAMES`]).
    pub left_out: usize,
}

/// True when `label` contains `find` (case-insensitive); an empty search matches nothing.
pub fn matches(label: &str, find: &str) -> bool {
    !find.is_empty() && label.to_lowercase().contains(&find.to_lowercase())
}

/// The icicle's SVG and what it holds.
pub fn icicle(icicle: &Icicle<'_>) -> (Markup, Drawn) {
    let lines = icicle.profile.lines.len();
    let mut frames = layout(icicle.profile, icicle.zoom, UNITS, MAX_ROWS);
    let laid = frames.len();
    if frames.len() > MAX_FRAMES {
        // Widest first, parents before their children on a tie (a child is never wider than its parent).
        frames.sort_by(|a, b| b.width.cmp(&a.width).then(a.depth.cmp(&b.depth)));
        frames.truncate(MAX_FRAMES);
        frames.sort_by_key(|f| (f.depth, f.x));
    }
    let rows = frames.iter().map(|f| f.depth + 1).max().unwrap_or(1);
    let height = rows as f64 * ROW;
    let scale = WIDTH / UNITS as f64;
    let mut drawn = Drawn { frames: frames.len(), matches: 0, left_out: 0 };
    let expected = match icicle.zoom {
        Some(_) => laid,
        None => lines,
    };
    drawn.left_out = expected.saturating_sub(frames.len());
    let svg = html! {
        svg.icicle data-icicle="1" data-row=(ROW) data-width=(WIDTH) viewBox={ "0 0 " (WIDTH) " " (height) }
            width=(WIDTH) height=(height) role="img" aria-label="Icicle of the grouped profiler: widths are shares of the time" {
            @for f in &frames {
                @let label = (icicle.label)(f.line);
                @let found = matches(&label, icicle.find);
                @let x = f.x as f64 * scale;
                @let w = f.width as f64 * scale;
                @let y = f.depth as f64 * ROW;
                @let chars = ((w - 6.0) / 6.6).floor().max(0.0) as usize;
                g.node.d1[f.depth % 2 == 1].match[found] data-node=(f.line) data-depth=(f.depth)
                    data-x=(format!("{:.6}", f.x as f64 / UNITS as f64)) data-w=(format!("{:.6}", f.width as f64 / UNITS as f64)) {
                    title { (label) "\n" ((icicle.title)(f.line)) }
                    a href=((icicle.href)(f.line)) {
                        rect x=(format!("{x:.2}")) y=(format!("{y:.1}")) width=(format!("{:.2}", (w - 0.5).max(0.1))) height=(ROW - 1.0) rx="2" {}
                        @if chars >= 3 {
                            text x=(format!("{:.2}", x + 3.0)) y=(format!("{:.1}", y + 14.0)) { (truncate(&label, chars)) }
                        }
                    }
                }
            }
        }
    };
    drawn.matches = frames.iter().filter(|f| matches(&(icicle.label)(f.line), icicle.find)).count();
    (svg, drawn)
}

/// `text` cut to `chars` characters with an ellipsis.
fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fmd_core::store::GroupedLine;

    fn line(code: &str, duration: f64, indent: u32, parent: Option<usize>) -> GroupedLine {
        GroupedLine {
            code: code.into(),
            duration,
            hits: 1,
            indent,
            std: 0.0,
            total_hits: 1,
            filename: "app.py".into(),
            function_name: "f".into(),
            line_number: 1,
            parent,
        }
    }

    #[test]
    fn every_line_is_a_frame_with_its_share_and_hostile_code_is_escaped() {
        let profile = GroupedProfile {
            requests: 1,
            lines: vec![
                line("def f():", 100.0, 0, None),
                line("<script>alert(1)</script>", 75.0, 1, Some(0)),
                line("hash(x)", 25.0, 1, Some(0)),
            ],
        };
        let label = |i: usize| profile.lines[i].code.clone();
        let title = |i: usize| format!("{} ms", profile.lines[i].duration);
        let href = |i: usize| format!("?zoom={i}");
        let (svg, drawn) =
            icicle(&Icicle { profile: &profile, zoom: None, find: "HASH", label: &label, title: &title, href: &href });
        let svg = svg.into_string();
        assert_eq!(drawn, Drawn { frames: 3, matches: 1, left_out: 0 });
        assert_eq!(svg.matches("data-node=").count(), 3);
        assert!(svg.contains(r#"data-x="0.750000" data-w="0.250000""#), "{svg}");
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"), "{svg}");
        assert!(svg.contains(r#"href="?zoom=2""#));
        let (zoomed, drawn) =
            icicle(&Icicle { profile: &profile, zoom: Some(1), find: "", label: &label, title: &title, href: &href });
        assert_eq!(drawn.frames, 1);
        assert!(zoomed.into_string().contains(r#"data-x="0.000000" data-w="1.000000""#));
    }
}
