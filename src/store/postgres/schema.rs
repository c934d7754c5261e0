//! The roster's tables, created and brought up to date by versioned migrations.

use postgres::Client;

use super::get;
use crate::store::StoreError;

/// Versioned migrations; the `avatar_kiosk_schema` row records how many have run.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        person      TEXT NOT NULL,
        kiosk       TEXT NOT NULL DEFAULT '',
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL,
        stage       TEXT NOT NULL,
        data        TEXT NOT NULL,
        version     BIGINT NOT NULL DEFAULT 1,
        lease_owner TEXT,
        lease_kiosk TEXT,
        lease_until BIGINT
    );
    CREATE TABLE assets (
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        asset_id    BIGINT NOT NULL,
        name        TEXT NOT NULL,
        source      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        status      TEXT NOT NULL,
        asset_url   TEXT,
        data        TEXT NOT NULL,
        PRIMARY KEY (session_id, asset_id)
    );
    CREATE TABLE events (
        id          BIGSERIAL PRIMARY KEY,
        session_id  TEXT NOT NULL,
        at          BIGINT NOT NULL,
        kind        TEXT NOT NULL,
        detail      TEXT NOT NULL
    );
    CREATE INDEX events_by_session ON events(session_id, id);
    CREATE INDEX sessions_by_created ON sessions(created_at);",
    // 2: a finished session may still have a test render moving (taken up after a restart).
    "ALTER TABLE sessions ADD COLUMN busy BOOLEAN NOT NULL DEFAULT FALSE;",
    // 3: the audit log: one row per action on a person's data, each sealed with a hash over
    // its columns and the previous row's hash.
    "CREATE TABLE audit_log (
        seq         BIGINT PRIMARY KEY,
        at          BIGINT NOT NULL,
        desk        TEXT NOT NULL,
        os_user     TEXT NOT NULL,
        action      TEXT NOT NULL,
        session_id  TEXT,
        detail      TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL
    );
    CREATE INDEX audit_by_session ON audit_log(session_id, seq);",
    // 4: consent: the studio's text versions (their fields; the text is made from them in the
    // person's language) and each session's record with the signature. A record is kept when
    // its session is deleted: it proves what was given.
    "CREATE TABLE consent_versions (
        number      BIGINT PRIMARY KEY,
        created_at  BIGINT NOT NULL,
        fields      TEXT NOT NULL
    );
    CREATE TABLE consents (
        session_id   TEXT PRIMARY KEY,
        desk         TEXT NOT NULL,
        person       TEXT NOT NULL,
        consent_by   TEXT NOT NULL,
        version      BIGINT NOT NULL,
        text_sha256  TEXT NOT NULL,
        language     TEXT NOT NULL,
        answers      TEXT NOT NULL,
        signature    BYTEA,
        at           BIGINT NOT NULL,
        withdrawn_at BIGINT
    );",
];

/// Runs the migrations not yet run, one desk at a time.
pub(super) fn migrate(c: &mut Client) -> Result<(), StoreError> {
    let mut tx = c.transaction()?;
    tx.batch_execute(
        "SET LOCAL client_min_messages = warning;
         SELECT pg_advisory_xact_lock(4715300211);
         CREATE TABLE IF NOT EXISTS avatar_kiosk_schema (version INTEGER NOT NULL);",
    )?;
    let found: i32 = tx
        .query_opt("SELECT version FROM avatar_kiosk_schema", &[])?
        .map_or(Ok(0), |r| get(&r, 0))?;
    let known = MIGRATIONS.len() as i32;
    if found > known {
        return Err(StoreError::TooNew {
            found: i64::from(found),
            known: i64::from(known),
        });
    }
    for sql in MIGRATIONS.iter().skip(found.max(0) as usize) {
        tx.batch_execute(sql)?;
    }
    if found < known {
        tx.execute("DELETE FROM avatar_kiosk_schema", &[])?;
        tx.execute("INSERT INTO avatar_kiosk_schema VALUES ($1)", &[&known])?;
    }
    tx.commit()?;
    Ok(())
}
