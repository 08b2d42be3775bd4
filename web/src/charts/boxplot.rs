//! Box plots on a shared axis. (to be drawn)
