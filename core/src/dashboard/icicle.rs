//! The icicle (flame) layout of FMD's grouped profiler, shared by the console's Grouped tab and the web's:
//! every grouped line becomes a [`Frame`] on a row of its depth, as wide as its share of its parent's time.
//! Pure arithmetic over a [`GroupedProfile`] in whole columns of any resolution (terminal cells, or fine SVG
//! units that a page scales).
//!
//! FMD writes a decorated endpoint as consecutive root lines (`@app.route(...)`, then `def f():`), each with
//! the whole request's time; [`icicle_parents`] nests such roots so they do not halve the width.

use crate::store::GroupedProfile;

/// One frame of the icicle: a grouped line drawn at `depth` over columns `[x, x + width)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The grouped line.
    pub line: usize,
    /// Row: 0 for the zoomed frame (or the roots).
    pub depth: usize,
    /// First column.
    pub x: usize,
    /// Columns.
    pub width: usize,
}

/// Number of children of each line.
fn child_counts(parents: &[Option<usize>]) -> Vec<usize> {
    let mut counts = vec![0; parents.len()];
    for p in parents.iter().flatten() {
        if let Some(c) = counts.get_mut(*p) {
            *c += 1;
        }
    }
    counts
}

/// Each grouped line's parent in the icicle: its own parent, except for roots that nest. FMD writes a decorated
/// endpoint as consecutive root lines (`@app.route(...)`, then `def user_detail(uid):`), each with the whole
/// request's time; side by side they would halve it. A root that follows a root without children and is not
/// longer than it is drawn inside that root.
pub fn icicle_parents(profile: &GroupedProfile) -> Vec<Option<usize>> {
    let lines = &profile.lines;
    let mut parents: Vec<Option<usize>> = lines.iter().map(|l| l.parent.filter(|p| *p < lines.len())).collect();
    let counts = child_counts(&parents);
    let mut previous_root: Option<usize> = None;
    for i in 0..lines.len() {
        if parents[i].is_some() {
            continue;
        }
        if let Some(p) = previous_root {
            let (outer, inner) = (lines[p].duration.max(0.0), lines[i].duration.max(0.0));
            if counts[p] == 0 && inner <= outer * (1.0 + 1e-9) {
                parents[i] = Some(p);
            }
        }
        previous_root = Some(i);
    }
    parents
}

/// The frames of the icicle in `width` columns and `depth` rows: the zoomed frame (or, without zoom, every
/// root side by side) on the top row, each frame's children below it with widths in proportion to their time.
/// Frames narrower than one column are left out, with their children.
pub fn layout(profile: &GroupedProfile, zoom: Option<usize>, width: usize, depth: usize) -> Vec<Frame> {
    let lines = &profile.lines;
    // Children by parent, built once (a profile may hold thousands of rows).
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); lines.len()];
    let mut roots = Vec::new();
    for (i, parent) in icicle_parents(profile).into_iter().enumerate() {
        match parent {
            Some(p) => kids[p].push(i),
            None => roots.push(i),
        }
    }
    let children = |parent: Option<usize>| -> Vec<usize> {
        match parent {
            Some(p) => kids.get(p).cloned().unwrap_or_default(),
            None => roots.clone(),
        }
    };
    let mut out = Vec::new();
    if depth == 0 || width == 0 {
        return out;
    }
    // (frames at this level, the span they share: x, width, total time it stands for)
    let top: Vec<usize> = match zoom.filter(|z| *z < lines.len()) {
        Some(z) => vec![z],
        None => children(None),
    };
    let total: f64 = top.iter().map(|i| lines[*i].duration.max(0.0)).sum();
    let mut level: Vec<(usize, usize, usize)> = place(&top, lines, 0, width, total);
    for d in 0..depth {
        let mut next = Vec::new();
        for &(line, x, w) in &level {
            out.push(Frame { line, depth: d, x, width: w });
            let kids = children(Some(line));
            let own = lines[line].duration.max(0.0);
            let kids_total: f64 = kids.iter().map(|k| lines[*k].duration.max(0.0)).sum();
            // Children never draw wider than their parent, even when sampling made them add up to more.
            next.extend(place(&kids, lines, x, w, own.max(kids_total)));
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    out
}

/// Places `items` left to right in `[x, x + width)`, each in proportion to its duration out of `total`;
/// items that get no column are dropped.
fn place(
    items: &[usize],
    lines: &[crate::store::GroupedLine],
    x: usize,
    width: usize,
    total: f64,
) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    if total <= 0.0 {
        return out;
    }
    let mut before = 0.0;
    for &i in items {
        let d = lines[i].duration.max(0.0);
        let start = (width as f64 * before / total).round() as usize;
        before += d;
        let end = ((width as f64 * before / total).round() as usize).min(width);
        if end > start {
            out.push((i, x + start, end - start));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::GroupedLine;

    fn profile(rows: &[(Option<usize>, f64)]) -> GroupedProfile {
        GroupedProfile {
            requests: 1,
            lines: rows
                .iter()
                .map(|(parent, duration)| GroupedLine {
                    code: String::new(),
                    duration: *duration,
                    hits: 1,
                    indent: 0,
                    std: 0.0,
                    total_hits: 1,
                    filename: String::new(),
                    function_name: String::new(),
                    line_number: 0,
                    parent: *parent,
                })
                .collect(),
        }
    }

    #[test]
    fn widths_follow_time_zoom_fills_the_width_and_nesting_roots_nest() {
        let p = profile(&[(None, 100.0), (Some(0), 60.0), (Some(1), 30.0), (Some(0), 40.0), (None, 100.0)]);
        let frames = layout(&p, None, 40, 5);
        let f = |line: usize| frames.iter().find(|f| f.line == line).map(|f| (f.depth, f.x, f.width));
        assert_eq!((f(0), f(4)), (Some((0, 0, 20)), Some((0, 20, 20))));
        assert_eq!((f(1), f(3), f(2)), (Some((1, 0, 12)), Some((1, 12, 8)), Some((2, 0, 6))));
        let zoomed: Vec<_> = layout(&p, Some(1), 40, 5).iter().map(|f| (f.line, f.depth, f.x, f.width)).collect();
        assert_eq!(zoomed, [(1, 0, 0, 40), (2, 1, 0, 20)]);
        let decorated = profile(&[(None, 100.0), (None, 100.0), (Some(1), 75.0), (Some(1), 25.0)]);
        assert_eq!(icicle_parents(&decorated), [None, Some(0), Some(1), Some(1)]);
        let frames = layout(&decorated, None, 40, 5);
        assert_eq!(frames.iter().find(|f| f.line == 1).map(|f| (f.depth, f.width)), Some((1, 40)));
        assert_eq!(icicle_parents(&profile(&[(None, 5.0), (None, 10.0)])), [None, None], "a longer root stays beside");
    }
}
