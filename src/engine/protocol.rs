//! What goes between the engine and its front ends: the configuration, the commands, the
//! events, and why the engine could not start.

use std::net::SocketAddr;

use crate::api::{ApiKey, AssetKind, Language};
use crate::flow::{AssetId, AssetSource, Input, Session};
use crate::text::Msg;

/// A new asset as staff give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAsset {
    /// Name; derived from the source when empty.
    pub name: Option<String>,
    /// Source.
    pub source: AssetSource,
    /// Kind; guessed from the source when absent.
    pub kind: Option<AssetKind>,
}

/// A test render as staff ask for it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderAsk {
    /// What to film.
    pub prompt: String,
    /// The fast model.
    pub fast: bool,
    /// Seconds, 4-15.
    pub duration: u8,
    /// `480p` or `720p`.
    pub resolution: String,
    /// Asset names; empty for the approved images.
    pub assets: Vec<String>,
    /// The price per second of video the estimate uses.
    pub price_per_second: f64,
}

/// A photo or a clip from the desk's camera, for a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureAsk {
    /// The camera.
    pub camera: crate::camera::Camera,
    /// A clip of this many seconds; a photo when `None`.
    pub clip_seconds: Option<u32>,
    /// Seconds of countdown before the photo or the clip (0: only the camera's settling).
    pub countdown: u32,
    /// The window's preview, kept live by the capture.
    pub preview: Option<crate::camera::stream::Sink>,
}

/// The consent a session starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consent {
    /// None was given: nothing starts.
    None,
    /// Staff attest it where no person's screen is at hand (the command line): the required
    /// items yes, the optional one no, no signature.
    Staff,
    /// The person answered each item on their screen and signed.
    Person(Box<PersonConsent>),
}

/// What the person gave on their screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonConsent {
    /// The version of the text they were shown.
    pub version: u32,
    /// Each item and their answer (none: not answered).
    pub answers: Vec<(crate::flow::ConsentItem, Option<bool>)>,
    /// Their signature, a PNG.
    pub signature_png: Vec<u8>,
    /// They pressed "I decline" (whatever they had answered).
    pub declined: bool,
}

