//! The dashboard's Report tab: FMD's report, which endpoints changed between today and yesterday (`c`: this and
//! last ISO week, month, or the newest two versions), significant changes first, with the evidence: medians
//! before and after, the change, Mood's median test p-value, requests per side, and the status codes whose
//! share grew by more than 3 points. `j`/`k` move the selection shared with the overview, Enter opens it.
//!
//! ```text
//! today vs yesterday · 2 of 6 endpoints changed · c compares weeks, months, versions
//!   endpoint       before    after   change        p  n before  n after  codes grown
//! ● boom          0.20 ms  0.31 ms   +55.0%   0.0012        40       42  500 2.0→9.5%
//!   index         0.12 ms  0.12 ms    -0.8%    0.841       120      131
//! boom · p50 0.20 ms → 0.31 ms (+55.0%, p = 0.0012, n 40 → 42) · 500: 2.0% → 9.5% (+7.5 pts)
//! ```
//!
//! Columns leave by priority on narrow terminals (n, codes, medians); the last line always tells the selected
//! endpoint's whole story.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{body, cell, line_at, no_data, note, with_filter};
use crate::app::App;
use crate::format;
use crate::views::{ReportRow, ViewData};

/// A column: heading, width, right-aligned, priority (lower stays longer), cell text.
struct Column {
    heading: &'static str,
    width: usize,
    right: bool,
    priority: u8,
    text: fn(&ReportRow) -> String,
}

fn change(row: &ReportRow) -> String {
    row.change.map_or_else(|| format::NONE.to_string(), |c| format!("{c:+.1}%"))
}

fn p_value(p: Option<f64>) -> String {
    match p {
        None => format::NONE.to_string(),
        Some(p) if p < 0.0001 => "<0.0001".to_string(),
        Some(p) if p < 0.01 => format!("{p:.4}"),
        Some(p) => format!("{p:.3}"),
    }
}

fn code(c: Option<i64>) -> String {
    c.map_or_else(|| "none".to_string(), |c| c.to_string())
}

fn codes(row: &ReportRow) -> String {
    let mut parts = row.grown_codes.iter().map(|(c, before, after)| format!("{} {before:.1}→{after:.1}%", code(*c)));
    let first = parts.next().unwrap_or_default();
    match row.grown_codes.len() {
        0 | 1 => first,
        n => format!("{first} +{}", n - 1),
    }
}

const COLUMNS: [Column; 7] = [
    Column { heading: "before", width: 9, right: true, priority: 3, text: |r| format::duration_ms(r.median_before) },
    Column { heading: "after", width: 9, right: true, priority: 3, text: |r| format::duration_ms(r.median_after) },
    Column { heading: "change", width: 8, right: true, priority: 1, text: change },
    Column { heading: "p", width: 7, right: true, priority: 1, text: |r| p_value(r.p_value) },
    Column { heading: "n before", width: 8, right: true, priority: 4, text: |r| format::count(r.n_before) },
    Column { heading: "n after", width: 8, right: true, priority: 4, text: |r| format::count(r.n_after) },
    Column { heading: "codes grown", width: 16, right: false, priority: 2, text: codes },
];

/// The selected endpoint's evidence in one line.
fn story(row: &ReportRow) -> String {
    let mut text = format!(
        "{} · p50 {} → {} ({}, p = {}, n {} → {})",
        format::sanitize(&row.name),
        format::duration_ms(row.median_before),
        format::duration_ms(row.median_after),
        change(row),
        p_value(row.p_value),
        format::count(row.n_before),
        format::count(row.n_after)
    );
    for (c, before, after) in &row.grown_codes {
        text.push_str(&format!(" · {}: {before:.1}% → {after:.1}% ({:+.1} pts)", code(*c), after - before));
    }
    if !row.significant {
        text.push_str(" · no significant change");
    }
    text
}

