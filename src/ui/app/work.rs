//! Work the window hands to jobs: writing settings and exports, the keyring, listing a folder;
//! and adding rows (duplicates are said, not sent).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use eframe::egui;

use super::KioskApp;
use crate::api::ApiKey;
use crate::engine::{Command, NewAsset, TakeOut};
use crate::flow::AssetSource;
use crate::i18n::{n, s};
use crate::secrets::{KeyStore, SecretError};
use crate::ui::dialogs::Picker;
use crate::ui::intent::PickFor;
use crate::ui::jobs::{self, JobDone};
use crate::ui::remote::Remote;
use crate::ui::view::source_key;
use crate::ui::widgets::Level;

/// Settings writes are numbered: one that finds a newer one already written gives way, so the
/// file always ends with the latest.
#[derive(Debug, Default)]
pub(super) struct SaveOrder {
    next: u64,
    written: Arc<Mutex<u64>>,
}

/// After the key store was changed (`changed`): what to say, and the key the engine should use
/// now (the environment's wins).
fn key_changed(store: &dyn KeyStore, changed: Result<(), SecretError>, said: String) -> JobDone {
    let in_use = changed.and_then(|()| crate::secrets::load_key(store));
    JobDone::Key(
        in_use
            .map(|found| (said, found.map(|(k, _)| k)))
            .map_err(|e| e.advice()),
    )
}

impl KioskApp {
    /// Writes the settings in use, off the UI thread.
    pub(super) fn save_settings(&mut self, ctx: &egui::Context) {
        if self.model.settings_unreadable {
            // The file on disk may hold what staff set (a PIN): never write over it unread.
            let text = self.i18n.t("settings-not-overwritten");
            self.toasts.push(Level::Warning, text, None);
            return;
        }
        let settings = self
            .keep
            .overrides
            .for_disk(&self.model.settings, &self.keep.saved);
        self.keep.saved = settings.clone();
        let data_dir = self.model.data_dir.clone();
        self.saves.next += 1;
        let seq = self.saves.next;
        let written = self.saves.written.clone();
        self.jobs.spawn("settings", ctx, move || {
            let mut last = written.lock().unwrap_or_else(|p| p.into_inner());
            if *last > seq {
                return JobDone::Quiet;
            }
            *last = seq;
            JobDone::SettingsSaved(settings.save(&data_dir).map_err(|e| e.to_string()))
        });
    }

    pub(super) fn remember_folder(&mut self, ctx: &egui::Context, dir: PathBuf) {
        if self.model.settings.last_folder.as_ref() != Some(&dir) {
            self.model.settings.last_folder = Some(dir.clone());
            self.settings.form.last_folder = Some(dir);
            self.save_settings(ctx);
        }
    }

