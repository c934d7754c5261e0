//! The screens and their pictures (see main.rs).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use avatar_kiosk::api::Language;
use avatar_kiosk::config::{Settings, ThemeChoice};
use avatar_kiosk::i18n::{I18n, UiLang};

use avatar_kiosk::sim::{SimConfig, Simulator};
use avatar_kiosk::ui::{Demo, KioskApp, Launch};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

struct Shot<'a> {
    out: &'a Path,
    lang: UiLang,
    theme: egui::Theme,
}

impl Shot<'_> {
    fn save(&self, h: &mut Harness<'_, KioskApp>, screen: &str) {
        for _ in 0..4 {
            h.step();
        }
        let image = h.render().expect("render with wgpu");
        let theme = match self.theme {
            egui::Theme::Light => "light",
            egui::Theme::Dark => "dark",
        };
        let path = self
            .out
            .join(format!("{screen}-{}-{theme}.png", self.lang.tag()));
        image.save(&path).unwrap();
        println!("{}", path.display());
    }
}

fn wait(h: &mut Harness<'_, KioskApp>, what: &str, pred: impl Fn(&Harness<'_, KioskApp>) -> bool) {
    let start = Instant::now();
    while !pred(h) {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "waited for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(15));
    }
}

fn shows(h: &Harness<'_, KioskApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

fn wait_for(h: &mut Harness<'_, KioskApp>, text: &str) {
    wait(h, text, |h| shows(h, text));
}

fn click(h: &mut Harness<'_, KioskApp>, label: &str) {
    // Scrolled into view first: a click lands where the widget is.
    for _ in 0..2 {
        h.get_by_label(label).scroll_to_me();
        h.step();
        h.step();
    }
    h.get_by_label(label).click();
    for _ in 0..3 {
        h.step();
    }
}

fn type_into(h: &mut Harness<'_, KioskApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.event(egui::Event::Paste(text.to_string()));
    h.step();
    h.step();
}

fn photo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let seed = name
        .bytes()
        .fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    let img = image::RgbImage::from_fn(400, 500, |x, y| {
        let (x, y) = (x as f32 / 400.0, y as f32 / 500.0);
        let face = ((x - 0.5).powi(2) + (y - 0.45).powi(2)).sqrt() < 0.28;
        if face {
            image::Rgb([224, 186u8.wrapping_add(seed % 20), 160])
        } else {
            image::Rgb([60 + (seed % 60), 90, (150.0 + 80.0 * y) as u8])
        }
    });
    img.save(&path).unwrap();
    path
}

fn launch(sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime, dir: &Path, lang: UiLang) -> Launch {
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let sim2 = sim.clone();
    let handle = rt.handle().clone();
    let demo = Demo {
        base_url: sim.base_url(),
        phone: Arc::new(move |task: &str, pass: bool| {
            let url = sim2.phone_finishes(task, pass).map_err(|e| e.to_string())?;
            handle
                .block_on(reqwest::get(url))
                .map(|_| ())
                .map_err(|e| e.to_string())
        }),
        forced: true,
    };
    Launch {
        desk: Default::default(),
        data_dir,
        settings: Settings {
            ui_language: Some(lang),
            ..Settings::default()
        },
        overrides: Default::default(),
        secrets: avatar_kiosk::secrets::Secrets::in_memory(),
        key: None,
        key_from_env: false,
        demo: Some(demo),
        notice: None,
        adjust: Some(Arc::new(|c| {
            c.poll.initial = Duration::from_millis(50);
            c.poll.max = Duration::from_millis(300);
        })),
        kiosk: false,
        settings_unreadable: false,
        monitors: Some(Vec::new()),
        save_to: Some(dir.join("saved")),
    }
}

fn harness(mut launch: Launch, theme: egui::Theme) -> Harness<'static, KioskApp> {
    launch.settings.theme = match theme {
        egui::Theme::Light => ThemeChoice::Light,
        egui::Theme::Dark => ThemeChoice::Dark,
    };
    Harness::builder()
        .with_size([1280.0, 860.0])
        .with_theme(theme)
        .with_context_setup(avatar_kiosk::ui::fonts::install)
        .build_ui_state(|ui, app: &mut KioskApp| app.show(ui), KioskApp::new(launch))
}

/// The person the staff's screens and the camera's show, in the window's language.
fn first_person(lang: UiLang) -> &'static str {
    match lang {
        UiLang::Ko => "김민지",
        UiLang::Zh => "王小明",
        UiLang::En => "Minji Kim",
    }
}

/// Start: the name, consent, Start verification.
fn start_verify(h: &mut Harness<'_, KioskApp>, i: &I18n, name: &str) {
    type_into(h, &i.t("start-name"), name);
    click(h, &i.t("start-button"));
    crate::pad::hand_over_and_sign(h, i, name, Language::Ko, wait_for);
}

