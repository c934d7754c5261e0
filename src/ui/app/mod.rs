//! The app: the screens (each with its own state), what the window knows, the engine link, and
//! the jobs. A frame takes the engine's news, lets each screen draw from a read-only view, and
//! carries out what they asked for at its end. Nothing here waits on IO.

mod camera;
mod events;
mod intents;
mod lock;
mod work;

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use eframe::egui;

use super::dialogs::Dialogs;
use super::intent::{Intent, PinFor, Screen};
use super::jobs::{JobDone, Jobs};
use super::kiosk::KioskState;
use super::link::{Adjust, EngineLink, Setup};
use super::settings::SettingsView;
use super::view::{Model, View};
use super::widgets::{Level, Toasts};
use super::wizard::Wizard;
use crate::api::ApiKey;
use crate::config::{PersonScreen, Settings};
use crate::engine::{self, EngineConfig};
use crate::flow::Session;
use crate::i18n::{I18n, UiLang};
use crate::platform::monitors::{self, Monitor};
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
    /// The roster and this desk's name.
    pub desk: crate::config::Desk,
    /// Where the database and settings live.
    pub data_dir: PathBuf,
    /// Saved settings (as on disk).
    pub settings: Settings,
    /// Command-line settings for this run: used, never saved.
    pub overrides: crate::config::RunOverrides,
    /// Where the key is kept (the OS keyring; memory in tests).
    pub secrets: crate::secrets::Secrets,
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
    /// Where saved files (exports, receipts) go without a dialog (tests, where no dialog
    /// opens); `None`: the system's save dialog asks.
    pub save_to: Option<PathBuf>,
}

/// What the app keeps from the launch, besides what the window shows.
struct Keep {
    secrets: crate::secrets::Secrets,
    key: Option<ApiKey>,
    demo: Option<Demo>,
    overrides: crate::config::RunOverrides,
    desk: crate::config::Desk,
    /// The roster's password is on its way to the keyring: the engine restarts when it is in.
    password_pending: bool,
    /// The settings as on disk (the ones in use add command-line flags).
    saved: Settings,
    /// The monitors were fixed by the launch (tests): never read again.
    monitors_fixed: bool,
    /// See [`Launch::save_to`].
    save_to: Option<PathBuf>,
}

/// The app.
pub struct KioskApp {
    model: Model,
    keep: Keep,
    link: EngineLink,
    wizard: Wizard,
    settings: SettingsView,
    people: super::people::PeopleView,
    /// History's search field.
    history_search: String,
    library: super::library::LibraryView,
    dialogs: Dialogs,
    kiosk: Option<KioskState>,
    screen: Screen,
    toasts: Toasts<Intent>,
    jobs: Jobs,
    i18n: Rc<I18n>,
    ctx_cell: Arc<OnceLock<egui::Context>>,
    /// The person's screen in its own window: its QR texture.
    person_qr: Option<(String, egui::TextureHandle)>,
    monitors: Vec<Monitor>,
    monitors_asked: bool,
    saves: work::SaveOrder,
    styled: bool,
    /// The camera's preview process, while the panel is open and no capture holds the camera.
    camera_process: Option<crate::camera::stream::Preview>,
    /// That preview asked the camera for a mode (a device that refuses is asked again without).
    preview_asked_mode: bool,
    /// Frames drawn, for measurements.
    pub frames: u64,
}

