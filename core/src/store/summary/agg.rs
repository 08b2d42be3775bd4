//! Aggregating request rows in memory: what a refresh writes into the summary tables, and what a view adds on
//! top of them for the requests written since the last refresh.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{Value, ValueRef};

use super::histogram::{usable, Durations};
use crate::store::views::{duration_of, int_of, is_fmd_shape, text_of, Earliest};

/// The endpoint key of rows whose `endpoint_id` is not an integer (NULL, text, fractional).
pub(crate) const NO_ENDPOINT: i64 = i64::MIN;

/// `fmd_summary_group.col` of `Request.group_by`.
pub(crate) const USER: u8 = 0;
/// `fmd_summary_group.col` of `Request.ip`.
pub(crate) const IP: u8 = 1;

/// The Request columns an aggregate reads, in [`Agg::add`]'s order.
pub(crate) const ROW_COLUMNS: &str =
    "rowid, endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code";

/// Kind tags that start an encoded text key (version, user, IP).
const KIND_NULL: u8 = 0;
const KIND_TEXT: u8 = 1;
const KIND_BLOB: u8 = 2;
const KIND_INTEGER: u8 = 3;
const KIND_REAL: u8 = 4;

/// Encodes a text column's value as a key: a kind tag (so `'1'`, `X'31'` and NULL stay apart, as SQL's
/// `DISTINCT` keeps them) followed by the bytes the views show.
pub(crate) fn key_into(value: ValueRef<'_>, out: &mut Vec<u8>) {
    out.clear();
    match value {
        ValueRef::Null => out.push(KIND_NULL),
        ValueRef::Text(b) => {
            out.push(KIND_TEXT);
            out.extend_from_slice(b);
        }
        ValueRef::Blob(b) => {
            out.push(KIND_BLOB);
            out.extend_from_slice(b);
        }
        ValueRef::Integer(_) => {
            out.push(KIND_INTEGER);
            out.extend_from_slice(text_of(value).as_bytes());
        }
        ValueRef::Real(_) => {
            out.push(KIND_REAL);
            out.extend_from_slice(text_of(value).as_bytes());
        }
    }
}

/// The text a view shows for an encoded key (lossy UTF-8; NULL reads as empty).
pub(crate) fn key_name(key: &[u8]) -> String {
    String::from_utf8_lossy(key.get(1..).unwrap_or_default()).into_owned()
}

/// True when the key is of a NULL value (which SQL's `count(DISTINCT …)` does not count).
pub(crate) fn key_is_null(key: &[u8]) -> bool {
    matches!(key.first(), None | Some(&KIND_NULL))
}

/// True for status codes 400-599 as SQL's `status_code >= 400 AND status_code < 600` decides.
pub(crate) fn is_error(status: ValueRef<'_>) -> bool {
    match status {
        ValueRef::Integer(i) => (400..600).contains(&i),
        ValueRef::Real(f) => (400.0..600.0).contains(&f),
        _ => false,
    }
}

/// An owned SQL value (not NULL) compared in SQLite's order: numbers, then text (bytewise), then blobs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlVal {
    /// INTEGER.
    Int(i64),
    /// REAL.
    Real(f64),
    /// TEXT bytes.
    Text(Vec<u8>),
    /// BLOB bytes.
    Blob(Vec<u8>),
}

impl SqlVal {
    /// `None` for NULL.
    pub(crate) fn of(value: ValueRef<'_>) -> Option<SqlVal> {
        match value {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(SqlVal::Int(i)),
            ValueRef::Real(f) => Some(SqlVal::Real(f)),
            ValueRef::Text(b) => Some(SqlVal::Text(b.to_vec())),
            ValueRef::Blob(b) => Some(SqlVal::Blob(b.to_vec())),
        }
    }

