//! How FMD's stored texts read (the console's `tui/src/detail/` for the browser): stack frames
//! `File: "f", line n, in "fn": "code"` joined by `<br />`, CPU lists `[12.5, 3.0]`, memory
//! `svmem(total=…, …)`, header lines `Name: value`, the environment's Python-dict text, and how a frame,
//! a stack and a list of names and values are drawn (escaped by maud, values through [`super::redact`]).

use fmd_core::store::ExceptionStackFrame;
pub use fmd_core::stored::{bytes, cpu_list, dict_items, is_library, memory_fields, parse_frame, StackFrame};
use maud::{html, Markup};

use super::redact;

/// A stack as a list, innermost last: the service's own frames emphasised, library frames dim, notes plain.
pub fn stack(frames: &[Result<StackFrame, String>]) -> Markup {
    html! {
        @if frames.is_empty() { p.muted { "(no stack captured)" } }
        @else {
            ol.stack {
                @for frame in frames {
                    @match frame {
                        Ok(f) => li.frame.lib[is_library(&f.file)] {
                            code.where { (f.file) ":" (f.line) } " in " b { (f.function) }
                            @if !f.code.trim().is_empty() { pre.code { (f.code.trim()) } }
                        },
                        Err(note) => li.note { (note) },
                    }
                }
            }
        }
    }
}

/// The frames of an outlier's stored stack text (notes as `Err`).
pub fn outlier_stack(text: &str) -> Vec<Result<StackFrame, String>> {
    text.split("<br />")
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| parse_frame(piece).ok_or_else(|| piece.to_string()))
        .collect()
}

/// The source line of a stored exception frame: fmd stores the line itself, FMD the whole function from its
/// first line.
fn source_line(code: Option<&str>, line: i64, start: i64) -> String {
    let code = code.unwrap_or_default();
    let index = usize::try_from(line.saturating_sub(start)).unwrap_or(0);
    code.lines().nth(index).or_else(|| code.lines().next()).unwrap_or_default().trim().to_string()
}

/// The frames of an exception's stored stack, outermost first.
pub fn exception_stack(frames: &[ExceptionStackFrame]) -> Vec<Result<StackFrame, String>> {
    frames
        .iter()
        .map(|f| {
            Ok(StackFrame {
                file: f.full_file_path.clone(),
                line: f.line_number.to_string(),
                function: f.function_name.clone().unwrap_or_default(),
                code: source_line(f.code.as_deref(), f.line_number, f.function_start_line_number),
            })
        })
        .collect()
}

/// A name and its value, or a line that is neither.
pub type Entry = Result<(String, String), String>;

/// The environment's entries: `'KEY': value` items as (KEY, value); others as they are.
pub fn environment(text: &str) -> Vec<Entry> {
    dict_items(text)
        .into_iter()
        .map(|item| {
            let quoted = item.starts_with('\'') || item.starts_with('"');
            match item.split_once(": ") {
                Some((key, value)) if quoted => {
                    Ok((key.trim_matches(|c| c == '\'' || c == '"').to_string(), value.trim().to_string()))
                }
                _ => Err(item),
            }
        })
        .collect()
}

/// The value of environment key `key`, unquoted.
pub fn environment_value(entries: &[Entry], key: &str) -> Option<String> {
    entries.iter().find_map(|e| match e {
        Ok((k, v)) if k == key => Some(v.trim_matches('\'').to_string()),
        _ => None,
    })
}

/// The header lines `Name: value` (the blank end line left out).
pub fn headers(text: &str) -> Vec<Entry> {
    text.split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.trim().is_empty())
        .map(|line| match line.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() && !name.contains(' ') => {
                Ok((name.trim().to_string(), value.trim().to_string()))
            }
            _ => Err(line.to_string()),
        })
        .collect()
}

/// Names and values as a table, each value as [`redact::value`] lets `admin` see it.
pub fn entries(entries: &[Entry], admin: bool) -> Markup {
    html! {
        @if entries.is_empty() { p.muted { "(none)" } }
        @else {
            table.data.pairs {
                tbody {
                    @for entry in entries {
                        @match entry {
                            Ok((name, value)) => {
                                @let shown = redact::value(name, value, admin);
                                tr { th { (name) } td.wrap.mono.muted[shown == redact::REDACTED] { (shown) } }
                            }
                            Err(line) => tr { td.wrap.mono colspan="2" { (redact::unnamed(line, admin)) } },
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmds_texts_parse() {
        let f =
            parse_frame("File: \"/app/app.py\", line 47, in \"upload\": \"data = request.get_data()\"").expect("frame");
        assert_eq!((f.file.as_str(), f.line.as_str(), f.function.as_str()), ("/app/app.py", "47", "upload"));
        assert_eq!(f.code, "data = request.get_data()");
        assert!(parse_frame("a note").is_none());
        assert!(is_library("/venv/lib/python3.11/site-packages/werkzeug/wsgi.py"));
        let env = environment("{'wsgi.version': (1, 0), 'REQUEST_METHOD': 'GET', 'b': <x name='y, z'>}");
        assert_eq!(env.len(), 3);
        assert_eq!(environment_value(&env, "REQUEST_METHOD").as_deref(), Some("GET"));
        let h = headers("Host: a:1\r\nAuthorization: Bearer x\r\n\r\n");
        assert_eq!(h, [Ok(("Host".into(), "a:1".into())), Ok(("Authorization".into(), "Bearer x".into()))]);
        assert_eq!(cpu_list("[12.5, 3.0, x]"), [12.5, 3.0]);
        assert_eq!(bytes("25276063744"), "25.3 GB");
    }
}
