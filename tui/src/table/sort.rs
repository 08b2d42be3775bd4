//! The overview's sort: the column and direction, and the order of two rows under it.

use std::cmp::Ordering;

use fmd_core::store::OverviewRow;

use super::{Column, Extras};

/// The sort column and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// Sorted on.
    pub column: Column,
    /// Biggest first.
    pub descending: bool,
}

impl Default for Sort {
    /// FMD's order: most hits overall first.
    fn default() -> Sort {
        Sort { column: Column::Total, descending: true }
    }
}

fn by_name(a: &OverviewRow, b: &OverviewRow) -> Ordering {
    a.name.chars().flat_map(char::to_lowercase).cmp(b.name.chars().flat_map(char::to_lowercase))
}

/// Orders two rows; rows without a value (no requests) come last in both directions, ties go by name, id.
pub(super) fn compare(sort: Sort, a: &OverviewRow, b: &OverviewRow, extras: &Extras) -> Ordering {
    let direct = |o: Ordering| if sort.descending { o.reverse() } else { o };
    let number =
        |column: Column, row: &OverviewRow| column.number(row, extras.trend(row.id), extras.exceptions(row.id));
    let primary = match sort.column {
        Column::Endpoint => direct(by_name(a, b)),
        column => match (number(column, a), number(column, b)) {
            (Some(x), Some(y)) => direct(x.total_cmp(&y)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    };
    primary.then_with(|| by_name(a, b)).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id))
}
