//! The housekeeping popups of the overview: the merge target picker (`M`), the prune age picker (`P`), and the
//! confirmation that shows what an action will delete (a dry run by the worker) before anything is deleted
//! (`D`, and after either picker).
//!
//! ```text
//! ┌ Delete endpoint search? ───────────────────┐
//! │ deletes, in short batches:                 │
//! │   requests                           254   │
//! │   outliers                             3   │
//! │   257 rows in all                          │
//! │ y delete  n keep everything                │
//! └────────────────────────────────────────────┘
//! ```

use fmd_core::store::DeletedRows;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::pad;
use crate::app::{App, Popup};
use crate::format;
use crate::nav::PRUNE_AGES;
use crate::query::Housekeeping;

use crate::layout::{centered, picker_area, popup_space, PICKER_WIDTH as WIDTH};

/// Rows of a deletion, by table, with their labels; requests always, the others when not zero.
fn counted(rows: &DeletedRows) -> Vec<(&'static str, u64)> {
    let all = [
        ("requests", rows.requests),
        ("outliers", rows.outliers),
        ("stack lines", rows.stack_lines),
        ("exception occurrences", rows.exception_occurrences),
        ("code lines no longer used", rows.code_lines),
        ("custom graph values", rows.custom_graph_data),
        ("exception types", rows.exception_types),
        ("exception messages", rows.exception_messages),
        ("stack trace snapshots", rows.stack_trace_snapshots),
        ("exception stack lines", rows.exception_stack_lines),
        ("exception frames", rows.exception_frames),
        ("function locations", rows.function_locations),
        ("file paths", rows.file_paths),
        ("function definitions", rows.function_definitions),
    ];
    all.into_iter().enumerate().filter(|(i, (_, n))| *i == 0 || *n > 0).map(|(_, row)| row).collect()
}

/// Draws a bordered popup titled `title` with `lines` (the last one, the keys, always kept) centred in `area`.
fn popup(frame: &mut Frame, area: Rect, app: &App, title: &str, mut lines: Vec<Line<'static>>) {
    let theme = &app.theme;
    let space = popup_space(area);
    let widest = lines.iter().map(Line::width).max().unwrap_or(0).max(format::width(title) + 4);
    let rect = centered(
        space,
        (widest + 4).min(usize::from(WIDTH)) as u16,
        (lines.len() + 2).min(usize::from(u16::MAX)) as u16,
    );
    let inner_height = usize::from(rect.height.saturating_sub(2));
    if lines.len() > inner_height && inner_height > 0 {
        let keys = lines.pop();
        lines.truncate(inner_height - 1);
        lines.extend(keys);
    }
    let inner_width = usize::from(rect.width.saturating_sub(2));
    let title = format!(" {} ", format::truncate(title, inner_width.saturating_sub(2)));
    let block = Block::bordered().border_style(theme.popup_border).title(Line::styled(title, theme.heading));
    let lines: Vec<Line<'static>> = lines.into_iter().map(|l| super::fit_line(l, inner_width)).collect();
    super::clear_popup(frame, rect, area);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// Key hints: `y delete  n keep`.
fn keys(app: &App, hints: &[(&str, &str)]) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (key, what)) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled((*key).to_string(), app.theme.key));
        spans.push(Span::styled(format!(" {what}"), app.theme.dim));
    }
    Line::from(spans)
}

/// Draws the open housekeeping popup, if any, over `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    match &app.popup {
        Some(Popup::MergePicker { from, choices, choice }) => merge_picker(frame, area, app, from, choices, *choice),
        Some(Popup::PrunePicker { choice, keep_graphs }) => prune_picker(frame, area, app, *choice, *keep_graphs),
        Some(Popup::Confirm { op, preview }) => confirm(frame, area, app, op, preview.as_ref()),
        _ => {}
    }
}

