//! The command line as a Unix tool and a faithful demo: a closed pipe, redirected output,
//! JSON failures, money checked before it is spent, the PIN set by script, a demo stopped
//! during review, its URLs read as in a real run, columns lined up in Hangul.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};

use serde_json::Value;

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_avatar-kiosk"));
    cmd.env_remove(avatar_kiosk::secrets::ENV_VAR)
        .env("AVATAR_KIOSK_LOG", "info");
    cmd
}

pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// A web server on this computer for the demo's URLs: any `*.jpg` is a photo, `/page` a web
/// page, anything else "not found". It runs until the test process ends.
pub fn web() -> String {
    use axum::http::header;
    use axum::routing::get;
    let photo = crate::media_urls::jpeg(640, 800);
    let app = axum::Router::new()
        .route(
            "/page",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html></html>") }),
        )
        .route(
            "/{file}",
            get(
                move |axum::extract::Path(file): axum::extract::Path<String>| async move {
                    if file.ends_with(".jpg") && !file.starts_with("gone") {
                        Ok(([(header::CONTENT_TYPE, "image/jpeg")], photo.clone()))
                    } else {
                        Err(axum::http::StatusCode::NOT_FOUND)
                    }
                },
            ),
        );
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("test-web".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                let _ = axum::serve(listener, app).await;
            });
        })
        .unwrap();
    rx.recv().unwrap()
}

/// One demo onboarding of `name` with the photo `file`; its session id.
pub fn onboarded(dir: &std::path::Path, name: &str, file: &str) -> String {
    let photo = crate::png_file(dir, file);
    let out = bin()
        .arg("--data-dir")
        .arg(dir)
        .args(["--demo", "onboard", "--json", "--name", name])
        .arg(&photo)
        .output()
        .unwrap();
    let events = json_lines(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{events:?}");
    let listed = bin()
        .arg("--data-dir")
        .arg(dir)
        .args(["--demo", "sessions", "--json"])
        .output()
        .unwrap();
    json_lines(&listed.stdout)[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The reader of the output is gone before the first line (as `| head -1` after its line):
/// the command ends quietly, as Unix tools end (SIGPIPE, or 0), with no backtrace.
#[test]
fn listings_cut_short_end_quietly() {
    let dir = tempfile::tempdir().unwrap();
    onboarded(dir.path(), "Kim", "front.png");
    for args in [
        &["--demo", "sessions"][..],
        &["--demo", "people"],
        &["--demo", "assets", "--json"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = bin()
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert!(
                out.status.signal() == Some(libc::SIGPIPE) || out.status.code() == Some(0),
                "{args:?}: {:?}",
                out.status
            );
        }
        #[cfg(windows)]
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

/// Standard error sent to a file holds the log only when asked (`-v`), never a colour code.
#[test]
fn stderr_in_a_file_holds_no_escape_byte_and_logs_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let photo = crate::png_file(dir.path(), "front.png");
    for verbose in [false, true] {
        let log = dir.path().join(format!("stderr-{verbose}.txt"));
        let out = bin()
            .arg("--data-dir")
            .arg(dir.path())
            .args(verbose.then_some("-v"))
            .args(["--demo", "onboard", "--name", "Kim"])
            .arg(&photo)
            .stderr(std::fs::File::create(&log).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let written = std::fs::read(&log).unwrap();
        assert!(
            !written.contains(&0x1b),
            "{}",
            String::from_utf8_lossy(&written)
        );
        let text = String::from_utf8_lossy(&written);
        assert_eq!(text.contains("INFO"), verbose, "{text}");
    }
}

/// With `--json`, a failure before anything runs (no key) is an `error` event on stdout too,
/// and says the way out.
#[test]
fn onboard_json_without_a_key_prints_an_error_event() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "onboard",
            "--json",
            "--name",
            "X",
            "https://127.0.0.1:9/a.jpg",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "error");
    assert!(
        events[0]["message"].as_str().unwrap().contains("--demo"),
        "{events:?}"
    );
}

/// `render --out` into a folder that does not exist is refused before the billed request;
/// the same render with a place that can take the file is made.
#[test]
fn render_checks_its_out_before_anything_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let id = onboarded(dir.path(), "Kim", "front.png");
    let render = |out: &std::path::Path| {
        let o = bin()
            .arg("--data-dir")
            .arg(dir.path())
            .args([
                "--demo", "render", &id, "--prompt", "waves", "--json", "--out",
            ])
            .arg(out)
            .output()
            .unwrap();
        (o.status.code(), json_lines(&o.stdout))
    };
    let (code, events) = render(&dir.path().join("no-such-folder").join("v.mp4"));
    assert_eq!(code, Some(1));
    assert!(
        events.iter().all(|e| e["event"] != "render_submitted"),
        "{events:?}"
    );
    let message = events.last().unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("--out") && message.contains("does not exist"),
        "{message}"
    );
    let good = dir.path().join("v.mp4");
    let (code, events) = render(&good);
    assert_eq!(code, Some(0), "{events:?}");
    let asked = events
        .iter()
        .find(|e| e["event"] == "render_submitted")
        .unwrap();
    assert_eq!(asked["currency"], "USD");
    assert!(good.is_file());
}

/// `kiosk set-pin` reads the PIN twice from standard input; then `--kiosk` gets past the PIN
/// check. Two different PINs change nothing.
#[test]
fn kiosk_set_pin_from_standard_input_then_kiosk_mode_starts() {
    let dir = tempfile::tempdir().unwrap();
    let set = |input: &str| {
        let mut child = bin()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["kiosk", "set-pin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let settings = dir.path().join("settings.json");
    let out = set("123456\n654321\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !settings.exists()
            || !std::fs::read_to_string(&settings)
                .unwrap()
                .contains("argon2")
    );
    let out = set("123456\n123456\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved = std::fs::read_to_string(&settings).unwrap();
    assert!(
        saved.contains("$argon2") && !saved.contains("123456"),
        "{saved}"
    );
    // No display here: the window cannot open, but the PIN check no longer refuses. (Wine
    // would open the window on the test's display: Windows checks the settings only.)
    if cfg!(windows) {
        return;
    }
    let out = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--kiosk")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("staff PIN"), "{stderr}");
}

/// A demo stopped (killed) while the upstream reviews resumes to the end: the simulator's
/// tasks are kept in the demo's folder.
#[test]
fn a_demo_killed_during_review_resumes_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let photo = crate::png_file(dir.path(), "front.png");
    let mut child = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "onboard", "--json", "--name", "Kim"])
        .arg(&photo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut submitted = false;
    for line in stdout.lines() {
        let line = line.unwrap();
        if line.contains(r#""event":"submitted""#) {
            submitted = true;
            break;
        }
    }
    assert!(submitted, "the review was never asked for");
    child.kill().unwrap();
    child.wait().unwrap();
    let listed = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "sessions", "--json"])
        .output()
        .unwrap();
    let listed = json_lines(&listed.stdout);
    assert_eq!(listed[0]["stage"], "reviewing", "{listed:?}");
    let id = listed[0]["id"].as_str().unwrap();
    let out = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "resume", id, "--json"])
        .output()
        .unwrap();
    let events = json_lines(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{events:?}");
    assert_eq!(events.last().unwrap()["stage"], "approved", "{events:?}");
}

