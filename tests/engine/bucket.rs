//! The studio's bucket against a real S3-compatible server (SeaweedFS, started by `.ci/run` and
//! named by `AVATAR_KIOSK_TEST_S3` as `ENDPOINT|ACCESS_KEY|SECRET`; skipped without it unless
//! `AVATAR_KIOSK_REQUIRE_S3` is set): a local video goes up in parts, only its signed link reads
//! it, the simulator fetches that link and the video ends Active; ffmpeg's fixes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use avatar_kiosk::api::bucket::{Bucket, BucketKeys, BucketPlace, MIN_PART};
use avatar_kiosk::engine::{Command, NewAsset};
use avatar_kiosk::flow::{AssetSource, AssetState, Check};
use avatar_kiosk::media::{fix, video};
use rusty_s3::S3Action;
use secrecy::SecretString;

use crate::videos::{ffmpeg, make};

/// The test server: endpoint, access key, secret.
pub fn s3() -> Option<(String, String, String)> {
    let found = std::env::var("AVATAR_KIOSK_TEST_S3").ok().and_then(|v| {
        let mut parts = v.split('|').map(str::to_string);
        Some((parts.next()?, parts.next()?, parts.next()?))
    });
    if found.is_none() && std::env::var_os("AVATAR_KIOSK_REQUIRE_S3").is_some() {
        panic!(
            "an S3 server is required (AVATAR_KIOSK_REQUIRE_S3) but AVATAR_KIOSK_TEST_S3 is not set"
        );
    }
    if found.is_none() {
        eprintln!("skipped: no S3 server (source scripts/s3.sh; start_s3)");
    }
    found
}

/// `keys` with a secret the server does not know.
pub fn wrong_secret(keys: &BucketKeys) -> BucketKeys {
    BucketKeys {
        access: keys.access.clone(),
        secret: SecretString::from("not-the-secret".to_string()),
        token: None,
    }
}

/// The tests' bucket on the test server (created here when it is not there yet), with a
/// prefix of this call's own: each test sees only its objects. (SeaweedFS gives each bucket
/// volumes of its own: one bucket for all keeps the server small.)
pub async fn fresh_bucket(
    (endpoint, access, secret): &(String, String, String),
) -> (BucketPlace, BucketKeys) {
    let name = "kiosk-tests".to_string();
    let place = BucketPlace {
        endpoint: endpoint.clone(),
        bucket: name.clone(),
        region: String::new(),
        prefix: format!("t-{}/", uuid::Uuid::new_v4().simple()),
    };
    let raw = rusty_s3::Bucket::new(
        endpoint.parse().unwrap(),
        rusty_s3::UrlStyle::Path,
        name,
        "us-east-1",
    )
    .unwrap();
    let creds = rusty_s3::Credentials::new(access, secret);
    let url = raw.create_bucket(&creds).sign(Duration::from_secs(60));
    let resp = avatar_kiosk::api::http::for_loopback(Duration::from_secs(30))
        .unwrap()
        .put(url)
        .send()
        .await
        .unwrap();
    // 409: made already by another test.
    let status = resp.status();
    assert!(
        status.is_success() || status == 409,
        "create bucket: {status}"
    );
    let keys = BucketKeys {
        access: access.clone(),
        secret: SecretString::from(secret.clone()),
        token: None,
    };
    (place, keys)
}

/// A valid MP4 grown past `bytes` by a trailing `free` box (players and checks skip it).
pub fn padded(path: &Path, bytes: usize) -> PathBuf {
    let mut data = std::fs::read(path).unwrap();
    let pad = bytes.saturating_sub(data.len()).max(16);
    data.extend_from_slice(&u32::try_from(pad).unwrap().to_be_bytes());
    data.extend_from_slice(b"free");
    // Not all zeros, so nothing along the way can shrink it.
    data.extend((0..pad - 8).map(|i| (i * 7 % 251) as u8));
    let out = path.with_file_name("padded.mp4");
    std::fs::write(&out, data).unwrap();
    out
}

