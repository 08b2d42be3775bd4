//! What the request path hands to the writer: one measured request, without any string formatting.

use std::net::IpAddr;
use std::sync::Arc;

use crate::endpoints::EndpointState;
use crate::exceptions::RawException;
use crate::outlier::CapturedOutlier;
use crate::profile::QueuedProfile;

/// One measured request (levels 1-3), queued for the writer.
#[derive(Debug)]
pub(crate) struct Record {
    /// The endpoint it was recorded under (the writer resolves the database id).
    pub(crate) endpoint: Arc<EndpointState>,
    /// Ticks (see [`crate::clock`]) when the handler's response future resolved.
    pub(crate) end_ticks: u64,
    /// Handler time in nanoseconds.
    pub(crate) duration_nanos: u64,
    /// HTTP status code (500 when the inner service returned an error or panicked).
    pub(crate) status: u16,
    /// Client address, if known.
    pub(crate) ip: Option<IpAddr>,
    /// The group-by closure's value; `None` is stored as `"None"`.
    pub(crate) group_by: Option<String>,
    /// Outlier and exceptions, when there are any (boxed: most requests have none).
    pub(crate) incidents: Option<Box<Incidents>>,
}

/// What happened to a request besides its timing.
#[derive(Debug, Default)]
pub(crate) struct Incidents {
    /// The Outlier row's texts, when the watcher caught it running past its threshold.
    pub(crate) outlier: Option<CapturedOutlier>,
    /// Panics and captured errors, in order.
    pub(crate) exceptions: Vec<RawException>,
    /// A level 3 request's watch, whose samples the writer turns into StackLine rows.
    pub(crate) profile: Option<QueuedProfile>,
}

impl Record {
    /// Handler time in milliseconds, as stored in `Request.duration`.
    pub(crate) fn duration_ms(&self) -> f64 {
        self.duration_nanos as f64 / 1_000_000.0
    }

    /// The incidents, created when missing.
    pub(crate) fn incidents_mut(&mut self) -> &mut Incidents {
        self.incidents.get_or_insert_with(Box::default)
    }
}
