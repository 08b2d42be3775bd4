//! An endpoint's Profiler and Grouped tabs. Profiler: Enter opens the selected request's call tree, Space or
//! Enter folds a line, `←`/`→` collapse and expand, Esc closes the tree. Grouped: `s` switches rank and tree
//! order, `v` the table and the icicle, whose arrows move between frames, Enter zooms, Esc unzooms and `/`
//! finds frames (`n` the next match). The folding, layout and search logic is [`crate::profiler`].

use crossterm::event::KeyCode;

use super::lists::movement;
use super::{Component, Part, Press};
use crate::app::App;
use crate::cursor::Cursor;
use crate::keys::Action;
use crate::nav::EndpointTab;
use crate::profiler::{self, FrameStep};
use crate::views::{ViewData, ViewKey};

/// The Profiler and Grouped tabs.
pub struct Profiler;

/// The one [`Profiler`].
pub static PROFILER: Profiler = Profiler;

impl Component for Profiler {
    fn handle(&self, app: &mut App, press: Press) -> bool {
        let action = press.action;
        match action {
            Action::FilterType | Action::FilterDelete | Action::FilterKeep | Action::FilterClear
                if app.profiler.searching =>
            {
                app.search_key(action, press.code)
            }
            Action::Left | Action::Right if app.tree_line().is_some() => app.tree_arrow(action == Action::Right),
            Action::Left if app.on_flame() => app.step_frame(FrameStep::Left),
            Action::Right if app.on_flame() => app.step_frame(FrameStep::Right),
            _ if app.on_flame() && movement(app, action).is_some() => match movement(app, action) {
                Some(1) => app.step_frame(FrameStep::Down),
                Some(-1) => app.step_frame(FrameStep::Up),
                _ => {}
            },
            Action::SortNext if app.on_tab(EndpointTab::Grouped) => {
                app.profiler.tree_order = !app.profiler.tree_order;
                app.cursor = Cursor::default();
            }
            Action::Toggle => {
                if let Some(line) = app.tree_line() {
                    app.tree_move(|parents, collapsed| profiler::toggle(parents, collapsed, line));
                }
            }
            Action::Flame => {
                if app.available(Action::Flame) {
                    app.profiler.flame = !app.profiler.flame;
                    if app.profiler.flame {
                        app.profiler.frame = app.grouped_row().or(app.profiler.frame);
                    }
                }
            }
            Action::NextMatch => {
                if app.available(Action::NextMatch) {
                    let frames = app.flame_frames();
                    if let (Some(g), Some(from)) = (app.grouped(), app.flame_frame()) {
                        app.profiler.frame = Some(profiler::next_match(&frames, g, from, &app.profiler.search));
                    }
                }
            }
            Action::Search => {
                if app.available(Action::Search) {
                    app.profiler.searching = true;
                    app.profiler.search.clear();
                }
            }
            Action::Detail => app.profiler_enter(),
            Action::Back if app.on_tab(EndpointTab::Profiler) && app.profiler.open.is_some() => {
                app.profiler.open = None;
                app.profiler.collapsed.clear();
                app.cursor = app.profiler.list_cursor;
                app.show_view();
            }
            Action::Back if app.on_flame() && app.profiler.zoom.is_some() => {
                app.profiler.frame = app.profiler.zoom.take();
            }
            Action::Back if app.on_tab(EndpointTab::Grouped) && !app.profiler.search.is_empty() => {
                app.profiler.search.clear();
            }
            _ => return false,
        }
        true
    }

    fn offers(&self, app: &App, action: Action) -> Option<bool> {
        let grouped = app.on_tab(EndpointTab::Grouped);
        Some(match action {
            Action::SortNext => grouped && !app.on_flame(),
            Action::Toggle => app.profiler.open.is_some() && app.on_tab(EndpointTab::Profiler) && app.row_count() > 0,
            Action::Flame => grouped,
            Action::Search => grouped && app.grouped().is_some_and(|g| !g.lines.is_empty()),
            Action::NextMatch => app.on_flame() && !app.profiler.search.is_empty(),
            Action::Detail => app.row_count() > 0,
            _ => return None,
        })
    }

    fn part(&self, app: &App) -> Part {
        if app.on_tab(EndpointTab::Grouped) {
            Part::Grouped
        } else {
            Part::Profiler
        }
    }
}

impl App {
    /// A key on the profiler's search line.
    fn search_key(&mut self, action: Action, code: KeyCode) {
        match (action, code) {
            (Action::FilterType, KeyCode::Char(c)) => {
                if self.profiler.search.chars().count() < profiler::MAX_SEARCH {
                    self.profiler.search.push(c);
                }
            }
            (Action::FilterDelete, _) => {
                self.profiler.search.pop();
            }
            (Action::FilterKeep, _) => self.profiler.searching = false,
            _ => {
                self.profiler.search.clear();
                self.profiler.searching = false;
            }
        }
    }

    /// The open call tree on screen.
    pub fn call_tree(&self) -> Option<&fmd_core::store::CallTree> {
        match self.view().map(|c| &c.data) {
            Some(ViewData::CallTree(tree)) if self.profiler.open.is_some() => tree.as_ref(),
            _ => None,
        }
    }

    /// The grouped profile on screen.
    pub fn grouped(&self) -> Option<&fmd_core::store::GroupedProfile> {
        match self.view().map(|c| &c.data) {
            Some(ViewData::Grouped(g)) if self.on_tab(EndpointTab::Grouped) => Some(g),
            _ => None,
        }
    }