/// The staff's screens, from Start to Done, then History and Settings.
fn staff(shot: &Shot<'_>, sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime) {
    let i = I18n::new(shot.lang);
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(launch(sim, rt, dir.path(), shot.lang), shot.theme);
    wait_for(&mut h, &i.t("start-title"));
    let name = first_person(shot.lang);
    type_into(&mut h, &i.t("start-name"), name);
    type_into(&mut h, &i.t("start-note"), "Spring campaign · booking 2041");
    shot.save(&mut h, "1-start");
    click(&mut h, &i.t("start-button"));
    // The hand-over, then the person's consent pad answered and signed (Korean, the form's
    // default language).
    let hand = i.ta(
        "consent-hand-button",
        &[avatar_kiosk::i18n::s("person", name)],
    );
    wait_for(&mut h, &hand);
    shot.save(&mut h, "1b-consent-hand");
    click(&mut h, &hand);
    crate::pad::person_answers(&mut h, Language::Ko, wait_for);
    shot.save(&mut h, "1c-consent-signed");
    crate::pad::sign(&mut h, Language::Ko);
    wait_for(&mut h, &i.t("qr-alt"));
    let photos: Vec<String> = ["minji-front.jpg", "minji-side.jpg", "minji-fail.jpg"]
        .iter()
        .map(|n| photo(dir.path(), n).display().to_string())
        .collect();
    type_into(&mut h, &i.t("assets-paste"), &photos.join("\n"));
    click(&mut h, &i.t("assets-add"));
    wait(&mut h, "the checks", |h| {
        h.state().current_session().is_some_and(|s| {
            s.current_assets()
                .all(|a| a.check != avatar_kiosk::flow::Check::Pending)
        })
    });
    shot.save(&mut h, "2-verify");
    click(&mut h, &i.t("verify-demo-pass"));
    wait_for(&mut h, &i.t("done-partly"));
    shot.save(&mut h, "4-done");
    click(&mut h, &i.t("nav-history"));
    let open = i.ta(
        "history-open-label",
        &[avatar_kiosk::i18n::s("person", name)],
    );
    wait_for(&mut h, &open);
    shot.save(&mut h, "5-history");
    // The person's entries in the audit log.
    let who = [avatar_kiosk::i18n::s("person", name)];
    click(&mut h, &i.ta("history-log-label", &who));
    wait_for(&mut h, &i.t("log-action-start"));
    shot.save(&mut h, "5b-history-log");
    click(&mut h, &i.t("log-close"));
    click(&mut h, &i.t("nav-settings"));
    wait_for(&mut h, &i.t("settings-title"));
    shot.save(&mut h, "6-settings");
}

/// A returning person: the test render form and its result, People, the asset library.
fn returning(shot: &Shot<'_>, sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime) {
    let i = I18n::new(shot.lang);
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(launch(sim, rt, dir.path(), shot.lang), shot.theme);
    let minji = match shot.lang {
        UiLang::Ko => "김민지",
        UiLang::Zh => "王小明",
        UiLang::En => "Minji Kim",
    };
    for (name, files) in [
        ("Ana Souza", ["ana-front.jpg", "ana-side.jpg"]),
        (minji, ["minji-front.jpg", "minji-smile.jpg"]),
    ] {
        click(&mut h, &i.t("nav-new-person"));
        wait_for(&mut h, &i.t("start-title"));
        start_verify(&mut h, &i, name);
        wait_for(&mut h, &i.t("qr-alt"));
        let photos: Vec<String> = files
            .iter()
            .map(|n| photo(dir.path(), n).display().to_string())
            .collect();
        type_into(&mut h, &i.t("assets-paste"), &photos.join("\n"));
        click(&mut h, &i.t("assets-add"));
        wait(&mut h, "the checks", |h| {
            h.state().current_session().is_some_and(|s| {
                s.current_assets().count() == 2
                    && s.current_assets()
                        .all(|a| a.check != avatar_kiosk::flow::Check::Pending)
            })
        });
        click(&mut h, &i.t("verify-demo-pass"));
        wait_for(&mut h, &i.t("done-all"));
    }
    click(&mut h, &i.t("review-test-render"));
    wait_for(&mut h, &i.t("render-continue"));
    shot.save(&mut h, "8-render-form");
    click(&mut h, &i.t("render-continue"));
    click(&mut h, &i.t("render-send"));
    wait_for(&mut h, &i.t("render-open-video"));
    shot.save(&mut h, "8-render-done");
    click(&mut h, &i.t("nav-people"));
    wait_for(&mut h, &i.t("people-add"));
    shot.save(&mut h, "9-people");
    // The withdrawal's question (kept: nothing is withdrawn here).
    let who = [avatar_kiosk::i18n::s("person", minji)];
    click(&mut h, &i.ta("people-withdraw-label", &who));
    h.step();
    h.step();
    wait_for(&mut h, &i.t("withdraw-button"));
    shot.save(&mut h, "9b-people-withdraw");
    click(&mut h, &i.t("withdraw-keep"));
    click(&mut h, &i.t("nav-library"));
    wait_for(&mut h, &i.t("library-copy-shown"));
    shot.save(&mut h, "10-library");
}

