//! The window, driven headlessly with egui_kittest by label and role, against the built-in
//! simulator over real loopback HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod camera;
mod consent;
mod keyboard;
mod kiosk;
mod languages;
mod layout;
pub mod pad;
mod returning;
mod screens;
// Drawn with wgpu, which the Windows test build leaves out (Cargo.toml says why).
#[cfg(not(windows))]
mod snapshots;
mod table;
mod videos;
mod wizard;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use avatar_kiosk::api::{ApiKey, ClientOptions, RetryPolicy};
use avatar_kiosk::config::{CallbackChoice, Settings};
use avatar_kiosk::engine::PollPolicy;

use avatar_kiosk::sim::{SimConfig, Simulator};
use avatar_kiosk::ui::i18n::UiLang;
use avatar_kiosk::ui::{Demo, KioskApp, Launch};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// How long any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(40);

/// A simulator, a data directory and some photos.
pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub sim: Arc<Simulator>,
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new(config: SimConfig) -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = Arc::new(rt.block_on(Simulator::start(config)).unwrap());
        World {
            rt,
            sim,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A quick review so tests do not wait long.
    pub fn quick() -> World {
        World::new(SimConfig {
            review_duration: Duration::from_millis(300),
            ..SimConfig::default()
        })
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Where the window's exports and receipts are saved (no save dialog in tests).
    pub fn saved_dir(&self) -> PathBuf {
        self.dir.path().join("saved")
    }

    /// A photo of `w`×`h` named `name` in the world's folder.
    pub fn photo(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        // Pixels depend on the name: two photos are never the same content (duplicates).
        let seed = name
            .bytes()
            .fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
        let img = image::RgbImage::from_fn(400, 500, |x, y| {
            image::Rgb([
                (x % 256) as u8 ^ seed,
                (y % 256) as u8,
                ((x + y) % 256) as u8,
            ])
        });
        img.save(&path).unwrap();
        path
    }

    fn base(&self, mut settings: Settings, key: Option<ApiKey>, demo: Option<Demo>) -> Launch {
        std::fs::create_dir_all(self.data_dir()).unwrap();
        // English unless a test asks otherwise, whatever the machine's locale.
        settings.ui_language.get_or_insert(UiLang::En);
        Launch {
            desk: Default::default(),
            data_dir: self.data_dir(),
            settings,
            secrets: avatar_kiosk::secrets::Secrets::in_memory(),
            key,
            key_from_env: false,
            demo,
            notice: None,
            kiosk: false,
            settings_unreadable: false,
            overrides: Default::default(),
            monitors: Some(Vec::new()),
            save_to: Some(self.saved_dir()),
            adjust: Some(Arc::new(|c| {
                c.poll = PollPolicy {
                    initial: Duration::from_millis(50),
                    factor: 1.5,
                    max: Duration::from_millis(300),
                    deadline: Duration::from_secs(60),
                };
                c.client = ClientOptions {
                    connect_timeout: Duration::from_secs(5),
                    request_timeout: Duration::from_secs(10),
                    upload_timeout: Duration::from_secs(30),
                    retry: RetryPolicy {
                        max_attempts: 3,
                        base_delay: Duration::from_millis(10),
                        max_delay: Duration::from_millis(50),
                        max_retry_after: Duration::from_secs(2),
                    },
                };
            })),
        }
    }

    /// The app as `--demo` starts it, with the simulated phone.
    pub fn demo(&self) -> Launch {
        let sim = self.sim.clone();
        let handle = self.rt.handle().clone();
        let demo = Demo {
            base_url: self.sim.base_url(),
            phone: Arc::new(move |task: &str, pass: bool| {
                let url = sim.phone_finishes(task, pass).map_err(|e| e.to_string())?;
                handle
                    .block_on(reqwest::get(url))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
            forced: true,
        };
        self.base(Settings::default(), None, Some(demo))
    }

    /// The app on the simulator as if it were APIMart, with this key.
    pub fn real(&self, key: &str) -> Launch {
        let settings = Settings {
            base_url: self.sim.base_url(),
            callback: CallbackChoice::Loopback,
            ..Settings::default()
        };
        self.base(settings, Some(ApiKey::new(key)), None)
    }
}

/// A PDF's text as a reader extracts it, without spaces and line ends (where a line breaks
/// is the layout's business).
pub fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).unwrap();
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The app in a headless harness the size of a laptop screen.
pub fn harness(launch: Launch) -> Harness<'static, KioskApp> {
    Harness::builder()
        .with_size([1280.0, 900.0])
        .with_context_setup(avatar_kiosk::ui::fonts::install)
        .build_ui_state(|ui, app: &mut KioskApp| app.show(ui), KioskApp::new(launch))
}

/// Steps frames until `pred` holds; fails with `what` after [`DEADLINE`].
pub fn wait(
    h: &mut Harness<'_, KioskApp>,
    what: &str,
    pred: impl Fn(&Harness<'_, KioskApp>) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if pred(h) {
            return;
        }
        if start.elapsed() > DEADLINE {
            panic!(
                "timed out waiting for {what}; toasts: {:?}",
                h.state().toast_texts()
            );
        }
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// What the last frame put on the clipboard.
pub fn copied(h: &Harness<'_, KioskApp>) -> Vec<String> {
    h.output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Whether some node's label contains `text`.
pub fn shows(h: &Harness<'_, KioskApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Waits until a node labelled `text` (in part) is on screen.
pub fn wait_for(h: &mut Harness<'_, KioskApp>, text: &str) {
    let t = text.to_string();
    wait(h, &format!("\"{text}\""), move |h| shows(h, &t));
}

/// Clicks the node labelled exactly `label`, then runs the frames it needs: what a click asks
/// for runs at the end of its frame, and a dialog it opens is sized on the next frame and
/// shown on the one after.
pub fn click(h: &mut Harness<'_, KioskApp>, label: &str) {
    // As a person would: scrolled into view first (a click lands where the widget is).
    scroll_to(h, label);
    h.get_by_label(label).click();
    h.step();
    h.step();
    h.step();
}

/// Scrolls the node labelled `label` into view (a node's rectangle is not clipped by what
/// covers it, so it is asked whatever it says).
pub fn scroll_to(h: &mut Harness<'_, KioskApp>, label: &str) {
    // egui scrolls at the end of the pass that reads the request, the next pass draws there;
    // a request that arrives while the page is still being laid out is read a pass later.
    for _ in 0..2 {
        h.get_by_label(label).scroll_to_me();
        h.run_steps(2);
    }
}

/// Focuses the field labelled `label` and pastes `text` into it.
pub fn type_into(h: &mut Harness<'_, KioskApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.event(egui::Event::Paste(text.to_string()));
    h.step();
    h.step();
}

/// Presses `key` with `modifiers`, then runs the frame that reads it.
pub fn press(h: &mut Harness<'_, KioskApp>, key: egui::Key, modifiers: egui::Modifiers) {
    h.event(egui::Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers,
    });
    h.step();
}

/// Focuses the field labelled `label`, selects what it holds and pastes `text` over it.
pub fn replace_text(h: &mut Harness<'_, KioskApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    press(h, egui::Key::A, egui::Modifiers::COMMAND);
    h.event(egui::Event::Paste(text.to_string()));
    h.step();
}

/// Starts a session for `name` with consent, and waits for the QR code.
pub fn start_session(h: &mut Harness<'_, KioskApp>, name: &str) {
    type_into(h, "Person's name", name);
    click(h, "Start verification");
    // On one screen (kiosk mode's switch too) staff hand the screen over.
    let en = avatar_kiosk::ui::i18n::I18n::new(UiLang::En);
    pad::hand_over_and_sign(h, &en, name, avatar_kiosk::api::Language::Ko, wait_for);
    wait_for(h, "Expires in");
}

/// Adds files by pasting their paths, and waits until their checks are back.
pub fn add_paths(h: &mut Harness<'_, KioskApp>, paths: &[&Path]) {
    let i = avatar_kiosk::ui::i18n::I18n::new(UiLang::En);
    add_paths_in(h, &i, paths);
}

/// [`add_paths`] with the window in another language.
pub fn add_paths_in(
    h: &mut Harness<'_, KioskApp>,
    i: &avatar_kiosk::ui::i18n::I18n,
    paths: &[&Path],
) {
    let text: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    // Rows already there do not count: the wait is for these.
    let before = h
        .state()
        .current_session()
        .map_or(0, |s| s.current_assets().count());
    type_into(h, &i.t("assets-paste"), &text.join("\n"));
    click(h, &i.t("assets-add"));
    let n = before + paths.len();
    wait(h, "the rows and their checks", move |h| {
        h.state().current_session().is_some_and(|s| {
            s.current_assets().count() >= n
                && s.current_assets()
                    .all(|a| a.check != avatar_kiosk::flow::Check::Pending)
        }) && !shows(h, "Checking")
            && !shows(h, "확인 중")
            && !shows(h, "正在检查")
    });
}
