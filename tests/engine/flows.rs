//! The flows of issue 3 end to end.

use std::time::{Duration, Instant};

use avatar_kiosk::api::Language;
use avatar_kiosk::engine::{CallbackMode, Command, NewAsset};
use avatar_kiosk::flow::{AssetSource, AssetState, Session, Stage, TokenState, Verification};
use avatar_kiosk::sim::{Faults, SimConfig, Simulator};
use avatar_kiosk::store::Store;

use crate::{KEY, config, png_file, start};

fn url_asset(url: &str) -> NewAsset {
    NewAsset {
        name: None,
        source: AssetSource::Url { url: url.into() },
        kind: None,
    }
}

fn file_asset(path: &std::path::Path) -> NewAsset {
    NewAsset {
        name: None,
        source: AssetSource::File {
            path: path.to_path_buf(),
        },
        kind: None,
    }
}

/// Every current row has reached the review (so moving the simulator's clock affects it).
fn under_review(s: &Session) -> bool {
    s.current_assets()
        .all(|a| matches!(a.state, AssetState::Submitted { .. }) || a.state.is_settled())
        && s.current_assets()
            .any(|a| matches!(a.state, AssetState::Submitted { .. }))
}

fn link_waiting(s: &Session) -> bool {
    matches!(&s.verification, Verification::Link(l) if l.token_state == TokenState::Waiting)
}

