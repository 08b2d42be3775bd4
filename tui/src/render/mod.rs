//! Drawing. One file per region of the screen and per chart, each with a `render(frame, area, app)`:
//!
//! ```text
//!  fmd  demo.db  ·  Overview › search › Users   7d  22:56:55 UTC  ● live  dropped 0  ⟳ ⠙  ? help  <- header.rs
//!  Summary  Hourly  Versions  [Users]  IPs  User×Version  IP×Version  Status  Requests     lvl 3  <- tabs.rs
//! ┌ Users · durations per user · last 7 days ─────────────────────────────────────────────────┐
//! │ (the tab's body, only its visible rows built)                                             │
//! └ message (level set, query error) ───────────────────────────────────────────────── 1/4 ──┘
//!  j/k move  Esc back  Tab tab  [/] window  l log  m level  f freeze  ? help  q quit            <- footer.rs
//!                                     (or the filter line while typing one)
//! ```
//!
//! Bodies, by tab:
//! * dashboard: Overview `overview.rs` (table, trend sparkline), Hourly `hourly.rs` (heatmap from
//!   `heatmap.rs`), Daily `daily.rs`, Versions `versions.rs` (shares), Performance `performance.rs` (box plots
//!   from `boxplot.rs`), Status `status.rs`, Graphs `graphs.rs` (line charts), Report `report.rs`;
//! * endpoint: Summary `summary.rs`, Hourly `hourly.rs`, Versions `versions.rs` (box plots), Users and IPs
//!   `users.rs`, User×Version and IP×Version `matrix.rs`, Status `status.rs`, Requests `requests.rs`, Outliers
//!   `outliers.rs` (list, and the detail sections of `crate::detail`, also drawn by) Exceptions `exceptions.rs`, Profiler `profiler.rs`
//!   (profiled requests and call trees), Grouped `grouped.rs` (ranked table and icicle).
//!
//! Which body and popup are drawn is the focused components' [`Part`] (`crate::components`).
//!
//! Shared pieces: `crate::bars` (horizontal bars, sparklines), `boxplot.rs` (scale, ticks, box plot glyphs and the
//! box-plot table), `heatmap.rs` (shade scale and legend). Popups last, centred inside the body's border:
//! `help.rs`, `level_picker.rs`, `housekeeping.rs` (merge and prune pickers, the confirmation with a dry run's
//! counts); each clears a one-cell margin around itself first ([`clear_popup`]). Lines drawn with [`line_at`]
//! end in `…` when cut ([`fit_line`]). Below [`MIN_WIDTH`] x [`MIN_HEIGHT`] the whole frame is one note:
//! `too_small.rs`. The tab bar is left out below [`crate::layout::TABS_MIN_HEIGHT`] rows (the breadcrumb still names the tab).
//!
//! Drawing only reads the [`App`] (and the state modules it holds); the layout arithmetic the state needs too
//! (regions, rows per page) lives in `crate::layout`, so both sides agree on it without importing each other.

pub mod boxplot;
pub mod daily;
pub mod exceptions;
pub mod export;
pub mod footer;
pub mod graphs;
pub mod grouped;
pub mod header;
pub mod heatmap;
pub mod help;
pub mod hourly;
pub mod housekeeping;
pub mod info;
pub mod latency;
pub mod level_picker;
pub mod matrix;
pub mod outliers;
pub mod overview;
pub mod performance;
pub mod profiler;
pub mod report;
pub mod request_detail;
pub mod requests;
pub mod status;
pub mod summary;
pub mod tabs;
pub mod too_small;
pub mod users;
pub mod versions;

use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph};
use ratatui::Frame;

use crate::app::{App, Screen};
use crate::components::{self, Part};
use crate::format;
use crate::nav::Window;
use crate::views::Cached;

pub(crate) use crate::bars;
pub use crate::layout::{centered, popup_space, regions, too_small, MIN_HEIGHT, MIN_WIDTH};

/// Draws the whole screen for `app`.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if too_small(area.width, area.height) {
        too_small::render(frame, area, app);
        return;
    }
    let regions = regions(area);
    header::render(frame, regions.header, app);
    if let Some(tabs) = regions.tabs {
        tabs::render(frame, tabs, app);
    }
    let body = regions.body;
    part(frame, body, app, components::tab(app).part(app));
    footer::render(frame, regions.footer, app);
    if let Some(popup) = components::popup(app) {
        part(frame, body, app, popup.part(app));
    }
}