    /// Opens the in-app file list at `dir` (or the last folder, or home), keeping what was
    /// ticked for the same target.
    pub(super) fn open_folder(
        &mut self,
        ctx: &egui::Context,
        target: PickFor,
        dir: Option<PathBuf>,
    ) {
        let dir = dir
            .or_else(|| self.model.settings.last_folder.clone())
            .or_else(|| directories::UserDirs::new().map(|u| u.home_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from("/"));
        let keep = self
            .dialogs
            .picker
            .as_ref()
            .filter(|p| p.target == target)
            .map(|p| p.selected.clone())
            .unwrap_or_default();
        self.dialogs.picker = Some(Picker {
            target,
            dir: dir.clone(),
            dir_text: dir.display().to_string(),
            entries: Remote::Loading { last: None },
            selected: keep,
        });
        self.jobs.spawn("list-folder", ctx, move || {
            let r = jobs::list_folder(&dir);
            JobDone::Listed(dir, r)
        });
    }

    /// New rows for a session; what is already there is said, not added again.
    pub(super) fn add_sources(&mut self, id: &str, sources: Vec<AssetSource>) {
        if sources.is_empty() {
            return;
        }
        let known: Vec<String> = self
            .model
            .sessions
            .get(id)
            .map(|s| s.current_assets().map(|a| source_key(&a.source)).collect())
            .unwrap_or_default();
        let mut new: Vec<NewAsset> = Vec::new();
        let mut skipped = 0;
        for source in sources {
            let key = source_key(&source);
            if known.contains(&key) || new.iter().any(|n| source_key(&n.source) == key) {
                skipped += 1;
                continue;
            }
            new.push(NewAsset {
                name: None,
                source,
                kind: None,
            });
        }
        if skipped > 0 {
            let text = self.i18n.ta("assets-already", &[n("n", skipped)]);
            self.toasts.push(Level::Warning, text, None);
        }
        if !new.is_empty() {
            // The engine checks each new row and sends its preview.
            self.send(Command::AddAssets(id.to_string(), new));
        }
    }

    pub(super) fn save_key(&mut self, ctx: &egui::Context, key: ApiKey) {
        if key.is_empty() {
            let text = self.i18n.t("toast-key-first");
            self.toasts.push(Level::Warning, text, None);
            return;
        }
        let store = self.keep.secrets.api_key.clone();
        let stored = self.i18n.t("toast-key-stored");
        self.jobs.spawn("keyring", ctx, move || {
            key_changed(store.as_ref(), store.set(&key), stored)
        });
    }

    /// Stores the roster's password in the keyring; the engine restarts with it once stored.
    pub(super) fn save_roster_password(&mut self, ctx: &egui::Context, password: ApiKey) {
        // The settings saved with it restart the engine once the password is in use.
        self.keep.password_pending = true;
        let store = self.keep.secrets.roster_password.clone();
        self.jobs.spawn("keyring", ctx, move || {
            JobDone::RosterPassword(
                crate::secrets::store_secret(store.as_ref(), &password).map_err(|e| e.advice()),
            )
        });
    }

    /// Stores the bucket's keys in the keyring; the engine restarts to use them.
    pub(super) fn save_bucket_keys(&mut self, ctx: &egui::Context, access: String, secret: ApiKey) {
        let store = self.keep.secrets.bucket_keys.clone();
        self.jobs.spawn("keyring", ctx, move || {
            JobDone::BucketKeys(
                crate::secrets::store_bucket_keys(store.as_ref(), &access, &secret)
                    .map_err(|e| e.advice()),
            )
        });
    }

    pub(super) fn remove_key(&mut self, ctx: &egui::Context) {
        let store = self.keep.secrets.api_key.clone();
        let removed = self.i18n.t("toast-key-removed");
        self.jobs.spawn("keyring", ctx, move || {
            key_changed(store.as_ref(), store.delete(), removed)
        });
    }

    /// Exports a session to a file staff choose (or a folder they can find, when no dialog
    /// opens here).
    pub(super) fn export(&mut self, ctx: &egui::Context, id: &str, csv: bool) {
        let Some(session) = self.model.sessions.get(id).cloned() else {
            // From History: read it first (taking nothing up), then export.
            self.send(Command::Peek(id.to_string()));
            let text = self.i18n.t("toast-export-loading");
            self.toasts.push(Level::Info, text, None);
            return;
        };
        let say = |m: &crate::text::Msg| self.i18n.msg(m);
        let (text, ending) = if csv {
            match crate::flow::export::to_csv(&session, &say) {
                Ok(t) => (t, "csv"),
                Err(e) => {
                    let said = self
                        .i18n
                        .ta("toast-export-failed", &[s("reason", &e.to_string())]);
                    self.toasts.push(Level::Error, said, None);
                    return;
                }
            }
        } else {
            (crate::flow::export::to_json(&session, &say), "json")
        };
        let name = crate::flow::export::file_name(&session, ending);
        let detail = format!("summary saved as {}", ending.to_uppercase());
        self.save_text(ctx, name, text, vec![(session.id.clone(), detail)]);
    }

    /// Puts text on the clipboard and says what was copied.
    pub(super) fn copy(&mut self, ctx: &egui::Context, text: String, what: &str) {
        ctx.copy_text(text);
        let said = self.i18n.ta("toast-copied", &[s("what", what)]);
        self.toasts.push(Level::Info, said, None);
    }

    /// Copies `asset://` URLs (one a line) and logs the copy for each of `sessions`.
    pub(super) fn copy_urls(
        &mut self,
        ctx: &egui::Context,
        text: String,
        what: &str,
        sessions: Vec<String>,
    ) {
        // Logged first: with the engine away the copy waits (the error says why).
        let entries = per_session(sessions, |n| format!("{n} asset URL(s) copied"));
        if self.took_out(TakeOut::Copy, entries) {
            self.copy(ctx, text, what);
        }
    }

    /// Saves the asset library's export, logged for each session it holds.
    pub(super) fn save_library(
        &mut self,
        ctx: &egui::Context,
        name: String,
        text: String,
        sessions: Vec<String>,
    ) {
        let ending = ending_of(&name);
        let said = |n: usize| format!("{n} asset(s) in the asset library saved as {ending}");
        let took = per_session(sessions, said);
        self.save_text(ctx, name, text, took);
    }

    /// Opens a session's entries of the audit log (read by the engine).
    pub(super) fn show_log(&mut self, session: String, person: String) {
        if !self.send(Command::AuditLog(session.clone())) {
            return;
        }
        let entries = None;
        let log = crate::ui::audit_log::LogView {
            session,
            person,
            entries,
        };
        self.dialogs.log = Some(log);
    }

    /// Logs that staff took data out of the app: one entry for each session with what of it.
    /// False when the engine could not be told (the error says why).
    pub(super) fn took_out(&mut self, how: TakeOut, entries: Vec<(String, String)>) -> bool {
        entries.is_empty() || self.send(Command::TookOut { how, entries })
    }

    /// Saves a consent receipt the engine made where staff choose (logged once saved).
    pub(super) fn receipt_made(
        &mut self,
        ctx: &egui::Context,
        made: Result<Box<crate::engine::Receipt>, crate::text::Msg>,
    ) {
        match made {
            Ok(r) => {
                let took = vec![(r.session, crate::engine::RECEIPT_SAVED.to_string())];
                self.save_bytes(ctx, r.file_name, r.pdf, took);
            }
            Err(why) => self.toasts.push(Level::Error, self.i18n.msg(&why), None),
        }
    }

    /// Saves text as a file staff choose: exports of a session or of the asset library.
    pub(super) fn save_text(
        &mut self,
        ctx: &egui::Context,
        name: String,
        text: String,
        took: Vec<(String, String)>,
    ) {
        self.save_bytes(ctx, name, text.into_bytes(), took);
    }

    /// Saves a file staff choose (or in a folder they can find, when no dialog opens here),
    /// logged for each of `took` once it is written.
    pub(super) fn save_bytes(
        &mut self,
        ctx: &egui::Context,
        name: String,
        bytes: Vec<u8>,
        took: Vec<(String, String)>,
    ) {
        // The launch's folder (tests) stands in for the dialog: the rest is the same path.
        let fixed = self.keep.save_to.clone();
        let fallback_dir = fixed.clone().unwrap_or_else(|| {
            directories::UserDirs::new()
                .and_then(|u| u.document_dir().map(|d| d.join("Avatar Kiosk exports")))
                .unwrap_or_else(|| self.model.data_dir.join("exports"))
        });
        let start = self.model.settings.last_folder.clone();
        let save_title = self.i18n.t("export-save-title");
        self.jobs.spawn("export", ctx, move || {
            let asked = match fixed {
                Some(_) => Err(()),
                None => jobs::native_save(&name, start, &save_title),
            };
            let path = match asked {
                Ok(Some(p)) => p,
                Ok(None) => return JobDone::ExportCancelled,
                // No dialog on this machine: save where staff can find it, and say where.
                Err(()) => {
                    if let Err(e) = std::fs::create_dir_all(&fallback_dir) {
                        let why = format!("{}: {e}", fallback_dir.display());
                        return JobDone::Exported(Err(why), took);
                    }
                    crate::config::free_name(&fallback_dir, &name)
                }
            };
            JobDone::Exported(
                crate::config::write_private(&path, &bytes)
                    .map(|()| path.clone())
                    .map_err(|e| format!("{}: {e}", path.display())),
                took,
            )
        });
    }

    /// Opens the test render form for a person (from the session on screen or People).
    pub(super) fn ask_render(&mut self, id: &str) {
        let known = self.model.sessions.get(id).map(|s| s.as_ref()).or_else(|| {
            self.model
                .everyone
                .value()
                .and_then(|all| all.iter().find(|s| s.id == id))
        });
        if let Some(s) = known {
            self.dialogs.render = Some(crate::ui::render::RenderForm::for_session(s));
        }
    }

    /// The Start form again for a person whose group the upstream no longer accepts: their
    /// name, note and language filled in, consent asked again.
    pub(super) fn verify_again(&mut self, id: &str) {
        let again = self.model.sessions.get(id).cloned();
        self.new_session();
        if let Some(s) = again {
            let form = &mut self.wizard.start;
            (form.person, form.note, form.language) =
                (s.person.clone(), s.note.clone(), s.language);
        }
    }

    /// Opens the Fix dialog of a local video row, with its length from its check.
    pub(super) fn ask_fix(&mut self, id: String, asset: crate::flow::AssetId) {
        let Some(a) = self
            .model
            .sessions
            .get(&id)
            .and_then(|s| s.assets.iter().find(|a| a.id == asset))
        else {
            return;
        };
        let length_ms = self
            .model
            .previews
            .get(&crate::ui::view::source_key(&a.source))
            .and_then(|p| p.value())
            .and_then(|p| p.length_ms);
        self.dialogs.fix = Some(crate::ui::fix::FixForm {
            session: id,
            asset,
            name: a.name.clone(),
            length_ms,
            start_secs: 0.0,
        });
    }

    /// Opens a test render with the desktop's program for it (the video player): only a file
    /// in this desk's `renders` folder, whatever the stored row says.
    pub(super) fn open_file(&mut self, ctx: &egui::Context, path: PathBuf) {
        let renders = self.model.data_dir.join("renders");
        self.jobs.spawn("open-file", ctx, move || {
            JobDone::Opened(crate::platform::open::open_inside(&path, &renders))
        });
    }
}

/// One audit entry for each session in `sessions` (named once for each URL or row of it
/// taken), `what` saying it from that count.
fn per_session(sessions: Vec<String>, what: impl Fn(usize) -> String) -> Vec<(String, String)> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for id in sessions {
        *counts.entry(id).or_default() += 1;
    }
    counts.into_iter().map(|(id, n)| (id, what(n))).collect()
}

/// An export's format as the audit log says it: its file name's ending, in capitals.
fn ending_of(name: &str) -> String {
    let ending = std::path::Path::new(name).extension();
    ending.map_or_else(String::new, |e| e.to_string_lossy().to_uppercase())
}
