//! Work the window must not wait for: the native file dialog, the keyring, writing exports and
//! settings, listing a folder for the in-app picker, the demo's simulated phone. Each runs on
//! its own named thread and reports back on a bounded channel, then wakes the window.

use std::path::PathBuf;
use std::sync::mpsc;

use eframe::egui;

use super::intent::PickFor;

/// An entry of the in-app picker's folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Full path.
    pub path: PathBuf,
    /// Shown name.
    pub name: String,
    /// A folder (else an image file).
    pub is_dir: bool,
}

/// Where a restarted engine's events arrive.
pub type EngineEvents = tokio::sync::mpsc::Receiver<crate::engine::Event>;

/// What a job found.
#[derive(Debug)]
pub enum JobDone {
    /// The native dialog closed: `None` when it could not open at all.
    Picked(PickFor, Option<Vec<PathBuf>>),
    /// A folder listing for the in-app picker.
    Listed(PathBuf, Result<Vec<Entry>, String>),
    /// The key was stored or removed: what to say, and the key now in use.
    Key(Result<(String, Option<crate::api::ApiKey>), crate::text::Msg>),
    /// The roster's password was stored in the keyring (it is now in use).
    RosterPassword(Result<secrecy::SecretString, crate::text::Msg>),
    /// The bucket's keys were stored, or why not.
    BucketKeys(Result<(), crate::text::Msg>),
    /// The engine restarted (the old one stopped first).
    Engine(Box<Result<(crate::engine::Engine, EngineEvents), crate::text::Msg>>),
    /// Settings were written.
    SettingsSaved(Result<(), String>),
    /// An export was written here; what it held, for the audit log (each session with a few
    /// words, as [`crate::engine::Command::TookOut`] takes them).
    Exported(Result<PathBuf, String>, Vec<(String, String)>),
    /// The simulated phone finished.
    Phone(Result<(), String>),
    /// Staff cancelled the save dialog.
    ExportCancelled,
    /// A file was handed to the desktop's program for it (or why not).
    Opened(Result<(), crate::text::Msg>),
    /// Done, nothing to say.
    Quiet,
    /// Whether the PIN typed matched.
    PinChecked(bool),
    /// A new PIN's hash.
    PinHashed(Result<String, String>),
    /// The desktop's monitors.
    Monitors(Vec<crate::platform::monitors::Monitor>),
    /// The desk's cameras.
    Cameras(Vec<crate::camera::Camera>),
}

/// The job runner.
pub struct Jobs {
    tx: mpsc::SyncSender<JobDone>,
    rx: mpsc::Receiver<JobDone>,
    /// Jobs started and not yet reported.
    pub running: usize,
}

impl Default for Jobs {
    fn default() -> Self {
        let (tx, rx) = mpsc::sync_channel(64);
        Jobs { tx, rx, running: 0 }
    }
}

impl Jobs {
    /// Runs `work` on a named thread; its result arrives through [`Jobs::poll`]. False when no
    /// thread could be started (the system is out of threads): nothing will arrive.
    pub fn spawn(
        &mut self,
        name: &str,
        ctx: &egui::Context,
        work: impl FnOnce() -> JobDone + Send + 'static,
    ) -> bool {
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        let started = std::thread::Builder::new()
            .name(format!("avatar-ui-{name}"))
            .spawn(move || {
                let done = work();
                let _ = tx.send(done);
                ctx.request_repaint();
            });
        match started {
            Ok(_) => {
                self.running += 1;
                true
            }
            Err(e) => {
                tracing::error!("could not start a background job: {e}");
                false
            }
        }
    }

    /// Results that arrived since the last call.
    pub fn poll(&mut self) -> Vec<JobDone> {
        let done: Vec<JobDone> = self.rx.try_iter().collect();
        self.running = self.running.saturating_sub(done.len());
        done
    }
}

/// The native multi-file dialog. `None` means no dialog could be shown (no desktop portal and
/// no zenity); an empty list means staff cancelled.
pub fn native_pick(start: Option<PathBuf>, title: &str, filter: &str) -> Option<Vec<PathBuf>> {
    let mut dialog = rfd::FileDialog::new().set_title(title).add_filter(
        filter,
        &[crate::media::IMAGE_ENDINGS, crate::media::VIDEO_ENDINGS].concat(),
    );
    if let Some(dir) = start.filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    dialog.pick_files()
}

/// The native save dialog; `Err` when it could not open.
pub fn native_save(name: &str, start: Option<PathBuf>, title: &str) -> Result<Option<PathBuf>, ()> {
    let mut dialog = rfd::FileDialog::new().set_title(title).set_file_name(name);
    if let Some(dir) = start.filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    // rfd cannot tell "cancelled" from "could not open" for saving: both are None. A dialog
    // that returns at once did not open.
    let started = std::time::Instant::now();
    match dialog.save_file() {
        Some(p) => Ok(Some(p)),
        None if started.elapsed() < std::time::Duration::from_millis(300) => Err(()),
        None => Ok(None),
    }
}

/// Lists a folder: sub-folders first, then images, by name. Hidden entries are left out.
pub fn list_folder(dir: &std::path::Path) -> Result<Vec<Entry>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
    let mut out: Vec<Entry> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                return None;
            }
            let is_dir = path.is_dir();
            let is_asset = crate::media::kind_from_ending(&name).is_some();
            (is_dir || is_asset).then_some(Entry { path, name, is_dir })
        })
        .collect();
    out.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(out)
}
