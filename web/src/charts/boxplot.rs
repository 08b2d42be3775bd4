//! Box plots of durations on one shared axis: [`scale_for`] fits the axis to every row's whiskers (log when
//! they span decades), [`plot`] draws one row (whiskers to the furthest durations within 1.5 IQR, the box from
//! p25 to p75, a bar at the median, dots for the minimum and maximum beyond the whiskers) as a small SVG that
//! sits in a table cell beside the row's numbers, and [`axis`] draws the shared axis under or above them.

use fmd_core::store::DurationSummary;
use maud::{html, Markup};

use super::scale::{ms_label, px, spans_decades, Scale};

/// Height of one plot row.
pub const ROW: f64 = 22.0;
/// Height of the axis.
const AXIS: f64 = 18.0;
/// Room kept at both ends so end labels and dots are not cut.
const PAD: f64 = 14.0;

/// The axis shared by `summaries` in plots `width` pixels wide: from the smallest lower whisker (or the
/// smallest positive quartile when that is zero and the axis is logarithmic) to the largest upper whisker.
pub fn scale_for<'a>(summaries: impl Iterator<Item = &'a DurationSummary>, width: f64) -> Option<Scale> {
    let mut low: Option<f64> = None;
    let mut positive: Option<f64> = None;
    let mut high: Option<f64> = None;
    for s in summaries {
        low = Some(low.map_or(s.whisker_low, |l| l.min(s.whisker_low)));
        high = Some(high.map_or(s.whisker_high, |h| h.max(s.whisker_high)));
        if let Some(p) = [s.whisker_low, s.p25, s.p50, s.p75].into_iter().find(|v| *v > 0.0) {
            positive = Some(positive.map_or(p, |q| q.min(p)));
        }
    }
    let (low, high) = (low?, high?);
    let (from, to) = (PAD, (width - PAD).max(PAD + 1.0));
    Some(match positive {
        Some(p) if spans_decades(p, high) => Scale::log(p, high, from, to),
        _ => Scale::linear(low.min(0.0), high, from, to),
    })
}

/// One row's box plot on `scale`, `width` pixels wide, `title` its tooltip.
pub fn plot(scale: &Scale, s: &DurationSummary, width: f64, title: &str) -> Markup {
    let mid = ROW / 2.0;
    let (wl, q1, med, q3, wh) =
        (scale.px(s.whisker_low), scale.px(s.p25), scale.px(s.p50), scale.px(s.p75), scale.px(s.whisker_high));
    let dots: Vec<f64> = [(s.min, s.min < s.whisker_low), (s.max, s.max > s.whisker_high)]
        .into_iter()
        .filter(|(_, beyond)| *beyond)
        .map(|(v, _)| scale.px(v))
        .collect();
    html! {
        svg.box width=(px(width)) height=(px(ROW)) viewBox={ "0 0 " (px(width)) " " (px(ROW)) } role="img" aria-label=(title) {
            @for tick in scale.ticks() { line.grid x1=(px(scale.px(tick))) x2=(px(scale.px(tick))) y1="0" y2=(px(ROW)) {} }
            g {
                title { (title) }
                line.whisker x1=(px(wl)) x2=(px(q1)) y1=(px(mid)) y2=(px(mid)) {}
                line.whisker x1=(px(q3)) x2=(px(wh)) y1=(px(mid)) y2=(px(mid)) {}
                line.whisker x1=(px(wl)) x2=(px(wl)) y1=(px(mid - 4.0)) y2=(px(mid + 4.0)) {}
                line.whisker x1=(px(wh)) x2=(px(wh)) y1=(px(mid - 4.0)) y2=(px(mid + 4.0)) {}
                rect.iqr x=(px(q1)) y=(px(mid - 6.0)) width=(px((q3 - q1).max(1.0))) height="12" {}
                line.median x1=(px(med)) x2=(px(med)) y1=(px(mid - 7.0)) y2=(px(mid + 7.0)) {}
                @for x in dots { circle.beyond cx=(px(x)) cy=(px(mid)) r="2" {} }
            }
        }
    }
}

/// The shared axis of `scale`, `width` pixels wide: ticks in ms, and whether it is logarithmic.
pub fn axis(scale: &Scale, width: f64) -> Markup {
    html! {
        svg.box-axis width=(px(width)) height=(px(AXIS)) viewBox={ "0 0 " (px(width)) " " (px(AXIS)) }
            role="img" aria-label={ "duration axis" @if scale.is_log() { " (log scale)" } } {
            @for tick in scale.ticks() {
                text x=(px(scale.px(tick))) y="13" text-anchor="middle" { (ms_label(tick)) }
            }
        }
    }
}

/// The tooltip of a row: `user_detail · p25 2.94 ms · p50 4.02 ms · p75 5.88 ms · p95 11.6 ms · 443 requests`.
pub fn title(label: &str, s: &DurationSummary) -> String {
    use crate::pages::format::{count, ms};
    format!(
        "{label} · min {} · p25 {} · median {} · p75 {} · p95 {} · max {} · {} requests",
        ms(Some(s.min)),
        ms(Some(s.p25)),
        ms(Some(s.p50)),
        ms(Some(s.p75)),
        ms(Some(s.p95)),
        ms(Some(s.max)),
        count(s.count)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(values: &[f64]) -> DurationSummary {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        DurationSummary::from_sorted(&v).expect("values")
    }

    #[test]
    fn a_shared_axis_goes_log_when_rows_span_decades() {
        let fast = summary(&[0.08, 0.15, 0.18, 0.21, 0.26]);
        let slow = summary(&[12.0, 14.0, 17.0, 21.0, 34.0, 57.0]);
        let scale = scale_for([&fast, &slow].into_iter(), 400.0).expect("a scale");
        assert!(scale.is_log());
        let near = scale_for([&slow].into_iter(), 400.0).expect("a scale");
        assert!(!near.is_log());
        assert!(scale_for(std::iter::empty(), 400.0).is_none());
    }

    #[test]
    fn a_plot_draws_box_whiskers_median_and_a_title() {
        let s = summary(&[1.0, 2.0, 3.0, 4.0, 5.0, 40.0]);
        let scale = scale_for([&s].into_iter(), 300.0).expect("a scale");
        let svg = plot(&scale, &s, 300.0, &title("<b>search</b>", &s)).into_string();
        assert!(svg.contains(r#"class="iqr""#) && svg.contains(r#"class="median""#));
        assert!(svg.contains(r#"class="beyond""#), "40 lies beyond the upper whisker: {svg}");
        assert!(svg.contains("&lt;b&gt;search&lt;/b&gt; · min 1.00 ms"), "{svg}");
        let axis = axis(&scale, 300.0).into_string();
        assert!(axis.contains(" ms</text>"), "{axis}");
    }
}
