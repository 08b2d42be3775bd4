//! The `packed` table: every canonical request (FMD's exact time text, the rows of the `hour` table) as a
//! 12-20 byte entry (user, IP and version as numbers of the `dict` table, and the duration), packed per
//! endpoint and UTC hour into blobs of up to [`CAP`] entries. It answers the per-user and per-IP views of any
//! window of hours exactly, including endpoints with thousands of IPs, where `ghour` (the tracked users/IPs
//! only) cannot: a 30-day window of the busiest endpoint of a 10M-request file is ~700 blobs instead of
//! 800 000 requests scattered over the whole table.
//!
//! Entries are appended by refreshes (the last blob of an hour is filled up, then new ones follow), never
//! rewritten, and go with every other summary row on a reset. Reading checks the entries of the hours against
//! the `hour` table's hits, so a missing or damaged blob sends the view back to the requests.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::agg::key_into;
use super::histogram::{get_varint, put_varint};
use super::read::{SummaryView, ODD_LIMIT};
use super::schema::Names;
use crate::store::views::duration_of;

/// The tables' DDL (`{P}` is the prefix): the blobs, and the numbers of the users, IPs and versions.
pub(crate) const DDL: [&str; 2] = [
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_packed" (endpoint INTEGER NOT NULL, hour INTEGER NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (endpoint, hour, seq))"#,
    r#"CREATE TABLE IF NOT EXISTS "{P}fmd_summary_dict" (id INTEGER NOT NULL PRIMARY KEY, key BLOB NOT NULL UNIQUE)"#,
];

/// Entries per blob (about 50 KB), so an append rewrites little and a window reads few rows.
pub(crate) const CAP: usize = 4096;

/// The stored duration of a request without one (`duration_of` gives `None`); never a finite value.
const NO_DURATION: u64 = u64::MAX;

/// One request: user, IP and version numbers (local to an aggregate, or of the `dict` table) and the
/// duration as `duration_of` reads it (its bits; [`NO_DURATION`] for none). 24 bytes, so a span of a million
/// requests stays small in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) user: u32,
    pub(crate) ip: u32,
    pub(crate) version: u32,
    bits: u64,
}

impl Entry {
    /// An entry of these numbers and duration.
    pub(crate) fn new(user: u32, ip: u32, version: u32, duration: Option<f64>) -> Entry {
        Entry { user, ip, version, bits: duration.map_or(NO_DURATION, f64::to_bits) }
    }

    /// The duration.
    pub(crate) fn duration(&self) -> Option<f64> {
        (self.bits != NO_DURATION).then(|| f64::from_bits(self.bits))
    }

    fn encode(&self, out: &mut Vec<u8>) {
        for id in [self.user, self.ip, self.version] {
            put_varint(out, u64::from(id));
        }
        out.extend_from_slice(&self.bits.to_le_bytes());
    }

    /// The entry at the front of `data`, advancing it past the entry; `None` when `data` does not start with
    /// one.
    fn decode(data: &mut &[u8]) -> Option<Entry> {
        let mut number = || get_varint(data).and_then(|v| u32::try_from(v).ok());
        let (user, ip, version) = (number()?, number()?, number()?);
        let (bits, rest) = data.split_first_chunk::<8>()?;
        *data = rest;
        Some(Entry { user, ip, version, bits: u64::from_le_bytes(*bits) })
    }
}

/// Entries per (endpoint, UTC hour).
pub(crate) type EntriesByHour = HashMap<(i64, i64), Vec<Entry>>;

/// The entries of a refresh's span, with their keys numbered locally until they are written.
#[derive(Debug, Default)]
pub(crate) struct PackedAgg {
    ids: HashMap<Vec<u8>, u32>,
    keys: Vec<Vec<u8>>,
    /// Per (endpoint, UTC hour), in rowid order.
    pub(crate) hours: EntriesByHour,
}

impl PackedAgg {
    /// The local number of an encoded key (`None` past 2^32 keys in one span, which cannot happen: a span
    /// has at most a million requests).
    pub(crate) fn id(&mut self, key: &[u8]) -> Option<u32> {
        if let Some(&id) = self.ids.get(key) {
            return Some(id);
        }
        let id = u32::try_from(self.keys.len()).ok()?;
        self.keys.push(key.to_vec());
        self.ids.insert(key.to_vec(), id);
        Some(id)
    }

    /// Adds one request of `endpoint` in `hour` (local numbers).
    pub(crate) fn add(&mut self, endpoint: i64, hour: i64, entry: Entry) {
        self.hours.entry((endpoint, hour)).or_default().push(entry);
    }

