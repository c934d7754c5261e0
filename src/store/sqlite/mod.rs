//! The embedded store: SQLite in WAL mode, owner-only, migrated by `user_version`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{Memory, Plan, list_words, listed_stage, session_from};
use super::{
    DB_FILE, EventRecord, Lease, OnChange, SessionStore, SessionSummary, StoreError, Taken,
    Unfinished,
};
use crate::flow::{AuditEntry, AuditNote, ConsentFields, ConsentVersion, Millis, Session, Stage};
use crate::store::StoredConsent;

mod audit;
mod consent;
mod schema;

use schema::MIGRATIONS;

/// The SQLite database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    lease: Lease,
    known: Memory,
    /// Statements SQLite started on this connection (counted by its trace hook).
    statements: Arc<AtomicU64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

fn owner_only(path: &Path) -> std::io::Result<()> {
    crate::platform::private::narrow_path(path)
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
            crate::platform::private::options()
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
        }
        let mut conn = Connection::open(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.trace_v2(
            rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
            Some(move |e: rusqlite::trace::TraceEvent<'_>| {
                if let rusqlite::trace::TraceEvent::Stmt(..) = e {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }),
        )?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            lease: Lease::folder("", Lease::LENGTH),
            known: Memory::default(),
            statements,
        };
        store.migrate()?;
        for suffix in ["", "-wal", "-shm"] {
            owner_only(&PathBuf::from(format!("{}{suffix}", path.display())))?;
        }
        Ok(store)
    }

    /// The same store writing as `lease` (the desk's name and this engine's owner id).
    pub fn with_lease(mut self, lease: Lease) -> Store {
        self.lease = lease;
        self
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
        let plan = self.known.plan(session)?;
        let tx = self.conn.transaction()?;
        let version = write_session(&tx, session, now, &plan, &self.lease)?;
        write_assets(&tx, &session.id, &plan)?;
        {
            let mut log = tx.prepare_cached(
                "INSERT INTO events (session_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (kind, detail) in events {
                log.execute(params![session.id, now, kind, detail])?;
            }
        }
        tx.commit()?;
        self.known.saved(&session.id, version, &plan);
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
            self.known.forget(id);
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM assets WHERE session_id = ?1 ORDER BY asset_id")?;
        let rows = stmt
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let session = session_from(id, &data, rows)?;
        self.known.read(&session, version);
        Ok(Some(session))
    }

    /// Sessions whose stage is not final or whose test render is moving, oldest first.
    pub fn unfinished(&self) -> Result<Vec<Unfinished>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kiosk FROM sessions WHERE stage NOT IN (?1, ?2, ?3, ?4) OR busy <> 0
             ORDER BY created_at",
        )?;
        let [a, b, c, d] = Stage::FINAL.map(Stage::word);
        let rows = stmt.query_map(params![a, b, c, d], |r| {
            Ok(Unfinished {
                id: r.get(0)?,
                kiosk: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every session, newest first, with asset counts.
    pub fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.person, s.created_at, s.updated_at, s.stage, s.kiosk,
                    CASE WHEN s.lease_owner <> ?7 AND s.lease_until >= ?8
                         THEN s.lease_kiosk END,
                    COUNT(a.asset_id) FILTER (WHERE a.status = ?1),
                    COUNT(a.asset_id) FILTER (WHERE a.status IN (?2, ?3, ?4)),
                    COUNT(a.asset_id) FILTER (WHERE a.status NOT IN (?5, ?6))
             FROM sessions s LEFT JOIN assets a ON a.session_id = s.id
             GROUP BY s.id ORDER BY s.created_at DESC",
        )?;
        let [w1, w2, w3, w4, w5, w6] = list_words();
        let now = crate::clock::now_ms();
        let words = params![w1, w2, w3, w4, w5, w6, self.lease.owner, now];
        let rows = stmt.query_map(words, |r| {
            Ok(SessionSummary {
                id: r.get(0)?,
                person: r.get(1)?,
                created_at: r.get(2)?,
                updated_at: r.get(3)?,
                stage: listed_stage(&r.get::<_, String>(4)?),
                kiosk: r.get(5)?,
                held_by: r.get(6)?,
                active: r.get(7)?,
                failed: r.get(8)?,
                total: r.get(9)?,
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
        self.known.forget(id);
        let tx = self.conn.transaction()?;
        // Never under another engine's live lease.
        let n = tx.execute(
            "DELETE FROM sessions WHERE id = ?1
               AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until < ?3)",
            params![id, self.lease.owner, now],
        )?;
        if n == 0 {
            let holder: Option<Option<String>> = tx
                .query_row(
                    "SELECT lease_kiosk FROM sessions WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(kiosk) = holder {
                return Err(StoreError::Held(kiosk.unwrap_or_default()));
            }
        }
        tx.execute("DELETE FROM assets WHERE session_id = ?1", [id])?;
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
    fn lease(&self) -> &Lease {
        &self.lease
    }

    fn is_shared(&self) -> bool {
        false
    }

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

    fn load(&mut self, id: &str) -> Result<Option<Session>, StoreError> {
        Store::load(self, id)
    }

    fn unfinished(&mut self) -> Result<Vec<Unfinished>, StoreError> {
        Store::unfinished(self)
    }

    fn list(&mut self) -> Result<Vec<SessionSummary>, StoreError> {
        Store::list(self)
    }

    fn delete(&mut self, id: &str, now: Millis) -> Result<bool, StoreError> {
        Store::delete(self, id, now)
    }

    fn take(&mut self, id: &str, now: Millis) -> Result<Taken, StoreError> {
        let n = self.conn.execute(
            "UPDATE sessions SET lease_owner = ?2, lease_kiosk = ?3, lease_until = ?4 + ?5
             WHERE id = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until < ?4)",
            params![
                id,
                self.lease.owner,
                self.lease.kiosk,
                now,
                self.lease.length_ms()
            ],
        )?;
        if n > 0 {
            return Ok(Taken::Yes);
        }
        let holder: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT lease_kiosk FROM sessions WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match holder {
            Some(kiosk) => Taken::HeldBy(kiosk.unwrap_or_default()),
            None => Taken::Missing,
        })
    }

    fn renew(&mut self, ids: &[String], now: Millis) -> Result<Vec<String>, StoreError> {
        let mut held = Vec::new();
        let tx = self.conn.transaction()?;
        {
            let mut renew = tx.prepare_cached(
                "UPDATE sessions SET lease_until = ?3 + ?4 WHERE id = ?1 AND lease_owner = ?2",
            )?;
            for id in ids {
                if renew.execute(params![id, self.lease.owner, now, self.lease.length_ms()])? > 0 {
                    held.push(id.clone());
                }
            }
        }
        tx.commit()?;
        Ok(held)
    }

    fn release(&mut self, id: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET lease_owner = NULL, lease_kiosk = NULL, lease_until = NULL
             WHERE id = ?1 AND lease_owner = ?2",
            params![id, self.lease.owner],
        )?;
        Ok(())
    }

    fn watch(&mut self, _on_change: OnChange) -> Result<(), StoreError> {
        // One desk, one process (the folder lock): nobody else changes this file.
        Ok(())
    }

    fn audit(&mut self, note: &AuditNote) -> Result<AuditEntry, StoreError> {
        audit::append(&mut self.conn, note)
    }

    fn audit_log(&mut self, session: Option<&str>) -> Result<Vec<AuditEntry>, StoreError> {
        audit::read(&self.conn, session)
    }

    fn consent_versions(&mut self) -> Result<Vec<ConsentVersion>, StoreError> {
        consent::versions(&self.conn)
    }

    fn new_consent_version(
        &mut self,
        fields: &ConsentFields,
        now: Millis,
    ) -> Result<ConsentVersion, StoreError> {
        consent::new_version(&mut self.conn, fields, now)
    }

    fn keep_consent(&mut self, c: &StoredConsent) -> Result<(), StoreError> {
        consent::keep(&self.conn, c)
    }

    fn consent(&mut self, session_id: &str) -> Result<Option<StoredConsent>, StoreError> {
        consent::read(&self.conn, session_id)
    }

    fn withdraw_consent(&mut self, session_id: &str, at: Millis) -> Result<bool, StoreError> {
        consent::withdraw(&self.conn, session_id, at)
    }

    fn written(&self) -> u64 {
        self.conn.total_changes()
    }

    fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

/// Writes the session row: over the version this store read, when it read one (zero rows
/// changed means another writer came between: nothing is written), and never over a live
/// lease of another engine. Returns the version now stored.
fn write_session(
    tx: &rusqlite::Transaction<'_>,
    s: &Session,
    now: Millis,
    plan: &Plan<'_>,
    lease: &Lease,
) -> Result<i64, StoreError> {
    let stage = s.stage().word();
    let version: Option<i64> = if let Some(v) = plan.expected {
        tx.query_row(
            "UPDATE sessions SET person = ?2, updated_at = ?3, stage = ?4, data = ?5,
                 version = version + 1, busy = ?10,
                 lease_owner = ?7, lease_kiosk = ?8, lease_until = ?3 + ?9
             WHERE id = ?1 AND version = ?6
               AND (lease_owner IS NULL OR lease_owner = ?7 OR lease_until < ?3)
             RETURNING version",
            params![
                s.id,
                s.person,
                now,
                stage,
                plan.data,
                v,
                lease.owner,
                lease.kiosk,
                lease.length_ms(),
                s.rendering()
            ],
            |r| r.get(0),
        )
        .optional()?
    } else {
        tx.query_row(
            "INSERT INTO sessions (id, person, kiosk, created_at, updated_at, stage, data,
                 version, lease_owner, lease_kiosk, lease_until, busy)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?3, ?5 + ?9, ?10)
             ON CONFLICT(id) DO UPDATE SET person = ?2, updated_at = ?5, stage = ?6, data = ?7,
                 version = version + 1, lease_owner = ?8, lease_kiosk = ?3, busy = ?10,
                 lease_until = ?5 + ?9
               WHERE lease_owner IS NULL OR lease_owner = ?8 OR lease_until < ?5
             RETURNING version",
            params![
                s.id,
                s.person,
                lease.kiosk,
                s.created_at,
                now,
                stage,
                plan.data,
                lease.owner,
                lease.length_ms(),
                s.rendering()
            ],
            |r| r.get(0),
        )
        .optional()?
    };
    version.ok_or_else(|| StoreError::Conflict(s.id.clone()))
}

/// Writes the asset rows that changed.
fn write_assets(
    tx: &rusqlite::Transaction<'_>,
    session: &str,
    plan: &Plan<'_>,
) -> Result<(), StoreError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO assets (session_id, asset_id, name, source, kind, status, asset_url, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(session_id, asset_id) DO UPDATE SET
           name = ?3, source = ?4, kind = ?5, status = ?6, asset_url = ?7, data = ?8",
    )?;
    for row in &plan.changed {
        let a = row.asset;
        upsert.execute(params![
            session,
            a.id,
            a.name,
            a.source.display(),
            a.kind.as_str(),
            row.status,
            row.asset_url,
            row.data
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
