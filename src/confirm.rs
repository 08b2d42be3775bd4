//! Asking before destructive commands: an interactive yes/no on a terminal, `--yes` otherwise.

use std::io::{BufRead, IsTerminal};

use crate::failure::Failure;

/// Returns `Ok(())` when the user agrees (or `yes` was given); an input failure otherwise.
pub fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Input(format!("{question}: refusing without --yes (standard input is not a terminal)")));
    }
    crate::output::print(&format!("{question} [y/N] ")).map_err(|e| match e {
        Failure::ClosedPipe => Failure::Input(format!("{question}: standard output is closed; nothing was changed")),
        other => other,
    })?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(Failure::runtime)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure::Input("cancelled; nothing was changed".into()))
    }
}
