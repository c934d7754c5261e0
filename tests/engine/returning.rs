//! Returning people: assets added to a verified group, the library across people, test renders
//! (downloaded, refused for unapproved assets, never paid twice after a crash), a retired group.

use std::time::Duration;

use avatar_kiosk::api::Language;
use avatar_kiosk::engine::{Command, Event, NewAsset, RenderAsk};
use avatar_kiosk::flow::{self, AssetSource, AssetState, RenderState, Session, Stage, TokenState};
use avatar_kiosk::sim::{SimConfig, Simulator};
use avatar_kiosk::store::{SessionStore, Store};

use crate::{Running, config, start};

pub fn sim_config() -> SimConfig {
    SimConfig {
        review_duration: Duration::from_millis(300),
        video_duration: Duration::from_millis(600),
        ..SimConfig::default()
    }
}

fn urls(list: &[&str]) -> Vec<NewAsset> {
    list.iter()
        .map(|u| NewAsset {
            name: None,
            source: AssetSource::Url { url: (*u).into() },
            kind: None,
        })
        .collect()
}

/// One person verified through the callback, with these assets reviewed.
pub async fn onboard(run: &mut Running, sim: &Simulator, person: &str, assets: &[&str]) -> Session {
    let id = verified(run, sim, person, Language::En).await;
    run.engine
        .send(Command::AddAssets(id.clone(), urls(assets)))
        .unwrap();
    run.until(&id, "rows checked", |s| {
        s.assets.len() == assets.len()
            && s.current_assets().all(|a| a.check != flow::Check::Pending)
    })
    .await;
    run.engine.send(Command::Submit(id.clone())).unwrap();
    run.until(&id, "the review's end", |s| s.stage().is_final())
        .await
}

/// A session started and verified through the callback, at its Assets step: its id.
pub async fn verified(run: &mut Running, sim: &Simulator, person: &str, lang: Language) -> String {
    let id = run.begin(person, lang);
    let s = run
        .until(&id, "a link", |s| {
            s.link()
                .is_some_and(|l| l.token_state == TokenState::Waiting)
        })
        .await;
    let url = sim
        .phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    reqwest::get(&url).await.unwrap();
    run.stage(&id, Stage::Assets).await;
    id
}

