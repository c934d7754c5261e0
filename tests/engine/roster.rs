//! Several desks on one shared PostgreSQL roster (issue 15): each test gets a database of its
//! own on the server `.ci/run` starts (AVATAR_KIOSK_TEST_POSTGRES).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use avatar_kiosk::api::Language;
use avatar_kiosk::engine::{Command, EngineConfig, Event, NewAsset, Resume};
use avatar_kiosk::flow::{AssetSource, AssetState, Session, Stage, TokenState, Verification};
use avatar_kiosk::sim::{SimConfig, Simulator};
use avatar_kiosk::store::testing::PgDatabase;
use avatar_kiosk::store::{Lease, PgStore, SessionStore};
use tokio::net::{TcpListener, TcpStream};

use crate::{DEADLINE, Running, config, start};

/// A call of the blocking database client from an async test.
fn blocking<T: Send>(f: impl FnOnce() -> Result<T, avatar_kiosk::store::StoreError> + Send) -> T {
    tokio::task::block_in_place(|| std::thread::scope(|s| s.spawn(f).join().unwrap().unwrap()))
}

/// A desk: its own data folder, the shared roster, its name, a short lease.
fn desk(sim: &Simulator, url: &str, dir: &Path, name: &str) -> EngineConfig {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    let mut c = config(sim, &folder.join("kiosk.sqlite3"));
    c.roster = Some(url.to_string().into());
    c.kiosk = name.to_string();
    c.lease = Duration::from_millis(900);
    c
}

/// A simulator whose reviews end only when the test moves its clock past `REVIEW` (each test
/// checks who holds a session while its review is still open; a loaded machine, Wine on two
/// cores, has taken longer than the default eight seconds to get there).
async fn simulator() -> Simulator {
    let config = SimConfig {
        review_duration: REVIEW,
        ..SimConfig::default()
    };
    Simulator::start(config).await.unwrap()
}

/// How long a review takes on the simulator of these tests.
const REVIEW: Duration = Duration::from_secs(3600);

fn url_asset(url: &str) -> NewAsset {
    NewAsset {
        name: None,
        source: AssetSource::Url { url: url.into() },
        kind: None,
    }
}

fn link_waiting(s: &Session) -> bool {
    matches!(&s.verification, Verification::Link(l) if l.token_state == TokenState::Waiting)
}

fn under_review(s: &Session) -> bool {
    s.current_assets()
        .all(|a| matches!(a.state, AssetState::Submitted { .. }))
}

/// A verified person with two photos submitted and under review.
async fn submitted(run: &mut Running, sim: &Simulator, person: &str) -> String {
    let id = run.begin(person, Language::En);
    let s = run.until(&id, "a link", link_waiting).await;
    let url = sim
        .phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    run.stage(&id, Stage::Assets).await;
    let photos = vec![
        url_asset(&format!("https://cdn.studio.example/{person}-front.jpg")),
        url_asset(&format!("https://cdn.studio.example/{person}-side.jpg")),
    ];
    run.engine
        .send(Command::AddAssets(id.clone(), photos))
        .unwrap();
    run.engine.send(Command::Submit(id.clone())).unwrap();
    run.until(&id, "the review", under_review).await;
    id
}

/// The next event that `pred` picks, within the deadline.
/// A failed wait names the events that came instead (the start of each).
async fn next(run: &mut Running, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
    let mut seen = Vec::new();
    let wait = async {
        while let Some(ev) = run.events.recv().await {
            if pred(&ev) {
                return Some(ev);
            }
            seen.push(match &ev {
                Event::Session(s) => format!(
                    "Session {} {:?} {:?}",
                    s.id,
                    s.stage(),
                    s.assets.iter().map(|a| &a.state).collect::<Vec<_>>()
                ),
                _ => format!("{ev:?}").chars().take(160).collect::<String>(),
            });
        }
        None
    };
    match tokio::time::timeout(DEADLINE, wait).await {
        Ok(Some(ev)) => ev,
        Ok(None) => panic!("the engine stopped before {what}; instead: {seen:#?}"),
        Err(_) => panic!("timed out waiting for {what}; instead: {seen:#?}"),
    }
}

