//! How a profiled code line reads on screen: the dashboard layer's reading ([`fmd_core::stored::code`]),
//! shared with the web's profiler pages.

pub use fmd_core::stored::code::{detail, label, location};
