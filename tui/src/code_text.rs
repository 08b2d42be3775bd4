//! How a profiled code line reads on screen: its source text, or its function and `file:line`, never FMD's
//! literal `None` function name (its endpoint lines have none), a `:0` line that is not known, or a bare code
//! address as if it were a name (unsymbolized frames read `<unknown frame 0x7f…>`).

use fmd_core::store::CodeRef;

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
