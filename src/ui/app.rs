//! The app: owns the engine handle and what the window shows. Screens draw from this state
//! and return [`Act`] values; they run at the end of the frame. Nothing here waits on IO:
//! engine work arrives as events, other slow work as jobs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use eframe::egui;
use tokio::sync::mpsc;

use super::i18n::{I18n, UiLang, n, s};
use super::jobs::{self, Done, Jobs, PickFor};
use super::kiosk::{KioskState, PinFor};
use super::monitors::{self, Monitor};
use super::widgets::{Level, Toasts};
use crate::api::{ApiKey, Language};
use crate::config::{CallbackChoice, CustomerScreen, Settings};
use crate::engine::{self, Command, Engine, EngineConfig, Event, NewAsset};
use crate::flow::{self, AssetId, AssetSource, Session, Stage};
use crate::secrets::KeyStore;
use crate::store::SessionSummary;
use crate::text::Msg;

/// The simulated phone of the demo: `(task id, pass)`; it delivers the phone's redirect.
pub type DemoPhone = Arc<dyn Fn(&str, bool) -> Result<(), String> + Send + Sync>;

/// The built-in simulator, when the app runs as a demo.
#[derive(Clone)]
pub struct Demo {
    /// The simulator's address.
    pub base_url: String,
    /// Finishes the H5 flow as the person's phone would.
    pub phone: DemoPhone,
    /// Started with `--demo` (else: no key was set, and a saved key switches to the real API).
    pub forced: bool,
}

/// Everything the window needs to start.
pub struct Launch {
    /// Where the database and settings live.
    pub data_dir: PathBuf,
    /// Saved settings (as on disk).
    pub settings: Settings,
    /// Command-line settings for this run: used, never saved.
    pub overrides: crate::config::RunOverrides,
    /// Where the key is kept (the OS keyring; memory in tests).
    pub key_store: Arc<dyn KeyStore>,
    /// The key found at start, if any.
    pub key: Option<ApiKey>,
    /// The key came from `AVATAR_KIOSK_API_KEY` (Settings cannot change it then).
    pub key_from_env: bool,
    /// Run on the simulator.
    pub demo: Option<Demo>,
    /// A problem found before the window opened (settings file, keyring), shown as a toast.
    pub notice: Option<Msg>,
    /// The last word on the engine's configuration before each start (tests shorten timers).
    /// Restarts call it on a job thread.
    pub adjust: Option<Adjust>,
    /// Kiosk mode: full screen, the person's screen, a staff PIN.
    pub kiosk: bool,
    /// The settings file exists but could not be read: it is never overwritten, and kiosk
    /// mode stays locked (its PIN is unknown).
    pub settings_unreadable: bool,
    /// The monitors, when known before the start (tests); otherwise kiosk mode reads them
    /// from the desktop.
    pub monitors: Option<Vec<Monitor>>,
}

/// Whether an engine restart is under way (see `KioskApp::restart_engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restarting {
    No,
    Yes,
    /// Settings changed again meanwhile: restart once more when this one is done.
    ThenAgain,
}

/// Starts an engine with `config` after the launch's last word on it.
fn start_with(
    config: Result<EngineConfig, Msg>,
    adjust: Option<Adjust>,
    wake: engine::Wake,
) -> Result<(Engine, jobs::EngineEvents), Msg> {
    let mut config = config?;
    if let Some(adjust) = adjust {
        adjust(&mut config);
    }
    Engine::start(config, wake).map_err(|e| e.advice())
}

/// After the key store was changed (`changed`): what to say, and the key the engine should
/// use now (the environment's wins).
fn key_changed(
    store: &dyn crate::secrets::KeyStore,
    changed: Result<(), crate::secrets::SecretError>,
    said: String,
) -> Done {
    let in_use = changed.and_then(|()| crate::secrets::load_key(store));
    Done::Key(
        in_use
            .map(|found| (said, found.map(|(k, _)| k)))
            .map_err(|e| e.advice()),
    )
}

/// The window's keyboard shortcuts. Hints show them as the platform writes them
/// (`Ctrl+H` here, `⌘H` on a Mac) through `egui::Context::format_shortcut`.
pub(super) mod keys {
    use eframe::egui::{Key, KeyboardShortcut, Modifiers};

    /// Settings.
    pub const SETTINGS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Comma);
    /// History.
    pub const HISTORY: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::H);
    /// The next person.
    pub const NEW_PERSON: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
    /// Choose files to add.
    pub const ADD_FILES: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
    /// Start verification, or upload and submit.
    pub const GO_ON: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
    /// Read the review again.
    pub const CHECK_AGAIN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F5);
}

/// Changes an engine configuration.
pub type Adjust = Arc<dyn Fn(&mut EngineConfig) + Send + Sync>;

/// The top-level screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The onboarding wizard.
    Wizard,
    /// Every stored session.
    History,
    /// Key, API address, callback, polling.
    Settings,
}

/// Something a screen asks for, carried out at the end of the frame.
#[derive(Debug, Clone)]
pub enum Act {
    /// A command for the engine.
    Send(Command),
    /// Start a session with the form's values.
    StartSession,
    /// Switch screens.
    Go(Screen),
    /// Leave the current session and show an empty Start form.
    NewSession,
    /// Show a session (from History).
    Open(String),
    /// Open the native file dialog.
    Pick(PickFor),
    /// Open the in-app picker.
    InAppPicker(PickFor),
    /// Add what the paste box holds to the current session.
    AddPasted,
    /// Add these files to the current session.
    AddFiles(Vec<PathBuf>),
    /// Put text on the clipboard, and say so (the second text names what was copied).
    Copy(String, String),
    /// Export a session as CSV (`true`) or JSON.
    Export(String, bool),
    /// The demo phone passes (`true`) or fails the current link.
    Phone(String, bool),
    /// Store the key typed in Settings.
    SaveKey,
    /// Remove the stored key.
    RemoveKey,
    /// Try the address and key in Settings.
    TestConnection,
    /// Save Settings and restart the engine with them.
    ApplySettings,
    /// Ask before deleting a session.
    AskDelete(String),
    /// Ask for the staff PIN before this.
    AskPin(PinFor),
    /// Check the PIN typed in the prompt.
    CheckPin,
    /// Lock kiosk mode again.
    Lock,
    /// Show the person's screen in the main window (switch mode), or go back.
    CustomerView(bool),
    /// Files chosen in the in-app picker.
    Picked(PickFor, Vec<PathBuf>),
    /// Store the new staff PIN typed in Settings.
    SetPin,
    /// The window's language (`None`: the OS's).
    SetLanguage(Option<UiLang>),
    /// Text size.
    SetTextScale(f32),
}

