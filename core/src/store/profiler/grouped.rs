//! FMD 5.1.0's grouped profiler (`/api/grouped_profiler/<id>`), number for number.
//!
//! FMD takes the [`GROUPED_REQUESTS`] most recent profiled requests of the endpoint (by `Request.id`,
//! descending) and walks each one's stack lines in position order. For every line it rebuilds the path from the
//! root by stepping back to the previous line one level up, and encodes each level as
//! `{hash(filename)}:{hash(code)}` joined by `->`, where `hash` numbers strings in first-seen order (one
//! numbering shared by file names and code texts; the code is hashed before its file name). Line numbers are
//! not part of the key, so the same code text in one file merges. The durations of each key are collected, and
//! the keys are listed in **string order**, which is a depth-first order of the merged tree. Each row has
//! `indent` (path length - 1), `code`, `hits` (lines merged), `duration` (their sum, summed in order),
//! `std` (numpy's population standard deviation, with numpy's pairwise summation) and `total_hits` (requests
//! merged).
//!
//! One deliberate difference: a line whose `code` is empty (fmd's recorder could not read the source) is keyed
//! by its function name and line number instead, so unrelated unreadable lines of one file do not merge into a
//! single row. FMD's own files always have code text, so their numbers are unchanged.

use std::collections::HashMap;

use serde::Serialize;

use super::{parents, CodeRef, RawLine};
use crate::store::views::int_of;
use crate::store::{Store, StoreError};

/// How many of the most recent profiled requests FMD merges.
pub const GROUPED_REQUESTS: u32 = 100;

/// One row of the grouped profiler; serialises with FMD's keys (`code`, `duration`, `hits`, `indent`, `std`,
/// `total_hits`) plus where the first merged line points (`filename`, `function_name`, `line_number`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupedLine {
    /// The code text (FMD's `code`; empty when the recorder could not read it).
    pub code: String,
    /// Sum of the merged lines' durations, ms.
    pub duration: f64,
    /// Number of lines merged.
    pub hits: u64,
    /// Depth: 0 for the endpoint's own lines.
    pub indent: u32,
    /// Population standard deviation of the merged durations (numpy's `std`).
    pub std: f64,
    /// Requests merged (the same on every row).
    pub total_hits: u64,
    /// File of the first merged line.
    pub filename: String,
    /// Function of the first merged line.
    pub function_name: String,
    /// Line number of the first merged line.
    pub line_number: i64,
    /// Index of the row it is called from (the nearest row before it one level up), `None` for roots.
    #[serde(skip)]
    pub parent: Option<usize>,
}

impl GroupedLine {
    /// Mean duration per hit, ms.
    pub fn average(&self) -> f64 {
        if self.hits == 0 {
            0.0
        } else {
            self.duration / self.hits as f64
        }
    }

    /// What to show for the row: its code, or its function name and `file:line`.
    pub fn label(&self) -> String {
        self.code_ref().label()
    }

    /// The row's code reference.
    pub fn code_ref(&self) -> CodeRef {
        CodeRef {
            filename: self.filename.clone(),
            line_number: self.line_number,
            function_name: self.function_name.clone(),
            code: self.code.clone(),
        }
    }
}

/// The grouped profiler of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupedProfile {
    /// Requests merged (at most [`GROUPED_REQUESTS`]).
    pub requests: u64,
    /// Rows in FMD's order (depth first).
    pub lines: Vec<GroupedLine>,
}

impl GroupedProfile {
    /// FMD's UI columns relative to the first row (the endpoint's first line): `hits / row0.hits` and
    /// `duration / row0.duration`, as fractions (`None` when row 0 has none).
    pub fn shares(&self, index: usize) -> (Option<f64>, Option<f64>) {
        let (Some(first), Some(line)) = (self.lines.first(), self.lines.get(index)) else { return (None, None) };
        let hits = (first.hits > 0).then(|| line.hits as f64 / first.hits as f64);
        let duration = (first.duration > 0.0).then(|| line.duration / first.duration);
        (hits, duration)
    }
}

/// FMD's `StringHash`: strings numbered in first-seen order.
#[derive(Default)]
struct StringHash(HashMap<String, usize>);

impl StringHash {
    fn hash(&mut self, s: &str) -> usize {
        let next = self.0.len();
        *self.0.entry(s.to_string()).or_insert(next)
    }
}

/// The text a line is grouped by: its code, or for an empty code its function and line (see the module doc).
fn key_text(code: &CodeRef) -> String {
    if code.code.is_empty() {
        format!("\u{0}{}:{}", code.function_name, code.line_number)
    } else {
        code.code.clone()
    }
}

/// Durations collected under one path key, with the first line seen there.
struct Bucket {
    durations: Vec<f64>,
    first: CodeRef,
    indent: u32,
}