    /// The keys in local-number order, and the entries per (endpoint, hour).
    pub(crate) fn into_parts(self) -> (Vec<Vec<u8>>, EntriesByHour) {
        (self.keys, self.hours)
    }
}

/// The `dict` numbers of `keys`, adding the missing ones (in the caller's write transaction).
pub(crate) fn numbers(conn: &Connection, names: &Names, keys: &[Vec<u8>]) -> rusqlite::Result<Vec<i64>> {
    let mut select = conn.prepare_cached(&format!("SELECT id FROM {} WHERE key = ?1", names.dict))?;
    let mut insert = conn.prepare_cached(&format!("INSERT INTO {} (key) VALUES (?1)", names.dict))?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let id: Option<i64> = select.query_row(params![key], |r| r.get(0)).optional()?;
        let id = match id {
            Some(id) => id,
            None => {
                insert.execute(params![key])?;
                conn.last_insert_rowid()
            }
        };
        out.push(id);
    }
    Ok(out)
}

/// Appends `entries` (`dict` numbers) to the blobs of (endpoint, hour): the last one is filled up to [`CAP`],
/// then new ones follow.
pub(crate) fn append(
    conn: &Connection,
    names: &Names,
    endpoint: i64,
    hour: i64,
    entries: &[Entry],
) -> rusqlite::Result<()> {
    let table = &names.packed;
    let last = conn
        .prepare_cached(&format!(
            "SELECT seq, n, data FROM {table} WHERE endpoint = ?1 AND hour = ?2 ORDER BY seq DESC LIMIT 1"
        ))?
        .query_row(params![endpoint, hour], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, Vec<u8>>(2)?)))
        .optional()?;
    let mut rest = entries;
    let mut seq = 0;
    if let Some((last_seq, n, mut data)) = last {
        seq = last_seq.saturating_add(1);
        let room = CAP.saturating_sub(usize::try_from(n).unwrap_or(CAP)).min(rest.len());
        if room > 0 {
            let (head, tail) = rest.split_at(room);
            for e in head {
                e.encode(&mut data);
            }
            conn.prepare_cached(&format!(
                "UPDATE {table} SET n = n + ?4, data = ?5 WHERE endpoint = ?1 AND hour = ?2 AND seq = ?3"
            ))?
            .execute(params![endpoint, hour, last_seq, head.len() as i64, data])?;
            rest = tail;
        }
    }
    let mut insert = conn
        .prepare_cached(&format!("INSERT INTO {table} (endpoint, hour, seq, n, data) VALUES (?1, ?2, ?3, ?4, ?5)"))?;
    let mut data = Vec::new();
    for chunk in rest.chunks(CAP) {
        data.clear();
        for e in chunk {
            e.encode(&mut data);
        }
        insert.execute(params![endpoint, hour, seq, chunk.len() as i64, data])?;
        seq = seq.saturating_add(1);
    }
    Ok(())
}

/// One user's or IP's requests in one version: how many, and every duration `duration_of` reads (no order).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RowCell {
    pub(crate) hits: u64,
    pub(crate) durations: Vec<f64>,
}

/// Per (user or IP key, version key), encoded as the summaries key them.
pub(crate) type RowCells = HashMap<(Vec<u8>, Vec<u8>), RowCell>;

/// Adds `cell` to `into`.
pub(crate) fn merge_cell(into: &mut RowCell, cell: RowCell) {
    into.hits += cell.hits;
    extend_moving(&mut into.durations, cell.durations);
}

/// Appends `values` to `into`, moving them (no copy) when `into` is empty.
pub(crate) fn extend_moving(into: &mut Vec<f64>, values: Vec<f64>) {
    if into.is_empty() {
        *into = values;
    } else {
        into.extend(values);
    }
}

/// Cells by `dict` numbers while blobs are decoded: a dense index by group number (numbers are small and
/// dense), then a short chain of its versions.
#[derive(Default)]
struct Numbered {
    /// Per group number: its first cell + 1 (0: none yet).
    first: Vec<u32>,
    /// (group, version, cell), and the next cell of the same group + 1.
    cells: Vec<(u64, Option<u64>, RowCell)>,
    next: Vec<u32>,
}

impl Numbered {
    /// Groups past this number are not indexed densely (a corrupt number must not allocate gigabytes).
    const DENSE: u64 = 1 << 26;

