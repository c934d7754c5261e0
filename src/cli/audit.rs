//! `audit`: the log of every action on a person's data, as the store keeps it (one log for
//! every desk on a shared roster), and the check that no entry was changed or removed.

use serde_json::json;

use crate::flow::{AuditEntry, BrokenWhy};
use crate::store::SessionStore;

/// `audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// One JSON object per line, every column of the entry.
    #[arg(long)]
    pub json: bool,
    /// Only this session's entries (see `sessions`).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Check the whole log's chain of hashes: exit code 1, naming the first entry that was
    /// changed or follows one removed, when it does not hold.
    #[arg(long, conflicts_with = "session")]
    pub verify: bool,
}

/// The lines `audit` prints, or (with `--verify`) why the log does not hold.
pub fn run(store: &mut dyn SessionStore, args: &AuditArgs) -> Result<Vec<String>, String> {
    let mut read = |session| store.audit_log(session).map_err(|e| e.advice().english());
    if args.verify {
        let log = read(None)?;
        return match crate::flow::verify(&log) {
            Ok(()) if args.json => Ok(vec![
                json!({ "verified": true, "entries": log.len() }).to_string(),
            ]),
            Ok(()) => Ok(vec![format!(
                "The audit log holds: {} entries, each sealed and linked to the one before.",
                log.len()
            )]),
            Err(b) => Err(format!(
                "The audit log is broken at entry {}: {}. Restore the database from a backup \
                 taken before that entry, or keep this result as the record of the change.",
                b.seq,
                match b.why {
                    BrokenWhy::Changed => "its columns were changed after it was written",
                    BrokenWhy::Unlinked => {
                        "it no longer follows the entry before it (that one was changed or removed)"
                    }
                    BrokenWhy::Missing => "the entries just before it were removed",
                }
            )),
        };
    }
    let log = read(args.session.as_deref())?;
    if args.json {
        return Ok(log.iter().map(|e| json!(e).to_string()).collect());
    }
    let mut rows = vec![
        [
            "SEQ",
            "TIME (UTC)",
            "DESK",
            "USER",
            "ACTION",
            "SESSION",
            "DETAIL",
        ]
        .map(String::from)
        .to_vec(),
    ];
    rows.extend(log.iter().map(row));
    Ok(super::report::aligned(rows, &[0]))
}

fn row(e: &AuditEntry) -> Vec<String> {
    let clean = super::report::clean;
    vec![
        e.seq.to_string(),
        super::report::utc(e.at, "%Y-%m-%d %H:%M:%S"),
        clean(&e.desk),
        clean(&e.os_user),
        clean(&e.action),
        clean(e.session_id.as_deref().unwrap_or("-")),
        clean(&e.detail),
    ]
}