/// In the demo, URLs are read as in a real run: one that answers 404 and a web page are
/// blocked, a photo is approved.
#[test]
fn a_demo_url_that_answers_404_is_blocked_not_approved() {
    let dir = tempfile::tempdir().unwrap();
    let web = web();
    let out = bin()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--demo", "onboard", "--json", "--name", "Kim"])
        .args([
            format!("{web}/face.jpg"),
            format!("{web}/gone.jpg"),
            format!("{web}/page"),
        ])
        .output()
        .unwrap();
    let events = json_lines(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{events:?}");
    let done = events.last().unwrap();
    let status = |name: &str| {
        done["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {done}"))["status"]
            .clone()
    };
    assert_eq!(status("face"), "active");
    assert_eq!(status("gone"), "blocked");
    assert_eq!(status("page"), "blocked");
}

/// A person and a photo named in Hangul keep every column of the listings in line.
#[test]
fn a_korean_name_keeps_the_columns_aligned() {
    use unicode_width::UnicodeWidthStr;
    let dir = tempfile::tempdir().unwrap();
    onboarded(dir.path(), "김민지", "얼굴 정면.png");
    for (listing, column, cell) in [
        ("sessions", "PERSON", "김민지"),
        ("people", "PERSON", "김민지"),
        ("assets", "NAME", "얼굴-정면"),
        ("assets", "PERSON", "김민지"),
    ] {
        let out = bin()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--demo", listing])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        // The column starts in the same cell on the header and on the row.
        let start = |line: &str, word: &str| {
            let at = line
                .find(word)
                .unwrap_or_else(|| panic!("{word} in {line}"));
            line[..at].width()
        };
        assert_eq!(
            start(lines[0], column),
            start(lines[1], cell),
            "{listing}:\n{text}"
        );
    }
}
