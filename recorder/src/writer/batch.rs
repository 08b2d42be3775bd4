//! Turning the retry buffer, the endpoints' `last_requested` times and the counters into `WriteBatch`es.

use std::sync::Arc;

use fmd_core::store::{NewOutlier, NewProfile, NewRequest, RecorderCounters, WriteBatch};
use fmd_core::StoreError;

use super::sink::Sink;
use super::{Writer, MAX_BATCH};
use crate::client_ip::format_ip;
use crate::clock::{wall_micros_now, WallAnchor};
use crate::closures::GROUP_BY_NONE;
use crate::counters::Counters;
use crate::endpoints::EndpointState;
use crate::exceptions::to_new_exception;
use crate::profile::tree::stack_lines;

/// Longest group-by value or address text whose buffer a reused batch keeps.
const REUSED_TEXT_MAX: usize = 256;

/// Most transactions per cycle, so level polls and shutdown requests are not starved by a backlog.
const MAX_ROUNDS: usize = 8;

/// The database id of an endpoint, creating its row (with the endpoint's current level) when needed.
fn resolve(store: &dyn Sink, endpoint: &EndpointState, version: &str) -> Result<i64, StoreError> {
    if let Some(id) = endpoint.id() {
        return Ok(id);
    }
    let row = store.ensure_endpoint(endpoint.name(), endpoint.level(), version, wall_micros_now())?;
    endpoint.set_id(Some(row.id));
    if let Some(level) = row.level {
        endpoint.set_level(level);
    }
    Ok(row.id)
}

/// `(recorded, dropped, failed)`, with `extra_recorded` rows about to be committed.
fn counter_values(counters: &Counters, extra_recorded: u64) -> (u64, u64, u64) {
    (
        Counters::get(&counters.recorded) + extra_recorded,
        Counters::get(&counters.dropped),
        Counters::get(&counters.failed),
    )
}

impl Writer {
    /// True while something is not in the database yet: buffered records, newer `last_requested` times,
    /// endpoints without a row, or changed (non-zero) counters.
    pub(super) fn dirty(&self) -> bool {
        if !self.pending.is_empty() {
            return true;
        }
        let counters = counter_values(&self.counters, 0);
        if counters != (0, 0, 0) && self.persisted != Some(counters) {
            return true;
        }
        self.endpoints
            .snapshot()
            .values()
            .any(|e| e.last_requested() > e.last_flushed() || e.id().is_none() && e.needs_row())
    }

