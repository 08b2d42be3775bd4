//! Text bars: horizontal bars in eighths of a cell (`█████▍`) and sparklines (`▁▂▅▇▆▃`).

/// Partial blocks, one to seven eighths of a cell wide.
const EIGHTHS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/// Sparkline heights, one to eight eighths of a cell tall.
const HEIGHTS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A bar `value / max` of `width` cells long, in eighths; a positive value always shows at least `▏`.
pub fn hbar(value: f64, max: f64, width: usize) -> String {
    if !(value > 0.0 && max > 0.0) || width == 0 {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * (width * 8) as f64).round().max(1.0) as usize;
    let mut bar = "█".repeat(eighths / 8);
    if let Some(part) = (eighths % 8).checked_sub(1).and_then(|i| EIGHTHS.get(i)) {
        bar.push(*part);
    }
    bar
}

/// `values` drawn in `width` cells (consecutive values summed into a cell when there are more values than
/// cells), scaled to the largest cell; empty cells are blank, any request shows at least `▁`.
pub fn sparkline(values: &[u64], width: usize) -> String {
    if width == 0 || values.is_empty() {
        return String::new();
    }
    let per = values.len().div_ceil(width).max(1);
    let cells: Vec<u64> = values.chunks(per).map(|c| c.iter().sum()).collect();
    let max = cells.iter().copied().max().unwrap_or(0);
    cells
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                ' '
            } else {
                let level = ((v as f64 / max as f64) * 8.0).ceil() as usize;
                HEIGHTS.get(level.clamp(1, 8) - 1).copied().unwrap_or('█')
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_measured_in_eighths() {
        assert_eq!(hbar(10.0, 10.0, 4), "████");
        assert_eq!(hbar(5.0, 10.0, 4), "██");
        assert_eq!(hbar(1.0, 3.0, 4), "█▍", "4/3 cells = 10.67 eighths, 11 rounded");
        assert_eq!(hbar(0.001, 10.0, 4), "▏", "something is never nothing");
        assert_eq!(hbar(0.0, 10.0, 4), "");
        assert_eq!(hbar(20.0, 10.0, 4), "████", "capped at the width");
        assert_eq!(hbar(1.0, 0.0, 4), "");
        assert_eq!(hbar(f64::NAN, 1.0, 4), "");
        assert_eq!(hbar(1.0, 1.0, 0), "");
    }

    #[test]
    fn sparklines_scale_to_their_peak_and_sum_neighbours() {
        assert_eq!(sparkline(&[0, 1, 2, 4], 4), " ▂▄█");
        assert_eq!(sparkline(&[1, 1, 0, 0, 2, 2], 3), "▄ █");
        assert_eq!(sparkline(&[0, 0], 2), "  ");
        assert_eq!(sparkline(&[5; 24], 12).chars().count(), 12);
        assert_eq!(sparkline(&[1, 100], 2), "▁█", "one request still shows");
        assert_eq!(sparkline(&[], 5), "");
    }
}
