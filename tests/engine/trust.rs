//! What another desk or a server on the studio's network can do to this desk (issue 25): a
//! stuck roster transaction must not freeze it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use avatar_kiosk::api::Language;
use avatar_kiosk::flow::Session;
use avatar_kiosk::store::testing::PgDatabase;
use avatar_kiosk::store::{Lease, PgStore, SessionStore};

/// The longest a command may take to give up on a locked roster.
const GIVE_UP: Duration = Duration::from_secs(30);

/// Runs the app with `args` against `url` and waits for it at most [`GIVE_UP`]: gives its
/// exit code and everything it printed, or fails the test if it was still waiting.
fn run_bounded(dir: &std::path::Path, url: &str, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--database-url", url, "--base-url", "http://127.0.0.1:9"])
        .args(args)
        .env(avatar_kiosk::secrets::ENV_VAR, crate::KEY)
        .env("AVATAR_KIOSK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return (status.code().unwrap_or(-1), text);
        }
        if started.elapsed() > GIVE_UP {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} was still waiting on the locked roster after {GIVE_UP:?}");
        }
        // Polling a child's exit: std offers no wait with a deadline.
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

/// Every way another connection can hold what a desk needs: a session's row, the whole table
/// in ACCESS EXCLUSIVE mode, the migrations' lock. Each command gives up with the sentence
/// for a roster that is away, and exit code 1, instead of hanging.
#[test]
fn a_roster_locked_by_another_connection_is_said_as_away_not_waited_for() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let id = avatar_kiosk::engine::new_session_id();
    let mut store = PgStore::connect(&db.url, Lease::new("seed", Lease::LENGTH)).unwrap();
    let session = Session::new(
        id.clone(),
        "Kim".into(),
        String::new(),
        "default".into(),
        Language::En,
        1,
    );
    store.save(&session, 1, &[]).unwrap();
    store.release(&id).unwrap();
    drop(store);
    let dir = tempfile::tempdir().unwrap();
    let photo = crate::png_file(dir.path(), "front.png");
    let photo = photo.to_str().unwrap();
    let away = "The shared roster cannot be reached";
    // Each lock, and whether every command needs what it holds (a row lock stops only what
    // writes that row: reading goes on beside it, and a new person is another row).
    let locks = [
        ("SELECT 1 FROM sessions FOR UPDATE", false),
        (
            "LOCK TABLE sessions, assets, events IN ACCESS EXCLUSIVE MODE",
            true,
        ),
        ("SELECT pg_advisory_xact_lock(4715300211)", true),
    ];
    for (lock, blocks_all) in locks {
        let mut holder = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
        let mut tx = holder.transaction().unwrap();
        tx.batch_execute(lock).unwrap();
        for args in [
            &["sessions"][..],
            &["sessions", "--json"],
            &["people"],
            &["resume", &id],
            &["onboard", "--name", "Lee", photo],
        ] {
            let (code, said) = run_bounded(dir.path(), &db.url, args);
            if !blocks_all && args[0] != "resume" {
                continue;
            }
            assert_eq!(code, 1, "{lock}: {args:?}: {said}");
            let roster_down =
                said.contains("engine-roster-down") || said.contains("No new person can start");
            assert!(
                said.contains(away) || said.contains("store-unreachable") || roster_down,
                "{lock}: {args:?}: {said}"
            );
        }
        tx.rollback().unwrap();
    }
}

/// No child process (here ffmpeg, which a video's poster and fix run) sees a secret: the API
/// key, the bucket's keys and the roster's address are out of the environment before any
/// child starts.
/// On the Windows build this test is not run: its stand-in ffmpeg is a shell script, and
/// Windows starts only programs (`ffmpeg.exe`). The environment a child gets is made by the
/// same code on every system (`media::run`).
#[cfg(windows)]
#[test]
#[ignore = "the stand-in ffmpeg is a shell script, which Windows cannot start as ffmpeg.exe"]
fn no_child_process_sees_a_secret_in_its_environment() {}