    /// As a value to bind.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            SqlVal::Int(i) => Value::Integer(*i),
            SqlVal::Real(f) => Value::Real(*f),
            SqlVal::Text(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
            SqlVal::Blob(b) => Value::Blob(b.clone()),
        }
    }

    /// As a value reference (for [`crate::store::views::time_of`]).
    pub(crate) fn as_ref(&self) -> ValueRef<'_> {
        match self {
            SqlVal::Int(i) => ValueRef::Integer(*i),
            SqlVal::Real(f) => ValueRef::Real(*f),
            SqlVal::Text(b) => ValueRef::Text(b),
            SqlVal::Blob(b) => ValueRef::Blob(b),
        }
    }
}

/// SQLite's ordering of two non-NULL values under the BINARY collation.
fn sql_cmp(a: ValueRef<'_>, b: ValueRef<'_>) -> Ordering {
    fn class(v: ValueRef<'_>) -> u8 {
        match v {
            ValueRef::Null => 0,
            ValueRef::Integer(_) | ValueRef::Real(_) => 1,
            ValueRef::Text(_) => 2,
            ValueRef::Blob(_) => 3,
        }
    }
    match (a, b) {
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x.cmp(&y),
        (ValueRef::Integer(x), ValueRef::Real(y)) => (x as f64).total_cmp(&y),
        (ValueRef::Real(x), ValueRef::Integer(y)) => x.total_cmp(&(y as f64)),
        (ValueRef::Real(x), ValueRef::Real(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (ValueRef::Text(x), ValueRef::Text(y)) | (ValueRef::Blob(x), ValueRef::Blob(y)) => x.cmp(y),
        _ => class(a).cmp(&class(b)),
    }
}

/// Keeps the SQL `min()` of the values seen.
pub(crate) fn keep_min(slot: &mut Option<SqlVal>, value: ValueRef<'_>) {
    if matches!(value, ValueRef::Null) {
        return;
    }
    if !matches!(slot, Some(cur) if sql_cmp(value, cur.as_ref()) != Ordering::Less) {
        *slot = SqlVal::of(value);
    }
}

/// Keeps the SQL `max()` of the values seen.
pub(crate) fn keep_max(slot: &mut Option<SqlVal>, value: ValueRef<'_>) {
    if matches!(value, ValueRef::Null) {
        return;
    }
    if !matches!(slot, Some(cur) if sql_cmp(value, cur.as_ref()) != Ordering::Greater) {
        *slot = SqlVal::of(value);
    }
}

/// One endpoint and version.
#[derive(Debug, Clone, Default)]
pub(crate) struct VersionAgg {
    /// Requests.
    pub(crate) hits: u64,
    /// Of those, status 400-599.
    pub(crate) errors: u64,
    /// Usable durations.
    pub(crate) durations: Durations,
    /// Earliest `time_requested` of the rows added one by one (the views' rule).
    pub(crate) earliest: Earliest,
    /// Earliest instant merged in from stored summaries.
    pub(crate) first: Option<DateTime<Utc>>,
    /// SQL `min(time_requested)`.
    pub(crate) tmin: Option<SqlVal>,
    /// SQL `max(time_requested)`.
    pub(crate) tmax: Option<SqlVal>,
}

impl VersionAgg {
    /// First use: the earliest readable `time_requested`.
    pub(crate) fn first_use(&self) -> Option<DateTime<Utc>> {
        match (self.first, self.earliest.get()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Adds another aggregate of the same endpoint and version.
    pub(crate) fn merge(&mut self, other: &VersionAgg) {
        self.hits += other.hits;
        self.errors += other.errors;
        self.durations.merge(&other.durations);
        self.first = match (self.first_use(), other.first_use()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.earliest = Earliest::default();
        if let Some(v) = &other.tmin {
            keep_min(&mut self.tmin, v.as_ref());
        }
        if let Some(v) = &other.tmax {
            keep_max(&mut self.tmax, v.as_ref());
        }
    }
}

/// One endpoint and UTC hour.
#[derive(Debug, Clone, Default)]
pub(crate) struct HourAgg {
    /// Requests.
    pub(crate) hits: u64,
    /// Of those, status 400-599.
    pub(crate) errors: u64,
    /// Usable durations.
    pub(crate) durations: Durations,
}

impl HourAgg {
    /// Adds another aggregate of the same hour.
    pub(crate) fn merge(&mut self, other: &HourAgg) {
        self.hits += other.hits;
        self.errors += other.errors;
        self.durations.merge(&other.durations);
    }
}

/// One endpoint, user (or IP) and version.
#[derive(Debug, Clone, Default)]
pub(crate) struct CellAgg {
    /// Requests.
    pub(crate) hits: u64,
    /// Usable durations.
    pub(crate) durations: Durations,
}

impl CellAgg {
    /// Adds another aggregate of the same cell.
    pub(crate) fn merge(&mut self, other: &CellAgg) {
        self.hits += other.hits;
        self.durations.merge(&other.durations);
    }
}

/// A status code as the views key it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Code {
    /// An integral code.
    Int(i64),
    /// Anything else, as text.
    Text(String),
}

impl Code {
    fn of(value: ValueRef<'_>) -> Option<Code> {
        match value {
            ValueRef::Null => None,
            v => Some(int_of(v).map_or_else(|| Code::Text(text_of(v)), Code::Int)),
        }
    }

    /// The text key (`"404"`).
    pub(crate) fn text(&self) -> String {
        match self {
            Code::Int(i) => i.to_string(),
            Code::Text(t) => t.clone(),
        }
    }
}

/// Everything about one endpoint's rows.
#[derive(Debug, Default)]
pub(crate) struct EndpointAgg {
    /// Per version key.
    pub(crate) versions: Vec<(Vec<u8>, VersionAgg)>,
    last_version: usize,
    /// Per UTC hour (rows with FMD's exact time text).
    pub(crate) hours: HashMap<i64, HourAgg>,
    /// Per UTC hour and index into `versions` (rows with FMD's exact time text).
    pub(crate) vhours: HashMap<(i64, usize), HourAgg>,
    /// Per status code.
    pub(crate) codes: Vec<(Code, u64)>,
    /// Per user (`[USER]`) and per IP (`[IP]`).
    pub(crate) groups: [HashMap<Vec<u8>, u64>; 2],
    /// Per `[col] + group key`, then per version key.
    pub(crate) cells: HashMap<Vec<u8>, Vec<(Vec<u8>, CellAgg)>>,
    /// Per tracked `[col] + group key`, UTC hour and version key (refreshes only; see `ghour.rs`).
    pub(crate) ghours: super::ghour::GHours,
}

impl EndpointAgg {
    /// Requests of this endpoint.
    pub(crate) fn hits(&self) -> u64 {
        self.versions.iter().map(|(_, v)| v.hits).sum()
    }

    /// The version aggregate for `key`, created when missing.
    pub(crate) fn version_mut(&mut self, key: &[u8]) -> &mut VersionAgg {
        let index = match self.versions.get(self.last_version) {
            Some((k, _)) if k.as_slice() == key => self.last_version,
            _ => match self.versions.iter().position(|(k, _)| k.as_slice() == key) {
                Some(i) => i,
                None => {
                    self.versions.push((key.to_vec(), VersionAgg::default()));
                    self.versions.len() - 1
                }
            },
        };
        self.last_version = index;
        // `index` is in bounds: found above or just pushed.
        &mut self.versions[index].1
    }

    /// Adds `n` requests with status `code`.
    pub(crate) fn add_code(&mut self, code: Code, n: u64) {
        match self.codes.iter_mut().find(|(c, _)| *c == code) {
            Some((_, count)) => *count += n,
            None => self.codes.push((code, n)),
        }
    }

    /// The cell aggregate of `[col] + group` and `version`, created when missing.
    pub(crate) fn cell_mut(&mut self, col_group: &[u8], version: &[u8]) -> Option<&mut CellAgg> {
        if !self.cells.contains_key(col_group) {
            self.cells.insert(col_group.to_vec(), Vec::new());
        }
        let list = self.cells.get_mut(col_group)?;
        let index = match list.iter().position(|(k, _)| k.as_slice() == version) {
            Some(i) => i,
            None => {
                list.push((version.to_vec(), CellAgg::default()));
                list.len() - 1
            }
        };
        list.get_mut(index).map(|(_, c)| c)
    }
}

/// Which users and IPs get per-version cells.
#[derive(Debug, Clone, Default)]
pub(crate) enum CellMode {
    /// None.
    #[default]
    Off,
    /// Every one (for a view's delta).
    All,
    /// Those listed per endpoint as `[col] + group key`.
    Tracked(HashMap<i64, HashSet<Vec<u8>>>),
}

/// Rows aggregated in memory.
#[derive(Debug, Default)]
pub(crate) struct Agg {
    /// Per endpoint key ([`NO_ENDPOINT`] for rows without a usable endpoint id).
    pub(crate) endpoints: HashMap<i64, EndpointAgg>,
    /// Ids of rows whose time is not FMD's exact text.
    pub(crate) odd: Vec<i64>,
    /// Rows added.
    pub(crate) rows: u64,
    /// Largest rowid added.
    pub(crate) last_rowid: Option<i64>,
    /// Which cells to keep.
    pub(crate) cells: CellMode,
    /// Per endpoint, hour, version and status code (the `vcode` table).
    pub(crate) vcodes: super::vcode::VcodeAgg,
    /// Every canonical request's user, IP, version and duration (the `packed` table; refreshes only).
    pub(crate) packed: Option<super::packed::PackedAgg>,
    hour_cache: HourCache,
    version_key: Vec<u8>,
    group_key: Vec<u8>,
    cell_key: Vec<u8>,
}

impl Agg {
    /// An empty aggregate keeping cells per `cells`.
    pub(crate) fn new(cells: CellMode) -> Agg {
        Agg { cells, ..Agg::default() }
    }

    /// An empty aggregate that also packs every canonical request (see `packed.rs`).
    pub(crate) fn packing(cells: CellMode) -> Agg {
        Agg { cells, packed: Some(super::packed::PackedAgg::default()), ..Agg::default() }
    }

    /// Adds one row selected with [`ROW_COLUMNS`].
    pub(crate) fn add(&mut self, r: &rusqlite::Row<'_>) -> rusqlite::Result<()> {
        let rowid: i64 = r.get(0)?;
        let endpoint = int_of(r.get_ref(1)?).unwrap_or(NO_ENDPOINT);
        let duration = duration_of(r.get_ref(2)?).filter(|d| usable(*d));
        let time = r.get_ref(3)?;
        let status = r.get_ref(7)?;
        self.rows += 1;
        self.last_rowid = Some(self.last_rowid.map_or(rowid, |l| l.max(rowid)));
        let hour = self.hour_of(time);
        if hour.is_none() {
            self.odd.push(rowid);
        }
        let error = is_error(status);
        key_into(r.get_ref(4)?, &mut self.version_key);
        self.vcodes.add(endpoint, hour, &self.version_key, status);
        let e = self.endpoints.entry(endpoint).or_default();

        let v = e.version_mut(&self.version_key);
        v.hits += 1;
        v.errors += u64::from(error);
        if let Some(d) = duration {
            v.durations.add(d);
        }
        v.earliest.see(time);
        keep_min(&mut v.tmin, time);
        keep_max(&mut v.tmax, time);

        if let Some(hour) = hour {
            let version = e.last_version;
            for h in [e.hours.entry(hour).or_default(), e.vhours.entry((hour, version)).or_default()] {
                h.hits += 1;
                h.errors += u64::from(error);
                if let Some(d) = duration {
                    h.durations.add(d);
                }
            }
        }

        if let Some(code) = Code::of(status) {
            e.add_code(code, 1);
        }

        let mut numbers = [Some(0u32); 2];
        for (col, index) in [(USER, 5), (IP, 6)] {
            key_into(r.get_ref(index)?, &mut self.group_key);
            if let (Some(packed), Some(_)) = (&mut self.packed, hour) {
                numbers[usize::from(col)] = packed.id(&self.group_key);
            }
            let map = &mut e.groups[usize::from(col)];
            match map.get_mut(self.group_key.as_slice()) {
                Some(n) => *n += 1,
                None => {
                    map.insert(self.group_key.clone(), 1);
                }
            }
            if matches!(self.cells, CellMode::Off) {
                continue;
            }
            self.cell_key.clear();
            self.cell_key.push(col);
            self.cell_key.extend_from_slice(&self.group_key);
            let wanted = match &self.cells {
                CellMode::Off => false,
                CellMode::All => true,
                CellMode::Tracked(tracked) => {
                    tracked.get(&endpoint).is_some_and(|set| set.contains(self.cell_key.as_slice()))
                }
            };
            if wanted {
                if let Some(cell) = e.cell_mut(&self.cell_key, &self.version_key) {
                    cell.hits += 1;
                    if let Some(d) = duration {
                        cell.durations.add(d);
                    }
                }
                if let (Some(hour), CellMode::Tracked(_)) = (hour, &self.cells) {
                    super::ghour::add(&mut e.ghours, &self.cell_key, hour, &self.version_key, duration);
                }
            }
        }
        if let (Some(packed), Some(hour)) = (&mut self.packed, hour) {
            if let ([Some(user), Some(ip)], Some(version)) = (numbers, packed.id(&self.version_key)) {
                packed.add(endpoint, hour, super::packed::Entry::new(user, ip, version, duration_of(r.get_ref(2)?)));
            }
        }
        Ok(())
    }

    /// The UTC hour (hours since the epoch) of FMD's exact time text; `None` for anything else, including
    /// impossible dates and times.
    fn hour_of(&mut self, time: ValueRef<'_>) -> Option<i64> {
        fmd_hour(time, &mut self.hour_cache)
    }

    /// Requests of `endpoint`.
    pub(crate) fn hits_of(&self, endpoint: i64) -> u64 {
        self.endpoints.get(&endpoint).map_or(0, EndpointAgg::hits)
    }
}

/// The last hour prefix [`fmd_hour`] decoded and its hour.
pub(crate) type HourCache = Option<([u8; 13], Option<i64>)>;

/// The UTC hour (hours since the epoch) of FMD's exact time text; `None` for anything else, including
/// impossible dates and times. `cache` remembers the last prefix (rows come in time order mostly).
pub(crate) fn fmd_hour(time: ValueRef<'_>, cache: &mut HourCache) -> Option<i64> {
    let ValueRef::Text(b) = time else { return None };
    if !is_fmd_shape(b) {
        return None;
    }
    let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    if two(14) >= 60 || two(17) >= 60 {
        return None;
    }
    if let Some((prefix, hour)) = cache {
        if prefix[..] == b[..13] {
            return *hour;
        }
    }
    let year = (two(0) * 100 + two(2)) as i32;
    let hour = NaiveDate::from_ymd_opt(year, two(5), two(8))
        .and_then(|d| d.and_hms_opt(two(11), 0, 0))
        .map(|t| t.and_utc().timestamp().div_euclid(3600));
    let mut prefix = [0u8; 13];
    prefix.copy_from_slice(&b[..13]);
    *cache = Some((prefix, hour));
    hour
}

/// A fingerprint of one request row (every column but the id), to notice a row replaced under the same id.
pub(crate) fn fingerprint(r: &rusqlite::Row<'_>) -> rusqlite::Result<i64> {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h = OFFSET;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for i in 1..8 {
        match r.get_ref(i)? {
            ValueRef::Null => eat(&[0]),
            ValueRef::Integer(v) => {
                eat(&[1]);
                eat(&v.to_le_bytes());
            }
            ValueRef::Real(v) => {
                eat(&[2]);
                eat(&v.to_bits().to_le_bytes());
            }
            ValueRef::Text(b) => {
                eat(&[3]);
                eat(&(b.len() as u64).to_le_bytes());
                eat(b);
            }
            ValueRef::Blob(b) => {
                eat(&[4]);
                eat(&(b.len() as u64).to_le_bytes());
                eat(b);
            }
        }
    }
    // Never 0, which stands for "no row".
    Ok((h as i64) | 1)
}
