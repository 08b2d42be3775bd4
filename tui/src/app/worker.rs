//! The worker's side of the state: the jobs the console sends (overview and view queries, latest wins),
//! the live refresh and spinner ticks, and the replies as they arrive.

use std::time::Instant;

use super::{App, Message, Popup, MAX_PAGED_ROWS, PAGE_ROWS};
use crate::activity;
use crate::pace::Slot;
use crate::query::{Job, Reply};
use crate::views::ViewKind;

/// How often the live refresh recomputes the Report tab.
const REPORT_REFRESH: chrono::Duration = chrono::Duration::seconds(15);

impl App {
    /// The jobs produced since the last call, for the worker.
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.jobs)
    }

    /// Asks for a new overview (the worker keeps only the latest request).
    pub fn request_overview(&mut self) {
        self.pace.sent(Slot::Overview, Instant::now());
        self.latest_seq += 1;
        self.jobs.push(Job::Overview { seq: self.latest_seq, now: self.now() });
        self.overview_pending = true;
    }

    /// Asks for the data of the tab on screen (nothing on the overview).
    pub fn request_view(&mut self) {
        let Some(key) = self.view_key() else { return };
        self.latest_view_seq += 1;
        let limit = self.wanted_rows(key.kind);
        self.pace.sent(Slot::View(key), Instant::now());
        self.jobs.push(Job::View { seq: self.latest_view_seq, key, now: self.now(), limit });
        self.view_pending = true;
    }

    /// Rows to ask for: paged lists enough for the cursor plus two pages, in steps of [`PAGE_ROWS`].
    pub(crate) fn wanted_rows(&self, kind: ViewKind) -> usize {
        if !kind.is_paged() {
            return 0;
        }
        let need = self.cursor.row + 2 * self.page();
        (need / PAGE_ROWS + 1).saturating_mul(PAGE_ROWS).min(MAX_PAGED_ROWS)
    }

    /// The live refresh period has passed.
    pub fn on_refresh_tick(&mut self) {
        let now = Instant::now();
        if self.frozen {
            // The screen keeps its data; the overview is still asked for, only to count what arrives.
            if self.pace.due(Slot::Overview, now, self.overview_pending) {
                self.request_overview();
            }
            return;
        }
        if self.pace.due(Slot::Overview, now, self.overview_pending) {
            self.request_overview();
        }
        let due = self.view_key().is_some_and(|key| self.pace.due(Slot::View(key), now, self.view_pending));
        if due && !self.report_is_fresh() {
            self.request_view();
        }
    }

    /// The cost of the query on screen (the tab's, else the overview's) when it is slow, and so refreshed less
    /// often (see [`crate::pace`]).
    pub fn slow_query(&self) -> Option<std::time::Duration> {
        self.pace.slow(self.view_key().map_or(Slot::Overview, Slot::View))
    }

    /// The report on screen was computed less than [`REPORT_REFRESH`] ago: it reads and tests every endpoint's
    /// requests of two days, weeks or months, so the live refresh redoes it less often (`r` redoes it now).
    fn report_is_fresh(&self) -> bool {
        let Some(key) = self.view_key().filter(|k| matches!(k.kind, ViewKind::DashReport(_))) else { return false };
        self.views.get(&key).is_some_and(|c| self.now() - c.now < REPORT_REFRESH)
    }

    /// The spinner period has passed.
    pub fn on_spinner_tick(&mut self) {
        if self.busy() {
            self.spinner = self.spinner.wrapping_add(1);
        }
    }

    /// The terminal has a new size.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.table.set_page(crate::layout::table_rows(width, height));
    }

    /// A worker reply arrived.
    pub fn apply(&mut self, reply: Reply) {
        match reply {
            Reply::Overview { seq, now, result } => {
                self.pace.answered(Slot::Overview, Instant::now());
                if seq == self.latest_seq {
                    self.overview_pending = false;
                }
                match result {
                    Ok(overview) if self.frozen => self.activity.observe(now, activity::total(&overview.rows)),
                    Ok(overview) => {
                        self.activity.observe(now, activity::total(&overview.rows));
                        self.table.set_overview(overview.rows, overview.trends, overview.exceptions, now);
                        self.dropped = overview.dropped;
                        self.failed = overview.failed;
                        self.loaded = true;
                        self.clear_query_message();
                    }
                    Err(error) => self.message = Some(Message::error(error, true)),
                }
            }
            Reply::View { seq, key, now, limit, result } => {
                self.pace.answered(Slot::View(key), Instant::now());
                if seq == self.latest_view_seq {
                    self.view_pending = false;
                }
                match result {
                    Ok(data) => {
                        self.keep_grouped_frames(&key, &data);
                        self.views.insert(key, now, limit, data);
                        self.request_list_arrived(&key);
                        self.clear_query_message();
                    }
                    Err(error) => self.message = Some(Message::error(error, true)),
                }
            }
            Reply::LevelSet { name, level, result } => {
                self.writes_pending = self.writes_pending.saturating_sub(1);
                match result {
                    Ok(()) => {
                        self.message = Some(Message::info(format!("level of {name} set to {level}")));
                        self.request_overview();
                    }
                    Err(error) => self.message = Some(Message::error(error, false)),
                }
            }
            Reply::Previewed { op, result } => {
                self.writes_pending = self.writes_pending.saturating_sub(1);
                // Only for the popup that asked (the user may have closed it meanwhile).
                if let Some(Popup::Confirm { op: shown, preview: preview @ None }) = &mut self.popup {
                    if *shown == op {
                        *preview = Some(result);
                    }
                }
            }
            Reply::Info { result } => {
                self.writes_pending = self.writes_pending.saturating_sub(1);
                // Only for a popup still open and waiting.
                if let Some(Popup::Info { info: info @ None, .. }) = &mut self.popup {
                    *info = Some(result);
                }
            }
            Reply::Applied { result, .. } => {
                self.writes_pending = self.writes_pending.saturating_sub(1);
                self.message = Some(match result {
                    Ok(done) => Message::info(done),
                    Err(error) => Message::error(error, false),
                });
                self.request_overview();
                self.request_view();
            }
        }
        if !self.busy() {
            self.spinner = 0;
        }
    }

    /// Clears the message of a failed query (a new answer arrived).
    fn clear_query_message(&mut self) {
        if self.message.as_ref().is_some_and(|m| m.from_query) {
            self.message = None;
        }
    }
}
