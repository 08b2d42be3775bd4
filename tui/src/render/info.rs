//! The info popup (`i`): the deployment's details as `fmd info` prints them ([`DeploymentInfo::facts`], then
//! the configuration in effect with its secrets hidden); scrollable when the terminal is short.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::pad;
use crate::app::{App, Popup};
use crate::format;
use crate::layout::{centered, popup_space, regions};

/// The popup's lines: (label, value), a `None` label for a heading.
fn rows(app: &App) -> Vec<(Option<String>, String)> {
    match &app.popup {
        Some(Popup::Info { info: Some(Ok(info)), .. }) => {
            let mut rows: Vec<(Option<String>, String)> =
                info.facts(app.timezone).into_iter().map(|(label, value)| (Some(label.to_string()), value)).collect();
            if !info.config.is_empty() {
                rows.push((None, String::new()));
                rows.push((None, "configuration in effect".into()));
                rows.extend(info.config.iter().map(|s| (Some(s.key.clone()), s.value.clone())));
            }
            rows
        }
        Some(Popup::Info { info: Some(Err(error)), .. }) => vec![(None, format!("could not read: {error}"))],
        _ => vec![(None, "reading…".into())],
    }
}

/// The popup's rectangle inside the body `area` for `rows`.
fn popup_area(area: Rect, rows: &[(Option<String>, String)]) -> Rect {
    let label = rows.iter().filter_map(|(l, _)| l.as_deref().map(format::width)).max().unwrap_or(0);
    let value = rows.iter().map(|(_, v)| format::width(&format::sanitize(v))).max().unwrap_or(0);
    let width = (label + 2 + value + 4).min(usize::from(u16::MAX)) as u16;
    centered(popup_space(area), width.max(24), (rows.len() + 2).min(usize::from(u16::MAX)) as u16)
}

/// Lines the popup can scroll at the app's terminal size.
pub fn max_scroll(app: &App) -> usize {
    let body = regions(Rect::new(0, 0, app.size.0, app.size.1)).body;
    let rows = rows(app);
    let visible = usize::from(popup_area(body, &rows).height.saturating_sub(2));
    rows.len().saturating_sub(visible)
}

/// Draws the info popup over `area` (the body), from line `scroll`.
pub fn render(frame: &mut Frame, area: Rect, app: &App, scroll: usize) {
    let theme = &app.theme;
    let rows = rows(app);
    let popup = popup_area(area, &rows);
    let label_width = rows.iter().filter_map(|(l, _)| l.as_deref().map(format::width)).max().unwrap_or(0);
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(rows.len().saturating_sub(visible));
    let inner = usize::from(popup.width.saturating_sub(2));
    let lines: Vec<Line> = rows
        .iter()
        .skip(scroll)
        .take(visible)
        .map(|(label, value)| {
            let value = format::sanitize(value);
            match label {
                Some(label) => {
                    let label = format::truncate(&format!(" {}  ", pad(label, label_width, false)), inner).into_owned();
                    let left = inner.saturating_sub(format::width(&label));
                    Line::from(vec![
                        Span::styled(label, theme.key),
                        Span::raw(format::truncate(&value, left).into_owned()),
                    ])
                }
                None => Line::styled(format::truncate(&format!(" {value}"), inner).into_owned(), theme.heading),
            }
        })
        .collect();
    super::scrolling_popup(frame, (popup, area), " Info ", lines, (scroll, visible, rows.len()), theme);
}
