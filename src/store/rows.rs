//! What both databases write the same way: a session as a row and asset rows, the words in
//! their `status` column, and what a save must write given what the store last wrote or read.

use std::cell::RefCell;
use std::collections::HashMap;

use super::StoreError;
use crate::flow::{Asset, AssetId, AssetState, Session, Stage, Status};

/// What the `status` column of an asset row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowStatus {
    /// A current row, in this state.
    Current(Status),
    /// Removed by staff.
    Removed,
    /// Replaced by another row.
    Replaced,
}

impl RowStatus {
    pub(super) fn word(self) -> &'static str {
        match self {
            RowStatus::Current(s) => s.word(),
            RowStatus::Removed => "removed",
            RowStatus::Replaced => "replaced",
        }
    }

    fn of(a: &Asset) -> RowStatus {
        if a.removed {
            RowStatus::Removed
        } else if a.replaced_by.is_some() {
            RowStatus::Replaced
        } else {
            RowStatus::Current(a.state.status())
        }
    }
}

/// The words the history list counts by: approved; failed; not current.
pub(super) fn list_words() -> [&'static str; 6] {
    [
        Status::Active.word(),
        Status::Failed.word(),
        Status::Refused.word(),
        Status::UploadFailed.word(),
        RowStatus::Removed.word(),
        RowStatus::Replaced.word(),
    ]
}

/// The stage a listed row says. A word this version does not know (a row written by a newer
/// desk) still lists the session: as under review, which opens it and reads it again.
pub(super) fn listed_stage(word: &str) -> Stage {
    Stage::from_word(word).unwrap_or_else(|| {
        tracing::warn!("unknown stage {word:?} in the list; shown as under review");
        Stage::Reviewing
    })
}

/// One asset row to write, with its columns.
pub(super) struct AssetRow<'a> {
    pub(super) asset: &'a Asset,
    pub(super) status: &'static str,
    pub(super) asset_url: Option<&'a str>,
    pub(super) data: String,
}

/// What a save writes: the session's JSON (without its assets), the asset rows that differ,
/// and the version the row must still have (`None`: this store has not read it).
pub(super) struct Plan<'a> {
    pub(super) data: String,
    pub(super) changed: Vec<AssetRow<'a>>,
    pub(super) expected: Option<i64>,
}

/// What a store last wrote or read of a session: the version of its row, and each asset row
/// as stored.
#[derive(Debug, Default)]
struct Known {
    version: i64,
    assets: HashMap<AssetId, Asset>,
}

/// What a store knows of the sessions it wrote or read (filled by reads, which take `&self`).
#[derive(Debug, Default)]
pub(super) struct Memory(RefCell<HashMap<String, Known>>);

impl Memory {
    /// What saving `session` must write.
    pub(super) fn plan<'a>(&self, session: &'a Session) -> Result<Plan<'a>, StoreError> {
        let mut bare = session.clone();
        bare.assets.clear();
        let data = to_json(&bare)?;
        let known = self.0.borrow();
        let k = known.get(&session.id);
        let mut changed = Vec::new();
        // Compared as values: only the rows that differ are turned into JSON.
        for a in &session.assets {
            if k.and_then(|k| k.assets.get(&a.id)) != Some(a) {
                let asset_url = match &a.state {
                    AssetState::Active { asset_url, .. } => Some(asset_url.as_str()),
                    _ => None,
                };
                changed.push(AssetRow {
                    asset: a,
                    status: RowStatus::of(a).word(),
                    asset_url,
                    data: to_json(a)?,
                });
            }
        }
        Ok(Plan {
            data,
            changed,
            expected: k.map(|k| k.version),
        })
    }

    /// The save of `plan` committed at `version`.
    pub(super) fn saved(&self, id: &str, version: i64, plan: &Plan<'_>) {
        let mut known = self.0.borrow_mut();
        let k = known.entry(id.to_string()).or_default();
        k.version = version;
        for row in &plan.changed {
            k.assets.insert(row.asset.id, row.asset.clone());
        }
    }

    /// A session was read at `version`.
    pub(super) fn read(&self, session: &Session, version: i64) {
        let assets = session.assets.iter().map(|a| (a.id, a.clone())).collect();
        self.0
            .borrow_mut()
            .insert(session.id.clone(), Known { version, assets });
    }

    /// Nothing is known of a session any more (deleted, or not found).
    pub(super) fn forget(&self, id: &str) {
        self.0.borrow_mut().remove(id);
    }
}

/// Reads a session row's JSON and its asset rows' JSON back into a session.
pub(super) fn session_from(
    id: &str,
    data: &str,
    assets: impl IntoIterator<Item = String>,
) -> Result<Session, StoreError> {
    if !crate::flow::is_session_id(id) {
        return Err(StoreError::Corrupt(format!(
            "a session id that this app never makes: {}",
            crate::text::short_printable(id, 80)
        )));
    }
    let mut session: Session = serde_json::from_str(data)
        .map_err(|e| StoreError::Corrupt(format!("session {id}: {e}")))?;
    if session.id != id {
        return Err(StoreError::Corrupt(format!(
            "session {id} holds another id inside"
        )));
    }
    for row in assets {
        let asset: Asset = serde_json::from_str(&row)
            .map_err(|e| StoreError::Corrupt(format!("asset of {id}: {e}")))?;
        session.assets.push(asset);
    }
    Ok(session)
}

/// JSON for a `data` column.
fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row whose id is not of the form this app makes (it names files and bucket objects),
    /// or whose data holds another id, is not loaded.
    #[test]
    fn a_row_with_an_id_this_app_never_makes_is_refused() {
        let s = crate::flow::sample::reviewed_session("s-1", "Kim", 1, 1);
        let data = serde_json::to_string(&Session {
            assets: vec![],
            ..s.clone()
        })
        .unwrap();
        assert!(session_from("s-1", &data, Vec::<String>::new()).is_ok());
        for bad in ["../../etc", "a/b", "a\\b", "", "x.y", &"a".repeat(65)] {
            assert!(
                matches!(
                    session_from(bad, &data, Vec::<String>::new()),
                    Err(StoreError::Corrupt(_))
                ),
                "{bad}"
            );
        }
        assert!(
            session_from("s-2", &data, Vec::<String>::new()).is_err(),
            "another id inside"
        );
    }
}