#[cfg(unix)]
#[test]
fn no_child_process_sees_a_secret_in_its_environment() {
    use std::os::unix::fs::PermissionsExt;
    if crate::videos::ffmpeg().is_none() {
        return;
    }
    // The real one, by its full path: the spy below takes its name on the PATH.
    let ffmpeg = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("ffmpeg"))
        .find(|p| p.is_file())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    let dumps = dir.path().join("dumps");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&dumps).unwrap();
    // An ffmpeg that writes down its environment, then does the real work.
    let spy = bin.join("ffmpeg");
    std::fs::write(
        &spy,
        format!(
            "#!/bin/sh\nenv > \"{}/env-$$\"\nexec \"{}\" \"$@\"\n",
            dumps.display(),
            ffmpeg.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&spy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let long = crate::videos::make(dir.path(), "long.mp4", 17.0, (640, 640), 24, false);
    let secrets = [
        (avatar_kiosk::secrets::ENV_VAR, "sk-env-key-7d41c0ffee"),
        ("AWS_ACCESS_KEY_ID", "AKIAENVSECRET0001"),
        ("AWS_SECRET_ACCESS_KEY", "aws-secret-2b9f-env"),
        ("AWS_SESSION_TOKEN", "aws-token-5e1a-env"),
        (
            avatar_kiosk::secrets::ROSTER_ENV,
            "postgres://kim:roster-pw-83ac@127.0.0.1:9/roster",
        ),
    ];
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut env: Vec<(&str, &str)> = secrets.to_vec();
    env.push(("PATH", &path));
    let long_s = long.display().to_string();
    let args = [
        "onboard",
        "--json",
        "--fix-videos",
        "--name",
        "Kim",
        &long_s,
    ];
    let (_, events) = crate::bucket::demo(&dir.path().join("data"), &args, &env);
    let seen: Vec<String> = std::fs::read_dir(&dumps)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(!seen.is_empty(), "ffmpeg never ran: {events:?}");
    for dump in &seen {
        for (name, value) in &secrets {
            assert!(!dump.contains(value), "a child saw {name}");
        }
    }
}

/// In a data folder that already existed open to others (0755, with a `renders/` folder and
/// files of an older version), what the app makes and what was there become private; the
/// folder given keeps its own mode.
#[cfg(unix)]
#[test]
fn everything_in_an_existing_open_data_folder_becomes_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = data.join("demo");
    let old = demo.join("renders");
    std::fs::create_dir_all(&old).unwrap();
    for d in [&data, &demo, &old] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let old_video = old.join("old.mp4");
    let old_settings = demo.join("settings.json");
    std::fs::write(&old_video, b"....").unwrap();
    std::fs::write(&old_settings, b"{}").unwrap();
    for f in [&old_video, &old_settings] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let photo = crate::png_file(dir.path(), "front.png");
    let args = [
        "onboard",
        "--json",
        "--name",
        "Kim",
        photo.to_str().unwrap(),
    ];
    let (code, events) = crate::bucket::demo(&data, &args, &[]);
    assert_eq!(code, 0, "{events:?}");
    assert_eq!(mode(&data), 0o755, "the folder given keeps its mode");
    let mut seen = 0;
    let mut folders = vec![demo.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            seen += 1;
            if path.is_dir() {
                assert_eq!(mode(&path), 0o700, "{}", path.display());
                folders.push(path);
            } else {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
    assert!(seen >= 6, "the run made its files: {seen}");
    assert!(demo.join("logs").is_dir() && demo.join("cache").is_dir());
}

/// A row on the shared roster that names a file on this computer that staff never picked
/// here (written by another desk, or by anyone with the roster's password) is refused with a
/// sentence, whether the row says it still needs a check or that it was checked: nothing is
/// read or uploaded. A file staff add here for the same person goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_row_naming_a_file_this_desk_never_picked_is_refused() {
    use avatar_kiosk::api::AssetKind;
    use avatar_kiosk::engine::{Command, NewAsset};
    use avatar_kiosk::flow::{Asset, AssetSource, AssetState, Check, Verification};
    use avatar_kiosk::sim::{SimConfig, Simulator};
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A private photo on this desk's computer, never added here.
    let secret = crate::png_file(dir.path(), "private-photo.png");
    let id = avatar_kiosk::engine::new_session_id();
    let mut forged = Session::new(
        id.clone(),
        "Kim".into(),
        String::new(),
        "default".into(),
        Language::En,
        1,
    );
    forged.kiosk = "desk-b".into();
    forged.verification = Verification::Verified {
        group_id: "group-forged".into(),
    };
    for (i, check) in [Check::Pending, Check::Ready { hash: None }]
        .into_iter()
        .enumerate()
    {
        forged.assets.push(Asset {
            id: i as u32,
            name: format!("row-{i}"),
            source: AssetSource::File {
                path: secret.clone(),
            },
            kind: AssetKind::Image,
            state: AssetState::Staged,
            queued: false,
            removed: false,
            replaced_by: None,
            submissions: 0,
            check,
            approved_at: None,
            hosted: None,
            hints: Vec::new(),
        });
    }
    forged.next_asset_id = 2;
    let url = db.url.clone();
    let seeded = forged.clone();
    tokio::task::block_in_place(|| {
        let mut store = PgStore::connect(&url, Lease::new("forger", Lease::LENGTH)).unwrap();
        store.save(&seeded, 1, &[]).unwrap();
        store.release(&seeded.id).unwrap();
    });
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let folder = dir.path().join("desk-b");
    std::fs::create_dir_all(&folder).unwrap();
    let mut config = crate::config(&sim, &folder.join("kiosk.sqlite3"));
    config.roster = Some(db.url.clone().into());
    config.kiosk = "desk-b".into();
    // Opened by id, as staff open a session from History.
    config.resume = avatar_kiosk::engine::Resume::Only(vec![id.clone()]);
    let mut run = crate::start(config).await;
    assert_eq!(run.resumed, vec![id.clone()]);
    let refused = |s: &Session| {
        s.assets.iter().all(|a| {
            let said = match (&a.check, &a.state) {
                (Check::Blocked { reason }, _) | (_, AssetState::UploadFailed { reason }) => {
                    reason.id()
                }
                _ => "",
            };
            said == "engine-file-not-ours"
        })
    };
    run.until(&id, "both rows refused", refused).await;
    assert_eq!(sim.counters().op("upload"), 0, "nothing was uploaded");
    // Staff add a photo here: it is theirs, and it goes.
    let own = crate::png_file(dir.path(), "picked-here.png");
    let picked = NewAsset {
        name: None,
        source: AssetSource::File { path: own },
        kind: None,
    };
    run.engine
        .send(Command::AddAssets(id.clone(), vec![picked]))
        .unwrap();
    let uploaded = |s: &Session| {
        s.assets
            .iter()
            .any(|a| a.id == 2 && matches!(a.state, AssetState::Uploaded { .. }))
    };
    run.until(&id, "the photo picked here uploaded", uploaded)
        .await;
    assert_eq!(sim.counters().op("upload"), 1);
}

/// The kind of a row is decided once, when it is added: `--asset-type video` on a local
/// video is a video row (it was refused, while the same file without the flag was taken),
/// and the pickers' endings are the ones media decides kinds by.
#[test]
fn a_local_video_given_as_a_video_is_a_video_row() {
    use avatar_kiosk::api::AssetKind;
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.MP4");
    std::fs::write(&clip, b"....ftypisom").unwrap();
    let given =
        avatar_kiosk::engine::parse_source(clip.to_str().unwrap(), Some(AssetKind::Video)).unwrap();
    assert_eq!(given.kind, Some(AssetKind::Video));
    assert!(avatar_kiosk::engine::parse_source(clip.to_str().unwrap(), None).is_ok());
    for ending in avatar_kiosk::media::VIDEO_ENDINGS {
        let name = format!("a.{}", ending.to_uppercase());
        assert_eq!(
            avatar_kiosk::media::kind_from_ending(&name),
            Some(AssetKind::Video)
        );
    }
    for ending in avatar_kiosk::media::IMAGE_ENDINGS {
        assert_eq!(
            avatar_kiosk::media::kind_from_ending(&format!("a.{ending}")),
            Some(AssetKind::Image)
        );
    }
    assert_eq!(avatar_kiosk::media::kind_from_ending("notes.txt"), None);
}
