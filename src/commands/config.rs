//! `fmd config import FILE`: FMD's INI configuration file as fmd.toml on standard output; `fmd config show`:
//! the configuration in effect.

use std::io::Write;

use fmd_core::config::ini;
use fmd_core::Config;

use crate::failure::Failure;

/// Converts `file`, validates the result as fmd.toml, warns about options fmd lacks, prints the TOML.
pub fn import(file: &std::path::Path) -> Result<(), Failure> {
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
    print(&toml_text)
}

/// Prints the configuration in effect as fmd.toml (secrets hidden).
pub fn show(config: &Config) -> Result<(), Failure> {
    let source = config.source.as_ref().map_or("built-in defaults".to_string(), |p| p.display().to_string());
    print(&format!(
        "# The configuration in effect: {source}, then FMD_<SECTION>_<KEY> variables.\n{}",
        config.to_toml_hidden()
    ))
}

/// Writes `text` to standard output; a closed pipe stops quietly.
fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::ClosedPipe),
        Err(e) => Err(Failure::Runtime(format!("cannot write standard output: {e}"))),
    }
}
