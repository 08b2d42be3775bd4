//! An endpoint's Users and IPs tabs: one box plot of durations per user (FMD's `group_by`) or client IP, the
//! busiest first, on one scale, with the hits of each; `l` switches to a log scale.

use ratatui::layout::Rect;
use ratatui::Frame;

use super::boxplot::{self, Columns, PlotRow, Rows};
use super::{body, no_data, view_title};
use crate::app::App;
use crate::format;
use crate::nav::EndpointTab;
use crate::query::GROUP_TOP;
use crate::views::ViewData;

/// How an empty user or IP (NULL in the database) is shown.
pub const EMPTY: &str = "(none)";

/// Draws the Users or IPs tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let users = app.endpoint_tab == EndpointTab::Users;
    let groups = match cached.map(|c| &c.data) {
        Some(ViewData::Groups(groups)) => Some(groups),
        _ => None,
    };
    let len = groups.map_or(0, Vec::len);
    let cursor = app.cursor.row.min(len.saturating_sub(1));
    let position = if len == 0 { String::new() } else { format!("{}/{len}", cursor + 1) };
    let mut what =
        if users { "Users · durations per user".to_string() } else { "IPs · durations per IP".to_string() };
    if len >= GROUP_TOP {
        what.push_str(&format!(" (busiest {})", format::count(GROUP_TOP as u64)));
    }
    let inner = body(frame, area, app, &view_title(app, &what, cached), &position, 1);
    let Some(groups) = groups else { return no_data(frame, inner, app) };
    let label = |name: &str| if name.is_empty() { EMPTY.to_string() } else { name.to_string() };
    let columns = Columns {
        label: if users { "user" } else { "ip" },
        label_width: groups.iter().map(|g| format::width(&format::sanitize(&label(&g.group)))).max().unwrap_or(0),
        count: "hits",
        max_count: groups.iter().map(|g| g.hits).max().unwrap_or(0),
        extra: None,
    };
    let rows = Rows {
        len,
        summaries: groups.iter().filter_map(|g| g.summary.as_ref()),
        cursor: Some(cursor),
        offset: app.cursor.offset,
        row: |i| {
            let group = groups.get(i);
            PlotRow {
                label: group.map_or_else(String::new, |g| label(&g.group)),
                summary: group.and_then(|g| g.summary.as_ref()),
                count: group.map_or(0, |g| g.hits),
                extra: String::new(),
            }
        },
    };
    boxplot::render_table(frame, inner, app, columns, rows);
}
