//! The whole wizard: start, QR code, the phone's pass through the simulator, assets by path,
//! submit, rows reaching Active and Failed, copying a URL, replacing the failed one; an expired
//! link; a wrong key.

use std::time::Duration;

use avatar_kiosk::flow::{AssetState, Stage};
use avatar_kiosk::sim::SimConfig;
use avatar_kiosk::store::Store;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::{World, add_paths, click, harness, shows, start_session, type_into, wait, wait_for};

#[test]
fn the_whole_wizard_against_the_simulator() {
    let world = World::quick();
    let mut h = harness(world.demo());
    wait_for(&mut h, "Start: who is being verified?");
    // Start stays disabled without a name.
    assert!(
        h.get_by_label("Start verification")
            .accesskit_node()
            .is_disabled()
    );
    start_session(&mut h, "Minji Kim");
    assert!(shows(&h, "QR code of the verification link"));
    assert!(shows(&h, "Waiting for the phone"));

    click(&mut h, "Simulate the phone: pass");
    wait_for(&mut h, "Assets: add the person's photos and videos");
    let session = h.state().current_session().unwrap().clone();
    assert_eq!(session.stage(), Stage::Assets);
    assert!(session.group_id().is_some());

    let good = world.photo("minji-front.jpg");
    let bad = world.photo("minji-fail.jpg");
    let third = world.photo("minji-side.jpg");
    add_paths(&mut h, &[&good, &bad, &third]);
    assert!(shows(&h, "Preview of minji-front"), "thumbnails are shown");
    click(&mut h, "Upload and submit 3 asset(s)");
    wait_for(&mut h, "Done: some assets need another photo");

    // Two approved, one refused by review with the reason and what to do.
    assert_eq!(h.get_all_by_label("Active").count(), 2);
    assert_eq!(h.get_all_by_label("Failed").count(), 1);
    assert!(shows(&h, "The face does not match the verified person"));

    // Copying one asset URL puts exactly that URL on the clipboard.
    let url = h
        .state()
        .current_session()
        .unwrap()
        .current_assets()
        .find_map(|a| match &a.state {
            AssetState::Active { asset_url, .. } if a.name == "minji-front" => {
                Some(asset_url.clone())
            }
            _ => None,
        })
        .unwrap();
    assert!(url.starts_with("asset://"));
    h.get_by_label("Copy the asset URL of minji-front").click();
    h.step();
    let copied = crate::copied(&h);
    assert_eq!(copied, vec![url]);

    // Replace the failed row with another photo: everything ends approved.
    click(&mut h, "Replace minji-fail");
    // A path that does not exist is refused, and the reason stays until the text changes.
    type_into(&mut h, "Replacement URL or file path", "/nowhere/minji.jpg");
    click(&mut h, "Replace");
    for _ in 0..5 {
        h.step();
    }
    assert!(shows(&h, "/nowhere/minji.jpg: there is no such file"));
    click(&mut h, "Cancel");
    click(&mut h, "Replace minji-fail");
    // The same text again, not yet tried: no reason is shown before Replace is pressed.
    type_into(&mut h, "Replacement URL or file path", "/nowhere/minji.jpg");
    assert!(
        !shows(&h, "there is no such file"),
        "a new dialog starts clean"
    );
    click(&mut h, "Cancel");
    click(&mut h, "Replace minji-fail");
    let better = world.photo("minji-better.jpg");
    type_into(
        &mut h,
        "Replacement URL or file path",
        &better.display().to_string(),
    );
    click(&mut h, "Replace");
    wait_for(&mut h, "Done: every asset is approved");
    assert_eq!(h.get_all_by_label("Active").count(), 3);

    // The store agrees with the screen.
    let id = h.state().current_session().unwrap().id.clone();
    drop(h);
    let store = Store::open_in(&world.data_dir()).unwrap();
    let saved = store.load(&id).unwrap().unwrap();
    assert_eq!(saved.stage(), Stage::FinishedAllApproved);
    assert_eq!(saved.current_assets().count(), 3);
    let counters = world.sim.counters();
    assert!(counters.token_uses.values().all(|n| *n == 1));
    assert!(
        counters.submitted.values().all(|n| *n == 1),
        "{:?}",
        counters.submitted
    );
}

#[test]
fn an_expired_link_offers_only_a_new_code() {
    let world = World::quick();
    let mut launch = world.demo();
    let quick = launch.adjust.clone().unwrap();
    launch.adjust = Some(std::sync::Arc::new(move |c| {
        quick(c);
        c.link_ttl = Duration::from_millis(1500);
    }));
    let mut h = harness(launch);
    start_session(&mut h, "Maria Lopez");
    let first = h
        .state()
        .current_session()
        .unwrap()
        .link()
        .unwrap()
        .h5_link
        .clone();
    wait_for(&mut h, "This code has expired");
    for gone in [
        "Simulate the phone: pass",
        "The phone shows success",
        "Copy link",
        "QR code of the verification link",
    ] {
        assert!(!shows(&h, gone), "an expired code still shows {gone}");
    }
    assert!(h.query_by_label("New code").is_some());
    click(&mut h, "New code");
    wait(&mut h, "a new link", |h| {
        h.state()
            .current_session()
            .and_then(|s| s.link())
            .is_some_and(|l| l.h5_link != first)
            && shows(h, "Expires in")
    });
}

