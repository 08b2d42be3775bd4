//! A sparkline: requests per hour as small bars (the overview's 24 h trend).

use maud::{html, Markup};

/// Bars of `values` (oldest first) in a `width` x `height` box; `label` names one value in its tooltip
/// (`label(i, v)`).
pub fn sparkline(values: &[u64], width: u32, height: u32, label: impl Fn(usize, u64) -> String) -> Markup {
    let most = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(1) as f64;
    let step = f64::from(width) / n;
    let h = f64::from(height);
    html! {
        svg.spark width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } role="img"
            aria-label={ "requests per hour, most " (most as u64) } {
            @for (i, v) in values.iter().enumerate() {
                @let bar = if *v == 0 { 0.0 } else { (*v as f64 / most * (h - 1.0)).max(1.0) };
                rect x=(format!("{:.1}", i as f64 * step)) y=(format!("{:.1}", h - bar))
                    width=(format!("{:.1}", (step - 1.0).max(1.0))) height=(format!("{bar:.1}")) {
                    title { (label(i, *v)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tallest_bar_fills_the_box_and_empty_hours_have_none() {
        let svg = sparkline(&[0, 5, 10], 30, 11, |i, v| format!("hour {i}: {v}")).into_string();
        assert!(svg.contains(r#"height="10.0""#), "{svg}");
        assert!(svg.contains(r#"height="0.0""#), "{svg}");
        assert!(svg.contains("<title>hour 2: 10</title>"), "{svg}");
    }
}
