//! Every screen at every size: a small window (800x600) with the text at twice its size, and
//! the default size in Korean (longer words), in English and Korean. Nothing in the top bar
//! overlaps, and each screen's main action is in the window or reachable by scrolling:
//! asserted from the widgets' rectangles.

use avatar_kiosk::ui::KioskApp;
use avatar_kiosk::ui::i18n::{I18n, UiLang, s as text};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::{World, click, type_into, wait_for};

/// A harness of `size` pixels, the text at `scale`, in `lang`, on the demo.
fn sized(world: &World, lang: UiLang, size: [f32; 2], scale: f32) -> Harness<'static, KioskApp> {
    let mut launch = world.demo();
    launch.settings.ui_language = Some(lang);
    launch.settings.text_scale = scale;
    let mut h = Harness::builder()
        .with_size(size)
        .with_context_setup(avatar_kiosk::ui::fonts::install)
        .build_ui_state(|ui, app: &mut KioskApp| app.show(ui), KioskApp::new(launch));
    h.run_steps(4);
    h
}

/// The top bar's items: the title, the steps' circles and names, the buttons.
fn top_bar_items(h: &Harness<'_, KioskApp>, i: &I18n) -> Vec<(String, egui::Rect)> {
    let mut items = Vec::new();
    for node in h.query_all_by_label_contains(" / 5") {
        items.push((
            node.accesskit_node().label().unwrap_or_default(),
            node.rect(),
        ));
    }
    let bottom = items.iter().map(|(_, r)| r.max.y).fold(0.0, f32::max);
    let mut labels = vec![i.t("app-title"), i.t("nav-menu")];
    for key in [
        "nav-new-person",
        "nav-people",
        "nav-library",
        "nav-history",
        "nav-settings",
        "step-start",
        "step-verify",
        "step-assets",
        "step-review",
        "step-done",
    ] {
        labels.push(i.t(key));
    }
    for label in labels {
        // The same word may also be a page's title: only what sits in the bar counts.
        for node in h.query_all_by_label(&label) {
            if node.rect().min.y < bottom + 80.0 && !items.iter().any(|(_, r)| *r == node.rect()) {
                items.push((label.clone(), node.rect()));
            }
        }
    }
    items
}

fn assert_no_overlap(h: &Harness<'_, KioskApp>, i: &I18n, what: &str) {
    let items = top_bar_items(h, i);
    // Five steps, and the buttons or their menu (the title when there is room).
    assert!(items.len() >= 6, "{what}: top bar items {items:?}");
    let window = h.ctx.content_rect();
    for (n, (a, ra)) in items.iter().enumerate() {
        assert!(
            window.contains_rect(ra.shrink(0.5)),
            "{what}: {a} {ra:?} is outside the window {window:?}"
        );
        for (b, rb) in &items[n + 1..] {
            let overlap = ra.intersect(*rb);
            assert!(
                !overlap.is_positive() || overlap.area() < 1.0,
                "{what}: {a} {ra:?} overlaps {b} {rb:?}"
            );
        }
    }
}

/// The node labelled `label` is in the window below the top bar, after scrolling to it if
/// need be.
fn reachable(h: &mut Harness<'_, KioskApp>, i: &I18n, label: &str, what: &str) {
    crate::scroll_to(h, label);
    let mut window = h.ctx.content_rect();
    // The top bar ends under the demo's banner.
    window.min.y = h.get_by_label(&i.t("demo-banner")).rect().max.y;

    let rect = h.get_by_label(label).rect();
    assert!(
        window.contains_rect(rect.shrink(0.5)),
        "{what}: \"{label}\" {rect:?} cannot be reached in {window:?}"
    );
}

fn go(h: &mut Harness<'_, KioskApp>, i: &I18n, key: &str) {
    // A small window keeps the buttons in the top bar's menu.
    if h.query_by_label(&i.t("nav-menu")).is_some() {
        click(h, &i.t("nav-menu"));
    }
    let label = i.t(key);
    let node = h
        .query_all_by_label(&label)
        .min_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y))
        .unwrap_or_else(|| panic!("no {label}"));
    node.click();
    h.run_steps(4);
}

