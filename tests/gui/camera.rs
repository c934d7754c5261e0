//! The desk's camera in the window, with the synthetic camera (ffmpeg makes its picture here;
//! skipped without it unless `AVATAR_KIOSK_REQUIRE_FFMPEG` is set, as `.ci/run` does): the
//! panel's live picture, a photo and a clip taken through it become rows of the session while
//! the phone verifies, and the preview's ffmpeg is gone when the panel closes.

use avatar_kiosk::api::AssetKind;
use avatar_kiosk::flow::{AssetSource, Check};
use avatar_kiosk::ui::camera::COUNTDOWN;

use crate::{World, click, harness, shows, start_session, wait, wait_for};

fn have_ffmpeg() -> bool {
    let found = avatar_kiosk::media::fix::ffmpeg().is_some();
    if !found && std::env::var_os("AVATAR_KIOSK_REQUIRE_FFMPEG").is_some() {
        panic!("ffmpeg is required (AVATAR_KIOSK_REQUIRE_FFMPEG) but not on the PATH");
    }
    found
}

/// The session's current rows of `kind`.
fn rows(h: &egui_kittest::Harness<'_, avatar_kiosk::ui::KioskApp>, kind: AssetKind) -> usize {
    h.state()
        .current_session()
        .map_or(0, |s| s.current_assets().filter(|a| a.kind == kind).count())
}

#[test]
fn a_photo_and_a_clip_taken_in_the_window_become_rows_while_the_phone_verifies() {
    if !have_ffmpeg() {
        return;
    }
    let world = World::quick();
    let mut launch = world.demo();
    launch.settings.camera = Some("test-pattern".into());
    let mut h = harness(launch);
    wait_for(&mut h, "Start: who is being verified?");
    start_session(&mut h, "Minji Kim");
    click(&mut h, "Camera");
    wait(&mut h, "the camera's picture", |h| {
        h.state().camera_state().0 >= 5
    });
    assert!(shows(&h, "The camera's picture"));
    let first = h.state().camera_state();
    assert!(first.1.is_some(), "a preview process runs");
    click(&mut h, "Take photo");
    // The capture holds the camera now; the countdown runs on the same live picture.
    assert_eq!(
        h.state().camera_state().1,
        None,
        "the preview let the camera go"
    );
    wait(&mut h, "the photo's row, checked", |h| {
        h.state().current_session().is_some_and(|s| {
            s.current_assets()
                .any(|a| a.kind == AssetKind::Image && a.check != Check::Pending)
        })
    });
    // The camera is free again (the capture ended): its preview is back.
    wait(&mut h, "the preview again", |h| {
        h.state().camera_state().1.is_some()
    });
    // The 3 s of countdown's frames came from the capture itself (give or take the edges, as
    // the engine's test of a capture's frames allows).
    let after = h.state().camera_state().0;
    let countdown = u64::from(COUNTDOWN * avatar_kiosk::camera::stream::RATE);
    assert!(
        after >= first.0 + countdown * 5 / 6,
        "{} frames, then {after}",
        first.0
    );
    click(&mut h, "Record clip");
    wait_for(&mut h, "Recording:");
    wait(&mut h, "the clip's row, checked", |h| {
        h.state().current_session().is_some_and(|s| {
            s.current_assets()
                .any(|a| a.kind == AssetKind::Video && a.check != Check::Pending)
        })
    });
    assert_eq!(
        (rows(&h, AssetKind::Image), rows(&h, AssetKind::Video)),
        (1, 1)
    );
    let s = h.state().current_session().unwrap().clone();
    assert!(
        s.group_id().is_none(),
        "all of it while the person is on the phone"
    );
    let captures = world.data_dir().join("captures");
    for a in s.current_assets() {
        let AssetSource::File { path } = &a.source else {
            panic!("{:?}", a.source)
        };
        assert!(path.starts_with(&captures), "{}", path.display());
        if let Check::Blocked { reason } = &a.check {
            // The demo has no studio bucket for local videos: that is the only thing said.
            assert!(
                a.kind == AssetKind::Video && reason.id() == "media-local-video",
                "{reason:?}"
            );
        }
    }
    wait(&mut h, "the preview after the clip", |h| {
        h.state().camera_state().1.is_some()
    });
    let pid = h.state().camera_state().1.unwrap();
    click(&mut h, "Close camera");
    assert_eq!(h.state().camera_state().1, None);
    #[cfg(target_os = "linux")]
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "ffmpeg {pid} is still there after the panel closed"
    );
    #[cfg(not(target_os = "linux"))]
    let _ = pid;
}

#[test]
fn outside_the_demo_no_camera_is_said_and_the_test_picture_is_never_the_default() {
    if !have_ffmpeg() {
        return;
    }
    let found = avatar_kiosk::camera::list::cameras(avatar_kiosk::media::fix::ffmpeg());
    if found
        .iter()
        .any(|c| c.kind == avatar_kiosk::camera::Kind::Device)
    {
        eprintln!("skipped: this machine has a camera");
        return;
    }
    let world = World::quick();
    let mut h = harness(world.real("sk-test-camera"));
    wait_for(&mut h, "Start: who is being verified?");
    start_session(&mut h, "Minji Kim");
    click(&mut h, "Camera");
    wait_for(&mut h, "No camera was found on this computer");
    assert_eq!(h.state().camera_state(), (0, None), "nothing runs");
    assert!(
        h.state()
            .current_session()
            .is_some_and(|s| s.current_assets().next().is_none())
    );
}
