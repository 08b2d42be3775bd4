//! `/{link}/latency`: the median and 95th percentile of every endpoint's durations per time bucket of the
//! window (hours for a day or two, longer buckets for longer windows), as two lines with round axis ticks in
//! the page's zone; the worst bucket named; the numbers per bucket below (collapsed).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::dashboard::{ViewData, ViewKind};
use fmd_core::store::views::{LatencyBucket, LatencySeries};
use maud::{html, Markup};

use super::{requests, Page};
use crate::auth::Viewer;
use crate::charts::lines::{self, LineChart, Point, Series};
use crate::charts::scale::ms_label;
use crate::pages::format::{count, ms};
use crate::pages::{frame, limits, PageError, View};
use crate::params::PageQuery;
use crate::state::AppState;

/// `GET /{link}/latency`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let view = View::of(&state, &query)?;
    let data = view.ask(&state, ViewKind::DashLatency, None, limits(0, 0), None).await?;
    let ViewData::Latency(series) = &*data else {
        return Err(PageError::NotFound("the latency view has no answer".into()));
    };
    let page = Page { state: &state, viewer: &viewer, query: &query, view };
    let content = html! {
        h1 { "Latency · " (page.phrase(false)) }
        (chart(series, page.view.zone, &page.phrase(false)))
    };
    Ok(page.render("latency", "Latency", true, content))
}

/// The p50/p95 chart of `series` with its summary and numbers (an endpoint's Latency tab draws the same).
pub fn chart(series: &LatencySeries, zone: Tz, phrase: &str) -> Markup {
    let total: u64 = series.buckets.iter().map(|b| b.count).sum();
    let (Some(first), Some(last)) = (series.buckets.first(), series.buckets.last()) else {
        return frame::empty(&format!(
            "No requests in this window, {phrase}: the chart fills in as monitored services record requests."
        ));
    };
    if total == 0 {
        return frame::empty(&format!("No requests with a duration in this window, {phrase}."));
    }
    let width = series.buckets.iter().map(|b| (b.end - b.start).num_seconds()).max().unwrap_or(0);
    let worst = series
        .buckets
        .iter()
        .filter(|b| b.p95.is_some())
        .max_by(|a, b| a.p95.unwrap_or(0.0).total_cmp(&b.p95.unwrap_or(0.0)));
    let line = |name: &str, class: &'static str, value: fn(&LatencyBucket) -> Option<f64>| Series {
        name: name.to_string(),
        class,
        points: series
            .buckets
            .iter()
            .map(|b| Point {
                at: middle(b),
                value: value(b),
                title: format!("{} · {name} {} · {}", span(b, zone), ms(value(b)), requests(b.count)),
            })
            .collect(),
    };
    let lines = [line("p50", "l-p50", |b| b.p50), line("p95", "l-p95", |b| b.p95)];
    let label = format!("Median and 95th percentile per {} bucket, {phrase}", bucket_words(width));
    let chart = LineChart {
        label: &label,
        from: first.start,
        to: last.end,
        zone,
        series: &lines,
        y_label: ms_label,
        size: (900.0, 280.0),
    };
    html! {
        p.muted {
            "per " (bucket_words(width)) " · " (requests(total))
            @if let Some(w) = worst { " · worst p95 " (ms(w.p95)) " at " (span(w, zone)) }
        }
        div.chart { (lines::draw(&chart)) }
        (lines::legend(&lines))
        details {
            summary { "the numbers" }
            table.data.numbers {
                thead { tr { th { "bucket (" (zone.name()) ")" } th.num { "requests" } th.num { "p50" } th.num { "p95" } } }
                tbody {
                    @for b in series.buckets.iter().rev() {
                        tr { td { (span(b, zone)) } td.num { (count(b.count)) } td.num { (ms(b.p50)) } td.num { (ms(b.p95)) } }
                    }
                }
            }
        }
    }
}

fn middle(b: &LatencyBucket) -> DateTime<Utc> {
    b.start + (b.end - b.start) / 2
}

/// `Fri 27 Nov 12:00–18:00` in `zone` (the end's day too when it differs).
fn span(b: &LatencyBucket, zone: Tz) -> String {
    let (from, to) = (b.start.with_timezone(&zone), b.end.with_timezone(&zone));
    if from.date_naive() == to.date_naive()
        || to.time() == chrono::NaiveTime::MIN && to - from <= chrono::Duration::days(1)
    {
        format!("{}–{}", from.format("%a %d %b %H:%M"), to.format("%H:%M"))
    } else {
        format!("{}–{}", from.format("%a %d %b %H:%M"), to.format("%a %d %b %H:%M"))
    }
}

/// A bucket width in words: `10 min`, `6 h`, `day`, `7 days`.
fn bucket_words(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{} min", (s / 60).max(1)),
        s if s < 86_400 => format!("{} h", s / 3600),
        86_400 => "day".to_string(),
        s => format!("{} days", s / 86_400),
    }
}
