//! The dashboard layer: every view of every front-end (the console, `fmd show`, the web dashboard) is one call
//! of [`answer`] with a typed [`ViewRequest`] (which view, endpoint, window, zone, clock, limits), answered with
//! a typed, `Serialize` [`ViewData`]. Which store queries a view runs, how composite views are put together
//! (outliers = count + rows + mean; exceptions = groups + stacks; the report distilled to its evidence), the
//! windows and days they cover and the row limits live here and nowhere else.
//!
//! * [`window`]: the time window ([`Window`]) and the report's comparison ([`Compare`]).
//! * [`key`]: what a view is ([`ViewKind`], [`ViewKey`], the Requests filter as a `Copy` [`RequestsKey`]).
//! * [`answer`](mod@answer): what views answer ([`ViewData`] and the composite answers).
//! * [`query`]: [`answer`], the one function, and the [`Limits`] front-ends choose.
//! * [`source`]: [`ViewSource`], what the layer reads from a backend (SQLite's `Store`, PostgreSQL's `PgStore`).
//! * [`report`]: the report's view (which endpoints changed), from [`crate::report`].
//! * [`housekeeping`]: delete, merge and prune, previewed and applied the same way by every front-end.
//! * [`icicle`]: the grouped profiler's icicle layout (frames sized by time share), for every front-end.
//!
//! Adding a view: one [`ViewKind`] variant, its query in [`query`], its [`ViewData`] variant, its renderers.

pub mod answer;
pub mod housekeeping;
pub mod icicle;
pub mod info;
pub mod key;
mod overview;
pub mod query;
pub mod report;
pub mod source;
pub mod window;

pub use answer::{
    DashStatus, ExceptionEntry, GraphValues, NamedStatus, OutlierView, Overview, ProfilerView, VersionsView, ViewData,
};
pub use housekeeping::{Housekeeping, PRUNE_AGES};
pub use key::{RequestsKey, ViewKey, ViewKind};
pub use query::{answer, DashboardError, Limits, ViewRequest};
pub use report::{ReportRow, ReportView, GROWN_POINTS};
pub use source::ViewSource;
pub use window::{Compare, Window};
