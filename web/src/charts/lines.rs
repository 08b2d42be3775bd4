//! Lines over time. (to be drawn)