/// Step 3 (verified, no photos yet) and the empty History.
fn assets_step(shot: &Shot<'_>, sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime) {
    let i = I18n::new(shot.lang);
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(launch(sim, rt, dir.path(), shot.lang), shot.theme);
    click(&mut h, &i.t("nav-history"));
    wait_for(&mut h, &i.t("history-empty"));
    shot.save(&mut h, "5-history-empty");
    click(&mut h, &i.t("nav-new-person"));
    let name = match shot.lang {
        UiLang::Ko => "박서준",
        UiLang::Zh => "李娜",
        UiLang::En => "Seo-jun Park",
    };
    start_verify(&mut h, &i, name);
    wait_for(&mut h, &i.t("verify-demo-pass"));
    click(&mut h, &i.t("verify-demo-pass"));
    wait_for(&mut h, &i.t("assets-title"));
    shot.save(&mut h, "3-assets");
}

/// Kiosk mode: the person's screen, in the person's language.
fn person(shot: &Shot<'_>, sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime) {
    let i = I18n::new(shot.lang);
    let dir = tempfile::tempdir().unwrap();
    let mut l = launch(sim, rt, dir.path(), shot.lang);
    l.kiosk = true;
    let mut h = harness(l, shot.theme);
    let name = match shot.lang {
        UiLang::Ko => "한지호",
        UiLang::Zh => "张伟",
        UiLang::En => "Ji-ho Han",
    };
    type_into(&mut h, &i.t("start-name"), name);
    // The person's screen speaks the person's language (Korean is the form's default).
    let theirs = match shot.lang {
        UiLang::Ko => None,
        UiLang::Zh => Some("lang-zh"),
        UiLang::En => Some("lang-en"),
    };
    if let Some(id) = theirs {
        click(&mut h, &i.t("start-language"));
        click(&mut h, &i.t(id));
    }
    click(&mut h, &i.t("start-button"));
    let language = match shot.lang {
        UiLang::Ko => Language::Ko,
        UiLang::Zh => Language::Zh,
        UiLang::En => Language::En,
    };
    let hand = i.ta(
        "consent-hand-button",
        &[avatar_kiosk::i18n::s("person", name)],
    );
    wait_for(&mut h, &hand);
    click(&mut h, &hand);
    crate::pad::person_answers(&mut h, language, wait_for);
    shot.save(&mut h, "7a-person-consent");
    crate::pad::sign(&mut h, language);
    wait_for(&mut h, &i.t("verify-show-person"));
    click(&mut h, &i.t("verify-show-person"));
    shot.save(&mut h, "7-person");
}

/// The desk's camera (the synthetic one): the staff's panel while a clip records, and the
/// person's screen in kiosk mode, mirrored, with the clip's script.
fn camera(shot: &Shot<'_>, sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime) {
    if avatar_kiosk::media::fix::ffmpeg().is_none() {
        eprintln!("the camera's pictures need ffmpeg on the PATH");
        return;
    }
    let i = I18n::new(shot.lang);
    for kiosk in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut l = launch(sim, rt, dir.path(), shot.lang);
        l.settings.camera = Some(avatar_kiosk::camera::TEST_PATTERN.into());
        l.kiosk = kiosk;
        let mut h = harness(l, shot.theme);
        start_verify(&mut h, &i, first_person(shot.lang));
        wait_for(&mut h, &i.t("qr-alt"));
        click(&mut h, &i.t("camera-open"));
        wait(&mut h, "the camera's picture", |h| {
            h.state().camera_state().0 >= 10
        });
        click(&mut h, &i.t("camera-record"));
        if kiosk {
            click(&mut h, &i.t("verify-show-person"));
        }
        let recording = i.ta("camera-recording", &[avatar_kiosk::i18n::n("n", 4)]);
        wait(&mut h, "the clip recording", |h| {
            h.state().camera_state().0 > 0
                && h.state().current_session().is_some()
                && (kiosk || shows(h, &recording))
        });
        if kiosk {
            // Into the recording, at its second step.
            for _ in 0..200 {
                h.step();
                std::thread::sleep(Duration::from_millis(25));
            }
            shot.save(&mut h, "15-person-camera");
        } else {
            shot.save(&mut h, "14-camera");
        }
        // The clip ends before the app does (the camera is let go cleanly).
        wait(&mut h, "the clip's row", |h| {
            h.state()
                .current_session()
                .is_some_and(|s| s.current_assets().count() == 1)
        });
    }
}