/// What the front end asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Records consent, creates a session and issues its first link.
    Start {
        /// The new session's id (from [`new_session_id`]).
        id: String,
        /// The person's name.
        person: String,
        /// Staff's note.
        note: String,
        /// Who consented, and to what: nothing starts without it.
        consent: Consent,
        /// The person's language.
        language: Language,
        /// APIMart project.
        project: String,
    },
    /// A new link (after expiry or failure).
    NewLink(String),
    /// Staff confirm that the phone shows success.
    ConfirmPhone(String),
    /// Adds assets.
    AddAssets(String, Vec<NewAsset>),
    /// Removes a row.
    Remove(String, AssetId),
    /// Submits what is staged.
    Submit(String),
    /// Resubmits a failed/refused/uncertain row.
    Resubmit(String, AssetId),
    /// Replaces a row.
    Replace(String, AssetId, NewAsset),
    /// Cancels the session.
    Cancel(String),
    /// Polls its review tasks again (after the deadline).
    Refresh(String),
    /// Sends a snapshot of the session.
    Get(String),
    /// Sends a snapshot of a stored session without taking it up (to read or export it): no
    /// lease is taken and nothing of it is carried on.
    Peek(String),
    /// Lists every stored session (History), answered by [`Event::History`].
    List,
    /// Reads every stored session whole (People, the asset library), answered by
    /// [`Event::Everyone`].
    Everyone,
    /// Asks for a test render with the session's approved assets (billed: sent once).
    Render(String, RenderAsk),
    /// Deletes a session's local data (nothing upstream), then sends the new list.
    Delete(String),
    /// Deletes the session's videos from the studio's bucket, then as [`Command::Delete`]; when
    /// the bucket refuses, nothing is deleted and the error says why.
    DeleteWithObjects(String),
    /// The studio's current consent text, answered by [`Event::CurrentConsent`] (version 1
    /// from the defaults when none was made yet).
    CurrentConsent,
    /// Saves the studio's consent text as a new version, answered by
    /// [`Event::ConsentVersionMade`].
    NewConsentVersion(crate::flow::ConsentFields),
    /// The consent text was put before the person (logged in the audit log).
    ConsentShown {
        /// The session it is for.
        session: String,
        /// The text's version.
        version: u32,
        /// In their language.
        language: Language,
    },
    /// Staff took a person's data out of the app: an export saved, asset URLs copied. Logged
    /// in the audit log once for each session it held.
    TookOut {
        /// What was taken out.
        how: TakeOut,
        /// Each session whose data it held, with what of it, in a few words (the format, how
        /// many of its URLs).
        entries: Vec<(String, String)>,
    },
    /// A session's entries in the audit log, answered by [`Event::AuditLog`].
    AuditLog(String),
    /// Removes the copies of every finished session of this desk whose time is up (`days`
    /// after its end when given, else what each person's consent says), answered by
    /// [`Event::Purged`]; a dry run only lists them.
    Purge {
        /// Days after a session's end, whatever the person's consent says (0: every finished
        /// session).
        days: Option<u32>,
        /// List, delete nothing.
        dry_run: bool,
    },
    /// The person withdraws: every copy this desk made of them and their bucket objects are
    /// deleted, their consent marked withdrawn, their assets no longer offered; answered by
    /// [`Event::Withdrawn`].
    Withdraw(String),
    /// A session's consent receipt (PDF), answered by [`Event::Receipt`].
    Receipt(String),
    /// Replaces a local video row by a fixed copy (ffmpeg): at most 14.9 s from the start given
    /// in milliseconds, scaled into range, H.264. The original file is left as it is.
    FixVideo(String, AssetId, u64),
    /// Takes a photo or a clip with the desk's camera into the data folder's `captures` and
    /// adds it to the session as a row like a picked file, with the camera's hints.
    Capture(String, Box<CaptureAsk>),
    /// Checks a source before anything is sent: reads a file or probes a URL, answered by
    /// [`Event::Checked`].
    Check(AssetSource),
    /// Tries an API address and key with one harmless call, answered by
    /// [`Event::ConnectionTested`].
    TestConnection {
        /// The API base URL to try.
        base_url: String,
        /// The key to try.
        key: ApiKey,
    },
}

/// How a person's data left the app through staff's hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeOut {
    /// A summary or the asset library saved as a file.
    Export,
    /// `asset://` URLs copied to the clipboard.
    Copy,
}

impl TakeOut {
    /// Its action in the audit log.
    pub fn action(self) -> crate::flow::AuditAction {
        match self {
            TakeOut::Export => crate::flow::AuditAction::Export,
            TakeOut::Copy => crate::flow::AuditAction::Copy,
        }
    }
}

/// What a check found about a source before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// The source checked.
    pub source: AssetSource,
    /// A preview, when the source is an image.
    pub thumbnail: Option<crate::media::Thumbnail>,
    /// The content's hash (local files), for spotting the same photo twice.
    pub hash: Option<String>,
    /// What is wrong with it, in a sentence that says what to do; `None` when it can be sent.
    pub problem: Option<Msg>,
    /// A local video's length (the Fix dialog's range), when its index could be read.
    pub length_ms: Option<u64>,
}