/// Draws the component `part` into the body `area`.
fn part(frame: &mut Frame, area: Rect, app: &App, part: Part) {
    match part {
        Part::Overview => overview::render(frame, area, app),
        Part::Hourly => hourly::render(frame, area, app),
        Part::Daily => daily::render(frame, area, app),
        Part::Versions => versions::render(frame, area, app),
        Part::Performance => performance::render(frame, area, app),
        Part::Status => status::render(frame, area, app),
        Part::Graphs => graphs::render(frame, area, app),
        Part::Report => report::render(frame, area, app),
        Part::Latency => latency::render(frame, area, app),
        Part::Summary(id) => summary::render(frame, area, app, id),
        Part::Users => users::render(frame, area, app),
        Part::Matrix => matrix::render(frame, area, app),
        Part::Requests => requests::render(frame, area, app),
        Part::Outliers => outliers::render(frame, area, app),
        Part::Exceptions => exceptions::render(frame, area, app),
        Part::Profiler => profiler::render(frame, area, app),
        Part::Grouped => grouped::render(frame, area, app),
        Part::Help(scroll) => help::render(frame, area, app, scroll),
        Part::Info(scroll) => info::render(frame, area, app, scroll),
        Part::LevelPicker => {
            if let Some(picker) = &app.popup {
                level_picker::render(frame, area, app, picker)
            }
        }
        Part::Export => export::render(frame, area, app),
        Part::Housekeeping => housekeeping::render(frame, area, app),
    }
}

/// Clears the popup's rectangle and a one-cell margin around it, within the body `area`'s border, so no text
/// behind it shows at its edges. Every popup draws through this before its own widgets.
pub fn clear_popup(frame: &mut Frame, popup: Rect, area: Rect) {
    let around = Rect {
        x: popup.x.saturating_sub(1),
        y: popup.y.saturating_sub(1),
        width: popup.width.saturating_add(2),
        height: popup.height.saturating_add(2),
    };
    frame.render_widget(ratatui::widgets::Clear, around.intersection(popup_space(area)));
}

/// Draws a bordered popup titled `title` holding `lines` (rows `scroll..scroll + visible` of `total`), with
/// "first-last of total" at its bottom edge when not every row fits; clears around it first (`clear_popup`).
pub fn scrolling_popup(
    frame: &mut Frame,
    (popup, area): (Rect, Rect),
    title: &str,
    lines: Vec<ratatui::text::Line<'static>>,
    (scroll, visible, total): (usize, usize, usize),
    theme: &crate::theme::Theme,
) {
    use ratatui::text::Line;
    let mut block = ratatui::widgets::Block::bordered()
        .border_style(theme.popup_border)
        .title(Line::styled(title.to_string(), theme.heading));
    if visible < total {
        let last = (scroll + visible).min(total);
        block =
            block.title_bottom(Line::styled(format!(" {}-{last} of {total} ", scroll + 1), theme.dim).right_aligned());
    }
    clear_popup(frame, popup, area);
    frame.render_widget(ratatui::widgets::Paragraph::new(lines).block(block), popup);
}

