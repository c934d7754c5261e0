//! The command line over the same engine, as a script would use it: `--demo --json`.

use std::process::Command;

use serde_json::Value;

fn kiosk(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove(avatar_kiosk::secrets::ENV_VAR)
        .env("AVATAR_KIOSK_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let lines = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["event"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn onboard_in_the_demo_reports_every_step_and_exits_by_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let photo = crate::png_file(dir.path(), "front.png");
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "just text").unwrap();
    let photo = photo.to_str().unwrap();
    let side = format!("{}/side-fail.jpg", crate::command_line::web());
    let missing = "/no/such/file.jpg";
    let args = [
        "--demo", "onboard", "--json", "--name", "Kim", photo, &side, missing,
    ];
    let args = [&args[..], &[text.to_str().unwrap(), photo]].concat();
    let (code, events, stderr) = kiosk(dir.path(), &args);
    assert_eq!(code, 2, "some failed: {events:?} {stderr}");
    let k = kinds(&events);
    for want in [
        "blocked",
        "link",
        "verified",
        "uploaded",
        "submitted",
        "review",
        "done",
    ] {
        assert!(k.iter().any(|x| x == want), "no {want} in {k:?}");
    }
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done");
    assert_eq!(done["approved"], 1);
    assert_eq!(done["blocked"], 3, "missing, not an image, duplicate");
    let reasons: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "blocked")
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("no such file")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("not a JPEG, PNG, WebP or GIF")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("same image")),
        "{reasons:?}"
    );
    let failed = done["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "side-fail")
        .unwrap();
    assert_eq!(failed["status"], "failed");
    // The file that is not an image was blocked before sending and never submitted.
    let notes = done["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "notes")
        .unwrap();
    assert_eq!(notes["status"], "blocked", "{notes}");
    assert!(
        events
            .iter()
            .filter(|e| e["event"] == "submitted")
            .all(|e| !e["assets"].to_string().contains("notes")),
        "{events:?}"
    );
    assert!(
        failed["reason"]
            .as_str()
            .unwrap()
            .contains("face does not match")
    );
    let link = events.iter().find(|e| e["event"] == "link").unwrap();
    assert!(
        link["h5_link"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(link["expires_at"].as_i64().unwrap() > 0);

    // The session is stored; `resume` of a finished one reports the same end.
    let (code, listed, _) = kiosk(dir.path(), &["--demo", "sessions", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["stage"], "partly-approved");
    let id = listed[0]["id"].as_str().unwrap();
    let (code, events, _) = kiosk(dir.path(), &["--demo", "resume", id, "--json"]);
    assert_eq!(code, 2);
    assert_eq!(events.last().unwrap()["stage"], "partly-approved");
    returning_person_from_the_command_line(dir.path(), id);
}

/// `add`, `people`, `assets` and `render` on the person `onboard` left.
fn returning_person_from_the_command_line(dir: &std::path::Path, id: &str) {
    let smile = crate::png_file(dir, "smile.png");
    let profile = format!("{}/profile.jpg", crate::command_line::web());
    let (code, events, stderr) = kiosk(
        dir,
        &[
            "--demo",
            "add",
            id,
            "--json",
            smile.to_str().unwrap(),
            &profile,
        ],
    );
    assert_eq!(
        code, 0,
        "judged over the new assets only: {events:?} {stderr}"
    );
    let k = kinds(&events);
    assert!(!k.iter().any(|x| x == "link"), "no new verification: {k:?}");
    for want in ["uploaded", "submitted", "done"] {
        assert!(k.iter().any(|x| x == want), "no {want} in {k:?}");
    }
    let done = events.last().unwrap();
    assert_eq!(
        (done["approved"].as_u64(), done["failed"].as_u64()),
        (Some(2), Some(0))
    );

    let (code, people, _) = kiosk(dir, &["--demo", "people", "--json", "--search", "KIM"]);
    assert_eq!(code, 0);
    assert_eq!(people.len(), 1, "{people:?}");
    assert_eq!(people[0]["session"], id);
    assert_eq!(people[0]["approved"], 3);
    assert_eq!(people[0]["failed"], 1);
    assert!(people[0]["consent_at"].as_i64().unwrap() > 0);
    let (_, nobody, _) = kiosk(dir, &["--demo", "people", "--json", "--search", "nobody"]);
    assert!(nobody.is_empty());
    let (code, assets, _) = kiosk(dir, &["--demo", "assets", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(assets.len(), 3, "{assets:?}");
    assert!(
        assets
            .iter()
            .all(|a| a["asset_url"].as_str().unwrap().starts_with("asset://")
                && a["approved_at"].as_i64().unwrap() > 0
                && a["person"] == "Kim")
    );
    let (_, found, _) = kiosk(dir, &["--demo", "assets", "--json", "--search", "smile"]);
    assert_eq!(found.len(), 1);

    test_render_from_the_command_line(dir, id);
}

/// `render`: a failed asset is refused; the video is saved where `--out` says.
fn test_render_from_the_command_line(dir: &std::path::Path, id: &str) {
    // A failed asset is refused before any request.
    let (code, events, _) = kiosk(
        dir,
        &[
            "--demo",
            "render",
            id,
            "--prompt",
            "waves",
            "--asset",
            "side-fail",
            "--json",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(kinds(&events), ["error"]);
    assert!(
        events[0]["message"]
            .as_str()
            .unwrap()
            .contains("not approved"),
        "{events:?}"
    );

    let out = dir.join("test-render.mp4");
    let (code, events, stderr) = kiosk(
        dir,
        &[
            "--demo",
            "render",
            id,
            "--prompt",
            "waves",
            "--fast",
            "--duration",
            "4",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(code, 0, "{events:?} {stderr}");
    let k = kinds(&events);
    assert_eq!(
        k.first().map(String::as_str),
        Some("render_submitted"),
        "{k:?}"
    );
    assert!(k.iter().any(|x| x == "render_progress"), "{k:?}");
    assert_eq!(k.last().map(String::as_str), Some("render_done"));
    assert_eq!(events[0]["model"], "doubao-seedance-2.0-fast-face");
    assert_eq!(events[0]["duration"], 4);
    // The fast model's price at 480p, not one price for every model.
    let price = avatar_kiosk::config::RenderPrices::default().fast_480p;
    assert!((events[0]["estimated_cost"].as_f64().unwrap() - 4.0 * price).abs() < 1e-9);
    assert_eq!(events[0]["currency"], "USD");
    assert_eq!(events.last().unwrap()["path"], out.to_str().unwrap());
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp");
}

#[test]
fn all_approved_exits_zero_and_manual_confirmation_works() {
    let dir = tempfile::tempdir().unwrap();
    let (code, events, stderr) = kiosk(
        dir.path(),
        &[
            "--demo",
            "onboard",
            "--json",
            "--confirm",
            "manual",
            "--name",
            "王",
            &format!("{}/a.jpg", crate::command_line::web()),
        ],
    );
    assert_eq!(code, 0, "{events:?} {stderr}");
    assert_eq!(events.last().unwrap()["stage"], "approved");
}

#[test]
fn without_a_key_it_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = kiosk(
        dir.path(),
        &["onboard", "--name", "X", "https://cdn.studio.example/a.jpg"],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--demo") || stderr.contains("keyring"),
        "{stderr}"
    );
}

#[test]
fn no_escape_byte_reaches_plain_output() {
    let dir = tempfile::tempdir().unwrap();
    // A file whose very name carries a terminal escape, and which is not a photo. Windows
    // allows no control character in a file name: there the escape rides in the person's name
    // and the file's name carries only what Windows allows.
    let name = if cfg!(windows) {
        "[2J]0;pwned.jpg"
    } else {
        "\u{1b}[2J\u{1b}]0;pwned\u{7}.jpg"
    };
    let evil = dir.path().join(name);
    std::fs::write(&evil, "not an image").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "onboard", "--name", "Esc\u{1b}[31mape"])
        .arg(&evil)
        .arg(format!("{}/a.jpg", crate::command_line::web()))
        .env_remove(avatar_kiosk::secrets::ENV_VAR)
        .env("AVATAR_KIOSK_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Skipped"));
    assert!(
        !out.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!out.stdout.contains(&0x07));
}

#[test]
fn kiosk_mode_refuses_to_start_without_a_staff_pin() {
    let dir = tempfile::tempdir().unwrap();
    // Refused before any window opens: no display is needed to see it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "--kiosk"])
        .env_remove(avatar_kiosk::secrets::ENV_VAR)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("AVATAR_KIOSK_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("staff PIN"), "{stderr}");
}

/// `roster import` copies a desk's own history into the shared roster once (run again, it
/// skips what is there), and `sessions --json` on any desk then lists it with its desk.
#[test]
fn roster_import_is_idempotent_and_sessions_name_the_desk() {
    let Some(db) = avatar_kiosk::store::testing::PgDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let photo = crate::png_file(dir.path(), "front.png");
    let (code, _, stderr) = kiosk(
        dir.path(),
        &[
            "--demo",
            "onboard",
            "--json",
            "--name",
            "Kim",
            photo.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let run = |data: &std::path::Path, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"))
            .arg("--data-dir")
            .arg(data)
            .args(["--kiosk-name", "desk-x"])
            .args(args)
            .env("AVATAR_KIOSK_DATABASE_URL", &db.url)
            .env("AVATAR_KIOSK_LOG", "warn")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        (
            out.status.code(),
            text,
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // The demo's own file, read as this desk's history.
    let desk_dir = dir.path().join("demo");
    let (code, out, err) = run(&desk_dir, &["roster", "import"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("1 imported, 0 skipped, as desk desk-x"),
        "{out}"
    );
    // The photo picked at this desk stays this desk's to send once its row is on the roster.
    let own = avatar_kiosk::store::OwnFiles::open(&desk_dir, false);
    let id = out
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("imported ")
        .to_string();
    assert!(own.allows(&id, &photo), "{out}");
    let (code, out, err) = run(&desk_dir, &["roster", "import"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("0 imported, 1 skipped"), "{out}");
    assert!(
        !err.contains(&db.url) && !out.contains(&db.url),
        "the address is not echoed"
    );

    let other = tempfile::tempdir().unwrap();
    let (code, out, err) = run(other.path(), &["sessions", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(rows[0]["person"], "Kim");
    assert_eq!(rows[0]["kiosk"], "desk-x");
    assert_eq!(rows[0]["approved"], 1);
    assert_eq!(rows[0]["held_by"], Value::Null, "an import leaves no lease");

    // Without a roster, import says what to set and fails.
    let out = Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"))
        .arg("--data-dir")
        .arg(&desk_dir)
        .args(["roster", "import"])
        .env_remove("AVATAR_KIOSK_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database-url"));
}

/// Staff list sessions from a terminal while the window's engine writes: the listing opens and
/// closes the same database from another process, and what the engine writes afterwards must
/// still reach the disk and the next reader (an engine that had lost its SQLite locks would
/// keep writing to a write-ahead log the listing deleted, and lose it on exit).
#[tokio::test(flavor = "multi_thread")]
async fn a_listing_while_the_engine_writes_takes_nothing_away_from_it() {
    use avatar_kiosk::flow::Stage;
    use avatar_kiosk::sim::{SimConfig, Simulator};
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    std::fs::create_dir_all(&demo).unwrap();
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let db = demo.join("avatar-kiosk.sqlite3");
    let mut run = crate::start(crate::config(&sim, &db)).await;
    let people = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .filter_map(|r| r["person"].as_str().map(str::to_string))
            .collect()
    };
    let before = run.begin("Before Listing", avatar_kiosk::api::Language::En);
    run.stage(&before, Stage::Verify).await;
    let (code, rows, stderr) = kiosk(dir.path(), &["--demo", "sessions", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(people(&rows), ["Before Listing"], "{stderr}");

    let after = run.begin("After Listing", avatar_kiosk::api::Language::En);
    run.stage(&after, Stage::Verify).await;
    let wal = demo.join("avatar-kiosk.sqlite3-wal");
    assert!(
        wal.exists(),
        "the engine's write-ahead log is still on disk"
    );
    let (code, rows, stderr) = kiosk(dir.path(), &["--demo", "sessions", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let mut listed = people(&rows);
    listed.sort();
    assert_eq!(listed, ["After Listing", "Before Listing"], "{stderr}");
    run.engine.shutdown();
}
