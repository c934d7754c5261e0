//! Consent on the shared roster: the text's versions (one numbered list for every desk) and
//! each session's record (see `store::consent`).

use postgres::Client;

use super::get;
use crate::flow::{ConsentFields, ConsentVersion, Millis};
use crate::store::StoreError;
use crate::store::StoredConsent;
use crate::store::consent::{ConsentColumns, record_from, version_from};

/// The advisory lock's key for numbering versions.
const VERSION_LOCK: i64 = 4_715_300_213;

pub(super) fn versions(c: &mut Client) -> Result<Vec<ConsentVersion>, StoreError> {
    let rows = c.query(
        "SELECT number, created_at, fields FROM consent_versions ORDER BY number",
        &[],
    )?;
    rows.iter()
        .map(|r| version_from(get(r, 0)?, get(r, 1)?, &get::<String>(r, 2)?))
        .collect()
}

pub(super) fn new_version(
    c: &mut Client,
    fields: &ConsentFields,
    now: Millis,
) -> Result<ConsentVersion, StoreError> {
    // Read committed whatever the server's default: the last row is read after the lock is
    // held, not from a snapshot taken before it.
    let mut tx = c
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::ReadCommitted)
        .start()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&VERSION_LOCK])?;
    let last: Option<i64> = get(
        &tx.query_one("SELECT MAX(number) FROM consent_versions", &[])?,
        0,
    )?;
    let number = last
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt("consent versions: no number after the last".into()))?;
    let text = serde_json::to_string(fields).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO consent_versions (number, created_at, fields) VALUES ($1, $2, $3)",
        &[&number, &now, &text],
    )?;
    tx.commit()?;
    version_from(number, now, &text)
}

pub(super) fn keep(c: &mut Client, s: &StoredConsent) -> Result<(), StoreError> {
    let cols = ConsentColumns::of(&s.record);
    let r = &s.record;
    let version = i64::from(r.version);
    c.execute(
        "INSERT INTO consents (session_id, desk, person, consent_by, version, text_sha256,
                               language, answers, signature, at, withdrawn_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &s.session_id,
            &s.desk,
            &s.person,
            &cols.by,
            &version,
            &r.text_sha256,
            &cols.language,
            &cols.answers,
            &s.signature_png,
            &r.at,
            &r.withdrawn_at,
        ],
    )?;
    Ok(())
}

pub(super) fn read(c: &mut Client, session: &str) -> Result<Option<StoredConsent>, StoreError> {
    let Some(r) = c.query_opt(
        "SELECT desk, person, consent_by, version, text_sha256, language, answers, signature,
                at, withdrawn_at
         FROM consents WHERE session_id = $1",
        &[&session],
    )?
    else {
        return Ok(None);
    };
    let record = record_from(
        &get::<String>(&r, 2)?,
        get(&r, 3)?,
        get(&r, 4)?,
        &get::<String>(&r, 5)?,
        &get::<String>(&r, 6)?,
        get(&r, 8)?,
        get(&r, 9)?,
    )?;
    Ok(Some(StoredConsent {
        session_id: session.to_string(),
        desk: get(&r, 0)?,
        person: get(&r, 1)?,
        record,
        signature_png: get(&r, 7)?,
    }))
}

pub(super) fn withdraw(c: &mut Client, session: &str, at: Millis) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE consents SET withdrawn_at = $2 WHERE session_id = $1 AND withdrawn_at IS NULL",
        &[&session, &at],
    )?;
    Ok(n > 0)
}
