//! The key table: every binding as typed data (keys, action, description, where it works).
//!
//! The footer ([`footer`]) and the help popup ([`help_rows`]) are generated from [`BINDINGS`], so they never
//! drift from what the keys actually do, and a unit test rejects a key bound twice in one context.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One key (or, for [`Key::Text`], any printable character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character without Ctrl or Alt (Shift is part of the character: `S`, `?`).
    Char(char),
    /// Ctrl + a letter.
    Ctrl(char),
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Any printable character (text entry).
    Text,
}

impl Key {
    /// How the key is written in the footer and help.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::Tab => "Tab".into(),
            Key::BackTab => "S-Tab".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Backspace => "Bksp".into(),
            Key::Text => "text".into(),
        }
    }

    /// True when `event` is this key.
    pub fn matches(self, event: &KeyEvent) -> bool {
        let ctrl_alt = event.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (self, event.code) {
            (Key::Char(want), KeyCode::Char(got)) => !ctrl_alt && want == got,
            (Key::Ctrl(want), KeyCode::Char(got)) => {
                event.modifiers.contains(KeyModifiers::CONTROL) && want.eq_ignore_ascii_case(&got)
            }
            (Key::Text, KeyCode::Char(got)) => !ctrl_alt && !got.is_control(),
            (Key::Up, KeyCode::Up)
            | (Key::Down, KeyCode::Down)
            | (Key::Left, KeyCode::Left)
            | (Key::Right, KeyCode::Right)
            | (Key::Tab, KeyCode::Tab)
            | (Key::BackTab, KeyCode::BackTab)
            | (Key::PageUp, KeyCode::PageUp)
            | (Key::PageDown, KeyCode::PageDown)
            | (Key::Home, KeyCode::Home)
            | (Key::End, KeyCode::End)
            | (Key::Enter, KeyCode::Enter)
            | (Key::Esc, KeyCode::Esc)
            | (Key::Backspace, KeyCode::Backspace) => true,
            _ => false,
        }
    }

    /// True when one key press could be both keys.
    #[cfg(test)]
    fn overlaps(self, other: Key) -> bool {
        match (self, other) {
            (Key::Text, Key::Char(_)) | (Key::Char(_), Key::Text) => true,
            (a, b) => a == b,
        }
    }
}

/// Where a binding works: the screen, or the popup or text line that has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The dashboard's tabs (Overview, Hourly, Daily, Versions, Performance, Status, Graphs, Report).
    Dashboard,
    /// One endpoint's tabs.
    Endpoint,
    /// Typing a filter.
    Filter,
    /// The level picker popup.
    LevelPicker,
    /// The help popup.
    Help,
    /// Choosing the endpoint to merge the selected one into.
    MergePicker,
    /// Choosing the age of the requests to prune.
    PrunePicker,
    /// A confirmation popup showing what an action will delete.
    Confirm,
    /// Choosing the format of an export (`e`).
    Export,
}

impl Context {
    /// Every context, in help order.
    pub const ALL: [Context; 9] = [
        Context::Dashboard,
        Context::Endpoint,
        Context::Filter,
        Context::LevelPicker,
        Context::Help,
        Context::MergePicker,
        Context::PrunePicker,
        Context::Confirm,
        Context::Export,
    ];