/// The phone finishes and its browser follows the redirect to our callback.
async fn phone_visits_callback(sim: &Simulator, s: &Session, pass: bool) -> String {
    let task = &s.link().unwrap().task_id;
    let url = sim.phone_finishes(task, pass).unwrap();
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    resp.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_through_the_callback() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.sqlite3");
    let mut run = start(config(&sim, &db)).await;
    let id = run.begin("김민지", Language::Ko);
    let s = run.until(&id, "a link", link_waiting).await;
    assert!(s.link().unwrap().h5_link.contains("lng=ko"));

    let page = phone_visits_callback(&sim, &s, true).await;
    assert!(
        page.contains("데스크로 돌아와"),
        "the person's language: {page}"
    );
    let s = run.stage(&id, Stage::Assets).await;
    assert!(s.group_id().is_some());

    let photo = png_file(dir.path(), "front photo.png");
    run.engine
        .send(Command::AddAssets(
            id.clone(),
            vec![
                file_asset(&photo),
                url_asset("https://cdn.studio.example/side.jpg"),
            ],
        ))
        .unwrap();
    run.until(&id, "two rows", |s| s.assets.len() == 2).await;
    run.engine.send(Command::Submit(id.clone())).unwrap();
    let s = run.until(&id, "the review", under_review).await;
    assert_eq!(
        s.assets[0].name, "front-photo",
        "a safe name from the file name"
    );
    sim.advance(Duration::from_secs(60));
    let s = run.stage(&id, Stage::FinishedAllApproved).await;
    for a in &s.assets {
        assert!(
            matches!(&a.state, AssetState::Active { asset_url, .. } if asset_url.starts_with("asset://")),
            "{a:?}"
        );
    }
    let c = sim.counters();
    assert_eq!(c.op("create_session"), 1);
    assert!(c.token_uses.values().all(|n| *n == 1));
    assert_eq!(c.submitted.len(), 2);
    assert!(c.submitted.values().all(|n| *n == 1));
    assert_eq!(c.op("upload"), 1);
    run.engine.shutdown();

    let store = Store::open(&db).unwrap();
    let kinds: Vec<String> = store
        .events(&id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for k in [
        "consent",
        "link-issued",
        "phone-callback",
        "verified",
        "uploaded",
        "submitted",
        "review-final",
    ] {
        assert!(
            kinds.iter().any(|x| x == k),
            "event log lacks {k}: {kinds:?}"
        );
    }
    assert_eq!(
        store.list().unwrap()[0].stage,
        avatar_kiosk::flow::Stage::FinishedAllApproved
    );

    // The key is nowhere on disk: database, WAL, logs.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "{} holds the key",
                p.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_confirmation_when_the_callback_cannot_arrive() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sim, &dir.path().join("k.sqlite3"));
    cfg.callback = CallbackMode::External("https://studio.example/done/{session}".into());
    let mut run = start(cfg).await;
    assert_eq!(run.callback, None);
    let id = run.begin("Alex Doe", Language::En);
    let s = run.until(&id, "a link", link_waiting).await;
    // The phone finishes; its browser goes to the studio's page, not to us.
    sim.phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    run.engine.send(Command::ConfirmPhone(id.clone())).unwrap();
    let s = run.stage(&id, Stage::Assets).await;
    assert!(s.group_id().is_some());
    assert_eq!(sim.counters().token_uses.values().sum::<u32>(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_then_a_new_one() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sim, &dir.path().join("k.sqlite3"));
    cfg.link_ttl = Duration::from_millis(300);
    let mut run = start(cfg).await;
    let id = run.begin("王小明", Language::Zh);
    let first = run.until(&id, "a link", link_waiting).await;
    let s = run
        .until(&id, "the link to expire", |s| {
            matches!(s.link().map(|l| &l.token_state), Some(TokenState::Expired))
        })
        .await;
    assert_eq!(s.stage(), Stage::Verify);
    // A dead code cannot be confirmed.
    run.engine.send(Command::ConfirmPhone(id.clone())).unwrap();
    run.engine.send(Command::NewLink(id.clone())).unwrap();
    let second = run
        .until(&id, "a second link", |s| {
            link_waiting(s) && s.link().unwrap().task_id != first.link().unwrap().task_id
        })
        .await;
    phone_visits_callback(&sim, &second, true).await;
    run.stage(&id, Stage::Assets).await;
    let c = sim.counters();
    assert_eq!(c.op("create_session"), 2);
    assert_eq!(c.token_uses.len(), 1, "only the live token was used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_verification_uses_no_token() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("k.sqlite3"))).await;
    let id = run.begin("Sam", Language::En);
    let s = run.until(&id, "a link", link_waiting).await;
    let page = phone_visits_callback(&sim, &s, false).await;
    assert!(page.contains("did not pass"));
    // The session goes on with the reason shown; staff choose a new code.
    let s = run
        .until(&id, "the spent code", |s| {
            matches!(
                s.link().map(|l| &l.token_state),
                Some(TokenState::Spent { .. })
            )
        })
        .await;
    assert_eq!(s.stage(), Stage::Verify);
    assert!(s.last_error.as_ref().unwrap().english().contains("10001"));
    assert!(sim.counters().token_uses.is_empty());
}

async fn verified(run: &mut crate::Running, sim: &Simulator, person: &str) -> String {
    let id = run.begin(person, Language::En);
    let s = run.until(&id, "a link", link_waiting).await;
    phone_visits_callback(sim, &s, true).await;
    run.stage(&id, Stage::Assets).await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_review_then_a_replacement_is_approved() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("k.sqlite3"))).await;
    let id = verified(&mut run, &sim, "Jo").await;
    run.engine
        .send(Command::AddAssets(
            id.clone(),
            vec![
                url_asset("https://cdn.studio.example/front.jpg"),
                url_asset("https://cdn.studio.example/side-fail.jpg"),
            ],
        ))
        .unwrap();
    run.engine.send(Command::Submit(id.clone())).unwrap();
    run.until(&id, "the review", under_review).await;
    sim.advance(Duration::from_secs(60));
    let s = run.stage(&id, Stage::FinishedPartly).await;
    let failed = s.assets.iter().find(|a| a.name == "side-fail").unwrap();
    assert!(
        matches!(&failed.state, AssetState::Failed { code: Some(c), .. } if c == "FaceMismatch")
    );
    run.engine
        .send(Command::Replace(
            id.clone(),
            failed.id,
            url_asset("https://cdn.studio.example/side-2.jpg"),
        ))
        .unwrap();
    run.until(&id, "the review", under_review).await;
    sim.advance(Duration::from_secs(60));
    let s = run.stage(&id, Stage::FinishedAllApproved).await;
    assert_eq!(s.current_assets().count(), 2);
    assert!(
        sim.counters().submitted.values().all(|n| *n == 1),
        "nothing submitted twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_review_finishes_after_restart_without_repeats() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.sqlite3");
    let mut run = start(config(&sim, &db)).await;
    let id = verified(&mut run, &sim, "Crash Test").await;
    let photo = png_file(dir.path(), "a.png");
    run.engine
        .send(Command::AddAssets(
            id.clone(),
            vec![
                file_asset(&photo),
                url_asset("https://cdn.studio.example/b.jpg"),
            ],
        ))
        .unwrap();
    run.engine.send(Command::Submit(id.clone())).unwrap();
    run.until(&id, "the review", under_review).await;
    // The crash: the engine goes away mid-review.
    drop(run);

    let mut run = start(config(&sim, &db)).await;
    assert_eq!(run.resumed, vec![id.clone()]);
    sim.advance(Duration::from_secs(60));
    let s = run.stage(&id, Stage::FinishedAllApproved).await;
    assert_eq!(s.assets.len(), 2);
    let c = sim.counters();
    assert!(c.submitted.values().all(|n| *n == 1), "{:?}", c.submitted);
    assert!(c.token_uses.values().all(|n| *n == 1), "{:?}", c.token_uses);
    assert_eq!(c.op("upload"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storms_of_429_and_5xx_while_uploading_and_polling() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("k.sqlite3"))).await;
    let id = verified(&mut run, &sim, "Storm").await;
    let files: Vec<_> = (0..6)
        .map(|i| file_asset(&png_file(dir.path(), &format!("p{i}.png"))))
        .collect();
    run.engine
        .send(Command::AddAssets(id.clone(), files))
        .unwrap();
    run.until(&id, "six rows", |s| s.assets.len() == 6).await;
    let before = sim.counters();
    // Storms on uploads first, then on polls. (A 5xx on the submit itself would rightly leave
    // the assets uncertain: that rule has its own tests.)
    let storm = |n| Faults {
        rate_limit_next: n,
        retry_after_secs: 0,
        server_error_next: n,
        only_paths: vec!["/v1/uploads".into(), "/v1/tasks".into()],
        ..Faults::default()
    };
    sim.set_faults(storm(4));
    let started = Instant::now();
    run.engine.send(Command::Submit(id.clone())).unwrap();
    run.until(&id, "the review", under_review).await;
    sim.set_faults(storm(3));
    sim.advance(Duration::from_secs(60));
    run.stage(&id, Stage::FinishedAllApproved).await;
    let elapsed = started.elapsed();
    let after = sim.counters();
    assert_eq!(
        after.op("upload") - before.op("upload"),
        6,
        "every file uploaded once it got through"
    );
    assert!(after.submitted.values().all(|n| *n == 1));
    // The request rate stays bounded: polls are spaced by at least the initial wait, each
    // poll makes at most max_attempts requests, and the faults add at most their count.
    let requests: u64 = after.ops.values().sum::<u64>() - before.ops.values().sum::<u64>();
    let polls_allowed = (elapsed.as_millis() / 20) as u64 + 1;
    let bound = polls_allowed * 5 + 6 + 1 + 14;
    assert!(
        requests <= bound,
        "{requests} requests in {elapsed:?} (bound {bound})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_answers_only_known_sessions_and_accepts_webhooks() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("k.sqlite3"))).await;
    let base = run.callback.clone().unwrap();
    let unknown = reqwest::get(format!("{base}/cb/nobody?resultCode=10000"))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let id = run.begin("Webhook", Language::En);
    let s = run.until(&id, "a link", link_waiting).await;
    let token = s.link().unwrap().token.clone();
    sim.phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    // An APIMart-style envelope is not a verification result: refused, and the session waits on.
    let envelope = avatar_kiosk::api::http::for_loopback(std::time::Duration::from_secs(10))
        .unwrap()
        .post(format!("{base}/cb/{id}"))
        .json(&serde_json::json!({ "code": 200, "data": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(envelope.status(), 400);
    let resp = avatar_kiosk::api::http::for_loopback(std::time::Duration::from_secs(10))
        .unwrap()
        .post(format!("{base}/cb/{id}"))
        .json(&serde_json::json!({ "resultCode": 10000, "bytedToken": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    run.stage(&id, Stage::Assets).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_request_that_never_arrived_keeps_the_code_valid() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("k.sqlite3"))).await;
    let id = run.begin("Offline", Language::En);
    let s = run.until(&id, "a link", link_waiting).await;
    sim.phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    // The gateway turns the result request away before the upstream sees it.
    sim.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 600,
        only_paths: vec!["/v1/seedance2".into()],
        ..Faults::default()
    });
    run.engine.send(Command::ConfirmPhone(id.clone())).unwrap();
    let s = run
        .until(&id, "the code to wait again", |s| {
            link_waiting(s) && s.last_error.is_some()
        })
        .await;
    assert!(
        s.last_error
            .as_ref()
            .is_some_and(|m| m.english().contains("still valid"))
    );
    run.engine.send(Command::ConfirmPhone(id.clone())).unwrap();
    run.stage(&id, Stage::Assets).await;
    assert_eq!(
        sim.counters().token_uses.values().sum::<u32>(),
        1,
        "the token reached the upstream once"
    );
}

/// Every current row has its upload's URL.
fn all_uploaded(s: &Session) -> bool {
    s.current_assets().next().is_some()
        && s.current_assets()
            .all(|a| matches!(a.state, AssetState::Uploaded { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_upload_while_the_phone_verifies_and_go_in_one_submit_after() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("k.sqlite3"))).await;
    let id = run.begin("Early Bird", Language::En);
    let photos: Vec<_> = ["a.png", "b.png", "c.png"]
        .iter()
        .map(|n| file_asset(&png_file(dir.path(), n)))
        .collect();
    run.engine
        .send(Command::AddAssets(id.clone(), photos))
        .unwrap();
    let s = run
        .until(&id, "uploads while the link waits", |s| {
            link_waiting(s) && all_uploaded(s)
        })
        .await;
    assert_eq!(s.stage(), Stage::Verify);
    let c = sim.counters();
    assert_eq!(c.op("upload"), 3);
    assert_eq!((c.op("query_verification"), c.op("submit")), (0, 0));
    phone_visits_callback(&sim, &s, true).await;
    run.until(&id, "the review", under_review).await;
    let c = sim.counters();
    assert_eq!(c.submit_requests, vec![("Image".to_string(), 3)]);
    assert_eq!(c.op("upload"), 3, "nothing uploaded twice");
}

/// A session with `photo` whose engine stops (a crash) once the photo is checked and its upload
/// is in flight: uploads hang until the faults are cleared. Returns the session's id.
async fn stopped_mid_upload(
    sim: &Simulator,
    db: &std::path::Path,
    photo: &std::path::Path,
) -> String {
    sim.set_faults(Faults {
        latency_ms: 60_000,
        only_paths: vec!["/v1/uploads".into()],
        ..Faults::default()
    });
    let mut run = start(config(sim, db)).await;
    let id = run.begin("Restart", Language::En);
    run.engine
        .send(Command::AddAssets(id.clone(), vec![file_asset(photo)]))
        .unwrap();
    run.until(&id, "the upload under way", |s| {
        s.assets
            .iter()
            .any(|a| matches!(a.state, AssetState::Uploading { .. }))
    })
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_copy_is_uploaded_after_a_restart_without_reading_the_photo_again() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.sqlite3");
    let photo = png_file(dir.path(), "kept.png");
    let id = stopped_mid_upload(&sim, &db, &photo).await;
    // The original is now unreadable as an image: only the kept copy can be sent.
    std::fs::write(&photo, b"overwritten, no longer a photo").unwrap();
    sim.set_faults(Faults::default());
    let mut run = start(config(&sim, &db)).await;
    let s = run.until(&id, "the kept copy uploaded", all_uploaded).await;
    let AssetState::Uploaded { url } = &s.assets[0].state else {
        unreachable!()
    };
    let sent = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    let img = image::load_from_memory(&sent).expect("the prepared copy, not the overwritten file");
    assert_eq!((img.width(), img.height()), (400, 500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_changed_after_its_check_is_not_sent_in_its_place() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.sqlite3");
    let photo = png_file(dir.path(), "IMG_0001.png");
    let id = stopped_mid_upload(&sim, &db, &photo).await;
    // The kept copy is gone (swept) and a new shot was saved under the same name.
    std::fs::remove_dir_all(dir.path().join("cache")).unwrap();
    std::fs::copy(png_file(dir.path(), "other.png"), &photo).unwrap();
    sim.set_faults(Faults::default());
    let mut run = start(config(&sim, &db)).await;
    let s = run
        .until(&id, "the refused upload", |s| {
            matches!(s.assets[0].state, AssetState::UploadFailed { .. })
        })
        .await;
    let AssetState::UploadFailed { reason } = &s.assets[0].state else {
        unreachable!()
    };
    assert_eq!(reason.id(), "upload-file-changed");
    assert_eq!(
        sim.counters().op("upload"),
        0,
        "the new photo never reached the upload"
    );
}
