//! Aligned text tables that fit the terminal: the text form of `fmd show` and `fmd level`.
//!
//! Columns of numbers are right-aligned and never cut; when a table is wider than the width, its widest text
//! columns are narrowed first and their cells cut with `…`. Long free text (stacks, headers) goes into
//! [`block`]s wrapped under a row instead.

use std::io::IsTerminal;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Width used when standard output is no terminal and `$COLUMNS` is unset or not a number.
pub const DEFAULT_WIDTH: usize = 100;
/// No text column is narrowed below this many cells.
const MIN_COLUMN: usize = 6;
/// Text columns are narrowed to this before a table is split into parts.
const SOFT_MIN: usize = 12;
/// Spaces between columns.
const GAP: usize = 2;

/// The width to fit: the terminal's when standard output is one, else `$COLUMNS`, else [`DEFAULT_WIDTH`].
pub fn output_width() -> usize {
    if std::io::stdout().is_terminal() {
        if let Ok((columns, _)) = crossterm::terminal::size() {
            if columns > 0 {
                return usize::from(columns);
            }
        }
    }
    width_from(std::env::var("COLUMNS").ok().as_deref())
}

/// `$COLUMNS` as a width (at least 20), or [`DEFAULT_WIDTH`].
fn width_from(columns: Option<&str>) -> usize {
    columns.and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c > 0).map_or(DEFAULT_WIDTH, |c| c.max(20))
}

/// A table: a header line and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Text printed under a row (already laid out, e.g. by [`block`]), by row index.
    details: Vec<Option<String>>,
    indent: usize,
}

