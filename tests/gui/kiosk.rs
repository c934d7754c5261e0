//! Kiosk mode: Settings and History behind the staff PIN, the person's screen showing nothing
//! private, and the idle reset after a finished session.

use avatar_kiosk::flow::sample::reviewed_session;
use avatar_kiosk::store::Store;
use avatar_kiosk::ui::Screen;
use avatar_kiosk::ui::i18n::{I18n, UiLang};
use avatar_kiosk::ui::kiosk::hash_pin;

use egui_kittest::kittest::{NodeT, Queryable};

use crate::{World, click, harness, shows, start_session, type_into, wait, wait_for};

const PIN: &str = "246813";

/// Types the staff PIN, unlocks, and waits for `then` to show.
fn unlock(h: &mut egui_kittest::Harness<'_, avatar_kiosk::ui::KioskApp>, then: &str) {
    type_into(h, "PIN", PIN);
    click(h, "Unlock");
    wait_for(h, then);
}

fn kiosk(world: &World, idle_secs: u64) -> avatar_kiosk::ui::Launch {
    let mut launch = world.demo();
    launch.kiosk = true;
    launch.settings.kiosk_pin_hash = Some(hash_pin(PIN).unwrap());
    launch.settings.idle_reset_secs = idle_secs;
    launch
}

#[test]
fn settings_and_history_refuse_without_the_pin_and_open_with_it() {
    let world = World::quick();
    let mut h = harness(kiosk(&world, 600));
    wait_for(&mut h, "Start: who is being verified?");
    click(&mut h, "Settings");
    wait_for(&mut h, "Staff PIN");
    assert_ne!(
        h.state().screen(),
        Screen::Settings,
        "Settings opened without a PIN"
    );
    assert!(!shows(&h, "APIMart API key"));

    type_into(&mut h, "PIN", "1111");
    click(&mut h, "Unlock");
    wait_for(&mut h, "That PIN is not right.");
    assert!(!shows(&h, "APIMart API key"));

    unlock(&mut h, "APIMart API key");
    assert_eq!(h.state().screen(), Screen::Settings);
    // Unlocked, History opens too; Lock closes both again.
    click(&mut h, "History");
    wait_for(&mut h, "Every person onboarded on this computer.");
    click(&mut h, "Lock");
    click(&mut h, "History");
    wait_for(&mut h, "Staff PIN");
    assert!(!shows(&h, "Every person onboarded on this computer."));
    // Unlocked again, then the next person comes: the PIN is asked again.
    unlock(&mut h, "Every person onboarded on this computer.");
    click(&mut h, "New person");
    click(&mut h, "History");
    wait_for(&mut h, "Staff PIN");
    assert!(!shows(&h, "Every person onboarded on this computer."));
}

#[test]
fn the_persons_screen_shows_only_the_code_and_what_to_do() {
    let world = World::quick();
    // Another person's finished session is in the store.
    std::fs::create_dir_all(world.data_dir()).unwrap();
    let mut store = Store::open_in(&world.data_dir()).unwrap();
    store
        .save(
            &reviewed_session("othersession000000", "Another Person", 3, 1_790_000_000_000),
            1_790_000_000_000,
            &[],
        )
        .unwrap();
    drop(store);
    let mut launch = world.real("sk-visible-secret-key");
    launch.kiosk = true;
    launch.settings.kiosk_pin_hash = Some(hash_pin(PIN).unwrap());
    let mut h = harness(launch);
    // Staff unlocked Settings earlier: showing the person's screen locks again.
    click(&mut h, "Settings");
    wait_for(&mut h, "Staff PIN");
    unlock(&mut h, "APIMart API key");
    click(&mut h, "New person");
    type_into(&mut h, "Note (optional)", "private staff note");
    start_session(&mut h, "Ji-ho Han");
    click(&mut h, "Show to the person");
    // The person chose Korean on Start (the default): their screen speaks it.
    let ko = I18n::new(UiLang::Ko);
    wait_for(&mut h, &ko.t("person-scan"));
    assert!(shows(&h, &ko.t("qr-alt")));
    assert!(shows(&h, "이 코드는"), "the countdown, in Korean");
    for private in [
        "Ji-ho Han",
        "Another Person",
        "private staff note",
        "sk-visible-secret-key",
        "Settings",
        "History",
        "New person",
        "Cancel this session",
        "The phone shows success",
        "Copy link",
    ] {
        assert!(!shows(&h, private), "the person's screen shows {private:?}");
    }
    // Back to staff only with the PIN.
    click(&mut h, "Staff");
    wait_for(&mut h, "Staff PIN");
    assert!(
        !shows(&h, "Ji-ho Han"),
        "the staff view came back without the PIN"
    );
    unlock(&mut h, "Ji-ho Han");
}

#[test]
fn a_finished_session_clears_from_the_screen_after_the_idle_time() {
    let world = World::quick();
    let photo = world.photo("idle-front.jpg");
    let mut h = harness(kiosk(&world, 1));
    start_session(&mut h, "Idle Reset");
    click(&mut h, "Simulate the phone: pass");
    wait_for(&mut h, "Assets: add the person's photos and videos");
    crate::add_paths(&mut h, &[&photo]);
    click(&mut h, "Upload and submit 1 asset(s)");
    wait_for(&mut h, "Done: every asset is approved");
    // Nobody touches the window: it returns to Start and the name is gone.
    wait(&mut h, "the idle reset", |h| {
        shows(h, "Start: who is being verified?") && !shows(h, "Idle Reset")
    });
    assert!(h.state().current_session().is_none());
    assert!(!shows(&h, "idle-front"));
    // The reset also locked the staff screens.
    click(&mut h, "History");
    wait_for(&mut h, "Staff PIN");
}

