//! The audit log's rules: what an entry holds, how each entry seals itself and the one before
//! it (a hash chain), and how a chain read back is checked. No IO: the store keeps the rows
//! (`audit_log`, one column per field) and appends them one at a time.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Millis;

/// What was done to a person's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// The consent text was shown to the person.
    ConsentShown,
    /// The person signed it.
    ConsentSigned,
    /// The person declined it (nothing was sent).
    ConsentDeclined,
    /// A session started.
    Start,
    /// Assets were added.
    Add,
    /// A summary was exported.
    Export,
    /// The `asset://` URLs were copied.
    Copy,
    /// A test render was started.
    Render,
    /// Expired copies were purged.
    Purge,
    /// The person withdrew.
    Withdraw,
    /// The person was deleted.
    Delete,
}

impl AuditAction {
    /// Every action, in the order above.
    pub const ALL: [AuditAction; 11] = [
        AuditAction::ConsentShown,
        AuditAction::ConsentSigned,
        AuditAction::ConsentDeclined,
        AuditAction::Start,
        AuditAction::Add,
        AuditAction::Export,
        AuditAction::Copy,
        AuditAction::Render,
        AuditAction::Purge,
        AuditAction::Withdraw,
        AuditAction::Delete,
    ];

    /// Its word in the table and in JSON.
    pub fn word(self) -> &'static str {
        match self {
            AuditAction::ConsentShown => "consent-shown",
            AuditAction::ConsentSigned => "consent-signed",
            AuditAction::ConsentDeclined => "consent-declined",
            AuditAction::Start => "start",
            AuditAction::Add => "add",
            AuditAction::Export => "export",
            AuditAction::Copy => "copy",
            AuditAction::Render => "render",
            AuditAction::Purge => "purge",
            AuditAction::Withdraw => "withdraw",
            AuditAction::Delete => "delete",
        }
    }

    /// The action a stored word names, if any.
    pub fn from_word(word: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.word() == word)
    }
}

impl Serialize for AuditAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.word())
    }
}

/// An entry about to be appended: what the caller knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNote {
    /// When.
    pub at: Millis,
    /// Which desk.
    pub desk: String,
    /// The OS user signed in at the desk.
    pub os_user: String,
    /// What was done.
    pub action: AuditAction,
    /// To whose session (none for a purge over many).
    pub session_id: Option<String>,
    /// A short free text (counts, file names the app made, asset ids).
    pub detail: String,
}

/// One entry of the log as stored: the note, its place, the hash of the entry before it and
/// its own hash over all of that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Its place in the log, from 1, with no gaps.
    pub seq: i64,
    /// When, in milliseconds.
    pub at: Millis,
    /// Which desk.
    pub desk: String,
    /// The OS user.
    pub os_user: String,
    /// The action's word as stored (a word this version does not know is kept as written).
    pub action: String,
    /// Whose session.
    pub session_id: Option<String>,
    /// The short free text.
    pub detail: String,
    /// The previous entry's hash (the first entry's is [`GENESIS`]).
    pub prev_hash: String,
    /// SHA-256, in hex, over every other column (see [`seal`]).
    pub hash: String,
}

/// The previous hash of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The entry that follows `last` (none: the log is empty) for `note`, sealed.
pub fn next_entry(last: Option<&AuditEntry>, note: &AuditNote) -> AuditEntry {
    let mut entry = AuditEntry {
        // A place written by someone else at the end of the range is not followed: the store
        // refuses the repeated place.
        seq: last.map_or(1, |l| l.seq.saturating_add(1)),
        at: note.at,
        desk: note.desk.clone(),
        os_user: note.os_user.clone(),
        action: note.action.word().to_string(),
        session_id: note.session_id.clone(),
        detail: note.detail.clone(),
        prev_hash: last.map_or_else(|| GENESIS.to_string(), |l| l.hash.clone()),
        hash: String::new(),
    };
    entry.hash = seal(&entry);
    entry
}

/// The hash an entry should carry: SHA-256 over its columns but `hash`, each written as its
/// length and its bytes, so no two different rows read the same.
pub fn seal(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let session = e.session_id.as_deref();
    let fields: [&[u8]; 8] = [
        &e.seq.to_be_bytes(),
        &e.at.to_be_bytes(),
        e.desk.as_bytes(),
        e.os_user.as_bytes(),
        e.action.as_bytes(),
        // A missing session and an empty one are different rows.
        if session.is_some() { b"1" } else { b"0" },
        session.unwrap_or_default().as_bytes(),
        e.detail.as_bytes(),
    ];
    for f in fields.iter().chain([&e.prev_hash.as_bytes()]) {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a chain read back stops holding, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first entry that does not hold.
    pub seq: i64,
    /// What is wrong with it.
    pub why: BrokenWhy,
}

/// What is wrong with an entry of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenWhy {
    /// Its columns no longer match its hash: it was changed.
    Changed,
    /// It does not follow the entry before it (the one before was removed or changed).
    Unlinked,
    /// Entries before it are missing (its place is not the next one).
    Missing,
}

