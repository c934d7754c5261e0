//! The shared roster: PostgreSQL, reached over TLS checked as its address says (address.rs,
//! tls.rs; verified by default off this machine), the password only by SCRAM (guard.rs),
//! migrated by a version table under an advisory lock, and connected lazily so that a desk
//! starts (and keeps its work in memory) while the server is away.

use postgres::{Client, GenericClient};

use super::rows::{Memory, Plan, list_words, listed_stage, session_from};
use super::{Lease, OnChange, SessionStore, SessionSummary, StoreError, Taken, Unfinished};
use crate::flow::{AuditEntry, AuditNote, ConsentFields, ConsentVersion, Millis, Session, Stage};
use crate::store::StoredConsent;

pub mod address;
mod audit;
mod consent;
mod form;
mod guard;
mod schema;
#[cfg(test)]
mod tests;
mod tls;
mod watch;
mod write;

use write::{write_assets, write_log, write_session};

pub use guard::Insecure;

/// Where every desk hears that the roster changed; the payload is the writer's lease owner.
const CHANNEL: &str = "avatar_kiosk_roster";

/// The server's clock in milliseconds: leases are timed by one clock for every desk.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// How a desk reaches the server.
#[derive(Clone)]
struct Connector {
    config: postgres::Config,
    tls: tls::Connector,
}

impl Connector {
    fn connect(&self) -> Result<Client, StoreError> {
        let attempt = self.tls.attempt();
        self.config.connect(attempt.clone()).map_err(|e| {
            attempt
                .refused()
                .map_or_else(|| e.into(), StoreError::Insecure)
        })
    }
}

/// A studio's shared roster on PostgreSQL.
pub struct PgStore {
    connector: Connector,
    client: Option<Client>,
    lease: Lease,
    known: Memory,
    written: u64,
    statements: u64,
    listener: Option<watch::Listener>,
    /// After a failed connection, calls fail at once until then: an engine keeps answering
    /// while the roster is away instead of waiting out a connection timeout at each step.
    retry_at: Option<std::time::Instant>,
}

/// How long calls fail at once after a connection could not be made.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The address may hold a password: only the database's name is shown.
        f.debug_struct("PgStore")
            .field("dbname", &self.connector.config.get_dbname())
            .field("connected", &self.client.is_some())
            .finish()
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> StoreError {
        let Some(db) = e.as_db_error() else {
            return StoreError::Unreachable(e.to_string());
        };
        let code = db.code().code();
        let said = format!("{} ({code})", db.message());
        if code == "55P03" {
            // lock_timeout: another connection holds what this one needs (a stuck desk).
            return StoreError::Unreachable(said);
        }
        match code.get(..2).unwrap_or_default() {
            // Authentication, or no such database: the address needs fixing.
            "28" | "3D" => StoreError::BadUrl(said),
            // The connection broke, or the server is shutting down.
            "08" | "57" => StoreError::Unreachable(said),
            _ => StoreError::Sql(said),
        }
    }
}

impl PgStore {
    /// A store for the database at `url` (`postgres://user:password@host:port/dbname`),
    /// writing as `lease`. Nothing is sent until the first use: a desk starts while the server
    /// is away.
    pub fn new(url: &str, lease: Lease) -> Result<PgStore, StoreError> {
        let address = address::Address::parse(url)?;
        Ok(PgStore {
            connector: Connector {
                config: address.config,
                tls: tls::Connector::new(address.security)?,
            },
            client: None,
            lease,
            known: Memory::default(),
            written: 0,
            statements: 0,
            listener: None,
            retry_at: None,
        })
    }

    /// Connects now (and migrates), to find out at once whether the roster can be reached.
    pub fn connect(url: &str, lease: Lease) -> Result<PgStore, StoreError> {
        let mut store = PgStore::new(url, lease)?;
        store.with(|_, _| Ok(()))?;
        Ok(store)
    }

