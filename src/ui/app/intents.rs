//! Carrying out what the screens asked for, at the end of the frame.

use crate::ui::consent::ConsentAsk;
use std::path::PathBuf;

use eframe::egui;

use super::KioskApp;
use crate::api::ApiKey;
use crate::config::CallbackChoice;
use crate::engine::{self, Command};
use crate::flow::{AssetSource, Session};
use crate::i18n::UiLang;
use crate::text::Msg;
use crate::ui::intent::{Intent, PickFor, Pin, PinFor, Screen, StartValues, keys};
use crate::ui::jobs::{self, JobDone};
use crate::ui::widgets::Level;

impl KioskApp {
    /// Carries out one intent.
    pub(super) fn apply(&mut self, ctx: &egui::Context, intent: Intent) {
        match intent {
            Intent::Send(command) => _ = self.send(command),
            Intent::StartSession(values) => self.start_session(values),
            Intent::AskConsent(person, note, language) => self.ask_consent(person, note, language),
            Intent::CancelConsent => self.wizard.consent = None,
            Intent::Camera(asked) => self.camera(ctx, asked),
            Intent::Go(screen) => {
                if screen != Screen::Wizard && self.locked() {
                    self.ask_pin(PinFor::Screen(screen));
                } else {
                    self.enter_screen(screen);
                }
            }
            Intent::NewSession => self.new_session(),
            Intent::VerifyAgain(id) => self.verify_again(&id),
            Intent::Open(id) => {
                self.model.current = Some(id.clone());
                self.screen = Screen::Wizard;
                self.send(Command::Get(id));
            }
            Intent::Pick(target) => {
                let start = self.model.settings.last_folder.clone();
                let title = self.i18n.t("assets-choose");
                let filter = self.i18n.t("picker-images");
                self.jobs.spawn("file-dialog", ctx, move || {
                    JobDone::Picked(target, jobs::native_pick(start, &title, &filter))
                });
            }
            Intent::InAppPicker(target, dir) => self.open_folder(ctx, target, dir),
            Intent::AddPasted(text) => self.add_pasted(&text),
            Intent::AddFiles(paths) => {
                if let Some(id) = self.model.current.clone() {
                    self.files_picked(PickFor::Add(id), paths);
                }
            }
            Intent::Copy(text, what) => self.copy(ctx, text, &what),
            Intent::CopyUrls(text, what, sessions) => self.copy_urls(ctx, text, &what, sessions),
            Intent::Export(id, csv) => self.export(ctx, &id, csv),
            Intent::ShowLog(session, person) => self.show_log(session, person),
            Intent::SaveText(name, text, sessions) => {
                self.save_library(ctx, name, text, sessions);
            }
            Intent::AddTo(id) => {
                self.wizard.open_add = Some(id.clone());
                self.model.current = Some(id.clone());
                self.screen = Screen::Wizard;
                self.send(Command::Get(id));
            }
            Intent::AskRender(id) => self.ask_render(&id),
            Intent::OpenFile(path) => self.open_file(ctx, path),
            Intent::Phone(task, pass) => {
                if let Some(demo) = &self.keep.demo {
                    let phone = demo.phone.clone();
                    self.jobs.spawn("demo-phone", ctx, move || {
                        JobDone::Phone(phone(&task, pass))
                    });
                }
            }
            Intent::SaveKey(key) => self.save_key(ctx, key),
            Intent::SaveRosterPassword(password) => self.save_roster_password(ctx, password),
            Intent::SaveBucketKeys(access, secret) => self.save_bucket_keys(ctx, access, secret),
            Intent::RemoveKey => self.remove_key(ctx),
            Intent::TestConnection(base_url, typed) => self.test_connection(&base_url, typed),
            Intent::ApplySettings(settings) => self.apply_settings(ctx, *settings),
            Intent::AskWithdraw(id, person) => self.dialogs.withdraw.confirm = Some((id, person)),
            Intent::AskDelete(id) => {
                self.dialogs.confirm_delete = Some(id);
                self.dialogs.delete_objects = true;
            }
            Intent::AskFix(id, asset) => self.ask_fix(id, asset),
            Intent::Fixing(id, asset) => _ = self.model.fixing.insert((id, asset)),
            Intent::DeletingObjects(id) => _ = self.model.deleting_objects.insert(id),
            Intent::AskResubmit(id, asset) => self.dialogs.confirm_resubmit = Some((id, asset)),
            Intent::AskReplace(id, asset) => {
                self.dialogs.replace = Some(crate::ui::dialogs::Replace {
                    session: id,
                    asset,
                    typed: String::new(),
                    problem: None,
                    focused: false,
                });
            }
            Intent::AskPin(target) => self.ask_pin(target),
            Intent::CheckPin(pin) => self.check_pin(ctx, pin),
            Intent::Lock => {
                self.relock();
                self.screen = Screen::Wizard;
            }
            Intent::PersonView(on) => {
                if on {
                    self.relock();
                }
                if let Some(k) = &mut self.kiosk {
                    k.person_view = on;
                }
            }
            Intent::Picked(target, paths) => self.files_picked(target, paths),
            Intent::SetPin(pin, again) => self.set_pin(ctx, pin, &again),
            other => self.apply_look(ctx, other),
        }
    }

