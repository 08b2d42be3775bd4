//! The dashboard's read views on PostgreSQL: inherent methods of [`crate::PgStore`] with the names, parameters
//! and answers of `fmd_core::Store`'s (see each file), so the storage trait can delegate to either backend.

mod bind;
mod graphs;
mod groups;
mod incidents;
mod profiler;
mod requests;
