//! Korean and Chinese: the wizard in each language with names in Hangul and Han, drawn with
//! the app's own fonts (the bundled fallback only: no system fonts in the harness), where a
//! missing glyph fails the test.

use avatar_kiosk::ui::i18n::{I18n, UiLang};
use egui_kittest::Harness;

use crate::{World, add_paths_in, click, harness, shows, type_into, wait_for};

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
        "Zoë Ångström",
    ];
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
    click(&mut h, &t.t("start-consent"));
    click(&mut h, &t.t("start-button"));
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
