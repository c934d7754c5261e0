//! The embedded store: SQLite in WAL mode, owner-only, migrated by `user_version`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::{DB_FILE, EventRecord, RowStatus, SessionStore, SessionSummary, StoreError};
use crate::flow::{Asset, AssetId, Millis, Session, Stage, Status};

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
    // 3: each save of a session counts up its version, so a writer that read an older one is
    // refused instead of overwriting what it did not see.
    "ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;",
];

/// What this store last wrote or read of a session: the version of its row, and each asset
/// row as stored, so the next save writes only the rows that differ.
#[derive(Debug, Default)]
struct Known {
    version: i64,
    assets: HashMap<AssetId, Asset>,
}

/// The SQLite database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Filled by reads as well as writes: reading takes `&self`.
    known: RefCell<HashMap<String, Known>>,
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
        let conn = Connection::open(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            known: RefCell::default(),
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

    /// Rows inserted, changed or deleted through this store since it opened (for measuring).
    pub fn total_changes(&self) -> u64 {
        self.conn.total_changes()
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

    /// Writes a session in one transaction: its row (counting up its version), the asset rows
    /// that differ from what this store last wrote or read, and new log entries. A session this
    /// store read is written only over the version it read ([`StoreError::Conflict`]).
    pub fn save(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut bare = session.clone();
        bare.assets.clear();
        let data = to_json(&bare)?;
        let mut changed = Vec::new();
        let expected = {
            let known = self.known.borrow();
            let k = known.get(&session.id);
            // Compared as values: only the rows that differ are turned into JSON.
            for a in &session.assets {
                if k.and_then(|k| k.assets.get(&a.id)) != Some(a) {
                    changed.push((a, to_json(a)?));
                }
            }
            k.map(|k| k.version)
        };
        let tx = self.conn.transaction()?;
        let version = write_session(&tx, session, now, &data, expected)?;
        write_assets(&tx, &session.id, &changed)?;
        {
            let mut log = tx.prepare_cached(
                "INSERT INTO events (session_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (kind, detail) in events {
                log.execute(params![session.id, now, kind, detail])?;
            }
        }
        tx.commit()?;
        let mut known = self.known.borrow_mut();
        let k = known.entry(session.id.clone()).or_default();
        k.version = version;
        for (a, _) in changed {
            k.assets.insert(a.id, a.clone());
        }
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

    /// Reads one session with its assets (and remembers them: the next save writes only what
    /// differs, over the version read).
    pub fn load(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT data, version FROM sessions WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((data, version)) = row else {
            self.known.borrow_mut().remove(id);
            return Ok(None);
        };
        let mut session: Session = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("session {id}: {e}")))?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM assets WHERE session_id = ?1 ORDER BY asset_id")?;
        let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
        let mut known = Known {
            version,
            assets: HashMap::new(),
        };
        for row in rows {
            let row = row?;
            let asset: Asset = serde_json::from_str(&row)
                .map_err(|e| StoreError::Corrupt(format!("asset of {id}: {e}")))?;
            known.assets.insert(asset.id, asset.clone());
            session.assets.push(asset);
        }
        self.known.borrow_mut().insert(id.to_string(), known);
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
        self.known.borrow_mut().remove(id);
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

impl SessionStore for Store {
    fn save(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        Store::save(self, session, now, events)
    }

    fn save_durable(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        Store::save_durable(self, session, now, events)
    }

    fn load(&self, id: &str) -> Result<Option<Session>, StoreError> {
        Store::load(self, id)
    }

    fn unfinished(&self) -> Result<Vec<String>, StoreError> {
        Store::unfinished(self)
    }

    fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        Store::list(self)
    }

    fn delete(&mut self, id: &str, now: Millis) -> Result<bool, StoreError> {
        Store::delete(self, id, now)
    }
}

/// JSON for a `data` column.
fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes the session row: over `expected` when this store knows the version it holds (zero
/// rows changed means another writer came between: nothing is written), else as it is.
/// Returns the version now stored.
fn write_session(
    tx: &rusqlite::Transaction<'_>,
    s: &Session,
    now: Millis,
    data: &str,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let stage = s.stage().word();
    if let Some(v) = expected {
        let n = tx.execute(
            "UPDATE sessions SET person = ?2, updated_at = ?3, stage = ?4, data = ?5,
                 version = version + 1
             WHERE id = ?1 AND version = ?6",
            params![s.id, s.person, now, stage, data, v],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(s.id.clone()));
        }
        return Ok(v + 1);
    }
    tx.execute(
        "INSERT INTO sessions (id, person, created_at, updated_at, stage, data, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
         ON CONFLICT(id) DO UPDATE SET person = ?2, updated_at = ?4, stage = ?5, data = ?6,
             version = version + 1",
        params![s.id, s.person, s.created_at, now, stage, data],
    )?;
    Ok(
        tx.query_row("SELECT version FROM sessions WHERE id = ?1", [&s.id], |r| {
            r.get(0)
        })?,
    )
}

/// Writes the asset rows given (each with its JSON).
fn write_assets(
    tx: &rusqlite::Transaction<'_>,
    session: &str,
    rows: &[(&Asset, String)],
) -> Result<(), StoreError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO assets (session_id, asset_id, name, source, kind, status, asset_url, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(session_id, asset_id) DO UPDATE SET
           name = ?3, source = ?4, kind = ?5, status = ?6, asset_url = ?7, data = ?8",
    )?;
    for (a, data) in rows {
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
            session,
            a.id,
            a.name,
            a.source.display(),
            a.kind.as_str(),
            status.word(),
            asset_url,
            data
        ])?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