    /// The visible lines of the open call tree (indexes into its lines), `None` without one.
    pub fn tree_rows(&self) -> Option<Vec<usize>> {
        let tree = self.call_tree()?;
        let parents: Vec<Option<usize>> = tree.lines.iter().map(|l| l.parent).collect();
        Some(profiler::visible(&parents, &self.profiler.collapsed))
    }

    /// The tree line under the cursor.
    pub fn tree_line(&self) -> Option<usize> {
        let rows = self.tree_rows()?;
        rows.get(self.cursor.row.min(rows.len().saturating_sub(1))).copied()
    }

    /// The Grouped tab shows its icicle.
    pub fn on_flame(&self) -> bool {
        self.on_tab(EndpointTab::Grouped) && self.profiler.flame
    }

    /// The icicle's frames at this terminal size.
    pub fn flame_frames(&self) -> Vec<profiler::Frame> {
        let Some(g) = self.grouped() else { return Vec::new() };
        let (width, rows) = crate::layout::flame_size(self.size.0, self.size.1);
        profiler::layout(g, self.profiler.zoom, width, rows)
    }

    /// The selected icicle frame: the chosen one when drawn, else the top-left one.
    pub fn flame_frame(&self) -> Option<usize> {
        let frames = self.flame_frames();
        match self.profiler.frame {
            Some(f) if frames.iter().any(|x| x.line == f) => Some(f),
            _ => frames.first().map(|f| f.line),
        }
    }

    /// The grouped line of the table row under the cursor.
    fn grouped_row(&self) -> Option<usize> {
        let g = self.grouped()?;
        let order = profiler::table_order(g, self.profiler.tree_order);
        order.get(self.cursor.row.min(order.len().saturating_sub(1))).copied()
    }

    /// A new grouped profile for the one on screen: the zoom and the selected frame follow their frames.
    pub(crate) fn keep_grouped_frames(&mut self, key: &ViewKey, data: &ViewData) {
        let ViewData::Grouped(new) = data else { return };
        let Some(ViewData::Grouped(old)) = self.views.get(key).map(|c| &c.data) else { return };
        let zoom = self.profiler.zoom.map(|z| profiler::remap(old, new, z));
        let frame = self.profiler.frame.map(|f| profiler::remap(old, new, f));
        if let Some(zoom) = zoom {
            self.profiler.zoom = zoom;
        }
        if let Some(frame) = frame {
            self.profiler.frame = frame;
        }
    }

    /// Enter on the Profiler tab (open the selected request's tree, or fold the selected line) or the Grouped
    /// tab (zoom into the selected frame; from the table, into the selected row's frame).
    fn profiler_enter(&mut self) {
        if self.on_tab(EndpointTab::Profiler) {
            if let Some(line) = self.tree_line() {
                self.tree_move(|parents, collapsed| profiler::toggle(parents, collapsed, line));
                return;
            }
            let request = match self.view().map(|c| &c.data) {
                Some(ViewData::Profiler(list)) if self.profiler.open.is_none() => {
                    list.rows.get(self.cursor.row.min(list.rows.len().saturating_sub(1))).map(|r| r.id)
                }
                _ => None,
            };
            if let Some(request) = request {
                self.profiler.open = Some(request);
                self.profiler.collapsed.clear();
                self.profiler.list_cursor = self.cursor;
                self.cursor = Cursor::default();
                self.show_view();
            }
        } else if self.on_flame() {
            if let Some(frame) = self.flame_frame() {
                self.profiler.zoom = Some(frame);
                self.profiler.frame = Some(frame);
            }
        } else if let Some(row) = self.grouped_row() {
            self.profiler.flame = true;
            self.profiler.zoom = Some(row);
            self.profiler.frame = Some(row);
        }
    }

    /// `←` (collapse or to the parent) or `→` (expand or to the first child) in the open call tree.
    fn tree_arrow(&mut self, right: bool) {
        let Some(line) = self.tree_line() else { return };
        self.tree_move(|parents, collapsed| {
            if right {
                profiler::right(parents, collapsed, line)
            } else {
                profiler::left(parents, collapsed, line)
            }
        });
    }

    /// Applies what `decide` says to the open call tree, keeping the cursor on the selected line.
    fn tree_move(
        &mut self,
        decide: impl FnOnce(&[Option<usize>], &std::collections::HashSet<usize>) -> profiler::TreeMove,
    ) {
        let Some(tree) = self.call_tree() else { return };
        let parents: Vec<Option<usize>> = tree.lines.iter().map(|l| l.parent).collect();
        let Some(mut line) = self.tree_line() else { return };
        match decide(&parents, &self.profiler.collapsed) {
            profiler::TreeMove::Collapse(l) => {
                self.profiler.collapsed.insert(l);
            }
            profiler::TreeMove::Expand(l) => {
                self.profiler.collapsed.remove(&l);
            }
            profiler::TreeMove::Select(l) => line = l,
            profiler::TreeMove::Stay => {}
        }
        let rows = profiler::visible(&parents, &self.profiler.collapsed);
        let row = rows.iter().position(|r| *r == line).unwrap_or(0);
        self.cursor.row = row;
        let page = self.page();
        self.cursor.move_row(0, rows.len(), page);
    }

    /// Moves the icicle's selection.
    fn step_frame(&mut self, step: FrameStep) {
        let frames = self.flame_frames();
        let (Some(g), Some(from)) = (self.grouped(), self.flame_frame()) else { return };
        self.profiler.frame = Some(profiler::step_frame(&frames, g, from, step));
    }
}
