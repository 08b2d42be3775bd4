//! State and pure logic of the Profiler and Grouped tabs: which call tree is open and which of its lines are
//! collapsed, the grouped view's mode (ranked table, tree order, icicle), its zoom and selected frame, and the
//! `/` search that highlights frames. The [`App`](crate::app::App) holds one [`ProfilerState`]; drawing is in
//! `render/profiler.rs` and `render/grouped.rs`.
//!
//! Trees are lists in depth-first order whose lines know their parent (`CallLine::parent`,
//! `GroupedLine::parent`), so everything here works on parent indexes.

use std::collections::HashSet;

use fmd_core::store::GroupedProfile;

use crate::cursor::Cursor;

pub use fmd_core::dashboard::icicle::{icicle_parents, layout, Frame};

/// Longest search text accepted (characters).
pub const MAX_SEARCH: usize = 100;

/// Where the user is on the two profiler tabs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilerState {
    /// The request whose call tree is open (Profiler tab), `None` on the list.
    pub open: Option<i64>,
    /// The list's cursor while a tree is open, restored when it closes.
    pub list_cursor: Cursor,
    /// Lines of the open tree whose children are hidden.
    pub collapsed: HashSet<usize>,
    /// Grouped tab: the icicle view instead of the table.
    pub flame: bool,
    /// Grouped table in FMD's tree order instead of ranked by total time.
    pub tree_order: bool,
    /// Grouped icicle: the frame drawn full width (`None`: every root).
    pub zoom: Option<usize>,
    /// Grouped icicle: the selected frame.
    pub frame: Option<usize>,
    /// Text whose frames are highlighted (case-insensitive), empty for none.
    pub search: String,
    /// The search line has the keyboard.
    pub searching: bool,
}

impl ProfilerState {
    /// Forgets the open tree and the grouped view's zoom, selection and search (another endpoint came up).
    pub fn reset(&mut self) {
        *self = ProfilerState { flame: self.flame, tree_order: self.tree_order, ..ProfilerState::default() };
    }
}

/// Which lines are visible: those with no collapsed ancestor; `parents[i]` is line `i`'s parent.
pub fn visible(parents: &[Option<usize>], collapsed: &HashSet<usize>) -> Vec<usize> {
    let mut hidden = vec![false; parents.len()];
    let mut out = Vec::with_capacity(parents.len());
    for (i, parent) in parents.iter().enumerate() {
        let hide = match parent {
            Some(p) if *p < i => hidden[*p] || collapsed.contains(p),
            _ => false,
        };
        hidden[i] = hide;
        if !hide {
            out.push(i);
        }
    }
    out
}

/// Number of children of each line.
pub fn child_counts(parents: &[Option<usize>]) -> Vec<usize> {
    let mut counts = vec![0; parents.len()];
    for p in parents.iter().flatten() {
        if let Some(c) = counts.get_mut(*p) {
            *c += 1;
        }
    }
    counts
}

/// What ←, → or Enter does to the tree line `line`: collapse, expand, or move the selection to another line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeMove {
    /// Hide its children.
    Collapse(usize),
    /// Show its children.
    Expand(usize),
    /// Select this line.
    Select(usize),
    /// Nothing to do.
    Stay,
}

/// `←` on `line`: collapse it when it has visible children, else go to its parent.
pub fn left(parents: &[Option<usize>], collapsed: &HashSet<usize>, line: usize) -> TreeMove {
    let has_children = parents.contains(&Some(line));
    if has_children && !collapsed.contains(&line) {
        TreeMove::Collapse(line)
    } else {
        parents.get(line).copied().flatten().map_or(TreeMove::Stay, TreeMove::Select)
    }
}

/// `→` on `line`: expand it when collapsed, else go to its first child.
pub fn right(parents: &[Option<usize>], collapsed: &HashSet<usize>, line: usize) -> TreeMove {
    if collapsed.contains(&line) {
        return TreeMove::Expand(line);
    }
    parents.iter().position(|p| *p == Some(line)).map_or(TreeMove::Stay, TreeMove::Select)
}

/// Enter or space on `line`: collapse or expand it (nothing for a leaf).
pub fn toggle(parents: &[Option<usize>], collapsed: &HashSet<usize>, line: usize) -> TreeMove {
    if collapsed.contains(&line) {
        TreeMove::Expand(line)
    } else if parents.contains(&Some(line)) {
        TreeMove::Collapse(line)
    } else {
        TreeMove::Stay
    }
}

/// The grouped table's rows in screen order: ranked by total time (longest first, FMD's order among equals),
/// or FMD's tree order.
pub fn table_order(profile: &GroupedProfile, tree_order: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..profile.lines.len()).collect();
    if !tree_order {
        order.sort_by(|a, b| profile.lines[*b].duration.total_cmp(&profile.lines[*a].duration));
    }
    order
}

/// The frames from the root down to grouped line `index`, each as (file, code or function and line).
fn path(profile: &GroupedProfile, index: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut at = Some(index);
    while let Some(i) = at {
        let Some(line) = profile.lines.get(i) else { break };
        out.push((line.filename.clone(), crate::code_text::label(&line.code_ref())));
        at = line.parent.filter(|p| *p < i);
    }
    out.reverse();
    out
}

