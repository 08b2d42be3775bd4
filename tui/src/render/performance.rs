//! The dashboard's Performance tab: one box plot of durations per endpoint (busiest first, filtered), all on one
//! scale, with p25/p50/p75/p95 and the number of requests beside; `l` switches to a log scale, `j`/`k` move the
//! selection shared with the overview and Enter opens the endpoint.

use ratatui::layout::Rect;
use ratatui::Frame;

use super::boxplot::{self, Columns, PlotRow, Rows};
use super::{body, no_data, view_title, with_filter};
use crate::app::App;
use crate::format;
use crate::views::ViewData;

/// Draws the Performance tab into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let cached = app.view();
    let list = match cached.map(|c| &c.data) {
        Some(ViewData::Performance(list)) => Some(list),
        _ => None,
    };
    let rows: Vec<_> = list.map(|l| l.iter().filter(|e| app.table.matches(&e.name)).collect()).unwrap_or_default();
    let cursor = app.endpoint_rows().map_or(0, |(_, position)| position);
    let position = if rows.is_empty() { String::new() } else { format!("{}/{}", cursor + 1, rows.len()) };
    let title = with_filter(app, view_title(app, "Performance · durations per endpoint", cached));
    let inner = body(frame, area, app, &title, &position, 1);
    if list.is_none() {
        return no_data(frame, inner, app);
    }
    let count = |i: usize| rows.get(i).and_then(|e| e.summary.as_ref()).map_or(0, |s| s.count);
    let columns = Columns {
        label: "endpoint",
        label_width: rows.iter().map(|e| format::width(&format::sanitize(&e.name))).max().unwrap_or(0),
        count: "n",
        max_count: (0..rows.len()).map(count).max().unwrap_or(0),
        extra: None,
    };
    let table = Rows {
        len: rows.len(),
        summaries: rows.iter().filter_map(|e| e.summary.as_ref()),
        cursor: Some(cursor),
        offset: app.cursor.offset,
        row: |i| PlotRow {
            label: rows.get(i).map_or_else(String::new, |e| e.name.clone()),
            summary: rows.get(i).and_then(|e| e.summary.as_ref()),
            count: count(i),
            extra: String::new(),
        },
    };
    boxplot::render_table(frame, inner, app, columns, table);
}