/// Groups the stack lines of `requests` (newest first, each in position order) as FMD does.
pub fn group(requests: &[Vec<RawLine>]) -> GroupedProfile {
    let mut hash = StringHash::default();
    let mut buckets: HashMap<String, Bucket> = HashMap::new();
    for lines in requests {
        // FMD walks back from every line to the root, hashing each level's code then file name. Every ancestor
        // is an earlier line whose own walk hashed the same strings already, so a line's key is its parent's key
        // plus its own level, and only its own strings can take new numbers: same keys, same numbering, in one
        // pass instead of a walk per line.
        let indents: Vec<u32> = lines.iter().map(|l| l.indent).collect();
        let mut keys: Vec<String> = Vec::with_capacity(lines.len());
        let mut depths: Vec<u32> = Vec::with_capacity(lines.len());
        for (line, parent) in lines.iter().zip(parents(&indents)) {
            let code = hash.hash(&key_text(&line.code));
            let file = hash.hash(&line.code.filename);
            let (key, depth) = match parent.and_then(|p| keys.get(p).zip(depths.get(p))) {
                Some((up, d)) => (format!("{up}->{file}:{code}"), d + 1),
                None => (format!("{file}:{code}"), 0),
            };
            buckets
                .entry(key.clone())
                .or_insert_with(|| Bucket { durations: Vec::new(), first: line.code.clone(), indent: depth })
                .durations
                .push(line.duration);
            keys.push(key);
            depths.push(depth);
        }
    }
    let mut keys: Vec<(String, Bucket)> = buckets.into_iter().collect();
    // Python sorts str by code point; the keys are ASCII, so bytes order the same.
    keys.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let total = requests.len() as u64;
    let mut lines: Vec<GroupedLine> = keys
        .into_iter()
        .map(|(_, b)| GroupedLine {
            code: b.first.code,
            duration: b.durations.iter().fold(0.0, |sum, d| sum + d),
            hits: b.durations.len() as u64,
            indent: b.indent,
            std: numpy_std(&b.durations),
            total_hits: total,
            filename: b.first.filename,
            function_name: b.first.function_name,
            line_number: b.first.line_number,
            parent: None,
        })
        .collect();
    let indents: Vec<u32> = lines.iter().map(|l| l.indent).collect();
    for (line, parent) in lines.iter_mut().zip(parents(&indents)) {
        line.parent = parent;
    }
    GroupedProfile { requests: total, lines }
}

/// numpy's `add.reduce` on a contiguous float64 array: pairwise summation with blocks of 128 and eight
/// accumulators.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |s, x| s + x)
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &a[i..] {
            res += x;
        }
        res
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

/// `numpy.std(values)` (population, ddof 0); 0 for no values.
fn numpy_std(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = pairwise_sum(values) / n;
    let squares: Vec<f64> = values.iter().map(|x| (x - mean) * (x - mean)).collect();
    (pairwise_sum(&squares) / n).sqrt()
}

