//! The overview table's model: the rows as queried, the filtered and sorted view of them, the selection
//! (remembered by endpoint id, so it follows its endpoint through re-sorts and refreshes) and the scroll
//! offset. Rendering slices the visible rows out of the view; nothing here draws.
//!
//! Beside the store's rows it keeps each endpoint's requests per hour of the last 24 hours (the `trend 24h`
//! column) and its number of exception groups (the `exc` column).
//!
//! `column` holds the columns (text and sort value of each cell), `sort` the order of the rows.

mod column;
mod sort;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fmd_core::store::OverviewRow;

pub use column::{error_rate, Column, TREND_WIDTH};
pub use sort::Sort;

use crate::format;
use sort::compare;

/// What the overview knows of each endpoint beside its store row.
#[derive(Debug, Clone, Default)]
pub(super) struct Extras {
    /// Requests per hour of the last 24 hours, oldest first.
    trends: HashMap<i64, Vec<u64>>,
    /// Exception groups.
    exceptions: HashMap<i64, u64>,
}

impl Extras {
    /// Endpoint `id`'s requests per hour of the last 24 hours, oldest first.
    pub(super) fn trend(&self, id: i64) -> Option<&[u64]> {
        self.trends.get(&id).map(Vec::as_slice)
    }

    /// Endpoint `id`'s exception groups (0 without any).
    pub(super) fn exceptions(&self, id: i64) -> u64 {
        self.exceptions.get(&id).copied().unwrap_or(0)
    }
}

/// Rows, view, sort, filter, selection and scroll of the overview.
#[derive(Debug, Clone, Default)]
pub struct OverviewTable {
    rows: Vec<OverviewRow>,
    extras: Extras,
    now: DateTime<Utc>,
    view: Vec<usize>,
    sort: Sort,
    filter: String,
    selected_id: Option<i64>,
    cursor: usize,
    offset: usize,
    page: usize,
    widths: [usize; Column::ALL.len()],
}

impl OverviewTable {
    /// Replaces the rows with a new query result computed at `now`; selection stays on its endpoint.
    #[cfg(test)]
    pub fn set_rows(&mut self, rows: Vec<OverviewRow>, now: DateTime<Utc>) {
        self.set_overview(rows, HashMap::new(), HashMap::new(), now);
    }

    /// Like [`OverviewTable::set_rows`], with each endpoint's requests per hour of the last 24 hours and its
    /// exception groups (endpoints absent from either map have none).
    pub fn set_overview(
        &mut self,
        rows: Vec<OverviewRow>,
        trends: HashMap<i64, Vec<u64>>,
        exceptions: HashMap<i64, u64>,
        now: DateTime<Utc>,
    ) {
        self.rows = rows;
        self.extras = Extras { trends, exceptions };
        self.now = now;
        self.widths = [0; Column::ALL.len()];
        for row in &self.rows {
            let exceptions = self.extras.exceptions(row.id);
            for column in Column::ALL {
                let w = format::width(&column.text(row, exceptions, now));
                let slot = &mut self.widths[column.index()];
                *slot = (*slot).max(w);
            }
        }
        self.rebuild();
    }

    /// Rows in the view (after filtering).
    pub fn len(&self) -> usize {
        self.view.len()
    }

    /// All rows of the last result.
    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// Every row of the last result, filtered out or not, busiest first.
    pub fn all_rows(&self) -> &[OverviewRow] {
        &self.rows
    }

    /// The instant the rows were computed at.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The widest cell text of each column over all rows (headings not included).
    pub fn widths(&self) -> [usize; Column::ALL.len()] {
        self.widths
    }

    /// Endpoint `id`'s requests per hour of the last 24 hours, oldest first (`None` without any).
    pub fn trend(&self, id: i64) -> Option<&[u64]> {
        self.extras.trend(id)
    }

    /// Endpoint `id`'s exception groups (0 without any).
    pub fn exceptions(&self, id: i64) -> u64 {
        self.extras.exceptions(id)
    }

    /// True when an endpoint called `name` passes the filter (the rule of every dashboard tab).
    pub fn matches(&self, name: &str) -> bool {
        self.filter.is_empty() || format::sanitize(name).to_lowercase().contains(&self.filter.to_lowercase())
    }

    /// The id of the selected endpoint, remembered even while the filter hides it.
    pub fn selected_id(&self) -> Option<i64> {
        self.selected_id
    }

