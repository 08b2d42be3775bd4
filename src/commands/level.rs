//! `fmd level ENDPOINT LEVEL`: sets a monitoring level from scripts.

use fmd_core::Store;

use crate::cli::LevelArgs;
use crate::failure::Failure;
use crate::settings::Settings;

/// Writes the level; running recorders pick it up within their poll period.
pub fn run(settings: &Settings, args: &LevelArgs) -> Result<(), Failure> {
    let store = Store::open_editor(&settings.db, settings.table_prefix.as_deref())?;
    store.set_level(&args.endpoint, args.level)?;
    println!("{}: level {} for {:?}", settings.db.display(), args.level, args.endpoint);
    Ok(())
}
