//! Heatmaps with a legend. (to be drawn)
