//! Every colour the console uses, by what it means. [`Theme::plain`] (NO_COLOR, `--no-color`) keeps only
//! bold, dim and reverse, so nothing relies on colour alone.

use ratatui::style::{Color, Modifier, Style};

/// Error share (percent) from which it is shown as a warning (yellow).
pub const ERROR_WARN: f64 = 1.0;
/// Error share (percent) from which it is shown as an alarm (red).
pub const ERROR_ALARM: f64 = 5.0;

/// The error thresholds in words, for the help popup.
pub fn error_thresholds() -> String {
    format!("error %: under {ERROR_WARN} normal, {ERROR_WARN}-{ERROR_ALARM} yellow, {ERROR_ALARM} and over red")
}

/// The console's named styles.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The product name in the header.
    pub brand: Style,
    /// Breadcrumb of the current screen.
    pub breadcrumb: Style,
    /// Secondary text: separators, hints, labels.
    pub dim: Style,
    /// `● live`.
    pub live: Style,
    /// `❚❚ frozen`.
    pub frozen: Style,
    /// A non-zero loss counter.
    pub alarm: Style,
    /// The busy spinner.
    pub spinner: Style,
    /// Borders of the body.
    pub border: Style,
    /// Borders of popups.
    pub popup_border: Style,
    /// Table headings.
    pub heading: Style,
    /// The heading of the sort column.
    pub sorted_heading: Style,
    /// The selected row or choice.
    pub selected: Style,
    /// Level digits 0-3.
    pub levels: [Style; 4],
    /// Error rate 0 %.
    pub err_none: Style,
    /// Error rate above 0 and below [`ERROR_WARN`] %: normal text.
    pub err_low: Style,
    /// Error rate from [`ERROR_WARN`] to below [`ERROR_ALARM`] % (and 4xx codes): yellow.
    pub err_mid: Style,
    /// Error rate of [`ERROR_ALARM`] % and more (and 5xx codes): red.
    pub err_high: Style,
    /// Keys in the footer and help.
    pub key: Style,
    /// Informational messages.
    pub message: Style,
    /// Error messages.
    pub error: Style,
    /// The current tab in the tab bar.
    pub tab_active: Style,
    /// Other tabs.
    pub tab: Style,
    /// Horizontal bars (daily requests, shares, status codes).
    pub bar: Style,
    /// Box of a box plot (quartiles).
    pub plot_box: Style,
    /// Median mark of a box plot.
    pub plot_median: Style,
    /// Whiskers of a box plot.
    pub plot_whisker: Style,
    /// Heatmap and matrix shades, empty to fullest: background colours when colours are on.
    pub heat: [Style; 5],
    /// Shades are drawn as glyphs (` ░▒▓█`) because there are no colours.
    pub heat_glyphs: bool,
    /// Lines of a call tree's hottest path.
    pub hot: Style,
    /// Profiler frames and rows matching the `/` search.
    pub found: Style,
    /// Icicle frames, alternating by depth and position so neighbours stay apart.
    pub flame: [Style; 2],
}