impl Table {
    /// A table with these column headers.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Table {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            details: Vec::new(),
            indent: 0,
        }
    }

    /// Indents every line by `spaces`.
    pub fn indented(mut self, spaces: usize) -> Table {
        self.indent = spaces;
        self
    }

    /// Adds a row (missing cells are empty, extra cells are dropped).
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut cells: Vec<String> = cells.into_iter().map(|c| clean(&c.into())).collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
        self.details.push(None);
    }

    /// Adds a row with `detail` printed under it as it is (lay it out with [`block`]).
    pub fn row_with_detail<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>, detail: String) {
        self.row(cells);
        if let Some(last) = self.details.last_mut() {
            *last = Some(detail);
        }
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines of at most `width` cells. Text columns are narrowed first (to [`SOFT_MIN`]); a table
    /// still too wide is split into several, each repeating the first column; only then are cells cut down to
    /// [`MIN_COLUMN`]. Row details are printed under the rows of the first part.
    pub fn render(&self, width: usize) -> String {
        let n = self.headers.len();
        let numeric: Vec<bool> = (0..n).map(|c| self.is_numeric(c)).collect();
        // Numbers and times are never cut: only the other columns are narrowed.
        let rigid: Vec<bool> = (0..n).map(|c| numeric[c] || self.is_time(c)).collect();
        let natural: Vec<usize> = (0..n)
            .map(|c| {
                let cells = self.rows.iter().map(|r| r[c].width());
                cells.chain([self.headers[c].width()]).max().unwrap_or(0)
            })
            .collect();
        let all: Vec<usize> = (0..n).collect();
        let mut widths = natural.clone();
        self.shrink(&all, &mut widths, &rigid, width, SOFT_MIN);
        if self.total(&all, &widths) <= width || n <= 2 {
            self.shrink(&all, &mut widths, &rigid, width, MIN_COLUMN);
            return self.render_columns(&all, &widths, &numeric, true);
        }
        // Split: the first column, then as many of the others as fit beside it, at their natural widths (a
        // split table has the room not to cut them).
        let widths = natural;
        let mut parts: Vec<Vec<usize>> = Vec::new();
        for c in 1..n {
            let fits = parts.last().is_some_and(|part| {
                let mut cols = vec![0];
                cols.extend(part.iter().copied().chain([c]));
                self.total(&cols, &widths) <= width
            });
            match parts.last_mut() {
                Some(part) if fits => part.push(c),
                _ => parts.push(vec![c]),
            }
        }
        let mut out = String::new();
        for (i, part) in parts.iter().enumerate() {
            let mut cols = vec![0];
            cols.extend(part);
            let mut part_widths = widths.clone();
            self.shrink(&cols, &mut part_widths, &rigid, width, MIN_COLUMN);
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&self.render_columns(&cols, &part_widths, &numeric, i == 0));
        }
        out
    }

    fn total(&self, cols: &[usize], widths: &[usize]) -> usize {
        self.indent + cols.iter().map(|&c| widths[c]).sum::<usize>() + GAP * cols.len().saturating_sub(1)
    }

    /// Narrows the widest text column of `cols` by one cell at a time, not below `floor`, until they fit.
    fn shrink(&self, cols: &[usize], widths: &mut [usize], rigid: &[bool], width: usize, floor: usize) {
        while self.total(cols, widths) > width {
            let widest =
                cols.iter().copied().filter(|&c| !rigid[c] && widths[c] > floor).max_by_key(|&c| (widths[c], c));
            match widest {
                Some(c) => widths[c] -= 1,
                None => break,
            }
        }
    }

    fn render_columns(&self, cols: &[usize], widths: &[usize], numeric: &[bool], details: bool) -> String {
        let mut out = String::new();
        let none = Vec::new();
        let row_details = if details { &self.details } else { &none };
        let details = std::iter::once(&None).chain(row_details.iter().chain(std::iter::repeat(&None)));
        for (cells, detail) in std::iter::once(&self.headers).chain(&self.rows).zip(details) {
            let mut line = " ".repeat(self.indent);
            for (i, &c) in cols.iter().enumerate() {
                if i > 0 {
                    line.push_str(&" ".repeat(GAP));
                }
                let text = truncate(&cells[c], widths[c]);
                let pad = " ".repeat(widths[c].saturating_sub(text.width()));
                if numeric[c] {
                    line.push_str(&pad);
                    line.push_str(&text);
                } else {
                    line.push_str(&text);
                    line.push_str(&pad);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
            if let Some(detail) = detail {
                out.push_str(detail);
            }
        }
        out
    }

    /// A column of times: every cell `YYYY-MM-DD HH:MM[:SS]`, empty or `-`.
    fn is_time(&self, c: usize) -> bool {
        let time = |s: &str| {
            let b = s.as_bytes();
            (b.len() == 16 || b.len() == 19) && b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':'
        };
        let mut any = false;
        for row in &self.rows {
            let cell = row[c].as_str();
            if cell.is_empty() || cell == "-" {
                continue;
            }
            if !time(cell) {
                return false;
            }
            any = true;
        }
        any
    }

    /// A column is numeric when every cell is a number (`12`, `4.020`, `35.2%`) or empty or `-` (a column of
    /// only `-` is a column of numbers not known yet).
    fn is_numeric(&self, c: usize) -> bool {
        let mut any = self.rows.iter().any(|r| r[c] == "-");
        for row in &self.rows {
            let cell = row[c].trim_end_matches('%');
            if cell.is_empty() || cell == "-" {
                continue;
            }
            if cell.parse::<f64>().is_err() {
                return false;
            }
            any = true;
        }
        any
    }
}

/// `text` cut to at most `width` cells, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Free text (a stack, headers) as a block indented by `indent`, each line wrapped at `width` cells, with
/// control characters escaped.
pub fn block(text: &str, indent: usize, width: usize) -> String {
    let room = width.saturating_sub(indent).max(20);
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for line in text.trim_end().lines() {
        let line = clean(line.trim_end());
        if line.is_empty() {
            out.push('\n');
            continue;
        }
        let mut rest = line.as_str();
        loop {
            let mut used = 0;
            let mut cut = rest.len();
            for (i, ch) in rest.char_indices() {
                used += ch.width().unwrap_or(0);
                if used > room {
                    cut = i;
                    break;
                }
            }
            // Break after the last space of the line's second half, so words stay whole where they can.
            if cut < rest.len() {
                if let Some(space) = rest[..cut].rfind(' ').filter(|&s| s > cut / 2) {
                    cut = space + 1;
                }
            }
            out.push_str(&pad);
            out.push_str(rest[..cut].trim_end());
            out.push('\n');
            rest = &rest[cut..];
            if rest.is_empty() {
                break;
            }
        }
    }
    out
}

/// Preformatted lines each cut to `width` cells with `…`.
pub fn fit_lines(text: &str, width: usize) -> String {
    text.lines().map(|l| truncate(l, width) + "\n").collect()
}

/// Escapes control characters (and only those), so text from the database cannot move the cursor or change
/// colours.
pub fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_align_right_and_text_is_cut_to_fit() {
        let mut t = Table::new(["name", "hits"]);
        t.row(["a-very-long-endpoint-name", "3"]);
        t.row(["b", "1200"]);
        assert_eq!(
            t.render(80),
            "name                       hits\na-very-long-endpoint-name     3\nb                          1200\n"
        );
        let narrow = t.render(16);
        assert_eq!(narrow, "name        hits\na-very-lo…     3\nb           1200\n");
        assert!(narrow.lines().all(|l| l.width() <= 16), "{narrow}");
    }

    #[test]
    fn a_table_too_wide_is_split_repeating_its_first_column() {
        let mut t = Table::new(["endpoint", "a", "b", "c", "d"]);
        t.row(["search", "1000000", "2000000", "3000000", "4000000"]);
        assert_eq!(
            t.render(30),
            "endpoint        a        b\nsearch    1000000  2000000\n\nendpoint        c        d\nsearch    3000000  4000000\n"
        );
    }

    #[test]
    fn control_characters_are_escaped_and_wide_characters_counted() {
        let mut t = Table::new(["user", "n"]);
        t.row(["al\u{1b}[31m", "1"]);
        t.row(["日本語", "2"]);
        let text = t.render(80);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert_eq!(text.lines().nth(2), Some("日本語        2"));
        assert_eq!(truncate("日本語", 5), "日本…");
    }

    #[test]
    fn blocks_wrap_under_an_indent() {
        assert_eq!(block(&"x".repeat(30), 4, 24), format!("    {}\n    {}\n", "x".repeat(20), "x".repeat(10)));
        assert_eq!(width_from(Some("132")), 132);
        assert_eq!(width_from(Some("wide")), DEFAULT_WIDTH);
        assert_eq!(width_from(None), DEFAULT_WIDTH);
    }
}
