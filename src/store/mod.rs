//! Persistence: sessions, their asset rows, and an append-only event log, behind one contract
//! ([`SessionStore`]) so the engine knows no database: SQLite ([`Store`]) is the embedded one,
//! PostgreSQL ([`PgStore`]) a studio's shared roster.
//!
//! The engine writes a change before it announces it, so the database is the truth and a
//! restart rebuilds everything from it. A save writes only the rows that changed, and each
//! session row carries a version: a save over a version this store did not read is refused,
//! never silently overwritten. A session is driven by one engine at a time: the one holding its
//! [`Lease`]. Nothing here ever holds the API key.

use std::path::PathBuf;
use std::time::Duration;

use crate::flow::{AuditEntry, AuditNote, ConsentFields, ConsentVersion, Millis, Session, Stage};
use crate::text::Msg;

mod consent;
pub mod lock;
mod own;
mod postgres;
mod rows;
mod sqlite;
#[doc(hidden)]
pub mod testing;

pub use consent::StoredConsent;
pub use own::{OWN_FILES, OwnFiles};
pub use postgres::address as roster_address;
pub use postgres::{Insecure, PgStore};
pub use sqlite::Store;

/// Called when another desk changed the roster.
pub type OnChange = Box<dyn Fn() + Send>;

/// Who drives the sessions a store writes: one engine at a time, on any desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Random for each process: two desks cloned with one host name never share it.
    pub owner: String,
    /// The desk's name: labels the sessions it creates and says who holds one.
    pub kiosk: String,
    /// How long a lease lasts unless renewed.
    pub length: Duration,
}

impl Lease {
    /// How long a lease lasts unless renewed: a desk that died frees its sessions this long
    /// after its last renewal.
    pub const LENGTH: Duration = Duration::from_secs(10);

    /// The owner every engine on one data folder writes the folder's own file as: the folder
    /// lock already makes it the only writer, so a restart after a crash takes its sessions up
    /// at once instead of waiting for its own old leases to lapse.
    pub const FOLDER_OWNER: &'static str = "this-folder";

    /// The lease of the folder's own file, for this desk's name (see [`Lease::FOLDER_OWNER`]).
    pub fn folder(kiosk: &str, length: Duration) -> Lease {
        Lease {
            owner: Lease::FOLDER_OWNER.to_string(),
            kiosk: kiosk.to_string(),
            length,
        }
    }

    /// A fresh owner for this desk.
    pub fn new(kiosk: &str, length: Duration) -> Lease {
        Lease {
            owner: uuid::Uuid::new_v4().simple().to_string(),
            kiosk: kiosk.to_string(),
            length,
        }
    }

    /// A desk's name when none is given: the host's name.
    pub fn default_kiosk() -> String {
        match whoami::hostname() {
            Ok(host) if !host.trim().is_empty() => host.trim().to_string(),
            _ => "desk".to_string(),
        }
    }

    fn length_ms(&self) -> i64 {
        i64::try_from(self.length.as_millis()).unwrap_or(i64::MAX)
    }
}

/// What taking a session's lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// This engine holds it now.
    Yes,
    /// Another engine holds it, on this desk.
    HeldBy(String),
    /// No such session.
    Missing,
}

/// A session that has not reached a final stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    /// Session id.
    pub id: String,
    /// The desk that created it (empty for sessions from before desks had names).
    pub kiosk: String,
}