    /// The index in `cells` of (group, version), added when new.
    fn cell(&mut self, group: u64, version: Option<u64>) -> Option<usize> {
        if group >= Self::DENSE {
            return None;
        }
        let g = usize::try_from(group).ok()?;
        if self.first.len() <= g {
            self.first.resize(g + 1, 0);
        }
        let mut at = *self.first.get(g)?;
        let mut tail = None;
        while at != 0 {
            let i = usize::try_from(at - 1).ok()?;
            if self.cells.get(i)?.1 == version {
                return Some(i);
            }
            tail = Some(i);
            at = *self.next.get(i)?;
        }
        let new = u32::try_from(self.cells.len() + 1).ok()?;
        self.cells.push((group, version, RowCell::default()));
        self.next.push(0);
        match tail {
            Some(i) => *self.next.get_mut(i)? = new,
            None => *self.first.get_mut(g)? = new,
        }
        Some(self.cells.len() - 1)
    }

    /// Every group and version number in use, sorted.
    fn ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self.cells.iter().flat_map(|(g, v, _)| std::iter::once(*g).chain(*v)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

impl SummaryView<'_> {
    /// Every request of `endpoint` with `from <= time_requested` (`< to` when given; every request when `from`
    /// is `None`) per user (col 0) or IP (col 1) key and version key, with every duration, exact: whole hours
    /// from the `packed` table, the rest (partial hours, odd times, rows above the mark) from the requests.
    /// `None` when the view's scope does not cover `endpoint`, when there are too many odd times, when an
    /// upper bound comes without a lower one, or when the blobs do not hold the hour table's requests. Without
    /// `by_version`, every version key is empty (one cell per user/IP); without `durations`, only hits are
    /// counted.
    pub(crate) fn packed_window(
        &self,
        endpoint: i64,
        col: u8,
        by_version: bool,
        durations: bool,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> rusqlite::Result<Option<RowCells>> {
        let column = match col {
            super::agg::USER => "group_by",
            super::agg::IP => "ip",
            _ => return Ok(None),
        };
        if !self.covers(endpoint) || self.odd_rows() > ODD_LIMIT {
            return Ok(None);
        }
        let columns = format!("{column}, version_requested, duration");
        let Some(plan) = self.window_plan(from, to, &columns, Some(endpoint)) else { return Ok(None) };
        let mut out = RowCells::new();
        if let Some((first_hour, end_hour)) = plan.hours {
            let Some(cells) = self.packed_hours(endpoint, col, by_version, durations, first_hour, end_hour)? else {
                return Ok(None);
            };
            out = cells;
        }
        let (mut group, mut version) = (Vec::new(), Vec::new());
        plan.each_row(self.conn(), |r| {
            key_into(r.get_ref(0)?, &mut group);
            if by_version {
                key_into(r.get_ref(1)?, &mut version);
            }
            let cell = out.entry((group.clone(), version.clone())).or_default();
            cell.hits += 1;
            if let (true, Some(d)) = (durations, duration_of(r.get_ref(2)?)) {
                cell.durations.push(d);
            }
            Ok(())
        })?;
        Ok(Some(out))
    }

    /// The entries of hours `first_hour..end_hour` of `endpoint` per (user/IP key, version key, or an empty
    /// version key unless `by_version`); `None` when they are not exactly the hour table's requests or do not
    /// decode.
    fn packed_hours(
        &self,
        endpoint: i64,
        col: u8,
        by_version: bool,
        durations: bool,
        first_hour: i64,
        end_hour: i64,
    ) -> rusqlite::Result<Option<RowCells>> {
        let names = self.names();
        let expected = self.hours_total(endpoint, first_hour, end_hour)?;
        let mut acc = Numbered::default();
        // Durations with their cell, in one run (one allocation instead of thousands of growing vectors), then
        // handed out to the cells.
        let capacity = if durations { usize::try_from(expected).unwrap_or(0).min(1 << 24) } else { 0 };
        let (mut flat_cells, mut flat_values): (Vec<u32>, Vec<f64>) =
            (Vec::with_capacity(capacity), Vec::with_capacity(capacity));
        let mut seen: u64 = 0;
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT n, data FROM {} WHERE endpoint = ?1 AND hour >= ?2 AND hour < ?3",
            names.packed
        ))?;
        let mut rows = stmt.query(params![endpoint, first_hour, end_hour])?;
        while let Some(r) = rows.next()? {
            let n = u64::try_from(r.get::<_, i64>(0)?).unwrap_or(u64::MAX);
            let mut data = r.get_ref(1)?.as_blob().unwrap_or_default();
            let mut count = 0u64;
            while !data.is_empty() {
                let Some(e) = Entry::decode(&mut data) else { return Ok(None) };
                count += 1;
                let group = if col == super::agg::USER { e.user } else { e.ip };
                let version = if by_version { Some(u64::from(e.version)) } else { None };
                let Some(at) = acc.cell(u64::from(group), version) else { return Ok(None) };
                if let Some(cell) = acc.cells.get_mut(at) {
                    cell.2.hits += 1;
                }
                if let (true, Some(d), Ok(at)) = (durations, e.duration(), u32::try_from(at)) {
                    flat_cells.push(at);
                    flat_values.push(d);
                }
            }
            if count != n {
                return Ok(None);
            }
            seen += count;
        }
        if u64::try_from(expected).ok() != Some(seen) {
            return Ok(None);
        }
        let mut sizes = vec![0usize; acc.cells.len()];
        for &at in &flat_cells {
            if let Some(n) = sizes.get_mut(at as usize) {
                *n += 1;
            }
        }
        for (cell, n) in acc.cells.iter_mut().zip(sizes) {
            cell.2.durations.reserve_exact(n);
        }
        for (at, d) in flat_cells.into_iter().zip(flat_values) {
            if let Some(cell) = acc.cells.get_mut(at as usize) {
                cell.2.durations.push(d);
            }
        }
        let Some(keys) = self.dict_keys(acc.ids())? else { return Ok(None) };
        let mut out = RowCells::with_capacity(acc.cells.len());
        for (group, version, cell) in acc.cells {
            let key = |id: Option<u64>| match id {
                None => Some(Vec::new()),
                Some(id) => keys.get(&id).cloned(),
            };
            let (Some(group), Some(version)) = (key(Some(group)), key(version)) else { return Ok(None) };
            merge_cell(out.entry((group, version)).or_default(), cell);
        }
        Ok(Some(out))
    }