/// The line of `new` that stands for line `index` of `old` (same frames from the root), so a zoom or
/// selection stays on its frame when a refresh merges more requests and the rows move.
pub fn remap(old: &GroupedProfile, new: &GroupedProfile, index: usize) -> Option<usize> {
    let want = path(old, index);
    if want.is_empty() {
        return None;
    }
    (0..new.lines.len()).find(|i| new.lines[*i].indent as usize + 1 == want.len() && path(new, *i) == want)
}

/// True when `label` contains `search` (case-insensitive); an empty search matches nothing.
pub fn matches(label: &str, search: &str) -> bool {
    !search.is_empty() && label.to_lowercase().contains(&search.to_lowercase())
}

/// The frame to select when moving from `from` in the icicle: `Up` its parent, `Down` its widest child,
/// `Left`/`Right` the neighbouring frame on the same row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStep {
    /// To the parent.
    Up,
    /// To the widest child.
    Down,
    /// To the frame on the left.
    Left,
    /// To the frame on the right.
    Right,
}

/// The frame selected after `step` from `from` among the laid-out `frames` (`from` itself when there is none).
pub fn step_frame(frames: &[Frame], profile: &GroupedProfile, from: usize, step: FrameStep) -> usize {
    let Some(current) = frames.iter().find(|f| f.line == from) else {
        return frames.first().map_or(from, |f| f.line);
    };
    let parents = icicle_parents(profile);
    let parent = |line: usize| parents.get(line).copied().flatten();
    let pick = match step {
        FrameStep::Up => parent(from).filter(|p| frames.iter().any(|f| f.line == *p)),
        FrameStep::Down => {
            frames.iter().filter(|f| parent(f.line) == Some(from)).max_by_key(|f| f.width).map(|f| f.line)
        }
        FrameStep::Left => {
            frames.iter().filter(|f| f.depth == current.depth && f.x < current.x).max_by_key(|f| f.x).map(|f| f.line)
        }
        FrameStep::Right => {
            frames.iter().filter(|f| f.depth == current.depth && f.x > current.x).min_by_key(|f| f.x).map(|f| f.line)
        }
    };
    pick.unwrap_or(from)
}

