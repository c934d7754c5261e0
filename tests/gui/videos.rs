//! A local video too long for the upstream, fixed from the window: Fix, a start chosen, the
//! copy in the row's place (ffmpeg makes the video here; skipped without it unless
//! `AVATAR_KIOSK_REQUIRE_FFMPEG` is set, as `.ci/run` does).

use avatar_kiosk::flow::{AssetSource, Check};
use avatar_kiosk::sim::SimConfig;

use crate::{World, add_paths, click, harness, start_session, wait, wait_for};

/// A 20 s test-pattern video made with ffmpeg, when this machine has it.
fn long_video(world: &World) -> Option<std::path::PathBuf> {
    let out = world.dir.path().join("long.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .args([
            "testsrc2=size=640x640:rate=24",
            "-t",
            "20",
            "-c:v",
            "libx264",
        ])
        .args(["-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y"])
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    if !made && std::env::var_os("AVATAR_KIOSK_REQUIRE_FFMPEG").is_some() {
        panic!("ffmpeg is required (AVATAR_KIOSK_REQUIRE_FFMPEG) but did not run");
    }
    made.then_some(out)
}

#[test]
fn a_long_local_video_is_fixed_from_its_row_and_the_original_is_kept() {
    let world = World::new(SimConfig::default());
    let Some(long) = long_video(&world) else {
        return;
    };
    let original = std::fs::read(&long).unwrap();
    let mut h = harness(world.demo());
    wait_for(&mut h, "Start: who is being verified?");
    start_session(&mut h, "Minji Kim");
    add_paths(&mut h, &[&long]);
    wait_for(&mut h, "Press Fix");
    click(&mut h, "Fix long");
    wait_for(&mut h, "Keep 15 s starting at");
    wait_for(&mut h, "Keeps 0.0 s to 14.9 s of 20.0 s.");
    click(&mut h, "Make the copy");
    wait(&mut h, "the fixed copy in the row's place", |h| {
        h.state().current_session().is_some_and(|s| {
            s.current_assets().count() == 1
                && s.current_assets().all(|a| {
                    matches!(&a.source, AssetSource::File { path } if path != &long)
                        && a.check != Check::Pending
                })
        })
    });
    let s = h.state().current_session().unwrap();
    let row = s.current_assets().next().unwrap();
    // Names are unique in a session: the replaced row keeps "long".
    assert!(row.name.starts_with("long"), "{}", row.name);
    let AssetSource::File { path } = &row.source else {
        unreachable!()
    };
    assert!(
        path.to_string_lossy().contains("fixed"),
        "{}",
        path.display()
    );
    // The copy fits; with no bucket set here it cannot go, and the row says only that.
    match &row.check {
        Check::Blocked { reason } => assert_eq!(reason.id(), "media-local-video"),
        other => panic!("{other:?}"),
    }
    let facts = avatar_kiosk::media::video::check_file_blocking(path);
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert_eq!(
        std::fs::read(&long).unwrap(),
        original,
        "the original is kept"
    );
}