fn now() -> i64 {
    avatar_kiosk::clock::now_ms()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_goes_up_in_parts_and_only_its_signed_link_reads_it() {
    let (Some(server), Some(_)) = (s3(), ffmpeg()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let clip = make(dir.path(), "clip.mp4", 5.0, (1280, 720), 30, true);
    let file = padded(&clip, 12 * 1024 * 1024);
    assert!(video::check_file(&file).await.problems.is_empty());
    let hash = fix::file_hash(&file).unwrap();
    let (place, keys) = fresh_bucket(&server).await;
    let bucket = Bucket::new(&place, &keys).unwrap().with_part_size(MIN_PART);
    let object = bucket.object_for("session-1", 1, &hash, "mp4");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress = {
        let seen = seen.clone();
        move |sent: u64, total: u64| seen.lock().unwrap().push((sent, total))
    };
    let stored = bucket
        .upload_file(&object, &file, Some(&hash), &progress)
        .await
        .unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(stored.parts >= 3, "{} parts", stored.parts);
    assert_eq!(stored.bytes, size);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), usize::from(stored.parts));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert_eq!(seen.last(), Some(&(size, size)));

    let http = avatar_kiosk::api::http::for_loopback(Duration::from_secs(30)).unwrap();
    let link = bucket.link(&object, now());
    let got = http.get(link.clone()).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap(), std::fs::read(&file).unwrap());

    // Unsigned, or signed wrongly: refused.
    let mut unsigned = link.clone();
    unsigned.set_query(None);
    assert_eq!(http.get(unsigned).send().await.unwrap().status(), 403);
    let tampered = link
        .as_str()
        .replace("X-Amz-Signature=", "X-Amz-Signature=0");
    let status = http.get(&tampered).send().await.unwrap().status();
    assert_eq!(status, 403);

    // A wrong secret is said as such.
    let wrong = wrong_secret(&keys);
    let e = Bucket::new(&place, &wrong)
        .unwrap()
        .upload_file("studio/x.mp4", &file, None, &|_, _| {})
        .await
        .unwrap_err();
    assert_eq!(e.advice(&place).id(), "bucket-denied", "{e}");

    // A file that is not the one checked is not stored.
    let other = bucket.object_for("session-1", 2, "0000", "mp4");
    let e = bucket
        .upload_file(&other, &file, Some("0000"), &|_, _| {})
        .await
        .unwrap_err();
    assert_eq!(e.advice(&place).id(), "bucket-file-changed");
    let status = http
        .get(bucket.link(&other, now()))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);

    // Deleting the object: its link reads nothing any more.
    bucket.delete(&object).await.unwrap();
    let status = http.get(link).send().await.unwrap().status();
    assert_eq!(status, 404);
}

