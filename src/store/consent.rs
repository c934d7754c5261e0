//! What the store keeps of consent: the studio's text versions (one numbered list for every
//! desk on a shared roster) and each session's record with the person's signature (a PNG kept
//! in the store, never as a file). The record outlives a withdrawal: it proves what was given.

use crate::flow::{ConsentBy, ConsentFields, ConsentItem, ConsentRecord, ConsentVersion};

use super::StoreError;

/// A session's consent as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConsent {
    /// The session.
    pub session_id: String,
    /// The desk it was given at.
    pub desk: String,
    /// The person's name.
    pub person: String,
    /// What was answered, to which text.
    pub record: ConsentRecord,
    /// The signature, a PNG (none for staff's attestation).
    pub signature_png: Option<Vec<u8>>,
}

/// The columns of a consent row as text, for both databases.
pub(super) struct ConsentColumns {
    pub by: &'static str,
    pub language: &'static str,
    pub answers: String,
}

impl ConsentColumns {
    pub(super) fn of(r: &ConsentRecord) -> ConsentColumns {
        ConsentColumns {
            by: match r.by {
                ConsentBy::Person => "person",
                ConsentBy::Staff => "staff",
            },
            language: r.language.code(),
            answers: serde_json::to_string(&r.answers).unwrap_or_else(|_| "[]".into()),
        }
    }
}

/// A record from its stored columns; what another program wrote wrong is said, not guessed.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_from(
    by: &str,
    version: i64,
    text_sha256: String,
    language: &str,
    answers: &str,
    at: i64,
    withdrawn_at: Option<i64>,
) -> Result<ConsentRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("consent: {what}"));
    let by = match by {
        "person" => ConsentBy::Person,
        "staff" => ConsentBy::Staff,
        other => return Err(corrupt(&format!("given by {other:?}"))),
    };
    let answers: Vec<(ConsentItem, bool)> =
        serde_json::from_str(answers).map_err(|e| corrupt(&format!("answers: {e}")))?;
    Ok(ConsentRecord {
        by,
        version: u32::try_from(version).map_err(|_| corrupt("version"))?,
        text_sha256,
        language: crate::api::Language::from_code(language).ok_or_else(|| corrupt("language"))?,
        answers,
        at,
        withdrawn_at,
    })
}

/// A version from its stored columns.
pub(super) fn version_from(
    number: i64,
    created_at: i64,
    fields: &str,
) -> Result<ConsentVersion, StoreError> {
    let fields: ConsentFields = serde_json::from_str(fields)
        .map_err(|e| StoreError::Corrupt(format!("consent text {number}: {e}")))?;
    Ok(ConsentVersion {
        number: u32::try_from(number)
            .map_err(|_| StoreError::Corrupt("consent text number".into()))?,
        created_at,
        fields,
    })
}
