//! News for the window: the engine's events and the jobs' results, applied to what the window
//! knows; and the way commands go to the engine (kept during a restart, said when they cannot).

use std::sync::Arc;

use eframe::egui;

use super::KioskApp;
use crate::engine::{Command, Event};
use crate::flow::{AssetState, Check};
use crate::i18n::{n, s};
use crate::text::Msg;
use crate::ui::intent::{Intent, Screen};
use crate::ui::jobs::JobDone;
use crate::ui::link::Restarted;
use crate::ui::remote::Remote;
use crate::ui::view::{Preview, source_key};
use crate::ui::widgets::Level;

impl KioskApp {
    /// Takes the engine's events and the jobs' results.
    pub(super) fn take_news(&mut self, ctx: &egui::Context) {
        for event in self.link.events() {
            self.on_event(ctx, event);
        }
        for done in self.jobs.poll() {
            self.on_job(ctx, done);
        }
    }

    /// Sends a command; says why when it cannot reach the engine.
    pub(super) fn send(&mut self, command: Command) -> bool {
        let start = matches!(&command, Command::Start { .. });
        if self.link.send(command).is_ok() {
            return true;
        }
        if start {
            // No session will come back for it: the form is usable again.
            self.model.pending_start = None;
        }
        self.send_failed();
        false
    }

    /// Says why a command could not reach the engine.
    fn send_failed(&mut self) {
        let why = match &self.model.engine_problem {
            Some(m) => self.i18n.msg(m),
            None => self.i18n.t("toast-busy"),
        };
        let action = Some((self.i18n.t("open-settings"), Intent::Go(Screen::Settings)));
        self.toasts.push(Level::Error, why, action);
    }

    /// The engine did not come back: the commands that waited for it are dropped, with one
    /// message saying why (a Start leaves its form usable again).
    fn drop_waiting(&mut self, waiting: Vec<Command>) {
        if waiting.is_empty() {
            return;
        }
        self.model.pending_start = None;
        self.send_failed();
    }

    /// Restarts the engine with the current settings and key (off the UI thread).
    pub(super) fn restart_engine(&mut self, ctx: &egui::Context) {
        // Unknown until the new engine says where it listens (it keeps the port if it can).
        self.model.callback = None;
        // Answers in flight are lost with the old engine: ask again when the rows come back.
        self.model.previews.retain(|_, p| !p.is_loading());
        // A fix in flight is lost with the old engine: its rows offer Fix again.
        self.model.fixing.clear();
        self.settings.tested.abandon();
        let config = self.engine_config();
        self.model.shared_as = super::shared_as(&config);
        // What the old roster said is not known of the new one.
        self.model.roster_down = false;
        if let Err(waiting) = self.link.restart(&mut self.jobs, ctx, config) {
            self.model.engine_problem = self.link.problem.clone();
            self.drop_waiting(waiting);
        }
    }

    /// A session's local data was deleted: it leaves the window, and staff are told.
    fn deleted(&mut self, id: &str) {
        self.reread_everyone();
        let person = self
            .model
            .sessions
            .remove(id)
            .map(|s| s.person.clone())
            .unwrap_or_default();
        if self.model.current.as_deref() == Some(id) {
            self.model.current = None;
        }
        let id_of_text = if self.model.deleting_objects.remove(id) {
            "toast-deleted-with-objects"
        } else {
            "toast-deleted"
        };
        let text = self.i18n.ta(id_of_text, &[s("person", &person)]);
        self.toasts.push(Level::Info, text, None);
    }

    /// A purge (at start, daily) is said when it removed something or could not.
    fn purged(&mut self, report: &crate::engine::PurgeReport) {
        let (done, stuck): (Vec<_>, Vec<_>) =
            report.sessions.iter().partition(|r| r.problem.is_none());
        let done: Vec<_> = (done.into_iter())
            .filter(|r| !r.files.is_empty() || !r.objects.is_empty())
            .collect();
        if !done.is_empty() && !report.dry_run {
            let text = self.i18n.ta("toast-purged", &[n("n", done.len())]);
            self.toasts.push(Level::Info, text, None);
        }
        for r in stuck {
            if let Some(problem) = &r.problem {
                let reason = self.i18n.msg(problem);
                let text = self.i18n.ta(
                    "toast-purge-stuck",
                    &[s("person", &r.person), s("reason", &reason)],
                );
                self.toasts.push(Level::Error, text, None);
            }
        }
        self.reread_everyone();
    }

