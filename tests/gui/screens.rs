//! History (resume after a restart, delete with confirmation) and Settings (the key, the
//! connection test, switching from the demo to the real API).

use avatar_kiosk::config::Settings;
use avatar_kiosk::flow::Stage;
use avatar_kiosk::sim::SimConfig;
use avatar_kiosk::store::Store;
use avatar_kiosk::ui::Screen;

use crate::{
    World, add_paths, click, harness, replace_text, shows, start_session, type_into, wait, wait_for,
};

#[test]
fn history_resumes_a_session_after_the_app_restarts() {
    let world = World::quick();
    let photo = world.photo("jisoo-1.jpg");
    let id = {
        let mut h = harness(world.demo());
        start_session(&mut h, "Jisoo Park");
        click(&mut h, "Simulate the phone: pass");
        wait_for(&mut h, "Assets: add the person's photos and videos");
        add_paths(&mut h, &[&photo]);
        h.state().current_session().unwrap().id.clone()
        // The window closes here with the asset staged and nothing sent.
    };

    let mut h = harness(world.demo());
    // Leave the resumed session, then find it in History.
    wait(&mut h, "the engine", |h| {
        h.state().current_session().is_some()
    });
    click(&mut h, "New person");
    click(&mut h, "History");
    wait_for(&mut h, "Resume Jisoo Park");
    assert!(shows(&h, "Adding assets"));
    click(&mut h, "Resume Jisoo Park");
    wait_for(&mut h, "Assets: add the person's photos and videos");
    assert_eq!(h.state().current_session().unwrap().id, id);
    assert!(shows(&h, "jisoo-1"), "the staged row survived the restart");
    wait(&mut h, "the row's check", |h| !shows(h, "Checking"));
    click(&mut h, "Upload and submit 1 asset(s)");
    wait_for(&mut h, "Done: every asset is approved");
}

#[test]
fn delete_asks_first_and_removes_only_local_data() {
    let world = World::quick();
    let mut h = harness(world.demo());
    start_session(&mut h, "Ana Silva");
    let id = h.state().current_session().unwrap().id.clone();
    click(&mut h, "Cancel this session");
    wait(&mut h, "the cancel", |h| {
        h.state()
            .current_session()
            .is_some_and(|s| s.stage() == Stage::Cancelled)
    });
    click(&mut h, "History");
    wait_for(&mut h, "Delete Ana Silva");
    click(&mut h, "Delete Ana Silva");
    wait_for(&mut h, "Delete Ana Silva?");
    click(&mut h, "Keep");
    assert!(shows(&h, "Open Ana Silva"), "Keep deletes nothing");
    click(&mut h, "Delete Ana Silva");
    wait_for(&mut h, "Delete Ana Silva?");
    click(&mut h, "Delete");
    wait(&mut h, "the row to go", |h| !shows(h, "Open Ana Silva"));
    wait_for(&mut h, "No sessions yet.");
    drop(h);
    let store = Store::open_in(&world.data_dir()).unwrap();
    assert!(store.load(&id).unwrap().is_none());
}

#[test]
fn settings_test_the_key_and_a_stored_key_ends_the_demo() {
    // The "real" API is a second simulator that accepts only one key.
    let world = World::quick();
    let real = World::new(SimConfig {
        key: Some("sk-right".into()),
        ..SimConfig::default()
    });
    let mut launch = world.demo();
    launch.settings = Settings {
        base_url: real.sim.base_url(),
        callback: avatar_kiosk::config::CallbackChoice::Loopback,
        ui_language: Some(avatar_kiosk::ui::i18n::UiLang::En),
        ..Settings::default()
    };
    if let Some(d) = launch.demo.as_mut() {
        d.forced = false;
    }
    let store = launch.secrets.api_key.clone();
    let mut h = harness(launch);
    click(&mut h, "Settings");
    wait_for(&mut h, "No key is stored.");

    type_into(&mut h, "New key", "sk-wrong");
    click(&mut h, "Test connection");
    wait_for(&mut h, "Check the API key in Settings");

    replace_text(&mut h, "New key", "sk-right");
    click(&mut h, "Test connection");
    wait_for(&mut h, "APIMart answered and accepted the key.");

    click(&mut h, "Save key");
    wait_for(&mut h, "The demo has ended");
    assert!(!h.state().is_demo());
    assert_eq!(
        store
            .get()
            .unwrap()
            .map(|k| k == avatar_kiosk::api::ApiKey::new("sk-right")),
        Some(true)
    );
    // The field is cleared once the key is stored, and the banner is gone.
    assert!(!shows(&h, "Demo: everything runs"));
    assert_eq!(h.state().screen(), Screen::Settings);
}

