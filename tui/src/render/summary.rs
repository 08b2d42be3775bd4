//! An endpoint's Summary tab: its overview numbers per window (today, 7 days, all: hits, errors, p50, p95, p99),
//! its level and when it was last requested, in local time of the configured zone, then its numbers in the
//! chosen time window (requests, errors, p50, p95, p99, mean, max, versions, first and last request). Lines are cut to the width, never wrapped mid-table; on
//! short terminals the blank separators go first.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph};
use ratatui::Frame;

use fmd_core::store::views::EndpointSummary;
use fmd_core::store::OverviewRow;

use super::level_picker::LEVELS;
use super::{message_line, pad};
use crate::app::App;
use crate::format;
use crate::nav::Window;
use crate::views::ViewData;

/// Width of the label column.
const LABEL: usize = 11;
/// Most lines the endpoint name may take.
const NAME_LINES: usize = 3;

/// The lines about the chosen window: `last 7 days  314 requests · 19 errors (6.1%)`, then
/// `p50 4.0 ms · p95 … · p99 … · mean … · max …`, then versions and first / last request.
fn window_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let cached = app.view();
    let summary: Option<&EndpointSummary> = match cached.map(|c| &c.data) {
        Some(ViewData::Summary(s)) => s.as_ref(),
        _ => None,
    };
    // The window of the numbers shown (another one's while the chosen one loads).
    let window = cached.map_or(app.window, |c| c.key.window);
    let name = match window {
        Window::All => "all time".to_string(),
        Window::Custom { .. } => window.label(app.timezone).into_owned(),
        preset => format!("last {}", preset.label(app.timezone)),
    };
    let label = Span::styled(pad(&name, LABEL.min(width), false), theme.dim);
    let indent = Span::raw(" ".repeat(LABEL.min(width)));
    let value_width = width.saturating_sub(LABEL);
    let Some(s) = summary else {
        let loading = if app.view().is_some() { "endpoint no longer in the database" } else { "loading…" };
        return vec![Line::from(vec![label, Span::styled(loading, theme.dim)])];
    };
    let noun = if s.hits == 1 { "request" } else { "requests" };
    let rate = format::ratio(s.errors, s.hits);
    let first = vec![
        label,
        Span::raw(format::truncate(&format!("{} {noun} · ", format::count(s.hits)), value_width).into_owned()),
        Span::styled(format!("{} errors ({})", format::count(s.errors), format::percent(rate)), theme.error_rate(rate)),
    ];
    let ms = format::duration_ms;
    let durations = format!(
        "p50 {} · p95 {} · p99 {} · mean {} · max {}",
        ms(s.median),
        ms(s.p95),
        ms(s.p99),
        ms(s.mean),
        ms(s.max)
    );
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| format::NONE.to_string(), |t| format::local_datetime(t, app.timezone))
    };
    let versions = if s.versions == 1 { "1 version".to_string() } else { format!("{} versions", s.versions) };
    let second = format!("{versions} · first {} · last {}", when(s.first_request), when(s.last_request));
    vec![
        Line::from(first),
        Line::from(vec![indent.clone(), Span::raw(format::truncate(&durations, value_width).into_owned())]),
        Line::from(vec![indent, Span::styled(format::truncate(&second, value_width).into_owned(), theme.dim)]),
    ]
}

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
        ("today", row.hits_today, row.hits_today_errors, [row.median_today, row.p95_today, row.p99_today]),
        ("7 days", row.hits_week, row.hits_week_errors, [row.median_week, row.p95_week, row.p99_week]),
        ("all", row.hits_overall, row.hits_overall_errors, [row.median_overall, row.p95_overall, row.p99_overall]),
    ];
    let cells: Vec<[String; 6]> = windows
        .iter()
        .map(|(_, hits, errors, [p50, p95, p99])| {
            let rate = format::ratio(*errors, *hits);
            [
                format::count(*hits),
                format::count(*errors),
                format::percent(rate),
                format::duration_ms(*p50),
                format::duration_ms(*p95),
                format::duration_ms(*p99),
            ]
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
    for (i, name) in ["hits", "errors", "err%", "p50", "p95", "p99"].into_iter().enumerate() {
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
    lines.push(None);
    lines.extend(window_lines(app, width).into_iter().map(Some));

    let keep_blanks = lines.len() <= height;
    lines.into_iter().filter_map(|line| if keep_blanks { Some(line.unwrap_or_default()) } else { line }).collect()
}

/// Draws endpoint `id`'s Summary tab into `area` (the body).
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
