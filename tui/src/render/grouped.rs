//! An endpoint's Grouped tab: FMD's grouped profiler (its last 100 profiled requests merged line by line) as a
//! table ranked by total time (`s`: FMD's tree order) with hits, hits %, average, standard deviation, total
//! and % of the endpoint's time, or (`v`) as an icicle:
//!
//! ```text
//!  ▏def report():                                                                  <- depth 0, the whole width
//!  ▏result = route_handler(*args, **kwargs)        ▏outlier.start()     ▏thread.st…  <- widths ∝ time
//! ```
//!
//! Arrows move between frames (`↑` parent, `↓` widest child, `←`/`→` neighbours), Enter zooms into the
//! selected frame, Esc resets the zoom, `/` highlights the frames whose text matches. The bottom line reads the
//! selected frame's numbers.

use fmd_core::store::GroupedProfile;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{body, cell, line_at, no_data, note};
use crate::app::App;
use crate::code_text;
use crate::cursor::visible_start;
use crate::format;
use crate::profiler::{self, Frame as Flame};
use crate::views::ViewData;

use crate::layout::INFO_LINES;

/// Draws the Grouped tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let profile = match cached.map(|c| &c.data) {
        Some(ViewData::Grouped(g)) => Some(g),
        _ => None,
    };
    let mode = if app.profiler.flame {
        "icicle"
    } else if app.profiler.tree_order {
        "FMD's order"
    } else {
        "ranked by total"
    };
    let title = match profile {
        Some(g) => format!("Grouped profiler · last {} profiled requests · {mode}", format::count(g.requests)),
        None => "Grouped profiler".to_string(),
    };
    let position = match profile {
        Some(g) if !app.profiler.flame && !g.lines.is_empty() => {
            format!("{}/{}", app.cursor.row.min(g.lines.len() - 1) + 1, g.lines.len())
        }
        _ => String::new(),
    };
    let title = match (app.profiler.flame, app.profiler.zoom, profile) {
        (true, Some(z), Some(g)) => match g.lines.get(z) {
            Some(line) => {
                format!("{title} · zoom: {} · Esc resets", format::sanitize(&code_text::label(&line.code_ref())))
            }
            None => title,
        },
        _ => title,
    };
    let inner = body(frame, area, app, &title, &position, 1);
    let Some(profile) = profile else { return no_data(frame, inner, app) };
    if profile.lines.is_empty() {
        return note(frame, inner, app, &super::profiler::no_profiles(super::endpoint_level(app)));
    }
    if app.profiler.flame {
        flame(frame, inner, app, profile);
    } else {
        table(frame, inner, app, profile);
    }
}

/// `12.3%` of a fraction, `–` without one.
fn share(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| format::NONE.to_string(), |f| format!("{:.1}%", f * 100.0))
}