impl KioskApp {
    /// Builds the app and starts its engine.
    pub fn new(launch: Launch) -> KioskApp {
        let in_use = launch.overrides.apply(&launch.settings);
        let lang = in_use.ui_language.unwrap_or_else(UiLang::from_os);
        let ctx_cell = Arc::new(OnceLock::new());
        let model = Model {
            settings: in_use.clone(),
            data_dir: launch.data_dir.clone(),
            has_key: launch.key.is_some(),
            key_from_env: launch.key_from_env,
            demo: launch.demo.is_some(),
            settings_unreadable: launch.settings_unreadable,
            monitors: launch.monitors.as_ref().map_or(0, Vec::len),
            roster_from_run: launch.desk.roster.is_some() && launch.demo.is_none(),
            ..Model::default()
        };
        let mut app = KioskApp {
            model,
            keep: Keep {
                secrets: launch.secrets,
                key: launch.key,
                demo: launch.demo,
                overrides: launch.overrides,
                desk: launch.desk,
                password_pending: false,
                saved: launch.settings,
                monitors_fixed: launch.monitors.is_some(),
                save_to: launch.save_to,
            },
            link: EngineLink::new(launch.adjust, ctx_cell.clone()),
            wizard: Wizard::default(),
            settings: SettingsView::default(),
            people: super::people::PeopleView::default(),
            history_search: String::new(),
            library: super::library::LibraryView::default(),
            dialogs: Dialogs::default(),
            kiosk: launch.kiosk.then(KioskState::new),
            screen: Screen::Wizard,
            toasts: Toasts::default(),
            jobs: Jobs::default(),
            i18n: Rc::new(I18n::new(lang)),
            ctx_cell,
            person_qr: None,
            monitors_asked: launch.monitors.is_some(),
            monitors: launch.monitors.unwrap_or_default(),
            saves: work::SaveOrder::default(),
            styled: false,
            camera_process: None,
            preview_asked_mode: true,
            frames: 0,
        };
        app.settings.reset(&in_use);
        if let Some(n) = launch.notice {
            let text = app.i18n.msg(&n);
            app.toasts.push(Level::Warning, text, None);
        }
        let config = app.engine_config();
        app.model.shared_as = shared_as(&config);
        app.link.start(config);
        app.model.engine_problem = app.link.problem.clone();
        app
    }

    /// Whether the app runs on the simulator.
    pub fn is_demo(&self) -> bool {
        self.model.demo
    }

    /// The session on screen.
    pub fn current_session(&self) -> Option<&Session> {
        self.model.session().map(|s| s.as_ref())
    }

    /// The screen shown.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// The settings in use.
    pub fn settings(&self) -> &crate::config::Settings {
        &self.model.settings
    }

    /// Where the person's screen is now: `None` when it is a switch of this window, else a
    /// second window, full screen on the monitor with that index when there is one.
    pub fn person_window(&self) -> Option<Option<usize>> {
        self.person_window_on(self.ctx_cell.get()?)
    }

    /// Whether the engine is being restarted (commands wait for it).
    pub fn engine_restarting(&self) -> bool {
        self.link.restarting()
    }

    /// The toasts' texts, oldest first.
    pub fn toast_texts(&self) -> Vec<String> {
        self.toasts.list().iter().map(|t| t.text.clone()).collect()
    }

    /// The newest camera frame on screen (0: none), and the preview process's id while it runs.
    pub fn camera_state(&self) -> (u64, Option<u32>) {
        let pid = self.camera_process.as_ref().map(|p| p.pid());
        (self.model.camera.shown, pid)
    }

    /// The callback listener's address, once the engine is up (`http://ip:port`).
    pub fn callback_address(&self) -> Option<&str> {
        self.model.callback.as_deref()
    }

    fn engine_config(&self) -> Result<EngineConfig, Msg> {
        self.link.config(&Setup {
            settings: &self.model.settings,
            overrides: &self.keep.overrides,
            key: self.keep.key.as_ref(),
            demo: self
                .keep
                .demo
                .as_ref()
                .map(|d| crate::config::engine::DemoApi {
                    base_url: d.base_url.as_str(),
                    forced: d.forced,
                }),
            data_dir: &self.model.data_dir,
            desk: &self.keep.desk,
            front: crate::config::engine::Front::Window,
        })
    }