    /// Selects endpoint `id` (the cursor goes to it when it is in the view).
    pub fn select_id(&mut self, id: i64) {
        self.selected_id = Some(id);
        if let Some(position) = self.view.iter().position(|&i| self.rows.get(i).is_some_and(|r| r.id == id)) {
            self.cursor = position;
            self.scroll_to_cursor();
        }
    }

    /// The current sort.
    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// The filter text.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Position of the selection in the view.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The selected row.
    pub fn selected(&self) -> Option<&OverviewRow> {
        self.view.get(self.cursor).and_then(|&i| self.rows.get(i))
    }

    /// The row of endpoint `id`, filtered out or not.
    pub fn row(&self, id: i64) -> Option<&OverviewRow> {
        self.rows.iter().find(|r| r.id == id)
    }

    /// Sorts by `sort`.
    pub fn set_sort(&mut self, sort: Sort) {
        self.sort = sort;
        self.rebuild();
    }

    /// Sorts by the column after (`step` 1) or before (`step` -1) the current one, in its natural direction.
    pub fn cycle_sort(&mut self, step: isize) {
        let n = Column::ALL.len() as isize;
        let next = (self.sort.column.index() as isize + step).rem_euclid(n) as usize;
        let column = Column::ALL.get(next).copied().unwrap_or(Column::Total);
        self.set_sort(Sort { column, descending: column.descending_by_default() });
    }

    /// Inverts the sort direction.
    pub fn invert_sort(&mut self) {
        self.set_sort(Sort { column: self.sort.column, descending: !self.sort.descending });
    }

    /// Shows only endpoints whose name contains `filter` (any case).
    pub fn set_filter(&mut self, filter: &str) {
        if self.filter != filter {
            self.filter = filter.to_string();
            self.rebuild();
        }
    }

    /// Rows one page holds (PgUp/PgDn step, scroll window).
    pub fn set_page(&mut self, rows: usize) {
        self.page = rows;
        self.scroll_to_cursor();
    }

