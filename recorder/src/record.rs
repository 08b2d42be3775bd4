//! What the request path hands to the writer: one measured request, without any string formatting.

use std::net::IpAddr;
use std::sync::Arc;

use crate::endpoints::EndpointState;

/// One measured request (levels 1-3), queued for the writer.
#[derive(Debug)]
pub(crate) struct Record {
    /// The endpoint it was recorded under (the writer resolves the database id).
    pub(crate) endpoint: Arc<EndpointState>,
    /// Ticks (see [`crate::clock`]) when the handler's response future resolved.
    pub(crate) end_ticks: u64,
    /// Handler time in nanoseconds.
    pub(crate) duration_nanos: u64,
    /// HTTP status code (500 when the inner service returned an error).
    pub(crate) status: u16,
    /// Client address, if known.
    pub(crate) ip: Option<IpAddr>,
    /// The group-by closure's value; `None` is stored as `"None"`.
    pub(crate) group_by: Option<String>,
}

impl Record {
    /// Handler time in milliseconds, as stored in `Request.duration`.
    pub(crate) fn duration_ms(&self) -> f64 {
        self.duration_nanos as f64 / 1_000_000.0
    }
}