impl Theme {
    /// Colours for dark and light terminals alike: the 16 ANSI colours and no fixed backgrounds, except the
    /// heatmap and matrix shades, which set their own foreground too.
    pub fn colored() -> Theme {
        let fg = |c: Color| Style::new().fg(c);
        Theme {
            brand: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            breadcrumb: Style::new().add_modifier(Modifier::BOLD),
            dim: Style::new().add_modifier(Modifier::DIM),
            live: fg(Color::Green),
            frozen: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            alarm: fg(Color::Red).add_modifier(Modifier::BOLD),
            spinner: fg(Color::Cyan),
            border: fg(Color::DarkGray),
            popup_border: fg(Color::Cyan),
            heading: Style::new().add_modifier(Modifier::BOLD),
            sorted_heading: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            levels: [Style::new().add_modifier(Modifier::DIM), fg(Color::Blue), fg(Color::Yellow), fg(Color::Magenta)],
            err_none: Style::new().add_modifier(Modifier::DIM),
            err_low: Style::new(),
            err_mid: fg(Color::Yellow),
            err_high: fg(Color::Red).add_modifier(Modifier::BOLD),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            message: fg(Color::Green),
            error: fg(Color::Red).add_modifier(Modifier::BOLD),
            tab_active: fg(Color::Cyan).add_modifier(Modifier::BOLD | Modifier::REVERSED),
            tab: Style::new(),
            bar: fg(Color::Cyan),
            plot_box: fg(Color::Cyan),
            plot_median: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            plot_whisker: Style::new().add_modifier(Modifier::DIM),
            // Cool to hot hues from the 256-colour cube: they read on light and dark terminals alike.
            heat: [
                Style::new(),
                Style::new().bg(Color::Indexed(25)).fg(Color::White),
                Style::new().bg(Color::Indexed(35)).fg(Color::Black),
                Style::new().bg(Color::Indexed(178)).fg(Color::Black),
                Style::new().bg(Color::Indexed(160)).fg(Color::White),
            ],
            heat_glyphs: false,
            hot: fg(Color::LightRed).add_modifier(Modifier::BOLD),
            found: Style::new().bg(Color::Yellow).fg(Color::Black).add_modifier(Modifier::BOLD),
            flame: [
                Style::new().bg(Color::Indexed(173)).fg(Color::Black),
                Style::new().bg(Color::Indexed(179)).fg(Color::Black),
            ],
        }
    }

    /// No colours at all: bold, dim and reverse video only.
    pub fn plain() -> Theme {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        Theme {
            brand: bold,
            breadcrumb: bold,
            dim,
            live: Style::new(),
            frozen: bold,
            alarm: bold,
            spinner: Style::new(),
            border: Style::new(),
            popup_border: Style::new(),
            heading: bold,
            sorted_heading: bold.add_modifier(Modifier::UNDERLINED),
            selected: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            levels: [dim, Style::new(), Style::new(), bold],
            err_none: dim,
            err_low: Style::new(),
            err_mid: bold,
            err_high: bold,
            key: bold,
            message: Style::new(),
            error: bold,
            tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab: Style::new(),
            bar: Style::new(),
            plot_box: Style::new(),
            plot_median: bold,
            plot_whisker: Style::new(),
            heat: [Style::new(); 5],
            heat_glyphs: true,
            hot: bold,
            found: bold.add_modifier(Modifier::UNDERLINED),
            flame: [Style::new(), dim],
        }
    }

    /// [`Theme::colored`] or [`Theme::plain`].
    pub fn new(colors: bool) -> Theme {
        if colors {
            Theme::colored()
        } else {
            Theme::plain()
        }
    }

    /// The style of a level digit.
    pub fn level(&self, level: Option<u8>) -> Style {
        level.and_then(|l| self.levels.get(usize::from(l)).copied()).unwrap_or(self.dim)
    }

    /// The style of an error percentage by severity.
    pub fn error_rate(&self, percent: Option<f64>) -> Style {
        match percent {
            None => self.dim,
            Some(p) if p <= 0.0 => self.err_none,
            Some(p) if p < ERROR_WARN => self.err_low,
            Some(p) if p < ERROR_ALARM => self.err_mid,
            Some(_) => self.err_high,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shares_are_coloured_by_threshold() {
        let t = Theme::colored();
        assert_eq!(t.error_rate(Some(0.2)), Style::new(), "0.2 % is normal text");
        assert_eq!(t.error_rate(Some(0.99)), Style::new());
        assert_eq!(t.error_rate(Some(1.0)).fg, Some(Color::Yellow));
        assert_eq!(t.error_rate(Some(4.9)).fg, Some(Color::Yellow));
        assert_eq!(t.error_rate(Some(5.0)).fg, Some(Color::Red));
        assert_eq!(t.error_rate(Some(30.3)).fg, Some(Color::Red));
        assert_eq!(t.error_rate(Some(0.0)), t.err_none);
        assert_eq!(error_thresholds(), "error %: under 1 normal, 1-5 yellow, 5 and over red");
    }
}
