//! Consent in SQLite: the text's versions and each session's record (see `store::consent`).

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::flow::{ConsentFields, ConsentVersion, Millis};
use crate::store::StoreError;
use crate::store::StoredConsent;
use crate::store::consent::{ConsentColumns, record_from, version_from};

pub(super) fn versions(conn: &Connection) -> Result<Vec<ConsentVersion>, StoreError> {
    let mut st =
        conn.prepare("SELECT number, created_at, fields FROM consent_versions ORDER BY number")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (n, at, fields) = row?;
        out.push(version_from(n, at, &fields)?);
    }
    Ok(out)
}

pub(super) fn new_version(
    conn: &mut Connection,
    fields: &ConsentFields,
    now: Millis,
) -> Result<ConsentVersion, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last: Option<i64> =
        tx.query_row("SELECT MAX(number) FROM consent_versions", [], |r| r.get(0))?;
    let number = last
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt("consent versions: no number after the last".into()))?;
    let text = serde_json::to_string(fields).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO consent_versions (number, created_at, fields) VALUES (?1, ?2, ?3)",
        params![number, now, text],
    )?;
    tx.commit()?;
    version_from(number, now, &text)
}

pub(super) fn keep(conn: &Connection, c: &StoredConsent) -> Result<(), StoreError> {
    let cols = ConsentColumns::of(&c.record);
    let r = &c.record;
    conn.execute(
        "INSERT INTO consents (session_id, desk, person, consent_by, version, text_sha256,
                               language, answers, signature, at, withdrawn_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            c.session_id,
            c.desk,
            c.person,
            cols.by,
            r.version,
            r.text_sha256,
            cols.language,
            cols.answers,
            c.signature_png,
            r.at,
            r.withdrawn_at
        ],
    )?;
    Ok(())
}

pub(super) fn read(conn: &Connection, session: &str) -> Result<Option<StoredConsent>, StoreError> {
    let row = conn
        .query_row(
            "SELECT desk, person, consent_by, version, text_sha256, language, answers, signature,
                    at, withdrawn_at
             FROM consents WHERE session_id = ?1",
            [session],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<Vec<u8>>>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((desk, person, by, version, sha, language, answers, signature, at, withdrawn)) = row
    else {
        return Ok(None);
    };
    Ok(Some(StoredConsent {
        session_id: session.to_string(),
        desk,
        person,
        record: record_from(&by, version, sha, &language, &answers, at, withdrawn)?,
        signature_png: signature,
    }))
}

pub(super) fn withdraw(conn: &Connection, session: &str, at: Millis) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE consents SET withdrawn_at = ?2 WHERE session_id = ?1 AND withdrawn_at IS NULL",
        params![session, at],
    )?;
    Ok(n > 0)
}