#[test]
fn a_start_sent_while_the_engine_restarts_is_not_lost() {
    let world = World::quick();
    let mut launch = world.demo();
    // Restarts (every start after the first) wait until the test lets them go.
    let (release, gate) = std::sync::mpsc::sync_channel::<()>(1);
    let gate = std::sync::Mutex::new(gate);
    let starts = std::sync::atomic::AtomicUsize::new(0);
    let quick = launch.adjust.clone().unwrap();
    launch.adjust = Some(std::sync::Arc::new(move |c| {
        quick(c);
        if starts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
            let _ = gate
                .lock()
                .unwrap()
                .recv_timeout(std::time::Duration::from_secs(30));
        }
    }));
    let mut h = harness(launch);
    click(&mut h, "Settings");
    wait_for(&mut h, "Phone's redirect");
    // A new callback choice restarts the engine, on a job thread: the window goes on.
    click(
        &mut h,
        "The studio's own callback URL (staff confirm by hand)",
    );
    type_into(
        &mut h,
        "Callback URL",
        "https://studio.example/cb/{session}",
    );
    click(&mut h, "Save settings");
    assert!(h.state().engine_restarting());
    click(&mut h, "New person");
    type_into(&mut h, "Person's name", "Ana Silva");
    click(&mut h, "Start verification");
    for _ in 0..5 {
        h.step();
    }
    assert!(h.state().engine_restarting(), "the gate holds the restart");
    assert!(!shows(&h, "Expires in"));
    // The new engine comes up and answers with the consent text that waited for it; the
    // person signs and the session starts on it.
    release.send(()).unwrap();
    let en = avatar_kiosk::ui::i18n::I18n::new(avatar_kiosk::ui::i18n::UiLang::En);
    let ko = avatar_kiosk::api::Language::Ko;
    crate::pad::hand_over_and_sign(&mut h, &en, "Ana Silva", ko, wait_for);
    wait_for(&mut h, "Expires in");
    assert!(!h.state().engine_restarting());
    assert!(
        h.state().toast_texts().iter().all(|t| !t.contains("busy")),
        "{:?}",
        h.state().toast_texts()
    );
}

#[test]
fn without_a_key_the_demo_never_touches_the_real_records() {
    let world = World::quick();
    // A real person's session, interrupted while its code was being asked for.
    std::fs::create_dir_all(world.data_dir()).unwrap();
    let mut real = avatar_kiosk::flow::Session::new(
        "real0000000000000000000000000001".into(),
        "Real Person".into(),
        String::new(),
        "default".into(),
        avatar_kiosk::api::Language::Ko,
        1_000,
    );
    real.verification = avatar_kiosk::flow::Verification::Issuing;
    Store::open_in(&world.data_dir())
        .unwrap()
        .save(&real, 1_000, &[])
        .unwrap();
    let db = world.data_dir().join(avatar_kiosk::store::DB_FILE);
    let before = std::fs::read(&db).unwrap();

    // No key could be read: the demo runs, in its own folder.
    let mut launch = world.demo();
    if let Some(d) = launch.demo.as_mut() {
        d.forced = false;
    }
    let mut h = harness(launch);
    start_session(&mut h, "Demo Person");
    assert_eq!(
        world.sim.counters().op("create_session"),
        1,
        "only the demo person's code; the real session was not resumed on the simulator"
    );
    let demo_id = h.state().current_session().unwrap().id.clone();
    drop(h);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the real database is untouched"
    );
    let demo = Store::open_in(&world.data_dir().join("demo")).unwrap();
    assert!(demo.load(&demo_id).unwrap().is_some());
    assert!(demo.load(&real.id).unwrap().is_none());
}

#[test]
fn the_stored_key_is_never_sent_to_an_edited_address() {
    let world = World::quick();
    let elsewhere = World::quick();
    let mut h = harness(world.real("sk-stored"));
    click(&mut h, "Settings");
    replace_text(&mut h, "API address", &elsewhere.sim.base_url());
    click(&mut h, "Test connection");
    wait_for(&mut h, "The address was changed: type the key again");
    assert!(
        elsewhere.sim.counters().ops.is_empty(),
        "nothing reached the edited address: {:?}",
        elsewhere.sim.counters().ops
    );
}

#[test]
fn an_engine_restart_keeps_the_callback_address() {
    let world = World::quick();
    let mut h = harness(world.real("sk-any"));
    wait(&mut h, "the listener", |h| {
        h.state().callback_address().is_some()
    });
    let before = h.state().callback_address().unwrap().to_string();
    click(&mut h, "Settings");
    wait_for(&mut h, "Phone's redirect");
    // The same API under another name restarts the engine; the phone's address must not move.
    let other_name = world.sim.base_url().replace("127.0.0.1", "localhost");
    replace_text(&mut h, "API address", &other_name);
    click(&mut h, "Save settings");
    wait(&mut h, "the restart", |h| !h.state().engine_restarting());
    wait(&mut h, "the listener again", |h| {
        h.state().callback_address().is_some()
    });
    assert_eq!(h.state().callback_address().unwrap(), before);
}

/// A shared roster that cannot be reached: the window says so and starts nobody new, while the
/// demo (whose people never reach a roster) is not affected by the same address.
#[test]
fn a_roster_out_of_reach_is_said_and_nothing_new_starts() {
    let world = World::quick();
    // Nothing listens on port 1 of the loopback.
    let away = "postgres://kiosk@127.0.0.1:1/roster?connect_timeout=1";
    let mut launch = world.real("sk-roster-test");
    launch.desk.roster = Some(away.to_string().into());
    let mut h = harness(launch);
    wait_for(
        &mut h,
        "The shared roster cannot be reached: work stays in this window and is saved when it is back. No new person can start until then.",
    );
    type_into(&mut h, "Person's name", "Mina");
    assert!(
        shows(
            &h,
            "No new person can start while the shared roster cannot be reached. Work already started is kept; try again when it is back."
        ),
        "the Start card says why it waits"
    );
    assert!(h.state().current_session().is_none());
    drop(h);

    let mut demo = world.demo();
    demo.desk.roster = Some(away.to_string().into());
    let mut h = harness(demo);
    start_session(&mut h, "Demo Person");
    assert!(!shows(&h, "The shared roster cannot be reached"));
}
