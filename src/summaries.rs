//! Building fmd's summary tables before a console or `fmd show` needs them, with a progress bar the first
//! time (they make every view fast on large files; see `fmd_core::store::summary`).

use std::io::IsTerminal;
use std::path::Path;

use fmd_core::store::SummaryState;
use fmd_core::Store;
use indicatif::{ProgressBar, ProgressStyle};

use crate::failure::Failure;

/// Brings the summaries of a large file up to date: in the file when fmd created it and may write it, else in
/// fmd's cache (the file is left unchanged; see `fmd_core::store::SummaryHome`). Small files
/// (below the store's own threshold) and files whose summaries have nowhere to go are left alone: their views
/// answer directly. Only bad input is an error.
pub fn prepare(db: &Path, prefix: Option<&str>) -> Result<(), Failure> {
    let store = Store::open_reader(db, prefix)?;
    let status = match store.summary_status() {
        Ok(status) => status,
        Err(_) => return Ok(()),
    };
    let threshold = store.summary_policy().min_rows;
    let behind = match status.state {
        // Never built: everything is behind (the highest rowid is a cheap upper bound of the row count).
        SummaryState::Missing => store
            .connection()
            .query_row(&format!("SELECT coalesce(max(rowid), 0) FROM {}", store.tables().request), [], |r| {
                r.get::<_, i64>(0)
            })
            .map_or(0, |n| u64::try_from(n).unwrap_or(0)),
        _ => status.behind,
    };
    let worth_it = status.covered + behind >= threshold && behind > 0;
    if !worth_it || matches!(status.state, SummaryState::ReadOnly | SummaryState::Newer | SummaryState::Busy) {
        return Ok(());
    }
    let bar = if std::io::stderr().is_terminal() { ProgressBar::new(0) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} building fmd's summary tables for fast views: {pos}/{len} requests [{bar:30}] eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let result = store.refresh_summaries(|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    if let Err(e) = result {
        // Views still answer directly; say why they may be slow.
        tracing::warn!("{}: summary tables not built ({e}); views read the requests directly", db.display());
    }
    Ok(())
}