/// What a check said about a source, with its preview uploaded.
pub struct CheckView {
    /// The preview.
    pub texture: Option<egui::TextureHandle>,
    /// What is wrong, when something is.
    pub problem: Option<Msg>,
    /// Content hash (files).
    pub hash: Option<String>,
}

/// The Start form.
#[derive(Debug, Clone)]
pub struct StartForm {
    /// Name as typed.
    pub person: String,
    /// Note.
    pub note: String,
    /// The person's language.
    pub language: Language,
    /// Consent ticked.
    pub consent: bool,
}

impl Default for StartForm {
    fn default() -> Self {
        StartForm {
            person: String::new(),
            note: String::new(),
            language: Language::Ko,
            consent: false,
        }
    }
}

/// The Settings form (the key field is cleared after each save).
#[derive(Debug, Clone)]
pub struct SettingsForm {
    /// Editable copy.
    pub settings: Settings,
    /// The key being typed.
    pub key: String,
    /// The last connection test's sentence.
    pub tested: Option<Result<Msg, Msg>>,
    /// A test is running.
    pub testing: bool,
}

/// The in-app file picker, for machines where the native dialog cannot open.
#[derive(Debug, Clone)]
pub struct Picker {
    /// For which session or row.
    pub target: PickFor,
    /// The folder shown.
    pub dir: PathBuf,
    /// The folder field.
    pub dir_text: String,
    /// Its listing, once read.
    pub entries: Option<Result<Vec<jobs::Entry>, String>>,
    /// Ticked files.
    pub selected: Vec<PathBuf>,
}

/// The app.
pub struct KioskApp {
    pub(super) launch: Launch,
    engine: Option<Engine>,
    events: Option<mpsc::Receiver<Event>>,
    /// Why there is no engine, when there is none.
    pub(super) engine_problem: Option<Msg>,
    pub(super) ctx_cell: Arc<OnceLock<egui::Context>>,
    /// Snapshots shared with the screens: a frame clones the pointer, not a thousand rows.
    pub(super) sessions: HashMap<String, Arc<Session>>,
    pub(super) current: Option<String>,
    pub(super) pending_start: Option<String>,
    pub(super) screen: Screen,
    pub(super) start: StartForm,
    pub(super) paste: String,
    pub(super) checks: HashMap<String, CheckView>,
    pub(super) picker: Option<Picker>,
    pub(super) replace_url: String,
    /// Why the replacement typed in the dialog cannot be used (with the text it was for).
    pub(super) replace_problem: Option<(String, Msg)>,
    pub(super) replacing: Option<(String, AssetId)>,
    pub(super) filter: super::table::Filter,
    pub(super) settings_form: SettingsForm,
    pub(super) history: Option<Vec<SessionSummary>>,
    pub(super) confirm_delete: Option<String>,
    /// An uncertain row staff want to send again, until they confirm.
    pub(super) confirm_resubmit: Option<(String, AssetId)>,
    pub(super) toasts: Toasts<Act>,
    pub(super) jobs: Jobs,
    pub(super) callback_base: Option<String>,
    /// The listener's address as bound, kept across engine restarts.
    bound_ip: Option<std::net::IpAddr>,
    bound_port: Option<u16>,
    pub(super) qr_cache: Option<(String, egui::TextureHandle)>,
    pub(super) dialog_failed: bool,
    /// The translations.
    pub(super) i18n: Rc<I18n>,
    /// Kiosk mode, when on.
    pub(super) kiosk: Option<KioskState>,
    /// The new PIN typed in Settings.
    pub(super) new_pin: String,
    customer_qr: Option<(String, egui::TextureHandle)>,
    restarting: Restarting,
    /// Commands sent while the engine restarts, sent to the new one.
    waiting_commands: Vec<Command>,
    /// The settings as on disk (the ones in use, `launch.settings`, add command-line flags).
    saved_settings: Settings,
    /// The desktop's monitors (empty until read, or when they cannot be).
    monitors: Vec<Monitor>,
    monitors_asked: bool,
    save_seq: u64,
    saved_seq: Arc<std::sync::Mutex<u64>>,
    fonts_installed: bool,
    /// Frames drawn, for measurements.
    pub frames: u64,
}

/// The key a check is filed under.
pub fn source_key(source: &AssetSource) -> String {
    source.display()
}

impl KioskApp {
    /// Builds the app and starts its engine.
    pub fn new(mut launch: Launch) -> KioskApp {
        let saved_settings = launch.settings.clone();
        launch.settings = launch.overrides.apply(&saved_settings);
        let settings_form = SettingsForm {
            settings: launch.settings.clone(),
            key: String::new(),
            tested: None,
            testing: false,
        };
        let notice = launch.notice.clone();
        let known_monitors = launch.monitors.clone();
        let lang = launch.settings.ui_language.unwrap_or_else(UiLang::from_os);
        let kiosk = launch.kiosk.then(KioskState::new);
        let mut app = KioskApp {
            launch,
            engine: None,
            events: None,
            engine_problem: None,
            ctx_cell: Arc::new(OnceLock::new()),
            sessions: HashMap::new(),
            current: None,
            pending_start: None,
            screen: Screen::Wizard,
            start: StartForm::default(),
            paste: String::new(),
            checks: HashMap::new(),
            picker: None,
            replace_url: String::new(),
            replace_problem: None,
            replacing: None,
            filter: super::table::Filter::All,
            settings_form,
            history: None,
            confirm_delete: None,
            confirm_resubmit: None,
            toasts: Toasts::default(),
            jobs: Jobs::default(),
            callback_base: None,
            bound_ip: None,
            bound_port: None,
            qr_cache: None,
            dialog_failed: false,
            i18n: Rc::new(I18n::new(lang)),
            kiosk,
            new_pin: String::new(),
            customer_qr: None,
            saved_settings,
            restarting: Restarting::No,
            waiting_commands: Vec::new(),
            monitors: known_monitors.clone().unwrap_or_default(),
            monitors_asked: known_monitors.is_some(),
            save_seq: 0,
            saved_seq: Arc::default(),
            fonts_installed: false,
            frames: 0,
        };
        if let Some(n) = notice {
            let text = app.i18n.msg(&n);
            app.toasts.push(Level::Warning, text, None);
        }
        app.start_engine();
        app
    }

