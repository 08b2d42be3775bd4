//! From a request's samples to FMD's StackLine rows: symbolize each distinct stack (cached), keep the
//! request's own frames, merge the paths into a call tree and list it depth first.
//!
//! As FMD writes them (anchor §3, Profiler):
//! * position 0 is the endpoint's own line at indent 0, with the whole request's duration and the function
//!   name `None` (FMD stores the view's decorator and `def` lines there; here the line names the endpoint);
//! * then the tree, depth first, one row per code line (file, line, function) on the path from the endpoint's
//!   handler to the sampled instruction, `indent` = depth (1 for the outermost frame), children ordered by
//!   function name (first seen first among equal names);
//! * `duration` = the line's share of the sampled time × the request's duration in ms, where a line's
//!   sampled time is that of every sample whose stack passes through it.
//!
//! Samples that show none of the request's own frames (the thread was in the runtime or the recorder) count
//! for nothing, as in FMD (its total only counts samples that hit endpoint code).

use fmd_core::store::NewStackLine;

use super::samples::Samples;
use crate::symbolize::{self, Frame};

/// `CodeLine.function_name` of the endpoint's own line, as FMD writes it.
pub(crate) const ROOT_FUNCTION: &str = "None";

/// Most rows written for one request: a larger tree is cut after this many rows in depth-first order.
pub(crate) const MAX_ROWS: usize = 2_000;

/// One node of the call tree.
#[derive(Debug)]
struct Node {
    frame: Frame,
    weight: f64,
    children: Vec<usize>,
}

/// A call tree with weights, nodes in an arena (index 0 is the root).
#[derive(Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn new() -> Tree {
        let root = Frame { function: String::new(), file: None, line: 0, code: String::new(), known: true };
        Tree { nodes: vec![Node { frame: root, weight: 0.0, children: Vec::new() }] }
    }

    /// Adds a path (outermost frame first) with `weight`.
    fn add(&mut self, path: &[Frame], weight: f64) {
        let mut at = 0;
        self.nodes[0].weight += weight;
        for frame in path {
            let found = self.nodes[at].children.iter().copied().find(|&child| {
                let known = &self.nodes[child].frame;
                known.function == frame.function && known.file == frame.file && known.line == frame.line
            });
            let child = match found {
                Some(child) => child,
                None => {
                    self.nodes.push(Node { frame: frame.clone(), weight: 0.0, children: Vec::new() });
                    let child = self.nodes.len() - 1;
                    self.nodes[at].children.push(child);
                    child
                }
            };
            self.nodes[child].weight += weight;
            at = child;
        }
    }

    /// The rows: the endpoint's line, then the tree depth first.
    fn rows(&self, endpoint: &str, duration_ms: f64) -> Vec<NewStackLine> {
        let total = self.nodes[0].weight;
        let handler_file =
            self.nodes[0].children.first().and_then(|&child| self.nodes[child].frame.file.clone()).unwrap_or_default();
        let mut rows = vec![NewStackLine {
            filename: handler_file,
            line_number: 0,
            function_name: ROOT_FUNCTION.to_string(),
            code: endpoint.to_string(),
            indent: 0,
            duration_ms,
        }];
        // Depth first without recursion: (node, indent), children pushed in reverse order.
        let mut stack: Vec<(usize, u32)> = self.ordered_children(0).into_iter().rev().map(|c| (c, 1)).collect();
        while let Some((at, indent)) = stack.pop() {
            if rows.len() >= MAX_ROWS {
                break;
            }
            let node = &self.nodes[at];
            let share = if total > 0.0 { node.weight / total } else { 0.0 };
            rows.push(NewStackLine {
                filename: node.frame.file.clone().unwrap_or_default(),
                line_number: node.frame.line,
                function_name: node.frame.function.clone(),
                code: code_text(&node.frame),
                indent,
                duration_ms: share * duration_ms,
            });
            stack.extend(self.ordered_children(at).into_iter().rev().map(|c| (c, indent + 1)));
        }
        rows
    }

    /// Children of `at` sorted by function name, first seen first among equal names (FMD's order).
    fn ordered_children(&self, at: usize) -> Vec<usize> {
        let mut children = self.nodes[at].children.clone();
        children.sort_by(|a, b| self.nodes[*a].frame.function.cmp(&self.nodes[*b].frame.function));
        children
    }
}