    /// Short name shown in the help popup.
    pub fn name(self) -> &'static str {
        match self {
            Context::Dashboard => "dashboard",
            Context::Endpoint => "endpoint",
            Context::Filter => "filter",
            Context::LevelPicker => "picker",
            Context::Help => "help",
            Context::MergePicker => "merge",
            Context::PrunePicker => "prune",
            Context::Confirm => "confirm",
            Context::Export => "export",
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Next row (or choice, or help line, or heatmap day).
    Down,
    /// Previous row.
    Up,
    /// Heatmap hour to the left, or columns scrolled left.
    Left,
    /// Heatmap hour to the right, or columns scrolled right.
    Right,
    /// The next tab.
    NextTab,
    /// The previous tab.
    PrevTab,
    /// The tab of the digit pressed.
    JumpTab,
    /// The next shorter time window.
    WindowShorter,
    /// The next longer time window.
    WindowLonger,
    /// Box plots on a log or a linear scale.
    LogScale,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// One page down.
    PageDown,
    /// One page up.
    PageUp,
    /// Sort by the next column.
    SortNext,
    /// Sort by the previous column.
    SortPrev,
    /// Invert the sort direction.
    SortInvert,
    /// Start typing a filter.
    Filter,
    /// Open the selected endpoint.
    Open,
    /// Back to the dashboard.
    Back,
    /// Open the level picker.
    Level,
    /// Freeze or resume live refresh.
    Freeze,
    /// Refresh now.
    Refresh,
    /// Show or hide help.
    Help,
    /// Show or hide the deployment's details.
    Info,
    /// Leave the console.
    Quit,
    /// Add the typed character to the filter.
    FilterType,
    /// Delete the last filter character.
    FilterDelete,
    /// Keep the filter and leave the filter line.
    FilterKeep,
    /// Clear the filter.
    FilterClear,
    /// Choose the level of the digit pressed.
    PickDigit,
    /// Write the chosen level.
    PickApply,
    /// Close the popup.
    Close,
    /// Report: the next comparison (day, week, month, versions).
    Compare,
    /// Delete the selected endpoint (after a preview and a confirmation).
    DeleteEndpoint,
    /// Merge the selected endpoint into another (picker, preview, confirmation).
    MergeEndpoint,
    /// Prune old requests (age picker, preview, confirmation).
    Prune,
    /// Take the choice under the cursor (merge target, prune age).
    Choose,
    /// Choose the prune age of the digit pressed.
    PickAge,
    /// Prune: keep or delete custom graph data.
    ToggleGraphs,
    /// Do what the confirmation popup shows.
    Confirm,
    /// Outliers and Exceptions: open (or close) the selected row's detail.
    Detail,
    /// Scroll the detail down one line.
    DetailDown,
    /// Scroll the detail up one line.
    DetailUp,
    /// Copy the detail's section on top to the clipboard (OSC 52).
    Copy,
    /// Call tree: expand or collapse the selected line.
    Toggle,
    /// Grouped profiler: the table or the icicle view.
    Flame,
    /// Grouped profiler: type a text whose frames are highlighted.
    Search,
    /// Grouped profiler's icicle: select the next frame matching the search.
    NextMatch,
    /// Export the view on screen (opens the format popup).
    Export,
    /// Export as CSV.
    ExportCsv,
    /// Export as JSON.
    ExportJson,
}

/// One line of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys, first one shown in the footer.
    pub keys: &'static [Key],
    /// Written instead of the keys in help when set (`0-3`).
    pub keys_label: Option<&'static str>,
    /// What the keys do.
    pub action: Action,
    /// Help text.
    pub description: &'static str,
    /// Footer label; neighbouring bindings with the same label merge (`j/k move`). `None`: help only.
    pub footer: Option<&'static str>,
    /// Where the binding works.
    pub contexts: &'static [Context],
}

use Context::{
    Confirm as C, Dashboard as D, Endpoint as E, Export as X, Filter as F, Help as H, LevelPicker as L,
    MergePicker as M, PrunePicker as P,
};

const fn bind(
    keys: &'static [Key],
    action: Action,
    description: &'static str,
    footer: Option<&'static str>,
    contexts: &'static [Context],
) -> Binding {
    Binding { keys, keys_label: None, action, description, footer, contexts }
}

