//! The overview table. Only the visible rows are built; columns drop by priority when the terminal is
//! narrow (the sort column is kept right after the endpoint), and the gap between columns shrinks from two
//! spaces to one before a column is dropped. The last column, `trend 24h`, is a sparkline of each endpoint's
//! requests per two hours over the last day (scaled to the row's own peak), the first to go when narrow; `exc`
//! before it (exception groups, in the alarm style when there are any) is the next.

use ratatui::layout::{Alignment, Constraint, Flex, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Padding, Paragraph, Row, Table};
use ratatui::Frame;

use super::{bars, message_line};
use crate::app::App;
use crate::format;
use crate::table::{error_rate, Column, OverviewTable, TREND_WIDTH};

/// The endpoint column never gets narrower than this while other columns are shown.
const ENDPOINT_MIN: usize = 12;
/// Nor wider than this: very long names are cut, the numbers stay.
const ENDPOINT_MAX: usize = 48;

/// The sort marker after the sort column's heading; every column keeps room for it (a space when it is not the
/// sort column), so no column moves when the sort changes.
fn marker(descending: bool) -> &'static str {
    if descending {
        "▼"
    } else {
        "▲"
    }
}

fn pick(table: &OverviewTable, width: usize, gap: usize) -> Vec<(Column, usize)> {
    let sort = table.sort();
    let natural = |c: Column| {
        let heading = format::width(c.heading()) + 1;
        heading.max(table.widths()[c.index()])
    };
    let endpoint_natural = natural(Column::Endpoint).min(ENDPOINT_MAX);
    let endpoint_min = endpoint_natural.min(ENDPOINT_MIN).min(width);
    let mut others: Vec<Column> = Column::ALL.into_iter().filter(|c| *c != Column::Endpoint).collect();
    others.sort_by_key(|c| if *c == sort.column { 0 } else { c.priority() });
    let mut used = endpoint_min;
    let mut chosen = vec![];
    for column in others {
        let w = natural(column);
        if used + gap + w <= width {
            used += gap + w;
            chosen.push((column, w));
        }
    }
    let endpoint = (endpoint_min + width.saturating_sub(used)).min(endpoint_natural);
    chosen.push((Column::Endpoint, endpoint));
    chosen.sort_by_key(|(c, _)| c.index());
    chosen
}

/// The columns shown in `width` cells with their widths, and the gap between them.
pub fn columns(table: &OverviewTable, width: usize) -> (Vec<(Column, usize)>, usize) {
    let wide = pick(table, width, 2);
    let tight = pick(table, width, 1);
    if wide.len() >= tight.len() {
        (wide, 2)
    } else {
        (tight, 1)
    }
}

fn alignment(column: Column) -> Alignment {
    match column {
        Column::Level => Alignment::Center,
        c if c.right_aligned() => Alignment::Right,
        _ => Alignment::Left,
    }
}

fn title(app: &App, width: usize) -> String {
    let table = &app.table;
    let text = if !app.loaded {
        "Overview".to_string()
    } else if table.filter().is_empty() {
        format!("{} endpoints", format::count(table.total() as u64))
    } else {
        format!("{} of {} endpoints · filter “{}”", table.len(), table.total(), format::sanitize(table.filter()))
    };
    format!(" {} ", format::truncate(&text, width.saturating_sub(6)))
}

/// Draws the overview into `area` (the body).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let table = &app.table;
    let width = usize::from(area.width);
    let position = if table.len() > 0 { format!(" {}/{} ", table.cursor() + 1, table.len()) } else { String::new() };
    let block = Block::bordered()
        .padding(Padding::left(1))
        .border_style(theme.border)
        .title(Line::styled(title(app, width), theme.heading))
        .title_bottom(message_line(app, width.saturating_sub(position.len() + 4)))
        .title_bottom(Line::styled(position, theme.dim).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    let empty = if !app.loaded {
        Some("loading…".to_string())
    } else if table.total() == 0 {
        Some("no endpoints in this database yet".to_string())
    } else if table.len() == 0 {
        Some(format!("no endpoint matches “{}”", format::sanitize(table.filter())))
    } else {
        None
    };
    if let Some(note) = empty {
        let middle = Rect { y: inner.y + inner.height / 2, height: 1, ..inner };
        let note = format::truncate(&note, usize::from(inner.width)).into_owned();
        frame.render_widget(Paragraph::new(Span::styled(note, theme.dim)).alignment(Alignment::Center), middle);
        return;
    }

    let (columns, gap) = columns(table, usize::from(inner.width));
    let sort = table.sort();
    let heading = Row::new(columns.iter().map(|(column, _)| {
        let (text, style) = if *column == sort.column {
            (format!("{}{}", column.heading(), marker(sort.descending)), theme.sorted_heading)
        } else {
            (format!("{} ", column.heading()), theme.heading)
        };
        Cell::from(Text::from(Line::styled(text, style).alignment(alignment(*column))))
    }));

    let now = table.now();
    let (offset, visible) = table.visible(usize::from(inner.height.saturating_sub(1)));
    let rows = visible.enumerate().map(|(i, row)| {
        let cells = columns.iter().map(|(column, w)| {
            if *column == Column::Trend {
                let spark = table.trend(row.id).map_or_else(String::new, |t| bars::sparkline(t, TREND_WIDTH));
                return Cell::from(Line::styled(spark, theme.bar));
            }
            let exceptions = table.exceptions(row.id);
            let text = column.text(row, exceptions, now);
            let text = if *column == Column::Endpoint { format::truncate(&text, *w).into_owned() } else { text };
            let style = match column {
                Column::Level => theme.level(row.monitor_level),
                Column::ErrPct => theme.error_rate(error_rate(row)),
                Column::Exceptions if exceptions > 0 => theme.alarm,
                _ => ratatui::style::Style::new(),
            };
            Cell::from(Text::from(Line::styled(text, style).alignment(alignment(*column))))
        });
        let line = Row::new(cells);
        if offset + i == table.cursor() {
            line.style(theme.selected)
        } else {
            line
        }
    });

    let widths = columns.iter().map(|(_, w)| Constraint::Length(*w as u16));
    let widget = Table::new(rows, widths).header(heading).column_spacing(gap as u16).flex(Flex::Start);
    frame.render_widget(widget, inner);
}
