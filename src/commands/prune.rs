//! `fmd prune --older-than DURATION`: deletes old requests with their outliers, stack lines and exception
//! occurrences in short batches (running recorders never wait long), then orphaned code lines and exception
//! rows, and optionally compacts the file.

use fmd_core::backend::Editor;
use fmd_core::store::{PruneOptions, PruneReport};
use fmd_core::Store;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::PruneArgs;
use crate::confirm::confirm;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::timearg;

/// Runs the prune (after a dry run and a confirmation unless `--yes` or `--dry-run`).
pub fn run(settings: &Settings, args: &PruneArgs) -> Result<(), Failure> {
    let age = timearg::parse_duration(&args.older_than).map_err(|e| Failure::Input(format!("--older-than: {e}")))?;
    let mut options = PruneOptions::new(settings.now_or_clock() - age);
    options.keep_custom_graphs = args.keep_custom_graphs;
    options.vacuum = args.vacuum;
    if settings.server.is_some() {
        // PostgreSQL prunes in batches too, without a progress callback.
        let editor = crate::database::editor(settings)?;
        if confirmed(editor.as_ref(), &options, args)?.is_some() {
            print_report(&editor.prune(&options)?, false)?;
        }
        return Ok(());
    }
    let store = Store::open_editor(&settings.db, settings.table_prefix.as_deref())?;
    let Some(requests) = confirmed(&store, &options, args)? else {
        return Ok(());
    };
    let bar = ProgressBar::new(requests);
    bar.set_style(
        ProgressStyle::with_template("{spinner} pruning {pos}/{len} requests [{bar:40}] eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let report = store.prune_with_progress(&options, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    print_report(&report, false)
}

/// Prints the dry run and asks; the number of requests to delete when the prune should go ahead, `None` when
/// it should not (`--dry-run`, nothing to delete, or a confirmation refused with an error).
fn confirmed(editor: &dyn Editor, options: &PruneOptions, args: &PruneArgs) -> Result<Option<u64>, Failure> {
    let preview = editor.prune(&PruneOptions { dry_run: true, vacuum: false, ..options.clone() })?;
    print_report(&preview, true)?;
    if args.dry_run || preview.deleted.total() == 0 {
        return Ok(None);
    }
    confirm(
        &format!(
            "delete {} rows recorded before {} from {}?",
            preview.deleted.total(),
            options.cutoff,
            editor.location()
        ),
        args.yes,
    )?;
    Ok(Some(preview.deleted.requests))
}

fn print_report(report: &PruneReport, preview: bool) -> Result<(), Failure> {
    let verb = if preview { "would delete" } else { "deleted" };
    let d = &report.deleted;
    crate::output::println(&format!(
        "{verb} {} requests recorded before {} UTC ({} outliers, {} stack lines, {} exception occurrences, {} code lines, \
         {} custom graph values, {} rows in all)",
        d.requests,
        report.cutoff,
        d.outliers,
        d.stack_lines,
        d.exception_occurrences,
        d.code_lines,
        d.custom_graph_data,
        d.total()
    ))?;
    if !preview {
        crate::output::println(&format!(
            "{} batches, longest {} ms, {} ms in all{}",
            report.batches,
            report.longest_batch_ms,
            report.elapsed_ms,
            if report.vacuumed { ", file compacted" } else { "" }
        ))?;
    }
    Ok(())
}