fn merge_picker(frame: &mut Frame, area: Rect, app: &App, from: &str, choices: &[String], choice: usize) {
    let theme = &app.theme;
    let rect = picker_area(area, choices.len());
    let inner_width = usize::from(rect.width.saturating_sub(2));
    let visible = usize::from(rect.height.saturating_sub(3));
    let start = crate::cursor::visible_start(choice.saturating_sub(visible / 2), choice, visible, choices.len());
    let mut lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .skip(start)
        .take(visible)
        .map(|(i, name)| {
            let chosen = i == choice;
            let style = if chosen { theme.selected } else { Style::new() };
            let text = format!("{}{}", if chosen { "▶ " } else { "  " }, format::sanitize(name));
            Line::styled(pad(&text, inner_width, false), style)
        })
        .collect();
    if choices.is_empty() {
        lines.push(Line::styled(" no other endpoint", theme.dim));
    }
    lines.push(Line::styled(
        format::truncate(&format!(" its requests move there, then {} is deleted", format::sanitize(from)), inner_width)
            .into_owned(),
        theme.dim,
    ));
    let title = format!(" Merge {} into… ", format::sanitize(from));
    let mut block = Block::bordered()
        .border_style(theme.popup_border)
        .title(Line::styled(format::truncate(&title, inner_width).into_owned(), theme.heading));
    if visible < choices.len() {
        block =
            block.title_bottom(Line::styled(format!(" {}/{} ", choice + 1, choices.len()), theme.dim).right_aligned());
    }
    super::clear_popup(frame, rect, area);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn prune_picker(frame: &mut Frame, area: Rect, app: &App, choice: usize, keep_graphs: bool) {
    let theme = &app.theme;
    let mut lines = vec![Line::styled(" delete the requests older than", theme.dim)];
    for (i, (label, _)) in PRUNE_AGES.iter().enumerate() {
        let chosen = i == choice;
        let style = if chosen { theme.selected } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(if chosen { " ▶ " } else { "   " }, style),
            Span::styled((i + 1).to_string(), style.patch(theme.key)),
            Span::styled(pad(&format!("  {label}"), 12, false), style),
        ]));
    }
    let graphs = if keep_graphs { "custom graph data: kept" } else { "custom graph data: deleted too" };
    lines.push(Line::styled(format!(" {graphs}"), theme.dim));
    lines.push(keys(app, &[("1-4", "age"), ("c", "graphs"), ("Enter", "show what goes"), ("Esc", "close")]));
    popup(frame, area, app, "Prune", lines);
}

fn confirm(frame: &mut Frame, area: Rect, app: &App, op: &Housekeeping, preview: Option<&Result<DeletedRows, String>>) {
    let theme = &app.theme;
    let (title, what, yes) = match op {
        Housekeeping::DeleteEndpoint { name } => {
            (format!("Delete endpoint {}?", format::sanitize(name)), "deletes, in short batches:".to_string(), "delete")
        }
        Housekeeping::MergeEndpoints { from, into } => (
            format!("Merge {} into {}?", format::sanitize(from), format::sanitize(into)),
            format!("moves to {}, then deletes endpoint {}:", format::sanitize(into), format::sanitize(from)),
            "merge",
        ),
        Housekeeping::Prune { age, cutoff, .. } => (
            format!("Prune requests older than {age}?"),
            format!(
                "deletes what was recorded before {} {}:",
                format::local_datetime(*cutoff, app.timezone),
                app.timezone.name()
            ),
            "prune",
        ),
    };
    let mut lines = vec![Line::styled(format!(" {what}"), theme.dim)];
    let mut hints = vec![("n", "keep everything")];
    match preview {
        None => lines.push(Line::styled("   counting what would go…", theme.dim)),
        Some(Err(error)) => lines.push(Line::styled(format!(" ⚠ {}", format::sanitize(error)), theme.error)),
        Some(Ok(rows)) => {
            let merge = matches!(op, Housekeeping::MergeEndpoints { .. });
            let shown = if merge { vec![("requests moved", rows.requests)] } else { counted(rows) };
            let number_width = shown.iter().map(|(_, n)| format::count(*n).len()).max().unwrap_or(1).max(5);
            for (label, n) in &shown {
                lines.push(Line::from(vec![
                    Span::raw(format!("   {}", pad(label, 26, false))),
                    Span::styled(pad(&format::count(*n), number_width, true), Style::new()),
                ]));
            }
            let nothing = matches!(op, Housekeeping::Prune { .. }) && rows.total() == 0;
            if nothing {
                lines.push(Line::styled(" nothing is that old", theme.dim));
                hints = vec![("n", "close")];
            } else {
                if !merge {
                    lines.push(Line::styled(format!("   {} rows in all", format::count(rows.total())), theme.dim));
                }
                if !matches!(op, Housekeeping::Prune { .. }) {
                    lines.push(Line::styled(" a recorder still serving it keeps its old id (restart it)", theme.dim));
                }
                hints.insert(0, ("y", yes));
            }
        }
    }
    lines.push(keys(app, &hints));
    popup(frame, area, app, &title, lines);
}