/// Function name of the first line of a profile whose samples all stopped before the request's start.
pub(crate) const CUT_SHORT: &str =
    "<stack cut short: the frame-pointer walk did not reach the request (build with -C force-frame-pointers=yes)>";

/// The request's own frames of one sampled stack, outermost first (empty when it shows none), and whether the
/// walk reached the recorder's response future (the request's start). A walk stops early at a function
/// without frame pointer: everywhere in a service built without them, now and then in one built with them
/// (a sample that lands in the vDSO or in libc).
pub(crate) fn request_path(frames: Vec<Frame>) -> (Vec<Frame>, bool) {
    let (mut frames, bounded) = symbolize::request_frames(frames);
    frames.reverse();
    (frames, bounded)
}

/// Logs once per process that profiles have stacks cut short.
fn note_cut_short() {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| {
        tracing::warn!(
            "fmd recorder: level 3 stacks are cut short (the service seems to be built without frame pointers); \
             build with RUSTFLAGS=\"-C force-frame-pointers=yes\" for complete profiles"
        );
    });
}

/// FMD's StackLine rows for a request of `duration_ms` on `endpoint` with these samples; empty when no sample
/// showed the request's own code.
///
/// Samples whose walk stopped before the request's start are left out when the request has complete ones (a
/// partial path would hang at the wrong depth). When it has none (a service built without frame pointers),
/// the partial paths are kept below a first line [`CUT_SHORT`] that says so, and a warning is logged once.
pub(crate) fn stack_lines(samples: &Samples, endpoint: &str, duration_ms: f64) -> Vec<NewStackLine> {
    let paths: Vec<(Vec<Frame>, bool, f64)> = samples
        .stacks
        .iter()
        .map(|stack| {
            let (path, bounded) = request_path(symbolize::resolve(&stack.ips, stack.first_is_exact));
            (path, bounded, stack.weight.as_secs_f64())
        })
        .collect();
    rows_of_paths(paths, endpoint, duration_ms)
}

/// [`stack_lines`] once the stacks are symbolized: `(path outermost first, complete, weight)`.
fn rows_of_paths(paths: Vec<(Vec<Frame>, bool, f64)>, endpoint: &str, duration_ms: f64) -> Vec<NewStackLine> {
    let paths: Vec<(Vec<Frame>, bool, f64)> = paths.into_iter().filter(|(path, _, _)| !path.is_empty()).collect();
    let any_complete = paths.iter().any(|(_, bounded, _)| *bounded);
    let mut tree = Tree::new();
    for (mut path, bounded, weight) in paths {
        if !bounded {
            if any_complete {
                continue;
            }
            note_cut_short();
            let cut = Frame { function: CUT_SHORT.to_string(), file: None, line: 0, code: String::new(), known: false };
            path.insert(0, cut);
        }
        tree.add(&path, weight);
    }
    from_tree(&tree, endpoint, duration_ms)
}

fn from_tree(tree: &Tree, endpoint: &str, duration_ms: f64) -> Vec<NewStackLine> {
    if tree.nodes[0].weight <= 0.0 {
        return Vec::new();
    }
    tree.rows(endpoint, duration_ms)
}

