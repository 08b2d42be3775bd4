//! The tab bar under the header: the dashboard's or the endpoint's tabs, the current one highlighted, with the
//! digit that jumps to each when there is room (only the first [`DIGIT_TABS`]: later tabs have no key of their
//! own, `Tab` reaches them); on an endpoint its monitoring level at the right.
//!
//! Widest first: ` 1 Overview  2 Hourly …`, ` Overview  Hourly …`, `Overview Hourly …` (single spaces),
//! `User×Ver IP×Ver`, short names (`Ovw Hour …`), and last a window of short names around the current tab with
//! `‹` `›`. The level is left out before the names get shorter than medium.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::{App, Screen};
use crate::format;
use crate::nav::{DashTab, EndpointTab, DIGIT_TABS};

/// A name shortened for a medium-width bar (`User×Version` → `User×Ver`).
fn medium(name: &str) -> String {
    name.replace("×Version", "×Ver")
}

/// The tab texts of one layout, without separators.
fn texts(names: &[&str], style: usize) -> Vec<String> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| match style {
            0 if i < DIGIT_TABS => format!(" {} {name} ", i + 1),
            0 => format!(" {name} "),
            1 => format!(" {name} "),
            2 => (*name).to_string(),
            _ => medium(name),
        })
        .collect()
}

/// Width of the tabs with `gap` columns between them.
fn width_of(texts: &[String], gap: usize) -> usize {
    texts.iter().map(|t| format::width(t)).sum::<usize>() + gap * texts.len().saturating_sub(1)
}

/// The tab bar's spans, each with the index of the tab it names (`None` for gaps and arrows), and the level
/// text to show at the right when it fits.
type Bar = (Vec<(Option<usize>, Span<'static>)>, Option<(String, ratatui::style::Style)>);

/// The index of the tab drawn at column `x` of a bar `width` columns wide (mouse clicks).
pub fn tab_at(app: &App, width: u16, x: u16) -> Option<usize> {
    let (spans, _) = bar(app, width);
    let mut left = 0usize;
    for (tab, span) in spans {
        let right = left + span.width();
        if (left..right).contains(&usize::from(x)) {
            return tab;
        }
        left = right;
    }
    None
}

/// Draws the tab bar into `area` (one line).
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let (spans, right) = bar(app, area.width);
    frame.render_widget(Paragraph::new(Line::from(spans.into_iter().map(|(_, s)| s).collect::<Vec<_>>())), area);
    if let Some((text, style)) = right {
        frame.render_widget(Paragraph::new(Line::styled(text, style)).alignment(Alignment::Right), area);
    }
}

fn bar(app: &App, width: u16) -> Bar {
    let theme = &app.theme;
    let (names, shorts, current): (Vec<&str>, Vec<&str>, usize) = match app.screen {
        Screen::Dashboard => (
            DashTab::ALL.iter().map(|t| t.name()).collect(),
            DashTab::ALL.iter().map(|t| t.short()).collect(),
            DashTab::ALL.iter().position(|t| *t == app.dash_tab).unwrap_or(0),
        ),
        Screen::Endpoint(_) => (
            EndpointTab::ALL.iter().map(|t| t.name()).collect(),
            EndpointTab::ALL.iter().map(|t| t.short()).collect(),
            EndpointTab::ALL.iter().position(|t| *t == app.endpoint_tab).unwrap_or(0),
        ),
    };
    let right = match app.screen {
        Screen::Endpoint(id) => app.table.row(id).map(|row| {
            let level = row.monitor_level.map_or_else(|| format::NONE.to_string(), |l| l.to_string());
            (format!("level {level} "), theme.level(row.monitor_level))
        }),
        Screen::Dashboard => None,
    };
    let width = usize::from(width);
    let right_width = right.as_ref().map_or(0, |(text, _)| format::width(text) + 2);

    let layouts = [
        (texts(&names, 0), 0),
        (texts(&names, 1), 0),
        (texts(&names, 2), 1),
        (texts(&names, 3), 1),
        (texts(&shorts, 2), 1),
    ];
    let chosen = layouts
        .iter()
        .take(4)
        .find(|(t, gap)| 1 + width_of(t, *gap) + right_width <= width)
        .or_else(|| layouts.iter().find(|(t, gap)| width_of(t, *gap) < width));
    let mut spans = vec![(None, Span::raw(" "))];
    let show_right;
    match chosen {
        Some((tabs, gap)) => {
            show_right = 1 + width_of(tabs, *gap) + right_width <= width;
            for (i, text) in tabs.iter().enumerate() {
                if i > 0 {
                    spans.push((None, Span::raw(" ".repeat(*gap))));
                }
                let style = if i == current { theme.tab_active } else { theme.tab };
                spans.push((Some(i), Span::styled(text.clone(), style)));
            }
        }
        None => {
            // A window of short names around the current tab.
            show_right = false;
            let tabs = texts(&shorts, 2);
            let mut first = current;
            let mut last = current;
            let fits = |a: usize, b: usize| 1 + 2 + 2 + width_of(&tabs[a..=b], 1) <= width;
            loop {
                let grown = if last + 1 < tabs.len() && fits(first, last + 1) {
                    last += 1;
                    true
                } else {
                    false
                };
                let grown = if first > 0 && fits(first - 1, last) {
                    first -= 1;
                    true
                } else {
                    grown
                };
                if !grown {
                    break;
                }
            }
            spans.push((None, Span::styled(if first > 0 { "‹ " } else { "  " }, theme.dim)));
            for i in first..=last {
                if i > first {
                    spans.push((None, Span::raw(" ")));
                }
                let style = if i == current { theme.tab_active } else { theme.tab };
                let text = tabs.get(i).map_or("", String::as_str);
                spans
                    .push((Some(i), Span::styled(format::truncate(text, width.saturating_sub(5)).into_owned(), style)));
            }
            if last + 1 < tabs.len() {
                spans.push((None, Span::styled(" ›", theme.dim)));
            }
        }
    }
    (spans, right.filter(|_| show_right))
}