#[test]
fn a_wrong_key_says_so_and_points_to_settings() {
    let world = World::new(SimConfig {
        key: Some("the-right-key".into()),
        ..SimConfig::default()
    });
    let mut h = harness(world.real("a-wrong-key"));
    type_into(&mut h, "Person's name", "Wei Wang");
    click(&mut h, "Start verification");
    let en = avatar_kiosk::ui::i18n::I18n::new(avatar_kiosk::ui::i18n::UiLang::En);
    let ko = avatar_kiosk::api::Language::Ko;
    crate::pad::hand_over_and_sign(&mut h, &en, "Wei Wang", ko, wait_for);
    wait_for(&mut h, "Check the API key in Settings");
    // Nothing about the key itself leaks into what is shown.
    for t in h.state().toast_texts() {
        assert!(!t.contains("a-wrong-key"));
    }
    let open = h.get_all_by_label("Open Settings").next().unwrap();
    open.click();
    h.step();
    h.step();
    wait_for(&mut h, "APIMart API key");
    assert_eq!(h.state().screen(), avatar_kiosk::ui::Screen::Settings);
}

/// The repaint the last frame asked for (`Duration::MAX` when none).
fn repaint_delay(h: &egui_kittest::Harness<'_, avatar_kiosk::ui::KioskApp>) -> Duration {
    h.output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map_or(Duration::ZERO, |v| v.repaint_delay)
}

#[test]
fn an_idle_window_asks_for_no_repaint_and_the_countdown_for_one_a_second() {
    let world = World::quick();
    let mut h = harness(world.demo());
    wait(&mut h, "the engine", |h| {
        shows(h, "Start: who is being verified?")
    });
    // Let the first frames (sizing passes, the engine's hello, a late answer of its first
    // reads on a loaded machine) settle: a screen at rest asks for no repaint within a few
    // settling rounds; one that keeps repainting never does.
    let mut delays = Vec::new();
    for _ in 0..20 {
        h.try_run().expect("the Start screen settles");
        h.step();
        delays.push(repaint_delay(&h));
        if delays.last() == Some(&Duration::MAX) {
            break;
        }
    }
    assert_eq!(
        delays.last(),
        Some(&Duration::MAX),
        "an idle Start screen repaints: {delays:?}"
    );

    start_session(&mut h, "Idle Person");
    // Click somewhere neutral so no text field holds a blinking cursor.
    h.hover_at(egui::pos2(900.0, 800.0));
    for _ in 0..5 {
        h.step();
    }
    let delay = repaint_delay(&h);
    assert!(
        delay > Duration::ZERO && delay <= Duration::from_secs(1),
        "the countdown asks for {delay:?}"
    );
}

#[test]
fn photos_added_on_the_verify_step_go_by_themselves_and_a_blocked_one_stays_behind() {
    let world = World::quick();
    let mut h = harness(world.demo());
    start_session(&mut h, "Early Bird");
    let good = world.photo("early-front.jpg");
    let bad = good.with_file_name("early-notes.jpg");
    std::fs::write(&bad, "just text, not a photo").unwrap();
    // The staff view of the QR screen takes files while the person is on the phone.
    add_paths(&mut h, &[&good, &bad]);
    assert!(shows(&h, "QR code of the verification link"));
    assert!(shows(&h, "Preview of early-front"));
    assert!(shows(&h, "This is not a JPEG, PNG, WebP or GIF image"));
    wait(&mut h, "the upload before verification", |h| {
        h.state().current_session().is_some_and(|s| {
            s.stage() == Stage::Verify
                && s.current_assets()
                    .any(|a| matches!(a.state, AssetState::Uploaded { .. }))
        })
    });
    assert_eq!(world.sim.counters().op("submit"), 0);

    click(&mut h, "Simulate the phone: pass");
    wait_for(&mut h, "Done: some assets need another photo");
    let counters = world.sim.counters();
    assert_eq!(
        counters.op("submit"),
        1,
        "one submit, without pressing Submit"
    );
    assert_eq!(counters.submitted.len(), 1, "{:?}", counters.submitted);
    assert!(counters.submitted.keys().all(|k| !k.contains("notes")));
    let s = h.state().current_session().unwrap().clone();
    let notes = s
        .current_assets()
        .find(|a| a.name == "early-notes")
        .unwrap();
    assert!(notes.is_held(), "{:?}", notes.state);
}

/// Start from the keyboard alone, as the Windows smoke test drives it: the name field has the
/// cursor on arrival, and Ctrl+Enter goes on to the person's consent.
#[test]
fn start_runs_from_the_keyboard_alone() {
    let world = World::quick();
    let mut h = harness(world.demo());
    wait_for(&mut h, "Start: who is being verified?");
    assert!(
        h.get_by_label("Person's name")
            .accesskit_node()
            .is_focused(),
        "the name field has the cursor when Start shows"
    );
    h.event(egui::Event::Text("Ana Souza".into()));
    h.step();
    crate::press(&mut h, egui::Key::Enter, egui::Modifiers::COMMAND);
    wait_for(&mut h, "Hand the screen to Ana Souza");
    let en = avatar_kiosk::ui::i18n::I18n::new(avatar_kiosk::ui::i18n::UiLang::En);
    let ko = avatar_kiosk::api::Language::Ko;
    crate::pad::hand_over_and_sign(&mut h, &en, "Ana Souza", ko, wait_for);
    wait_for(&mut h, "Expires in");
    assert!(shows(&h, "Ana Souza"));
}