/// Every binding, in footer and help order.
pub const BINDINGS: &[Binding] = &[
    bind(&[Key::Char('j'), Key::Down], Action::Down, "move down (row, heatmap day)", Some("move"), &[D, E, L, H, M, P]),
    bind(&[Key::Char('k'), Key::Up], Action::Up, "move up", Some("move"), &[D, E, L, H, M, P]),
    bind(&[Key::Left], Action::Left, "move left (heatmap hour, columns)", Some("move"), &[D, E]),
    bind(&[Key::Right], Action::Right, "move right", Some("move"), &[D, E]),
    bind(&[Key::Enter], Action::Open, "open the selected endpoint", Some("open"), &[D]),
    bind(&[Key::Esc, Key::Backspace], Action::Back, "back: closes detail / tree, resets zoom", Some("back"), &[E]),
    bind(&[Key::Tab], Action::NextTab, "next tab", Some("tab"), &[D, E]),
    bind(&[Key::BackTab], Action::PrevTab, "previous tab", None, &[D, E]),
    Binding {
        keys: &[
            Key::Char('1'),
            Key::Char('2'),
            Key::Char('3'),
            Key::Char('4'),
            Key::Char('5'),
            Key::Char('6'),
            Key::Char('7'),
            Key::Char('8'),
            Key::Char('9'),
        ],
        keys_label: Some("1-9"),
        action: Action::JumpTab,
        description: "go to tab 1-9 (Tab / S-Tab for the rest)",
        footer: None,
        contexts: &[D, E],
    },
    bind(&[Key::Char('[')], Action::WindowShorter, "shorter time window", Some("window"), &[D, E]),
    bind(&[Key::Char(']')], Action::WindowLonger, "longer time window", Some("window"), &[D, E]),
    bind(&[Key::Char('/')], Action::Filter, "filter endpoints by name", Some("filter"), &[D]),
    bind(&[Key::Enter], Action::Detail, "open: detail, tree line (fold), icicle zoom", Some("open"), &[E]),
    bind(&[Key::Char(' ')], Action::Toggle, "call tree: fold / unfold the line", Some("fold"), &[E]),
    bind(&[Key::Char('v')], Action::Flame, "grouped profiler: table / icicle view", Some("view"), &[E]),
    bind(&[Key::Char('/')], Action::Search, "requests: filter; grouped profiler: find frames", Some("find"), &[E]),
    bind(&[Key::Char('n')], Action::NextMatch, "icicle: select the next matching frame", Some("next"), &[E]),
    bind(&[Key::Char('J')], Action::DetailDown, "scroll the detail down", Some("scroll"), &[E]),
    bind(&[Key::Char('K')], Action::DetailUp, "scroll the detail up", Some("scroll"), &[E]),
    bind(&[Key::Char('y')], Action::Copy, "copy the detail's section on top (OSC 52)", Some("copy"), &[E]),
    bind(&[Key::Char('s')], Action::SortNext, "sort: next column; outliers, grouped order", Some("sort"), &[D, E]),
    bind(&[Key::Char('S')], Action::SortPrev, "sort by the previous column", Some("sort"), &[D]),
    bind(&[Key::Char('I')], Action::SortInvert, "invert the sort direction", None, &[D]),
    bind(&[Key::Char('l')], Action::LogScale, "box plots: log / linear scale", Some("log"), &[D, E]),
    bind(&[Key::Char('m')], Action::Level, "set the monitoring level", Some("level"), &[D, E]),
    bind(&[Key::Char('c')], Action::Compare, "report: day / week / month / versions", Some("compare"), &[D]),
    bind(&[Key::Char('f')], Action::Freeze, "freeze / resume live refresh", Some("freeze"), &[D, E]),
    bind(&[Key::Char('r')], Action::Refresh, "refresh now", None, &[D, E]),
    bind(&[Key::Char('g'), Key::Home], Action::Top, "first row", None, &[D, E, H, M]),
    bind(&[Key::Char('G'), Key::End], Action::Bottom, "last row", None, &[D, E, H, M]),
    bind(&[Key::PageDown], Action::PageDown, "page down", None, &[D, E, H, M]),
    bind(&[Key::PageUp], Action::PageUp, "page up", None, &[D, E, H, M]),
    bind(&[Key::Char('D')], Action::DeleteEndpoint, "delete the endpoint (asks first)", Some("delete"), &[D]),
    bind(&[Key::Char('M')], Action::MergeEndpoint, "merge into another endpoint", Some("merge"), &[D]),
    bind(&[Key::Char('P')], Action::Prune, "prune old requests (asks first)", Some("prune"), &[D]),
    bind(&[Key::Esc], Action::FilterClear, "clear the filter", Some("clear"), &[D, F]),
    bind(&[Key::Text], Action::FilterType, "type to filter", None, &[F]),
    bind(&[Key::Backspace], Action::FilterDelete, "delete a character", None, &[F]),
    bind(&[Key::Enter], Action::FilterKeep, "keep the filter", Some("keep"), &[F]),
    Binding {
        keys: &[Key::Char('0'), Key::Char('1'), Key::Char('2'), Key::Char('3')],
        keys_label: Some("0-3"),
        action: Action::PickDigit,
        description: "choose a level",
        footer: Some("choose"),
        contexts: &[L],
    },
    bind(&[Key::Enter], Action::PickApply, "write the chosen level", Some("set"), &[L]),
    Binding {
        keys: &[Key::Char('1'), Key::Char('2'), Key::Char('3'), Key::Char('4')],
        keys_label: Some("1-4"),
        action: Action::PickAge,
        description: "choose an age to prune",
        footer: Some("age"),
        contexts: &[P],
    },
    bind(&[Key::Char('c')], Action::ToggleGraphs, "keep / delete custom graph data", Some("graphs"), &[P]),
    bind(&[Key::Enter], Action::Choose, "take the merge target or age", Some("choose"), &[M, P]),
    // Destructive: only `y` confirms (not Enter, which a user may press out of habit); other keys do nothing.
    bind(&[Key::Char('y')], Action::Confirm, "yes: delete what the popup shows (only y)", Some("yes"), &[C]),
    bind(&[Key::Char('n'), Key::Esc], Action::Close, "no: change nothing", Some("no"), &[C]),
    bind(&[Key::Esc], Action::Close, "close the popup", Some("close"), &[L, H, M, P]),
    bind(&[Key::Char('e')], Action::Export, "export the view as CSV or JSON", Some("export"), &[D, E]),
    bind(&[Key::Char('c')], Action::ExportCsv, "export as CSV", Some("CSV"), &[X]),
    bind(&[Key::Char('j')], Action::ExportJson, "export as JSON", Some("JSON"), &[X]),
    bind(&[Key::Esc], Action::Close, "close the export popup", Some("close"), &[X]),
    bind(&[Key::Char('?')], Action::Help, "show / hide this help", Some("help"), &[D, E, H]),
    bind(&[Key::Char('i')], Action::Info, "deployment details: database, totals, config", None, &[D, E, H]),
    bind(&[Key::Char('q')], Action::Quit, "quit", Some("quit"), &[D, E, L, H, M, P, C]),
    bind(&[Key::Ctrl('c')], Action::Quit, "quit (everywhere)", None, &[D, E, F, L, H, M, P, C, X]),
];