fn every_screen_in(lang: UiLang) {
    let i = I18n::new(lang);
    let world = World::quick();
    let mut h = sized(&world, lang, [800.0, 600.0], 2.0);
    let what = |screen: &str| format!("{lang:?} 800x600 2x {screen}");
    wait_for(&mut h, &i.t("start-title"));
    assert_no_overlap(&h, &i, &what("Start"));
    reachable(&mut h, &i, &i.t("start-button"), &what("Start"));
    // One person, so that History has a row and its buttons.
    type_into(&mut h, &i.t("start-name"), "김민지");
    assert_eq!(
        h.get_by_label(&i.t("start-name"))
            .accesskit_node()
            .value()
            .as_deref(),
        Some("김민지")
    );
    click(&mut h, &i.t("start-button"));
    let hand = i.ta(
        "consent-hand-button",
        &[avatar_kiosk::i18n::s("person", "김민지")],
    );
    wait_for(&mut h, &hand);
    assert_no_overlap(&h, &i, &what("Hand-over"));
    click(&mut h, &hand);
    let ko = avatar_kiosk::api::Language::Ko;
    wait_for(&mut h, &crate::pad::said(ko, "consent-doc-sign-here"));
    assert_no_overlap(&h, &i, &what("Consent"));
    crate::pad::person_signs(&mut h, ko, wait_for);
    wait_for(&mut h, &i.t("verify-phone-will"));
    assert_no_overlap(&h, &i, &what("Verify"));
    // A photo while the phone works, the phone passes: Done with its row.
    let photo = world.photo("minji-front.jpg");
    crate::add_paths_in(&mut h, &i, &[&photo]);
    click(&mut h, &i.t("verify-demo-pass"));
    wait_for(&mut h, &i.t("done-all"));
    assert_no_overlap(&h, &i, &what("Done"));
    reachable(&mut h, &i, &i.t("review-next"), &what("Done"));
    go(&mut h, &i, "nav-history");
    let csv = i.ta("history-csv-label", &[text("person", "김민지")]);
    wait_for(&mut h, &csv);
    assert_no_overlap(&h, &i, &what("History"));
    reachable(&mut h, &i, &csv, &what("History"));
    go(&mut h, &i, "nav-settings");
    assert_no_overlap(&h, &i, &what("Settings"));
    reachable(&mut h, &i, &i.t("settings-save"), &what("Settings"));
    for screen in ["nav-people", "nav-library"] {
        go(&mut h, &i, screen);
        assert_no_overlap(&h, &i, &what(screen));
        reachable(&mut h, &i, &i.t("search-label"), &what(screen));
    }
}

#[test]
fn every_screen_fits_a_small_window_with_large_text_in_english() {
    every_screen_in(UiLang::En);
}

#[test]
fn every_screen_fits_a_small_window_with_large_text_in_korean() {
    every_screen_in(UiLang::Ko);
}

/// Korean's longer words at the default size, in kiosk mode (two more buttons): the last
/// step no longer runs into "New person".
#[test]
fn the_top_bar_fits_in_korean_kiosk_mode_at_the_default_size() {
    let i = I18n::new(UiLang::Ko);
    let world = World::quick();
    let mut launch = world.demo();
    launch.settings.ui_language = Some(UiLang::Ko);
    launch.kiosk = true;
    launch.settings.kiosk_pin_hash = Some(avatar_kiosk::ui::kiosk::hash_pin("123456").unwrap());
    let mut h = Harness::builder()
        .with_size([1280.0, 900.0])
        .with_context_setup(avatar_kiosk::ui::fonts::install)
        .build_ui_state(|ui, app: &mut KioskApp| app.show(ui), KioskApp::new(launch));
    h.run_steps(4);
    assert_no_overlap(&h, &i, "Korean kiosk 1280x900");
}
