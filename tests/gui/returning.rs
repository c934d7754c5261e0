//! A returning person in the window: from Done to a finished test render, People, and the
//! asset library with its search.

use std::time::Duration;

use avatar_kiosk::flow::RenderState;
use avatar_kiosk::sim::SimConfig;

use egui_kittest::kittest::{NodeT, Queryable};

use crate::{World, add_paths, click, harness, shows, start_session, type_into, wait, wait_for};

#[test]
fn from_done_to_a_finished_test_render_then_people_and_the_library() {
    let world = World::new(SimConfig {
        review_duration: Duration::from_millis(300),
        video_duration: Duration::from_millis(500),
        ..SimConfig::default()
    });
    let mut h = harness(world.demo());
    wait_for(&mut h, "Start: who is being verified?");
    start_session(&mut h, "Minji Kim");
    click(&mut h, "Simulate the phone: pass");
    wait_for(&mut h, "Assets: add the person's photos and videos");
    let front = world.photo("minji-front.jpg");
    let side = world.photo("minji-side.jpg");
    add_paths(&mut h, &[&front, &side]);
    click(&mut h, "Upload and submit 2 asset(s)");
    wait_for(&mut h, "Done: every asset is approved");

    click(&mut h, "Test render…");
    wait_for(&mut h, "Test render for Minji Kim");
    // The default prompt in the person's language, and the estimate before anything is sent.
    assert!(shows(
        &h,
        "Estimated cost: 0.50 USD (5 s × 0.10 USD per second)"
    ));
    click(&mut h, "Fast (-fast-face)");
    // The fast model has its own price.
    assert!(shows(
        &h,
        "Estimated cost: 0.30 USD (5 s × 0.06 USD per second)"
    ));
    click(&mut h, "Continue");
    wait_for(
        &mut h,
        "Send a 5-second render? It is billed: about 0.30 USD.",
    );
    assert_eq!(
        world.sim.counters().op("video"),
        0,
        "nothing sent before the confirmation"
    );
    click(&mut h, "Send the render");
    wait_for(&mut h, "Open the video");
    let s = h.state().current_session().unwrap().clone();
    let RenderState::Done {
        path, thumbnail, ..
    } = &s.renders[0].state
    else {
        panic!("{:?}", s.renders[0].state);
    };
    assert_eq!(
        s.renders[0].request.model(),
        "doubao-seedance-2.0-fast-face"
    );
    assert_eq!(&std::fs::read(path).unwrap()[4..8], b"ftyp");
    assert!(thumbnail.is_some());
    assert!(shows(&h, "doubao-seedance-2.0-fast-face · 5 s · 480p"));
    assert_eq!(world.sim.counters().op("video"), 1);

    // People lists her with her consent; the library has both approved photos.
    click(&mut h, "People");
    wait_for(&mut h, "Add photos for Minji Kim");
    // The version of the studio's text the session recorded (the first, from the defaults).
    assert!(shows(&h, "consent text 1"));
    assert!(shows(&h, "2 approved, 0 failed"));
    click(&mut h, "Library");
    wait_for(&mut h, "2 of 2 approved assets");
    type_into(&mut h, "Search", "side");
    wait_for(&mut h, "1 of 2 approved assets");
    click(&mut h, "Select minji-side of Minji Kim");
    h.get_by_label("Copy 1 selected").click();
    h.step();
    let copied = crate::copied(&h);
    assert_eq!(copied.len(), 1);
    assert!(copied[0].starts_with("asset://") && !copied[0].contains('\n'));

    // Back to People: "Add photos" opens her session ready for more.
    click(&mut h, "People");
    click(&mut h, "Add photos for Minji Kim");
    wait(&mut h, "the add panel", |h| shows(h, "Add more assets"));
    assert_eq!(h.state().current_session().unwrap().id, s.id);
}

#[test]
fn a_group_the_upstream_retired_offers_to_verify_the_person_again() {
    let world = World::quick();
    let mut h = harness(world.demo());
    wait_for(&mut h, "Start: who is being verified?");
    start_session(&mut h, "Ana Souza");
    click(&mut h, "Simulate the phone: pass");
    wait_for(&mut h, "Assets: add the person's photos and videos");
    let front = world.photo("ana-front.jpg");
    add_paths(&mut h, &[&front]);
    click(&mut h, "Upload and submit 1 asset(s)");
    wait_for(&mut h, "Done: every asset is approved");
    let group = h
        .state()
        .current_session()
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    assert!(world.sim.retire_group(&group));

    click(&mut h, "Add more assets");
    let side = world.photo("ana-side.jpg");
    add_paths(&mut h, &[&side]);
    // The session had a row already: wait for the new one's button.
    wait_for(&mut h, "Upload and submit 1 asset(s)");
    click(&mut h, "Upload and submit 1 asset(s)");
    wait_for(&mut h, "Verify again");
    assert!(shows(
        &h,
        "no longer accepts assets for this person's group"
    ));
    click(&mut h, "Verify again");
    wait_for(&mut h, "Start: who is being verified?");
    let name = h.get_by_label("Person's name");
    assert_eq!(name.accesskit_node().value().as_deref(), Some("Ana Souza"));
}
