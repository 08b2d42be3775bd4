//! Lines over time (latency p50/p95 per bucket, custom graphs): a y axis from zero (or the lowest value when
//! negative) with round ticks, an x axis with ticks at round local times of the page's zone, one `<path>` per
//! series (broken where a bucket is empty) and one dot per point with a `<title>`, so hovering reads it.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};

use super::scale::{px, tick_label, Scale};

/// Room for the y labels.
const LEFT: f64 = 56.0;
/// Room for the x labels.
const BOTTOM: f64 = 22.0;
/// Room above and to the right.
const PAD: f64 = 10.0;
/// X ticks a chart aims at.
const X_TICKS: i64 = 8;

/// One point of a series.
#[derive(Debug, Clone)]
pub struct Point {
    /// When.
    pub at: DateTime<Utc>,
    /// The value (`None`: a gap).
    pub value: Option<f64>,
    /// Its tooltip.
    pub title: String,
}

/// One line.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name (the legend).
    pub name: String,
    /// Its CSS class (`l-p50`, `l-p95`, `l-value`): stroke and fill come from the stylesheet.
    pub class: &'static str,
    /// Its points, oldest first.
    pub points: Vec<Point>,
}

/// A chart to draw.
pub struct LineChart<'a> {
    /// What it shows (the SVG's accessible name).
    pub label: &'a str,
    /// The x axis' start and end.
    pub from: DateTime<Utc>,
    /// The end.
    pub to: DateTime<Utc>,
    /// The zone of the x labels.
    pub zone: Tz,
    /// The lines.
    pub series: &'a [Series],
    /// The y values' text (`ms_label`, `tick_label`).
    pub y_label: fn(f64) -> String,
    /// Size in pixels.
    pub size: (f64, f64),
}

/// The chart as inline SVG.
pub fn draw(chart: &LineChart<'_>) -> Markup {
    let (width, height) = chart.size;
    let values = chart.series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.value));
    let (low, high) = values.fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    let y = Scale::linear(low, high, height - BOTTOM, PAD);
    let (from, to) =
        if chart.to > chart.from { (chart.from, chart.to) } else { (chart.from, chart.from + Duration::hours(1)) };
    let span = (to - from).num_milliseconds() as f64;
    let x =
        |t: DateTime<Utc>| LEFT + ((t - from).num_milliseconds() as f64 / span).clamp(0.0, 1.0) * (width - LEFT - PAD);
    let ticks = time_ticks(from, to, chart.zone);
    html! {
        svg.lines width=(px(width)) height=(px(height)) viewBox={ "0 0 " (px(width)) " " (px(height)) } role="img" aria-label=(chart.label) {
            @for tick in y.ticks() {
                @let py = y.px(tick);
                line.grid x1=(px(LEFT)) x2=(px(width - PAD)) y1=(px(py)) y2=(px(py)) {}
                text x=(px(LEFT - 6.0)) y=(px(py + 4.0)) text-anchor="end" { ((chart.y_label)(tick)) }
            }
            @for (t, text) in &ticks {
                @let px_t = x(*t);
                line.grid x1=(px(px_t)) x2=(px(px_t)) y1=(px(PAD)) y2=(px(height - BOTTOM)) {}
                text x=(px(px_t)) y=(px(height - 6.0)) text-anchor="middle" { (text) }
            }
            line.axis x1=(px(LEFT)) x2=(px(width - PAD)) y1=(px(y.px(0.0))) y2=(px(y.px(0.0))) {}
            @for series in chart.series {
                g class=(series.class) {
                    path d=(path(&series.points, &x, &y)) {}
                    @for point in &series.points {
                        @if let Some(v) = point.value {
                            circle cx=(px(x(point.at))) cy=(px(y.px(v))) r="2.5" { title { (point.title) } }
                        }
                    }
                }
            }
        }
    }
}