/// What the engine tells the front end.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A session's entries in the audit log, oldest first (or why they could not be read).
    AuditLog(String, Result<Vec<crate::flow::AuditEntry>, Msg>),
    /// Right after [`Event::Ready`]: where local videos go (the bucket's address), or why
    /// they cannot be sent.
    Bucket(Result<String, Msg>),
    /// The engine is running.
    Ready {
        /// The callback listener's base address, when listening.
        callback: Option<String>,
        /// Sessions resumed from the store.
        resumed: Vec<String>,
    },
    /// A session changed (already saved).
    Session(Box<Session>),
    /// A command did not fit the session's state; nothing changed.
    Refused {
        /// The session.
        session: Option<String>,
        /// Why, for staff.
        message: Msg,
    },
    /// Every stored session, newest first.
    History(Vec<crate::store::SessionSummary>),
    /// Every stored session whole, newest first.
    Everyone(std::sync::Arc<Vec<Session>>),
    /// A session's local data was deleted.
    Deleted(String),
    /// The studio's current consent text, or why it cannot be read.
    CurrentConsent(Result<crate::flow::ConsentVersion, Msg>),
    /// A new version of the studio's consent text was saved.
    ConsentVersionMade(crate::flow::ConsentVersion),
    /// What a purge removed (or would remove, in a dry run).
    Purged(Box<PurgeReport>),
    /// A person withdrew: what was deleted and what stays upstream.
    Withdrawn(Box<Removal>),
    /// A session's consent receipt, or why there is none.
    Receipt(String, Result<Box<super::Receipt>, Msg>),
    /// A capture for this session ended (its row follows, or an error said why not): the
    /// camera is free again.
    CaptureEnded(String),
    /// What a [`Command::Check`] found.
    Checked(Box<CheckReport>),
    /// The answer to [`Command::TestConnection`]: a sentence for staff either way.
    ConnectionTested(Result<Msg, Msg>),
    /// Whether the shared roster can be reached: while it cannot, work stays in memory and is
    /// saved when it is back, and no new session starts.
    Roster {
        /// True when it answers again.
        reachable: bool,
    },
    /// Another desk changed the shared roster (ask for the list again to see it).
    RosterChanged,
    /// Something failed; the sentence says what to do.
    Error {
        /// The session, if any.
        session: Option<String>,
        /// For staff.
        message: Msg,
    },
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The database.
    #[error("{}", .0.advice())]
    Store(#[from] crate::store::StoreError),
    /// The API settings.
    #[error("{}", .0.advice())]
    Api(#[from] crate::api::ApiError),
    /// The callback listener.
    #[error("{}", self.advice())]
    Callback {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The engine thread could not be started (the system's words).
    #[error("{}", self.advice())]
    Thread(String),
    /// The engine thread ended before it was ready.
    #[error("{}", self.advice())]
    Stopped,
    /// Another engine has the data folder (or its lock cannot be taken).
    #[error("{}", .0.advice())]
    Busy(#[from] crate::store::lock::LockError),
}

impl EngineError {
    /// What staff can do about it.
    pub fn advice(&self) -> Msg {
        match self {
            EngineError::Store(e) => e.advice(),
            EngineError::Api(e) => e.advice(),
            EngineError::Callback { addr, source } => Msg::new("engine-callback-port")
                .text("addr", addr.to_string())
                .text("reason", source.to_string()),
            EngineError::Thread(why) => Msg::new("engine-thread").text("reason", why),
            EngineError::Stopped => Msg::new("engine-thread-stopped"),
            EngineError::Busy(e) => e.advice(),
        }
    }
}

/// Results of background work, fed back into the actor.
#[derive(Debug)]
pub(super) enum Outcome {
    Input(String, Input, Vec<(String, String)>),
    PollEnded(String),
    Error(Option<String>, Msg),
    Emit(Event),
    /// A command to run once background work is done (a delete after the bucket's objects).
    Then(Box<Command>),
    /// A purge's or a withdrawal's files and objects are deleted (or why not).
    Removed(Why, Vec<Removal>),
}

/// What was (or, in a dry run, would be) removed for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The session.
    pub session: String,
    /// The person's name.
    pub person: String,
    /// Copies this desk made, in its data folder.
    pub files: Vec<std::path::PathBuf>,
    /// The person's objects in the studio's bucket.
    pub objects: Vec<String>,
    /// The `asset://` references that stay at APIMart (the API has no delete: staff ask
    /// APIMart to delete them).
    pub upstream: Vec<String>,
    /// Why it was not done (nothing of this person is marked removed then).
    pub problem: Option<Msg>,
}

/// What a purge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    /// Listed only: nothing was deleted.
    pub dry_run: bool,
    /// The sessions whose time was up, oldest last.
    pub sessions: Vec<Removal>,
}

/// What the background removal was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Why {
    /// The retention purge; `quiet` when nobody asked (at start, daily): nothing to say is
    /// then not said.
    Purge { quiet: bool },
    /// The person withdrew.
    Withdraw,
}