/// What the engine needs from a store. Errors are the store's own ([`StoreError`]), whatever
/// the database underneath.
pub trait SessionStore: Send {
    /// Who this store writes as.
    fn lease(&self) -> &Lease;
    /// True for a roster that other desks share.
    fn is_shared(&self) -> bool;
    /// Writes a session's changed rows and new log entries in one transaction.
    fn save(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// [`SessionStore::save`], on the disk before it returns: for the state that precedes a
    /// request that cannot be taken back. A store whose every commit is durable (PostgreSQL
    /// with `synchronous_commit` on, its default) needs nothing more than a save.
    fn save_durable(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError> {
        self.save(session, now, events)
    }
    /// One session with its assets.
    fn load(&mut self, id: &str) -> Result<Option<Session>, StoreError>;
    /// Sessions whose stage is not final, oldest first.
    fn unfinished(&mut self) -> Result<Vec<Unfinished>, StoreError>;
    /// Every session, newest first, with asset counts.
    fn list(&mut self) -> Result<Vec<SessionSummary>, StoreError>;
    /// Every session whole, newest first (People and the asset library are drawn from them).
    fn everyone(&mut self) -> Result<Vec<Session>, StoreError> {
        let ids: Vec<String> = self.list()?.into_iter().map(|r| r.id).collect();
        let mut all = Vec::with_capacity(ids.len());
        for id in ids {
            // One deleted meanwhile by another desk is simply not there.
            if let Some(s) = self.load(&id)? {
                all.push(s);
            }
        }
        Ok(all)
    }
    /// Deletes a session and its rows (the log keeps a deletion mark); refused
    /// ([`StoreError::Held`]) while another engine holds its lease.
    fn delete(&mut self, id: &str, now: Millis) -> Result<bool, StoreError>;
    /// Takes a session's lease: free, lapsed, or already ours. A session this store creates
    /// is leased to it by its first save.
    fn take(&mut self, id: &str, now: Millis) -> Result<Taken, StoreError>;
    /// Renews the leases held on these sessions; returns the ones still held.
    fn renew(&mut self, ids: &[String], now: Millis) -> Result<Vec<String>, StoreError>;
    /// Gives a session's lease up (finished, or the desk is closing).
    fn release(&mut self, id: &str) -> Result<(), StoreError>;
    /// Calls `on_change` whenever another desk changes the roster (a shared store only).
    fn watch(&mut self, on_change: OnChange) -> Result<(), StoreError>;
    /// Appends an entry to the audit log (one log for every desk sharing the store); returns
    /// it as stored, sealed and linked to the one before.
    fn audit(&mut self, note: &AuditNote) -> Result<AuditEntry, StoreError>;
    /// The audit log in order, or only one session's entries.
    fn audit_log(&mut self, session: Option<&str>) -> Result<Vec<AuditEntry>, StoreError>;
    /// The studio's consent text versions, oldest first.
    fn consent_versions(&mut self) -> Result<Vec<ConsentVersion>, StoreError>;
    /// A new version of the consent text from `fields`, numbered after the last one whichever
    /// desk made it.
    fn new_consent_version(
        &mut self,
        fields: &ConsentFields,
        now: Millis,
    ) -> Result<ConsentVersion, StoreError>;
    /// Keeps a session's consent; a second one for the same session is refused.
    fn keep_consent(&mut self, consent: &StoredConsent) -> Result<(), StoreError>;
    /// A session's consent.
    fn consent(&mut self, session_id: &str) -> Result<Option<StoredConsent>, StoreError>;
    /// Marks a session's consent withdrawn at `at`; false when there is none, or it already is.
    fn withdraw_consent(&mut self, session_id: &str, at: Millis) -> Result<bool, StoreError>;
    /// Rows inserted, changed or deleted through this store since it opened (for measuring).
    fn written(&self) -> u64;
    /// Statements sent to the database since it opened (for measuring).
    fn statements(&self) -> u64;
}

/// The OS user signed in at this desk, for the audit log ("unknown" when the system will not
/// say).
pub fn os_user() -> String {
    match whoami::username() {
        Ok(user) if !user.trim().is_empty() => user.trim().to_string(),
        _ => "unknown".to_string(),
    }
}

/// An audit log entry of `action` made now at `desk` by the OS user signed in here.
pub fn audit_note(
    desk: &str,
    action: crate::flow::AuditAction,
    session: Option<&str>,
    detail: String,
) -> crate::flow::AuditNote {
    crate::flow::AuditNote {
        at: crate::clock::now_ms(),
        desk: desk.to_string(),
        os_user: os_user(),
        action,
        session_id: session.map(str::to_string),
        detail,
    }
}

/// The database file name inside the data directory.
pub const DB_FILE: &str = "avatar-kiosk.sqlite3";

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error("the database {path} could not be opened: {reason}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why, in the database's words.
        reason: String,
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
    /// A query failed (the database's words).
    #[error("database error: {0}")]
    Sql(String),
    /// The session was saved by another writer since this one read it: nothing was written.
    #[error("session {0} was changed elsewhere since it was read")]
    Conflict(String),
    /// A stored row could not be read back.
    #[error("a stored session could not be read: {0}")]
    Corrupt(String),
    /// The database server cannot be reached (network, server down): nothing was written.
    #[error("the shared roster cannot be reached: {0}")]
    Unreachable(String),
    /// Another desk's engine drives the session now (its desk's name): nothing was changed.
    #[error("the session is open at the desk {0}")]
    Held(String),
    /// The address of the database is not one this app can use.
    #[error("the database address is not valid: {0}")]
    BadUrl(String),
    /// The server was not trusted with the password or the data: nothing was sent.
    #[error("the shared roster's server was not trusted: {0}")]
    Insecure(postgres::Insecure),
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
            StoreError::Conflict(_) => Msg::new("store-conflict"),
            StoreError::Sql(_) | StoreError::Io(_) => Msg::new("store-write"),
            StoreError::Corrupt(_) => Msg::new("store-corrupt"),
            StoreError::Unreachable(_) => Msg::new("store-unreachable"),
            StoreError::BadUrl(_) => Msg::new("store-bad-url"),
            StoreError::Insecure(why) => Msg::new(match why {
                postgres::Insecure::Cleartext | postgres::Insecure::Md5 => {
                    "store-insecure-password"
                }
                postgres::Insecure::NoTls => "store-insecure-plain",
                postgres::Insecure::Certificate(_) => "store-insecure-certificate",
            }),
            StoreError::Held(kiosk) => Msg::new("engine-held").text("kiosk", kiosk),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sql(e.to_string())
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
    /// The desk that created it (empty for sessions from before desks had names).
    pub kiosk: String,
    /// The desk whose engine drives it now, when that is not this one.
    pub held_by: Option<String>,
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

/// What `roster import` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Sessions copied into the roster.
    pub imported: Vec<String>,
    /// Sessions the roster already had (an import run twice copies nothing twice).
    pub skipped: Vec<String>,
}

/// Copies every session of `from` (a desk's own file) that `to` (the shared roster) does not
/// have yet, labelled with `to`'s desk name; leaves no lease behind. The event log stays in the
/// desk's file.
pub fn import(
    from: &mut dyn SessionStore,
    to: &mut dyn SessionStore,
    now: Millis,
) -> Result<Imported, StoreError> {
    let mut done = Imported::default();
    let mut listed = from.list()?;
    // Oldest first, so the roster's order matches the desk's.
    listed.reverse();
    for summary in listed {
        if to.load(&summary.id)?.is_some() {
            done.skipped.push(summary.id);
            continue;
        }
        let Some(mut session) = from.load(&summary.id)? else {
            continue;
        };
        // Its files are on the desk that imports it: it is labelled with that desk.
        session.kiosk = to.lease().kiosk.clone();
        let note = format!("imported from the desk's own file at {}", to.lease().kiosk);
        to.save(
            &session,
            now.max(summary.updated_at),
            &[("imported".into(), note)],
        )?;
        to.release(&session.id)?;
        done.imported.push(summary.id);
    }
    Ok(done)
}

#[cfg(test)]
mod tests;
