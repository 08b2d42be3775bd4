//! The report's sides from fmd's summary tables (see the module docs of [`crate::report`] for when and what
//! changes): one check of the summaries gives the endpoints' order, each side's per-endpoint counts, status
//! codes and duration histograms, and for a large side the quantile sample that replaces the time-spread one.

use std::collections::HashMap;

use super::{Selection, SideData};
use crate::store::summary::histogram::Durations;
use crate::store::summary::{Scope, Side, NO_ENDPOINT};
use crate::store::Store;

/// How one side is read.
pub(super) enum SidePlan {
    /// From the summaries (a large side): status codes exact, the sample by rank.
    Summary(SideData),
    /// From the requests, as before; for an interval the summaries predict the per-endpoint counts of usable
    /// durations, so the pass samples as it goes (`None`: no prediction).
    Direct(Option<HashMap<i64, u64>>),
}

/// What the summaries contribute to a report.
pub(super) struct Plan {
    /// Requests per endpoint over all time (the endpoints' order), when the summaries can answer.
    pub(super) hits: Option<HashMap<i64, u64>>,
    /// The comparison side, then the baseline side.
    pub(super) sides: [SidePlan; 2],
}

/// A side is read from the requests while it holds at most `exact_window_rows / SIDE_COST` requests: reading a
/// side costs about this many times more per request than a view's exact window (every row of the side is read
/// in `(time_requested, id)` order, and a report has two sides), so the same time budget covers this fraction
/// of the rows (125 000 by default, about 60-80 ms per side on 10M requests; today vs yesterday on 10M, two
/// sides of ~330 000, took 0.33 s when read).
pub(super) const SIDE_COST: u64 = 4;

/// Decides how each side is read; reads the summarized ones. A side is summarized when the summaries can answer
/// for it, approximate percentiles are allowed ([`crate::store::SummaryPolicy::approximate`]) and it holds more
/// than [`crate::store::SummaryPolicy::exact_window_rows`] / [`SIDE_COST`] requests (all endpoints together).
pub(super) fn plan(
    store: &Store,
    comparison: &Selection,
    baseline: &Selection,
    sample_size: usize,
) -> rusqlite::Result<Plan> {
    let direct = || Plan { hits: None, sides: [SidePlan::Direct(None), SidePlan::Direct(None)] };
    let Some(view) = store.summary_view(Scope::All, false)? else { return Ok(direct()) };
    let Some(versions) = view.versions(None, false)? else { return Ok(direct()) };
    let mut hits: HashMap<i64, u64> = HashMap::new();
    for (e, _, v) in versions {
        if e != NO_ENDPOINT {
            *hits.entry(e).or_default() += v.hits;
        }
    }
    let policy = view.policy();
    let side_plan = |selection: &Selection| -> rusqlite::Result<SidePlan> {
        let side = match selection {
            Selection::Interval { interval } => view.report_interval(interval.from, interval.to)?,
            Selection::Version { version } => view.report_version(version)?,
        };
        let Some(side) = side else { return Ok(SidePlan::Direct(None)) };
        let total: u64 = side.values().map(|s| s.hits).sum();
        if policy.approximate && total > policy.exact_window_rows / SIDE_COST {
            return Ok(SidePlan::Summary(side_data(side, sample_size)));
        }
        Ok(SidePlan::Direct(match selection {
            Selection::Interval { .. } => Some(side.iter().map(|(e, s)| (*e, s.durations.count())).collect()),
            Selection::Version { .. } => None,
        }))
    };
    let sides = [side_plan(comparison)?, side_plan(baseline)?];
    Ok(Plan { hits: Some(hits), sides })
}

/// A summarized side as the report's side data: exact status codes and counts, the quantile sample and the
/// side's own (histogram) median.
fn side_data(side: Side, sample_size: usize) -> SideData {
    let mut data = SideData::default();
    for (e, s) in side {
        data.counts.insert(e, s.durations.count());
        data.samples.insert(e, quantile_sample(&s.durations, sample_size));
        data.medians.insert(e, s.durations.approx_median());
        data.status.insert(e, s.status);
    }
    data
}

/// The durations at `m = min(n, size)` evenly spaced ranks `floor((i + 1/2) * n / m)`, `i = 0..m` (every rank
/// when `n <= size`), ascending; each the midpoint of its histogram bucket (within 0.39 %), the smallest and
/// largest exact.
pub(super) fn quantile_sample(durations: &Durations, size: usize) -> Vec<f64> {
    let n = u128::from(durations.count());
    let m = n.min(size as u128);
    (0..m).filter_map(|i| u64::try_from((2 * i + 1) * n / (2 * m)).ok().and_then(|k| durations.approx_at(k))).collect()
}
