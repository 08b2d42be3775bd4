//! The detail model of the Outliers and Exceptions tabs and of the Requests tab's detail popup: a detail is a
//! list of titled [`Section`]s of lines (each line with how it is drawn), scrolled by line and copied a section
//! at a time with `y`. Built from the stored texts in FMD's formats (`outlier`, `exception`, `request`); drawn
//! by `render::outliers::draw_sections`. Nothing here draws.

pub mod exception;
pub mod outlier;
pub mod request;

use chrono::{DateTime, Utc};

/// How a detail line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Normal text.
    Plain,
    /// A frame of the service's own code (emphasised).
    Own,
    /// A library or runtime frame, a note (dim).
    Dim,
    /// A source line under a frame.
    Code,
}

/// One titled part of a detail, copied as a whole with `y`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// Heading (`Stack`, `Headers`).
    pub title: String,
    /// The lines, unsanitised (sanitised when drawn; copied as stored).
    pub lines: Vec<String>,
    /// How each line is drawn (same length as `lines`).
    pub kinds: Vec<Kind>,
}

impl Section {
    /// An empty section titled `title`.
    pub fn new(title: &str) -> Section {
        Section { title: title.to_string(), ..Section::default() }
    }

    /// Adds a line.
    pub fn push(&mut self, kind: Kind, line: impl Into<String>) {
        self.lines.push(line.into());
        self.kinds.push(kind);
    }
}

/// The section holding detail line `line` (each section is its heading plus its lines).
pub fn section_at(sections: &[Section], line: usize) -> Option<&Section> {
    let mut start = 0;
    for section in sections {
        let end = start + 1 + section.lines.len();
        if line < end {
            return Some(section);
        }
        start = end;
    }
    sections.last()
}

/// Stored stack frames (the dashboard layer's reading, shared with the web).
pub use fmd_core::stored::{is_library, parse_frame, StackFrame};

/// Adds the frame lines of `frame`: `File "x", line n, in "f"` and, indented, its source line.
pub fn push_frame(section: &mut Section, frame: &StackFrame) {
    let kind = if is_library(&frame.file) { Kind::Dim } else { Kind::Own };
    section.push(kind, format!("File \"{}\", line {}, in \"{}\"", frame.file, frame.line, frame.function));
    if !frame.code.trim().is_empty() {
        section.push(Kind::Code, format!("    {}", frame.code.trim()));
    }
}

/// An FMD time text as an instant.
pub fn instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(fmd_core::timefmt::parse_fmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_in_fmds_format() {
        let f =
            parse_frame("File: \"/app/app.py\", line 47, in \"upload\": \"data = request.get_data()\"").expect("frame");
        assert_eq!((f.file.as_str(), f.line.as_str(), f.function.as_str()), ("/app/app.py", "47", "upload"));
        assert_eq!(f.code, "data = request.get_data()");
        assert!(parse_frame("a note").is_none());
        assert!(is_library("/venv/lib/python3.11/site-packages/werkzeug/wsgi.py"));
        assert!(!is_library("src/main.rs"));
    }
}