/// The frame after `from` (row by row, left to right, wrapping) whose text matches `search`; `from` when none.
pub fn next_match(frames: &[Frame], profile: &GroupedProfile, from: usize, search: &str) -> usize {
    let mut order: Vec<&Frame> = frames.iter().collect();
    order.sort_by_key(|f| (f.depth, f.x));
    let start = order.iter().position(|f| f.line == from).map_or(0, |p| p + 1);
    let n = order.len();
    (0..n)
        .map(|k| order[(start + k) % n])
        .find(|f| profile.lines.get(f.line).is_some_and(|l| matches(&crate::code_text::label(&l.code_ref()), search)))
        .map_or(from, |f| f.line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fmd_core::store::GroupedLine;

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
    fn collapsing_hides_the_whole_subtree() {
        let parents = [None, Some(0), Some(1), Some(1), Some(0)];
        let mut collapsed = HashSet::new();
        assert_eq!(visible(&parents, &collapsed), [0, 1, 2, 3, 4]);
        collapsed.insert(1);
        assert_eq!(visible(&parents, &collapsed), [0, 1, 4]);
        collapsed.insert(0);
        assert_eq!(visible(&parents, &collapsed), [0]);
        assert_eq!(child_counts(&parents), [2, 2, 0, 0, 0]);
    }

    #[test]
    fn arrows_collapse_expand_and_walk_the_tree() {
        let parents = [None, Some(0), Some(1), Some(0)];
        let mut collapsed = HashSet::new();
        assert_eq!(left(&parents, &collapsed, 1), TreeMove::Collapse(1));
        assert_eq!(left(&parents, &collapsed, 2), TreeMove::Select(1), "a leaf: to its parent");
        assert_eq!(right(&parents, &collapsed, 1), TreeMove::Select(2), "expanded: to its first child");
        collapsed.insert(1);
        assert_eq!(left(&parents, &collapsed, 1), TreeMove::Select(0));
        assert_eq!(right(&parents, &collapsed, 1), TreeMove::Expand(1));
        assert_eq!(toggle(&parents, &collapsed, 1), TreeMove::Expand(1));
        assert_eq!(toggle(&parents, &collapsed, 0), TreeMove::Collapse(0));
        assert_eq!(toggle(&parents, &collapsed, 3), TreeMove::Stay);
        assert_eq!(left(&parents, &collapsed, 0), TreeMove::Collapse(0));
        assert_eq!(right(&parents, &collapsed, 3), TreeMove::Stay);
    }

    #[test]
    fn icicle_widths_follow_time_and_zoom_fills_the_width() {
        // root 100 -> a 60 (-> a1 30), b 40; a second root of 100.
        let p = profile(&[(None, 100.0), (Some(0), 60.0), (Some(1), 30.0), (Some(0), 40.0), (None, 100.0)]);
        let frames = layout(&p, None, 40, 5);
        let f = |line: usize| frames.iter().find(|f| f.line == line).map(|f| (f.depth, f.x, f.width));
        assert_eq!(f(0), Some((0, 0, 20)));
        assert_eq!(f(4), Some((0, 20, 20)));
        assert_eq!(f(1), Some((1, 0, 12)));
        assert_eq!(f(3), Some((1, 12, 8)));
        assert_eq!(f(2), Some((2, 0, 6)));
        let zoomed = layout(&p, Some(1), 40, 5);
        assert_eq!(
            zoomed.iter().map(|f| (f.line, f.depth, f.x, f.width)).collect::<Vec<_>>(),
            [(1, 0, 0, 40), (2, 1, 0, 20)]
        );
        assert_eq!(layout(&p, None, 40, 1).len(), 2, "one row: the roots only");
        assert_eq!(step_frame(&frames, &p, 1, FrameStep::Right), 3);
        assert_eq!(step_frame(&frames, &p, 3, FrameStep::Right), 3, "nothing further right");
        assert_eq!(step_frame(&frames, &p, 1, FrameStep::Up), 0);
        assert_eq!(step_frame(&frames, &p, 0, FrameStep::Down), 1, "the widest child");
        assert_eq!(step_frame(&frames, &p, 0, FrameStep::Right), 4);
        assert_eq!(step_frame(&frames, &p, 2, FrameStep::Down), 2);
        let mut named = p.clone();
        for (line, code) in named.lines.iter_mut().zip(["root", "hash a", "x", "hash b", "other"]) {
            line.code = code.to_string();
        }
        assert_eq!(next_match(&frames, &named, 0, "hash"), 1, "row by row, left to right");
        assert_eq!(next_match(&frames, &named, 1, "hash"), 3);
        assert_eq!(next_match(&frames, &named, 3, "hash"), 1, "wraps");
        assert_eq!(next_match(&frames, &named, 4, "none"), 4, "no match: stays");
    }

    #[test]
    fn roots_that_nest_are_drawn_nested() {
        // FMD's decorated endpoint: `@app.route` (no children), `def f():` with the same time and the calls.
        let p = profile(&[(None, 100.0), (None, 100.0), (Some(1), 75.0), (Some(1), 25.0)]);
        let frames = layout(&p, None, 40, 5);
        let f = |line: usize| frames.iter().find(|f| f.line == line).map(|f| (f.depth, f.x, f.width));
        assert_eq!(f(0), Some((0, 0, 40)), "the decorator line takes the whole top row");
        assert_eq!(f(1), Some((1, 0, 40)), "the function inside it, full width");
        assert_eq!((f(2), f(3)), (Some((2, 0, 30)), Some((2, 30, 10))));
        assert_eq!(step_frame(&frames, &p, 1, FrameStep::Up), 0);
        assert_eq!(step_frame(&frames, &p, 0, FrameStep::Down), 1);
        // Three stacked lines nest in a chain; roots that have children stay side by side.
        let chain = profile(&[(None, 10.0), (None, 10.0), (None, 10.0), (Some(2), 4.0)]);
        assert_eq!(icicle_parents(&chain), [None, Some(0), Some(1), Some(2)]);
        let siblings = profile(&[(None, 10.0), (Some(0), 4.0), (None, 10.0), (Some(2), 4.0)]);
        assert_eq!(icicle_parents(&siblings), [None, Some(0), None, Some(2)]);
        // A longer root after a short one is not inside it.
        assert_eq!(icicle_parents(&profile(&[(None, 5.0), (None, 10.0)])), [None, None]);
    }

    #[test]
    fn a_frame_is_found_again_after_the_rows_move() {
        let mut old = profile(&[(None, 10.0), (Some(0), 3.0), (Some(0), 7.0)]);
        for (line, label) in old.lines.iter_mut().zip(["main", "a", "b"]) {
            line.code = label.to_string();
        }
        let mut new = old.clone();
        // A new child of the root sorts first: every index after the root moves by one.
        let mut extra = new.lines[1].clone();
        extra.code = "new".into();
        new.lines.insert(1, extra);
        new.lines[2].parent = Some(0);
        new.lines[3].parent = Some(0);
        for (line, indent) in old.lines.iter_mut().zip([0, 1, 1]) {
            line.indent = indent;
        }
        for (line, indent) in new.lines.iter_mut().zip([0, 1, 1, 1]) {
            line.indent = indent;
        }
        assert_eq!(remap(&old, &new, 2), Some(3));
        assert_eq!(remap(&old, &new, 0), Some(0));
        new.lines.truncate(2);
        assert_eq!(remap(&old, &new, 2), None, "gone");
    }

    #[test]
    fn ranked_order_is_by_total_time_and_search_ignores_case() {
        let p = profile(&[(None, 10.0), (Some(0), 3.0), (Some(0), 7.0)]);
        assert_eq!(table_order(&p, false), [0, 2, 1]);
        assert_eq!(table_order(&p, true), [0, 1, 2]);
        assert!(matches("h = hashlib.sha256(h)", "SHA"));
        assert!(!matches("anything", ""));
    }
}