/// The path of `points`: lines between neighbours, a new start after a gap.
fn path(points: &[Point], x: &dyn Fn(DateTime<Utc>) -> f64, y: &Scale) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for p in points {
        match p.value {
            Some(v) => {
                d.push_str(if pen_down { " L" } else { " M" });
                d.push_str(&format!("{} {}", px(x(p.at)), px(y.px(v))));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d.trim_start().to_string()
}

/// The legend of `series`: a short line of each one's colour and its name.
pub fn legend(series: &[Series]) -> Markup {
    html! {
        p.legend {
            @for s in series {
                span.key {
                    svg.swatch width="18" height="12" viewBox="0 0 18 12" aria-hidden="true" {
                        g class=(s.class) { path d="M1 6 L17 6" {} }
                    }
                    " " (s.name)
                }
            }
        }
    }
}

/// Steps between x ticks, seconds.
const STEPS: [i64; 17] = [
    60,
    5 * 60,
    10 * 60,
    15 * 60,
    30 * 60,
    3600,
    2 * 3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
    91 * 86_400,
    365 * 86_400,
];

/// Ticks at round local times of `zone` between `from` and `to` (about eight at most), with their text: `14:00`,
/// `Fri 27 Nov 12:00`, `27 Nov`, `Nov 2026`.
pub fn time_ticks(from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> Vec<(DateTime<Utc>, String)> {
    let span = (to - from).num_seconds().max(1);
    let step = STEPS.iter().copied().find(|s| span / s <= X_TICKS).unwrap_or(365 * 86_400);
    let start = from.with_timezone(&zone).naive_local();
    let mut ticks = Vec::new();
    let mut at = first_round(start, step);
    while ticks.len() < 40 {
        let Some(t) = zone.from_local_datetime(&at).earliest().map(|t| t.with_timezone(&Utc)) else {
            at += Duration::seconds(step.min(3600));
            continue;
        };
        if t > to {
            break;
        }
        if t >= from {
            ticks.push((t, tick_text(at, step, span)));
        }
        at += Duration::seconds(step);
        if step >= 86_400 {
            // Whole local days: back to midnight after a DST change moved the naive sum.
            at = at.date().and_hms_opt(0, 0, 0).unwrap_or(at);
        }
    }
    ticks
}

/// The first round local time at or after `start` for ticks `step` seconds apart.
fn first_round(start: NaiveDateTime, step: i64) -> NaiveDateTime {
    if step < 86_400 {
        let secs = i64::from(start.num_seconds_from_midnight());
        let midnight = start.date().and_hms_opt(0, 0, 0).unwrap_or(start);
        let next = (secs + step - 1) / step * step;
        midnight + Duration::seconds(next)
    } else {
        let day = if start.time() == chrono::NaiveTime::MIN { start.date() } else { start.date() + Duration::days(1) };
        day.and_hms_opt(0, 0, 0).unwrap_or(start)
    }
}

fn tick_text(at: NaiveDateTime, step: i64, span: i64) -> String {
    if step >= 91 * 86_400 {
        at.format("%b %Y").to_string()
    } else if step >= 86_400 {
        at.format("%d %b").to_string()
    } else if span <= 86_400 {
        at.format("%H:%M").to_string()
    } else {
        at.format("%a %d %H:%M").to_string()
    }
}

/// A point's value in a tooltip (`48.2`, `12k`).
pub fn value_text(v: f64) -> String {
    tick_label(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn time_ticks_fall_on_round_local_times() {
        let ticks = time_ticks(t("2026-11-20T22:56:55Z"), t("2026-11-27T22:56:55Z"), chrono_tz::UTC);
        assert!(ticks.len() >= 3 && ticks.len() <= 7, "{ticks:?}");
        assert!(ticks.iter().all(|(t, _)| t.format("%H:%M:%S").to_string() == "00:00:00"), "{ticks:?}");
        let day = time_ticks(t("2026-11-26T22:56:55Z"), t("2026-11-27T22:56:55Z"), chrono_tz::Europe::Amsterdam);
        assert!(day.iter().all(|(_, text)| text.ends_with(":00")), "{day:?}");
        assert!(day.iter().all(|(t, _)| t.format("%M:%S").to_string() == "00:00"), "{day:?}");
        let first = day.first().expect("a tick");
        assert_eq!((first.0, first.1.as_str()), (t("2026-11-26T23:00:00Z"), "00:00"), "Amsterdam's midnight: {day:?}");
    }

    #[test]
    fn lines_break_at_gaps_and_every_point_has_a_title() {
        let p = |at: &str, v: Option<f64>| Point { at: t(at), value: v, title: format!("<i>{v:?}</i>") };
        let series = [Series {
            name: "p50".into(),
            class: "l-p50",
            points: vec![
                p("2026-11-27T10:00:00Z", Some(1.0)),
                p("2026-11-27T11:00:00Z", None),
                p("2026-11-27T12:00:00Z", Some(3.0)),
                p("2026-11-27T13:00:00Z", Some(2.0)),
            ],
        }];
        let svg = draw(&LineChart {
            label: "latency",
            from: t("2026-11-27T10:00:00Z"),
            to: t("2026-11-27T13:00:00Z"),
            zone: chrono_tz::UTC,
            series: &series,
            y_label: super::super::scale::ms_label,
            size: (600.0, 200.0),
        })
        .into_string();
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("</title></circle>").count(), 3);
        assert_eq!(svg.matches(" M").count() + usize::from(svg.contains("d=\"M")), 2, "two runs: {svg}");
        assert!(svg.contains("&lt;i&gt;Some(3.0)&lt;/i&gt;"), "{svg}");
        assert!(svg.contains(">3 ms</text>"), "round y ticks: {svg}");
    }
}
