//! Persistence: sessions, their asset rows, and an append-only event log, behind one contract
//! ([`SessionStore`]) so the engine knows no database; SQLite ([`Store`]) is the embedded one.
//!
//! The engine writes a change before it announces it, so the database is the truth and a
//! restart rebuilds everything from it. A save writes only the rows that changed, and each
//! session row carries a version: a save over a version this store did not read is refused,
//! never silently overwritten. Nothing here ever holds the API key.

use std::path::PathBuf;

use crate::flow::{Millis, Session, Stage, Status};
use crate::text::Msg;

pub mod lock;
mod sqlite;

pub use sqlite::Store;

/// What the engine needs from a store. Errors are the store's own ([`StoreError`]), whatever
/// the database underneath.
pub trait SessionStore: Send {
    /// Writes a session's changed rows and new log entries in one transaction.
    fn save(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// [`SessionStore::save`], on the disk before it returns: for the state that precedes a
    /// request that cannot be taken back.
    fn save_durable(
        &mut self,
        session: &Session,
        now: Millis,
        events: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// One session with its assets.
    fn load(&self, id: &str) -> Result<Option<Session>, StoreError>;
    /// Ids of sessions whose stage is not final, oldest first.
    fn unfinished(&self) -> Result<Vec<String>, StoreError>;
    /// Every session, newest first, with asset counts.
    fn list(&self) -> Result<Vec<SessionSummary>, StoreError>;
    /// Deletes a session and its rows (the log keeps a deletion mark).
    fn delete(&mut self, id: &str, now: Millis) -> Result<bool, StoreError>;
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
