//! An endpoint's Requests tab: its requests, newest first or (`s`) longest first, filtered with `/` (status,
//! user, IP, version), scrolled with `j`/`k`, PgUp/PgDn, `g`/`G` (more are fetched as the cursor nears the end
//! of what was loaded); `Enter` opens one in the detail popup (`render::request_detail`). [`table`] draws any list of requests
//! (also the Status tabs' latest errors): time (to the millisecond), status, duration, endpoint (when several), user, IP, version;
//! columns drop by priority when narrow and only the visible rows are built.

use fmd_core::store::views::RequestRow;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::users::EMPTY;
use super::{body, cell, line_at, no_data, note, view_title};
use crate::app::App;
use crate::cursor::visible_start;
use crate::format;
use crate::views::ViewData;

/// A column of a request table, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Time,
    Status,
    Duration,
    Endpoint,
    Version,
    User,
    Ip,
}

impl Col {
    fn heading(self) -> &'static str {
        match self {
            Col::Time => "time",
            Col::Status => "code",
            Col::Duration => "duration",
            Col::Endpoint => "endpoint",
            Col::Version => "version",
            Col::User => "user",
            Col::Ip => "ip",
        }
    }

    /// Lower survives longer (which endpoint matters more than how long, in lists of several).
    fn priority(self) -> u8 {
        match self {
            Col::Time => 0,
            Col::Status => 1,
            Col::Endpoint => 2,
            Col::Duration => 3,
            Col::User => 4,
            Col::Ip => 5,
            Col::Version => 6,
        }
    }

    /// Widest this column gets.
    fn max(self) -> usize {
        match self {
            Col::Time => 23,
            Col::Status => 4,
            Col::Duration => 8,
            Col::Endpoint => 24,
            Col::Version => 12,
            Col::User => 16,
            Col::Ip => 39,
        }
    }

    fn right(self) -> bool {
        matches!(self, Col::Status | Col::Duration)
    }
}

/// The text of `column` for `row`; `time_format` is a chrono format of the local time.
fn text(app: &App, row: &RequestRow, column: Col, time_format: &str) -> String {
    let or_empty = |s: &str| if s.is_empty() { EMPTY.to_string() } else { format::sanitize(s).into_owned() };
    match column {
        Col::Time => row.time_requested.map_or_else(
            || format::NONE.to_string(),
            |t| t.with_timezone(&app.timezone).format(time_format).to_string(),
        ),
        Col::Status => row.status_code.map_or_else(|| format::NONE.to_string(), |c| c.to_string()),
        Col::Duration => format::duration_ms(row.duration),
        Col::Endpoint => match row.endpoint_id.and_then(|id| app.table.row(id)) {
            Some(endpoint) => format::sanitize(&endpoint.name).into_owned(),
            None => row.endpoint_id.map_or_else(|| format::NONE.to_string(), |id| format!("#{id}")),
        },
        Col::Version => or_empty(&row.version_requested),
        Col::User => or_empty(&row.group_by),
        Col::Ip => or_empty(&row.ip),
    }
}

/// Draws `rows` as a table into `area`: a heading, then the rows from the one `offset` hints at, keeping
/// `cursor` visible and highlighted. `with_endpoint` adds the endpoint column (lists of several endpoints).
pub fn table(frame: &mut Frame, area: Rect, app: &App, rows: &[RequestRow], cursor: usize, with_endpoint: bool) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let height = usize::from(area.height).saturating_sub(1);
    let start = visible_start(app.cursor.offset, cursor, height, rows.len());
    let visible = rows.get(start..(start + height).min(rows.len())).unwrap_or(&[]);
    let mut all = vec![Col::Time, Col::Status, Col::Duration];
    if with_endpoint {
        all.push(Col::Endpoint);
    }
    all.extend([Col::User, Col::Ip, Col::Version]);
    // Local date and time to the millisecond when there is room for the rest, else without the year, else
    // without the milliseconds: (format, width).
    let essential: usize = all.iter().filter(|c| c.priority() <= 3).map(|c| c.max().min(12) + 2).sum();
    let (time_format, time_width) = [("%Y-%m-%d %H:%M:%S%.3f", 23), ("%m-%d %H:%M:%S%.3f", 18), ("%m-%d %H:%M:%S", 14)]
        .into_iter()
        .find(|(_, w)| essential + w - 12 <= width)
        .unwrap_or(("%m-%d %H:%M:%S", 14));
    let natural = |c: Col| match c {
        Col::Time => time_width,
        c => visible
            .iter()
            .map(|r| format::width(&text(app, r, c, time_format)))
            .max()
            .unwrap_or(0)
            .max(c.heading().len())
            .min(c.max()),
    };
    let mut by_priority = all.clone();
    by_priority.sort_by_key(|c| c.priority());
    let mut used = 0;
    let mut shown = Vec::new();
    for c in by_priority {
        let w = natural(c);
        let gap = if shown.is_empty() { 0 } else { 2 };
        if used + gap + w <= width {
            used += gap + w;
            shown.push((c, w));
        } else if shown.is_empty() {
            shown.push((c, width));
            used = width;
        }
    }
    shown.sort_by_key(|(c, _)| all.iter().position(|a| a == c));

    let mut heading = Vec::new();
    for (i, (c, w)) in shown.iter().enumerate() {
        if i > 0 {
            heading.push(Span::raw("  "));
        }
        heading.push(cell(c.heading(), *w, c.right(), theme.heading));
    }
    line_at(frame, area, 0, Line::from(heading));
    for (y, row) in visible.iter().enumerate() {
        let selected = start + y == cursor;
        let mut spans = Vec::new();
        for (i, (c, w)) in shown.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            let style = match c {
                Col::Time if selected => theme.selected,
                Col::Status => match row.status_code {
                    Some(500..=599) => theme.err_high,
                    Some(400..=499) => theme.err_mid,
                    _ => Style::new(),
                },
                _ => Style::new(),
            };
            spans.push(cell(&text(app, row, *c, time_format), *w, c.right(), style));
        }
        line_at(frame, area, 1 + y as u16, Line::from(spans));
    }
}

/// Draws the Requests tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    list(frame, area, app);
    if app.request_open() {
        super::request_detail::render(frame, area, app);
    }
}

fn list(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.request_list();
    let rows = match cached.map(|c| &c.data) {
        Some(ViewData::Requests(rows)) => Some(rows),
        _ => None,
    };
    let len = rows.map_or(0, Vec::len);
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let more = cached.is_some_and(|c| len >= c.limit && c.limit > 0);
    let position = match len {
        0 => String::new(),
        _ if more => format!("{}/{}+", cursor + 1, format::count(len as u64)),
        _ => format!("{}/{}", cursor + 1, format::count(len as u64)),
    };
    let what = format!("Requests · {}", app.requests.describe());
    let inner = body(frame, area, app, &view_title(app, &what, cached), &position, 1);
    let Some(rows) = rows else { return no_data(frame, inner, app) };
    if rows.is_empty() {
        let text = if app.requests.query.filter.is_empty() {
            "no requests in this window"
        } else {
            "no request in this window matches the filter (/ to change it)"
        };
        return note(frame, inner, app, text);
    }
    table(frame, inner, app, rows, cursor, false);
}
