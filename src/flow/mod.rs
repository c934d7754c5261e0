//! The onboarding session as a pure state machine: no IO, no clock reads, no egui.
//!
//! The engine feeds [`Input`]s (staff commands, API answers, the phone's callback, the time)
//! into [`Session::apply`], persists the session, then carries out the [`Action`]s it returns.
//! Three rules hold whatever order inputs arrive in (the property tests check them):
//!
//! 1. the verification result is asked for at most once per token, and only after a
//!    completion signal (the callback with `resultCode=10000`, or staff confirming);
//! 2. an asset is submitted once; only an explicit staff resubmit or replace sends it again;
//! 3. a submit whose answer was lost leaves its assets `Uncertain`: they are reconciled by
//!    reading review tasks, never by sending again.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::api::{AssetInput, AssetKind, AssetStatus, Language, ReviewItem, VerificationOutcome};
use crate::text::Msg;

/// The failure code given to rows a finished review task said nothing about.
pub const NO_VERDICT: &str = "NoVerdict";

/// What staff should do about a review failure, from the upstream code and message.
pub fn review_advice(code: Option<&str>, message: Option<&str>) -> Msg {
    let what = Msg::new(match code.unwrap_or_default() {
        "FaceMismatch" => "reason-face-mismatch",
        "MultipleFaces" => "reason-multiple-faces",
        "FetchFailed" => "reason-fetch-failed",
        "NoFace" => "reason-no-face",
        NO_VERDICT => "reason-no-verdict",
        _ => "reason-other",
    });
    match message.filter(|m| !m.trim().is_empty()) {
        Some(m) => Msg::new("reason-with-detail")
            .msg("what", what)
            .text("detail", m),
        None => what,
    }
}

/// Milliseconds since the Unix epoch. Time is always passed in.
pub type Millis = i64;

/// Identifier of an asset row within its session.
pub type AssetId = u32;

/// How a completion signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Signal {
    /// The phone's browser reached our callback with `resultCode=10000`.
    Callback,
    /// Staff pressed "The phone shows success".
    Staff,
}

/// What has become of the current link's one-time token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenState {
    /// Shown as a QR code; the person has not finished.
    Waiting,
    /// A completion signal arrived and the result was asked for (the token is consumed).
    Used {
        /// How the signal arrived.
        signal: Signal,
    },
    /// The link expired before the person finished.
    Expired,
    /// The token cannot be used any more (asked too early, refused, or the answer was lost).
    Spent {
        /// What happened, for staff.
        reason: Msg,
    },
}

/// An H5 verification link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The session task id upstream.
    pub task_id: String,
    /// The H5 link to show as a QR code.
    pub h5_link: String,
    /// The one-time token (kept out of the event log).
    pub token: String,
    /// When it was issued.
    pub issued_at: Millis,
    /// When it stops working.
    pub expires_at: Millis,
    /// What became of its token.
    pub token_state: TokenState,
    /// The random part of this link's callback address (`/cb/<session>/<key>`): a callback
    /// that names another key is another link's. `None` for links issued before keys.
    #[serde(default)]
    pub callback_key: Option<String>,
}

/// Where verification stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verification {
    /// No link yet (or the last attempt to get one failed: see `Session::last_error`).
    NotStarted,
    /// A link is being requested.
    Issuing,
    /// A link is out.
    Link(Link),
    /// The answer was a task still running; it is being read.
    Following {
        /// The link whose token was used.
        link: Link,
        /// The task to read.
        task_id: String,
    },
    /// Verified: assets go to this group.
    Verified {
        /// The person's asset group.
        group_id: String,
    },
    /// Verification did not pass.
    Failed {
        /// Why, as the upstream or the phone said.
        reason: Msg,
    },
}

/// Where an asset comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssetSource {
    /// A local image, uploaded before submission.
    File {
        /// Its path.
        path: PathBuf,
    },
    /// A public URL the studio hosts (image or video).
    Url {
        /// The URL.
        url: String,
    },
}

impl AssetSource {
    /// A short text for tables and exports.
    pub fn display(&self) -> String {
        match self {
            AssetSource::File { path } => path.display().to_string(),
            AssetSource::Url { url } => url.clone(),
        }
    }
}

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

