//! The session's data: the rows, the verification, the link and its token, the wizard's step.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::api::{AssetKind, Language};
use crate::text::Msg;

use super::{AssetState, Refusal, Stage};

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
    /// Image or video by the file's or the URL path's ending (images by default): what a
    /// new row's kind is when staff did not say, decided once, when it is added.
    pub fn kind_by_ending(&self) -> AssetKind {
        let text = match self {
            AssetSource::File { path } => path.to_string_lossy().into_owned(),
            AssetSource::Url { url } => url::Url::parse(url)
                .map(|u| u.path().to_string())
                .unwrap_or_else(|_| url.clone()),
        };
        crate::media::kind_from_ending(&text).unwrap_or(AssetKind::Image)
    }
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
    /// When the engine first saw it approved (absent for rows approved before this was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<Millis>,
    /// Where the studio's bucket keeps it (a local video), so it can be deleted there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted: Option<Hosted>,
    /// What may make it fail review, judged when it was taken with the desk's camera: shown as
    /// a warning with what to do, never blocking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Msg>,
}

/// An object in the studio's bucket: which server, which bucket, which name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hosted {
    /// The bucket's address as shown (endpoint and bucket).
    pub bucket: String,
    /// The object's name.
    pub object: String,
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

    /// Where the row is on its way: the group its status word belongs to.
    pub fn phase(&self) -> Phase {
        match &self.state {
            AssetState::Staged if self.is_blocked() => Phase::NeedsStaff,
            state if state.needs_staff() => Phase::NeedsStaff,
            AssetState::Active { .. } => Phase::Approved,
            AssetState::Submitting { .. } | AssetState::Submitted { .. } => Phase::InReview,
            _ => Phase::Unsent,
        }
    }
}

/// Where a row is on its way, as the table groups rows: every status word belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Not sent yet: being checked, ready, uploading, uploaded.
    Unsent,
    /// Sent and being reviewed.
    InReview,
    /// Approved: an `asset://` URL.
    Approved,
    /// Staff must act: a problem found before sending, a failure, a lost answer.
    NeedsStaff,
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
    /// The desk that started it (empty for sessions from before desks had names): its local
    /// files are on that computer.
    #[serde(default)]
    pub kiosk: String,
    /// When consent was recorded.
    pub consent_at: Millis,
    /// The version of the consent text the person agreed to (empty before versions were kept).
    #[serde(default)]
    pub consent_version: String,
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
    /// Test renders, in the order asked.
    #[serde(default)]
    pub renders: Vec<super::Render>,
    /// When the person withdrew their consent: their copies are gone and their assets are
    /// no longer offered (the consent record keeps the proof).
    #[serde(default)]
    pub withdrawn_at: Option<Millis>,
    /// When the copies this desk made (and the person's bucket objects) were removed, by the
    /// retention purge or a withdrawal.
    #[serde(default)]
    pub copies_removed_at: Option<Millis>,
}

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
            kiosk: String::new(),
            consent_at: now,
            consent_version: super::CONSENT_VERSION.to_string(),
            project,
            language,
            created_at: now,
            verification: Verification::NotStarted,
            assets: Vec::new(),
            review_tasks: Vec::new(),
            cancelled: false,
            last_error: None,
            next_asset_id: 1,
            renders: Vec::new(),
            withdrawn_at: None,
            copies_removed_at: None,
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

    /// The `asset://` URLs of the current approved rows, in row order.
    pub fn approved_urls(&self) -> impl Iterator<Item = &str> {
        self.current_assets().filter_map(|a| match &a.state {
            AssetState::Active { asset_url, .. } => Some(asset_url.as_str()),
            _ => None,
        })
    }

    /// Whether staff may add assets now: the one rule the flow, the shortcut, a drop and the
    /// review screen's "add more" follow.
    pub fn accepts_assets(&self) -> bool {
        match self.stage() {
            // Checked and uploaded while the link is made and the person is on the phone.
            Stage::Start | Stage::Verify | Stage::Assets | Stage::Uploading | Stage::Reviewing => {
                true
            }
            // More for a verified person; none for one whose verification failed.
            Stage::FinishedAllApproved | Stage::FinishedPartly | Stage::Failed => {
                self.group_id().is_some()
            }
            Stage::Cancelled => false,
        }
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

    pub(super) fn asset_mut(&mut self, id: AssetId) -> Result<&mut Asset, Refusal> {
        self.assets
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or(Refusal::NoSuchAsset)
    }

    pub(super) fn unique_name(&self, wanted: &str) -> String {
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

    pub(super) fn push_asset(
        &mut self,
        name: &str,
        source: AssetSource,
        kind: AssetKind,
    ) -> AssetId {
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
            approved_at: None,
            hosted: None,
            hints: Vec::new(),
        });
        id
    }
}

/// Whether `id` has the form of a session id (the app makes 32 hexadecimal digits; letters,
/// digits, `-` and `_`, at most 64, are taken): a stored row's id names files and bucket
/// objects, so one with `/`, `\`, `.` or anything else is never used.
pub fn is_session_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
