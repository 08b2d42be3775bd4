//! The Status tabs (dashboard: all endpoints; endpoint: its own): requests per status code as bars with share
//! and count, then the latest error requests (400-599), newest first, scrolled with `j`/`k`; on the dashboard
//! Enter opens the selected error's endpoint.
//!
//! ```text
//! code  requests                              share  count
//! 200   ██████████████████████████████████▌   82.1%  1 253
//! 404   ▊                                      1.7%     26
//! latest errors · 151 in this window
//! time                 code  duration  endpoint     user   ip        version
//! 2026-11-27 21:40:02   500   0.20 ms  boom         bob    10.0.1.3  1.1
//! ```

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{bars, body, cell, line_at, no_data, note, requests, view_title};
use crate::app::{App, Screen};
use crate::format;
use crate::theme::Theme;
use crate::views::ViewData;

/// Widest bar.
const BAR_MAX: usize = 40;

/// Errors stand out: 5xx strongest, 4xx next.
fn code_style(theme: &Theme, code: &str) -> Style {
    match code.parse::<i64>() {
        Ok(500..=599) => theme.err_high,
        Ok(400..=499) => theme.err_mid,
        _ => Style::new(),
    }
}

/// Draws the Status tab (dashboard or endpoint) into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let dashboard = app.screen == Screen::Dashboard;
    let (counts, total_errors, errors) = match cached.map(|c| &c.data) {
        Some(ViewData::DashStatus(s)) => (s.counts.clone(), s.total_errors, Some(s.errors.as_slice())),
        Some(ViewData::Status(s)) => {
            let mut counts: Vec<(String, u64)> = s.counts.iter().map(|(c, n)| (c.clone(), *n)).collect();
            counts.sort_by(|a, b| crate::format::status_code_order(&a.0, &b.0));
            (counts, s.total_errors, Some(s.error_requests.as_slice()))
        }
        _ => (Vec::new(), 0, None),
    };
    let len = errors.map_or(0, <[_]>::len);
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{}", cursor + 1, format::count(len as u64)) };
    let what = if dashboard {
        "Status · codes and latest errors, all endpoints"
    } else {
        "Status · codes and latest errors"
    };
    let inner = body(frame, area, app, &view_title(app, what, cached), &position, 1);
    let Some(errors) = errors else { return no_data(frame, inner, app) };
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return note(frame, inner, app, "no requests in this window");
    }
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);

    // Codes: at most a third of the height (at least one row), the last row saying how many are hidden.
    let code_rows = counts.len().min((height / 3).max(1));
    let code_width = counts.iter().map(|(c, _)| format::width(&format::sanitize(c))).max().unwrap_or(0).max(4);
    let count_width = format::count(total).len().max(5);
    let bar_width = width.saturating_sub(code_width + 1 + 1 + 6 + 1 + count_width).min(BAR_MAX);
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let heading = vec![
        cell("code", code_width, false, theme.heading),
        Span::raw(" "),
        cell("requests", bar_width, false, theme.heading),
        Span::raw(" "),
        cell("share", 6, true, theme.heading),
        Span::raw(" "),
        cell("count", count_width, true, theme.heading),
    ];
    line_at(frame, inner, 0, Line::from(heading));
    for (y, (code, n)) in counts.iter().take(code_rows).enumerate() {
        let hidden = counts.len() - code_rows;
        let line = if y + 1 == code_rows && hidden > 0 {
            Line::styled(format!("+{} more codes", hidden + 1), theme.dim)
        } else {
            Line::from(vec![
                cell(&format::sanitize(code), code_width, false, code_style(theme, code)),
                Span::raw(" "),
                cell(&bars::hbar(*n as f64, max as f64, bar_width), bar_width, false, theme.bar),
                Span::raw(" "),
                cell(&format::percent(format::ratio(*n, total)), 6, true, Style::new()),
                Span::raw(" "),
                cell(&format::count(*n), count_width, true, Style::new()),
            ])
        };
        line_at(frame, inner, 1 + y as u16, line);
    }

    // Latest errors below, with a blank line and a caption when there is room.
    let mut y = 1 + code_rows;
    let roomy = height >= 12;
    if roomy {
        y += 1;
    }
    if roomy || errors.is_empty() {
        let caption = if errors.is_empty() {
            "no errors in this window".to_string()
        } else {
            format!("latest errors · {} in this window", format::count(total_errors))
        };
        line_at(frame, inner, y as u16, Line::styled(format::truncate(&caption, width).into_owned(), theme.dim));
        y += 1;
    }
    if errors.is_empty() || y >= height {
        return;
    }
    let rest = Rect { y: inner.y + y as u16, height: (height - y) as u16, ..inner };
    requests::table(frame, rest, app, errors, cursor, dashboard);
}
