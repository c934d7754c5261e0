//! Issue 13's findings, each with the test that failed before its fix.

use std::process::Command as Process;
use std::time::Duration;

use avatar_kiosk::api::Language;
use avatar_kiosk::engine::{Command, Engine, EngineError, NewAsset};
use avatar_kiosk::flow::{AssetSource, AssetState, Stage};
use avatar_kiosk::sim::{Faults, SimConfig, Simulator};
use avatar_kiosk::store::lock::LockError;

use crate::{KEY, config, png_file, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_engine_on_one_folder_is_refused_and_names_the_first() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.sqlite3");
    let mut first = config(&sim, &db);
    first.holder = "the first window".into();
    let run = start(first).await;
    match Engine::start(config(&sim, &db), std::sync::Arc::new(|| {})) {
        Err(EngineError::Busy(LockError::Held { holder })) => {
            assert!(holder.starts_with("the first window (pid "), "{holder}")
        }
        other => panic!("expected the folder to be busy, got {other:?}"),
    }
    assert_eq!(
        sim.counters().ops.values().sum::<u64>(),
        0,
        "nothing was sent"
    );
    drop(run);
    // Once the first has stopped, the folder is free again.
    let _again = start(config(&sim, &db)).await;
}

fn resume(dir: &std::path::Path, base: &str, id: &str) -> std::process::Child {
    Process::new(env!("CARGO_BIN_EXE_avatar-kiosk"))
        .arg("--data-dir")
        .arg(dir)
        .args([
            "--base-url",
            base,
            "--callback-bind",
            "127.0.0.1:0",
            "resume",
            id,
            "--json",
        ])
        .env(avatar_kiosk::secrets::ENV_VAR, KEY)
        .env("AVATAR_KIOSK_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_kill_two_resumes_at_once_submit_each_asset_once() {
    let sim = Simulator::start(SimConfig {
        review_duration: Duration::from_millis(200),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(avatar_kiosk::store::DB_FILE);
    // Uploads hang: the "kill" comes with every photo's upload in flight.
    sim.set_faults(Faults {
        latency_ms: 60_000,
        only_paths: vec!["/v1/uploads".into()],
        ..Faults::default()
    });
    let mut run = start(config(&sim, &db)).await;
    let id = run.begin("Twice", Language::En);
    let photos: Vec<NewAsset> = ["a.png", "b.png"]
        .iter()
        .map(|n| NewAsset {
            name: None,
            source: AssetSource::File {
                path: png_file(dir.path(), n),
            },
            kind: None,
        })
        .collect();
    run.engine
        .send(Command::AddAssets(id.clone(), photos))
        .unwrap();
    let s = run
        .until(&id, "a link", |s| {
            s.link().is_some()
                && s.assets
                    .iter()
                    .all(|a| matches!(a.state, AssetState::Uploading { .. }))
        })
        .await;
    let url = sim
        .phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    reqwest::get(&url).await.unwrap();
    run.stage(&id, Stage::Uploading).await;
    drop(run);
    // Slow uploads keep the first resume busy while the second one starts.
    sim.set_faults(Faults {
        latency_ms: 2_000,
        only_paths: vec!["/v1/uploads".into()],
        ..Faults::default()
    });

    let base = sim.base_url();
    let (dir_a, dir_b, id_a, id_b) = (
        dir.path().to_path_buf(),
        dir.path().to_path_buf(),
        id.clone(),
        id.clone(),
    );
    let (a, b) = tokio::join!(
        tokio::task::spawn_blocking(move || resume(&dir_a, &base, &id_a)
            .wait_with_output()
            .unwrap()),
        tokio::task::spawn_blocking({
            let base = sim.base_url();
            move || resume(&dir_b, &base, &id_b).wait_with_output().unwrap()
        }),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(
        codes,
        [Some(0), Some(3)],
        "one finishes, the other refuses: {}\n{}",
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout)
    );
    let refused = if a.status.code() == Some(3) { &a } else { &b };
    let text = String::from_utf8_lossy(&refused.stdout);
    assert!(
        text.contains("\"event\":\"error\"") && text.contains("avatar-kiosk resume"),
        "the refusal names the holder: {text}"
    );
    let c = sim.counters();
    assert_eq!(c.submitted.len(), 2, "{:?}", c.submitted);
    assert!(c.submitted.values().all(|n| *n == 1), "{:?}", c.submitted);
    assert!(c.token_uses.values().all(|n| *n == 1), "{:?}", c.token_uses);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_save_sends_nothing_and_the_code_stays_usable() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.sqlite3");
    let mut run = start(config(&sim, &db)).await;
    let id = run.begin("Disk Full", Language::En);
    let s = run.until(&id, "a link", |s| s.link().is_some()).await;
    // Another writer holds the database: the engine's next save fails (after its busy wait).
    let blocker = rusqlite::Connection::open(&db).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let url = sim
        .phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    reqwest::get(&url).await.unwrap();
    let s = run
        .until(&id, "the withheld request", |s| s.last_error.is_some())
        .await;
    assert_eq!(s.last_error.as_ref().unwrap().id(), "engine-not-saved");
    assert_eq!(
        sim.counters().op("query_verification"),
        0,
        "nothing was sent"
    );
    // The disk is back: staff confirm, and the one-time code works.
    blocker.execute_batch("ROLLBACK").unwrap();
    run.engine.send(Command::ConfirmPhone(id.clone())).unwrap();
    run.stage(&id, Stage::Assets).await;
    assert_eq!(sim.counters().op("query_verification"), 1);
}

mod listener {
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use avatar_kiosk::api::Language;
    use avatar_kiosk::callback::{CallbackServer, Delivery, Limits, Registry};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpSocket, TcpStream};
    use tokio::sync::mpsc;

    /// A listener on 127.0.0.1 for session `s1`, and an engine stand-in that takes every hit.
    async fn listener(limits: Limits) -> CallbackServer {
        let registry = Registry::new(avatar_kiosk::engine::phone_pages());
        registry.register("s1", Language::En);
        let (tx, mut rx) = mpsc::channel::<Delivery>(16);
        tokio::spawn(async move {
            while let Some(d) = rx.recv().await {
                let _ = d.accepted.send(true);
            }
        });
        CallbackServer::start_with(SocketAddr::from(([127, 0, 0, 1], 0)), registry, tx, limits)
            .await
            .unwrap()
    }

    /// Reads until the server closes the connection; what it sent, or `None` past `deadline`.
    async fn until_closed(stream: &mut TcpStream, deadline: Duration) -> Option<String> {
        let mut got = Vec::new();
        let read = tokio::time::timeout(deadline, async {
            let mut buf = [0u8; 1024];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await;
        read.ok()
            .map(|()| String::from_utf8_lossy(&got).to_string())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_half_sent_request_is_closed_within_ten_seconds() {
        let server = listener(Limits::default()).await;
        let mut s = TcpStream::connect(server.addr()).await.unwrap();
        s.write_all(b"GET /cb/s1?resultCode=10000 HTTP/1.1\r\nHost: kiosk\r\n")
            .await
            .unwrap();
        let closed = until_closed(&mut s, Duration::from_secs(15)).await;
        assert!(closed.is_some(), "still open after 15 s");
    }

    /// At the cap, a new connection is served and the oldest one that never sent its request
    /// is closed to make room (it used to be the new one that was turned away).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_the_cap_the_oldest_silent_connection_gives_way() {
        let server = listener(Limits {
            max_connections: 4,
            per_address: 100,
            per_address_rate: 100,
            header_timeout: Duration::from_secs(60),
            connection_timeout: Duration::from_secs(60),
            ..Limits::default()
        })
        .await;
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(TcpStream::connect(server.addr()).await.unwrap());
        }
        let page = reqwest::get(format!("http://{}/cb/s1?resultCode=10000", server.addr()))
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        // The first of the four was closed for it, unanswered.
        let first = until_closed(&mut held[0], Duration::from_secs(10)).await;
        assert_eq!(first.as_deref(), Some(""), "the oldest was closed");
        let evicted = server
            .counters()
            .evicted
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(evicted, 1);
    }

    /// Eight addresses of the studio's network, each holding its share of half-sent
    /// requests, fill the listener; a ninth address (the phone) is still answered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn eight_neighbours_with_half_sent_requests_do_not_keep_the_phone_out() {
        let limits = Limits {
            header_timeout: Duration::from_secs(60),
            connection_timeout: Duration::from_secs(60),
            ..Limits::default()
        };
        assert_eq!(limits.per_address * 8, limits.max_connections);
        let server = listener(limits).await;
        let mut held = Vec::new();
        for neighbour in 2..10u8 {
            for _ in 0..8 {
                let socket = TcpSocket::new_v4().unwrap();
                socket
                    .bind(SocketAddr::from(([127, 0, 0, neighbour], 0)))
                    .unwrap();
                let mut s = socket.connect(server.addr()).await.unwrap();
                s.write_all(b"GET /cb/s1?resultCode=10000 HTTP/1.1\r\nHost: k")
                    .await
                    .unwrap();
                held.push(s);
            }
        }
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::from(([127, 0, 0, 20], 0))).unwrap();
        let mut phone = socket.connect(server.addr()).await.unwrap();
        phone
            .write_all(b"GET /cb/s1/key?resultCode=10000 HTTP/1.1\r\nHost: kiosk\r\n\r\n")
            .await
            .unwrap();
        let answer = until_closed(&mut phone, Duration::from_secs(20)).await;
        let answer = answer.expect("the phone's connection was answered and closed");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("Verification received"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_oversize_body_gets_413_before_it_is_sent() {
        let server = listener(Limits::default()).await;
        for (path, want) in [("/cb/s1", "413"), ("/cb/nobody", "404")] {
            let mut s = TcpStream::connect(server.addr()).await.unwrap();
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: kiosk\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n"
            );
            s.write_all(head.as_bytes()).await.unwrap();
            // Not one byte of the body is sent: the answer comes anyway.
            let answer = until_closed(&mut s, Duration::from_secs(10)).await.unwrap();
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {want}")),
                "{path}: {answer}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_phones_redirect_lands_while_a_neighbour_holds_a_thousand_connections() {
        let server = listener(Limits::default()).await;
        let mut idle = Vec::new();
        for _ in 0..1000 {
            let socket = TcpSocket::new_v4().unwrap();
            socket.bind(SocketAddr::from(([127, 0, 0, 2], 0))).unwrap();
            if let Ok(s) = socket.connect(server.addr()).await {
                idle.push(s);
            }
        }
        assert_eq!(idle.len(), 1000, "the neighbour's connections were made");
        let started = Instant::now();
        let page = reqwest::get(format!(
            "http://{}/cb/s1/key?resultCode=10000",
            server.addr()
        ))
        .await
        .unwrap();
        let latency = started.elapsed();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Verification received"));
        println!("the redirect landed in {latency:?} beside 1000 idle connections");
        // The neighbour's connections still waiting in the accept queue are refused as they
        // are taken (Linux takes them in order, before the redirect; Wine's sockets need not):
        // wait for the count, with a deadline.
        let counted = Instant::now();
        let refused = loop {
            let refused = server
                .counters()
                .refused
                .load(std::sync::atomic::Ordering::Relaxed);
            if refused >= 992 || counted.elapsed() > Duration::from_secs(30) {
                break refused;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        // Wine leaves part of a thousand pending connections unaccepted (neither served nor
        // refused) while it answers the redirect: there only the redirect is checked.
        if avatar_kiosk::platform::under_wine() {
            eprintln!(
                "under Wine: {refused} of the neighbour's 1000 refused; the count is checked on Linux and Windows only"
            );
        } else {
            assert!(
                refused >= 992,
                "the neighbour kept at most its share: {refused} refused"
            );
        }
    }
}