impl AssetState {
    /// A stable word for tables, filters and the database.
    pub fn word(&self) -> &'static str {
        match self {
            AssetState::Staged => "staged",
            AssetState::Uploading { .. } => "uploading",
            AssetState::Uploaded { .. } => "uploaded",
            AssetState::UploadFailed { .. } => "upload-failed",
            AssetState::Submitting { .. } => "submitting",
            AssetState::Submitted { .. } => "processing",
            AssetState::Uncertain { .. } => "uncertain",
            AssetState::Refused { .. } => "refused",
            AssetState::Active { .. } => "active",
            AssetState::Failed { .. } => "failed",
        }
    }

    /// Whether nothing more will happen without staff.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            AssetState::Active { .. }
                | AssetState::Failed { .. }
                | AssetState::Refused { .. }
                | AssetState::UploadFailed { .. }
                | AssetState::Uncertain { .. }
        )
    }
}

/// What the pre-send check said about a row: the one verdict the window and the command line
/// both obey (Submit never sends a blocked row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Check {
    /// Being read, probed or prepared.
    Pending,
    /// It can be sent.
    Ready {
        /// The content hash of a local file: the duplicate key and the prepared copy's name.
        hash: Option<String>,
    },
    /// It cannot be sent as it is; the sentence says what to do.
    Blocked {
        /// Why, for staff.
        reason: Msg,
    },
}

impl Default for Check {
    /// Rows saved before checks were stored were checked by the window before they were sent.
    fn default() -> Self {
        Check::Ready { hash: None }
    }
}

/// One asset row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// Row id within the session.
    pub id: AssetId,
    /// Name sent upstream; unique within the session.
    pub name: String,
    /// Where it comes from.
    pub source: AssetSource,
    /// Image or video.
    pub kind: AssetKind,
    /// Where it stands.
    pub state: AssetState,
    /// Part of the current submit round (uploading or waiting for the others to upload).
    pub queued: bool,
    /// Removed by staff (kept for the record).
    pub removed: bool,
    /// Replaced by this newer row.
    pub replaced_by: Option<AssetId>,
    /// How many submit requests carried it.
    pub submissions: u32,
    /// The pre-send check's verdict.
    #[serde(default)]
    pub check: Check,
}

impl Asset {
    /// Whether the row counts (not removed, not replaced).
    pub fn is_current(&self) -> bool {
        !self.removed && self.replaced_by.is_none()
    }

    /// Whether the pre-send check found a problem: the row is not sent until replaced.
    pub fn is_blocked(&self) -> bool {
        matches!(self.check, Check::Blocked { .. })
    }

    /// Whether it waits for staff and will never be sent as it is: blocked and never sent.
    pub fn is_held(&self) -> bool {
        self.is_blocked() && self.submissions == 0 && self.state == AssetState::Staged
    }
}