/// `text` padded with spaces (or cut with `…`) to exactly `width` cells, aligned right or left.
pub fn pad(text: &str, width: usize, right: bool) -> String {
    let text = crate::format::truncate(text, width);
    let fill = " ".repeat(width.saturating_sub(crate::format::width(&text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// The message line in the bottom border, cut to `width` cells.
pub fn message_line(app: &App, width: usize) -> Line<'static> {
    let Some(message) = &app.message else { return Line::default() };
    let (prefix, style) = if message.error { ("⚠ ", app.theme.error) } else { ("", app.theme.message) };
    let text = format!("{prefix}{}", format::sanitize(&message.text));
    Line::from(Span::styled(format!(" {} ", format::truncate(&text, width.saturating_sub(4))), style))
}

/// Draws the body's border with `title` on top and the message and `position` (`3/21`) at the bottom; returns
/// the area inside, with `pad` columns of padding left and right.
pub fn body(frame: &mut Frame, area: Rect, app: &App, title: &str, position: &str, pad: u16) -> Rect {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let position = if position.is_empty() { String::new() } else { format!(" {position} ") };
    let title = format!(" {} ", format::truncate(title, width.saturating_sub(6)));
    let block = Block::bordered()
        .padding(Padding::horizontal(pad))
        .border_style(theme.border)
        .title(Line::styled(title, theme.heading))
        .title_bottom(message_line(app, width.saturating_sub(format::width(&position) + 4)))
        .title_bottom(Line::styled(position, theme.dim).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// One dim line centred vertically in `area` (loading, nothing to show).
pub fn note(frame: &mut Frame, area: Rect, app: &App, text: &str) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let middle = Rect { y: area.y + area.height / 2, height: 1, ..area };
    let text = format::truncate(text, usize::from(area.width)).into_owned();
    frame.render_widget(Paragraph::new(Span::styled(text, app.theme.dim)).alignment(Alignment::Center), middle);
}

/// A tab's title: `what · last 7 days`, or while another window's answer is shown, which one and what loads.
pub fn view_title(app: &App, what: &str, cached: Option<&Cached>) -> String {
    title_with(app, what, cached, Window::phrase)
}

/// [`view_title`] for charts of whole local days (`today` for the last hour's window).
pub fn days_title(app: &App, what: &str, cached: Option<&Cached>) -> String {
    title_with(app, what, cached, Window::days_phrase)
}

fn title_with(
    app: &App,
    what: &str,
    cached: Option<&Cached>,
    phrase: fn(Window, chrono_tz::Tz) -> std::borrow::Cow<'static, str>,
) -> String {
    let tz = app.timezone;
    match cached {
        Some(c) if c.key.window != app.window => {
            format!("{what} · showing {}, loading {}…", phrase(c.key.window, tz), phrase(app.window, tz))
        }
        _ => format!("{what} · {}", phrase(app.window, tz)),
    }
}

/// The monitoring level of the endpoint on screen (`None` on the dashboard or when unknown).
pub fn endpoint_level(app: &App) -> Option<u8> {
    match app.screen {
        Screen::Endpoint(id) => app.table.row(id).and_then(|r| r.monitor_level),
        Screen::Dashboard => None,
    }
}

/// The note of a tab without data: loading, or the query's error.
pub fn no_data(frame: &mut Frame, area: Rect, app: &App) {
    let failed = app.message.as_ref().is_some_and(|m| m.error && m.from_query);
    note(frame, area, app, if failed { "the query failed (see below)" } else { "loading…" });
}

/// One line of spans in `area`'s row `y` (relative), cut with `…` by [`fit_line`]; nothing when outside.
pub fn line_at(frame: &mut Frame, area: Rect, y: u16, line: Line<'_>) {
    if y < area.height {
        let line = fit_line(line, usize::from(area.width));
        frame.render_widget(Paragraph::new(line), Rect { y: area.y + y, height: 1, ..area });
    }
}

/// `line` cut to `width` cells: when text (not only blanks) falls beyond, the last cell shown becomes `…` in the
/// style of the span it cuts ([`format::truncate`] on that span); spans keep their styles.
pub fn fit_line(line: Line<'_>, width: usize) -> Line<'_> {
    if line.width() <= width {
        return line;
    }
    // Is anything but blanks beyond the edge?
    let mut used = 0;
    let cut_text = line.spans.iter().flat_map(|s| s.content.chars()).any(|c| {
        used += format::width(c.encode_utf8(&mut [0; 4]));
        used > width && !c.is_whitespace()
    });
    let mut out: Vec<Span<'_>> = Vec::new();
    let mut left = width;
    let Line { spans, style, alignment } = line;
    for span in spans {
        if left == 0 {
            break;
        }
        let w = span.width();
        if w < left || (w == left && !cut_text) {
            left -= w;
            out.push(span);
            continue;
        }
        // The span that reaches the edge: cut with `…` when text is lost, else plainly.
        let text = if cut_text {
            format::truncate(&format!("{}…", span.content), left).into_owned()
        } else {
            let mut kept = String::new();
            for c in span.content.chars() {
                if format::width(&kept) + format::width(c.encode_utf8(&mut [0; 4])) > left {
                    break;
                }
                kept.push(c);
            }
            kept
        };
        out.push(Span::styled(text, span.style));
        break;
    }
    Line { spans: out, style, alignment }
}

/// A span styled `style` holding `text` padded (or cut) to `width` cells.
pub fn cell(text: &str, width: usize, right: bool, style: Style) -> Span<'static> {
    Span::styled(pad(text, width, right), style)
}

/// `title`, with ` · filter “text”` when a filter narrows the endpoints.
pub fn with_filter(app: &App, title: String) -> String {
    if app.table.filter().is_empty() {
        title
    } else {
        format!("{title} · filter “{}”", format::sanitize(app.table.filter()))
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;

    fn drawn(line: Line<'static>, width: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, 1)).expect("terminal");
        terminal.draw(|frame| line_at(frame, frame.area(), 0, line.clone())).expect("draw");
        let buffer = terminal.backend().buffer();
        (0..width).map(|x| buffer[(x, 0)].symbol().to_string()).collect()
    }

    #[test]
    fn lines_cut_at_the_edge_end_in_an_ellipsis() {
        let legend = Line::from(vec![Span::raw("░ 1–3  ▒ 4–12"), Span::raw("  █ 13–28  req/h")]);
        assert_eq!(drawn(legend.clone(), 16), "░ 1–3  ▒ 4–12  …");
        assert_eq!(drawn(legend.clone(), 14), "░ 1–3  ▒ 4–12…");
        assert_eq!(drawn(legend.clone(), 12), "░ 1–3  ▒ 4–…");
        assert_eq!(drawn(legend, 40), format!("{:<40}", "░ 1–3  ▒ 4–12  █ 13–28  req/h"));
        // Only blanks beyond the edge: nothing was cut, no ellipsis.
        assert_eq!(drawn(Line::from(vec![Span::raw("abc"), Span::raw("      ")]), 5), "abc  ");
        assert_eq!(drawn(Line::raw("exactly"), 7), "exactly");
        assert_eq!(drawn(Line::raw("日本語の名前"), 7), "日 本 語 …", "wide characters (each hides the next cell)");
    }
}