    /// Writes the retry buffer in transactions of at most [`MAX_BATCH`] rows, each with the pending
    /// `last_requested` updates and the counters. Stops at the first error (nothing of that batch is lost:
    /// it stays buffered).
    pub(super) fn flush(&mut self) -> Result<(), StoreError> {
        for _ in 0..MAX_ROUNDS {
            let Some(store) = self.db.sink() else {
                return Ok(());
            };
            let version = self.settings.version.as_str();
            let anchor = WallAnchor::now(&self.clock);
            let take = self.pending.len().min(MAX_BATCH);
            // The previous batch, emptied: its request rows are overwritten in place, so their strings'
            // buffers are reused instead of two allocations and frees per row.
            let mut batch = std::mem::take(&mut self.scratch);
            batch.requests.append(&mut self.spare_rows);
            batch.version.clear();
            batch.version.push_str(version);
            batch.last_requested.clear();
            batch.outliers.clear();
            batch.exceptions.clear();
            batch.profiles.clear();
            batch.endpoint_names.clear();
            batch.counters = None;
            // Rows of this batch so far (`batch.requests` may hold more, left from a bigger batch).
            let mut rows = 0;
            // Longest text copied into a row: a batch that held long ones is not kept for reuse.
            let mut longest = 0;
            // The last address formatted: most rows of a batch come from few clients (formatting one costs
            // ~1,500 instructions, a copy ~100).
            let mut last_ip: Option<(Option<std::net::IpAddr>, String)> = None;
            for record in self.pending.iter().take(take) {
                if let Some(incidents) = &record.incidents {
                    let position = rows;
                    if let Some(o) = &incidents.outlier {
                        batch.outliers.push(NewOutlier {
                            request: position,
                            request_header: o.request_header.clone(),
                            request_environment: o.request_environment.clone(),
                            request_url: o.request_url.clone(),
                            cpu_percent: o.cpu_percent.clone(),
                            memory: o.memory.clone(),
                            stacktrace: o.stacktrace.clone(),
                        });
                    }
                    batch.exceptions.extend(incidents.exceptions.iter().map(|e| to_new_exception(e, position)));
                    if let Some(profile) = incidents.profile.as_ref().and_then(|queued| queued.watch.profile.as_ref()) {
                        let samples = profile.with_samples(|samples| samples.clone());
                        let lines = stack_lines(&samples, record.endpoint.name(), record.duration_ms());
                        if !lines.is_empty() {
                            batch.profiles.push(NewProfile { request: position, lines });
                        }
                    }
                }
                let endpoint_id = resolve(store, &record.endpoint, version)?;
                if batch.endpoint_names.last().is_none_or(|(id, _)| *id != endpoint_id) {
                    batch.endpoint_names.push((endpoint_id, record.endpoint.shared_name()));
                }
                let ip = match &last_ip {
                    Some((ip, text)) if *ip == record.ip => text.as_str(),
                    _ => last_ip.insert((record.ip, format_ip(record.ip))).1.as_str(),
                };
                let group_by = record.group_by.as_deref().unwrap_or(GROUP_BY_NONE);
                longest = longest.max(group_by.len()).max(ip.len());
                let duration_ms = record.duration_ms();
                let time_micros = anchor.micros_at(record.end_ticks);
                match batch.requests.get_mut(rows) {
                    Some(row) => {
                        row.endpoint_id = endpoint_id;
                        row.duration_ms = duration_ms;
                        row.time_micros = time_micros;
                        row.group_by.clear();
                        row.group_by.push_str(group_by);
                        row.ip.clear();
                        row.ip.push_str(ip);
                        row.status_code = record.status;
                    }
                    None => batch.requests.push(NewRequest {
                        endpoint_id,
                        duration_ms,
                        time_micros,
                        group_by: group_by.to_string(),
                        ip: ip.to_string(),
                        status_code: record.status,
                    }),
                }
                rows += 1;
            }
            // Rows beyond this batch wait for a bigger one (at most MAX_BATCH rows are kept in all).
            self.spare_rows.extend(batch.requests.drain(rows..));
            let mut touched: Vec<(Arc<EndpointState>, u64)> = Vec::new();
            for endpoint in self.endpoints.snapshot().values() {
                if endpoint.id().is_none() && endpoint.needs_row() {
                    resolve(store, endpoint, version)?;
                }
                let last = endpoint.last_requested();
                if last > endpoint.last_flushed() {
                    let id = resolve(store, endpoint, version)?;
                    batch.last_requested.push((id, anchor.micros_at(last)));
                    batch.endpoint_names.push((id, endpoint.shared_name()));
                    touched.push((Arc::clone(endpoint), last));
                }
            }
            let counters = counter_values(&self.counters, take as u64);
            if take == 0 && touched.is_empty() && (self.persisted == Some(counters) || counters == (0, 0, 0)) {
                self.scratch = batch;
                return Ok(());
            }
            let identity = &self.settings.identity;
            batch.counters = Some(RecorderCounters {
                recorder_id: identity.recorder_id.clone(),
                host: identity.host.clone(),
                pid: identity.pid,
                started_micros: identity.started_micros,
                recorded: counters.0,
                dropped: counters.1,
                failed: counters.2,
            });
            let written = store.write_cached(&batch, &mut self.code_lines);
            if written.is_ok() && self.settings.log_requests {
                for (record, row) in self.pending.iter().zip(&batch.requests) {
                    tracing::debug!(
                        endpoint = record.endpoint.name(),
                        duration_ms = row.duration_ms,
                        status = row.status_code,
                        ip = %row.ip,
                        group_by = %row.group_by,
                        "fmd recorder: request recorded"
                    );
                }
            }
            self.keep_for_reuse(batch, longest);
            match written {
                Ok(()) => {}
                Err(StoreError::EndpointsGone { ids, .. }) => {
                    // Deleted or merged away by a console since they were resolved: nothing was written.
                    // The next round resolves them again (re-creating their rows) and rebuilds the batch.
                    tracing::debug!("fmd recorder: endpoint ids {ids:?} were deleted meanwhile; creating them again");
                    for endpoint in self.endpoints.snapshot().values() {
                        if endpoint.id().is_some_and(|id| ids.binary_search(&id).is_ok()) {
                            endpoint.set_id(None);
                        }
                    }
                    continue;
                }
                Err(e) => return Err(e),
            }

            self.persisted = Some(counters);
            Counters::add(&self.counters.recorded, take as u64);
            for (endpoint, last) in touched {
                endpoint.set_last_flushed(last);
            }
            self.pending.drain(..take);
            self.batch_sizes.add(take);
            self.note_buffered();
            if self.pending.is_empty() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Keeps `batch` for the next round's rows, unless it held texts longer than [`REUSED_TEXT_MAX`]
    /// (their buffers would stay allocated; a batch of short ones keeps at most [`MAX_BATCH`] rows of
    /// small strings, tens of bytes each).
    fn keep_for_reuse(&mut self, batch: WriteBatch, longest: usize) {
        if longest <= REUSED_TEXT_MAX {
            self.scratch = batch;
        } else {
            self.scratch = WriteBatch::default();
            self.spare_rows = Vec::new();
        }
    }
}