fn table(frame: &mut Frame, area: Rect, app: &App, profile: &GroupedProfile) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let order = profiler::table_order(profile, app.profiler.tree_order);
    let cursor = app.cursor.row.min(order.len().saturating_sub(1));
    // (heading, width) of the number columns, the widest set that leaves the code 20 columns.
    let all: [(&str, usize); 6] = [("hits", 5), ("hits%", 6), ("avg", 9), ("std", 9), ("total", 9), ("%", 6)];
    let keep: &[usize] = if width >= 20 + 6 * 2 + 44 {
        &[0, 1, 2, 3, 4, 5]
    } else if width >= 20 + 4 * 2 + 29 {
        &[0, 2, 4, 5]
    } else {
        &[4, 5]
    };
    let mut heading = Vec::new();
    for &c in keep {
        heading.push(cell(all[c].0, all[c].1, true, theme.heading));
        heading.push(Span::raw("  "));
    }
    heading.push(Span::styled("code", theme.heading));
    line_at(frame, area, 0, Line::from(heading));
    let numbers_width: usize = keep.iter().map(|c| all[*c].1 + 2).sum();
    let height = usize::from(area.height).saturating_sub(1);
    let start = visible_start(app.cursor.offset, cursor, height, order.len());
    for (y, &index) in order.iter().enumerate().skip(start).take(height) {
        let Some(line) = profile.lines.get(index) else { continue };
        let (hits_share, time_share) = profile.shares(index);
        let values = [
            format::count(line.hits),
            share(hits_share),
            format::duration_ms(Some(line.average())),
            format::duration_ms(Some(line.std)),
            format::duration_ms(Some(line.duration)),
            share(time_share),
        ];
        let found = profiler::matches(&code_text::label(&line.code_ref()), &app.profiler.search);
        let mut spans = Vec::new();
        for (n, &c) in keep.iter().enumerate() {
            let style = if n == 0 && y == cursor { theme.selected } else { Style::new() };
            spans.push(cell(&values[c], all[c].1, true, style));
            spans.push(Span::raw("  "));
        }
        let indent = if app.profiler.tree_order { "  ".repeat((line.indent as usize).min(12)) } else { String::new() };
        let label = format!("{indent}{}", format::sanitize(&code_text::label(&line.code_ref())));
        let room = width.saturating_sub(numbers_width);
        let style = if found { theme.found } else { Style::new() };
        // Ranked rows lose the tree: name the caller when there is room, so equal lines can be told apart.
        let caller = line.parent.and_then(|p| profile.lines.get(p)).filter(|_| !app.profiler.tree_order);
        match caller {
            Some(caller) if room > format::width(&label) + 8 => {
                let rest = room - format::width(&label);
                spans.push(Span::styled(label, style));
                let text = format!("  ← {}", format::sanitize(&code_text::label(&caller.code_ref())));
                spans.push(cell(&text, rest, false, theme.dim));
            }
            _ => spans.push(cell(&label, room, false, style)),
        }
        line_at(frame, area, 1 + (y - start) as u16, Line::from(spans));
    }
}

fn flame(frame: &mut Frame, area: Rect, app: &App, profile: &GroupedProfile) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let rows = usize::from(area.height).saturating_sub(INFO_LINES);
    let frames: Vec<Flame> = profiler::layout(profile, app.profiler.zoom, width, rows);
    let selected = app.flame_frame();
    let search = &app.profiler.search;
    let mut found = 0;
    for depth in 0..rows {
        let mut row: Vec<&Flame> = frames.iter().filter(|f| f.depth == depth).collect();
        if row.is_empty() {
            break;
        }
        row.sort_by_key(|f| f.x);
        let mut spans = Vec::new();
        let mut x = 0;
        for (n, f) in row.iter().enumerate() {
            if f.x > x {
                spans.push(Span::raw(" ".repeat(f.x - x)));
            }
            let Some(line) = profile.lines.get(f.line) else { continue };
            let label = format::sanitize(&code_text::label(&line.code_ref())).into_owned();
            let matched = profiler::matches(&label, search);
            found += usize::from(matched);
            let text = if f.width >= 2 { format!("▏{label}") } else { "▏".to_string() };
            let style = if Some(f.line) == selected {
                theme.selected
            } else if matched {
                theme.found
            } else {
                theme.flame[(depth + n) % 2]
            };
            spans.push(cell(&text, f.width, false, style));
            x = f.x + f.width;
        }
        line_at(frame, area, depth as u16, Line::from(spans));
    }
    let info_y = area.height.saturating_sub(INFO_LINES as u16);
    if let Some(line) = selected.and_then(|s| profile.lines.get(s)) {
        let (_, time_share) = profile.shares(selected.unwrap_or_default());
        let text = format!(
            "▸ {} · {} total ({}) · {} hits · avg {} ± {}",
            format::sanitize(&code_text::label(&line.code_ref())),
            format::duration_ms(Some(line.duration)),
            share(time_share),
            format::count(line.hits),
            format::duration_ms(Some(line.average())),
            format::duration_ms(Some(line.std)),
        );
        line_at(frame, area, info_y, Line::from(Span::raw(format::truncate(&text, width).into_owned())));
    }
    let hint = if search.is_empty() {
        "↑↓←→ frames · Enter zoom · Esc reset · / find · v table".to_string()
    } else {
        format!("{found} frames match “{}” · Esc clears", format::sanitize(search))
    };
    line_at(frame, area, info_y + 1, Line::from(Span::styled(format::truncate(&hint, width).into_owned(), theme.dim)));
}