    /// Whether the app runs on the simulator.
    pub fn is_demo(&self) -> bool {
        self.launch.demo.is_some()
    }

    /// The session on screen.
    pub fn current_session(&self) -> Option<&Session> {
        self.current
            .as_ref()
            .and_then(|id| self.sessions.get(id))
            .map(|s| s.as_ref())
    }

    /// The screen shown.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Where the person's screen is now: `None` when it is a switch of this window, else a
    /// second window, full screen on the monitor with that index when there is one.
    pub fn person_window(&self) -> Option<Option<usize>> {
        self.customer_window_on(self.ctx_cell.get()?)
    }

    /// Whether the engine is being restarted (commands wait for it).
    pub fn engine_restarting(&self) -> bool {
        self.restarting != Restarting::No
    }

    /// The toasts' texts, oldest first.
    pub fn toast_texts(&self) -> Vec<String> {
        self.toasts.list().iter().map(|t| t.text.clone()).collect()
    }

    fn engine_config(&self) -> Result<EngineConfig, Msg> {
        let s = &self.launch.settings;
        let (base, key) = match &self.launch.demo {
            Some(demo) => (demo.base_url.clone(), ApiKey::new("demo-key")),
            None => match &self.launch.key {
                Some(k) => (s.base_url.clone(), k.clone()),
                None => {
                    return Err(Msg::new("toast-no-key"));
                }
            },
        };
        // A demo that runs because no key could be read keeps to `demo/`: a real session is
        // never resumed against the simulator, and demo people never reach the real records.
        let db_dir = match &self.launch.demo {
            Some(demo) if !demo.forced => self.launch.data_dir.join("demo"),
            _ => self.launch.data_dir.clone(),
        };
        let mut config = EngineConfig::new(db_dir.join(crate::store::DB_FILE), &base, key);
        config.poll = s.poll_policy();
        // The demo's URLs are imaginary: probing them would only find nothing.
        config.probe_urls = self.launch.demo.is_none();
        config.holder = "the avatar-kiosk window".to_string();
        // One core stays with the window, so it draws smoothly while photos are prepared.
        config.decode_concurrency = config.decode_concurrency.saturating_sub(1).max(1);
        config.callback = if self.launch.demo.is_some() {
            // The simulated phone runs on this machine.
            Settings {
                callback: CallbackChoice::Loopback,
                ..s.clone()
            }
            .callback_mode()
        } else {
            s.callback_mode()
        };
        if let (Some(bind), None) = (self.launch.overrides.callback_bind, &self.launch.demo) {
            // `--callback-bind` as given: its address, not only its port.
            config.callback = crate::engine::CallbackMode::Listen(bind);
        }
        // A phone may be on its way to the address in use: a restart keeps the port.
        if let (crate::engine::CallbackMode::Listen(addr), Some(port)) =
            (&mut config.callback, self.bound_port)
            && addr.port() == 0
            && self.bound_ip == Some(addr.ip())
        {
            addr.set_port(port);
        }
        Ok(config)
    }

    /// The callback listener's address, once the engine is up (`http://ip:port`).
    pub fn callback_address(&self) -> Option<&str> {
        self.callback_base.as_deref()
    }

    /// Wakes the window when the engine has news.
    fn wake(&self) -> engine::Wake {
        let cell = self.ctx_cell.clone();
        Arc::new(move || {
            if let Some(ctx) = cell.get() {
                ctx.request_repaint();
            }
        })
    }

    /// Starts the engine before the first frame, with the launch's settings and key.
    fn start_engine(&mut self) {
        let started = start_with(
            self.engine_config(),
            self.launch.adjust.clone(),
            self.wake(),
        );
        self.engine_started(started);
    }

    fn engine_started(&mut self, started: Result<(Engine, jobs::EngineEvents), Msg>) {
        match started {
            Ok((engine, events)) => {
                self.engine = Some(engine);
                self.events = Some(events);
                self.engine_problem = None;
            }
            Err(why) => self.engine_problem = Some(why),
        }
    }