    /// The studio's consent text: for the pad being shown, and Settings' card.
    fn current_consent(&mut self, current: Result<crate::flow::ConsentVersion, Msg>) {
        if let Some(ask) = self.wizard.consent.as_mut() {
            ask.version = Some(current.clone());
        }
        if self.screen == Screen::Settings {
            self.settings.consent.settle(current);
        }
    }

    fn consent_version_made(&mut self, made: crate::flow::ConsentVersion) {
        let number = made.number.to_string();
        let text = self
            .i18n
            .ta("toast-consent-version", &[s("version", &number)]);
        self.toasts.push(Level::Info, text, None);
        self.settings.consent.settle(Ok(made));
    }

    fn on_event(&mut self, ctx: &egui::Context, event: Event) {
        // A fix refused (the row gone, the session not held here) or failed is said; its row
        // offers Fix again.
        if let Event::Refused {
            session: Some(id), ..
        }
        | Event::Error {
            session: Some(id), ..
        } = &event
        {
            self.model.fixing.retain(|(s, _)| s != id);
        }
        match event {
            Event::Ready { callback, resumed } => {
                self.model.callback = callback;
                if !resumed.is_empty() {
                    let text = self.i18n.ta("toast-resumed", &[n("n", resumed.len())]);
                    let action = (
                        self.i18n.t("toast-show-history"),
                        Intent::Go(Screen::History),
                    );
                    self.toasts.push(Level::Info, text, Some(action));
                }
                if self.model.current.is_none()
                    && let Some(last) = resumed.last()
                {
                    self.model.current = Some(last.clone());
                }
            }
            Event::Session(session) => self.on_session(*session),
            Event::Refused { session, message } => {
                // A refused Start leaves the form usable again.
                if session.is_none() || session == self.model.pending_start {
                    self.model.pending_start = None;
                }
                self.toasts
                    .push(Level::Warning, self.i18n.msg(&message), None);
            }
            Event::Error { session, message } => {
                if session.is_some() && session == self.model.pending_start {
                    self.model.pending_start = None;
                }
                // An error about no session while History waits is the list that failed.
                if session.is_none() && self.model.history.is_loading() {
                    self.model.history.settle(Err(message.clone()));
                }
                if session.is_none() && self.model.everyone.is_loading() {
                    self.model.everyone.settle(Err(message.clone()));
                }
                let action = message
                    .points_to_settings()
                    .then(|| (self.i18n.t("open-settings"), Intent::Go(Screen::Settings)));
                self.toasts
                    .push(Level::Error, self.i18n.msg(&message), action);
            }
            Event::History(list) => self.model.history.settle(Ok(list)),
            Event::Everyone(all) => self.model.everyone.settle(Ok(all)),
            Event::Roster { reachable } => self.model.roster_down = !reachable,
            Event::RosterChanged => {
                // Another desk's change: a list already shown is read again.
                if self.model.history.value().is_some() || self.model.history.is_loading() {
                    self.model.history.reload();
                    self.send(Command::List);
                }
                self.reread_everyone();
            }
            Event::Deleted(id) => self.deleted(&id),
            Event::Withdrawn(removal) => {
                self.reread_everyone();
                self.dialogs.withdraw.done = Some(*removal);
            }
            Event::Purged(report) => self.purged(&report),
            Event::Receipt(_, made) => self.receipt_made(ctx, made),
            Event::AuditLog(session, read) => {
                if let Some(log) = self.dialogs.log.as_mut().filter(|l| l.session == session) {
                    log.entries = Some(read);
                }
            }
            Event::CurrentConsent(current) => self.current_consent(current),
            Event::ConsentVersionMade(made) => self.consent_version_made(made),
            Event::Bucket(found) => self.model.bucket = Some(found),
            Event::CaptureEnded(id) => self.capture_ended(ctx, &id),
            Event::Checked(report) => {
                let key = source_key(&report.source);
                let texture = report
                    .thumbnail
                    .as_ref()
                    .and_then(crate::ui::widgets::thumbnail_image)
                    .map(|img| ctx.load_texture(format!("thumb:{key}"), img, Default::default()));
                let preview = Preview {
                    texture,
                    problem: report.problem,
                    length_ms: report.length_ms,
                };
                self.model
                    .previews
                    .entry(key)
                    .or_default()
                    .settle(Ok(preview));
            }
            Event::ConnectionTested(r) => self.settings.tested.settle(r),
        }
    }

