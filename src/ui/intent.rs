//! What a screen may ask for. Screens draw from a read-only view of what the window knows and
//! return [`Intent`]s; the app carries them out at the end of the frame, so no screen changes
//! shared state while it is drawn.
//!
//! The names of the app's messages, from the inside out: a session takes `flow::Input`s and
//! answers with `flow::Effect`s; the engine takes `engine::Command`s and tells `engine::Event`s;
//! the window's screens return `Intent`s, and its background jobs report `JobDone`s.

use std::path::PathBuf;

use crate::api::ApiKey;
use crate::config::{Settings, ThemeChoice};
use crate::engine::Command;
use crate::flow::AssetId;
use crate::i18n::UiLang;

/// The top-level screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    /// The onboarding wizard.
    Wizard,
    /// Every stored session.
    History,
    /// The verified people: add to them, render with them.
    People,
    /// Every approved asset across people.
    Library,
    /// Key, API address, callback, polling.
    Settings,
}

/// Where picked files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickFor {
    /// New rows of a session.
    Add(String),
    /// A replacement for one row.
    Replace(String, AssetId),
}

/// What a correct PIN opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFor {
    /// A locked screen.
    Screen(Screen),
    /// Back to the staff view from the person's screen.
    StaffView,
    /// Leaving kiosk mode.
    Leave,
}

/// What staff ask of the desk's camera.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraIntent {
    /// Open the camera panel for this session (its preview starts).
    Open(String),
    /// Close it (the camera is let go).
    Close,
    /// Use this camera (remembered for this desk).
    Choose(crate::camera::Camera),
    /// A photo (`None`) or a clip of so many seconds for the session, after the countdown.
    Take {
        /// The session.
        session: String,
        /// The clip's length, or a photo.
        clip_seconds: Option<u32>,
    },
}

/// Something staff asked for, carried out at the end of the frame.
#[derive(Debug, Clone)]
pub enum Intent {
    /// A command for the engine.
    Send(Command),
    /// Start a session with the Start form's values and the person's answers.
    StartSession(StartValues),
    /// Ask the person's consent (the Start form was filled in): name, note, language.
    AskConsent(String, String, crate::api::Language),
    /// Staff stop asking (back to the Start form).
    CancelConsent,
    /// Switch screens.
    Go(Screen),
    /// Leave the current session and show an empty Start form.
    NewSession,
    /// A person whose group the upstream retired: a Start form with their name, language and
    /// note (they consent again).
    VerifyAgain(String),
    /// Show a session (from History).
    Open(String),
    /// Open the native file dialog.
    Pick(PickFor),
    /// The desk's camera.
    Camera(CameraIntent),
    /// Open the in-app file list, at this folder (`None`: the last one used).
    InAppPicker(PickFor, Option<PathBuf>),
    /// Add pasted lines to the current session.
    AddPasted(String),
    /// Add these files to the current session.
    AddFiles(Vec<PathBuf>),
    /// Put text on the clipboard, and say so (the second text names what was copied).
    Copy(String, String),
    /// Put these `asset://` URLs on the clipboard (one a line), say so (the second text), and
    /// log the copy for each session (named once for each of its URLs).
    CopyUrls(String, String, Vec<String>),
    /// Show a session's entries in the audit log (session, the person's name).
    ShowLog(String, String),
    /// Export a session as CSV (`true`) or JSON.
    Export(String, bool),
    /// Save this text as a file staff choose (first: the suggested name); the export is
    /// logged for each session it holds (the last: one for each of its rows).
    SaveText(String, String, Vec<String>),
    /// Show a verified person's session ready for more assets.
    AddTo(String),
    /// Ask for a test render of this session's person.
    AskRender(String),
    /// Open a file with the system's program for it (a render in the video player).
    OpenFile(PathBuf),
    /// The demo phone passes (`true`) or fails the current link.
    Phone(String, bool),
    /// Store this key in the keyring.
    SaveKey(ApiKey),
    /// Keeps the shared roster's password in the OS keyring (Settings keeps the address).
    SaveRosterPassword(ApiKey),
    /// Keeps the bucket's access key id and secret in the OS keyring.
    SaveBucketKeys(String, ApiKey),
    /// Remove the stored key.
    RemoveKey,
    /// Try an address with a key (`None`: the key in use).
    TestConnection(String, Option<ApiKey>),
    /// Save these settings and restart the engine with them if needed.
    ApplySettings(Box<Settings>),
    /// Ask before deleting a session.
    AskDelete(String),
    /// Ask before a person's withdrawal (session, person).
    AskWithdraw(String, String),
    /// Ask before sending an uncertain row again.
    AskResubmit(String, AssetId),
    /// Offer a replacement for a row.
    AskReplace(String, AssetId),
    /// Offer to fix a local video row (ffmpeg).
    AskFix(String, AssetId),
    /// A fix of this row was asked: the row shows it until its copy replaces it.
    Fixing(String, AssetId),
    /// This session is being deleted with its videos in the bucket.
    DeletingObjects(String),
    /// Ask for the staff PIN before this.
    AskPin(PinFor),
    /// Check the PIN typed in the prompt.
    CheckPin(Pin),
    /// Lock kiosk mode again.
    Lock,
    /// Show the person's screen in the main window (switch mode), or go back.
    PersonView(bool),
    /// Files chosen in the in-app list.
    Picked(PickFor, Vec<PathBuf>),
    /// Store a new staff PIN: as typed, and as typed again to confirm it.
    SetPin(Pin, Pin),
    /// The window's language (`None`: the OS's).
    SetLanguage(Option<UiLang>),
    /// Text size.
    SetTextScale(f32),
    /// Light, dark, or as the desktop is.
    SetTheme(ThemeChoice),
}

/// A staff PIN as typed: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// Wraps what was typed.
    pub fn new(pin: String) -> Pin {
        Pin(pin)
    }

    /// The digits, for checking or hashing.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

/// What starts a session: the Start form's values and the person's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartValues {
    /// The new session's id (the consent's "shown" entry carries it too).
    pub id: String,
    /// Name as typed.
    pub person: String,
    /// Note.
    pub note: String,
    /// The person's language.
    pub language: crate::api::Language,
    /// The person's answers and signature.
    pub consent: crate::engine::Consent,
}

/// The window's keyboard shortcuts. Hints show them as the platform writes them
/// (`Ctrl+H` here, `⌘H` on a Mac) through `egui::Context::format_shortcut`.
pub mod keys {
    use eframe::egui::{Key, KeyboardShortcut, Modifiers};

    /// Settings.
    pub const SETTINGS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Comma);
    /// History.
    pub const HISTORY: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::H);
    /// People.
    pub const PEOPLE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::P);
    /// The asset library.
    pub const LIBRARY: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::L);
    /// The next person.
    pub const NEW_PERSON: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
    /// Choose files to add.
    pub const ADD_FILES: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
    /// Start verification, or upload and submit.
    pub const GO_ON: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
    /// Read the review again.
    pub const CHECK_AGAIN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F5);
    /// The demo's simulated phone: the person passes.
    pub const DEMO_PASS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F8);
    /// The demo's simulated phone: the person fails.
    pub const DEMO_FAIL: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F9);
}
