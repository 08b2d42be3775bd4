//! The dashboard's read queries on PostgreSQL: inherent methods of [`crate::PgStore`] with the names, parameters
//! and answers of `fmd_core::Store`'s, one file per family of views.

mod hours;
mod latency;
mod overview;
mod status;
mod summary;
mod time;
mod versions;