    /// The read-only view the screens draw from.
    fn view<'a>(
        model: &'a Model,
        i18n: &'a I18n,
        screen: Screen,
        kiosk: Option<&'a KioskState>,
        person_window: bool,
    ) -> View<'a> {
        View {
            i18n,
            model,
            screen,
            kiosk,
            person_window,
            now: engine::now_ms(),
        }
    }

    /// Once, on the first frame: the look, and the text size saved.
    fn style_once(&mut self, ctx: &egui::Context) {
        if self.styled {
            return;
        }
        self.styled = true;
        super::theme::install(ctx);
        ctx.set_theme(super::theme::preference(self.model.settings.theme));
        let scale = self.model.settings.text_scale;
        if (scale - 1.0).abs() > f32::EPSILON {
            ctx.set_zoom_factor(scale.clamp(0.75, 2.0));
        }
    }

    /// Draws one frame into `ui` (the whole window).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let _ = self.ctx_cell.set(ctx.clone());
        self.style_once(&ctx);
        self.frames += 1;
        if !self.monitors_asked && (self.kiosk.is_some() || self.screen == Screen::Settings) {
            self.monitors_asked = true;
            self.jobs
                .spawn("monitors", &ctx, || JobDone::Monitors(monitors::list()));
        }
        if self.kiosk.is_some() && self.locked() && ctx.input(|i| i.viewport().close_requested()) {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.ask_pin(PinFor::Leave);
        }
        self.take_news(&ctx);
        self.idle_reset(&ctx);
        self.camera_frame(&ctx);
        let mut intents = if self.kiosk.as_ref().is_some_and(|k| k.person_view) {
            self.person_frame(ui)
        } else {
            self.staff_frame(ui, &ctx)
        };
        let no_pin = self.model.settings.kiosk_pin_hash.is_none() || self.model.settings_unreadable;
        if let Some(k) = self.kiosk.as_mut() {
            intents.extend(super::dialogs::pin_prompt(&ctx, &self.i18n, k, no_pin));
        }
        if !intents.is_empty() {
            // What they change is drawn on the next frame, without waiting for more input.
            ctx.request_repaint();
        }
        for intent in intents {
            self.apply(&ctx, intent);
        }
        super::theme::focus_ring(&ctx);
    }

    /// The person's screen fills the window; nothing of the staff view is drawn.
    fn person_frame(&mut self, ui: &mut egui::Ui) -> Vec<Intent> {
        if let Some(ask) = self.wizard.consent.as_mut() {
            // The person answers the consent here, before any code.
            let mut out = Vec::new();
            egui::CentralPanel::default().show(ui, |ui| {
                super::consent::pad(ui, ask, super::theme::size::PERSON, &mut out);
            });
            return out;
        }
        let (view, lang) = self.person_view();
        let i = self.i18n.clone();
        let now = engine::now_ms();
        let qr = &mut self.wizard.qr;
        let camera = self.model.camera.texture.as_ref();
        let staff = egui::CentralPanel::default()
            .show(ui, |ui| {
                let pictures = super::person::Pictures { qr, camera };
                super::person::show(ui, &i, lang, &view, pictures, now, true)
            })
            .inner;
        if staff {
            vec![Intent::AskPin(PinFor::StaffView)]
        } else {
            Vec::new()
        }
    }

    fn staff_frame(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) -> Vec<Intent> {
        let mut intents = self.shortcuts(ctx);
        intents.extend(self.dropped_files(ctx));
        let person_window = self.person_window_on(ctx);
        let view = Self::view(
            &self.model,
            &self.i18n,
            self.screen,
            self.kiosk.as_ref(),
            person_window.is_some(),
        );
        intents.extend(super::chrome::top_bar(ui, &view));
        let locked = view.locked();
        let (wizard, settings) = (&mut self.wizard, &mut self.settings);
        let (people, library) = (&mut self.people, &mut self.library);
        let history_search = &mut self.history_search;
        let screen = egui::CentralPanel::default()
            .frame(egui::Frame::central_panel(ui.style()).inner_margin(super::theme::space::L))
            .show(ui, |ui| {
                let mut page = |ui: &mut egui::Ui| match view.screen {
                    Screen::Wizard => wizard.show(ui, &view),
                    Screen::History | Screen::Settings | Screen::People | Screen::Library
                        if locked =>
                    {
                        super::chrome::locked(ui, &view, view.screen)
                    }
                    Screen::History => super::history::show(ui, &view, history_search),
                    Screen::People => people.show(ui, &view),
                    Screen::Library => library.show(ui, &view),
                    Screen::Settings => settings.show(ui, &view),
                };
                if view.screen == Screen::Settings {
                    // Settings scroll their own form.
                    page(ui)
                } else {
                    // A small window or large text: every action stays reachable by scrolling.
                    egui::ScrollArea::both()
                        .id_salt(("page", view.screen))
                        .auto_shrink(false)
                        .show(ui, page)
                        .inner
                }
            })
            .inner;
        intents.extend(screen);
        intents.extend(self.dialogs.show(ctx, &view));
        intents.extend(self.toasts.show(ctx, &self.i18n.t("toast-dismiss")));
        if let Some(monitor) = person_window {
            intents.extend(self.person_window_draw(ctx, monitor));
        }
        intents
    }

    /// What the person sees, and in which language: the camera while staff take a photo or
    /// a clip of them (or have its panel open once the code is no longer to be scanned).
    fn person_view(&self) -> (super::person::PersonView, UiLang) {
        use super::person::PersonView;
        let session = self.current_session();
        let lang = session.map_or(self.i18n.lang(), |s| UiLang::for_person(s.language));
        let view = PersonView::of(session, engine::now_ms());
        let cam = &self.model.camera;
        let camera_on = session.is_some_and(|s| cam.open_for(&s.id));
        let shot = cam.shot.map(|s| {
            let frames = cam.sink.as_ref().map_or(0, |k| k.frames());
            (s.clip_seconds.is_some(), s.phase(frames))
        });
        let scanning = matches!(view, PersonView::Scan { .. });
        if camera_on && (shot.is_some() || !scanning) {
            return (PersonView::Camera { shot }, lang);
        }
        (view, lang)
    }

    /// Whether the person's screen is a second window, and on which monitor (full screen):
    /// `None` when it is a switch of this window. Settings may force either; by default a
    /// second monitor, when one is connected, gets it.
    fn person_window_on(&self, ctx: &egui::Context) -> Option<Option<usize>> {
        self.kiosk.as_ref()?;
        // Points to the desktop's pixels: the scale includes the text size (zoom).
        let ppp = ctx.pixels_per_point();
        let staff_at = ctx.input(|i| {
            i.viewport()
                .outer_rect
                .map(|r| (r.center().x * ppp, r.center().y * ppp))
        });
        let second = monitors::for_person(&self.monitors, staff_at);
        match self.model.settings.person_screen {
            PersonScreen::Switch => None,
            PersonScreen::Window => Some(second),
            PersonScreen::Auto => second.map(Some),
        }
    }

    /// The person's screen as a second window: full screen on `monitor` when one is given.
    fn person_window_draw(&mut self, ctx: &egui::Context, monitor: Option<usize>) -> Vec<Intent> {
        let (view, lang) = self.person_view();
        let i = self.i18n.clone();
        let now = engine::now_ms();
        let mut cache = self.person_qr.take();
        let camera = self.model.camera.texture.clone();
        let mut consent = self.wizard.consent.as_mut();
        let mut out = Vec::new();
        let mut builder = egui::ViewportBuilder::default()
            .with_title(i.t("person-window-title"))
            .with_inner_size([900.0, 1000.0]);
        if let Some(index) = monitor {
            builder = builder.with_monitor(index);
        }
        ctx.show_viewport_immediate(
            egui::ViewportId::from_hash_of("avatar-kiosk-person"),
            builder,
            |ui, _class| {
                egui::CentralPanel::default().show(ui, |ui| match consent.as_deref_mut() {
                    // The person answers the consent here, before any code.
                    Some(ask) => super::consent::pad(ui, ask, super::theme::size::PERSON, &mut out),
                    None => {
                        let pictures = super::person::Pictures {
                            qr: &mut cache,
                            camera: camera.as_ref(),
                        };
                        super::person::show(ui, &i, lang, &view, pictures, now, false);
                    }
                });
            },
        );
        self.person_qr = cache;
        out
    }
}

impl eframe::App for KioskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

impl Drop for KioskApp {
    fn drop(&mut self) {
        self.link.stop();
    }
}

/// The desk's name when the engine is to write to a shared roster.
fn shared_as(config: &Result<EngineConfig, Msg>) -> Option<String> {
    config
        .as_ref()
        .ok()
        .filter(|c| c.roster.is_some())
        .map(|c| c.kiosk.clone())
}
