//! Standard output of every command. A reader that closes the pipe early (`fmd show overview | head -1`)
//! ends the command quietly with exit code 0, as Unix tools do, instead of a panic; any other write error is
//! a runtime failure naming standard output.

use std::io::{ErrorKind, Write};

use crate::failure::Failure;

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(write_failure)
}

/// Writes `text` and a newline to standard output.
pub fn println(text: &str) -> Result<(), Failure> {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    print(&line)
}

/// A closed pipe is the reader's choice, not a failure; anything else is.
fn write_failure(e: std::io::Error) -> Failure {
    if e.kind() == ErrorKind::BrokenPipe {
        Failure::ClosedPipe
    } else {
        Failure::Runtime(format!("cannot write to standard output: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_and_other_errors_are_named() {
        assert!(matches!(write_failure(ErrorKind::BrokenPipe.into()), Failure::ClosedPipe));
        let other = write_failure(std::io::Error::other("disk full"));
        assert!(matches!(&other, Failure::Runtime(m) if m.contains("standard output") && m.contains("disk full")));
    }
}
