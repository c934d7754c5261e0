//! The audit log in SQLite: appended one entry at a time under a write lock taken first
//! (`BEGIN IMMEDIATE`), so the entry read as the last one is still the last when it is linked.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::flow::{AuditEntry, AuditNote, next_entry};
use crate::store::StoreError;

const COLUMNS: &str = "seq, at, desk, os_user, action, session_id, detail, prev_hash, hash";

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        desk: r.get(2)?,
        os_user: r.get(3)?,
        action: r.get(4)?,
        session_id: r.get(5)?,
        detail: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

/// Appends `note` after the log's last entry; returns the entry as stored.
pub(super) fn append(conn: &mut Connection, note: &AuditNote) -> Result<AuditEntry, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1"),
            [],
            entry,
        )
        .optional()?;
    let e = next_entry(last.as_ref(), note);
    tx.execute(
        &format!("INSERT INTO audit_log ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            e.seq,
            e.at,
            e.desk,
            e.os_user,
            e.action,
            e.session_id,
            e.detail,
            e.prev_hash,
            e.hash
        ],
    )?;
    tx.commit()?;
    Ok(e)
}

/// The log in order, or one session's entries.
pub(super) fn read(
    conn: &Connection,
    session: Option<&str>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ?1 IS NULL OR session_id = ?1 ORDER BY seq"
    ))?;
    let rows = st.query_map([session], entry)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
