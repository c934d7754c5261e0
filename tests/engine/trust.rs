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
