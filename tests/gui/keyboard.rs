//! The keyboard and honest exports: focus where the work starts (Start, Replace, the PIN),
//! Tab in reading order, Enter submitting the dialog that has focus, the staff PIN set in
//! Settings outside kiosk mode, and a row's reason the same on screen and in the exports.

use avatar_kiosk::ui::KioskApp;
use avatar_kiosk::ui::i18n::{I18n, UiLang};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::{World, add_paths, click, harness, press, start_session, type_into, wait, wait_for};

/// The rectangle of what has the keyboard.
fn focused(h: &Harness<'_, KioskApp>) -> Option<egui::Rect> {
    let id = h.ctx.memory(|m| m.focused())?;
    h.ctx.read_response(id).map(|r| r.rect)
}

/// `b` comes after `a` when reading: on the same line further right, or on a later line.
fn reads_after(a: egui::Rect, b: egui::Rect) -> bool {
    let same_line = (a.center().y - b.center().y).abs() < a.height().max(b.height()) / 2.0;
    if same_line {
        b.min.x >= a.max.x - 1.0
    } else {
        b.min.y >= a.center().y
    }
}

/// Tab walks the controls in reading order: the top bar left to right, then the page from
/// the name field down. Only the one step from the end back to the top breaks the order.
#[test]
fn tab_follows_the_reading_order() {
    let world = World::quick();
    let mut h = harness(world.demo());
    wait_for(&mut h, "Start: who is being verified?");
    // One whole round: Tab until the keyboard is back where it started.
    let first = focused(&h).expect("Start gives the name field the keyboard");
    let mut seen = vec![first];
    for _ in 0..40 {
        press(&mut h, egui::Key::Tab, egui::Modifiers::NONE);
        h.step();
        let now = focused(&h).expect("Tab keeps the keyboard somewhere");
        seen.push(now);
        if now == first {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&first), "Tab never came round: {seen:?}");
    // The top bar's five, then the name, the note and the language (Start waits for a name).
    assert!(seen.len() >= 9, "{seen:?}");
    let back_to_top = seen.windows(2).filter(|w| !reads_after(w[0], w[1])).count();
    assert!(
        back_to_top <= 1,
        "Tab jumps against the reading order: {seen:#?}"
    );
    // The top bar's buttons are visited once, left to right.
    let top = seen.iter().map(|r| r.min.y).fold(f32::INFINITY, f32::min);
    let bar: Vec<f32> = seen
        .iter()
        .filter(|r| (r.min.y - top).abs() < 4.0)
        .map(|r| r.min.x)
        .collect();
    assert!(bar.len() >= 5, "{seen:#?}");
    assert!(
        bar.windows(2).all(|w| w[0] < w[1]),
        "the top bar, right to left: {bar:?}"
    );
}

/// A person verified on the demo's phone, a good photo approved and one failed (and `extra`
/// added too), on Done.
fn done_with_a_failed_row(
    world: &World,
    extra: Option<&std::path::Path>,
) -> Harness<'static, KioskApp> {
    let mut h = harness(world.demo());
    start_session(&mut h, "Minji");
    click(&mut h, "Simulate the phone: pass");
    wait_for(&mut h, "Assets: add the person's photos and videos");
    let good = world.photo("minji-front.jpg");
    let bad = world.photo("minji-fail.jpg");
    let mut paths = vec![good.as_path(), bad.as_path()];
    paths.extend(extra);
    add_paths(&mut h, &paths);
    click(&mut h, "Upload and submit 2 asset(s)");
    wait_for(&mut h, "Done: some assets need another photo");
    h
}

/// Replace opens with the keyboard in its field, Esc closes it, and Enter there replaces.
#[test]
fn replace_focuses_its_field_and_enter_replaces() {
    let world = World::quick();
    let mut h = done_with_a_failed_row(&world, None);
    click(&mut h, "Replace minji-fail");
    let field = "Replacement URL or file path";
    assert!(
        h.get_by_label(field).is_focused(),
        "the field has the keyboard"
    );
    // Esc closes the dialog; opened again, the field has the keyboard again.
    press(&mut h, egui::Key::Escape, egui::Modifiers::NONE);
    h.step();
    assert!(h.query_by_label(field).is_none(), "Esc closes Replace");
    click(&mut h, "Replace minji-fail");
    assert!(h.get_by_label(field).is_focused());
    let better = world.photo("minji-better.jpg");
    h.event(egui::Event::Paste(better.display().to_string()));
    h.step();
    press(&mut h, egui::Key::Enter, egui::Modifiers::NONE);
    wait_for(&mut h, "Done: every asset is approved");
}

