//! `consent SESSION_ID --out FILE.pdf`: the person's consent receipt (and, after a
//! withdrawal, what was deleted and what remains at APIMart), written where staff say and
//! logged as taken out.

use std::path::PathBuf;

use serde_json::json;

use crate::engine::{RECEIPT_SAVED, make_receipt};
use crate::flow::AuditAction;
use crate::store::{SessionStore, audit_note};

/// `consent`.
#[derive(Debug, clap::Args)]
pub struct ConsentArgs {
    /// The session (see `people` or `sessions`).
    pub session: String,
    /// Where to write the PDF (its folder must exist; a file there is replaced).
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
    /// One JSON object: the session, the person, the file and its size.
    #[arg(long)]
    pub json: bool,
}

/// Writes the receipt and says so; `desk` is this desk's name for the audit log.
pub fn run(
    store: &mut dyn SessionStore,
    args: &ConsentArgs,
    desk: &str,
) -> Result<Vec<String>, String> {
    let out = &args.out;
    super::out::writable(out, "--out", "receipt.pdf", "no receipt was written")?;
    let zone = jiff::tz::TimeZone::system();
    let receipt = make_receipt(store, &args.session, &zone).map_err(|m| m.english())?;
    crate::config::write_private(out, &receipt.pdf)
        .map_err(|e| format!("{} could not be written: {e}", out.display()))?;
    let session = Some(receipt.session.as_str());
    let note = audit_note(desk, AuditAction::Export, session, RECEIPT_SAVED.into());
    // The file is written: a log that cannot take the entry is said, not hidden.
    let logged = store.audit(&note).map_err(|e| e.advice().english());
    let file = out.display().to_string();
    let bytes = receipt.pdf.len();
    let mut lines = vec![if args.json {
        json!({ "event": "receipt", "session": receipt.session, "person": receipt.person,
                "file": file, "bytes": bytes })
        .to_string()
    } else {
        format!(
            "Saved {}'s consent receipt to {file} ({bytes} bytes).",
            super::report::clean(&receipt.person)
        )
    }];
    if let Err(why) = logged {
        return Err(format!(
            "{} The audit log did not take the entry: {why}",
            lines.remove(0)
        ));
    }
    Ok(lines)
}