    /// The window's language, text size and theme: at once, and saved.
    fn apply_look(&mut self, ctx: &egui::Context, intent: Intent) {
        match intent {
            Intent::SetLanguage(lang) => {
                self.i18n.set_lang(lang.unwrap_or_else(UiLang::from_os));
                self.model.settings.ui_language = lang;
                self.settings.form.ui_language = lang;
            }
            Intent::SetTextScale(scale) => {
                let scale = scale.clamp(0.75, 2.0);
                ctx.set_zoom_factor(scale);
                self.model.settings.text_scale = scale;
                self.settings.form.text_scale = scale;
            }
            Intent::SetTheme(choice) => {
                ctx.set_theme(crate::ui::theme::preference(choice));
                self.model.settings.theme = choice;
                self.settings.form.theme = choice;
            }
            _ => return,
        }
        self.save_settings(ctx);
    }

    fn start_session(&mut self, f: StartValues) {
        if self.model.pending_start.is_some() {
            return;
        }
        self.relock();
        self.wizard.consent = None;
        self.model.pending_start = Some(f.id.clone());
        self.send(Command::Start {
            id: f.id,
            person: f.person,
            note: f.note,
            consent: f.consent,
            language: f.language,
            project: self.model.settings.project.clone(),
        });
    }

    /// The consent pad for the person the Start form names: on the person's own window in
    /// kiosk mode, else after staff hand the screen over.
    fn ask_consent(&mut self, person: String, note: String, language: crate::api::Language) {
        if self.model.pending_start.is_some() {
            return;
        }
        // In kiosk mode the screen is locked again before it is turned to the person.
        self.relock();
        let id = engine::new_session_id();
        self.wizard.consent = Some(ConsentAsk::new(id, person, note, language));
        self.send(Command::CurrentConsent);
    }

    /// The next person: an empty Start form.
    pub(super) fn new_session(&mut self) {
        self.wizard.consent = None;
        self.reread_monitors();
        self.relock();
        self.model.current = None;
        self.model.pending_start = None;
        self.screen = Screen::Wizard;
        self.wizard.paste.clear();
        self.wizard.paste_problems.clear();
    }

    /// Shows a screen (the PIN, if any, was given): History asks for the list, Settings starts
    /// from what is in use.
    pub(super) fn enter_screen(&mut self, screen: Screen) {
        if screen == Screen::History {
            self.model.history.reload();
            if !self.send(Command::List) {
                self.model.history.abandon();
            }
        }
        if matches!(screen, Screen::People | Screen::Library) {
            self.model.everyone.reload();
            if !self.send(Command::Everyone) {
                self.model.everyone.abandon();
            }
        }
        if screen == Screen::Settings {
            self.settings.reset(&self.model.settings);
            self.settings.consent.current = None;
            self.send(Command::CurrentConsent);
            self.reread_monitors();
        }
        self.screen = screen;
    }

    /// People and the library read every session again while one of them is shown.
    pub(super) fn reread_everyone(&mut self) {
        let shown = matches!(self.screen, Screen::People | Screen::Library);
        if shown && !self.model.everyone.is_loading() {
            self.model.everyone.reload();
            if !self.send(Command::Everyone) {
                self.model.everyone.abandon();
            }
        }
    }

    /// Reads the monitors again on the next frame (one may have been plugged in since), unless
    /// the launch fixed them.
    fn reread_monitors(&mut self) {
        if !self.keep.monitors_fixed {
            self.monitors_asked = false;
        }
    }

    fn test_connection(&mut self, base_url: &str, typed: Option<ApiKey>) {
        let typed_none = typed.is_none();
        let Some(key) = typed.or_else(|| self.keep.key.clone()) else {
            self.settings.tested.settle(Err(Msg::new("toast-key-none")));
            return;
        };
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        // The stored key goes only to the address it is used with; an edited address is tried
        // only with a key typed for it.
        let in_use = self.model.settings.base_url.trim().trim_end_matches('/');
        if typed_none && base_url != in_use {
            self.settings
                .tested
                .settle(Err(Msg::new("settings-test-retype")));
            return;
        }
        self.settings.tested = crate::ui::remote::Remote::NotAsked;
        if self.send(Command::TestConnection { base_url, key }) {
            self.settings.tested.reload();
        }
    }

