//! The refresh's tracking of the busiest users and IPs per endpoint, and the backfill of their cells.

use super::*;

/// Per endpoint and column: group keys, busiest first.
type Ranked = HashMap<(i64, u8), Vec<Vec<u8>>>;

impl Refresher<'_> {
    /// Keeps the busiest users and IPs of each endpoint tracked and their cells complete. True when nothing is
    /// left to do.
    pub(super) fn track(&mut self, state: &mut State) -> Result<bool, Fail> {
        if state.backfill_to > 0 && !self.backfill(state)? {
            return Ok(false);
        }
        let due = state.rows > 0 && (state.retracked == 0 || (state.rows - state.retracked) * 50 >= state.rows);
        if !due {
            return Ok(true);
        }
        let top = self.busiest()?;
        let current = self.tracked(false)?;
        let mut added: Vec<(i64, Vec<u8>)> = Vec::new();
        let mut removed: Vec<(i64, Vec<u8>)> = Vec::new();
        let empty = HashSet::new();
        for (&(e, col), ranked) in &top {
            let prefixed: Vec<Vec<u8>> = ranked
                .iter()
                .map(|g| {
                    let mut k = vec![col];
                    k.extend_from_slice(g);
                    k
                })
                .collect();
            let cur = current.get(&e).unwrap_or(&empty);
            let keep: HashSet<&Vec<u8>> = prefixed.iter().take(TRACK_MAX).collect();
            removed.extend(cur.iter().filter(|k| k.first() == Some(&col) && !keep.contains(k)).map(|k| (e, k.clone())));
            // An endpoint with at most TRACK_MAX users (or IPs) has every one tracked: its windows are complete.
            let (need, add) =
                if prefixed.len() <= TRACK_MAX { (TRACK_MAX, TRACK_MAX) } else { (TRACK_NEED, TRACK_KEEP) };
            if prefixed.iter().take(need).any(|k| !cur.contains(k)) {
                added.extend(prefixed.iter().take(add).filter(|k| !cur.contains(*k)).map(|k| (e, k.clone())));
            }
        }
        for (e, keys) in &current {
            for k in keys {
                let col = k.first().copied().unwrap_or(0);
                if !top.contains_key(&(*e, col)) {
                    removed.push((*e, k.clone()));
                }
            }
        }
        let names = &self.names;
        *state = in_write(self.conn, |conn| {
            let mut s = self.own_state(conn)?;
            if s.mark != state.mark || s.pending.is_some() {
                return Err(Fail::Lost);
            }
            let mut del_track = conn.prepare_cached(&format!(
                "DELETE FROM {} WHERE endpoint = ?1 AND col = ?2 AND grp = ?3",
                names.track
            ))?;
            let mut del_cells = conn
                .prepare_cached(&format!("DELETE FROM {} WHERE endpoint = ?1 AND col = ?2 AND grp = ?3", names.cell))?;
            let mut insert = conn.prepare_cached(&format!(
                "INSERT OR REPLACE INTO {} (endpoint, col, grp, complete) VALUES (?1, ?2, ?3, 0)",
                names.track
            ))?;
            for (e, k) in removed.iter().chain(&added) {
                let Some((col, g)) = k.split_first() else { continue };
                del_track.execute(params![e, col, g])?;
                del_cells.execute(params![e, col, g])?;
                ghour::delete_group(conn, names, *e, *col, g)?;
            }
            for (e, k) in &added {
                let Some((col, g)) = k.split_first() else { continue };
                insert.execute(params![e, col, g])?;
            }
            s.retracked = s.rows;
            if !added.is_empty() {
                s.backfill_to = s.mark;
                s.backfill_at = 0;
            }
            schema::write_state(conn, names, &s)?;
            Ok(s)
        })?;
        if state.backfill_to > 0 {
            return self.backfill(state);
        }
        Ok(true)
    }

    /// Per endpoint and column, the group keys by hits (descending, ties by key descending), at most
    /// [`TRACK_MAX`] + 1 each.
    fn busiest(&self) -> rusqlite::Result<Ranked> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT endpoint, col, grp FROM (SELECT endpoint, col, grp, row_number() OVER \
             (PARTITION BY endpoint, col ORDER BY hits DESC, grp DESC) AS n FROM {}) WHERE n <= ?1 \
             ORDER BY endpoint, col, n",
            self.names.group
        ))?;
        // One more than kept: tells an endpoint with at most TRACK_MAX apart from one with more.
        let mut rows = stmt.query([TRACK_MAX as i64 + 1])?;
        let mut out: HashMap<(i64, u8), Vec<Vec<u8>>> = HashMap::new();
        while let Some(r) = rows.next()? {
            let (e, col): (i64, i64) = (r.get(0)?, r.get(1)?);
            out.entry((e, col as u8)).or_default().push(r.get_ref(2)?.as_blob().unwrap_or_default().to_vec());
        }
        Ok(out)
    }

    /// Fills the cells of newly tracked users/IPs with the requests up to `backfill_to`, resumably. True when
    /// done.
    fn backfill(&mut self, state: &mut State) -> Result<bool, Fail> {
        let targets = self.tracked(true)?;
        let end = state.backfill_to;
        let sql = format!(
            "SELECT rowid, endpoint_id, duration, version_requested, group_by, ip, time_requested FROM {} \
             WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid LIMIT ?3",
            self.request
        );
        let mut spans = 0;
        loop {
            let pos = state.backfill_at;
            if targets.is_empty() || pos >= end {
                let names = &self.names;
                *state = in_write(self.conn, |conn| {
                    let mut s = self.own_state(conn)?;
                    conn.execute(&format!("UPDATE {} SET complete = 1 WHERE complete = 0", names.track), [])?;
                    s.backfill_to = 0;
                    s.backfill_at = 0;
                    schema::write_state(conn, names, &s)?;
                    Ok(s)
                })?;
                return Ok(true);
            }
            if spans > 0 && self.out_of_time(1.0) {
                return Ok(false);
            }
            spans += 1;
            let mut cells: HashMap<(i64, Vec<u8>, Vec<u8>), CellAgg> = HashMap::new();
            let mut ghours: HashMap<i64, GHours> = HashMap::new();
            let mut hour_cache = None;
            let (mut at, mut seen) = (pos, 0u64);
            let (mut version, mut key) = (Vec::new(), Vec::new());
            loop {
                let before = seen;
                {
                    let mut stmt = self.conn.prepare_cached(&sql)?;
                    let mut rows = stmt.query(params![at, end, CHUNK_ROWS])?;
                    while let Some(r) = rows.next()? {
                        seen += 1;
                        at = r.get(0)?;
                        let e = int_of(r.get_ref(1)?).unwrap_or(NO_ENDPOINT);
                        let Some(set) = targets.get(&e) else { continue };
                        let d = duration_of(r.get_ref(2)?).filter(|d| usable(*d));
                        key_into(r.get_ref(3)?, &mut version);
                        let hour = fmd_hour(r.get_ref(6)?, &mut hour_cache);
                        for (col, index) in [(0u8, 4usize), (1, 5)] {
                            key_into(r.get_ref(index)?, &mut key);
                            key.insert(0, col);
                            if set.contains(&key) {
                                let cell = cells.entry((e, key.clone(), version.clone())).or_default();
                                cell.hits += 1;
                                if let Some(d) = d {
                                    cell.durations.add(d);
                                }
                                if let Some(hour) = hour {
                                    ghour::add(ghours.entry(e).or_default(), &key, hour, &version, d);
                                }
                            }
                        }
                    }
                }
                if seen == before {
                    at = end;
                    break;
                }
                (self.progress)(u64::try_from(at).unwrap_or(0), u64::try_from(end).unwrap_or(0));
                // Each span's cells are written in one transaction: keep it short.
                let pending = cells.len() + ghours.values().map(HashMap::len).sum::<usize>();
                if seen >= SPAN_ROWS || pending >= self.ops_per_txn || self.out_of_time(0.6) {
                    break;
                }
            }
            let mut ops: Vec<_> = cells.into_iter().collect();
            ops.sort_by(|a, b| a.0.cmp(&b.0));
            let mut hour_ops: Vec<_> =
                ghours.into_iter().flat_map(|(e, map)| map.into_iter().map(move |(k, c)| (e, k, c))).collect();
            hour_ops.sort_by(|a, b| {
                let (x, y) = (&a.1, &b.1);
                (a.0, x.0.first(), x.1, &x.0, &x.2).cmp(&(b.0, y.0.first(), y.1, &y.0, &y.2))
            });
            let n = ops.len() + hour_ops.len();
            let t0 = Instant::now();
            let names = &self.names;
            *state = in_write(self.conn, |conn| {
                let mut s = self.own_state(conn)?;
                if s.backfill_to != end || s.backfill_at != pos {
                    return Err(Fail::Lost);
                }
                for ((e, col_group, version), c) in ops {
                    let Some((&col, group)) = col_group.split_first() else { continue };
                    apply(conn, names, Op::Cell(e, col, group.to_vec(), version, c))?;
                }
                for (e, (col_group, hour, version), c) in hour_ops {
                    apply(conn, names, Op::GHour(e, col_group, hour, version, c))?;
                }
                s.backfill_at = at;
                schema::write_state(conn, names, &s)?;
                Ok(s)
            })?;
            self.adapt(n, t0.elapsed());
        }
    }
}
