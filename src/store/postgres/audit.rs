//! The audit log on the shared roster: one log for every desk, appended one entry at a time
//! under a transaction-scoped advisory lock, so two desks never link to the same last entry
//! (the key on `seq` refuses it too).

use postgres::Client;

use super::get;
use crate::flow::{AuditEntry, AuditNote, next_entry};
use crate::store::StoreError;

/// The advisory lock's key for appending (the migrations use their own).
const APPEND_LOCK: i64 = 4_715_300_212;

const COLUMNS: &str = "seq, at, desk, os_user, action, session_id, detail, prev_hash, hash";

fn entry(r: &postgres::Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: get(r, 0)?,
        at: get(r, 1)?,
        desk: get(r, 2)?,
        os_user: get(r, 3)?,
        action: get(r, 4)?,
        session_id: get(r, 5)?,
        detail: get(r, 6)?,
        prev_hash: get(r, 7)?,
        hash: get(r, 8)?,
    })
}

/// Appends `note` after the log's last entry; returns the entry as stored.
pub(super) fn append(c: &mut Client, note: &AuditNote) -> Result<AuditEntry, StoreError> {
    // Read committed whatever the server's default: the last row is read after the lock is
    // held, not from a snapshot taken before it.
    let mut tx = c
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::ReadCommitted)
        .start()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])?;
    let last = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1"),
            &[],
        )?
        .map(|r| entry(&r))
        .transpose()?;
    let e = next_entry(last.as_ref(), note);
    tx.execute(
        &format!("INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        &[
            &e.seq,
            &e.at,
            &e.desk,
            &e.os_user,
            &e.action,
            &e.session_id,
            &e.detail,
            &e.prev_hash,
            &e.hash,
        ],
    )?;
    tx.commit()?;
    Ok(e)
}

/// The log in order, or one session's entries.
pub(super) fn read(c: &mut Client, session: Option<&str>) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = c.query(
        &format!(
            "SELECT {COLUMNS} FROM audit_log WHERE $1::TEXT IS NULL OR session_id = $1 ORDER BY seq"
        ),
        &[&session],
    )?;
    rows.iter().map(entry).collect()
}