fn ask(assets: &[&str]) -> RenderAsk {
    RenderAsk {
        prompt: "The person walks through a sunny park and waves.".into(),
        fast: true,
        duration: 5,
        resolution: "480p".into(),
        assets: assets.iter().map(|a| a.to_string()).collect(),
        price_per_second: 0.08,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_person_gets_more_assets_without_a_new_verification() {
    let sim = Simulator::start(sim_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("kiosk.sqlite3"))).await;
    let first = onboard(&mut run, &sim, "Kim", &["https://cdn.example/front.jpg"]).await;
    assert_eq!(first.stage(), Stage::FinishedAllApproved);
    let before = sim.counters();
    let group = first.group_id().unwrap().to_string();

    // A later visit: two more photos for the same person, from a restarted app.
    run.engine.shutdown();
    let mut run = start(config(&sim, &dir.path().join("kiosk.sqlite3"))).await;
    run.engine
        .send(Command::AddAssets(
            first.id.clone(),
            urls(&[
                "https://cdn.example/smile.jpg",
                "https://cdn.example/profile.jpg",
            ]),
        ))
        .unwrap();
    run.until(&first.id, "rows checked", |s| {
        s.assets.len() == 3 && s.current_assets().all(|a| a.check != flow::Check::Pending)
    })
    .await;
    run.engine.send(Command::Submit(first.id.clone())).unwrap();
    let s = run
        .until(&first.id, "three approved", |s| {
            s.current_assets()
                .filter(|a| matches!(a.state, AssetState::Active { .. }))
                .count()
                == 3
        })
        .await;
    assert_eq!(s.group_id(), Some(group.as_str()), "the same group");
    let after = sim.counters();
    for op in ["create_session", "query_verification"] {
        assert_eq!(after.op(op), before.op(op), "no new {op}");
    }
    assert_eq!(after.op("submit"), before.op("submit") + 1);
    assert!(
        after
            .submitted
            .keys()
            .filter(|k| k.starts_with(&group))
            .count()
            == 3,
        "{:?}",
        after.submitted
    );
    run.engine.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_lists_three_peoples_assets_and_search_narrows_them() {
    let sim = Simulator::start(sim_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.sqlite3");
    let mut run = start(config(&sim, &db)).await;
    onboard(
        &mut run,
        &sim,
        "Kim Minji",
        &[
            "https://cdn.example/front.jpg",
            "https://cdn.example/side-fail.jpg",
        ],
    )
    .await;
    onboard(&mut run, &sim, "Li Wei", &["https://cdn.example/smile.jpg"]).await;
    onboard(
        &mut run,
        &sim,
        "Ana Souza",
        &[
            "https://cdn.example/front.jpg",
            "https://cdn.example/back.jpg",
        ],
    )
    .await;
    run.engine.send(Command::Everyone).unwrap();
    let all = loop {
        match tokio::time::timeout(crate::DEADLINE, run.events.recv()).await {
            Ok(Some(Event::Everyone(all))) => break all,
            Ok(Some(_)) => {}
            other => panic!("no list: {other:?}"),
        }
    };
    let library = flow::library(&all, "");
    assert_eq!(
        library.len(),
        4,
        "the failed photo is not in it: {library:#?}"
    );
    let people: std::collections::BTreeSet<_> = library.iter().map(|a| a.person.as_str()).collect();
    assert_eq!(people.len(), 3);
    assert!(library.iter().all(|a| a.asset_url.starts_with("asset://")));
    assert_eq!(flow::library(&all, "front").len(), 2);
    assert_eq!(flow::library(&all, "li w").len(), 1);
    assert_eq!(flow::people(&all, "ana").len(), 1);
    assert!(flow::people(&all, "side-fail")[0].person == "Kim Minji");
    run.engine.shutdown();

    // The same from the store the command line reads.
    let mut store = Store::open(&db).unwrap();
    assert_eq!(flow::library(&store.everyone().unwrap(), "souza").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_render_is_downloaded_and_a_failed_asset_is_refused_before_any_request() {
    let sim = Simulator::start(sim_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("kiosk.sqlite3"))).await;
    let s = onboard(
        &mut run,
        &sim,
        "Kim",
        &[
            "https://cdn.example/front.jpg",
            "https://cdn.example/side-fail.jpg",
        ],
    )
    .await;
    let failed = s
        .current_assets()
        .find(|a| matches!(a.state, AssetState::Failed { .. }))
        .unwrap()
        .name
        .clone();
    run.engine
        .send(Command::Render(s.id.clone(), ask(&[&failed])))
        .unwrap();
    let refused = loop {
        match tokio::time::timeout(crate::DEADLINE, run.events.recv()).await {
            Ok(Some(Event::Refused { message, .. })) => break message,
            Ok(Some(_)) => {}
            other => panic!("no refusal: {other:?}"),
        }
    };
    assert_eq!(refused.id(), "render-asset-not-active");
    assert_eq!(sim.counters().op("video"), 0, "nothing was sent");

    run.engine
        .send(Command::Render(s.id.clone(), ask(&[])))
        .unwrap();
    let done = run
        .until(&s.id, "the video saved", |s| {
            s.renders.iter().any(|r| !r.in_flight())
        })
        .await;
    let render = &done.renders[0];
    assert_eq!(render.request.estimated_cost_milli, 400, "5 s at 0.08");
    assert_eq!(
        render.request.asset_urls.len(),
        1,
        "the approved image only"
    );
    let RenderState::Done {
        path, thumbnail, ..
    } = &render.state
    else {
        panic!("{:?}", render.state);
    };
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4");
    assert!(bytes.windows(4).any(|w| w == b"moov") && bytes.windows(4).any(|w| w == b"mdat"));
    assert!(path.starts_with(dir.path().join("renders")));
    let poster = image::open(thumbnail.as_ref().unwrap()).unwrap();
    assert!(poster.width() > 0);
    assert_eq!(sim.counters().op("video"), 1);

    // Deleting the person removes their renders from this computer too.
    let (path, poster) = (path.clone(), thumbnail.clone().unwrap());
    run.engine.send(Command::Delete(s.id.clone())).unwrap();
    loop {
        match tokio::time::timeout(crate::DEADLINE, run.events.recv()).await {
            Ok(Some(Event::Deleted(id))) if id == s.id => break,
            Ok(Some(_)) => {}
            other => panic!("not deleted: {other:?}"),
        }
    }
    assert!(!path.exists() && !poster.exists());
    run.engine.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_render_interrupted_by_a_crash_is_followed_again_and_paid_once() {
    let sim = Simulator::start(SimConfig {
        video_duration: Duration::from_secs(3600),
        ..sim_config()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.sqlite3");
    let mut run = start(config(&sim, &db)).await;
    let s = onboard(&mut run, &sim, "Kim", &["https://cdn.example/front.jpg"]).await;
    run.engine
        .send(Command::Render(s.id.clone(), ask(&[])))
        .unwrap();
    run.until(&s.id, "the render running", |s| {
        s.renders
            .iter()
            .any(|r| matches!(r.state, RenderState::Running { .. }))
    })
    .await;
    run.engine.crash();

    // The finished session is taken up again because its render is still moving.
    let mut run = start(config(&sim, &db)).await;
    assert_eq!(run.resumed, vec![s.id.clone()]);
    // A paid render on its way: deleting the person waits for it.
    run.engine.send(Command::Delete(s.id.clone())).unwrap();
    let refused = loop {
        match tokio::time::timeout(crate::DEADLINE, run.events.recv()).await {
            Ok(Some(Event::Refused { message, .. })) => break message,
            Ok(Some(_)) => {}
            other => panic!("no refusal: {other:?}"),
        }
    };
    assert_eq!(refused.id(), "engine-render-moving");
    sim.advance(Duration::from_secs(3600));
    let done = run
        .until(&s.id, "the video saved", |s| {
            s.renders
                .iter()
                .any(|r| matches!(r.state, RenderState::Done { .. }))
        })
        .await;
    assert_eq!(done.renders.len(), 1);
    assert_eq!(sim.counters().op("video"), 1, "asked once");
    run.engine.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_the_upstream_retired_says_to_verify_again() {
    let sim = Simulator::start(sim_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(config(&sim, &dir.path().join("kiosk.sqlite3"))).await;
    let s = onboard(&mut run, &sim, "Kim", &["https://cdn.example/front.jpg"]).await;
    assert!(sim.retire_group(s.group_id().unwrap()));
    run.engine
        .send(Command::AddAssets(
            s.id.clone(),
            urls(&["https://cdn.example/smile.jpg"]),
        ))
        .unwrap();
    run.until(&s.id, "row checked", |s| {
        s.assets.len() == 2 && s.current_assets().all(|a| a.check != flow::Check::Pending)
    })
    .await;
    run.engine.send(Command::Submit(s.id.clone())).unwrap();
    let s = run
        .until(&s.id, "the submit refused", |s| {
            s.current_assets()
                .any(|a| matches!(a.state, AssetState::Refused { .. }))
        })
        .await;
    let reason = s
        .current_assets()
        .find_map(|a| match &a.state {
            AssetState::Refused { reason } => Some(reason.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(reason.id(), "api-group-retired");
    assert!(
        reason.english().contains("Verify the person again"),
        "{}",
        reason.english()
    );
    run.engine.shutdown();
}