    /// Runs `f` on a live connection (connecting and migrating first when needed). A broken
    /// connection is dropped, so the next call connects again.
    fn with<R>(
        &mut self,
        f: impl FnOnce(&mut Client, &mut u64) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            self.client = None;
        }
        let client = match &mut self.client {
            Some(c) => c,
            None => {
                if self
                    .retry_at
                    .is_some_and(|at| std::time::Instant::now() < at)
                {
                    return Err(StoreError::Unreachable("trying again shortly".into()));
                }
                let connected = self.connector.connect().and_then(|mut c| {
                    schema::migrate(&mut c)?;
                    Ok(c)
                });
                match connected {
                    Ok(c) => {
                        self.retry_at = None;
                        self.client.insert(c)
                    }
                    Err(e) => {
                        self.retry_at = Some(std::time::Instant::now() + RETRY_AFTER);
                        return Err(e);
                    }
                }
            }
        };
        let result = f(client, &mut self.statements);
        if matches!(result, Err(StoreError::Unreachable(_))) {
            self.client = None;
        }
        result
    }

    /// Whether the server offers TLS, and whether this store's connection uses it.
    pub fn encryption(&mut self) -> Result<(bool, bool), StoreError> {
        self.with(|c, n| {
            *n += 2;
            let offered: String = get(&c.query_one("SHOW ssl", &[])?, 0)?;
            let used = c.query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )?;
            Ok((offered == "on", get(&used, 0)?))
        })
    }

    fn write(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        let plan = self.known.plan(session)?;
        let lease = self.lease.clone();
        let (version, rows) = self.with(|c, n| {
            let mut tx = c.transaction()?;
            let version = write_session(&mut tx, session, now, &plan, &lease)?;
            let assets = write_assets(&mut tx, &session.id, &plan)?;
            let logged = write_log(&mut tx, &session.id, now, events)?;
            tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &lease.owner])?;
            tx.commit()?;
            // BEGIN, the session, the notice, COMMIT; the assets and the log when there are any.
            *n += 4 + u64::from(assets > 0) + u64::from(logged > 0);
            Ok((version, 1 + assets + logged))
        })?;
        self.written += rows;
        self.known.saved(&session.id, version, &plan);
        Ok(())
    }
}

impl SessionStore for PgStore {
    fn lease(&self) -> &Lease {
        &self.lease
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn save(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        self.write(session, now, events)
    }

    fn load(&mut self, id: &str) -> Result<Option<Session>, StoreError> {
        let found = self.with(|c, n| {
            // One snapshot: the session row and its asset rows as of the same moment.
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            *n += 4;
            let Some(row) =
                tx.query_opt("SELECT data, version FROM sessions WHERE id = $1", &[&id])?
            else {
                tx.commit()?;
                return Ok(None);
            };
            let assets = tx.query(
                "SELECT data FROM assets WHERE session_id = $1 ORDER BY asset_id",
                &[&id],
            )?;
            tx.commit()?;
            let data: String = get(&row, 0)?;
            let rows = assets
                .iter()
                .map(|r| get::<String>(r, 0))
                .collect::<Result<Vec<_>, _>>()?;
            let session = session_from(id, &data, rows)?;
            Ok(Some((session, get::<i64>(&row, 1)?)))
        })?;
        match found {
            Some((session, version)) => {
                self.known.read(&session, version);
                Ok(Some(session))
            }
            None => {
                self.known.forget(id);
                Ok(None)
            }
        }
    }

    fn unfinished(&mut self) -> Result<Vec<Unfinished>, StoreError> {
        let words: Vec<&str> = Stage::FINAL.iter().map(|s| s.word()).collect();
        self.with(|c, n| {
            *n += 1;
            let rows = c.query(
                "SELECT id, kiosk FROM sessions WHERE NOT (stage = ANY($1)) OR busy
                 ORDER BY created_at",
                &[&words],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(Unfinished {
                        id: get(r, 0)?,
                        kiosk: get(r, 1)?,
                    })
                })
                .collect()
        })
    }

