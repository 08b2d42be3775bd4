//! `fmd config import FILE`: FMD's INI configuration file as fmd.toml on standard output.

use std::io::Write;

use fmd_core::config::ini;

use crate::cli::{ConfigAction, ConfigArgs};
use crate::failure::Failure;

/// Runs `fmd config ...`.
pub fn run(args: &ConfigArgs) -> Result<(), Failure> {
    match &args.action {
        ConfigAction::Import { file } => import(file),
    }
}

/// Converts `file`, validates the result as fmd.toml, warns about options fmd lacks, prints the TOML.
fn import(file: &std::path::Path) -> Result<(), Failure> {
    let origin = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::Input(format!("{origin}: cannot read the configuration file: {e}")))?;
    let imported = ini::import(&text, &origin)?;
    let toml_text = ini::to_toml(&imported, &origin);
    // The same checks as reading the file directly, so nothing invalid is written.
    ini::validate(imported.clone(), &origin)?;
    for warning in &imported.warnings {
        eprintln!("fmd: warning: {warning}");
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(toml_text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::ClosedPipe),
        Err(e) => Err(Failure::Runtime(format!("cannot write standard output: {e}"))),
    }
}
