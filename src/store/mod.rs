//! SQLite persistence: sessions, their asset rows, and an append-only event log.
//!
//! The engine writes a change before it announces it, so the database is the truth and a
//! restart rebuilds everything from it. Nothing here ever holds the API key.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::flow::{Asset, Millis, Session, Stage, Status};

pub mod lock;
use crate::text::Msg;

/// The database file name inside the data directory.
pub const DB_FILE: &str = "avatar-kiosk.sqlite3";

/// Versioned migrations; `user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
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
];

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error("the database {path} could not be opened: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file is from a newer version of the app.
    #[error(
        "the database was written by a newer version of avatar-kiosk (schema {found}, this version knows {known})"
    )]
    TooNew {
        /// Schema found.
        found: i64,
        /// Schema known.
        known: i64,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored row could not be read back.
    #[error("a stored session could not be read: {0}")]
    Corrupt(String),
    /// File permissions could not be set.
    #[error("could not protect the database file: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// What staff can do about it.
    pub fn advice(&self) -> Msg {
        match self {
            StoreError::Open { path, .. } => {
                Msg::new("store-open").text("path", path.display().to_string())
            }
            StoreError::TooNew { .. } => Msg::new("store-too-new"),
            StoreError::Sql(_) | StoreError::Io(_) => Msg::new("store-write"),
            StoreError::Corrupt(_) => Msg::new("store-corrupt"),
        }
    }
}

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Session.
    pub session_id: String,
    /// When.
    pub at: Millis,
    /// What kind, e.g. `link-issued`.
    pub kind: String,
    /// Details for people (never a secret).
    pub detail: String,
}

/// A line of the history list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// Session id.
    pub id: String,
    /// Person.
    pub person: String,
    /// Created.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
    /// Where the session stands.
    pub stage: Stage,
    /// Approved assets.
    pub active: u32,
    /// Failed or refused assets.
    pub failed: u32,
    /// All current assets.
    pub total: u32,
}

/// What the `status` column of an asset row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowStatus {
    /// A current row, in this state.
    Current(Status),
    /// Removed by staff.
    Removed,
    /// Replaced by another row.
    Replaced,
}

impl RowStatus {
    fn word(self) -> &'static str {
        match self {
            RowStatus::Current(s) => s.word(),
            RowStatus::Removed => "removed",
            RowStatus::Replaced => "replaced",
        }
    }
}

/// The database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

