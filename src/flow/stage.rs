//! The wizard's step, computed from the session (so resuming is free).

use serde::{Deserialize, Serialize};

/// The wizard step, computed from the session (so resuming is free).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Getting a link.
    Start,
    /// Waiting for the phone.
    Verify,
    /// Verified; adding assets.
    Assets,
    /// Uploading.
    Uploading,
    /// Submitted, under review.
    Reviewing,
    /// Every current asset settled and at least one approved, none failed.
    FinishedAllApproved,
    /// Every current asset settled; some approved, some not.
    FinishedPartly,
    /// Every current asset settled and none approved, or verification failed.
    Failed,
    /// Staff cancelled.
    Cancelled,
}

impl Stage {
    /// Every stage.
    pub const ALL: [Stage; 9] = [
        Stage::Start,
        Stage::Verify,
        Stage::Assets,
        Stage::Uploading,
        Stage::Reviewing,
        Stage::FinishedAllApproved,
        Stage::FinishedPartly,
        Stage::Failed,
        Stage::Cancelled,
    ];

    /// The stages after which the engine has nothing more to do.
    pub const FINAL: [Stage; 4] = [
        Stage::FinishedAllApproved,
        Stage::FinishedPartly,
        Stage::Failed,
        Stage::Cancelled,
    ];

    /// The stage a [`Stage::word`] names.
    pub fn from_word(word: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.word() == word)
    }

    /// A stable word for the database and the CLI.
    pub fn word(self) -> &'static str {
        match self {
            Stage::Start => "start",
            Stage::Verify => "verify",
            Stage::Assets => "assets",
            Stage::Uploading => "uploading",
            Stage::Reviewing => "reviewing",
            Stage::FinishedAllApproved => "approved",
            Stage::FinishedPartly => "partly-approved",
            Stage::Failed => "failed",
            Stage::Cancelled => "cancelled",
        }
    }

    /// Whether the session needs nothing more from the engine.
    pub fn is_final(self) -> bool {
        Stage::FINAL.contains(&self)
    }
}