/// Draws the Report tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let report = match cached.map(|c| &c.data) {
        Some(ViewData::Report(r)) => Some(r),
        _ => None,
    };
    let rows: Vec<&ReportRow> =
        report.map(|r| r.rows.iter().filter(|row| app.table.matches(&row.name)).collect()).unwrap_or_default();
    let cursor = app.endpoint_rows().map_or(0, |(_, position)| position).min(rows.len().saturating_sub(1));
    let position = if rows.is_empty() { String::new() } else { format!("{}/{}", cursor + 1, rows.len()) };
    let label = report.map_or_else(|| app.compare.label().to_string(), |r| format::sanitize(&r.label).into_owned());
    let loading = cached.is_some_and(|c| c.key.kind != crate::views::ViewKind::DashReport(app.compare));
    let title = if loading {
        format!("Report · showing {label}, loading {}…", app.compare.label())
    } else {
        format!("Report · {label}")
    };
    let inner = body(frame, area, app, &with_filter(app, title), &position, 1);
    let Some(report) = report else { return no_data(frame, inner, app) };
    if let Some(why) = &report.note {
        return note(frame, inner, app, &format!("{} · c compares something else", format::sanitize(why)));
    }
    if rows.is_empty() {
        return note(frame, inner, app, "no endpoints");
    }
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let changed = rows.iter().filter(|r| r.significant).count();
    let summary = format!(
        "{changed} of {} endpoints changed significantly · medians: Mood's test p < 0.05 · codes: share +3 pts · \
         c compares days, weeks, months, versions",
        rows.len()
    );
    line_at(frame, inner, 0, Line::styled(format::truncate(&summary, width).into_owned(), theme.dim));
    if height < 4 {
        return;
    }

    // Columns by priority while they fit beside a name of at least 12 cells.
    let name_width = rows.iter().map(|r| format::width(&format::sanitize(&r.name))).max().unwrap_or(0).clamp(8, 32);
    let mut shown = [false; COLUMNS.len()];
    let mut used = 2 + name_width.min(12);
    for priority in 1..=4 {
        for (i, c) in COLUMNS.iter().enumerate() {
            if c.priority == priority && used + 2 + c.width <= width {
                shown[i] = true;
                used += 2 + c.width;
            }
        }
    }
    let columns_width: usize = COLUMNS.iter().zip(shown).filter(|(_, s)| *s).map(|(c, _)| 2 + c.width).sum();
    let name_width = width.saturating_sub(2 + columns_width).min(name_width.max(12)).max(1);

    let mut heading = vec![Span::raw("  "), cell("endpoint", name_width, false, theme.heading)];
    for (c, _) in COLUMNS.iter().zip(shown).filter(|(_, s)| *s) {
        heading.push(Span::raw("  "));
        heading.push(cell(c.heading, c.width, c.right, theme.heading));
    }
    line_at(frame, inner, 1, Line::from(heading));

    // Rows between the heading and the story line.
    let list_height = height.saturating_sub(3);
    let start = crate::cursor::visible_start(app.cursor.offset, cursor, list_height, rows.len());
    for (y, (i, row)) in rows.iter().enumerate().skip(start).take(list_height).enumerate() {
        let base = if i == cursor { theme.selected } else { Style::new() };
        let mark = if row.significant { "● " } else { "  " };
        let name_style = if row.significant { base.patch(theme.heading) } else { base };
        let mut spans =
            vec![Span::styled(mark, base), cell(&format::sanitize(&row.name), name_width, false, name_style)];
        for (c, _) in COLUMNS.iter().zip(shown).filter(|(_, s)| *s) {
            let flagged = match c.heading {
                "change" | "p" => row.latency_significant,
                "codes grown" => row.codes_significant,
                _ => false,
            };
            let style = if !flagged {
                base
            } else if c.heading == "change" && row.change.is_some_and(|d| d < 0.0) {
                base.patch(theme.err_none)
            } else {
                base.patch(theme.err_high)
            };
            spans.push(Span::styled("  ", base));
            spans.push(cell(&(c.text)(row), c.width, c.right, style));
        }
        line_at(frame, inner, 2 + y as u16, Line::from(spans));
    }
    if let Some(row) = rows.get(cursor) {
        let text = format::truncate(&story(row), width).into_owned();
        line_at(frame, inner, height.saturating_sub(1) as u16, Line::styled(text, theme.dim));
    }
}
