//! The icicle / flame view of the grouped profiler. (to be drawn)