    fn list(&mut self) -> Result<Vec<SessionSummary>, StoreError> {
        let [w1, w2, w3, w4, w5, w6] = list_words();
        let owner = self.lease.owner.clone();
        let sql = format!(
            "SELECT s.id, s.person, s.created_at, s.updated_at, s.stage, s.kiosk,
                    CASE WHEN s.lease_owner <> $7 AND s.lease_until >= {NOW_MS}
                         THEN s.lease_kiosk END,
                    COUNT(a.asset_id) FILTER (WHERE a.status = $1),
                    COUNT(a.asset_id) FILTER (WHERE a.status IN ($2, $3, $4)),
                    COUNT(a.asset_id) FILTER (WHERE a.status NOT IN ($5, $6))
             FROM sessions s LEFT JOIN assets a ON a.session_id = s.id
             GROUP BY s.id ORDER BY s.created_at DESC"
        );
        self.with(|c, n| {
            *n += 1;
            let rows = c.query(&sql, &[&w1, &w2, &w3, &w4, &w5, &w6, &owner])?;
            let count = |r, i| get::<i64>(r, i).map(|v| u32::try_from(v).unwrap_or(u32::MAX));
            rows.iter()
                .map(|r| {
                    Ok(SessionSummary {
                        id: get(r, 0)?,
                        person: get(r, 1)?,
                        created_at: get(r, 2)?,
                        updated_at: get(r, 3)?,
                        stage: listed_stage(get(r, 4)?),
                        kiosk: get(r, 5)?,
                        held_by: get(r, 6)?,
                        active: count(r, 7)?,
                        failed: count(r, 8)?,
                        total: count(r, 9)?,
                    })
                })
                .collect()
        })
    }