/// Checks a log read back in order of `seq`: every entry sealed by its own columns, each one
/// naming the one before. The first entry that fails is named.
pub fn verify(entries: &[AuditEntry]) -> Result<(), Broken> {
    let mut prev: Option<&AuditEntry> = None;
    for e in entries {
        let broken = |why| Err(Broken { seq: e.seq, why });
        if Some(e.seq) != prev.map_or(Some(1), |p| p.seq.checked_add(1)) {
            return broken(BrokenWhy::Missing);
        }
        if e.prev_hash != prev.map_or(GENESIS, |p| p.hash.as_str()) {
            return broken(BrokenWhy::Unlinked);
        }
        if e.hash != seal(e) {
            return broken(BrokenWhy::Changed);
        }
        prev = Some(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(action: AuditAction, session: Option<&str>) -> AuditNote {
        AuditNote {
            at: 1_700_000_000_000,
            desk: "desk-1".into(),
            os_user: "mina".into(),
            action,
            session_id: session.map(str::to_string),
            detail: "2 photos".into(),
        }
    }

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut log: Vec<AuditEntry> = Vec::new();
        for (i, a) in AuditAction::ALL.iter().cycle().take(n).enumerate() {
            let session = (!i.is_multiple_of(3)).then_some("s-1");
            let e = next_entry(log.last(), &note(*a, session));
            log.push(e);
        }
        log
    }

    #[test]
    fn a_chain_as_written_holds_and_starts_from_the_genesis() {
        let log = chain(12);
        assert_eq!(log[0].seq, 1);
        assert_eq!(log[0].prev_hash, GENESIS);
        assert_eq!(log[5].prev_hash, log[4].hash);
        assert_eq!(log[0].hash.len(), 64);
        assert_eq!(verify(&log), Ok(()));
        assert_eq!(verify(&[]), Ok(()));
    }

    #[test]
    fn a_changed_column_names_its_entry() {
        let edits: [fn(&mut AuditEntry); 6] = [
            |e| e.at += 1,
            |e| e.desk.push('x'),
            |e| e.os_user = "someone".into(),
            |e| e.action = "export".into(),
            |e| e.session_id = None,
            |e| e.detail.clear(),
        ];
        for edit in edits {
            let mut log = chain(6);
            // The fifth entry: an `add`, with a session.
            edit(&mut log[4]);
            let broken = verify(&log).unwrap_err();
            assert_eq!((broken.seq, broken.why), (5, BrokenWhy::Changed));
        }
    }

    #[test]
    fn a_row_resealed_after_a_change_breaks_the_next_link() {
        let mut log = chain(6);
        log[2].detail = "nothing happened".into();
        log[2].hash = seal(&log[2]);
        let broken = verify(&log).unwrap_err();
        assert_eq!((broken.seq, broken.why), (4, BrokenWhy::Unlinked));
    }

    #[test]
    fn a_removed_row_names_the_entry_after_it() {
        let mut log = chain(6);
        log.remove(2);
        let broken = verify(&log).unwrap_err();
        assert_eq!((broken.seq, broken.why), (4, BrokenWhy::Missing));
        // Renumbered to hide the gap, the link still gives it away.
        for (i, e) in log.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        let broken = verify(&log).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(matches!(
            broken.why,
            BrokenWhy::Unlinked | BrokenWhy::Changed
        ));
    }

    #[test]
    fn no_session_and_an_empty_session_seal_differently() {
        let a = next_entry(None, &note(AuditAction::Purge, None));
        let b = next_entry(None, &note(AuditAction::Purge, Some("")));
        assert_ne!(a.hash, b.hash);
    }

    #[test]
    fn every_action_has_its_own_word_and_reads_back() {
        let words: std::collections::HashSet<_> =
            AuditAction::ALL.iter().map(|a| a.word()).collect();
        assert_eq!(words.len(), AuditAction::ALL.len());
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_word(a.word()), Some(a));
        }
        assert_eq!(AuditAction::from_word("nonsense"), None);
    }
}