    fn apply_settings(&mut self, ctx: &egui::Context, mut s: crate::config::Settings) {
        s.base_url = s.base_url.trim().trim_end_matches('/').to_string();
        if !self.model.demo
            && let Err(e) = crate::api::validate_base_url(&s.base_url)
        {
            self.toasts
                .push(Level::Error, self.i18n.msg(&e.advice()), None);
            return;
        }
        if s.callback == CallbackChoice::External
            && !(s.callback_url.starts_with("https://") || s.callback_url.starts_with("http://"))
        {
            self.toasts
                .push(Level::Error, self.i18n.t("toast-callback-url"), None);
            return;
        }
        // The kiosk fields have their own controls: keep what is in use.
        s.kiosk_pin_hash = self.model.settings.kiosk_pin_hash.clone();
        let restart = self.model.settings.engine_differs(&s) || !self.link.is_up();
        self.model.settings = s;
        self.save_settings(ctx);
        // With a new roster password on its way, the engine restarts once it is in use.
        if restart && !self.keep.password_pending {
            self.restart_engine(ctx);
        }
        self.toasts
            .push(Level::Info, self.i18n.t("settings-saved"), None);
    }

    fn set_pin(&mut self, ctx: &egui::Context, pin: Pin, again: &Pin) {
        use crate::config::pin::{NewPinProblem, check_new};
        if let Err(problem) = check_new(pin.digits(), again.digits()) {
            let key = match problem {
                NewPinProblem::Shape => "settings-pin-bad",
                NewPinProblem::Differ => "settings-pin-differ",
            };
            self.toasts.push(Level::Warning, self.i18n.t(key), None);
            return;
        }
        self.jobs.spawn("pin-hash", ctx, move || {
            JobDone::PinHashed(crate::ui::kiosk::hash_pin(pin.digits()))
        });
    }

    /// Keyboard shortcuts for the main actions.
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) -> Vec<Intent> {
        let mut out = Vec::new();
        let accepts = self.current_session().is_some_and(Session::accepts_assets);
        let id = self.model.current.clone();
        ctx.input_mut(|i| {
            if i.consume_shortcut(&keys::SETTINGS) {
                out.push(Intent::Go(Screen::Settings));
            }
            if i.consume_shortcut(&keys::HISTORY) {
                out.push(Intent::Go(Screen::History));
            }
            if i.consume_shortcut(&keys::PEOPLE) {
                out.push(Intent::Go(Screen::People));
            }
            if i.consume_shortcut(&keys::LIBRARY) {
                out.push(Intent::Go(Screen::Library));
            }
            if i.consume_shortcut(&keys::NEW_PERSON) {
                out.push(Intent::NewSession);
            }
            if let Some(id) = id {
                if accepts && i.consume_shortcut(&keys::ADD_FILES) {
                    out.push(Intent::Pick(PickFor::Add(id.clone())));
                }
                if i.consume_shortcut(&keys::CHECK_AGAIN) {
                    out.push(Intent::Send(Command::Refresh(id)));
                }
            }
        });
        out
    }

    /// Files dropped on the window go to the current session's list.
    pub(super) fn dropped_files(&mut self, ctx: &egui::Context) -> Option<Intent> {
        let paths: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if paths.is_empty() {
            return None;
        }
        if self.current_session().is_some_and(Session::accepts_assets) {
            Some(Intent::AddFiles(paths))
        } else {
            self.toasts
                .push(Level::Warning, self.i18n.t("assets-too-early"), None);
            None
        }
    }

    /// Pasted lines: http(s) URLs, and paths of files that exist. What cannot be used is said
    /// and stays in the field.
    fn add_pasted(&mut self, text: &str) {
        let Some(id) = self.model.current.clone() else {
            return;
        };
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match engine::parse_source(line.trim_matches('"'), None) {
                Ok(asset) => ok.push(asset.source),
                Err(why) => bad.push((line.to_string(), why)),
            }
        }
        if let [(_, why)] = bad.as_slice() {
            self.toasts.push(Level::Warning, self.i18n.msg(why), None);
        } else if !bad.is_empty() {
            let text = self
                .i18n
                .ta("toast-paste-some-failed", &[crate::i18n::n("n", bad.len())]);
            self.toasts.push(Level::Warning, text, None);
        }
        // Only what failed stays, so that adding again does not add the rest twice.
        self.wizard.paste = bad
            .iter()
            .map(|(line, _)| line.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        self.wizard.paste_problems = bad;
        self.add_sources(&id, ok);
    }

    /// Files chosen in a dialog, for new rows or a replacement.
    pub(super) fn files_picked(&mut self, target: PickFor, paths: Vec<PathBuf>) {
        let mut sources = paths.into_iter().map(|path| AssetSource::File { path });
        match target {
            PickFor::Add(id) => self.add_sources(&id, sources.collect()),
            PickFor::Replace(id, asset) => {
                if let Some(source) = sources.next() {
                    let new = engine::NewAsset {
                        name: None,
                        source,
                        kind: None,
                    };
                    self.send(Command::Replace(id, asset, new));
                }
            }
        }
    }
}
