//! Where one asset row stands, with data (`AssetState`) and as a word (`Status`).

use serde::{Deserialize, Serialize};

use crate::text::Msg;

/// Where one asset stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssetState {
    /// Added, nothing sent.
    Staged,
    /// Being uploaded (bytes sent of total).
    Uploading {
        /// Bytes sent.
        sent: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Uploaded; the URL to submit.
    Uploaded {
        /// The upload's public URL.
        url: String,
    },
    /// The upload failed; staff can resubmit, replace or remove it.
    UploadFailed {
        /// Why, for staff.
        reason: Msg,
    },
    /// The submit request is out; no answer yet.
    Submitting {
        /// The URL submitted.
        url: String,
    },
    /// Accepted into a review task.
    Submitted {
        /// The URL submitted.
        url: String,
        /// The review task.
        task_id: String,
    },
    /// The submit's answer was lost: it may or may not have been accepted.
    Uncertain {
        /// The URL submitted.
        url: String,
        /// What happened, for staff.
        reason: Msg,
        /// How many review tasks the session had when the answer was lost: only tasks from
        /// this index on can reconcile the row.
        #[serde(default)]
        since_task: usize,
    },
    /// The submit request was refused: nothing was created upstream.
    Refused {
        /// Why, for staff.
        reason: Msg,
    },
    /// Approved.
    Active {
        /// The `asset://` URL.
        asset_url: String,
        /// The upstream asset id.
        asset_id: Option<String>,
    },
    /// Refused by review.
    Failed {
        /// Upstream code, e.g. `FaceMismatch`.
        code: Option<String>,
        /// Upstream message.
        message: Option<String>,
    },
}

/// A row's state without its data: what the database's `status` column and the exports hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// See [`AssetState::Staged`].
    Staged,
    /// See [`AssetState::Uploading`].
    Uploading,
    /// See [`AssetState::Uploaded`].
    Uploaded,
    /// See [`AssetState::UploadFailed`].
    UploadFailed,
    /// See [`AssetState::Submitting`].
    Submitting,
    /// See [`AssetState::Submitted`].
    Processing,
    /// See [`AssetState::Uncertain`].
    Uncertain,
    /// See [`AssetState::Refused`].
    Refused,
    /// See [`AssetState::Active`].
    Active,
    /// See [`AssetState::Failed`].
    Failed,
}

impl Status {
    /// The stable word written to the database, the CLI and exports.
    pub fn word(self) -> &'static str {
        match self {
            Status::Staged => "staged",
            Status::Uploading => "uploading",
            Status::Uploaded => "uploaded",
            Status::UploadFailed => "upload-failed",
            Status::Submitting => "submitting",
            Status::Processing => "processing",
            Status::Uncertain => "uncertain",
            Status::Refused => "refused",
            Status::Active => "active",
            Status::Failed => "failed",
        }
    }
}

impl AssetState {
    /// The state without its data.
    pub fn status(&self) -> Status {
        match self {
            AssetState::Staged => Status::Staged,
            AssetState::Uploading { .. } => Status::Uploading,
            AssetState::Uploaded { .. } => Status::Uploaded,
            AssetState::UploadFailed { .. } => Status::UploadFailed,
            AssetState::Submitting { .. } => Status::Submitting,
            AssetState::Submitted { .. } => Status::Processing,
            AssetState::Uncertain { .. } => Status::Uncertain,
            AssetState::Refused { .. } => Status::Refused,
            AssetState::Active { .. } => Status::Active,
            AssetState::Failed { .. } => Status::Failed,
        }
    }

    /// A stable word for tables, filters and the database.
    pub fn word(&self) -> &'static str {
        self.status().word()
    }

    /// Whether staff must act (failed, refused, upload failed or uncertain): exactly the rows
    /// `export::problem` has a sentence for.
    pub fn needs_staff(&self) -> bool {
        matches!(
            self,
            AssetState::Failed { .. }
                | AssetState::Refused { .. }
                | AssetState::UploadFailed { .. }
                | AssetState::Uncertain { .. }
        )
    }

    /// Whether nothing more will happen without staff.
    pub fn is_settled(&self) -> bool {
        matches!(self, AssetState::Active { .. }) || self.needs_staff()
    }
}
