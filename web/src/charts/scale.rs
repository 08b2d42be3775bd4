//! Axes, ticks and colour scales. (to be drawn)