async fn history(run: &mut Running) -> Vec<avatar_kiosk::store::SessionSummary> {
    run.engine.send(Command::List).unwrap();
    match next(run, "the list", |e| matches!(e, Event::History(_))).await {
        Event::History(list) => list,
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_onboard_at_once_and_a_third_lists_both() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = start(desk(&sim, &db.url, dir.path(), "desk-a")).await;
    let mut b = start(desk(&sim, &db.url, dir.path(), "desk-b")).await;
    let (ia, ib) = tokio::join!(
        submitted(&mut a, &sim, "Ana"),
        submitted(&mut b, &sim, "Bo")
    );
    sim.advance(REVIEW);
    a.stage(&ia, Stage::FinishedAllApproved).await;
    b.stage(&ib, Stage::FinishedAllApproved).await;
    let mut c = start(desk(&sim, &db.url, dir.path(), "desk-c")).await;
    let list = history(&mut c).await;
    let desk_of = |id: &str| {
        list.iter()
            .find(|s| s.id == id)
            .map(|s| (s.kiosk.clone(), s.active, s.stage))
    };
    assert_eq!(
        desk_of(&ia),
        Some(("desk-a".into(), 2, Stage::FinishedAllApproved))
    );
    assert_eq!(
        desk_of(&ib),
        Some(("desk-b".into(), 2, Stage::FinishedAllApproved))
    );
    assert!(sim.counters().submitted.values().all(|n| *n == 1));
}

/// Asks for a session until this engine holds it (another desk's lease lapses first).
async fn take_over(run: &mut Running, id: &str) -> Duration {
    let t0 = Instant::now();
    loop {
        run.engine.send(Command::Get(id.to_string())).unwrap();
        let ev = next(run, "the session or a refusal", |e| match e {
            Event::Session(s) => s.id == id,
            Event::Refused { session, .. } => session.as_deref() == Some(id),
            _ => false,
        })
        .await;
        if matches!(ev, Event::Session(_)) {
            return t0.elapsed();
        }
        let Event::Refused { message, .. } = ev else {
            unreachable!()
        };
        assert_eq!(message.id(), "engine-held", "{message:?}");
        assert!(t0.elapsed() < DEADLINE, "the lease never lapsed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_that_died_after_the_submit_is_taken_over_with_nothing_sent_twice() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = start(desk(&sim, &db.url, dir.path(), "desk-a")).await;
    let id = submitted(&mut a, &sim, "Cai").await;
    let mut b = start(desk(&sim, &db.url, dir.path(), "desk-b")).await;
    // While desk A lives, desk B is told who has the person.
    b.engine.send(Command::Get(id.clone())).unwrap();
    let refused = next(&mut b, "a refusal", |e| matches!(e, Event::Refused { .. })).await;
    let Event::Refused { message, .. } = refused else {
        unreachable!()
    };
    assert_eq!(message.id(), "engine-held");
    assert!(format!("{message:?}").contains("desk-a"), "{message:?}");
    a.engine.crash();
    let took = take_over(&mut b, &id).await;
    eprintln!("takeover after the owner died: {took:?} (lease 900 ms)");
    sim.advance(REVIEW);
    let s = b.stage(&id, Stage::FinishedAllApproved).await;
    assert_eq!(s.current_assets().count(), 2);
    let c = sim.counters();
    assert_eq!(c.submitted.len(), 2, "{:?}", c.submitted);
    assert!(c.submitted.values().all(|n| *n == 1), "{:?}", c.submitted);
    assert!(c.token_uses.values().all(|n| *n == 1), "{:?}", c.token_uses);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_resuming_one_session_at_once_submit_once() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = start(desk(&sim, &db.url, dir.path(), "desk-a")).await;
    // Verified with photos added but not yet sent: whoever resumes it submits.
    let id = a.begin("Dee", Language::En);
    let s = a.until(&id, "a link", link_waiting).await;
    let url = sim
        .phone_finishes(&s.link().unwrap().task_id, true)
        .unwrap();
    reqwest::get(&url).await.unwrap();
    a.stage(&id, Stage::Assets).await;
    a.engine
        .send(Command::AddAssets(
            id.clone(),
            vec![url_asset("https://cdn.studio.example/dee.jpg")],
        ))
        .unwrap();
    a.until(&id, "the photo added", |s| s.current_assets().count() == 1)
        .await;
    a.engine.crash();
    // Both wait for the lease to lapse, then resume the session at the same moment.
    let held = || {
        blocking(|| {
            let mut roster = PgStore::connect(&db.url, Lease::new("watcher", Lease::LENGTH))?;
            Ok(roster.list()?[0].held_by.is_some())
        })
    };
    let deadline = Instant::now() + DEADLINE;
    while held() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut cb = desk(&sim, &db.url, dir.path(), "desk-b");
    let mut cc = desk(&sim, &db.url, dir.path(), "desk-c");
    cb.resume = Resume::Only(vec![id.clone()]);
    cc.resume = Resume::Only(vec![id.clone()]);
    let (mut b, mut c) = tokio::join!(start(cb), start(cc));
    let (winner, loser) = match (b.resumed.is_empty(), c.resumed.is_empty()) {
        (false, true) => (&mut b, &mut c),
        (true, false) => (&mut c, &mut b),
        other => panic!("exactly one desk resumes it: {other:?}"),
    };
    let refused = next(loser, "a refusal", |e| matches!(e, Event::Refused { .. })).await;
    assert!(matches!(refused, Event::Refused { message, .. } if message.id() == "engine-held"));
    for run in [&*winner, &*loser] {
        run.engine.send(Command::Submit(id.clone())).unwrap();
    }
    winner.until(&id, "the review", under_review).await;
    sim.advance(REVIEW);
    winner.stage(&id, Stage::FinishedAllApproved).await;
    let counted = sim.counters();
    assert_eq!(counted.op("submit"), 1, "one submit for the session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_desks_change_reaches_history_through_a_notice() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut b = start(desk(&sim, &db.url, dir.path(), "desk-b")).await;
    let mut a = start(desk(&sim, &db.url, dir.path(), "desk-a")).await;
    let id = a.begin("Eun", Language::Ko);
    a.until(&id, "a link", link_waiting).await;
    // B never asked for the list: the notice alone tells it.
    next(&mut b, "the roster's notice", |e| {
        matches!(e, Event::RosterChanged)
    })
    .await;
    let list = history(&mut b).await;
    let row = list
        .iter()
        .find(|s| s.id == id)
        .expect("A's person is listed");
    assert_eq!(row.kiosk, "desk-a");
    assert_eq!(row.held_by.as_deref(), Some("desk-a"));
}

/// A TCP proxy to the database that can be cut (every connection dropped, new ones refused)
/// and restored.
struct Proxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    cut: Arc<tokio::sync::Notify>,
}

impl Proxy {
    async fn start(to: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(tokio::sync::Notify::new());
        let (o, c) = (open.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let c = c.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(to).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = c.notified() => {}
                    }
                });
            }
        });
        Proxy { addr, open, cut }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roster_going_away_and_coming_back_loses_nothing() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let mut server = url::Url::parse(&db.url).unwrap();
    let to = SocketAddr::from(([127, 0, 0, 1], server.port().unwrap()));
    let proxy = Proxy::start(to).await;
    server.set_port(Some(proxy.addr.port())).unwrap();
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = start(desk(&sim, server.as_str(), dir.path(), "desk-a")).await;
    let id = submitted(&mut a, &sim, "Fay").await;
    proxy.cut();
    // The review ends while the roster is away: the window keeps it, says so, starts nothing.
    sim.advance(REVIEW);
    // Said before the state it could not save is shown.
    next(&mut a, "the roster is away", |e| {
        matches!(e, Event::Roster { reachable: false })
    })
    .await;
    let s = a.stage(&id, Stage::FinishedAllApproved).await;
    a.begin("Gil", Language::En);
    let refused = next(&mut a, "a refused start", |e| {
        matches!(e, Event::Refused { .. })
    })
    .await;
    assert!(
        matches!(&refused, Event::Refused { message, .. } if message.id() == "engine-roster-down"),
        "{refused:?}"
    );
    proxy.restore();
    next(&mut a, "the roster is back", |e| {
        matches!(e, Event::Roster { reachable: true })
    })
    .await;
    let (stored, listed) = blocking(|| {
        let mut roster = PgStore::connect(&db.url, Lease::new("reader", Lease::LENGTH))?;
        Ok((roster.load(&id)?, roster.list()?.len()))
    });
    let stored = stored.expect("the session is in the roster");
    assert_eq!(
        stored, s,
        "what arrived while the roster was away is in it now"
    );
    assert_eq!(stored.stage(), Stage::FinishedAllApproved);
    assert_eq!(listed, 1, "the refused start left nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_left_on_another_desk_says_which_desk_has_it() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    // Desk A started a session and added a photo from its own disk, then stopped before the
    // photo was read: the path means nothing on desk B.
    let mut s = Session::new(
        "elsewhere".into(),
        "Hana".into(),
        String::new(),
        "default".into(),
        Language::Ko,
        1,
    );
    s.kiosk = "desk-a".into();
    let path = dir.path().join("only-on-desk-a").join("front.jpg");
    s.apply(avatar_kiosk::flow::Input::AddAssets(vec![(
        "front".into(),
        AssetSource::File { path: path.clone() },
        avatar_kiosk::api::AssetKind::Image,
    )]))
    .unwrap();
    blocking(|| {
        let mut a = PgStore::connect(&db.url, Lease::new("desk-a", Lease::LENGTH))?;
        a.save(&s, 1, &[])?;
        a.release("elsewhere")
    });
    let mut cb = desk(&sim, &db.url, dir.path(), "desk-b");
    cb.resume = Resume::Only(vec!["elsewhere".into()]);
    let mut b = start(cb).await;
    assert_eq!(b.resumed, vec!["elsewhere".to_string()]);
    let s = b
        .until("elsewhere", "the photo checked", |s| {
            s.assets[0].check != avatar_kiosk::flow::Check::Pending
        })
        .await;
    let avatar_kiosk::flow::Check::Blocked { reason } = &s.assets[0].check else {
        panic!("{:?}", s.assets[0].check);
    };
    assert_eq!(reason.id(), "engine-file-elsewhere");
    assert!(reason.english().contains("desk-a"), "{}", reason.english());
    assert!(s.assets[0].is_blocked(), "held back, with Replace offered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_restarted_after_a_crash_takes_its_own_sessions_back() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = start(desk(&sim, &db.url, dir.path(), "desk-a")).await;
    let id = submitted(&mut a, &sim, "Ines").await;
    a.engine.crash();
    // The same desk at once, a new process: the dead one's lease is still live for a moment,
    // so the session is taken up on a later tick rather than at the start.
    let mut again = start(desk(&sim, &db.url, dir.path(), "desk-a")).await;
    sim.advance(REVIEW);
    let s = again.stage(&id, Stage::FinishedAllApproved).await;
    assert_eq!(s.current_assets().count(), 2);
    let c = sim.counters();
    assert!(c.submitted.values().all(|n| *n == 1), "{:?}", c.submitted);
}