    /// Moves the selection by `delta` rows, stopping at the ends.
    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.select_cursor();
    }

    /// Selects the first row.
    pub fn top(&mut self) {
        self.cursor = 0;
        self.select_cursor();
    }

    /// Selects the last row.
    pub fn bottom(&mut self) {
        self.cursor = self.view.len().saturating_sub(1);
        self.select_cursor();
    }

    /// The rows to draw in a window of `height` rows: the index in the view of the first, and the rows.
    /// The window always contains the selection, whatever page size the model last heard of.
    pub fn visible(&self, height: usize) -> (usize, impl Iterator<Item = &OverviewRow>) {
        let mut offset = self.offset;
        if height > 0 {
            if self.cursor >= offset + height {
                offset = self.cursor + 1 - height;
            }
            offset = offset.min(self.cursor).min(self.view.len().saturating_sub(height));
        }
        let end = (offset + height).min(self.view.len());
        let slice = self.view.get(offset..end).unwrap_or(&[]);
        (offset, slice.iter().filter_map(|&i| self.rows.get(i)))
    }

    fn rebuild(&mut self) {
        let needle = self.filter.to_lowercase();
        let rows = &self.rows;
        let mut view: Vec<usize> = (0..rows.len())
            .filter(|&i| needle.is_empty() || format::sanitize(&rows[i].name).to_lowercase().contains(&needle))
            .collect();
        let sort = self.sort;
        let extras = &self.extras;
        view.sort_by(|&a, &b| compare(sort, &rows[a], &rows[b], extras));
        self.view = view;
        let found = self.selected_id.and_then(|id| self.view.iter().position(|&i| self.rows[i].id == id));
        match found {
            Some(position) => self.cursor = position,
            None => self.cursor = self.cursor.min(self.view.len().saturating_sub(1)),
        }
        // With nothing to show, remember the old selection for when the filter widens again.
        if !self.view.is_empty() {
            self.select_cursor();
        } else {
            self.offset = 0;
        }
    }

    fn select_cursor(&mut self) {
        self.selected_id = self.selected().map(|r| r.id);
        self.scroll_to_cursor();
    }

    fn scroll_to_cursor(&mut self) {
        if self.page == 0 {
            return;
        }
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.page {
            self.offset = self.cursor + 1 - self.page;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(self.page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, total: u64, errors: u64, median: Option<f64>) -> OverviewRow {
        OverviewRow {
            id,
            name: name.to_string(),
            monitor_level: Some(1),
            hits_today: total / 10,
            hits_today_errors: 0,
            hits_week: total / 2,
            hits_week_errors: 0,
            hits_overall: total,
            hits_overall_errors: errors,
            median_today: median,
            median_week: median,
            median_overall: median,
            last_requested: None,
            ..OverviewRow::default()
        }
    }

    fn sample() -> Vec<OverviewRow> {
        vec![
            row(1, "index", 405, 0, Some(0.18)),
            row(2, "user_detail", 443, 9, Some(4.0)),
            row(3, "search", 285, 0, Some(4.7)),
            row(4, "report", 146, 0, Some(17.0)),
            row(5, "upload", 175, 39, Some(0.32)),
            row(6, "idle", 0, 0, None),
        ]
    }

    fn names(t: &OverviewTable) -> Vec<String> {
        t.visible(100).1.map(|r| r.name.clone()).collect()
    }

    fn table() -> OverviewTable {
        let mut t = OverviewTable::default();
        t.set_rows(sample(), Utc::now());
        t
    }

    #[test]
    fn default_sort_is_fmds_busiest_first() {
        assert_eq!(names(&table()), ["user_detail", "index", "search", "upload", "report", "idle"]);
    }

    #[test]
    fn sort_cycles_and_inverts_with_empty_values_last() {
        let mut t = table();
        t.cycle_sort(1); // err%
        assert_eq!(t.sort(), Sort { column: Column::ErrPct, descending: true });
        assert_eq!(names(&t)[..2], ["upload", "user_detail"]);
        assert_eq!(names(&t).last().map(String::as_str), Some("idle"), "no hits: no rate, last");
        t.cycle_sort(1); // p50 today
        assert_eq!(names(&t), ["report", "search", "user_detail", "upload", "index", "idle"]);
        t.invert_sort();
        assert_eq!(names(&t), ["index", "upload", "user_detail", "search", "report", "idle"]);
        t.cycle_sort(-1);
        t.cycle_sort(-1);
        assert_eq!(t.sort().column, Column::Total);
        for _ in 0..4 {
            t.cycle_sort(-1);
        }
        assert_eq!(t.sort(), Sort { column: Column::Endpoint, descending: false });
        assert_eq!(names(&t), ["idle", "index", "report", "search", "upload", "user_detail"]);
        t.cycle_sort(-1);
        assert_eq!(t.sort().column, Column::Trend, "wraps around");
    }

    #[test]
    fn filter_is_a_case_insensitive_substring() {
        let mut t = table();
        t.set_filter("E");
        assert_eq!(names(&t), ["user_detail", "index", "search", "report", "idle"]);
        t.set_filter("ear");
        assert_eq!(names(&t), ["search"]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.total(), 6);
        t.set_filter("nothing");
        assert_eq!(t.len(), 0);
        assert!(t.selected().is_none());
        t.set_filter("");
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn selection_follows_the_endpoint_through_sorts_refreshes_and_filters() {
        let mut t = table();
        t.set_page(3);
        t.move_by(2);
        assert_eq!(t.selected().map(|r| r.name.as_str()), Some("search"));
        t.set_sort(Sort { column: Column::Endpoint, descending: false });
        assert_eq!(t.selected().map(|r| r.id), Some(3));
        assert_eq!(t.cursor(), 3);
        // A refresh with new numbers and a new endpoint keeps the selection on id 3.
        let mut rows = sample();
        rows.push(row(7, "aaa_new", 1, 0, None));
        rows[2].hits_overall = 10_000;
        t.set_rows(rows, Utc::now());
        assert_eq!(t.selected().map(|r| r.id), Some(3));
        assert_eq!(t.cursor(), 4);
        // Filtered out, then back: the filter that hides everything keeps the memory.
        t.set_filter("zzz");
        t.set_filter("");
        assert_eq!(t.selected().map(|r| r.id), Some(3));
        // Filtering it away moves the selection to a visible row.
        t.set_filter("u");
        assert!(t.selected().is_some_and(|r| r.name.contains('u')));
        // The endpoint vanishing from the database keeps the cursor position.
        let mut t = table();
        t.move_by(1);
        let rows: Vec<_> = sample().into_iter().filter(|r| r.id != 1).collect();
        t.set_rows(rows, Utc::now());
        assert_eq!(t.cursor(), 1);
        assert_eq!(t.selected().map(|r| r.name.as_str()), Some("search"));
    }

    #[test]
    fn moves_stop_at_the_ends_and_the_window_follows() {
        let mut t = table();
        t.set_page(2);
        t.move_by(-5);
        assert_eq!(t.cursor(), 0);
        t.move_by(2);
        assert_eq!(t.cursor(), 2);
        assert_eq!(t.visible(2).0, 1);
        t.bottom();
        assert_eq!(t.cursor(), 5);
        assert_eq!(t.visible(2).0, 4);
        assert_eq!(t.visible(2).1.count(), 2);
        t.move_by(isize::MAX);
        assert_eq!(t.cursor(), 5);
        t.move_by(-2);
        assert_eq!(t.cursor(), 3);
        t.top();
        assert_eq!(t.visible(2).0, 0);
        // A window taller than the view shows everything; a zero window shows nothing.
        assert_eq!(t.visible(50).1.count(), 6);
        assert_eq!(t.visible(0).1.count(), 0);
        // An empty table never panics.
        let mut empty = OverviewTable::default();
        empty.move_by(3);
        empty.bottom();
        empty.move_by(-2);
        assert!(empty.selected().is_none());
    }

    #[test]
    fn the_trend_column_sorts_by_the_last_24_hours_and_ids_select() {
        let mut t = OverviewTable::default();
        let trends = HashMap::from([(3, vec![5; 24]), (4, vec![1; 24]), (1, vec![0; 24])]);
        t.set_overview(sample(), trends, HashMap::new(), Utc::now());
        assert_eq!(t.trend(3).map(<[u64]>::len), Some(24));
        assert_eq!(t.trend(6), None);
        t.set_sort(Sort { column: Column::Trend, descending: true });
        assert_eq!(names(&t)[..2], ["search", "report"]);
        assert_eq!(t.widths()[Column::Trend.index()], TREND_WIDTH);
        t.select_id(5);
        assert_eq!((t.selected_id(), t.selected().map(|r| r.name.as_str())), (Some(5), Some("upload")));
        t.set_filter("rep");
        t.select_id(5);
        assert_eq!(t.selected_id(), Some(5), "remembered while filtered out");
        assert!(t.matches("REPORT") && !t.matches("upload"));
    }

    #[test]
    fn the_exceptions_column_sorts_by_groups_with_endpoints_without_any_at_zero() {
        let mut t = OverviewTable::default();
        let exceptions = HashMap::from([(5, 3), (2, 12)]);
        t.set_overview(sample(), HashMap::new(), exceptions, Utc::now());
        assert_eq!((t.exceptions(2), t.exceptions(5), t.exceptions(1)), (12, 3, 0));
        assert_eq!(t.widths()[Column::Exceptions.index()], 2);
        t.set_sort(Sort { column: Column::Trend, descending: true });
        t.cycle_sort(-1);
        assert_eq!(t.sort(), Sort { column: Column::Exceptions, descending: true }, "S from trend");
        assert_eq!(names(&t), ["user_detail", "upload", "idle", "index", "report", "search"], "ties by name");
        t.invert_sort();
        assert_eq!(names(&t)[4..], ["upload".to_string(), "user_detail".to_string()]);
        t.cycle_sort(1);
        assert_eq!(t.sort().column, Column::Trend, "s to trend");
        let cell = |id: i64| t.row(id).map(|r| Column::Exceptions.text(r, t.exceptions(id), t.now()));
        assert_eq!((cell(2).as_deref(), cell(1).as_deref()), (Some("12"), Some("0")));
    }

    #[test]
    fn the_tail_columns_follow_p50_7d_and_sort_by_their_percentiles() {
        let mut rows = sample();
        for (row, p95) in rows.iter_mut().zip([3.0, 9.0, 1.0, 30.0, 2.0]) {
            row.p95_week = Some(p95);
            row.p99_week = Some(100.0 - p95);
        }
        let mut t = OverviewTable::default();
        t.set_rows(rows, Utc::now());
        t.set_sort(Sort { column: Column::P50Week, descending: true });
        t.cycle_sort(1);
        assert_eq!(t.sort(), Sort { column: Column::P95Week, descending: true });
        assert_eq!(names(&t), ["report", "user_detail", "index", "upload", "search", "idle"]);
        t.cycle_sort(1);
        assert_eq!(t.sort().column, Column::P99Week);
        assert_eq!(names(&t), ["search", "upload", "index", "user_detail", "report", "idle"]);
        let cell = |id: i64| t.row(id).map(|r| Column::P95Week.text(r, 0, t.now()));
        assert_eq!((cell(4).as_deref(), cell(6).as_deref()), (Some("30.0 ms"), Some(format::NONE)));
    }

    #[test]
    fn widths_cover_every_cell() {
        let t = table();
        assert_eq!(t.widths()[Column::Endpoint.index()], "user_detail".len());
        assert_eq!(t.widths()[Column::ErrPct.index()], "22.3%".len());
        assert_eq!(t.widths()[Column::P50Today.index()], "17.0 ms".len());
    }
}
