//! The desk's camera from the command line, with the synthetic camera (`test-pattern`), which
//! takes the same path as a real one: it is listed, a photo and a 6 s clip are written (only the
//! file asked for) and pass the app's own checks and a separate reading with ffprobe, the hints
//! read a real frame, and a place that cannot take the file is refused before the camera runs.

use std::path::Path;
use std::process::Command;

use avatar_kiosk::camera::hints::{self, Hint};
use serde_json::Value;

use crate::command_line::bin;

fn capture(data: &Path, args: &[&str], out: &Path) -> std::process::Output {
    bin()
        .arg("--data-dir")
        .arg(data)
        .args(["capture", "--json", "--camera", "test-pattern"])
        .args(args)
        .arg(out)
        .output()
        .unwrap()
}

fn event(out: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with('{'));
    serde_json::from_str(line.unwrap_or_else(|| panic!("no JSON line in {text:?}"))).unwrap()
}

/// The files in `dir`, by name.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_synthetic_camera_is_always_listed() {
    let data = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("--data-dir")
        .arg(data.path())
        .args(["cameras", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let cams: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let synthetic: Vec<&Value> = cams.iter().filter(|c| c["kind"] == "synthetic").collect();
    assert_eq!(synthetic.len(), 1, "{cams:?}");
    assert_eq!(synthetic[0]["name"], "test-pattern");
    assert!(
        cams.iter()
            .all(|c| c["id"].is_string() && c["name"].is_string())
    );
}

#[test]
fn a_photo_from_the_camera_is_an_upright_jpeg_without_metadata_and_its_frame_is_judged() {
    if crate::videos::ffmpeg().is_none() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let place = tempfile::tempdir().unwrap();
    let file = place.path().join("photo.jpg");
    let out = capture(data.path(), &["--photo"], &file);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = event(&out);
    assert_eq!(said["kind"], "photo");
    assert_eq!(
        (said["width"].as_u64(), said["height"].as_u64()),
        (Some(1280), Some(720))
    );
    assert_eq!(said["hints"], serde_json::json!([]), "{said}");
    assert_eq!(files(place.path()), vec!["photo.jpg"]);
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(said["bytes"].as_u64(), Some(bytes.len() as u64));
    // The app's own check takes it as it is: a JPEG within every limit, nothing to shrink.
    let prepared = avatar_kiosk::media::prepare_image(&bytes, &Default::default()).unwrap();
    assert_eq!((prepared.width, prepared.height), (1280, 720));
    assert!(!prepared.downscaled);
    // No EXIF, XMP or comment segment: only what a bare JPEG needs.
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF in the photo");
    assert!(
        !bytes.windows(2).any(|w| w == [0xFF, 0xE1]),
        "an APP1 segment"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the photo is readable by others: {mode:o}");
    }
    // The hints on the camera's own frame: none as taken, dark when darkened, blurred when
    // blurred.
    let frame = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(
        hints::of_image(&frame),
        vec![],
        "{:?}",
        hints::measure(&frame)
    );
    let mut dark = frame.clone();
    dark.pixels_mut()
        .for_each(|p| p.0 = p.0.map(|c| (f32::from(c) * 0.2) as u8));
    assert_eq!(hints::of_image(&dark), vec![Hint::Dark]);
    let blurred = image::imageops::blur(&frame, 8.0);
    assert!(
        hints::of_image(&blurred).contains(&Hint::Blurred),
        "{:?}",
        hints::measure(&blurred)
    );
}

#[test]
fn a_clip_from_the_camera_meets_every_limit_by_construction() {
    if crate::videos::ffmpeg().is_none() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let place = tempfile::tempdir().unwrap();
    let file = place.path().join("clip.mp4");
    let out = capture(data.path(), &["--seconds", "6", "--video"], &file);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = event(&out);
    assert_eq!(said["kind"], "video");
    assert_eq!(said["duration_ms"].as_u64(), Some(6000), "{said}");
    assert_eq!(said["hints"], serde_json::json!([]), "{said}");
    assert_eq!(files(place.path()), vec!["clip.mp4"]);
    // The app's own check: nothing to fix.
    let check = avatar_kiosk::media::video::check_file_blocking(&file);
    assert_eq!(check.problems, vec![], "{check:?}");
    let facts = check.facts.unwrap();
    assert_eq!((facts.duration_ms, facts.fps), (6000, 30.0));
    let pixels = u64::from(facts.width) * u64::from(facts.height);
    assert!((409_600..=927_408).contains(&pixels), "{pixels}");
    assert!(facts.bytes < 50 * 1024 * 1024);
    // The index (moov) comes before the data (mdat): it plays while it downloads.
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(
        top_boxes(&bytes)[..2],
        ["ftyp", "moov"],
        "{:?}",
        top_boxes(&bytes)
    );
    probed(&file);
}

/// A separate reading of the clip with ffprobe (Linux and macOS: the Windows test machine has
/// ffmpeg.exe only).
fn probed(file: &Path) {
    let ran = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(file)
        .output();
    let ran = match ran {
        Ok(r) => r,
        Err(_) if cfg!(windows) => return,
        Err(e) => panic!("ffprobe, which comes with ffmpeg, did not run: {e}"),
    };
    let probe: Value = serde_json::from_slice(&ran.stdout).unwrap();
    let streams = probe["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 1, "one video stream, no audio: {probe}");
    let v = &streams[0];
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(v["r_frame_rate"], "30/1");
    assert_eq!(v["avg_frame_rate"], "30/1");
    assert_eq!(v["nb_frames"], "180");
    let duration: f64 = probe["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((duration - 6.0).abs() < 0.05, "{duration}");
    let (w, h) = (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap());
    assert!((409_600..=927_408).contains(&(w * h)) && w % 2 == 0 && h % 2 == 0);
}

/// The names of an MP4's top-level boxes, in order.
fn top_boxes(bytes: &[u8]) -> Vec<String> {
    let mut at = 0usize;
    let mut names = Vec::new();
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        names.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        if size < 8 {
            break;
        }
        at += size;
    }
    names
}

#[test]
fn a_place_that_cannot_take_the_file_is_refused_before_the_camera_runs() {
    let data = tempfile::tempdir().unwrap();
    let place = tempfile::tempdir().unwrap();
    let missing = place.path().join("no-such-folder").join("clip.mp4");
    let out = capture(data.path(), &["--video"], &missing);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said = event(&out);
    assert_eq!(said["event"], "error");
    let message = said["message"].as_str().unwrap();
    assert!(
        message.contains("does not exist") && message.contains("nothing was taken"),
        "{message}"
    );
    let folder = capture(data.path(), &["--photo"], place.path());
    assert_eq!(folder.status.code(), Some(1));
    assert!(
        event(&folder)["message"]
            .as_str()
            .unwrap()
            .contains("is a folder")
    );
    let unknown = bin()
        .arg("--data-dir")
        .arg(data.path())
        .args(["capture", "--camera", "Studio camera 9", "--photo"])
        .arg(place.path().join("x.jpg"))
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        said.contains("Studio camera 9") && said.contains("test-pattern"),
        "{said}"
    );
    assert!(files(place.path()).is_empty(), "{:?}", files(place.path()));
}

#[test]
fn the_preview_delivers_moving_frames_and_leaves_no_process_behind() {
    use avatar_kiosk::camera::stream::{Feed, Preview, SIZE, Sink};
    if crate::videos::ffmpeg().is_none() {
        return;
    }
    let ffmpeg = avatar_kiosk::media::fix::ffmpeg().expect("ffmpeg on the PATH");
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let camera = avatar_kiosk::camera::Camera::test_pattern();
    let sink = Sink::new(move || {
        let _ = tx.try_send(());
    });
    let preview = Preview::start(ffmpeg, &camera, sink, true).unwrap();
    let deadline = std::time::Instant::now() + crate::DEADLINE;
    let mut first = None;
    let last = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(
            rx.recv_timeout(left).is_ok(),
            "no frame in time: {:?}",
            preview.feed()
        );
        match preview.feed() {
            Feed::Live(frame) => {
                let seen = first.get_or_insert_with(|| frame.clone());
                if frame.number >= seen.number + 10 {
                    break frame;
                }
            }
            Feed::Starting => {}
            Feed::Ended(why) => panic!("the preview ended: {why:?}"),
        }
    };
    let first = first.expect("an early frame");
    assert_eq!((last.width, last.height), SIZE);
    assert_eq!(last.rgb.len(), (SIZE.0 * SIZE.1 * 3) as usize);
    assert_ne!(first.rgb, last.rgb, "the picture moves");
    let pid = preview.pid();
    drop(preview);
    #[cfg(target_os = "linux")]
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "ffmpeg {pid} is still there after the preview closed"
    );
    #[cfg(not(target_os = "linux"))]
    let _ = pid;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clip_and_a_photo_taken_while_the_phone_verifies_go_up_then_are_submitted() {
    use avatar_kiosk::api::bucket::Bucket;
    use avatar_kiosk::engine::{CaptureAsk, Command};
    use avatar_kiosk::flow::{AssetSource, AssetState, TokenState};
    let (Some(server), Some(_)) = (crate::bucket::s3(), crate::videos::ffmpeg()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (place, keys) = crate::bucket::fresh_bucket(&server).await;
    let sim = avatar_kiosk::sim::Simulator::start(crate::returning::sim_config())
        .await
        .unwrap();
    let mut config = crate::config(&sim, &dir.path().join("kiosk.sqlite3"));
    config.bucket = Ok(Bucket::new(&place, &keys).unwrap());
    let captures = config.captures_dir.clone();
    let mut run = crate::start(config).await;
    let id = run.begin("Kim Minji", avatar_kiosk::api::Language::Ko);
    let s = run
        .until(&id, "a link", |s| {
            s.link()
                .is_some_and(|l| l.token_state == TokenState::Waiting)
        })
        .await;
    let task = s.link().unwrap().task_id.clone();
    let camera = avatar_kiosk::camera::Camera::test_pattern();
    for clip_seconds in [Some(3), None] {
        let ask = CaptureAsk {
            camera: camera.clone(),
            clip_seconds,
            countdown: 0,
            preview: None,
        };
        run.engine
            .send(Command::Capture(id.clone(), Box::new(ask)))
            .unwrap();
    }
    // Both are sent on their way while the person is still on the phone.
    let s = run
        .until(
            &id,
            "both captures uploaded before the phone finished",
            |s| {
                s.current_assets().count() == 2
                    && s.current_assets()
                        .all(|a| matches!(a.state, AssetState::Uploaded { .. }))
            },
        )
        .await;
    assert!(s.group_id().is_none(), "the phone has not finished yet");
    let mut kinds: Vec<String> = s
        .current_assets()
        .map(|a| format!("{:?}", a.kind))
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["Image", "Video"]);
    for a in s.current_assets() {
        let AssetSource::File { path } = &a.source else {
            panic!("{:?}", a.source)
        };
        assert!(path.starts_with(&captures), "{}", path.display());
        assert!(path.is_file());
        assert_eq!(a.hints, vec![], "{a:?}");
    }
    assert!(
        s.current_assets()
            .any(|a| a.kind == avatar_kiosk::api::AssetKind::Video && a.hosted.is_some()),
        "the clip is in the studio's bucket"
    );
    let url = sim.phone_finishes(&task, true).unwrap();
    reqwest::get(&url).await.unwrap();
    let s = run
        .until(&id, "the review's end", |s| s.stage().is_final())
        .await;
    for a in s.current_assets() {
        assert!(matches!(a.state, AssetState::Active { .. }), "{a:?}");
        assert_eq!(a.submissions, 1, "{a:?}");
    }
    let sent: usize = sim.counters().submit_requests.iter().map(|(_, n)| n).sum();
    assert_eq!(sent, 2);
    // Deleting the person deletes the captures this desk made for them.
    run.engine.send(Command::Delete(id.clone())).unwrap();
    let deleted = tokio::time::timeout(crate::DEADLINE, async {
        while let Some(ev) = run.events.recv().await {
            if matches!(&ev, avatar_kiosk::engine::Event::Deleted(gone) if *gone == id) {
                return;
            }
        }
    })
    .await;
    assert!(deleted.is_ok(), "no Deleted event");
    let left: Vec<_> = std::fs::read_dir(&captures).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    run.engine.shutdown();
}