/// Issue 28's pictures: Start in a small window with twice the text, the review table with
/// 200 rows and a search, Settings after a long error.
fn daily(shot: &Shot<'_>, sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime) {
    let i = I18n::new(shot.lang);
    let dir = tempfile::tempdir().unwrap();
    let mut small = launch(sim, rt, dir.path(), shot.lang);
    small.settings.text_scale = 2.0;
    small.settings.theme = match shot.theme {
        egui::Theme::Light => ThemeChoice::Light,
        egui::Theme::Dark => ThemeChoice::Dark,
    };
    let mut h = Harness::builder()
        .with_size([800.0, 600.0])
        .with_theme(shot.theme)
        .with_context_setup(avatar_kiosk::ui::fonts::install)
        .build_ui_state(|ui, app: &mut KioskApp| app.show(ui), KioskApp::new(small));
    wait_for(&mut h, &i.t("start-title"));
    shot.save(&mut h, "11-small-start");
    drop(h);

    let dir = tempfile::tempdir().unwrap();
    let app = launch(sim, rt, dir.path(), shot.lang);
    let mut store = avatar_kiosk::store::Store::open_in(&app.data_dir).unwrap();
    let big = avatar_kiosk::flow::sample::reviewed_session(
        "bigsession0000000000000000000000",
        "Big Table",
        200,
        1_790_000_000_000,
    );
    store.save(&big, 1_790_000_000_000, &[]).unwrap();
    drop(store);
    let mut h = harness(app, shot.theme);
    click(&mut h, &i.t("nav-history"));
    let open = i.ta(
        "history-open-label",
        &[avatar_kiosk::i18n::s("person", "Big Table")],
    );
    wait_for(&mut h, &open);
    click(&mut h, &open);
    wait_for(&mut h, &i.t("search-label"));
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, &i.t("search-label"))
        .focus();
    h.step();
    h.event(egui::Event::Paste("row-01".into()));
    h.step();
    shot.save(&mut h, "12-review-200-search");

    // A long error: the connection test of a key against a plain-http address elsewhere.
    click(&mut h, &i.t("nav-settings"));
    wait_for(&mut h, &i.t("settings-title"));
    if h.query_by_label(&i.t("settings-test")).is_none() {
        return;
    }
    type_into(&mut h, &i.t("settings-new-key"), "sk-studio-test");
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, &i.t("settings-address"))
        .focus();
    h.step();
    h.event(egui::Event::Key {
        key: egui::Key::A,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::COMMAND,
    });
    h.event(egui::Event::Paste(
        "http://gateway.studio.example/apimart/v1".into(),
    ));
    h.step();
    click(&mut h, &i.t("settings-test"));
    wait(&mut h, "the test's answer", |h| {
        shows(h, "APIMart")
            && !h.query_all_by_label(&i.t("settings-test")).any(|n| {
                use egui_kittest::kittest::NodeT;
                n.accesskit_node().is_disabled()
            })
    });
    for _ in 0..60 {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    shot.save(&mut h, "13-settings-error");
}

pub fn run() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or("docs/screenshots".into()));
    std::fs::create_dir_all(&out).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = Arc::new(
        rt.block_on(Simulator::start(SimConfig {
            review_duration: Duration::from_millis(300),
            video_duration: Duration::from_millis(500),
            ..SimConfig::default()
        }))
        .unwrap(),
    );
    let only = std::env::args().nth(2);
    // English and Korean in both themes; Chinese in the light one.
    let sets = [
        (UiLang::En, egui::Theme::Light),
        (UiLang::En, egui::Theme::Dark),
        (UiLang::Ko, egui::Theme::Light),
        (UiLang::Ko, egui::Theme::Dark),
        (UiLang::Zh, egui::Theme::Light),
    ];
    for (lang, theme) in sets {
        {
            let shot = Shot {
                out: &out,
                lang,
                theme,
            };
            if only.as_deref().is_none_or(|o| o == "staff") {
                staff(&shot, &sim, &rt);
            }
            if only.as_deref().is_none_or(|o| o == "assets") {
                assets_step(&shot, &sim, &rt);
            }
            if only.as_deref().is_none_or(|o| o == "person") {
                person(&shot, &sim, &rt);
            }
            if only.as_deref().is_none_or(|o| o == "returning") {
                returning(&shot, &sim, &rt);
            }
            if only.as_deref().is_none_or(|o| o == "daily") {
                daily(&shot, &sim, &rt);
            }
            if only.as_deref().is_none_or(|o| o == "camera") {
                camera(&shot, &sim, &rt);
            }
        }
    }
}
