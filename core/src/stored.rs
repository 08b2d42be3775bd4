//! How FMD's stored texts read, for every front-end (the console's detail popups, the web's pages): stack
//! frames `File: "f", line n, in "fn": "code"`, CPU lists `[12.5, 3.0]`, memory `svmem(total=…, …)`, the
//! environment's Python-dict text, byte counts; and, in [`code`], how a profiled code line reads.

/// A frame of a stack: file, line, function and source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrame {
    /// Source file.
    pub file: String,
    /// Line number as stored.
    pub line: String,
    /// Function name.
    pub function: String,
    /// The source line (may be empty).
    pub code: String,
}

/// Parses one stored frame `File: "f", line n, in "fn": "code"`; `None` for notes and other text.
pub fn parse_frame(text: &str) -> Option<StackFrame> {
    let rest = text.trim().strip_prefix("File: \"").or_else(|| text.trim().strip_prefix("File \""))?;
    let (file, rest) = rest.split_once("\", line ")?;
    let (line, rest) = rest.split_once(", in ")?;
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    let (function, code) = match rest.split_once("\": \"") {
        Some((function, code)) => (function, code.strip_suffix('"').unwrap_or(code)),
        None => (rest.strip_suffix('"').unwrap_or(rest), ""),
    };
    Some(StackFrame {
        file: file.to_string(),
        line: line.trim().to_string(),
        function: function.to_string(),
        code: code.to_string(),
    })
}

/// True for frames of libraries, the standard library or the runtime (Python or Rust), drawn dim.
pub fn is_library(file: &str) -> bool {
    const MARKERS: [&str; 9] = [
        "/site-packages/",
        "/dist-packages/",
        "/lib/python",
        "/.pyenv/",
        "/.cargo/registry/",
        "/.cargo/git/",
        "/rustc/",
        "/.rustup/",
        "/library/std/",
    ];
    file.is_empty() || file.starts_with('<') || MARKERS.iter().any(|m| file.contains(m))
}

/// Numbers of a Python list literal `[12.5, 3.0]` (unreadable items skipped).
pub fn cpu_list(text: &str) -> Vec<f64> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .filter_map(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .collect()
}

/// `key=value` pairs of `svmem(total=1, available=2)`.
pub fn memory_fields(text: &str) -> Vec<(String, String)> {
    let inner = text.trim();
    let inner = inner.split_once('(').map_or(inner, |(_, rest)| rest.trim_end_matches(')'));
    inner
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Bytes as `25.3 GB`, `921 MB`.
pub fn bytes(text: &str) -> String {
    let Ok(n) = text.parse::<f64>() else { return text.to_string() };
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let unit = UNITS.get(unit).copied().unwrap_or("B");
    if value >= 100.0 || unit == "B" {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

/// Top-level items of a Python dict text `{'A': 1, 'B': (1, 0)}` as `'A': 1` strings (brackets, parentheses,
/// angle brackets and quotes respected).
pub fn dict_items(text: &str) -> Vec<String> {
    let inner = text.trim();
    let inner = inner.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(inner);
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in inner.chars() {
        if let Some(q) = quote {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                current.push(c);
            }
            '(' | '[' | '{' | '<' => {
                depth += 1;
                current.push(c);
            }
            ')' | ']' | '}' | '>' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ',' if depth == 0 => {
                let item = current.trim();
                if !item.is_empty() {
                    items.push(item.to_string());
                }
                current.clear();
            }
            c => current.push(c),
        }
    }
    let item = current.trim();
    if !item.is_empty() {
        items.push(item.to_string());
    }
    items
}

/// How a profiled code line reads: its source text, or its function and `file:line`, never FMD's literal
/// `None` function name (its endpoint lines have none), a `:0` line that is not known, or a bare code address
/// as if it were a name (unsymbolized frames read `<unknown frame 0x7f…>`).
pub mod code {
    use crate::store::CodeRef;

    /// True for an unsymbolized frame's "name": a code address such as `0x7f3a2c1b9e40`.
    fn is_address(text: &str) -> bool {
        text.strip_prefix("0x").is_some_and(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()))
    }

    /// The function's name when there is a real one (not empty, not FMD's `None`, not an address).
    pub fn function(code: &CodeRef) -> Option<&str> {
        let name = code.function_name.trim();
        (!name.is_empty() && name != "None" && !is_address(name)).then_some(name)
    }

    /// `file:line`, `file` when the line is unknown (0), `None` without a file.
    pub fn location(code: &CodeRef) -> Option<String> {
        let file = code.filename.trim();
        match (file.is_empty(), code.line_number > 0) {
            (true, _) => None,
            (false, true) => Some(format!("{file}:{}", code.line_number)),
            (false, false) => Some(file.to_string()),
        }
    }

    /// What to show for the line: its code; else its function and location; else `<unknown frame ADDRESS>`.
    pub fn label(code: &CodeRef) -> String {
        let text = code.code.trim();
        if !text.is_empty() {
            return text.to_string();
        }
        match (function(code), location(code)) {
            (Some(f), Some(l)) => format!("{f} ({l})"),
            (Some(f), None) => f.to_string(),
            (None, Some(l)) => l,
            (None, None) if is_address(code.function_name.trim()) => {
                format!("<unknown frame {}>", code.function_name.trim())
            }
            (None, None) => "<unknown frame>".to_string(),
        }
    }

    /// The selected line read in full, its parts joined by ` · `: the label, then (when the label is the source
    /// text) where it is and its function; parts that are not known are left out.
    pub fn detail(code: &CodeRef) -> String {
        let mut parts = vec![label(code)];
        if !code.code.trim().is_empty() {
            parts.extend(location(code));
            parts.extend(function(code).map(str::to_string));
        }
        parts.join(" · ")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn code(file: &str, line: i64, function: &str, text: &str) -> CodeRef {
            CodeRef { filename: file.into(), line_number: line, function_name: function.into(), code: text.into() }
        }

        #[test]
        fn unknown_parts_are_left_out_never_printed_as_none_or_zero() {
            // Python FMD's endpoint line: function "None".
            let fmd = code("/app/app.py", 23, "None", "@app.route(\"/users/<int:uid>\")");
            assert_eq!(label(&fmd), "@app.route(\"/users/<int:uid>\")");
            assert_eq!(detail(&fmd), "@app.route(\"/users/<int:uid>\") · /app/app.py:23");
            // fmd's recorder, a frame it could not symbolize: the address, no file, line 0.
            let unknown = code("", 0, "0x7f3a2c1b9e40", "");
            assert_eq!(label(&unknown), "<unknown frame 0x7f3a2c1b9e40>");
            assert_eq!(detail(&unknown), "<unknown frame 0x7f3a2c1b9e40>");
            assert_eq!(location(&unknown), None);
            // A named frame without line tables or source.
            assert_eq!(label(&code("", 0, "app::crunch", "")), "app::crunch");
            assert_eq!(label(&code("src/a.rs", 0, "app::a", "")), "app::a (src/a.rs)");
            assert_eq!(label(&code("src/a.rs", 7, "app::a", "")), "app::a (src/a.rs:7)");
            assert_eq!(detail(&code("src/a.rs", 7, "app::a", "let x = 1;")), "let x = 1; · src/a.rs:7 · app::a");
            assert_eq!(label(&code("", 0, "", "")), "<unknown frame>");
            assert!(!is_address("0x") && !is_address("0xzz") && is_address("0xABCdef01"));
        }
    }
}
