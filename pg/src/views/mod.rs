//! The dashboard's read views on PostgreSQL: inherent methods of [`crate::PgStore`] with the names, parameters
//! and answers of `fmd_core::Store`'s, one file per family of views, so the storage seam delegates to either
//! backend.

pub(crate) mod bind;
mod endpoints;
mod graphs;
mod groups;
mod hours;
mod incidents;
mod latency;
mod overview;
mod profiler;
mod requests;
mod status;
mod summary;
mod versions;
