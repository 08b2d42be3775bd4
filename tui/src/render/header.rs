//! The header line:
//! ` fmd  demo.db  ·  Overview › search › Users    7d  22:56:55 UTC  ● live  4.2 req/s  dropped 0  ⟳ ⠙  ? help`
//! (frozen: `❚❚ frozen  12 new`).
//!
//! The breadcrumb names the dashboard tab, and on an endpoint its name and tab; then the time window (on a tab
//! that ignores it, what the tab covers: `today/7d/all` on the overview, `all time`), the data's time and zone.
//! When narrow, items drop by rank: the data's time, the help hint, the time zone, a zero loss counter, the
//! database name, the spinner, the window, the live state, non-zero losses; the breadcrumb stays (cut with `…`).
//! A file without recorder counters (Python FMD's) shows no loss counter. A slow query on screen adds
//! `query 1.2 s, every 12 s` (its cost and refresh period).

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::{App, Screen};
use crate::format;

/// Spinner frames, one per tick while a query runs.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

const BRAND: &str = " fmd  ";
const SEP: &str = "  ·  ";
/// The database name's rank among the right-hand items.
const DB_RANK: u8 = 3;
/// The database name is shown when at least this much of it fits.
const DB_MIN: usize = 8;
/// Room kept for the breadcrumb before right-hand items are dropped.
const CRUMB_MIN: usize = 40;

/// One right-hand item; higher `rank` drops first; `sep` goes before it unless it comes first.
struct Item {
    spans: Vec<Span<'static>>,
    rank: u8,
    sep: &'static str,
}

fn right_items(app: &App) -> Vec<Item> {
    let theme = &app.theme;
    let mut items = Vec::new();
    items.push(Item { spans: vec![Span::styled(app.window_label(), theme.breadcrumb)], rank: 2, sep: "" });
    if app.loaded {
        let time = format::local_time(app.table.now(), app.timezone);
        items.push(Item { spans: vec![Span::styled(time, theme.dim)], rank: 7, sep: "  " });
    }
    items.push(Item { spans: vec![Span::styled(app.timezone.name().to_string(), theme.dim)], rank: 5, sep: " " });
    let state =
        if app.frozen { Span::styled("❚❚ frozen", theme.frozen) } else { Span::styled("● live", theme.live) };
    items.push(Item { spans: vec![state], rank: 1, sep: "  " });
    // Requests arriving: the rate live, how many since while frozen.
    if let Some(label) = app.activity.label() {
        let style = if app.frozen { theme.frozen } else { theme.dim };
        items.push(Item { spans: vec![Span::styled(label, style)], rank: 3, sep: "  " });
    }
    // A file without recorder counters (written by Python FMD) has no loss count to show, not a zero one.
    if let Some(dropped) = app.dropped {
        let dropped_style = if dropped > 0 { theme.alarm } else { theme.dim };
        items.push(Item {
            spans: vec![Span::styled(format!("dropped {}", format::count(dropped)), dropped_style)],
            rank: if dropped > 0 { 0 } else { 4 },
            sep: "  ",
        });
    }
    if app.failed > 0 {
        let failed = format!("failed {}", format::count(app.failed));
        items.push(Item { spans: vec![Span::styled(failed, theme.alarm)], rank: 0, sep: "  " });
    }
    // A slow query is refreshed less often: say how slow, and how often.
    if let Some(cost) = app.slow_query() {
        let period = crate::pace::Pace::period(cost).as_secs_f64();
        let text = format!("query {:.1} s, every {period:.0} s", cost.as_secs_f64());
        items.push(Item { spans: vec![Span::styled(text, theme.dim)], rank: 5, sep: "  " });
    }
    // Same width busy or not, so nothing shifts when the spinner comes and goes.
    let spinner = if app.busy() && app.spinner > 0 {
        format!("⟳ {}", SPINNER[app.spinner % SPINNER.len()])
    } else {
        "   ".to_string()
    };
    items.push(Item { spans: vec![Span::styled(spinner, theme.spinner)], rank: 2, sep: "  " });
    items.push(Item {
        spans: vec![Span::styled("?", theme.key), Span::styled(" help", theme.dim)],
        rank: 6,
        sep: "  ",
    });
    items
}

/// Width of the right-hand side, one trailing space included.
fn right_width(items: &[Item]) -> usize {
    let content: usize = items
        .iter()
        .enumerate()
        .map(|(i, item)| item.spans.iter().map(Span::width).sum::<usize>() + if i > 0 { item.sep.len() } else { 0 })
        .sum();
    content + usize::from(!items.is_empty())
}

/// Draws the header into `area` (one line).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let db = format::sanitize(&app.db_name).into_owned();
    let crumb = match app.screen {
        Screen::Dashboard => app.dash_tab.name().to_string(),
        Screen::Endpoint(id) => {
            let name = app.table.row(id).map_or_else(|| format!("#{id}"), |r| format::sanitize(&r.name).into_owned());
            format!("{} › {name} › {}", app.dash_tab.name(), app.endpoint_tab.name())
        }
    };
    let crumb_width = format::width(&crumb);
    let db_width = format::width(&db);
    let with_db = BRAND.len() + db_width.min(DB_MIN) + SEP.len() + crumb_width.min(CRUMB_MIN);
    let without_db = BRAND.len() + crumb_width.min(CRUMB_MIN);

    let mut items = right_items(app);
    let mut show_db = true;
    loop {
        let left = if show_db { with_db } else { without_db };
        if left + 1 + right_width(&items) <= width {
            break;
        }
        let worst = items.iter().map(|i| i.rank).max();
        match worst {
            Some(rank) if !(show_db && rank < DB_RANK) => {
                if let Some(pos) = items.iter().rposition(|i| i.rank == rank) {
                    items.remove(pos);
                }
            }
            _ if show_db => show_db = false,
            _ => break,
        }
    }
    let avail = width.saturating_sub(right_width(&items) + 1);

    let mut left = vec![Span::styled(BRAND.trim_end(), theme.brand), Span::raw("  ")];
    if show_db {
        let db_budget = avail.saturating_sub(BRAND.len() + SEP.len() + crumb_width).max(db_width.min(DB_MIN));
        left.push(Span::raw(format::truncate(&db, db_budget).into_owned()));
        left.push(Span::styled(SEP, theme.dim));
    }
    let used: usize = left.iter().map(Span::width).sum();
    left.push(Span::styled(format::truncate(&crumb, avail.saturating_sub(used)).into_owned(), theme.breadcrumb));
    frame.render_widget(Paragraph::new(Line::from(left)), area);

    let mut right: Vec<Span<'static>> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            right.push(Span::raw(item.sep));
        }
        right.extend(item.spans);
    }
    right.push(Span::raw(" "));
    frame.render_widget(Paragraph::new(Line::from(right)).alignment(Alignment::Right), area);
}