/// Only presses count: terminals that report releases and repeats as separate events send them too.
pub fn is_press(event: &KeyEvent) -> bool {
    event.kind != KeyEventKind::Release
}

/// The binding `event` triggers in `context`.
pub fn lookup(context: Context, event: &KeyEvent) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| b.contexts.contains(&context) && b.keys.iter().any(|k| k.matches(event)))
}

/// The keys of a binding as shown in help: `j ↓`, `0-3`.
pub fn keys_text(binding: &Binding) -> String {
    match binding.keys_label {
        Some(label) => label.to_string(),
        None => binding.keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(" "),
    }
}

/// The footer for `context`: `(keys, label)` pairs, neighbours with the same label merged (`j/k`, `move`).
/// Bindings whose action `available` rejects right now (clearing an empty filter) are left out.
pub fn footer(context: Context, available: impl Fn(Action) -> bool) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut last_label = None;
    for binding in BINDINGS.iter().filter(|b| b.contexts.contains(&context) && available(b.action)) {
        let Some(label) = binding.footer else {
            last_label = None;
            continue;
        };
        let key = binding.keys_label.map(str::to_string).or_else(|| binding.keys.first().map(|k| k.label()));
        let Some(key) = key else { continue };
        match out.last_mut() {
            Some((keys, _)) if last_label == Some(label) => {
                keys.push('/');
                keys.push_str(&key);
            }
            _ => out.push((key, label)),
        }
        last_label = Some(label);
    }
    out
}