/// Starts a session, passes the phone, adds `files` as local files.
async fn with_files(
    run: &mut crate::Running,
    sim: &avatar_kiosk::sim::Simulator,
    files: &[PathBuf],
) -> String {
    let ko = avatar_kiosk::api::Language::Ko;
    let id = crate::returning::verified(run, sim, "Kim Minji", ko).await;
    let assets = files
        .iter()
        .map(|p| NewAsset {
            name: None,
            source: AssetSource::File { path: p.clone() },
            kind: None,
        })
        .collect();
    run.engine
        .send(Command::AddAssets(id.clone(), assets))
        .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_video_goes_through_the_bucket_and_ends_active() {
    let (Some(server), Some(_)) = (s3(), ffmpeg()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let clip = make(dir.path(), "desk.mp4", 5.0, (1280, 720), 30, true);
    let (place, keys) = fresh_bucket(&server).await;
    let sim = avatar_kiosk::sim::Simulator::start(crate::returning::sim_config())
        .await
        .unwrap();
    let db = dir.path().join("kiosk.sqlite3");
    let mut config = crate::config(&sim, &db);
    config.bucket = Ok(Bucket::new(&place, &keys).unwrap());
    let mut run = crate::start(config).await;
    let id = with_files(&mut run, &sim, std::slice::from_ref(&clip)).await;
    let s = run
        .until(&id, "a checked row with a poster", |s| {
            s.current_assets().all(|a| a.check != Check::Pending)
        })
        .await;
    assert!(
        matches!(s.assets[0].check, Check::Ready { .. }),
        "{:?}",
        s.assets[0].check
    );
    run.engine.send(Command::Submit(id.clone())).unwrap();
    let s = run
        .until(&id, "the review's end", |s| s.stage().is_final())
        .await;
    assert!(
        matches!(s.assets[0].state, AssetState::Active { .. }),
        "{:?}",
        s.assets[0].state
    );
    let counters = sim.counters();
    assert_eq!(
        counters.op("video_fetched"),
        1,
        "the simulator read the link"
    );
    assert_eq!(
        counters.op("upload"),
        0,
        "videos never use the image upload"
    );
    assert_eq!(counters.submit_requests, vec![("Video".to_string(), 1)]);

    assert!(s.assets[0].hosted.is_some(), "{:?}", s.assets[0]);
    // Deleting the person with their objects: the video's link reads nothing any more.
    let bucket = Bucket::new(&place, &keys).unwrap();
    let Check::Ready { hash: Some(hash) } = &s.assets[0].check else {
        panic!("{:?}", s.assets[0].check)
    };
    let object = bucket.object_for(&id, u64::from(s.assets[0].id), hash, "mp4");
    let http = avatar_kiosk::api::http::for_loopback(Duration::from_secs(30)).unwrap();
    let link = bucket.link(&object, now());
    assert_eq!(http.get(link.clone()).send().await.unwrap().status(), 200);
    run.engine
        .send(Command::DeleteWithObjects(id.clone()))
        .unwrap();
    let deleted = tokio::time::timeout(crate::DEADLINE, async {
        while let Some(ev) = run.events.recv().await {
            match ev {
                avatar_kiosk::engine::Event::Deleted(gone) if gone == id => return Ok(()),
                avatar_kiosk::engine::Event::Error { message, .. } => return Err(message),
                _ => {}
            }
        }
        Err(avatar_kiosk::text::Msg::new("engine-thread-stopped"))
    })
    .await
    .unwrap();
    assert!(deleted.is_ok(), "{deleted:?}");
    assert_eq!(http.get(link).send().await.unwrap().status(), 404);
    run.engine.shutdown();
    // The secret is nowhere in the data folder, its subfolders included.
    let mut folders = vec![dir.path().to_path_buf()];
    let mut files = 0;
    while let Some(folder) = folders.pop() {
        // Files the engine removed meanwhile (a journal) are not read.
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            files += 1;
            let secret = server.2.as_bytes();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{}",
                path.display()
            );
        }
    }
    assert!(files >= 2, "the database and its log at least: {files}");
}

#[test]
fn a_20_second_video_is_fixed_to_15_and_passes_and_the_original_is_kept() {
    if ffmpeg().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let long = make(dir.path(), "long.mp4", 20.0, (640, 640), 24, false);
    let before = fix::file_hash(&long).unwrap();
    let out = dir.path().join("fixed");
    let fixed = fix::fix_if_needed(&long, 3_000, &out).unwrap().unwrap();
    let check = video::check_file_blocking(&fixed);
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let facts = check.facts.unwrap();
    assert!(
        (14_700..=15_000).contains(&facts.duration_ms),
        "{}",
        facts.duration_ms
    );
    assert_eq!(
        fix::file_hash(&long).unwrap(),
        before,
        "the original is kept"
    );
    assert!(fixed.starts_with(&out));

    // A phone's 29.97 fps: whole frames still end within 15 s.
    let ntsc = dir.path().join("ntsc.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .args(["testsrc2=size=720x1280:rate=30000/1001", "-t", "18", "-c:v"])
        .args([
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-y",
        ])
        .arg(&ntsc)
        .status()
        .unwrap();
    assert!(made.success());
    let fixed = fix::fix_if_needed(&ntsc, 0, &out).unwrap().unwrap();
    let check = video::check_file_blocking(&fixed);
    assert!(check.problems.is_empty(), "{:?}", check.problems);

    // Too big and too slow at once: scaled into range and given a frame rate.
    let big = make(dir.path(), "big.mp4", 3.0, (3840, 2160), 10, false);
    let fixed = fix::fix_if_needed(&big, 0, &out).unwrap().unwrap();
    let check = video::check_file_blocking(&fixed);
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let facts = check.facts.unwrap();
    assert!(facts.width * facts.height <= video::limits::MAX_PIXELS as u32);
    assert!(facts.fps >= 24.0, "{}", facts.fps);

    // A good video needs nothing; a 1 s one cannot be fixed and says why.
    let good = make(dir.path(), "good.mp4", 3.0, (720, 1280), 30, false);
    assert_eq!(fix::fix_if_needed(&good, 0, &out).unwrap(), None);
    let short = make(dir.path(), "short.mp4", 1.0, (720, 1280), 30, false);
    let why = fix::fix_if_needed(&short, 0, &out).unwrap_err();
    assert_eq!(why.id(), "video-too-short");
}

/// Runs the app's binary with `--demo --json` in `dir`, with `env` added; exit code and events.
pub fn demo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<serde_json::Value>) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"));
    cmd.arg("--demo")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove(avatar_kiosk::secrets::ENV_VAR)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AVATAR_KIOSK_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let events = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap_or(-1), events)
}

