//! [`PgStore::data_version`]: a number that moves whenever a connection commits a change, read before a view so
//! a front-end can keep the view's answer while it holds.
//!
//! # What it is: the server's transaction snapshot
//!
//! The number is a 64-bit hash (FNV-1a) of `txid_current_snapshot()` as text (`xmin:xmax:xip,...`). A snapshot
//! is exactly what decides which commits a query sees: the transactions that finished below `xmax`, minus those
//! still running (`xip`). Every transaction that changes a row is given a transaction id, and its commit either
//! raises `xmax` or takes its id out of `xip`, so the snapshot taken after any commit differs from every
//! snapshot taken before it (ids are never reused: the txid is 64 bits with its epoch). Read before the view's
//! queries, a value that holds therefore means no commit became visible in between: **no change is ever
//! missed**, and the commit is seen at once. Reads allocate no transaction id, so reads (the dashboard's own
//! included) never move it. It costs one trivial query (no table is read; ~0.1 ms per call, mostly the round
//! trip, measured in pg/tests/edit.rs) and works on any database, those Python FMD created and fmd may only
//! read included, with no privilege beyond connecting.
//!
//! The price is false "changed" answers: a write to *any* database of the same server (or an autoanalyze)
//! moves it too. That only costs a query, and on a server mainly serving FMD the writers are its recorders,
//! whose commits are real changes.
//!
//! # What was not chosen, and why
//!
//! * A counter row bumped by a trigger on FMD's tables: every recorder's transaction would update the same row,
//!   serialising all recorders on its lock until they commit; it changes FMD's tables (triggers a
//!   `pg_dump` of Python FMD's schema does not have); a database fmd may only read has none. A sequence bumped
//!   by the trigger avoids the lock but moves *before* the commit is visible, so a view could read the new
//!   number and the old rows, and keep that stale answer: a missed change.
//! * `pg_stat_get_db_xact_commit`: counts read-only transactions too (every view moves it) and is published
//!   up to a second or more after the commit. Per-table `pg_stat_get_tuples_*` ignore reads but share that
//!   delay, which would show stale data for up to the statistics interval.
//! * Highest ids and row counts: `count(*)` of a 10M-row Request table is a full scan per page, and deletes
//!   below the highest id change neither maximum.

use fmd_core::StoreError;

use crate::PgStore;

/// FNV-1a, 64 bits: stable across builds and platforms (the value may be kept and compared later).
fn fnv1a(bytes: &[u8]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

impl PgStore {
    /// A number that moves whenever any connection commits a change to the database (see the module
    /// documentation): read it before a view, and an answer read while it holds is still the answer.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        let snapshot: String =
            self.with(|client| client.query_one("SELECT txid_current_snapshot()::text", &[]))?.get(0);
        Ok(fnv1a(snapshot.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
        assert_ne!(fnv1a(b"10:12:"), fnv1a(b"10:12:11"));
    }
}
