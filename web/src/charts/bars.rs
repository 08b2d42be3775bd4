//! Horizontal stacked bars. (to be drawn)