pub fn event<'a>(events: &'a [serde_json::Value], kind: &str) -> Option<&'a serde_json::Value> {
    events.iter().find(|e| e["event"] == kind)
}

#[test]
fn onboard_sends_a_local_video_through_the_bucket_flags_and_fixes_a_long_one() {
    let (Some(server), Some(_)) = (s3(), ffmpeg()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let clip = make(dir.path(), "desk.mp4", 5.0, (1280, 720), 30, true);
    let long = make(dir.path(), "long.mp4", 20.0, (640, 640), 24, true);
    let (place, _) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(fresh_bucket(&server));
    let data = dir.path().join("data");
    let (endpoint, access, secret) = &server;
    let prefix = format!("{}desk1", place.prefix);
    let flags = [
        "--s3-endpoint",
        endpoint,
        "--s3-bucket",
        &place.bucket,
        "--s3-prefix",
        &prefix,
    ];
    let keys = [
        ("AWS_ACCESS_KEY_ID", access.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let mut args: Vec<&str> = flags.to_vec();
    let (clip_s, long_s) = (clip.display().to_string(), long.display().to_string());
    args.extend(["onboard", "--json", "--fix-videos", "--name", "Kim Minji"]);
    args.extend([clip_s.as_str(), long_s.as_str()]);
    let (code, events) = demo(&data, &args, &keys);
    let done = event(&events, "done").unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(code, 0, "{events:?}");
    assert_eq!(done["approved"], 2, "{done}");
    let fixed = event(&events, "video_fixed").unwrap();
    assert_eq!(fixed["asset"], long_s.as_str());
    let uploaded = event(&events, "uploaded").unwrap();
    assert!(
        uploaded.get("url").is_none(),
        "no week-long link printed: {uploaded}"
    );
    let object = uploaded["object"].as_str().unwrap();
    assert!(object.starts_with(&format!("{prefix}/")), "{object}");
    assert!(
        !object.contains("Kim") && !object.contains(secret.as_str()),
        "{object}"
    );
    let copy = PathBuf::from(fixed["fixed"].as_str().unwrap());
    assert!(
        copy.starts_with(&data),
        "the copy is in the data folder: {}",
        copy.display()
    );
    assert!(video::check_file_blocking(&copy).problems.is_empty());

    // Without keys the video is blocked, and the row says where keys go.
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["onboard", "--json", "--name", "Lee", clip_s.as_str()]);
    let (code, events) = demo(&dir.path().join("nokeys"), &args, &[]);
    assert_eq!(code, 2, "{events:?}");
    let blocked = event(&events, "blocked").unwrap_or_else(|| panic!("{events:?}"));
    assert!(
        blocked["reason"]
            .as_str()
            .unwrap()
            .contains("AWS_ACCESS_KEY_ID"),
        "{blocked}"
    );
}

#[test]
fn without_ffmpeg_a_long_video_stays_blocked_and_says_how_to_get_it() {
    if ffmpeg().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let long = make(dir.path(), "long.mp4", 20.0, (640, 640), 24, true);
    let long_s = long.display().to_string();
    let args = [
        "onboard",
        "--json",
        "--fix-videos",
        "--name",
        "Lee",
        long_s.as_str(),
    ];
    // No ffmpeg on this PATH.
    let (code, events) = demo(&dir.path().join("data"), &args, &[("PATH", "/nonexistent")]);
    assert_eq!(code, 2, "{events:?}");
    let blocked = event(&events, "blocked").unwrap_or_else(|| panic!("{events:?}"));
    let reason = blocked["reason"].as_str().unwrap();
    assert!(reason.contains("20.0 s"), "{reason}");
    assert!(reason.contains("apt install ffmpeg"), "{reason}");
    assert!(event(&events, "video_fixed").is_none());
}