/// A line's `code`: its source text, or where the source could not be read (no file on this machine, or line 0
/// for code the compiler generated), the function and line. FMD groups and labels lines by this text, so an
/// empty one would merge every unreadable line of a file into one row in FMD's grouped profiler.
fn code_text(frame: &Frame) -> String {
    match (frame.code.is_empty(), frame.line) {
        (false, _) => frame.code.clone(),
        (true, 0) => frame.function.clone(),
        (true, line) => format!("{} (line {line})", frame.function),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str, line: u32) -> Frame {
        Frame {
            function: function.to_string(),
            file: Some("src/app.rs".to_string()),
            line,
            code: format!("{function}();"),
            known: true,
        }
    }

    #[test]
    fn rows_are_depth_first_with_shares_of_the_duration() {
        let mut tree = Tree::new();
        let handler = frame("app::handler", 10);
        // 3 samples in `b` (called at line 12), 1 in `a` (line 11), 1 in the handler itself (line 13).
        for _ in 0..3 {
            tree.add(&[handler.clone(), frame("app::b", 30)], 1.0);
        }
        let handler_at_11 = frame("app::handler", 11);
        tree.add(&[handler_at_11.clone(), frame("app::a", 20)], 1.0);
        tree.add(&[frame("app::handler", 13)], 1.0);
        let rows = from_tree(&tree, "/crunch", 100.0);
        let summary: Vec<(u32, &str, u32, f64)> =
            rows.iter().map(|r| (r.indent, r.function_name.as_str(), r.line_number, r.duration_ms)).collect();
        assert_eq!(
            summary,
            [
                (0, "None", 0, 100.0),
                (1, "app::handler", 10, 60.0),
                (2, "app::b", 30, 60.0),
                (1, "app::handler", 11, 20.0),
                (2, "app::a", 20, 20.0),
                (1, "app::handler", 13, 20.0),
            ]
        );
        assert_eq!(rows[0].code, "/crunch");
        assert_eq!(rows[0].filename, "src/app.rs");
    }

    #[test]
    fn children_are_ordered_by_function_name() {
        let mut tree = Tree::new();
        tree.add(&[frame("app::h", 1), frame("app::zeta", 5)], 1.0);
        tree.add(&[frame("app::h", 1), frame("app::alpha", 6)], 1.0);
        let rows = from_tree(&tree, "/", 10.0);
        let names: Vec<&str> = rows.iter().map(|r| r.function_name.as_str()).collect();
        assert_eq!(names, ["None", "app::h", "app::alpha", "app::zeta"]);
    }

    #[test]
    fn request_paths_know_whether_they_reached_the_response_future() {
        let boundary = frame("<fmd_recorder::layer::ResponseFuture<F> as core::future::future::Future>::poll", 1);
        let (whole, bounded) = request_path(vec![frame("app::work", 20), frame("app::handler", 10), boundary]);
        let names: Vec<&str> = whole.iter().map(|f| f.function.as_str()).collect();
        assert_eq!((names, bounded), (vec!["app::handler", "app::work"], true));
        let (cut, bounded) = request_path(vec![frame("app::work", 20), frame("app::handler", 10)]);
        assert_eq!((cut.len(), bounded), (2, false));
        let mut runtime = frame("tokio::runtime::park::CachedParkThread::block_on", 1);
        runtime.file = Some("/root/.cargo/registry/src/index.crates.io-0/tokio-1.54.1/src/runtime/park.rs".into());
        assert!(request_path(vec![runtime]).0.is_empty(), "nothing of the request");
    }

    #[test]
    fn partial_stacks_are_left_out_unless_there_is_nothing_else() {
        let handler = frame("app::handler", 10);
        let whole = (vec![handler.clone(), frame("app::work", 20)], true, 3.0);
        let partial = (vec![frame("app::work", 21)], false, 1.0);
        let rows = rows_of_paths(vec![whole, partial.clone()], "/", 40.0);
        let names: Vec<(&str, f64)> = rows.iter().map(|r| (r.function_name.as_str(), r.duration_ms)).collect();
        assert_eq!(names, [("None", 40.0), ("app::handler", 40.0), ("app::work", 40.0)]);
        let rows = rows_of_paths(vec![partial], "/", 40.0);
        let names: Vec<(u32, &str)> = rows.iter().map(|r| (r.indent, r.function_name.as_str())).collect();
        assert_eq!(names, [(0, "None"), (1, CUT_SHORT), (2, "app::work")]);
    }

    #[test]
    fn no_samples_no_rows() {
        assert!(stack_lines(&Samples::default(), "/", 5.0).is_empty());
    }

    #[test]
    fn lines_without_source_text_are_named_by_function_and_line() {
        let mut unreadable = frame("app::work", 42);
        unreadable.code = String::new();
        assert_eq!(code_text(&unreadable), "app::work (line 42)");
        unreadable.line = 0;
        assert_eq!(code_text(&unreadable), "app::work", "line 0: code the compiler generated");
        assert_eq!(code_text(&frame("app::work", 7)), "app::work();", "source text when there is one");
    }
}
