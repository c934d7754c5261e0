//! What the window knows ([`Model`]: sessions from the engine, previews, History, the settings
//! in use) and the read-only [`View`] of it that every screen draws from.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use super::intent::Screen;
use super::kiosk::KioskState;
use super::remote::Remote;
use crate::config::Settings;
use crate::flow::{AssetSource, Millis, Session};
use crate::i18n::I18n;
use crate::store::SessionSummary;
use crate::text::Msg;

/// A row's preview, once its check answered.
#[derive(Clone)]
pub struct Preview {
    /// The thumbnail, uploaded to the GPU.
    pub texture: Option<egui::TextureHandle>,
    /// What the check found wrong, if anything.
    pub problem: Option<Msg>,
    /// A local video's length (the Fix dialog's range).
    pub length_ms: Option<u64>,
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preview")
            .field("texture", &self.texture.is_some())
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

/// The key a preview is filed under.
pub fn source_key(source: &AssetSource) -> String {
    source.display()
}

/// Everything the window knows from elsewhere.
#[derive(Debug, Default)]
pub struct Model {
    /// Snapshots from the engine: a frame clones the pointer, not a thousand rows.
    pub sessions: HashMap<String, Arc<Session>>,
    /// The session on screen.
    pub current: Option<String>,
    /// A Start was sent for this id and its session has not come back yet.
    pub pending_start: Option<String>,
    /// Row previews by source.
    pub previews: HashMap<String, Remote<Preview>>,
    /// Where local videos go (the bucket's address), or why they cannot be sent, as the
    /// engine found at its start.
    pub bucket: Option<Result<String, Msg>>,
    /// Sessions asked to be deleted with their videos in the bucket (for the toast that says so).
    pub deleting_objects: std::collections::HashSet<String>,
    /// Video rows being fixed (session, row), until the fixed copy takes their place.
    pub fixing: std::collections::HashSet<(String, crate::flow::AssetId)>,
    /// Every stored session.
    pub history: Remote<Vec<SessionSummary>>,
    /// Every stored session whole (People, the asset library).
    pub everyone: Remote<Arc<Vec<Session>>>,
    /// The settings in use (the file's, with command-line flags).
    pub settings: Settings,
    /// Where the data lives.
    pub data_dir: PathBuf,
    /// A key is set.
    pub has_key: bool,
    /// The key came from the environment (Settings cannot change it).
    pub key_from_env: bool,
    /// Running on the simulator.
    pub demo: bool,
    /// The listener's address, once the engine is up.
    pub callback: Option<String>,
    /// Why there is no engine, when there is none.
    pub engine_problem: Option<Msg>,
    /// This desk's name, when it writes to a studio's shared roster (History lists every desk).
    pub shared_as: Option<String>,
    /// The roster was given on the command line or in the environment (it wins over Settings).
    pub roster_from_run: bool,
    /// The shared roster cannot be reached: work stays in memory, nothing new starts.
    pub roster_down: bool,
    /// How many monitors the desktop has (0: unknown).
    pub monitors: usize,
    /// The native file dialog could not open on this machine.
    pub dialog_failed: bool,
    /// The settings file could not be read (it is never overwritten).
    pub settings_unreadable: bool,
    /// The desk's camera.
    pub camera: super::camera::CameraModel,
}

impl Model {
    /// The session on screen.
    pub fn session(&self) -> Option<&Arc<Session>> {
        self.current.as_ref().and_then(|id| self.sessions.get(id))
    }
}

/// What a screen may read while it draws.
#[derive(Clone, Copy)]
pub struct View<'a> {
    /// The window's language.
    pub i18n: &'a I18n,
    /// What the window knows.
    pub model: &'a Model,
    /// The screen shown.
    pub screen: Screen,
    /// Kiosk mode, when on.
    pub kiosk: Option<&'a KioskState>,
    /// The person's screen is a second window (so the wizard offers no switch to it).
    pub person_window: bool,
    /// The time this frame is drawn for.
    pub now: Millis,
}

impl View<'_> {
    /// The session on screen.
    pub fn session(&self) -> Option<&Session> {
        self.model.session().map(|s| s.as_ref())
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.model.settings
    }

    /// A Start is on its way.
    pub fn starting(&self) -> bool {
        self.model.pending_start.is_some()
    }

    /// Kiosk mode holds the staff screens behind the PIN now.
    pub fn locked(&self) -> bool {
        self.kiosk.is_some_and(|k| !k.unlocked)
    }

    /// A row's preview.
    pub fn preview(&self, source: &AssetSource) -> Option<&Preview> {
        self.model
            .previews
            .get(&source_key(source))
            .and_then(Remote::value)
    }
}