    /// The keys of the `dict` numbers `ids` (sorted), read in one pass over their range; `None` when one is
    /// missing.
    fn dict_keys(&self, ids: Vec<u64>) -> rusqlite::Result<Option<HashMap<u64, Vec<u8>>>> {
        let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) else { return Ok(Some(HashMap::new())) };
        let (Ok(lo), Ok(hi)) = (i64::try_from(lo), i64::try_from(hi)) else { return Ok(None) };
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("SELECT id, key FROM {} WHERE id >= ?1 AND id <= ?2", self.names().dict))?;
        let mut rows = stmt.query(params![lo, hi])?;
        let mut out = HashMap::with_capacity(ids.len());
        let mut wanted = ids.iter().peekable();
        while let Some(r) = rows.next()? {
            let id = u64::try_from(r.get::<_, i64>(0)?).unwrap_or(u64::MAX);
            while wanted.next_if(|&&w| w < id).is_some() {}
            if wanted.next_if(|&&w| w == id).is_some() {
                out.insert(id, r.get_ref(1)?.as_blob().unwrap_or_default().to_vec());
            }
        }
        Ok((out.len() == ids.len()).then_some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_with_and_without_durations() {
        let list = [
            Entry::new(0, 1, 2, Some(12.5)),
            Entry::new(300, 70_000, u32::MAX, None),
            Entry::new(5, 5, 5, Some(-0.0)),
            Entry::new(1, 2, 3, Some(f64::MAX)),
        ];
        let mut data = Vec::new();
        for e in &list {
            e.encode(&mut data);
        }
        let mut rest = data.as_slice();
        for e in &list {
            let got = Entry::decode(&mut rest).expect("decodes");
            assert_eq!(got, *e);
            assert_eq!(got.duration().map(f64::to_bits), e.duration().map(f64::to_bits));
        }
        assert!(rest.is_empty());
        assert_eq!(list[1].duration(), None);
    }

    #[test]
    fn a_cut_entry_does_not_decode() {
        let mut data = Vec::new();
        Entry::new(200, 1, 1, Some(1.0)).encode(&mut data);
        for cut in 0..data.len() {
            assert!(Entry::decode(&mut &data[..cut]).is_none(), "cut at {cut}");
        }
        assert!(get_varint(&mut &[0x80u8; 11][..]).is_none());
        // A number past 32 bits is not one fmd wrote.
        let mut big = Vec::new();
        put_varint(&mut big, u64::from(u32::MAX) + 1);
        big.extend_from_slice(&[1, 1]);
        big.extend_from_slice(&0f64.to_bits().to_le_bytes());
        assert!(Entry::decode(&mut big.as_slice()).is_none());
    }
}
