//! One endpoint's detail: its overview numbers per window (today, 7 days, all), its level and when it was
//! last requested, in local time of the configured zone. Lines are cut to the width, never wrapped mid-table;
//! on short terminals the blank separators go first.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph};
use ratatui::Frame;

use fmd_core::store::OverviewRow;

use super::level_picker::LEVELS;
use super::overview::message_line;
use super::pad;
use crate::app::App;
use crate::format;

/// Width of the label column.
const LABEL: usize = 11;
/// Most lines the endpoint name may take.
const NAME_LINES: usize = 3;

/// The body lines for `width` x `height` cells (the blank separators are left out when they do not fit).
fn lines(app: &App, row: &OverviewRow, width: usize, height: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let label = |text: &str| Span::styled(pad(text, LABEL.min(width), false), theme.dim);
    let value_width = width.saturating_sub(LABEL);
    let mut lines: Vec<Option<Line<'static>>> = Vec::new();

    let name = format::sanitize(&row.name).into_owned();
    for (i, part) in format::wrap(&name, value_width, NAME_LINES).into_iter().enumerate() {
        let head = if i == 0 { label("endpoint") } else { Span::raw(" ".repeat(LABEL)) };
        lines.push(Some(Line::from(vec![head, Span::raw(part)])));
    }

    let level = match row.monitor_level.and_then(|l| LEVELS.get(usize::from(l)).map(|meaning| (l, meaning))) {
        Some((l, (name, meaning))) => vec![
            Span::styled(l.to_string(), theme.level(Some(l))),
            Span::raw(format::truncate(&format!("  {name}: {meaning}"), value_width.saturating_sub(1)).into_owned()),
        ],
        None => vec![Span::styled(format::NONE, theme.dim), Span::raw("  unset")],
    };
    lines.push(Some(Line::from([vec![label("level")], level].concat())));
    lines.push(None);

    let windows = [
        ("today", row.hits_today, row.hits_today_errors, row.median_today),
        ("7 days", row.hits_week, row.hits_week_errors, row.median_week),
        ("all", row.hits_overall, row.hits_overall_errors, row.median_overall),
    ];
    let cells: Vec<[String; 4]> = windows
        .iter()
        .map(|(_, hits, errors, median)| {
            let rate = format::ratio(*errors, *hits);
            [format::count(*hits), format::count(*errors), format::percent(rate), format::duration_ms(*median)]
        })
        .collect();
    let natural = windows
        .iter()
        .zip(&cells)
        .map(|((head, ..), cells)| cells.iter().map(|c| format::width(c)).max().unwrap_or(0).max(head.len()))
        .max()
        .unwrap_or(0);
    let column = (0..=2).rev().map(|gap| natural + gap).find(|w| LABEL + 3 * w <= width).unwrap_or(natural);
    let mut heading = vec![Span::raw(" ".repeat(LABEL))];
    heading.extend(windows.iter().map(|(head, ..)| Span::styled(pad(head, column, true), theme.heading)));
    lines.push(Some(Line::from(heading)));
    for (i, name) in ["hits", "errors", "err%", "p50"].into_iter().enumerate() {
        let mut spans = vec![label(name)];
        for ((_, hits, errors, _), cells) in windows.iter().zip(&cells) {
            let style = if i == 2 { theme.error_rate(format::ratio(*errors, *hits)) } else { Style::new() };
            spans.push(Span::styled(pad(&cells[i], column, true), style));
        }
        lines.push(Some(Line::from(spans)));
    }
    lines.push(None);

    let last = match row.last_requested {
        Some(t) => format!(
            "{} · {} {}",
            format::relative(Some(t), app.table.now()),
            format::local_datetime(t, app.timezone),
            app.timezone.name()
        ),
        None => "never".to_string(),
    };
    lines
        .push(Some(Line::from(vec![label("last seen"), Span::raw(format::truncate(&last, value_width).into_owned())])));

    let keep_blanks = lines.len() <= height;
    lines.into_iter().filter_map(|line| if keep_blanks { Some(line.unwrap_or_default()) } else { line }).collect()
}

/// Draws endpoint `id`'s detail into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App, id: i64) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let row = app.table.row(id);
    let title = match row {
        Some(row) => format!(" {} ", format::truncate(&format::sanitize(&row.name), width.saturating_sub(6))),
        None => format!(" #{id} "),
    };
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .border_style(theme.border)
        .title(Line::styled(title, theme.heading))
        .title_bottom(message_line(app, width.saturating_sub(4)));
    let inner = block.inner(area);
    let body = match row {
        Some(row) => lines(app, row, usize::from(inner.width), usize::from(inner.height)),
        None if !app.loaded => vec![Line::styled("loading…", theme.dim)],
        None => vec![Line::styled(format!("endpoint #{id} is no longer in the database"), theme.dim)],
    };
    frame.render_widget(Paragraph::new(body).block(block), area);
}
