//! The writes a refresh makes: an aggregate turned into per-table operations in key order, and the merge of
//! one operation into its summary row.

use rusqlite::Connection;

use super::agg::{Agg, CellAgg, Code, HourAgg, VersionAgg};
use super::ghour;
use super::packed;
use super::refresh::Fail;
use super::rows;
use super::schema::Names;
use super::vhour;

/// One kind of write.
pub(super) enum Op {
    Version(i64, Vec<u8>, VersionAgg),
    Hour(i64, i64, HourAgg),
    Group(i64, u8, Vec<u8>, u64),
    Code(i64, Code, u64),
    Odd(i64),
    Cell(i64, u8, Vec<u8>, Vec<u8>, CellAgg),
    Vcode(super::vcode::VcodeRow),
    VHour(i64, i64, Vec<u8>, HourAgg),
    /// Endpoint, `[col] + group`, hour, version.
    GHour(i64, Vec<u8>, i64, Vec<u8>, CellAgg),
    /// Endpoint, hour, entries with `dict` numbers.
    Packed(i64, i64, Vec<packed::Entry>),
}

/// The writes of an aggregate, table by table in key order (kind B-tree pages stay warm).
pub(super) fn ops_of(agg: Agg) -> Vec<Op> {
    let mut versions = Vec::new();
    let mut hours = Vec::new();
    let mut groups = Vec::new();
    let mut codes = Vec::new();
    let mut cells = Vec::new();
    let vcodes = agg.vcodes.into_rows();
    let mut vhours = Vec::new();
    let mut ghours = Vec::new();
    for (e, mut ea) in agg.endpoints {
        vhours.extend(vhour::keyed(e, &ea.versions, std::mem::take(&mut ea.vhours)));
        ghours.extend(std::mem::take(&mut ea.ghours).into_iter().map(|((g, h, v), c)| (e, g, h, v, c)));
        versions.extend(ea.versions.into_iter().map(|(k, v)| (e, k, v)));
        hours.extend(ea.hours.into_iter().map(|(h, a)| (e, h, a)));
        codes.extend(ea.codes.into_iter().map(|(c, n)| (e, c, n)));
        for (col, map) in ea.groups.into_iter().enumerate() {
            groups.extend(map.into_iter().map(|(g, n)| (e, col as u8, g, n)));
        }
        for (col_group, list) in ea.cells {
            let Some((&col, group)) = col_group.split_first() else { continue };
            cells.extend(list.into_iter().map(|(v, c)| (e, col, group.to_vec(), v, c)));
        }
    }
    versions.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    hours.sort_by_key(|a| (a.0, a.1));
    groups.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    cells.sort_by(|a, b| (a.0, a.1, &a.2, &a.3).cmp(&(b.0, b.1, &b.2, &b.3)));
    vhours.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    // The table's key order: endpoint, col, hour, group, version.
    ghours.sort_by(|a, b| (a.0, a.1.first(), a.2, &a.1, &a.3).cmp(&(b.0, b.1.first(), b.2, &b.1, &b.3)));
    let mut odd = agg.odd;
    odd.sort_unstable();
    let mut ops =
        Vec::with_capacity(versions.len() + hours.len() + groups.len() + codes.len() + cells.len() + vhours.len());
    ops.extend(versions.into_iter().map(|(e, k, v)| Op::Version(e, k, v)));
    ops.extend(hours.into_iter().map(|(e, h, a)| Op::Hour(e, h, a)));
    ops.extend(codes.into_iter().map(|(e, c, n)| Op::Code(e, c, n)));
    ops.extend(groups.into_iter().map(|(e, c, g, n)| Op::Group(e, c, g, n)));
    ops.extend(cells.into_iter().map(|(e, c, g, v, a)| Op::Cell(e, c, g, v, a)));
    ops.extend(vcodes.into_iter().map(Op::Vcode));
    ops.extend(vhours.into_iter().map(|(e, h, v, a)| Op::VHour(e, h, v, a)));
    ops.extend(ghours.into_iter().map(|(e, g, h, v, c)| Op::GHour(e, g, h, v, c)));
    ops.extend(odd.into_iter().map(Op::Odd));
    ops
}

/// Merges one write into the tables.
pub(super) fn apply(conn: &Connection, names: &Names, op: Op) -> Result<(), Fail> {
    match op {
        Op::Version(e, key, v) => {
            let merged = match rows::load_version(conn, names, e, &key)?? {
                Some(mut old) => {
                    old.merge(&v);
                    old
                }
                None => v,
            };
            rows::save_version(conn, names, e, &key, &merged)?;
        }
        Op::Hour(e, hour, h) => {
            let merged = match rows::load_hour(conn, names, e, hour)?? {
                Some(mut old) => {
                    old.merge(&h);
                    old
                }
                None => h,
            };
            rows::save_hour(conn, names, e, hour, &merged)?;
        }
        Op::Group(e, col, group, n) => rows::add_group(conn, names, e, col, &group, n)?,
        Op::Code(e, code, n) => rows::add_code(conn, names, e, &code, n)?,
        Op::Odd(rowid) => rows::add_odd(conn, names, rowid)?,
        Op::Vcode(row) => super::vcode::add_row(conn, names, row)?,
        Op::Cell(e, col, group, version, c) => {
            let merged = match rows::load_cell(conn, names, e, col, &group, &version)?? {
                Some(mut old) => {
                    old.merge(&c);
                    old
                }
                None => c,
            };
            rows::save_cell(conn, names, e, col, &group, &version, &merged)?;
        }
        Op::VHour(e, hour, version, h) => vhour::merge_row(conn, names, e, hour, &version, &h)?,
        Op::GHour(e, col_group, hour, version, c) => {
            let Some((&col, group)) = col_group.split_first() else { return Ok(()) };
            ghour::merge_row(conn, names, e, col, hour, group, &version, c)??;
        }
        Op::Packed(e, hour, entries) => packed::append(conn, names, e, hour, &entries)?,
    }
    Ok(())
}