#[cfg(unix)]
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`.
    pub fn open_in(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open(&data_dir.join(DB_FILE))
    }

    /// Opens (creating if needed) the database file, in WAL mode, migrated, owner-only.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            // Create it owner-only from the start, before SQLite writes personal data.
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            opts.open(path)?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        for suffix in ["", "-wal", "-shm"] {
            owner_only(&PathBuf::from(format!("{}{suffix}", path.display())))?;
        }
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        let tx = self.conn.transaction()?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes a session, its asset rows and new log entries in one transaction.
    pub fn save(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut bare = session.clone();
        bare.assets.clear();
        let data = serde_json::to_string(&bare).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO sessions (id, person, created_at, updated_at, stage, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET person = ?2, updated_at = ?4, stage = ?5, data = ?6",
            params![
                session.id,
                session.person,
                session.created_at,
                now,
                session.stage().word(),
                data
            ],
        )?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO assets (session_id, asset_id, name, source, kind, status, asset_url, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(session_id, asset_id) DO UPDATE SET
                   name = ?3, source = ?4, kind = ?5, status = ?6, asset_url = ?7, data = ?8",
            )?;
            for a in &session.assets {
                let data =
                    serde_json::to_string(a).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let asset_url = match &a.state {
                    crate::flow::AssetState::Active { asset_url, .. } => Some(asset_url.as_str()),
                    _ => None,
                };
                let status = if a.removed {
                    RowStatus::Removed
                } else if a.replaced_by.is_some() {
                    RowStatus::Replaced
                } else {
                    RowStatus::Current(a.state.status())
                };
                upsert.execute(params![
                    session.id,
                    a.id,
                    a.name,
                    a.source.display(),
                    a.kind.as_str(),
                    status.word(),
                    asset_url,
                    data
                ])?;
            }
        }
        {
            let mut log = tx.prepare_cached(
                "INSERT INTO events (session_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (kind, detail) in events {
                log.execute(params![session.id, now, kind, detail])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// [`Store::save`], synced to the disk before it returns (`synchronous=FULL`): for the state
    /// that precedes a request that cannot be taken back, which a power cut must not roll back.
    pub fn save_durable(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let saved = self.save(session, now, events);
        // The save is what counts: failing to relax the setting again costs only speed.
        if let Err(e) = self.conn.pragma_update(None, "synchronous", "NORMAL") {
            tracing::warn!("the database stays in synchronous=FULL: {e}");
        }
        saved
    }

    /// Reads one session with its assets.
    pub fn load(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let data: Option<String> = self
            .conn
            .query_row("SELECT data FROM sessions WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(data) = data else { return Ok(None) };
        let mut session: Session = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("session {id}: {e}")))?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM assets WHERE session_id = ?1 ORDER BY asset_id")?;
        let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
        for row in rows {
            let asset: Asset = serde_json::from_str(&row?)
                .map_err(|e| StoreError::Corrupt(format!("asset of {id}: {e}")))?;
            session.assets.push(asset);
        }
        Ok(Some(session))
    }

    /// Ids of sessions whose stage is not final, oldest first.
    pub fn unfinished(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM sessions WHERE stage NOT IN (?1, ?2, ?3, ?4) ORDER BY created_at",
        )?;
        let [a, b, c, d] = Stage::FINAL.map(Stage::word);
        let ids = stmt
            .query_map(params![a, b, c, d], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Every session, newest first, with asset counts.
    pub fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.person, s.created_at, s.updated_at, s.stage,
                    COALESCE(SUM(a.status = ?1), 0),
                    COALESCE(SUM(a.status IN (?2, ?3, ?4)), 0),
                    COALESCE(SUM(a.status NOT IN (?5, ?6)), 0)
             FROM sessions s LEFT JOIN assets a ON a.session_id = s.id
             GROUP BY s.id ORDER BY s.created_at DESC",
        )?;
        let words = params![
            Status::Active.word(),
            Status::Failed.word(),
            Status::Refused.word(),
            Status::UploadFailed.word(),
            RowStatus::Removed.word(),
            RowStatus::Replaced.word(),
        ];
        let rows = stmt.query_map(words, |r| {
            let word: String = r.get(4)?;
            // A word this version does not know (a row written elsewhere) still lists the
            // session: as under review, which opens it and reads it again.
            let stage = Stage::from_word(&word).unwrap_or_else(|| {
                tracing::warn!("unknown stage {word:?} in the list; shown as under review");
                Stage::Reviewing
            });
            Ok(SessionSummary {
                id: r.get(0)?,
                person: r.get(1)?,
                created_at: r.get(2)?,
                updated_at: r.get(3)?,
                stage,
                active: r.get(5)?,
                failed: r.get(6)?,
                total: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The event log of a session, oldest first.
    pub fn events(&self, id: &str) -> Result<Vec<EventRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT session_id, at, kind, detail FROM events WHERE session_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(EventRecord {
                session_id: r.get(0)?,
                at: r.get(1)?,
                kind: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Deletes a session and its rows (local data only; the event log keeps a deletion mark).
    pub fn delete(&mut self, id: &str, now: Millis) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM assets WHERE session_id = ?1", [id])?;
        let n = tx.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
        tx.execute("DELETE FROM events WHERE session_id = ?1", [id])?;
        if n > 0 {
            tx.execute(
                "INSERT INTO events (session_id, at, kind, detail) VALUES (?1, ?2, 'deleted', 'local data deleted by staff')",
                params![id, now],
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{AssetKind, Language};
    use crate::flow::{AssetSource, Input};

    fn sample() -> Session {
        let mut s = Session::new(
            "abc".into(),
            "김민지 Kim 金".into(),
            "note".into(),
            "default".into(),
            Language::Ko,
            1,
        );
        s.apply(Input::AddAssets(vec![(
            "front".into(),
            AssetSource::Url {
                url: "https://c/front.jpg".into(),
            },
            AssetKind::Image,
        )]))
        .unwrap();
        s
    }

    #[test]
    fn round_trip_list_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let s = sample();
        store
            .save(&s, 5, &[("consent".into(), "recorded".into())])
            .unwrap();
        assert_eq!(store.load("abc").unwrap(), Some(s.clone()));
        assert_eq!(store.unfinished().unwrap(), vec!["abc".to_string()]);
        let list = store.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].person.as_str(), list[0].total, list[0].active),
            ("김민지 Kim 金", 1, 0)
        );
        assert_eq!(store.events("abc").unwrap()[0].kind, "consent");
        drop(store);
        // Reopening runs no migration twice and keeps the data.
        let mut store = Store::open_in(dir.path()).unwrap();
        assert_eq!(store.load("abc").unwrap(), Some(s));
        assert!(store.delete("abc", 9).unwrap());
        assert_eq!(store.load("abc").unwrap(), None);
        assert_eq!(
            store.events("abc").unwrap().len(),
            1,
            "only the deletion mark remains"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        store.save(&sample(), 1, &[]).unwrap();
        for suffix in ["", "-wal"] {
            let p = dir.path().join(format!("{DB_FILE}{suffix}"));
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