/// Settings set the staff PIN outside kiosk mode (typed twice); kiosk mode then locks with it,
/// and the PIN question opens with the keyboard in its field.
#[test]
fn the_pin_is_set_in_settings_and_kiosk_mode_then_locks_with_it() {
    let i = I18n::new(UiLang::En);
    let world = World::quick();
    let mut h = harness(world.demo());
    wait_for(&mut h, "Start: who is being verified?");
    click(&mut h, &i.t("nav-settings"));
    type_into(&mut h, &i.t("settings-pin-new"), "135790");
    type_into(&mut h, &i.t("settings-pin-again"), "135799");
    click(&mut h, &i.t("settings-pin-save"));
    wait_for(&mut h, &i.t("settings-pin-differ"));
    assert!(h.state().settings().kiosk_pin_hash.is_none());
    h.get_by_label(&i.t("settings-pin-again")).focus();
    h.step();
    press(&mut h, egui::Key::A, egui::Modifiers::COMMAND);
    h.event(egui::Event::Paste("135790".into()));
    h.step();
    click(&mut h, &i.t("settings-pin-save"));
    wait(&mut h, "the PIN saved", |h| {
        h.state().settings().kiosk_pin_hash.is_some()
    });
    drop(h);

    // Started again with --kiosk, from what was saved.
    let (saved, _) = avatar_kiosk::config::Settings::load(&world.data_dir());
    assert!(saved.kiosk_pin_hash.is_some(), "saved in settings.json");
    let mut launch = world.demo();
    launch.settings = saved;
    launch.settings.ui_language = Some(UiLang::En);
    launch.kiosk = true;
    let mut h = harness(launch);
    wait_for(&mut h, "Start: who is being verified?");
    click(&mut h, &i.t("nav-settings"));
    wait_for(&mut h, &i.t("pin-title"));
    assert_ne!(
        h.state().screen(),
        avatar_kiosk::ui::Screen::Settings,
        "locked"
    );
    assert!(
        h.get_by_label(&i.t("pin-field")).is_focused(),
        "the PIN field has the keyboard"
    );
    h.event(egui::Event::Paste("135790".into()));
    h.step();
    press(&mut h, egui::Key::Enter, egui::Modifiers::NONE);
    wait_for(&mut h, &i.t("settings-save"));
}

/// A failed row's reason, and a blocked row's, are the words the window shows, in the CSV and
/// the JSON export; the status is the window's word too.
#[test]
fn a_rows_reason_is_the_same_on_screen_and_in_the_exports() {
    let i = I18n::new(UiLang::En);
    let world = World::quick();
    let notes = world.dir.path().join("notes.jpg");
    std::fs::write(&notes, "not a photo").unwrap();
    let h = done_with_a_failed_row(&world, Some(&notes));

    let session = h.state().current_session().unwrap().clone();
    let say = |m: &avatar_kiosk::text::Msg| i.msg(m);
    let csv = avatar_kiosk::flow::export::to_csv(&session, &say).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&avatar_kiosk::flow::export::to_json(&session, &say)).unwrap();
    for (name, status, words) in [
        ("minji-fail", "failed", "face does not match"),
        ("notes", "blocked", "not a JPEG"),
    ] {
        // The reason as the window's reason column shows it.
        let shown = h
            .query_all_by_label_contains(words)
            .map(|n| {
                let node = n.accesskit_node();
                node.label()
                    .filter(|l| !l.is_empty())
                    .or_else(|| node.value())
                    .unwrap_or_default()
            })
            .next()
            .unwrap_or_else(|| panic!("no reason for {name} on screen"));
        assert!(csv.contains(&shown), "CSV lacks {shown:?}:\n{csv}");
        let row = json["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap();
        assert_eq!(row["reason"], shown, "{row}");
        assert_eq!(row["status"], status, "{row}");
        assert!(csv.contains(&format!("{name},")) && csv.contains(&format!(",{status},")));
    }
}