    fn on_session(&mut self, s: crate::flow::Session) {
        // A row being fixed stops showing it once its copy has taken its place.
        self.model
            .fixing
            .retain(|(id, asset)| id != &s.id || s.current_assets().any(|a| a.id == *asset));
        if self.model.pending_start.as_deref() == Some(s.id.as_str()) {
            self.model.pending_start = None;
            self.model.current = Some(s.id.clone());
            self.wizard.start = Default::default();
        }
        // Rows checked before this window opened (a resumed session) get their preview too;
        // the engine keeps the prepared copy, so nothing is decoded again. Rows being checked
        // get theirs with the check.
        let mut ask = Vec::new();
        for a in s.current_assets() {
            let key = source_key(&a.source);
            if !self.model.previews.contains_key(&key)
                && a.check != Check::Pending
                && !a.is_blocked()
                && matches!(
                    a.state,
                    AssetState::Staged | AssetState::Uploading { .. } | AssetState::Uploaded { .. }
                )
            {
                self.model
                    .previews
                    .insert(key, Remote::Loading { last: None });
                ask.push(a.source.clone());
            }
        }
        for source in ask {
            self.send(Command::Check(source));
        }
        self.model.sessions.insert(s.id.clone(), Arc::new(s));
    }

    fn on_job(&mut self, ctx: &egui::Context, done: JobDone) {
        match done {
            JobDone::Picked(target, None) => {
                self.model.dialog_failed = true;
                let action = (
                    self.i18n.t("toast-open-file-list"),
                    Intent::InAppPicker(target, None),
                );
                let text = self.i18n.t("toast-dialog-failed");
                self.toasts.push(Level::Warning, text, Some(action));
            }
            JobDone::Picked(target, Some(paths)) => {
                if let Some(dir) = paths.first().and_then(|p| p.parent()) {
                    self.remember_folder(ctx, dir.to_path_buf());
                }
                self.files_picked(target, paths);
            }
            JobDone::Listed(dir, result) => {
                let result = result.map_err(|reason| {
                    let shown = dir.display().to_string();
                    let args = [s("path", &shown), s("reason", &reason)];
                    self.i18n.ta("picker-cannot-open", &args)
                });
                if let Some(p) = &mut self.dialogs.picker
                    && p.dir == dir
                {
                    p.entries.settle(result);
                }
            }
            JobDone::Key(Ok((msg, key))) => {
                self.toasts.push(Level::Info, msg, None);
                self.settings.key.clear();
                self.restart_after_key(ctx, key);
            }
            JobDone::Key(Err(msg)) => self.toasts.push(Level::Error, self.i18n.msg(&msg), None),
            JobDone::RosterPassword(Ok(password)) => {
                self.keep.password_pending = false;
                self.keep.desk.password = Some(password);
                let text = self.i18n.t("settings-roster-password-stored");
                self.toasts.push(Level::Info, text, None);
                self.restart_engine(ctx);
            }
            JobDone::RosterPassword(Err(msg)) => {
                self.keep.password_pending = false;
                self.toasts.push(Level::Error, self.i18n.msg(&msg), None);
                // The settings were saved: they apply now, with the password there was.
                self.restart_engine(ctx);
            }
            JobDone::BucketKeys(Ok(())) => {
                let text = self.i18n.t("settings-bucket-keys-stored");
                self.toasts.push(Level::Info, text, None);
                self.restart_engine(ctx);
            }
            JobDone::BucketKeys(Err(msg)) => {
                self.toasts.push(Level::Error, self.i18n.msg(&msg), None);
            }
            JobDone::Engine(started) => self.engine_back(ctx, *started),
            JobDone::Cameras(list) => self.cameras_listed(ctx, list),
            JobDone::Monitors(list) => {
                tracing::info!("{} monitor(s) found", list.len());
                self.model.monitors = list.len();
                self.monitors = list;
            }
            JobDone::PinChecked(ok) => self.pin_checked(ok),
            JobDone::PinHashed(Ok(hash)) => {
                self.model.settings.kiosk_pin_hash = Some(hash.clone());
                self.settings.form.kiosk_pin_hash = Some(hash);
                self.settings.new_pin.clear();
                self.settings.pin_again.clear();
                self.save_settings(ctx);
                let text = self.i18n.t("settings-pin-saved");
                self.toasts.push(Level::Info, text, None);
            }
            JobDone::PinHashed(Err(msg)) => self.toasts.push(Level::Error, msg, None),
            other => self.on_file_job(other),
        }
        ctx.request_repaint();
    }

