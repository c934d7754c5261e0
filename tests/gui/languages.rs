//! Korean and Chinese (and the consent text in Japanese too): the wizard in each language with names in Hangul and Han, drawn with
//! the app's own fonts (the bundled fallback only: no system fonts in the harness), where a
//! missing glyph fails the test.

use avatar_kiosk::api::Language;
use avatar_kiosk::ui::i18n::{I18n, UiLang};
use egui_kittest::Harness;

use crate::{World, add_paths_in, click, harness, shows, type_into, wait_for};
use egui_kittest::kittest::Queryable;

#[test]
fn every_message_in_every_language_has_its_glyphs() {
    let i = I18n::new(UiLang::En);
    let source = UiLang::En.source();
    let ids: Vec<String> = source
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.to_string()))
        .filter(|id| !id.starts_with('#'))
        .collect();
    assert!(ids.len() > 200);
    let names = [
        "김민지",
        "박서준",
        "王伟",
        "欧阳娜娜",
        "さくら",
        "山田 花子",
        "渡邊 健",
        "個人 顔 認証",
        "Zoë Ångström",
    ];
    // The consent text the person reads, in each of the four languages (Japanese too).
    let version = avatar_kiosk::flow::ConsentVersion::next(None, Default::default(), 0);
    let consent: Vec<String> = [Language::En, Language::Ko, Language::Zh, Language::Ja]
        .map(|l| version.text(l).plain())
        .to_vec();
    let mut h = Harness::builder()
        .with_size([1600.0, 4000.0])
        .with_context_setup(avatar_kiosk::ui::fonts::install)
        .build_ui(move |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                for lang in UiLang::ALL {
                    for id in &ids {
                        ui.label(i.t_in(lang, id));
                    }
                    ui.label(lang.native_name());
                }
                for n in names {
                    ui.label(n);
                    ui.monospace(n);
                }
                for text in &consent {
                    ui.label(text);
                }
            });
        });
    // kittest panics on a glyph no font can draw.
    h.run();
}

fn wizard_in(lang: UiLang, name: &str) {
    let t = I18n::new(lang);
    let world = World::quick();
    let mut launch = world.demo();
    launch.settings.ui_language = Some(lang);
    let mut h = harness(launch);
    wait_for(&mut h, &t.t("start-title"));
    type_into(&mut h, &t.t("start-name"), name);
    click(&mut h, &t.t("start-button"));
    crate::pad::hand_over_and_sign(&mut h, &t, name, Language::Ko, crate::wait_for);
    wait_for(&mut h, &t.t("verify-phone-will"));
    assert!(shows(&h, name));
    click(&mut h, &t.t("verify-demo-pass"));
    wait_for(&mut h, &t.t("assets-title"));
    let photo = world.photo(&format!("{name}-정면-正面.jpg"));
    add_paths_in(&mut h, &t, &[&photo]);
    let submit = t.ta("assets-submit", &[avatar_kiosk::ui::i18n::n("n", 1)]);
    click(&mut h, &submit);
    wait_for(&mut h, &t.t("done-all"));
    assert!(shows(&h, &t.t("chip-active")));
    assert!(shows(&h, name));
}

#[test]
fn the_wizard_in_korean_with_a_hangul_name() {
    wizard_in(UiLang::Ko, "김민지");
}

#[test]
fn the_wizard_in_chinese_with_a_han_name() {
    wizard_in(UiLang::Zh, "王伟");
}

/// The part of a message after its last placeable, as the window shows it whatever the
/// placeable holds.
fn tail(i: &I18n, id: &str) -> String {
    let whole = i.t(id);
    let after = whole.rsplit(['}', ')', '）']).next().unwrap_or_default();
    after.trim().to_string()
}

#[test]
fn the_engines_sentences_are_said_in_the_windows_language() {
    // A wrong key, in Korean: the API client's advice and its Settings button are Korean.
    let world = World::new(avatar_kiosk::sim::SimConfig {
        key: Some("the-right-key".into()),
        ..avatar_kiosk::sim::SimConfig::default()
    });
    let ko = I18n::new(UiLang::Ko);
    let mut launch = world.real("a-wrong-key");
    launch.settings.ui_language = Some(UiLang::Ko);
    let mut h = harness(launch);
    type_into(&mut h, &ko.t("start-name"), "김민지");
    click(&mut h, &ko.t("start-button"));
    crate::pad::hand_over_and_sign(&mut h, &ko, "김민지", Language::Ko, crate::wait_for);
    let advice = tail(&ko, "api-unauthorized");
    assert!(advice.contains("API"), "{advice}");
    wait_for(&mut h, &advice);
    let en = I18n::new(UiLang::En);
    assert!(
        !shows(&h, &tail(&en, "api-unauthorized")),
        "no English left"
    );
    let open_settings = ko.t("open-settings");
    let open = h.get_all_by_label(&open_settings).next().unwrap();
    open.click();
    h.step();
    h.step();
    assert_eq!(h.state().screen(), avatar_kiosk::ui::Screen::Settings);
    drop(h);

    // A photo too small, in Chinese: the media check's problem is Chinese, with its sizes.
    let world = World::quick();
    let zh = I18n::new(UiLang::Zh);
    let mut launch = world.demo();
    launch.settings.ui_language = Some(UiLang::Zh);
    let mut h = harness(launch);
    type_into(&mut h, &zh.t("start-name"), "王伟");
    click(&mut h, &zh.t("start-button"));
    crate::pad::hand_over_and_sign(&mut h, &zh, "王伟", Language::Ko, crate::wait_for);
    click_when_shown(&mut h, &zh.t("verify-demo-pass"));
    wait_for(&mut h, &zh.t("assets-title"));
    let tiny = world.data_dir().join("小.png");
    image::RgbImage::from_pixel(120, 90, image::Rgb([200, 180, 160]))
        .save(&tiny)
        .unwrap();
    add_paths_in(&mut h, &zh, &[&tiny]);
    let problem = avatar_kiosk::media::Blocked::TooSmall {
        width: 120,
        height: 90,
    }
    .advice();
    let said = zh.msg(&problem);
    assert!(said.contains("120×90") && said.contains("像素"), "{said}");
    wait_for(&mut h, &said);
}

fn click_when_shown(h: &mut Harness<'static, avatar_kiosk::ui::KioskApp>, label: &str) {
    wait_for(h, label);
    click(h, label);
}
