//! The person's consent pad from a test: staff hand the screen over, the person answers
//! every item and signs with the pointer. Shared by the GUI tests and the screenshots example
//! (which includes this file), so each passes its own wait.

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use avatar_kiosk::api::Language;
use avatar_kiosk::ui::KioskApp;

/// Waits until `text` shows (the caller's own wait, with its deadline).
pub type Wait = fn(&mut Harness<'_, KioskApp>, &str);

/// What the person's consent pad says, in their language.
pub fn said(language: Language, id: &str) -> String {
    avatar_kiosk::i18n::phone::say(language, id, &[])
}

/// The person answers every item yes (in `language`), draws a signature with the pointer,
/// and signs.
pub fn person_signs(h: &mut Harness<'_, KioskApp>, language: Language, wait: Wait) {
    person_answers(h, language, wait);
    sign(h, language);
}

/// The person answers every item yes and draws a signature (not signed yet).
pub fn person_answers(h: &mut Harness<'_, KioskApp>, language: Language, wait: Wait) {
    let here = said(language, "consent-doc-sign-here");
    wait(h, &here);
    let yes = said(language, "consent-doc-yes");
    for n in 0..3 {
        h.get_all_by_label(&yes).nth(n).unwrap().click_accesskit();
        h.step();
    }
    draw_signature(h, &here);
}

/// The person presses "I agree and sign".
pub fn sign(h: &mut Harness<'_, KioskApp>, language: Language) {
    h.get_by_label(&said(language, "consent-doc-sign"))
        .click_accesskit();
    h.step();
    h.step();
}

/// A stroke across the pad labelled `pad`, with the pointer pressed.
pub fn draw_signature(h: &mut Harness<'_, KioskApp>, pad: &str) {
    // Into view first: the pointer reaches only what is on screen.
    for _ in 0..2 {
        let node = h.get_all_by_label(pad).find(|n| n.rect().height() > 40.0);
        node.expect("the signature pad").scroll_to_me();
        h.step();
        h.step();
    }
    let rect = h
        .get_all_by_label(pad)
        .map(|n| n.rect())
        .find(|r| r.height() > 40.0)
        .expect("the signature pad");
    let at = |x: f32, y: f32| rect.left_top() + egui::vec2(rect.width() * x, rect.height() * y);
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    h.event(egui::Event::PointerMoved(at(0.2, 0.6)));
    h.event(button(at(0.2, 0.6), true));
    h.step();
    for step in 1..=8 {
        let t = step as f32 / 8.0;
        h.event(egui::Event::PointerMoved(at(0.2 + 0.6 * t, 0.6 - 0.3 * t)));
        h.step();
    }
    h.event(button(at(0.8, 0.3), false));
    h.step();
}

/// After Start on one screen: staff hand the screen to `name` (the window in `i`'s
/// language), and the person signs in `language`.
pub fn hand_over_and_sign(
    h: &mut Harness<'_, KioskApp>,
    i: &avatar_kiosk::i18n::I18n,
    name: &str,
    language: Language,
    wait: Wait,
) {
    let hand = i.ta(
        "consent-hand-button",
        &[avatar_kiosk::i18n::s("person", name)],
    );
    wait(h, &hand);
    h.get_by_label(&hand).click_accesskit();
    h.step();
    h.step();
    person_signs(h, language, wait);
}
