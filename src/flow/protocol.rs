//! What reaches a session ([`Input`]) and what it asks for ([`Effect`]), and why it may refuse.

use std::path::PathBuf;

use crate::api::{AssetInput, AssetKind, ReviewItem, VerificationOutcome};
use crate::text::Msg;

use super::{AssetId, AssetSource, Millis};

/// What happens to a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Staff asks for a (new) link.
    RequestLink,
    /// A link arrived.
    LinkReady {
        /// Task id.
        task_id: String,
        /// H5 link.
        h5_link: String,
        /// One-time token.
        token: String,
        /// When it was issued.
        issued_at: Millis,
        /// Expiry.
        expires_at: Millis,
        /// The key in the link's callback address, when it has one.
        callback_key: Option<String>,
    },
    /// Getting a link failed.
    LinkFailed {
        /// For staff.
        reason: Msg,
    },
    /// The phone's redirect (or a webhook) reached the callback.
    PhoneCallback {
        /// `resultCode`.
        result_code: String,
        /// `bytedToken`, when sent.
        token: Option<String>,
        /// A message, when sent.
        message: Option<String>,
        /// The key in the address the callback came to, when it had one.
        callback_key: Option<String>,
    },
    /// Staff confirms that the phone shows success.
    StaffConfirmed,
    /// The answer to the verification result request.
    VerificationAnswer(VerificationOutcome),
    /// The verification result request certainly did not reach the upstream (no connection, a
    /// refused key, a 429): the token is unused and waits for the next signal.
    VerificationNotSent {
        /// For staff.
        reason: Msg,
    },
    /// The verification result request failed.
    VerificationError {
        /// For staff.
        reason: Msg,
    },
    /// Staff adds assets.
    AddAssets(Vec<(String, AssetSource, AssetKind)>),
    /// What the camera's hints say about the current row from `source` (a capture).
    Hints {
        /// The row's source.
        source: AssetSource,
        /// The hints, each saying what to do.
        hints: Vec<Msg>,
    },
    /// The pre-send check of a row finished: `Ok` with the content hash of a local file (or
    /// `None` for a URL), or what is wrong.
    Checked {
        /// Row.
        asset: AssetId,
        /// The verdict.
        result: Result<Option<String>, Msg>,
    },
    /// Staff removes a row.
    Remove(AssetId),
    /// Staff submits everything staged.
    Submit,
    /// Upload progress.
    UploadProgress {
        /// Row.
        asset: AssetId,
        /// Bytes sent.
        sent: u64,
        /// Bytes in all.
        total: u64,
    },
    /// A local video is in the studio's bucket under this name (before [`Input::Uploaded`]).
    Hosted {
        /// Row.
        asset: AssetId,
        /// Where.
        at: super::Hosted,
    },
    /// An upload finished.
    Uploaded {
        /// Row.
        asset: AssetId,
        /// Public URL.
        url: String,
    },
    /// An upload failed.
    UploadFailed {
        /// Row.
        asset: AssetId,
        /// For staff.
        reason: Msg,
    },
    /// What became of one submit request.
    SubmitResult {
        /// Rows it carried.
        assets: Vec<AssetId>,
        /// What happened.
        outcome: SubmitOutcome,
    },
    /// A review task was read.
    ReviewUpdate {
        /// The task.
        task_id: String,
        /// Its items.
        items: Vec<ReviewItem>,
        /// The task is final: rows it gave no verdict for will get none.
        done: bool,
        /// The task's error message, when it failed.
        error: Option<String>,
    },
    /// The upstream no longer knows a review task (404 when read again, as after a restart
    /// against a gateway that forgot it): its rows without a verdict may or may not be
    /// reviewed, and staff may submit them again.
    ReviewUnknown {
        /// The task.
        task_id: String,
    },
    /// Staff resubmits a settled row as it is.
    Resubmit(AssetId),
    /// The copies this desk made of the person, and their bucket objects, were removed (the
    /// retention purge). Only for a session at rest.
    CopiesRemoved {
        /// When.
        at: Millis,
    },
    /// The person withdrew their consent; their copies are gone. Only for a session at rest.
    Withdrawn {
        /// When.
        at: Millis,
    },
    /// Staff replaces a row with another source.
    Replace {
        /// The row replaced.
        asset: AssetId,
        /// New name.
        name: String,
        /// New source.
        source: AssetSource,
        /// Its kind.
        kind: AssetKind,
    },
    /// Staff cancels.
    Cancel,
    /// A test render moved on.
    Render(super::RenderInput),
    /// The time is now.
    Tick(Millis),
}

/// What became of one submit request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Accepted into this review task.
    Accepted(String),
    /// Refused: nothing created.
    Refused(Msg),
    /// The answer was lost.
    Lost(Msg),
    /// Not sent (an earlier request failed).
    NotSent,
}

/// IO the engine must carry out after persisting the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Create a verification session and read its link.
    IssueLink,
    /// Ask for the verification result with this token (once).
    QueryVerification {
        /// The token.
        token: String,
    },
    /// Read the verification task until it holds a group id.
    FollowVerification {
        /// The task.
        task_id: String,
    },
    /// Check a new row before anything is sent: read and prepare a file, probe a URL.
    Check {
        /// Row.
        asset: AssetId,
        /// What to check.
        source: AssetSource,
        /// Image or video, as decided when the row was added.
        kind: AssetKind,
    },
    /// Upload a local file: an image's prepared copy (kept under `hash` when known) to the
    /// API, a video to the studio's bucket.
    Upload {
        /// Row.
        asset: AssetId,
        /// Image or video, as decided when the row was added.
        kind: AssetKind,
        /// File.
        path: PathBuf,
        /// The original's content hash, naming the prepared copy.
        hash: Option<String>,
    },
    /// Submit these assets (the client splits by kind and 20s).
    Submit {
        /// The group.
        group_id: String,
        /// Row ids with what to send.
        assets: Vec<(AssetId, AssetInput)>,
    },
    /// Poll a review task until it is final.
    PollReview {
        /// The task.
        task_id: String,
    },
    /// Ask for a test render (once: it is billed).
    CreateVideo {
        /// The render.
        render: super::RenderId,
        /// What to ask.
        request: super::RenderRequest,
    },
    /// Poll a render's task until it is final.
    FollowRender {
        /// The render.
        render: super::RenderId,
        /// Its task.
        task_id: String,
    },
    /// Download a made render into the data folder.
    DownloadRender {
        /// The render.
        render: super::RenderId,
        /// The video.
        url: String,
        /// Its poster image.
        thumbnail_url: Option<String>,
    },
}

/// Why an input was not applied. The session is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The input does not fit the session's state; the message id says why.
    NotNow(&'static str),
    /// No such asset row.
    NoSuchAsset,
}

impl Refusal {
    /// Why, for staff.
    pub fn msg(&self) -> Msg {
        match self {
            Refusal::NotNow(id) => Msg::new(id),
            Refusal::NoSuchAsset => Msg::new("refusal-no-such-asset"),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for Refusal {}