    /// Jobs that wrote files or ran the demo phone: only what they say.
    fn on_file_job(&mut self, done: JobDone) {
        let i = self.i18n.clone();
        match done {
            JobDone::SettingsSaved(Err(reason)) => {
                let text = i.ta("toast-settings-unsaved", &[s("reason", &reason)]);
                self.toasts.push(Level::Error, text, None);
            }
            JobDone::Exported(Ok(path), took) => {
                self.took_out(crate::engine::TakeOut::Export, took);
                let shown = path.display().to_string();
                let action = (
                    i.t("toast-copy-path"),
                    Intent::Copy(shown.clone(), i.t("copied-path")),
                );
                let text = i.ta("toast-exported", &[s("path", &shown)]);
                self.toasts.push(Level::Info, text, Some(action));
            }
            JobDone::Exported(Err(reason), _) => {
                let text = i.ta("toast-export-failed", &[s("reason", &reason)]);
                self.toasts.push(Level::Error, text, None);
            }
            JobDone::Opened(Err(why)) => {
                self.toasts.push(Level::Error, i.msg(&why), None);
            }
            JobDone::ExportCancelled => {
                self.toasts
                    .push(Level::Info, i.t("toast-export-cancelled"), None);
            }
            JobDone::Phone(Err(msg)) => {
                let text = i.ta("toast-phone-failed", &[s("reason", &msg)]);
                self.toasts.push(Level::Warning, text, None);
            }
            _ => {}
        }
    }

    /// A restart finished: send what waited, or restart once more, or say why not.
    fn engine_back(
        &mut self,
        ctx: &egui::Context,
        started: Result<(crate::engine::Engine, crate::ui::jobs::EngineEvents), Msg>,
    ) {
        let outcome = self.link.restarted(started);
        self.model.engine_problem = self.link.problem.clone();
        match outcome {
            Restarted::Again => self.restart_engine(ctx),
            Restarted::Up(waiting) => {
                for command in waiting {
                    self.send(command);
                }
            }
            Restarted::Down(waiting) => self.drop_waiting(waiting),
        }
    }

    /// After the key changed: reload it and restart the engine on the real API (unless the
    /// demo was asked for on the command line).
    fn restart_after_key(&mut self, ctx: &egui::Context, key: Option<crate::api::ApiKey>) {
        self.keep.key = key;
        self.model.has_key = self.keep.key.is_some();
        if self.keep.key.is_some() && self.keep.demo.as_ref().is_some_and(|d| !d.forced) {
            self.keep.demo = None;
            self.model.demo = false;
            self.model.sessions.clear();
            self.model.current = None;
            self.model.history = Remote::NotAsked;
            let text = self.i18n.t("toast-demo-ended");
            self.toasts.push(Level::Info, text, None);
        }
        self.restart_engine(ctx);
    }
}