    fn delete(&mut self, id: &str, now: Millis) -> Result<bool, StoreError> {
        self.known.forget(id);
        let owner = self.lease.owner.clone();
        let sql = format!(
            "DELETE FROM sessions WHERE id = $1
               AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < {NOW_MS})"
        );
        let deleted = self.with(|c, n| {
            let mut tx = c.transaction()?;
            // Never under another engine's live lease.
            let gone = tx.execute(&sql, &[&id, &owner])?;
            if gone == 0
                && let Some(r) =
                    tx.query_opt("SELECT lease_kiosk FROM sessions WHERE id = $1", &[&id])?
            {
                let kiosk: Option<String> = get(&r, 0)?;
                return Err(StoreError::Held(kiosk.unwrap_or_default()));
            }
            tx.execute("DELETE FROM events WHERE session_id = $1", &[&id])?;
            if gone > 0 {
                tx.execute(
                    "INSERT INTO events (session_id, at, kind, detail)
                     VALUES ($1, $2, 'deleted', 'deleted by staff for every desk')",
                    &[&id, &now],
                )?;
            }
            tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &owner])?;
            tx.commit()?;
            *n += 6;
            Ok(gone > 0)
        })?;
        self.written += u64::from(deleted);
        Ok(deleted)
    }

    fn take(&mut self, id: &str, _now: Millis) -> Result<Taken, StoreError> {
        let lease = self.lease.clone();
        let sql = format!(
            "UPDATE sessions SET lease_owner = $2, lease_kiosk = $3, lease_until = {NOW_MS} + $4
             WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < {NOW_MS})"
        );
        self.with(|c, n| {
            let mut tx = c.transaction()?;
            let kiosk = text(&lease.kiosk);
            let took = tx.execute(&sql, &[&id, &lease.owner, &kiosk, &lease.length_ms()])?;
            let holder = if took > 0 {
                tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &lease.owner])?;
                Taken::Yes
            } else {
                match tx.query_opt("SELECT lease_kiosk FROM sessions WHERE id = $1", &[&id])? {
                    Some(r) => Taken::HeldBy(get::<Option<String>>(&r, 0)?.unwrap_or_default()),
                    None => Taken::Missing,
                }
            };
            tx.commit()?;
            *n += 4;
            Ok(holder)
        })
    }

    fn renew(&mut self, ids: &[String], _now: Millis) -> Result<Vec<String>, StoreError> {
        let lease = self.lease.clone();
        let ids = ids.to_vec();
        let sql = format!(
            "UPDATE sessions SET lease_until = {NOW_MS} + $3
             WHERE id = ANY($1) AND lease_owner = $2 RETURNING id"
        );
        self.with(|c, n| {
            *n += 1;
            let rows = c.query(&sql, &[&ids, &lease.owner, &lease.length_ms()])?;
            rows.iter().map(|r| get(r, 0)).collect()
        })
    }

    fn release(&mut self, id: &str) -> Result<(), StoreError> {
        let owner = self.lease.owner.clone();
        self.with(|c, n| {
            *n += 1;
            c.execute(
                "UPDATE sessions SET lease_owner = NULL, lease_kiosk = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_owner = $2",
                &[&id, &owner],
            )?;
            Ok(())
        })
    }

    fn watch(&mut self, on_change: OnChange) -> Result<(), StoreError> {
        let listener =
            watch::Listener::start(self.connector.clone(), self.lease.owner.clone(), on_change)?;
        self.listener = Some(listener);
        Ok(())
    }

    fn audit(&mut self, note: &AuditNote) -> Result<AuditEntry, StoreError> {
        let entry = self.with(|c, n| {
            // BEGIN, the lock, the last entry, the new one, COMMIT.
            *n += 5;
            audit::append(c, note)
        })?;
        self.written += 1;
        Ok(entry)
    }

    fn audit_log(&mut self, session: Option<&str>) -> Result<Vec<AuditEntry>, StoreError> {
        self.with(|c, n| {
            *n += 1;
            audit::read(c, session)
        })
    }

    fn consent_versions(&mut self) -> Result<Vec<ConsentVersion>, StoreError> {
        self.with(|c, n| {
            *n += 1;
            consent::versions(c)
        })
    }

    fn new_consent_version(
        &mut self,
        fields: &ConsentFields,
        now: Millis,
    ) -> Result<ConsentVersion, StoreError> {
        let made = self.with(|c, n| {
            // BEGIN, the lock, the last number, the new row, COMMIT.
            *n += 5;
            consent::new_version(c, fields, now)
        })?;
        self.written += 1;
        Ok(made)
    }

    fn keep_consent(&mut self, kept: &StoredConsent) -> Result<(), StoreError> {
        self.with(|c, n| {
            *n += 1;
            consent::keep(c, kept)
        })?;
        self.written += 1;
        Ok(())
    }

    fn consent(&mut self, session_id: &str) -> Result<Option<StoredConsent>, StoreError> {
        self.with(|c, n| {
            *n += 1;
            consent::read(c, session_id)
        })
    }

    fn withdraw_consent(&mut self, session_id: &str, at: Millis) -> Result<bool, StoreError> {
        let done = self.with(|c, n| {
            *n += 1;
            consent::withdraw(c, session_id, at)
        })?;
        self.written += u64::from(done);
        Ok(done)
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn statements(&self) -> u64 {
        self.statements
    }
}

/// Text as PostgreSQL takes it: it refuses a NUL character anywhere in a text value, so one
/// arriving from outside (a name, an answer of the API) is shown as a replacement character
/// rather than refusing the whole save, again and again.
fn text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A column of a row, as this version expects it: a value of another type (a roster written
/// by a different program) is said, never a panic.
fn get<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    i: usize,
) -> Result<T, StoreError> {
    row.try_get(i)
        .map_err(|e| StoreError::Corrupt(format!("column {i}: {e}")))
}