    /// Restarts the engine with the current settings and key, on a job thread: stopping the
    /// old one waits for its file reads, and starting opens the database. Commands sent
    /// meanwhile wait for the new engine. Work in flight resumes from the store.
    fn restart_engine(&mut self, ctx: &egui::Context) {
        if self.restarting != Restarting::No {
            // One restart at a time (both would open the database and the callback port).
            self.restarting = Restarting::ThenAgain;
            return;
        }
        let old = self.engine.take();
        self.events = None;
        // Unknown until the new engine says where it listens (it keeps the port if it can).
        self.callback_base = None;
        // Answers in flight are lost with the old engine: ask again when the rows come back.
        self.checks
            .retain(|_, c| c.texture.is_some() || c.problem.is_some() || c.hash.is_some());
        self.settings_form.testing = false;
        let config = self.engine_config();
        let adjust = self.launch.adjust.clone();
        let wake = self.wake();
        self.restarting = Restarting::Yes;
        let spawned = self.jobs.spawn("engine-restart", ctx, move || {
            // A panic must still answer, or commands would wait for this engine forever.
            let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                if let Some(old) = old {
                    old.shutdown();
                }
                start_with(config, adjust, wake)
            }))
            .unwrap_or_else(|_| Err(Msg::new("engine-thread-stopped")));
            Done::Engine(Box::new(started))
        });
        if !spawned {
            self.restarting = Restarting::No;
            self.engine_started(Err(Msg::new("engine-thread-stopped")));
            self.fail_waiting_commands();
        }
    }

    /// The engine did not come back: the commands that waited for it are dropped, with one
    /// message saying why (a Start leaves its form usable again).
    fn fail_waiting_commands(&mut self) {
        let waiting = std::mem::take(&mut self.waiting_commands);
        if waiting.is_empty() {
            return;
        }
        self.pending_start = None;
        self.send_failed();
    }

    fn send(&mut self, command: Command) -> bool {
        if self.restarting != Restarting::No {
            self.waiting_commands.push(command);
            return true;
        }
        let start = matches!(&command, Command::Start { .. });
        let sent = match &self.engine {
            Some(engine) => engine.send(command).is_ok(),
            None => false,
        };
        if !sent {
            if start {
                // No session will come back for it: the form is usable again.
                self.pending_start = None;
            }
            self.send_failed();
        }
        sent
    }

    /// Says why a command could not reach the engine.
    fn send_failed(&mut self) {
        let why = match &self.engine_problem {
            Some(m) => self.i18n.msg(m),
            None => self.i18n.t("toast-busy"),
        };
        self.toasts.push(
            Level::Error,
            why,
            Some((self.i18n.t("open-settings"), Act::Go(Screen::Settings))),
        );
    }

    fn pump_events(&mut self, ctx: &egui::Context) {
        let mut events = Vec::new();
        if let Some(rx) = &mut self.events {
            while let Ok(e) = rx.try_recv() {
                events.push(e);
            }
        }
        for event in events {
            self.on_event(ctx, event);
        }
        for done in self.jobs.poll() {
            self.on_job(ctx, done);
        }
    }

    fn on_event(&mut self, ctx: &egui::Context, event: Event) {
        match event {
            Event::Ready { callback, resumed } => {
                if let Some(addr) = callback
                    .as_deref()
                    .and_then(|c| c.strip_prefix("http://"))
                    .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
                {
                    self.bound_ip = Some(addr.ip());
                    self.bound_port = Some(addr.port());
                }
                self.callback_base = callback;
                if !resumed.is_empty() {
                    let count = resumed.len();
                    self.toasts.push(
                        Level::Info,
                        self.i18n.ta("toast-resumed", &[n("n", count)]),
                        Some((self.i18n.t("toast-show-history"), Act::Go(Screen::History))),
                    );
                }
                if self.current.is_none()
                    && let Some(last) = resumed.last()
                {
                    self.current = Some(last.clone());
                }
            }
            Event::Session(s) => {
                if self.pending_start.as_deref() == Some(s.id.as_str()) {
                    self.pending_start = None;
                    self.current = Some(s.id.clone());
                    self.start = StartForm::default();
                }
                // Rows checked before this window opened (a resumed session) get their preview
                // too; the engine keeps the prepared copy, so nothing is decoded again. Rows
                // being checked get theirs with the check.
                for a in s.current_assets() {
                    let key = source_key(&a.source);
                    if !self.checks.contains_key(&key)
                        && a.check != crate::flow::Check::Pending
                        && !a.is_blocked()
                        && matches!(
                            a.state,
                            crate::flow::AssetState::Staged
                                | crate::flow::AssetState::Uploading { .. }
                                | crate::flow::AssetState::Uploaded { .. }
                        )
                    {
                        self.checks.insert(
                            key,
                            CheckView {
                                texture: None,
                                problem: None,
                                hash: None,
                            },
                        );
                        self.send(Command::Check(a.source.clone()));
                    }
                }
                self.sessions.insert(s.id.clone(), Arc::new(*s));
            }
            Event::Refused { session, message } => {
                // A refused Start leaves the form usable again.
                if session.is_none() || session == self.pending_start {
                    self.pending_start = None;
                }
                self.toasts
                    .push(Level::Warning, self.i18n.msg(&message), None)
            }
            Event::Error { session, message } => {
                if session.is_some() && session == self.pending_start {
                    self.pending_start = None;
                }
                let action = message
                    .points_to_settings()
                    .then(|| (self.i18n.t("open-settings"), Act::Go(Screen::Settings)));
                self.toasts
                    .push(Level::Error, self.i18n.msg(&message), action);
            }
            Event::History(list) => self.history = Some(list),
            Event::Deleted(id) => {
                let person = self
                    .sessions
                    .remove(&id)
                    .map(|s| s.person.clone())
                    .unwrap_or_default();
                if self.current.as_deref() == Some(id.as_str()) {
                    self.current = None;
                }
                self.toasts.push(
                    Level::Info,
                    self.i18n.ta("toast-deleted", &[s("person", &person)]),
                    None,
                );
            }
            Event::Checked(report) => {
                let key = source_key(&report.source);
                let texture = report
                    .thumbnail
                    .as_ref()
                    .and_then(super::widgets::thumbnail_image)
                    .map(|img| ctx.load_texture(format!("thumb:{key}"), img, Default::default()));
                self.checks.insert(
                    key,
                    CheckView {
                        texture,
                        problem: report.problem,
                        hash: report.hash,
                    },
                );
            }
            Event::ConnectionTested(r) => {
                self.settings_form.testing = false;
                self.settings_form.tested = Some(r);
            }
        }
    }

    fn on_job(&mut self, ctx: &egui::Context, done: Done) {
        match done {
            Done::Picked(target, None) => {
                self.dialog_failed = true;
                self.toasts.push(
                    Level::Warning,
                    self.i18n.t("toast-dialog-failed"),
                    Some((
                        self.i18n.t("toast-open-file-list"),
                        Act::InAppPicker(target),
                    )),
                );
            }
            Done::Picked(target, Some(paths)) => {
                if let Some(dir) = paths.first().and_then(|p| p.parent()) {
                    self.remember_folder(dir.to_path_buf());
                }
                self.files_picked(target, paths);
            }
            Done::Listed(dir, result) => {
                let result = result.map_err(|reason| {
                    self.i18n.ta(
                        "picker-cannot-open",
                        &[s("path", &dir.display().to_string()), s("reason", &reason)],
                    )
                });
                if let Some(p) = &mut self.picker
                    && p.dir == dir
                {
                    p.entries = Some(result);
                }
            }
            Done::Key(Ok((msg, key))) => {
                self.toasts.push(Level::Info, msg, None);
                self.settings_form.key.clear();
                self.restart_after_key(ctx, key);
            }
            Done::Engine(started) => {
                let again = self.restarting == Restarting::ThenAgain;
                self.restarting = Restarting::No;
                self.engine_started(*started);
                if again {
                    self.restart_engine(ctx);
                } else if self.engine.is_some() {
                    for command in std::mem::take(&mut self.waiting_commands) {
                        self.send(command);
                    }
                } else {
                    self.fail_waiting_commands();
                }
            }
            Done::Key(Err(msg)) => self.toasts.push(Level::Error, self.i18n.msg(&msg), None),
            Done::SettingsSaved(Ok(())) => {}
            Done::SettingsSaved(Err(reason)) => self.toasts.push(
                Level::Error,
                self.i18n
                    .ta("toast-settings-unsaved", &[s("reason", &reason)]),
                None,
            ),
            Done::Quiet => {}
            Done::Monitors(list) => {
                tracing::info!("{} monitor(s) found", list.len());
                self.monitors = list;
            }
            Done::Exported(Ok(path)) => {
                let shown = path.display().to_string();
                self.toasts.push(
                    Level::Info,
                    self.i18n.ta("toast-exported", &[s("path", &shown)]),
                    Some((
                        self.i18n.t("toast-copy-path"),
                        Act::Copy(shown.clone(), self.i18n.t("copied-path")),
                    )),
                )
            }
            Done::Exported(Err(reason)) => self.toasts.push(
                Level::Error,
                self.i18n.ta("toast-export-failed", &[s("reason", &reason)]),
                None,
            ),
            Done::ExportCancelled => {
                self.toasts
                    .push(Level::Info, self.i18n.t("toast-export-cancelled"), None)
            }
            Done::Phone(Ok(())) => {}
            Done::Phone(Err(msg)) => self.toasts.push(
                Level::Warning,
                self.i18n.ta("toast-phone-failed", &[s("reason", &msg)]),
                None,
            ),
            Done::PinChecked(ok) => self.pin_checked(ok),
            Done::PinHashed(Ok(hash)) => {
                self.launch.settings.kiosk_pin_hash = Some(hash.clone());
                self.settings_form.settings.kiosk_pin_hash = Some(hash);
                self.new_pin.clear();
                self.save_settings(ctx);
                self.toasts
                    .push(Level::Info, self.i18n.t("settings-pin-saved"), None);
            }
            Done::PinHashed(Err(msg)) => self.toasts.push(Level::Error, msg, None),
        }
        ctx.request_repaint();
    }

    /// After the key changed: reload it and restart the engine on the real API (unless the
    /// demo was asked for on the command line).
    fn restart_after_key(&mut self, ctx: &egui::Context, key: Option<ApiKey>) {
        self.launch.key = key;
        if self.launch.key.is_some() && self.launch.demo.as_ref().is_some_and(|d| !d.forced) {
            self.launch.demo = None;
            self.sessions.clear();
            self.current = None;
            self.history = None;
            self.toasts
                .push(Level::Info, self.i18n.t("toast-demo-ended"), None);
        }
        self.restart_engine(ctx);
    }

    fn remember_folder(&mut self, dir: PathBuf) {
        if self.launch.settings.last_folder.as_ref() != Some(&dir) {
            self.launch.settings.last_folder = Some(dir.clone());
            self.settings_form.settings.last_folder = Some(dir);
            if let Some(ctx) = self.ctx_cell.get().cloned() {
                self.save_settings(&ctx);
            }
        }
    }

    fn files_picked(&mut self, target: PickFor, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        match target {
            PickFor::Add(id) => self.add_sources(
                &id,
                paths
                    .into_iter()
                    .map(|path| AssetSource::File { path })
                    .collect(),
            ),
            PickFor::Replace(id, asset) => {
                if let Some(path) = paths.into_iter().next() {
                    self.replace_with(&id, asset, AssetSource::File { path });
                }
            }
        }
    }

    fn add_sources(&mut self, id: &str, sources: Vec<AssetSource>) {
        if sources.is_empty() {
            return;
        }
        let known: Vec<String> = self
            .sessions
            .get(id)
            .map(|s| s.current_assets().map(|a| source_key(&a.source)).collect())
            .unwrap_or_default();
        let mut new = Vec::new();
        let mut skipped = 0;
        for source in sources {
            let key = source_key(&source);
            if known.contains(&key) || new.iter().any(|n: &NewAsset| source_key(&n.source) == key) {
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
            self.toasts.push(
                Level::Warning,
                self.i18n.ta("assets-already", &[n("n", skipped)]),
                None,
            );
        }
        if new.is_empty() {
            return;
        }
        // The engine checks each new row and sends its preview.
        self.send(Command::AddAssets(id.to_string(), new));
    }

    fn replace_with(&mut self, id: &str, asset: AssetId, source: AssetSource) {
        self.send(Command::Replace(
            id.to_string(),
            asset,
            NewAsset {
                name: None,
                source,
                kind: None,
            },
        ));
        self.replacing = None;
        self.replace_url.clear();
    }

    /// Turns pasted lines into sources: http(s) URLs, and paths of files that exist.
    fn parse_pasted(text: &str) -> (Vec<AssetSource>, Vec<Msg>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let line = line.trim_matches('"');
            match crate::engine::parse_source(line, None) {
                Ok(asset) => ok.push(asset.source),
                Err(why) => bad.push(why),
            }
        }
        (ok, bad)
    }

    fn act(&mut self, ctx: &egui::Context, act: Act) {
        match act {
            Act::Send(command) => {
                self.send(command);
            }
            Act::StartSession => {
                if self.pending_start.is_some() {
                    return;
                }
                self.relock();
                let id = engine::new_session_id();
                self.pending_start = Some(id.clone());
                let f = self.start.clone();
                self.send(Command::Start {
                    id,
                    person: f.person,
                    note: f.note,
                    consent: f.consent,
                    language: f.language,
                    project: self.launch.settings.project.clone(),
                });
            }
            Act::Go(screen) => {
                if screen != Screen::Wizard && self.locked() {
                    self.ask_pin(PinFor::Screen(screen));
                    return;
                }
                self.enter_screen(screen);
            }
            Act::NewSession => {
                self.reread_monitors();
                self.relock();
                self.current = None;
                self.pending_start = None;
                self.screen = Screen::Wizard;
                self.paste.clear();
            }
            Act::Open(id) => {
                self.current = Some(id.clone());
                self.screen = Screen::Wizard;
                self.send(Command::Get(id));
            }
            Act::Pick(target) => {
                let start = self.launch.settings.last_folder.clone();
                let title = self.i18n.t("assets-choose");
                let filter = self.i18n.t("picker-images");
                self.jobs.spawn("file-dialog", ctx, move || {
                    Done::Picked(target, jobs::native_pick(start, &title, &filter))
                });
            }
            Act::InAppPicker(target) => {
                let dir = self
                    .launch
                    .settings
                    .last_folder
                    .clone()
                    .or_else(|| directories::UserDirs::new().map(|u| u.home_dir().to_path_buf()))
                    .unwrap_or_else(|| PathBuf::from("/"));
                self.open_folder(ctx, target, dir);
            }
            Act::AddPasted => {
                let Some(id) = self.current.clone() else {
                    return;
                };
                let (ok, bad) = Self::parse_pasted(&self.paste);
                for why in &bad {
                    self.toasts.push(Level::Warning, self.i18n.msg(why), None);
                }
                if bad.is_empty() {
                    self.paste.clear();
                }
                self.add_sources(&id, ok);
            }
            Act::AddFiles(paths) => {
                if let Some(id) = self.current.clone() {
                    self.files_picked(PickFor::Add(id), paths);
                }
            }
            Act::Copy(text, what) => {
                ctx.copy_text(text);
                self.toasts.push(
                    Level::Info,
                    self.i18n.ta("toast-copied", &[s("what", &what)]),
                    None,
                );
            }
            Act::Export(id, csv) => self.export(ctx, &id, csv),
            Act::Phone(task, pass) => {
                if let Some(demo) = &self.launch.demo {
                    let phone = demo.phone.clone();
                    self.jobs
                        .spawn("demo-phone", ctx, move || Done::Phone(phone(&task, pass)));
                }
            }
            Act::SaveKey => {
                let key = ApiKey::new(self.settings_form.key.clone());
                if key.is_empty() {
                    self.toasts
                        .push(Level::Warning, self.i18n.t("toast-key-first"), None);
                    return;
                }
                let store = self.launch.key_store.clone();
                let stored = self.i18n.t("toast-key-stored");
                self.jobs.spawn("keyring", ctx, move || {
                    key_changed(store.as_ref(), store.set(&key), stored)
                });
            }
            Act::RemoveKey => {
                let store = self.launch.key_store.clone();
                let removed = self.i18n.t("toast-key-removed");
                self.jobs.spawn("keyring", ctx, move || {
                    key_changed(store.as_ref(), store.delete(), removed)
                });
            }
            Act::TestConnection => {
                let typed = ApiKey::new(self.settings_form.key.clone());
                let typed_none = typed.is_empty();
                let key = if typed_none {
                    self.launch.key.clone()
                } else {
                    Some(typed)
                };
                let Some(key) = key else {
                    self.settings_form.tested = Some(Err(Msg::new("toast-key-none")));
                    return;
                };
                let base_url = self
                    .settings_form
                    .settings
                    .base_url
                    .trim()
                    .trim_end_matches('/')
                    .to_string();
                // The stored key goes only to the address it is used with; an edited address
                // is tried only with a key typed for it.
                let in_use = self.launch.settings.base_url.trim().trim_end_matches('/');
                if typed_none && base_url != in_use {
                    self.settings_form.tested = Some(Err(Msg::new("settings-test-retype")));
                    return;
                }
                self.settings_form.tested = None;
                let sent = self.send(Command::TestConnection { base_url, key });
                self.settings_form.testing = sent;
            }
            Act::ApplySettings => {
                let mut s = self.settings_form.settings.clone();
                s.base_url = s.base_url.trim().trim_end_matches('/').to_string();
                if self.launch.demo.is_none()
                    && let Err(e) = crate::api::validate_base_url(&s.base_url)
                {
                    self.toasts
                        .push(Level::Error, self.i18n.msg(&e.advice()), None);
                    return;
                }
                if s.callback == CallbackChoice::External
                    && !(s.callback_url.starts_with("https://")
                        || s.callback_url.starts_with("http://"))
                {
                    self.toasts
                        .push(Level::Error, self.i18n.t("toast-callback-url"), None);
                    return;
                }
                // The kiosk fields have their own controls: keep what is in use.
                s.kiosk_pin_hash = self.launch.settings.kiosk_pin_hash.clone();
                let restart = self.launch.settings.engine_differs(&s)
                    || (self.engine.is_none() && self.restarting == Restarting::No);
                self.launch.settings = s;
                self.save_settings(ctx);
                if restart {
                    self.restart_engine(ctx);
                }
                self.toasts
                    .push(Level::Info, self.i18n.t("settings-saved"), None);
            }
            Act::AskDelete(id) => self.confirm_delete = Some(id),
            Act::AskPin(target) => self.ask_pin(target),
            Act::CheckPin => self.check_pin(ctx),
            Act::Lock => {
                if let Some(k) = &mut self.kiosk {
                    k.unlocked = false;
                }
                self.screen = Screen::Wizard;
            }
            Act::CustomerView(on) => {
                if on {
                    self.relock();
                }
                if let Some(k) = &mut self.kiosk {
                    k.customer_view = on;
                }
            }
            Act::Picked(target, paths) => self.files_picked(target, paths),
            Act::SetPin => {
                let pin = self.new_pin.trim().to_string();
                if !super::kiosk::pin_is_valid(&pin) {
                    self.toasts
                        .push(Level::Warning, self.i18n.t("settings-pin-bad"), None);
                    return;
                }
                self.jobs.spawn("pin-hash", ctx, move || {
                    Done::PinHashed(super::kiosk::hash_pin(&pin))
                });
            }
            Act::SetLanguage(lang) => {
                self.i18n.set_lang(lang.unwrap_or_else(UiLang::from_os));
                self.launch.settings.ui_language = lang;
                self.settings_form.settings.ui_language = lang;
                self.save_settings(ctx);
            }
            Act::SetTextScale(scale) => {
                let scale = scale.clamp(0.75, 2.0);
                ctx.set_zoom_factor(scale);
                self.launch.settings.text_scale = scale;
                self.settings_form.settings.text_scale = scale;
                self.save_settings(ctx);
            }
        }
    }

    pub(super) fn open_folder(&mut self, ctx: &egui::Context, target: PickFor, dir: PathBuf) {
        let keep = self
            .picker
            .as_ref()
            .filter(|p| p.target == target)
            .map(|p| p.selected.clone())
            .unwrap_or_default();
        self.picker = Some(Picker {
            target,
            dir: dir.clone(),
            dir_text: dir.display().to_string(),
            entries: None,
            selected: keep,
        });
        self.jobs.spawn("list-folder", ctx, move || {
            let r = jobs::list_folder(&dir);
            Done::Listed(dir, r)
        });
    }

    fn export(&mut self, ctx: &egui::Context, id: &str, csv: bool) {
        let Some(session) = self.sessions.get(id) else {
            // From History: load it first, then export.
            self.send(Command::Get(id.to_string()));
            self.toasts
                .push(Level::Info, self.i18n.t("toast-export-loading"), None);
            return;
        };
        let (text, ending) = if csv {
            match crate::flow::export::to_csv(session, &|m| self.i18n.msg(m)) {
                Ok(t) => (t, "csv"),
                Err(e) => {
                    self.toasts.push(
                        Level::Error,
                        self.i18n
                            .ta("toast-export-failed", &[s("reason", &e.to_string())]),
                        None,
                    );
                    return;
                }
            }
        } else {
            (
                crate::flow::export::to_json(session, &|m| self.i18n.msg(m)),
                "json",
            )
        };
        let name = crate::flow::export::file_name(session, ending);
        let fallback_dir = directories::UserDirs::new()
            .and_then(|u| u.document_dir().map(|d| d.join("Avatar Kiosk exports")))
            .unwrap_or_else(|| self.launch.data_dir.join("exports"));
        let start = self.launch.settings.last_folder.clone();
        let save_title = self.i18n.t("export-save-title");
        self.jobs.spawn("export", ctx, move || {
            let path = match jobs::native_save(&name, start, &save_title) {
                Ok(Some(p)) => p,
                Ok(None) => return Done::ExportCancelled,
                // No dialog on this machine: save where staff can find it, and say where.
                Err(()) => {
                    if let Err(e) = std::fs::create_dir_all(&fallback_dir) {
                        return Done::Exported(Err(format!("{}: {e}", fallback_dir.display())));
                    }
                    fallback_dir.join(&name)
                }
            };
            Done::Exported(
                crate::config::write_private(&path, text.as_bytes())
                    .map(|()| path.clone())
                    .map_err(|e| format!("{}: {e}", path.display())),
            )
        });
    }

    /// Writes the settings in use, off the UI thread. Writes are numbered: one that finds a
    /// newer one already written gives way, so the file always ends with the latest.
    fn save_settings(&mut self, ctx: &egui::Context) {
        if self.launch.settings_unreadable {
            // The file on disk may hold what staff set (a PIN): never write over it unread.
            self.toasts.push(
                Level::Warning,
                self.i18n.t("settings-not-overwritten"),
                None,
            );
            return;
        }
        let settings = self
            .launch
            .overrides
            .for_disk(&self.launch.settings, &self.saved_settings);
        self.saved_settings = settings.clone();
        let data_dir = self.launch.data_dir.clone();
        self.save_seq += 1;
        let seq = self.save_seq;
        let written = self.saved_seq.clone();
        self.jobs.spawn("settings", ctx, move || {
            let mut last = written.lock().unwrap_or_else(|p| p.into_inner());
            if *last > seq {
                return Done::Quiet;
            }
            *last = seq;
            Done::SettingsSaved(settings.save(&data_dir).map_err(|e| e.to_string()))
        });
    }

    /// A Start was sent and its session has not come back yet.
    pub(super) fn starting(&self) -> bool {
        self.pending_start.is_some()
    }

    /// Locks the staff screens again (a new person, or the person's screen shown).
    fn relock(&mut self) {
        if let Some(k) = &mut self.kiosk {
            k.unlocked = false;
        }
    }

    /// Keyboard shortcuts for the main actions.
    fn shortcuts(&mut self, ctx: &egui::Context) -> Vec<Act> {
        use keys::*;
        let mut acts = Vec::new();
        let stage = self.current_session().map(Session::stage);
        let id = self.current.clone();
        ctx.input_mut(|i| {
            if i.consume_shortcut(&SETTINGS) {
                acts.push(Act::Go(Screen::Settings));
            }
            if i.consume_shortcut(&HISTORY) {
                acts.push(Act::Go(Screen::History));
            }
            if i.consume_shortcut(&NEW_PERSON) {
                acts.push(Act::NewSession);
            }
            if let Some(id) = id {
                if matches!(
                    stage,
                    Some(Stage::Verify | Stage::Assets | Stage::Reviewing | Stage::FinishedPartly)
                ) && i.consume_shortcut(&ADD_FILES)
                {
                    acts.push(Act::Pick(PickFor::Add(id.clone())));
                }
                if i.consume_shortcut(&CHECK_AGAIN) {
                    acts.push(Act::Send(Command::Refresh(id)));
                }
            }
        });
        acts
    }

    /// Files dropped on the window go to the current session's list.
    fn dropped_files(&mut self, ctx: &egui::Context) -> Option<Act> {
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
        let stage = self.current_session().map(Session::stage);
        if matches!(
            stage,
            Some(
                Stage::Verify
                    | Stage::Assets
                    | Stage::Reviewing
                    | Stage::Uploading
                    | Stage::FinishedPartly
            )
        ) {
            Some(Act::AddFiles(paths))
        } else {
            self.toasts
                .push(Level::Warning, self.i18n.t("assets-too-early"), None);
            None
        }
    }

    /// Draws one frame into `ui` (the whole window).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let _ = self.ctx_cell.set(ctx.clone());
        if !self.fonts_installed {
            // The fonts are installed before the first frame (see `ui::run`); the zoom needs
            // the context, so it is set here once.
            self.fonts_installed = true;
            let scale = self.launch.settings.text_scale;
            if (scale - 1.0).abs() > f32::EPSILON {
                ctx.set_zoom_factor(scale.clamp(0.75, 2.0));
            }
        }
        self.frames += 1;
        if !self.monitors_asked && (self.kiosk.is_some() || self.screen == Screen::Settings) {
            self.monitors_asked = true;
            self.jobs
                .spawn("monitors", &ctx, || Done::Monitors(monitors::list()));
        }
        if self.kiosk.is_some() && self.locked() && ctx.input(|i| i.viewport().close_requested()) {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.ask_pin(PinFor::Leave);
        }
        self.pump_events(&ctx);
        self.idle_reset(&ctx);
        let now = engine::now_ms();
        let mut acts = Vec::new();
        if self.kiosk.as_ref().is_some_and(|k| k.customer_view) {
            // The person's screen fills the window; nothing of the staff view is drawn.
            let (view, lang) = self.customer_view();
            let i = self.i18n.clone();
            let staff = egui::CentralPanel::default()
                .show(ui, |ui| {
                    super::kiosk::show_customer(ui, &i, lang, &view, &mut self.qr_cache, now, true)
                })
                .inner;
            if staff {
                acts.push(Act::AskPin(PinFor::StaffView));
            }
        } else {
            acts.extend(self.shortcuts(&ctx));
            acts.extend(self.dropped_files(&ctx));
            acts.extend(super::screens::top_bar(self, ui));
            let screen_acts = egui::CentralPanel::default()
                .show(ui, |ui| match self.screen {
                    Screen::Wizard => super::screens::wizard(self, ui),
                    Screen::History if self.locked() => {
                        super::screens::locked(self, ui, Screen::History)
                    }
                    Screen::Settings if self.locked() => {
                        super::screens::locked(self, ui, Screen::Settings)
                    }
                    Screen::History => super::history::show(self, ui),
                    Screen::Settings => super::settings::show(self, ui),
                })
                .inner;
            acts.extend(screen_acts);
            acts.extend(super::dialogs::overlays(self, &ctx));
            acts.extend(self.toasts.show(&ctx, &self.i18n.t("toast-dismiss")));
            if let Some(monitor) = self.customer_window_on(&ctx) {
                self.customer_window(&ctx, now, monitor);
            }
        }
        acts.extend(super::dialogs::pin_prompt(self, &ctx));
        for act in acts {
            self.act(&ctx, act);
        }
    }

    /// What the person sees, and in which language.
    fn customer_view(&self) -> (super::kiosk::CustomerView, UiLang) {
        let session = self.current_session();
        let lang = session.map_or(self.i18n.lang(), |s| UiLang::for_person(s.language));
        (
            super::kiosk::CustomerView::of(session, engine::now_ms()),
            lang,
        )
    }

    /// Whether the person's screen is a second window, and on which monitor (full screen):
    /// `None` when it is a switch of this window. Settings may force either; by default a
    /// second monitor, when one is connected, gets it.
    pub(super) fn customer_window_on(&self, ctx: &egui::Context) -> Option<Option<usize>> {
        self.kiosk.as_ref()?;
        // Points to the desktop's pixels: the scale includes the text size (zoom).
        let ppp = ctx.pixels_per_point();
        let staff_at = ctx.input(|i| {
            i.viewport()
                .outer_rect
                .map(|r| (r.center().x * ppp, r.center().y * ppp))
        });
        let second = monitors::for_person(&self.monitors, staff_at);
        match self.launch.settings.customer_screen {
            CustomerScreen::Switch => None,
            CustomerScreen::Window => Some(second),
            CustomerScreen::Auto => second.map(Some),
        }
    }

    /// Shows a screen (the PIN, if any, was given): History asks for the list, Settings starts
    /// from what is in use.
    pub(super) fn enter_screen(&mut self, screen: Screen) {
        if screen == Screen::History {
            self.send(Command::List);
        }
        if screen == Screen::Settings {
            self.settings_form.settings = self.launch.settings.clone();
            self.reread_monitors();
        }
        self.screen = screen;
    }

    /// Reads the monitors again on the next frame (one may have been plugged in since), unless
    /// the launch fixed them.
    fn reread_monitors(&mut self) {
        if self.launch.monitors.is_none() {
            self.monitors_asked = false;
        }
    }

    /// How many monitors the desktop has, when they could be read.
    pub(super) fn monitor_count(&self) -> usize {
        self.monitors.len()
    }

    /// The person's screen as a second window: full screen on `monitor` when one is given.
    fn customer_window(&mut self, ctx: &egui::Context, now: flow::Millis, monitor: Option<usize>) {
        let (view, lang) = self.customer_view();
        let i = self.i18n.clone();
        let mut cache = self.customer_qr.take();
        let mut builder = egui::ViewportBuilder::default()
            .with_title(i.t("customer-window-title"))
            .with_inner_size([900.0, 1000.0]);
        if let Some(index) = monitor {
            builder = builder.with_monitor(index);
        }
        ctx.show_viewport_immediate(
            egui::ViewportId::from_hash_of("avatar-kiosk-customer"),
            builder,
            |ui, _class| {
                egui::CentralPanel::default().show(ui, |ui| {
                    super::kiosk::show_customer(ui, &i, lang, &view, &mut cache, now, false)
                });
            },
        );
        self.customer_qr = cache;
    }
}

impl eframe::App for KioskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

impl Drop for KioskApp {
    fn drop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown();
        }
    }
}
