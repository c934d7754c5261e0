//! The embedded store's tables, brought up to date by versioned migrations.

/// Versioned migrations; `user_version` records how many have run.
pub(super) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        person      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        stage       TEXT NOT NULL,
        data        TEXT NOT NULL
    );
    CREATE TABLE assets (
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        asset_id    INTEGER NOT NULL,
        name        TEXT NOT NULL,
        source      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        status      TEXT NOT NULL,
        asset_url   TEXT,
        data        TEXT NOT NULL,
        PRIMARY KEY (session_id, asset_id)
    );
    CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id  TEXT NOT NULL,
        at          INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        detail      TEXT NOT NULL
    );
    CREATE INDEX events_by_session ON events(session_id, id);
    CREATE INDEX sessions_by_update ON sessions(updated_at);",
    // 2: the reasons kept in `data` are message ids with arguments (`text::Msg`), which older
    // versions cannot read; the number alone makes them say "written by a newer version".
    "-- no schema change",
    // 3: each save of a session counts up its version, so a writer that read an older one is
    // refused instead of overwriting what it did not see.
    "ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;",
    // 4: the desk that created a session, and the lease of the engine driving it (as on a
    // shared roster, so the contract is one).
    "ALTER TABLE sessions ADD COLUMN kiosk TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN lease_owner TEXT;
    ALTER TABLE sessions ADD COLUMN lease_kiosk TEXT;
    ALTER TABLE sessions ADD COLUMN lease_until INTEGER;",
    // 5: a session whose wizard is finished may still have a test render moving: it is taken
    // up again after a restart like an unfinished one.
    "ALTER TABLE sessions ADD COLUMN busy INTEGER NOT NULL DEFAULT 0;",
    // 6: the audit log: one row per action on a person's data, each sealed with a hash over
    // its columns and the previous row's hash.
    "CREATE TABLE audit_log (
        seq         INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        desk        TEXT NOT NULL,
        os_user     TEXT NOT NULL,
        action      TEXT NOT NULL,
        session_id  TEXT,
        detail      TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL
    );
    CREATE INDEX audit_by_session ON audit_log(session_id, seq);",
    // 7: consent: the studio's text versions (their fields; the text is made from them in the
    // person's language) and each session's record with the signature. A record is kept when
    // its session is deleted: it proves what was given.
    "CREATE TABLE consent_versions (
        number      INTEGER PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        fields      TEXT NOT NULL
    );
    CREATE TABLE consents (
        session_id   TEXT PRIMARY KEY,
        desk         TEXT NOT NULL,
        person       TEXT NOT NULL,
        consent_by   TEXT NOT NULL,
        version      INTEGER NOT NULL,
        text_sha256  TEXT NOT NULL,
        language     TEXT NOT NULL,
        answers      TEXT NOT NULL,
        signature    BLOB,
        at           INTEGER NOT NULL,
        withdrawn_at INTEGER
    );",
];