impl Store {
    /// FMD's grouped profiler of an endpoint: its [`GROUPED_REQUESTS`] most recent profiled requests merged.
    pub fn grouped_profiler(&self, endpoint_id: i64) -> Result<GroupedProfile, StoreError> {
        let t = &self.tables;
        self.view_snapshot(|| {
            let ids: Vec<i64> = {
                // Walks the StackLine index from the newest request down and stops at the 100th of the endpoint:
                // the cost follows the profiled requests newer than those, not the endpoint's request count.
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT s.request_id FROM (SELECT DISTINCT request_id FROM {} ORDER BY request_id DESC) s \
                     WHERE (SELECT endpoint_id FROM {} WHERE id = s.request_id) = ?1 LIMIT ?2",
                    t.stack_line, t.request
                ))?;
                let rows =
                    stmt.query_map(rusqlite::params![endpoint_id, GROUPED_REQUESTS], |r| Ok(int_of(r.get_ref(0)?)))?;
                rows.filter_map(Result::transpose).collect::<rusqlite::Result<_>>()?
            };
            let mut requests = Vec::with_capacity(ids.len());
            for id in ids {
                requests.push(self.stack_lines(id)?);
            }
            Ok(group(&requests))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(indent: u32, file: &str, code: &str, duration: f64) -> RawLine {
        RawLine {
            position: 0,
            indent,
            duration,
            code: CodeRef { filename: file.into(), line_number: 1, function_name: "f".into(), code: code.into() },
        }
    }

    #[test]
    fn std_and_sums_follow_numpy() {
        // numpy.std([1, 2, 3, 4]) = 1.118033988749895; 20 values exercise the pairwise blocks.
        assert_eq!(numpy_std(&[1.0, 2.0, 3.0, 4.0]), 1.118033988749895);
        let many: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(numpy_std(&many), 5.766281297335398);
        assert_eq!(numpy_std(&[7.5]), 0.0);
        assert_eq!(pairwise_sum(&(0..300).map(f64::from).collect::<Vec<_>>()), 44850.0);
    }

    #[test]
    fn lines_merge_by_path_and_code_text_not_line_number() {
        let a = vec![line(0, "v.py", "def v():", 10.0), line(1, "v.py", "x()", 6.0), line(2, "x.py", "y", 6.0)];
        let mut b = vec![line(0, "v.py", "def v():", 20.0), line(1, "v.py", "x()", 5.0), line(1, "v.py", "z()", 15.0)];
        b[1].code.line_number = 99;
        let g = group(&[a, b]);
        let rows: Vec<(u32, &str, u64, f64)> =
            g.lines.iter().map(|l| (l.indent, l.code.as_str(), l.hits, l.duration)).collect();
        assert_eq!(
            rows,
            vec![(0, "def v():", 2, 30.0), (1, "x()", 2, 11.0), (2, "y", 1, 6.0), (1, "z()", 1, 15.0)],
            "string order of the keys is depth first"
        );
        assert_eq!(g.requests, 2);
        assert_eq!(g.lines[0].std, 5.0);
        assert_eq!(g.lines[2].parent, Some(1));
        assert_eq!(g.shares(3), (Some(0.5), Some(0.5)));
    }

    /// FMD's own walk, line by line back to the root, as `PathHash.get_stacklines_path` does it.
    fn fmd_walk(requests: &[Vec<RawLine>]) -> Vec<(String, u32, usize, f64)> {
        let mut hash = StringHash::default();
        let mut buckets: std::collections::BTreeMap<String, (u32, Vec<f64>)> = Default::default();
        for lines in requests {
            for index in 0..lines.len() {
                let mut path = Vec::new();
                let mut i = index as isize;
                while i >= 0 {
                    let line = &lines[i as usize];
                    path.push(line);
                    let up = i64::from(line.indent) - 1;
                    while i >= 0 && i64::from(lines[i as usize].indent) != up {
                        i -= 1;
                    }
                }
                let mut key = String::new();
                for line in path.iter().rev() {
                    let code = hash.hash(&key_text(&line.code));
                    let file = hash.hash(&line.code.filename);
                    key = if key.is_empty() { format!("{file}:{code}") } else { format!("{key}->{file}:{code}") };
                }
                let entry = buckets.entry(key).or_insert((path.len() as u32 - 1, Vec::new()));
                entry.1.push(lines[index].duration);
            }
        }
        buckets.into_iter().map(|(_, (indent, d))| (String::new(), indent, d.len(), d.iter().sum())).collect()
    }

    #[test]
    fn one_pass_keys_equal_fmds_walk_on_random_trees() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        // Enough strings for two-digit hash numbers, whose string order differs from their numeric order.
        let files: Vec<String> = (0..9).map(|i| format!("f{i}.py")).collect();
        let codes: Vec<String> = (0..14).map(|i| if i == 0 { String::new() } else { format!("c{i}()") }).collect();
        for _ in 0..30 {
            let requests: Vec<Vec<RawLine>> = (0..1 + next(6))
                .map(|_| {
                    let mut indent = 0u32;
                    (0..1 + next(40))
                        .map(|_| {
                            // Down one level, stay, or back up (sometimes jumping two levels down, as hostile
                            // files may).
                            indent = match next(5) {
                                0 | 1 => indent + 1,
                                2 => indent,
                                3 => indent.saturating_sub(1 + next(3) as u32),
                                _ => indent + 2,
                            };
                            let file = &files[next(files.len() as u64) as usize];
                            let code = &codes[next(codes.len() as u64) as usize];
                            let mut l = line(indent, file, code, next(100) as f64);
                            l.code.function_name = format!("f{}", next(3));
                            l
                        })
                        .collect()
                })
                .collect();
            let ours: Vec<(String, u32, usize, f64)> =
                group(&requests).lines.iter().map(|l| (String::new(), l.indent, l.hits as usize, l.duration)).collect();
            assert_eq!(ours, fmd_walk(&requests));
        }
    }

    #[test]
    fn empty_code_lines_of_one_file_stay_apart() {
        let mut a =
            vec![line(0, "src/main.rs", "", 9.0), line(1, "src/main.rs", "", 4.0), line(1, "src/main.rs", "", 5.0)];
        a[1].code.function_name = "load".into();
        a[2].code.function_name = "render".into();
        let g = group(&[a]);
        let labels: Vec<String> = g.lines.iter().map(GroupedLine::label).collect();
        assert_eq!(labels, ["f (src/main.rs:1)", "load (src/main.rs:1)", "render (src/main.rs:1)"]);
    }
}