/// The help popup's rows: keys, description, where. Bindings that work everywhere say so.
pub fn help_rows() -> Vec<(String, &'static str, String)> {
    BINDINGS
        .iter()
        .map(|b| {
            let places = if Context::ALL.iter().all(|c| b.contexts.contains(c)) {
                "everywhere".to_string()
            } else {
                b.contexts.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
            };
            (keys_text(b), b.description, places)
        })
        .collect()
}

/// Every pair of bindings that a single key press in one context could trigger (should be empty).
#[cfg(test)]
pub fn conflicts(bindings: &[Binding]) -> Vec<String> {
    let mut found = Vec::new();
    for context in Context::ALL {
        let active: Vec<&Binding> = bindings.iter().filter(|b| b.contexts.contains(&context)).collect();
        for (i, a) in active.iter().enumerate() {
            for b in &active[i + 1..] {
                for ka in a.keys {
                    if b.keys.iter().any(|kb| ka.overlaps(*kb)) {
                        found.push(format!("{} in {}: {:?} and {:?}", ka.label(), context.name(), a.action, b.action));
                    }
                }
            }
            for (n, ka) in a.keys.iter().enumerate() {
                if a.keys[n + 1..].contains(ka) {
                    found.push(format!("{} listed twice for {:?}", ka.label(), a.action));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        assert_eq!(conflicts(BINDINGS), Vec::<String>::new());
    }

    #[test]
    fn the_checker_finds_duplicates() {
        let dup = [
            bind(&[Key::Char('x')], Action::Quit, "a", None, &[D]),
            bind(&[Key::Char('x')], Action::Help, "b", None, &[D, E]),
            bind(&[Key::Text], Action::FilterType, "c", None, &[F]),
            bind(&[Key::Char('y')], Action::Quit, "d", None, &[F]),
        ];
        let found = conflicts(&dup);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("x in dashboard"));
        assert!(found[1].contains("in filter"));
    }

    #[test]
    fn every_binding_has_keys_a_context_and_a_description() {
        for b in BINDINGS {
            assert!(!b.keys.is_empty() && !b.contexts.is_empty() && !b.description.is_empty(), "{b:?}");
        }
    }

    #[test]
    fn every_context_can_quit_and_the_screens_can_do_what_the_brief_lists() {
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for context in Context::ALL {
            assert_eq!(lookup(context, &ctrl_c).map(|b| b.action), Some(Action::Quit), "{context:?}");
        }
        let o = |code| lookup(D, &press(code, KeyModifiers::NONE)).map(|b| b.action);
        assert_eq!(o(KeyCode::Char('j')), Some(Action::Down));
        assert_eq!(o(KeyCode::Down), Some(Action::Down));
        assert_eq!(o(KeyCode::Char('k')), Some(Action::Up));
        assert_eq!(o(KeyCode::Char('G')), Some(Action::Bottom));
        assert_eq!(o(KeyCode::Char('S')), Some(Action::SortPrev));
        assert_eq!(o(KeyCode::Char('I')), Some(Action::SortInvert));
        assert_eq!(o(KeyCode::PageDown), Some(Action::PageDown));
        assert_eq!(o(KeyCode::Enter), Some(Action::Open));
        assert_eq!(o(KeyCode::Char('x')), None);
        assert_eq!(o(KeyCode::Tab), Some(Action::NextTab));
        assert_eq!(o(KeyCode::BackTab), Some(Action::PrevTab));
        assert_eq!(o(KeyCode::Char('4')), Some(Action::JumpTab));
        assert_eq!(o(KeyCode::Char('[')), Some(Action::WindowShorter));
        assert_eq!(o(KeyCode::Char(']')), Some(Action::WindowLonger));
        assert_eq!(o(KeyCode::Char('l')), Some(Action::LogScale));
        assert_eq!(o(KeyCode::Left), Some(Action::Left));
        assert_eq!(o(KeyCode::Char('D')), Some(Action::DeleteEndpoint));
        assert_eq!(o(KeyCode::Char('M')), Some(Action::MergeEndpoint));
        assert_eq!(o(KeyCode::Char('P')), Some(Action::Prune));
        assert_eq!(o(KeyCode::Char('c')), Some(Action::Compare));
        // In the housekeeping popups letters mean what the popup says, not what they do on the dashboard.
        let c = |code| lookup(C, &press(code, KeyModifiers::NONE)).map(|b| b.action);
        assert_eq!((c(KeyCode::Char('y')), c(KeyCode::Enter)), (Some(Action::Confirm), None));
        assert_eq!((c(KeyCode::Char('n')), c(KeyCode::Esc)), (Some(Action::Close), Some(Action::Close)));
        assert_eq!(c(KeyCode::Char('D')), None, "no second delete from the confirmation");
        let p = |code| lookup(P, &press(code, KeyModifiers::NONE)).map(|b| b.action);
        assert_eq!((p(KeyCode::Char('3')), p(KeyCode::Char('c'))), (Some(Action::PickAge), Some(Action::ToggleGraphs)));
        assert_eq!(p(KeyCode::Char('5')), None);
        let m = |code| lookup(M, &press(code, KeyModifiers::NONE)).map(|b| b.action);
        assert_eq!((m(KeyCode::Char('G')), m(KeyCode::Enter)), (Some(Action::Bottom), Some(Action::Choose)));
        let e = |code| lookup(E, &press(code, KeyModifiers::NONE)).map(|b| b.action);
        assert_eq!(e(KeyCode::Esc), Some(Action::Back));
        assert_eq!(e(KeyCode::Char('9')), Some(Action::JumpTab));
        assert_eq!(e(KeyCode::Char('m')), Some(Action::Level));
        assert_eq!(e(KeyCode::Char('j')), Some(Action::Down));
        // In the level picker digits choose a level, they do not switch tabs.
        assert_eq!(
            lookup(L, &press(KeyCode::Char('2'), KeyModifiers::NONE)).map(|b| b.action),
            Some(Action::PickDigit)
        );
        // Shift is part of the character; Ctrl and Alt make another key.
        assert_eq!(
            lookup(D, &press(KeyCode::Char('S'), KeyModifiers::SHIFT)).map(|b| b.action),
            Some(Action::SortPrev)
        );
        assert_eq!(lookup(D, &press(KeyCode::Char('s'), KeyModifiers::ALT)).map(|b| b.action), None);
        // While typing a filter, letters are text, not commands.
        let f = |code| lookup(F, &press(code, KeyModifiers::NONE)).map(|b| b.action);
        assert_eq!(f(KeyCode::Char('q')), Some(Action::FilterType));
        assert_eq!(f(KeyCode::Esc), Some(Action::FilterClear));
    }

    #[test]
    fn footer_merges_neighbours_and_help_lists_everything() {
        let overview = footer(D, |a| !matches!(a, Action::Left | Action::Right));
        assert_eq!(overview[0], ("j/k".to_string(), "move"));
        assert_eq!(footer(D, |_| true)[0], ("j/k/←/→".to_string(), "move"));
        assert!(overview.contains(&("[/]".to_string(), "window")));
        assert!(overview.contains(&("Tab".to_string(), "tab")));
        assert!(overview.contains(&("s/S".to_string(), "sort")));
        assert!(overview.contains(&("q".to_string(), "quit")));
        assert!(!overview.iter().any(|(_, l)| *l == "back"), "back is not an overview key");
        assert_eq!(footer(L, |_| true)[1], ("0-3".to_string(), "choose"));
        assert!(!footer(D, |a| a != Action::FilterClear).iter().any(|(_, l)| *l == "clear"));
        let help = help_rows();
        assert_eq!(help.len(), BINDINGS.len());
        assert!(help.iter().any(|(k, _, w)| k == "Ctrl-C" && w == "everywhere"));
    }
}