fn monitor(x: i32, primary: bool) -> avatar_kiosk::platform::monitors::Monitor {
    avatar_kiosk::platform::monitors::Monitor {
        x,
        y: 0,
        width: 1920,
        height: 1080,
        primary,
    }
}

#[test]
fn a_second_monitor_gets_the_persons_screen_by_itself() {
    let world = World::quick();
    let ko = I18n::new(UiLang::Ko);
    // One monitor: the window switches, so staff get the button.
    let mut launch = kiosk(&world, 600);
    launch.monitors = Some(vec![monitor(0, true)]);
    let mut h = harness(launch);
    start_session(&mut h, "Ji-ho Han");
    assert!(shows(&h, "Show to the person"));
    assert!(!shows(&h, &ko.t("person-scan")));
    assert_eq!(h.state().person_window(), None);
    drop(h);

    // Two monitors: the person's screen opens on the other one while staff keep theirs.
    let world = World::quick();
    let mut launch = kiosk(&world, 600);
    launch.monitors = Some(vec![monitor(0, true), monitor(1920, false)]);
    let mut h = harness(launch);
    // The harness draws the second window inside the first, over the staff's controls, so
    // this part clicks through accessibility actions rather than the pointer.
    type_into(&mut h, "Person's name", "Ji-ho Han");
    h.get_by_label("Start verification").click_accesskit();
    h.step();
    h.step();
    // The consent is on the person's window; staff wait, with no way to answer for them.
    wait_for(&mut h, "Ji-ho Han is reading the consent on their screen");
    assert!(h.query_by_label("Give the screen to Ji-ho Han").is_none());
    crate::pad::person_signs(&mut h, avatar_kiosk::api::Language::Ko, wait_for);
    wait_for(&mut h, "Expires in");
    wait_for(&mut h, &ko.t("person-scan"));
    assert!(shows(&h, "Ji-ho Han"), "the staff view stays");
    assert!(!shows(&h, "Show to the person"), "no switch is needed");
    // The staff window is on the primary monitor (or its place is unknown, which counts the
    // same), so the person's screen goes full screen on the other one.
    assert_eq!(h.state().person_window(), Some(Some(1)));

    // Settings can force the switch even with two monitors.
    let world = World::quick();
    let mut launch = kiosk(&world, 600);
    launch.monitors = Some(vec![monitor(0, true), monitor(1920, false)]);
    launch.settings.person_screen = avatar_kiosk::config::PersonScreen::Switch;
    let mut h = harness(launch);
    start_session(&mut h, "Ji-ho Han");
    assert!(shows(&h, "Show to the person"));
    assert!(!shows(&h, &ko.t("person-scan")));
    assert_eq!(h.state().person_window(), None);
}

#[test]
fn wrong_pins_make_the_next_try_wait() {
    let world = World::quick();
    let mut h = harness(kiosk(&world, 600));
    click(&mut h, "Settings");
    wait_for(&mut h, "Staff PIN");
    for _ in 0..3 {
        type_into(&mut h, "PIN", "000000");
        click(&mut h, "Unlock");
        wait(&mut h, "the PIN check", |h| {
            !shows(h, "Checking") && shows(h, "That PIN is not right.")
        });
    }
    wait_for(&mut h, "Too many wrong PINs. Try again in");
    // Even the right PIN waits: the button is off until the delay has passed.
    type_into(&mut h, "PIN", PIN);
    assert!(h.get_by_label("Unlock").accesskit_node().is_disabled());
    assert_ne!(h.state().screen(), Screen::Settings);
}

#[test]
fn kiosk_mode_without_a_known_pin_stays_locked() {
    let world = World::quick();
    let mut launch = kiosk(&world, 600);
    launch.settings.kiosk_pin_hash = None;
    let mut h = harness(launch);
    click(&mut h, "Settings");
    wait_for(&mut h, "No staff PIN is known");
    type_into(&mut h, "PIN", "123456");
    click(&mut h, "Unlock");
    wait_for(&mut h, "That PIN is not right.");
    assert_ne!(h.state().screen(), Screen::Settings, "fails closed");
}

/// Staff unlocked History earlier: turning the screen to the person for their consent locks
/// the staff screens again, before the person holds it.
#[test]
fn the_consent_hand_over_locks_the_staff_screens_again() {
    let world = World::quick();
    let mut h = harness(kiosk(&world, 600));
    click(&mut h, "History");
    wait_for(&mut h, "Staff PIN");
    unlock(&mut h, "History");
    click(&mut h, "New person");
    type_into(&mut h, "Person's name", "Ji-ho Han");
    click(&mut h, "Start verification");
    wait_for(&mut h, "Give the screen to Ji-ho Han");
    click(&mut h, "History");
    wait_for(&mut h, "Staff PIN");
    assert_ne!(h.state().screen(), Screen::History, "locked again");
}
