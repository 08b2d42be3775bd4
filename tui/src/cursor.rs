//! The cursor of a tab's list or grid (row, column, scroll offset) and the one rule every list uses to decide
//! which rows are visible: the stored offset is kept when it still shows the cursor, else moved just enough.

/// A list or grid position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Selected row (heatmap: day, newest first; lists: row).
    pub row: usize,
    /// Selected column (heatmap: hour) or first column shown (tables scrolled sideways).
    pub col: usize,
    /// First row shown, a hint kept between frames (see [`visible_start`]).
    pub offset: usize,
}

impl Cursor {
    /// Moves the row by `delta` within `len` rows (`isize::MIN` / `isize::MAX`: first / last) and keeps the
    /// offset showing it in a window of `page` rows.
    pub fn move_row(&mut self, delta: isize, len: usize, page: usize) {
        let last = len.saturating_sub(1);
        self.row = match delta {
            isize::MIN => 0,
            isize::MAX => last,
            d => self.row.saturating_add_signed(d).min(last),
        };
        self.offset = visible_start(self.offset, self.row, page, len);
    }

    /// Moves the column by `delta` within `len` columns.
    pub fn move_col(&mut self, delta: isize, len: usize) {
        self.col = self.col.saturating_add_signed(delta).min(len.saturating_sub(1));
    }
}

/// The first of `height` visible rows out of `len`, starting from the hint `offset` and moved as little as
/// needed to show row `cursor` (and never leaving empty rows at the end when there is more above).
pub fn visible_start(offset: usize, cursor: usize, height: usize, len: usize) -> usize {
    if height == 0 || len == 0 {
        return 0;
    }
    let cursor = cursor.min(len - 1);
    let mut start = offset;
    if cursor < start {
        start = cursor;
    } else if cursor >= start + height {
        start = cursor + 1 - height;
    }
    start.min(len.saturating_sub(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_cursor_and_fills_the_page() {
        assert_eq!(visible_start(0, 0, 5, 20), 0);
        assert_eq!(visible_start(0, 4, 5, 20), 0);
        assert_eq!(visible_start(0, 5, 5, 20), 1);
        assert_eq!(visible_start(10, 12, 5, 20), 10, "kept while the cursor is inside");
        assert_eq!(visible_start(10, 3, 5, 20), 3);
        assert_eq!(visible_start(18, 19, 5, 20), 15, "no empty rows at the end");
        assert_eq!(visible_start(3, 2, 5, 4), 0, "everything fits");
        assert_eq!(visible_start(7, 99, 5, 20), 15, "a cursor past the end counts as the last row");
        assert_eq!(visible_start(7, 3, 0, 20), 0);
        assert_eq!(visible_start(7, 3, 5, 0), 0);
    }

    #[test]
    fn moves_stop_at_the_ends() {
        let mut c = Cursor::default();
        c.move_row(3, 10, 4);
        assert_eq!((c.row, c.offset), (3, 0));
        c.move_row(3, 10, 4);
        assert_eq!((c.row, c.offset), (6, 3));
        c.move_row(isize::MAX, 10, 4);
        assert_eq!((c.row, c.offset), (9, 6));
        c.move_row(isize::MIN, 10, 4);
        assert_eq!((c.row, c.offset), (0, 0));
        c.move_row(-1, 10, 4);
        assert_eq!(c.row, 0);
        c.move_row(5, 0, 4);
        assert_eq!(c.row, 0, "empty list");
        c.move_col(30, 24);
        assert_eq!(c.col, 23);
        c.move_col(-50, 24);
        assert_eq!(c.col, 0);
    }
}