#[test]
fn a_clip_keeps_the_window_preview_live_through_its_countdown_and_recording() {
    use avatar_kiosk::camera::capture::{self, Lead};
    use avatar_kiosk::camera::stream::{Feed, Sink};
    if crate::videos::ffmpeg().is_none() {
        return;
    }
    let ffmpeg = avatar_kiosk::media::fix::ffmpeg().expect("ffmpeg on the PATH");
    let place = tempfile::tempdir().unwrap();
    let out = place.path().join("clip.mp4");
    let sink = Sink::new(|| {});
    let lead = Lead {
        seconds: 1.0,
        sink: Some(sink.clone()),
    };
    let camera = avatar_kiosk::camera::Camera::test_pattern();
    let clip = capture::clip(ffmpeg, &camera, 3, &lead, &out).unwrap();
    assert_eq!(
        clip.facts.duration_ms, 3000,
        "the countdown is not in the clip"
    );
    // 4 s of camera's preview frames, give or take the edges.
    let rate = u64::from(avatar_kiosk::camera::stream::RATE);
    let frames = sink.frames();
    let expected = 4 * rate;
    assert!(
        (expected * 5 / 6..=expected + 2).contains(&frames),
        "{frames} preview frames, {expected} expected"
    );
    assert!(matches!(sink.feed(), Feed::Live(_)));
    assert_eq!(files(place.path()), vec!["clip.mp4"]);
    // A photo after a countdown, with the same sink: its frames go on from there.
    let photo = place.path().join("photo.jpg");
    let lead = Lead {
        seconds: 1.0,
        sink: Some(sink.clone()),
    };
    capture::photo(ffmpeg, &camera, &lead, &photo).unwrap();
    assert!(
        sink.frames() >= frames + rate - 1,
        "{} after {frames}",
        sink.frames()
    );
    assert_eq!(files(place.path()), vec!["clip.mp4", "photo.jpg"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_refused_still_frees_the_camera() {
    use avatar_kiosk::engine::{CaptureAsk, Command, Event};
    let sim = avatar_kiosk::sim::Simulator::start(crate::returning::sim_config())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = crate::start(crate::config(&sim, &dir.path().join("kiosk.sqlite3"))).await;
    let ask = CaptureAsk {
        camera: avatar_kiosk::camera::Camera::test_pattern(),
        clip_seconds: None,
        countdown: 0,
        preview: None,
    };
    run.engine
        .send(Command::Capture("no-such-session".into(), Box::new(ask)))
        .unwrap();
    let (mut refused, mut ended) = (false, false);
    let waited = tokio::time::timeout(crate::DEADLINE, async {
        while let Some(ev) = run.events.recv().await {
            match ev {
                Event::Refused { .. } => refused = true,
                Event::CaptureEnded(id) if id == "no-such-session" => ended = true,
                _ => {}
            }
            if refused && ended {
                return;
            }
        }
    })
    .await;
    assert!(waited.is_ok(), "refused {refused}, ended {ended}");
    run.engine.shutdown();
}