/// One person's onboarding session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Unguessable id (also in the callback URL).
    pub id: String,
    /// The person's name as typed.
    pub person: String,
    /// Staff's note.
    pub note: String,
    /// When consent was recorded.
    pub consent_at: Millis,
    /// APIMart project name.
    pub project: String,
    /// The person's language (H5 page, callback page).
    pub language: Language,
    /// When the session was created.
    pub created_at: Millis,
    /// Verification.
    pub verification: Verification,
    /// Asset rows, in the order added.
    pub assets: Vec<Asset>,
    /// Review tasks, in the order created.
    pub review_tasks: Vec<String>,
    /// Staff cancelled the session.
    pub cancelled: bool,
    /// The last problem worth showing staff (cleared by the next success).
    pub last_error: Option<Msg>,
    /// Next asset row id.
    pub next_asset_id: AssetId,
}

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
        matches!(
            self,
            Stage::FinishedAllApproved | Stage::FinishedPartly | Stage::Failed | Stage::Cancelled
        )
    }
}

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
    /// Staff resubmits a settled row as it is.
    Resubmit(AssetId),
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
pub enum Action {
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
    },
    /// Upload a local image (its prepared copy, kept under `hash` when known).
    Upload {
        /// Row.
        asset: AssetId,
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

impl Session {
    /// A new session: consent is recorded at `now`.
    pub fn new(
        id: String,
        person: String,
        note: String,
        project: String,
        language: Language,
        now: Millis,
    ) -> Session {
        Session {
            id,
            person,
            note,
            consent_at: now,
            project,
            language,
            created_at: now,
            verification: Verification::NotStarted,
            assets: Vec::new(),
            review_tasks: Vec::new(),
            cancelled: false,
            last_error: None,
            next_asset_id: 1,
        }
    }

    /// The group id, once verified.
    pub fn group_id(&self) -> Option<&str> {
        match &self.verification {
            Verification::Verified { group_id } => Some(group_id),
            _ => None,
        }
    }

    /// The current link, if one is out.
    pub fn link(&self) -> Option<&Link> {
        match &self.verification {
            Verification::Link(l) | Verification::Following { link: l, .. } => Some(l),
            _ => None,
        }
    }

    /// Current rows (not removed, not replaced).
    pub fn current_assets(&self) -> impl Iterator<Item = &Asset> {
        self.assets.iter().filter(|a| a.is_current())
    }

    /// The wizard step.
    pub fn stage(&self) -> Stage {
        if self.cancelled {
            return Stage::Cancelled;
        }
        match &self.verification {
            Verification::NotStarted | Verification::Issuing => return Stage::Start,
            Verification::Link(_) | Verification::Following { .. } => return Stage::Verify,
            Verification::Failed { .. } => return Stage::Failed,
            Verification::Verified { .. } => {}
        }
        let current: Vec<&Asset> = self.current_assets().collect();
        // Rows uploaded ahead of a submit (before verification, or before staff press Submit)
        // do not make the step; rows queued to go do.
        if current.iter().any(|a| {
            a.queued
                && matches!(
                    a.state,
                    AssetState::Staged | AssetState::Uploading { .. } | AssetState::Uploaded { .. }
                )
        }) {
            return Stage::Uploading;
        }
        if current.iter().any(|a| {
            matches!(
                a.state,
                AssetState::Submitting { .. } | AssetState::Submitted { .. }
            )
        }) {
            return Stage::Reviewing;
        }
        let ever_submitted = current.iter().any(|a| a.submissions > 0);
        // A row the check blocked and nothing ever sent is settled as "not approved".
        if current.is_empty()
            || !ever_submitted
            || current
                .iter()
                .any(|a| !a.state.is_settled() && !a.is_held())
        {
            return Stage::Assets;
        }
        let active = current
            .iter()
            .filter(|a| matches!(a.state, AssetState::Active { .. }))
            .count();
        if active == current.len() {
            Stage::FinishedAllApproved
        } else if active > 0 {
            Stage::FinishedPartly
        } else {
            Stage::Failed
        }
    }

    fn asset_mut(&mut self, id: AssetId) -> Result<&mut Asset, Refusal> {
        self.assets
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or(Refusal::NoSuchAsset)
    }

    fn unique_name(&self, wanted: &str) -> String {
        let base = if wanted.trim().is_empty() {
            "asset"
        } else {
            wanted.trim()
        };
        let taken = |n: &str| self.assets.iter().any(|a| a.name == n);
        if !taken(base) {
            return base.to_string();
        }
        (2..)
            .map(|i| format!("{base}-{i}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| base.to_string())
    }

    fn push_asset(&mut self, name: &str, source: AssetSource, kind: AssetKind) -> AssetId {
        let id = self.next_asset_id;
        self.next_asset_id += 1;
        let name = self.unique_name(name);
        self.assets.push(Asset {
            id,
            name,
            source,
            kind,
            state: AssetState::Staged,
            queued: false,
            removed: false,
            replaced_by: None,
            submissions: 0,
            check: Check::Pending,
        });
        id
    }

    /// Applies one input. On success the session changed (or not, for no-op inputs) and the
    /// returned actions are due; on refusal nothing changed.
    pub fn apply(&mut self, input: Input) -> Result<Vec<Action>, Refusal> {
        if self.cancelled && !matches!(input, Input::Tick(_)) {
            // Late answers to a cancelled session are recorded nowhere and start nothing.
            return Err(Refusal::NotNow("refusal-cancelled"));
        }
        match input {
            Input::RequestLink => self.request_link(),
            Input::LinkReady {
                task_id,
                h5_link,
                token,
                issued_at,
                expires_at,
                callback_key,
            } => {
                if self.verification != Verification::Issuing {
                    return Err(Refusal::NotNow("refusal-no-link-requested"));
                }
                self.last_error = None;
                self.verification = Verification::Link(Link {
                    task_id,
                    h5_link,
                    token,
                    issued_at,
                    expires_at,
                    token_state: TokenState::Waiting,
                    callback_key,
                });
                Ok(vec![])
            }
            Input::LinkFailed { reason } => {
                if self.verification != Verification::Issuing {
                    return Err(Refusal::NotNow("refusal-no-link-requested"));
                }
                self.verification = Verification::NotStarted;
                self.last_error = Some(reason);
                Ok(vec![])
            }
            Input::PhoneCallback {
                result_code,
                token,
                message,
                callback_key,
            } => {
                let Verification::Link(link) = &mut self.verification else {
                    return Err(Refusal::NotNow("refusal-no-link-waiting"));
                };
                if token
                    .as_deref()
                    .is_some_and(|t| !crate::text::same_secret(t, &link.token))
                {
                    return Err(Refusal::NotNow("refusal-other-link"));
                }
                // A callback without the token must name this link's key: a phone still open
                // on an older link cannot complete the new one.
                let key_fits = match (&link.callback_key, &callback_key) {
                    (Some(expected), Some(got)) => crate::text::same_secret(got, expected),
                    (Some(_), None) => token.is_some(),
                    (None, _) => true,
                };
                if !key_fits {
                    return Err(Refusal::NotNow("refusal-other-link"));
                }
                if link.token_state != TokenState::Waiting {
                    return Err(Refusal::NotNow("refusal-link-not-waiting"));
                }
                if result_code.trim() == "10000" {
                    link.token_state = TokenState::Used {
                        signal: Signal::Callback,
                    };
                    Ok(vec![Action::QueryVerification {
                        token: link.token.clone(),
                    }])
                } else {
                    // The phone's words come from outside: short and printable only. The
                    // session goes on; staff decide whether to issue a new code.
                    let code = crate::text::short_printable(&result_code, 16);
                    let reason = match message.filter(|m| !m.trim().is_empty()) {
                        Some(m) => Msg::new("verify-phone-said")
                            .text("message", crate::text::short_printable(&m, 160))
                            .text("code", code),
                        None => Msg::new("verify-phone-code").text("code", code),
                    };
                    link.token_state = TokenState::Spent {
                        reason: reason.clone(),
                    };
                    self.last_error = Some(reason);
                    Ok(vec![])
                }
            }
            Input::StaffConfirmed => {
                let Verification::Link(link) = &mut self.verification else {
                    return Err(Refusal::NotNow("refusal-no-link-waiting"));
                };
                if link.token_state != TokenState::Waiting {
                    return Err(Refusal::NotNow("refusal-link-not-waiting"));
                }
                link.token_state = TokenState::Used {
                    signal: Signal::Staff,
                };
                Ok(vec![Action::QueryVerification {
                    token: link.token.clone(),
                }])
            }
            Input::VerificationAnswer(outcome) => self.verification_answer(outcome),
            Input::VerificationNotSent { reason } => {
                let Verification::Link(link) = &mut self.verification else {
                    return Err(Refusal::NotNow("refusal-no-result-asked"));
                };
                if !matches!(link.token_state, TokenState::Used { .. }) {
                    return Err(Refusal::NotNow("refusal-no-result-asked"));
                }
                link.token_state = TokenState::Waiting;
                self.last_error = Some(reason);
                Ok(vec![])
            }
            Input::VerificationError { reason } => {
                let link = self
                    .asked_link()
                    .ok_or(Refusal::NotNow("refusal-no-result-asked"))?;
                self.spend(link, reason);
                Ok(vec![])
            }
            Input::AddAssets(list) => Ok(self.add_rows(list)),
            Input::Checked { asset, result } => self.checked(asset, result),
            Input::Remove(id) => {
                let asset = self.asset_mut(id)?;
                if matches!(asset.state, AssetState::Submitting { .. }) {
                    return Err(Refusal::NotNow("refusal-asset-sending"));
                }
                if matches!(asset.state, AssetState::Uploading { .. }) {
                    // An upload no longer wanted: its answer will find nothing to update.
                    asset.state = AssetState::Staged;
                }
                asset.removed = true;
                asset.queued = false;
                let actions = self.maybe_submit();
                Ok(actions)
            }
            Input::Submit => self.submit(),
            Input::UploadProgress { asset, sent, total } => {
                let a = self.asset_mut(asset)?;
                if !matches!(a.state, AssetState::Uploading { .. }) {
                    return Err(Refusal::NotNow("refusal-not-uploading"));
                }
                a.state = AssetState::Uploading { sent, total };
                Ok(vec![])
            }
            Input::Uploaded { asset, url } => {
                let a = self.asset_mut(asset)?;
                if !matches!(a.state, AssetState::Uploading { .. }) {
                    return Err(Refusal::NotNow("refusal-not-uploading"));
                }
                a.state = AssetState::Uploaded { url };
                Ok(self.maybe_submit())
            }
            Input::UploadFailed { asset, reason } => {
                let a = self.asset_mut(asset)?;
                if !matches!(a.state, AssetState::Uploading { .. }) {
                    return Err(Refusal::NotNow("refusal-not-uploading"));
                }
                a.state = AssetState::UploadFailed { reason };
                a.queued = false;
                Ok(self.maybe_submit())
            }
            Input::SubmitResult { assets, outcome } => self.submit_result(&assets, outcome),
            Input::ReviewUpdate {
                task_id,
                items,
                done,
                error,
            } => {
                self.review_update(&task_id, &items, done, error.as_deref());
                Ok(vec![])
            }
            Input::Resubmit(id) => {
                let a = self.asset_mut(id)?;
                if !a.is_current() {
                    return Err(Refusal::NotNow("refusal-asset-gone"));
                }
                if !matches!(
                    a.state,
                    AssetState::Failed { .. }
                        | AssetState::Refused { .. }
                        | AssetState::Uncertain { .. }
                        | AssetState::UploadFailed { .. }
                ) {
                    return Err(Refusal::NotNow("refusal-not-resubmittable"));
                }
                a.state = AssetState::Staged;
                a.queued = true;
                Ok(self.advance_queue())
            }
            Input::Replace {
                asset,
                name,
                source,
                kind,
            } => {
                let old = self.asset_mut(asset)?;
                if !old.is_current() {
                    return Err(Refusal::NotNow("refusal-asset-gone"));
                }
                if matches!(
                    old.state,
                    AssetState::Uploading { .. }
                        | AssetState::Submitting { .. }
                        | AssetState::Submitted { .. }
                ) {
                    return Err(Refusal::NotNow("refusal-asset-busy"));
                }
                let new_id = self.push_asset(&name, source.clone(), kind);
                if let Ok(old) = self.asset_mut(asset) {
                    old.replaced_by = Some(new_id);
                    old.queued = false;
                }
                // The replacement goes as soon as it is checked (and verified).
                if let Ok(new) = self.asset_mut(new_id) {
                    new.queued = true;
                }
                let mut actions = vec![Action::Check {
                    asset: new_id,
                    source,
                }];
                actions.extend(self.advance_queue());
                Ok(actions)
            }
            Input::Cancel => {
                self.cancelled = true;
                Ok(vec![])
            }
            Input::Tick(now) => {
                if let Verification::Link(link) = &mut self.verification
                    && link.token_state == TokenState::Waiting
                    && now >= link.expires_at
                {
                    link.token_state = TokenState::Expired;
                }
                Ok(vec![])
            }
        }
    }

    fn request_link(&mut self) -> Result<Vec<Action>, Refusal> {
        match &self.verification {
            Verification::NotStarted | Verification::Failed { .. } => {}
            Verification::Link(l) if !matches!(l.token_state, TokenState::Used { .. }) => {}
            Verification::Issuing => {
                return Err(Refusal::NotNow("refusal-link-requesting"));
            }
            Verification::Link(_) | Verification::Following { .. } => {
                return Err(Refusal::NotNow("refusal-result-being-asked"));
            }
            Verification::Verified { .. } => {
                return Err(Refusal::NotNow("refusal-already-verified"));
            }
        }
        self.verification = Verification::Issuing;
        Ok(vec![Action::IssueLink])
    }

    /// The link whose token was used, while its answer is awaited.
    fn asked_link(&self) -> Option<Link> {
        match &self.verification {
            Verification::Link(l) if matches!(l.token_state, TokenState::Used { .. }) => {
                Some(l.clone())
            }
            Verification::Following { link, .. } => Some(link.clone()),
            _ => None,
        }
    }

    /// The link's token can no longer be used; staff must ask for a new code.
    fn spend(&mut self, link: Link, reason: Msg) {
        self.verification = Verification::Link(Link {
            token_state: TokenState::Spent {
                reason: reason.clone(),
            },
            ..link
        });
        self.last_error = Some(reason);
    }

    fn verification_answer(
        &mut self,
        outcome: VerificationOutcome,
    ) -> Result<Vec<Action>, Refusal> {
        let link = self
            .asked_link()
            .ok_or(Refusal::NotNow("refusal-no-result-asked"))?;
        match outcome {
            VerificationOutcome::Verified { group_id } => {
                self.last_error = None;
                self.verification = Verification::Verified { group_id };
                // Assets added while waiting and already submitted by staff go now.
                Ok(self.advance_queue())
            }
            VerificationOutcome::Failed { reason } => {
                self.verification = Verification::Failed { reason };
                Ok(vec![])
            }
            VerificationOutcome::NotReady => {
                self.spend(link, Msg::new("verify-too-early"));
                Ok(vec![])
            }
            VerificationOutcome::Pending { task_id } => {
                self.verification = Verification::Following {
                    link,
                    task_id: task_id.clone(),
                };
                Ok(vec![Action::FollowVerification { task_id }])
            }
        }
    }

    fn submit_result(
        &mut self,
        ids: &[AssetId],
        outcome: SubmitOutcome,
    ) -> Result<Vec<Action>, Refusal> {
        let mut actions = Vec::new();
        if let SubmitOutcome::Accepted(task) = &outcome
            && !self.review_tasks.contains(task)
        {
            self.review_tasks.push(task.clone());
            actions.push(Action::PollReview {
                task_id: task.clone(),
            });
        }
        let since_task = self.review_tasks.len();
        for id in ids {
            let a = self.asset_mut(*id)?;
            let AssetState::Submitting { url } = &a.state else {
                continue;
            };
            let url = url.clone();
            a.state = match &outcome {
                SubmitOutcome::Accepted(task_id) => AssetState::Submitted {
                    url,
                    task_id: task_id.clone(),
                },
                SubmitOutcome::Refused(reason) => AssetState::Refused {
                    reason: reason.clone(),
                },
                SubmitOutcome::Lost(reason) => AssetState::Uncertain {
                    url,
                    reason: reason.clone(),
                    since_task,
                },
                SubmitOutcome::NotSent => {
                    // Never reached APIMart: it may go with the next submit.
                    a.submissions = a.submissions.saturating_sub(1);
                    AssetState::Uploaded { url }
                }
            };
        }
        Ok(actions)
    }

    fn review_update(
        &mut self,
        task_id: &str,
        items: &[ReviewItem],
        done: bool,
        error: Option<&str>,
    ) {
        let task_index = self.review_tasks.iter().position(|t| t == task_id);
        // The task's own rows in submit order, for answers that name no asset.
        let own: Vec<AssetId> = self
            .assets
            .iter()
            .filter(
                |a| matches!(&a.state, AssetState::Submitted { task_id: t, .. } if t == task_id),
            )
            .map(|a| a.id)
            .collect();
        for (position, item) in items.iter().enumerate() {
            let anonymous = item.name.is_none() && item.url.is_none();
            let matches_item = |a: &Asset, url: &str| {
                item.name.as_deref() == Some(a.name.as_str())
                    || (item.name.is_none() && item.url.as_deref() == Some(url))
                    || (anonymous && own.get(position) == Some(&a.id))
            };
            let target = self.assets.iter_mut().find(|a| match &a.state {
                AssetState::Submitted { url, task_id: t } => t == task_id && matches_item(a, url),
                // Reconciliation: a lost answer's assets may show up in a task created after
                // the loss (never in one that judged an earlier submission of the same row).
                AssetState::Uncertain {
                    url, since_task, ..
                } => {
                    !anonymous
                        && task_index.is_some_and(|i| i >= *since_task)
                        && matches_item(a, url)
                }
                _ => false,
            });
            let Some(a) = target else { continue };
            match &item.status {
                AssetStatus::Active => {
                    a.state = AssetState::Active {
                        asset_url: item.asset_url.clone().unwrap_or_default(),
                        asset_id: item.asset_id.clone(),
                    };
                }
                AssetStatus::Failed => {
                    let f = item.failure();
                    a.state = AssetState::Failed {
                        code: f.as_ref().and_then(|f| f.code.clone()),
                        message: f.and_then(|f| f.message),
                    };
                }
                AssetStatus::Processing | AssetStatus::Unknown(_) => {
                    if let AssetState::Uncertain { url, .. } = &a.state {
                        a.state = AssetState::Submitted {
                            url: url.clone(),
                            task_id: task_id.to_string(),
                        };
                    }
                }
            }
        }
        if done {
            // A final task that gave some rows no verdict will not give one later.
            for a in &mut self.assets {
                if matches!(&a.state, AssetState::Submitted { task_id: t, .. } if t == task_id) {
                    a.state = AssetState::Failed {
                        code: Some(NO_VERDICT.into()),
                        message: error.map(str::to_string),
                    };
                }
            }
        }
    }

    /// What to do after a restart. Pure: interrupted work is turned into honest states first
    /// (an interrupted submit becomes `Uncertain`; a token asked for without an answer is
    /// spent), then the actions that are safe to repeat are returned.
    pub fn resume(&mut self, now: Millis) -> Vec<Action> {
        if self.cancelled {
            return vec![];
        }
        let mut actions = Vec::new();
        match &self.verification {
            Verification::Issuing => actions.push(Action::IssueLink),
            Verification::Link(link) if matches!(link.token_state, TokenState::Used { .. }) => {
                let link = link.clone();
                self.spend(link, Msg::new("verify-stopped"));
            }
            Verification::Following { task_id, .. } => actions.push(Action::FollowVerification {
                task_id: task_id.clone(),
            }),
            _ => {}
        }
        let _ = self.apply(Input::Tick(now));
        let since_task = self.review_tasks.len();
        for a in &mut self.assets {
            match &a.state {
                AssetState::Uploading { .. } => a.state = AssetState::Staged,
                AssetState::Submitting { url } => {
                    a.state = AssetState::Uncertain {
                        url: url.clone(),
                        reason: Msg::new("submit-stopped"),
                        since_task,
                    };
                }
                _ => {}
            }
        }
        let mut polled = Vec::new();
        for a in self.assets.iter().filter(|a| a.is_current()) {
            if let AssetState::Submitted { task_id, .. } = &a.state
                && !polled.contains(task_id)
            {
                polled.push(task_id.clone());
            }
        }
        actions.extend(
            polled
                .into_iter()
                .map(|task_id| Action::PollReview { task_id }),
        );
        // Checks that were running are run again (a kept prepared copy makes them cheap).
        actions.extend(
            self.current_assets()
                .filter(|a| a.check == Check::Pending)
                .map(|a| Action::Check {
                    asset: a.id,
                    source: a.source.clone(),
                }),
        );
        actions.extend(self.advance_queue());
        actions
    }
}

pub mod export;
mod queue;
pub mod sample;

#[cfg(test)]
mod tests;
