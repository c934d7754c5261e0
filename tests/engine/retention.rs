//! The retention purge and a person's withdrawal (issue 27), on SQLite and on the shared
//! PostgreSQL roster, with videos in the real S3 server: what goes (the copies this desk made,
//! the bucket's objects), what stays (the `asset://` references, the consent record, the
//! audit log), and what a dry run leaves untouched.

use std::path::{Path, PathBuf};
use std::time::Duration;

use avatar_kiosk::api::Language;
use avatar_kiosk::api::bucket::Bucket;
use avatar_kiosk::engine::{Command, Event, NewAsset, PurgeReport, Removal, RenderAsk};
use avatar_kiosk::flow::{AssetSource, Check, Session, Stage};
use avatar_kiosk::sim::Simulator;
use avatar_kiosk::store::testing::PgDatabase;
use avatar_kiosk::store::{Lease, PgStore, SessionStore, Store};

use crate::bucket::{fresh_bucket, s3};
use crate::videos::{ffmpeg, make};
use crate::{DEADLINE, Running};

/// The next event `pick` takes, within the deadline.
async fn next<T>(run: &mut Running, what: &str, pick: impl Fn(Event) -> Option<T>) -> T {
    let wait = async {
        while let Some(ev) = run.events.recv().await {
            if let Event::Error { message, .. } | Event::Refused { message, .. } = &ev {
                eprintln!("said on the way: {}", message.english());
            }
            if let Some(t) = pick(ev) {
                return t;
            }
        }
        panic!("the engine stopped before {what}")
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// A verified person with a local photo and a local video (to the bucket), reviewed.
async fn person_with_files(
    run: &mut Running,
    sim: &avatar_kiosk::sim::Simulator,
    name: &str,
    dir: &Path,
    clip: &Path,
) -> Session {
    let id = crate::returning::verified(run, sim, name, Language::Ko).await;
    let photo = crate::png_file(dir, &format!("{name}.png"));
    let assets = [photo, clip.to_path_buf()]
        .into_iter()
        .map(|path| NewAsset {
            name: None,
            source: AssetSource::File { path },
            kind: None,
        })
        .collect();
    run.engine
        .send(Command::AddAssets(id.clone(), assets))
        .unwrap();
    run.until(&id, "both rows checked", |s| {
        s.assets.len() == 2 && s.current_assets().all(|a| a.check != Check::Pending)
    })
    .await;
    run.engine.send(Command::Submit(id.clone())).unwrap();
    run.until(&id, "the review's end", |s| {
        s.stage() == Stage::FinishedAllApproved
    })
    .await
}

/// A PDF's text as a reader extracts it, without spaces and line ends (where a line breaks
/// is the layout's business).
pub fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    squeeze(&doc.extract_text(&pages).unwrap())
}

pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The default consent text's introduction in `language` (version 1: the studio never edited
/// it).
pub fn intro(language: Language) -> String {
    use avatar_kiosk::flow::{ConsentFields, ConsentVersion};
    squeeze(
        &ConsentVersion::next(None, ConsentFields::default(), 0)
            .text(language)
            .intro,
    )
}

/// Session `id`'s consent receipt, as text.
async fn receipt_text(run: &mut Running, id: &str) -> String {
    asked(run, Command::Receipt(id.to_string()));
    let made = next(run, "the receipt", |e| match e {
        Event::Receipt(s, made) if s == id => Some(made),
        _ => None,
    })
    .await;
    let receipt = made.unwrap_or_else(|m| panic!("{}", m.english()));
    assert!(receipt.file_name.ends_with(".pdf"), "{}", receipt.file_name);
    pdf_text(&receipt.pdf)
}

/// Lee's receipt, in Korean: the text they were given, the withdrawal, and the references
/// that remain at APIMart; Kim's has no withdrawal in it.
async fn receipts_say_it(run: &mut Running, withdrawn: &Removal, kim: &str) {
    let lee_receipt = receipt_text(run, &withdrawn.session).await;
    assert!(lee_receipt.contains("이름:LeeJiwoo"), "{lee_receipt}");
    assert!(lee_receipt.contains(&intro(Language::Ko)), "{lee_receipt}");
    assert!(lee_receipt.contains("동의철회"), "{lee_receipt}");
    for url in &withdrawn.upstream {
        assert!(lee_receipt.contains(url.as_str()), "{url}: {lee_receipt}");
    }
    let kim_receipt = receipt_text(run, kim).await;
    assert!(kim_receipt.contains("이름:KimMinji"), "{kim_receipt}");
    assert!(
        kim_receipt.contains("직원이기록"),
        "staff attested: {kim_receipt}"
    );
    assert!(!kim_receipt.contains("asset://"), "{kim_receipt}");
}

/// A camera's photo of a person who withdrew is refused before the camera starts: no copy is
/// made only to be refused and left behind.
async fn no_new_copies_of(run: &mut Running, id: &str, captures: &Path) {
    let ask = avatar_kiosk::engine::CaptureAsk {
        camera: avatar_kiosk::camera::Camera::test_pattern(),
        clip_seconds: None,
        countdown: 0,
        preview: None,
    };
    asked(run, Command::Capture(id.to_string(), Box::new(ask)));
    let refused = next(run, "the capture's refusal", |e| match e {
        Event::Refused { message, .. } => Some(message),
        Event::Error { message, .. } => Some(message),
        _ => None,
    })
    .await;
    assert_eq!(refused.id(), "refusal-withdrawn");
    next(run, "the camera free again", |e| {
        matches!(e, Event::CaptureEnded(s) if s == id).then_some(())
    })
    .await;
    let taken = std::fs::read_dir(captures).map_or(0, |d| d.count());
    assert_eq!(taken, 0, "nothing was taken");
}

fn asked(run: &Running, cmd: Command) {
    run.engine.send(cmd).unwrap();
}

async fn purged(run: &mut Running, days: Option<u32>, dry_run: bool) -> PurgeReport {
    asked(run, Command::Purge { days, dry_run });
    next(run, "the purge", |e| match e {
        Event::Purged(r) => Some(*r),
        _ => None,
    })
    .await
}

fn status(http: &reqwest::Client, url: &str) -> u16 {
    let rt = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        rt.block_on(async { http.get(url).send().await.unwrap().status().as_u16() })
    })
}

/// What a store holds, read beside the engine (`roster`: the shared one, else the SQLite file).
fn read<T: Send>(
    roster: Option<&str>,
    db: &Path,
    f: impl FnOnce(&mut dyn SessionStore) -> T + Send,
) -> T {
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            scope
                .spawn(|| match roster {
                    Some(url) => {
                        let lease = Lease::new("reader", Lease::LENGTH);
                        f(&mut PgStore::connect(url, lease).unwrap())
                    }
                    None => f(&mut Store::open(db).unwrap()),
                })
                .join()
                .unwrap()
        })
    })
}

fn render_ask() -> RenderAsk {
    RenderAsk {
        prompt: "The person waves.".into(),
        fast: true,
        duration: 5,
        resolution: "480p".into(),
        assets: Vec::new(),
        price_per_second: 0.08,
    }
}

/// The link that reads a session's video in the bucket.
fn video_link(bucket: &Bucket, s: &Session) -> String {
    let video = s
        .current_assets()
        .find(|a| a.hosted.is_some())
        .unwrap_or_else(|| panic!("no video in the bucket: {:?}", s.assets));
    let Check::Ready { hash: Some(hash) } = &video.check else {
        panic!("{:?}", video.check)
    };
    let object = bucket.object_for(&s.id, u64::from(video.id), hash, "mp4");
    bucket
        .link(&object, avatar_kiosk::clock::now_ms())
        .to_string()
}

fn of<'a>(report: &'a PurgeReport, id: &str) -> Option<&'a Removal> {
    report.sessions.iter().find(|r| r.session == id)
}

/// The whole story on one store.
async fn purge_then_withdraw(roster: Option<&str>) {
    let (Some(server), Some(_)) = (s3(), ffmpeg()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let clip = make(dir.path(), "desk.mp4", 4.0, (1280, 720), 30, false);
    let (place, keys) = fresh_bucket(&server).await;
    let bucket = Bucket::new(&place, &keys).unwrap();
    let sim = Simulator::start(crate::returning::sim_config())
        .await
        .unwrap();
    let db = dir.path().join("data").join("kiosk.sqlite3");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let mut config = crate::config(&sim, &db);
    config.kiosk = "desk-1".into();
    config.roster = roster.map(|url| url.to_string().into());
    config.bucket = Ok(Bucket::new(&place, &keys).unwrap());
    let mut run = crate::start(config).await;
    let kim = person_with_files(&mut run, &sim, "Kim Minji", dir.path(), &clip).await;
    let lee = person_with_files(&mut run, &sim, "Lee Jiwoo", dir.path(), &clip).await;
    // A test render of Kim: one more copy this desk made (the video and its poster).
    asked(&run, Command::Render(kim.id.clone(), render_ask()));
    let kim = run
        .until(&kim.id, "the render saved", |s| {
            !s.renders.is_empty() && s.renders.iter().all(|r| !r.in_flight())
        })
        .await;
    let http = avatar_kiosk::api::http::for_loopback(Duration::from_secs(30)).unwrap();
    let (kim_link, lee_link) = (video_link(&bucket, &kim), video_link(&bucket, &lee));
    assert_eq!(status(&http, &kim_link), 200);

    // Nothing is due yet under the consent's 30 days.
    assert!(purged(&mut run, None, false).await.sessions.is_empty());

    // A dry run lists both people, and removes nothing.
    let dry = purged(&mut run, Some(0), true).await;
    assert!(dry.dry_run);
    let listed = of(&dry, &kim.id).unwrap_or_else(|| panic!("{dry:?}"));
    assert!(of(&dry, &lee.id).is_some(), "{dry:?}");
    let kim_files: Vec<PathBuf> = listed.files.clone();
    let data = db.parent().unwrap();
    assert!(
        kim_files.iter().any(|f| f.starts_with(data.join("cache"))),
        "the prepared photo: {kim_files:?}"
    );
    assert!(
        kim_files
            .iter()
            .any(|f| f.starts_with(data.join("renders"))),
        "the render: {kim_files:?}"
    );
    assert!(
        !kim_files.contains(&clip),
        "a file staff picked is never removed"
    );
    assert_eq!(listed.objects.len(), 1, "{listed:?}");
    assert_eq!(listed.upstream.len(), 2, "{listed:?}");
    assert!(
        kim_files.iter().all(|f| f.is_file()),
        "a dry run deletes nothing"
    );
    assert_eq!(status(&http, &kim_link), 200);

    // Lee withdraws: their copies and object go, the references to ask APIMart about are named.
    asked(&run, Command::Withdraw(lee.id.clone()));
    let withdrawn = next(&mut run, "the withdrawal", |e| match e {
        Event::Withdrawn(r) => Some(*r),
        _ => None,
    })
    .await;
    assert_eq!(withdrawn.session, lee.id);
    assert!(!withdrawn.files.is_empty(), "{withdrawn:?}");
    assert!(withdrawn.files.iter().all(|f| !f.exists()), "{withdrawn:?}");
    assert_eq!(withdrawn.upstream.len(), 2, "{withdrawn:?}");
    assert!(withdrawn.upstream.iter().all(|u| u.starts_with("asset://")));
    assert_eq!(status(&http, &lee_link), 404, "Lee's video left the bucket");
    assert_eq!(status(&http, &kim_link), 200, "Kim's stays");
    receipts_say_it(&mut run, &withdrawn, &kim.id).await;
    assert!(clip.is_file(), "the file staff picked stays");
    // Lee is offered no more: not in the library, and a render is refused before any request.
    let videos_before = sim.counters().op("video");
    asked(&run, Command::Render(lee.id.clone(), render_ask()));
    let refused = next(&mut run, "the refusal", |e| match e {
        Event::Refused { message, .. } => Some(message),
        _ => None,
    })
    .await;
    assert_eq!(refused.id(), "render-withdrawn");
    assert_eq!(sim.counters().op("video"), videos_before, "nothing sent");
    no_new_copies_of(&mut run, &lee.id, &data.join("captures")).await;

    // The purge for every finished session: Kim's copies and object; Lee's are gone already.
    let report = purged(&mut run, Some(0), false).await;
    assert!(!report.dry_run);
    assert_eq!(report.sessions.len(), 1, "{report:?}");
    let removed = of(&report, &kim.id).unwrap();
    assert_eq!(removed.problem, None);
    assert_eq!(removed.files, kim_files);
    assert!(kim_files.iter().all(|f| !f.exists()), "{kim_files:?}");
    assert_eq!(status(&http, &kim_link), 404, "Kim's video left the bucket");
    // Done once: a second purge finds nothing.
    assert!(purged(&mut run, Some(0), false).await.sessions.is_empty());
    run.engine.shutdown();

    the_store_keeps_the_proof(roster, &db, &kim.id, &lee.id);
    sim.shutdown().await;
}

/// After both: Kim's references stay in the library, Lee's are not offered; Lee's consent is
/// marked withdrawn and kept; the audit log names both and holds.
fn the_store_keeps_the_proof(roster: Option<&str>, db: &Path, kim: &str, lee: &str) {
    let (everyone, lee_consent, log) = read(roster, db, |s| {
        (
            s.everyone().unwrap(),
            s.consent(lee).unwrap(),
            s.audit_log(None).unwrap(),
        )
    });
    let library = avatar_kiosk::flow::library(&everyone, "");
    let urls: Vec<&str> = library.iter().map(|a| a.asset_url.as_str()).collect();
    assert_eq!(urls.len(), 2, "Kim's two references: {urls:?}");
    assert!(library.iter().all(|a| a.session == kim));
    let kim_now = everyone.iter().find(|s| s.id == kim).unwrap();
    assert!(kim_now.copies_removed_at.is_some());
    assert_eq!(kim_now.withdrawn_at, None);
    let lee_consent = lee_consent.expect("Lee's consent record stays");
    assert!(lee_consent.record.withdrawn_at.is_some());
    let actions: Vec<(&str, Option<&str>)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.session_id.as_deref()))
        .filter(|(a, _)| ["purge", "withdraw"].contains(a))
        .collect();
    assert_eq!(actions, [("withdraw", Some(lee)), ("purge", Some(kim))]);
    assert_eq!(avatar_kiosk::flow::verify(&log), Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_and_withdrawal_on_sqlite() {
    purge_then_withdraw(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_and_withdrawal_on_postgres() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    purge_then_withdraw(Some(&db.url)).await;
}

/// The bucket refuses (this desk's keys no longer work): a withdrawal still deletes this desk's
/// copies, says the video stays, and marks nothing; once the bucket answers again, withdrawing
/// again deletes the video and marks the withdrawal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_the_bucket_refuses_still_deletes_this_desks_copies() {
    use avatar_kiosk::api::bucket::BucketKeys;
    let (Some(server), Some(_)) = (s3(), ffmpeg()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let clip = make(dir.path(), "desk.mp4", 4.0, (1280, 720), 30, false);
    let (place, keys) = fresh_bucket(&server).await;
    let sim = Simulator::start(crate::returning::sim_config())
        .await
        .unwrap();
    let db = dir.path().join("data").join("kiosk.sqlite3");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let wrong = crate::bucket::wrong_secret(&keys);
    let with = |k: &BucketKeys| {
        let mut c = crate::config(&sim, &db);
        c.kiosk = "desk-1".into();
        c.bucket = Ok(Bucket::new(&place, k).unwrap());
        c
    };
    let mut run = crate::start(with(&keys)).await;
    let kim = person_with_files(&mut run, &sim, "Kim Minji", dir.path(), &clip).await;
    let http = avatar_kiosk::api::http::for_loopback(Duration::from_secs(30)).unwrap();
    let link = video_link(&Bucket::new(&place, &keys).unwrap(), &kim);
    let dry = purged(&mut run, Some(0), true).await;
    let files = of(&dry, &kim.id).unwrap().files.clone();
    assert!(
        !files.is_empty() && files.iter().all(|f| f.is_file()),
        "{files:?}"
    );
    run.engine.shutdown();

    let mut run = crate::start(with(&wrong)).await;
    asked(&run, Command::Withdraw(kim.id.clone()));
    let said = next(&mut run, "the withdrawal's answer", |e| match e {
        Event::Error {
            session: Some(s),
            message,
        } if s == kim.id => Some(Err(message)),
        Event::Withdrawn(_) => Some(Ok(())),
        _ => None,
    })
    .await;
    let message = said.expect_err("not withdrawn while the bucket refuses");
    assert_eq!(
        message.id(),
        "removal-bucket-stays",
        "{}",
        message.english()
    );
    assert!(files.iter().all(|f| !f.exists()), "this desk's copies went");
    assert_eq!(status(&http, &link), 200, "the video stays");
    let consent = read(None, &db, |s| s.consent(&kim.id).unwrap()).unwrap();
    assert_eq!(consent.record.withdrawn_at, None, "not marked");
    run.engine.shutdown();

    let mut run = crate::start(with(&keys)).await;
    asked(&run, Command::Withdraw(kim.id.clone()));
    let done = next(&mut run, "the withdrawal", |e| match e {
        Event::Withdrawn(r) => Some(*r),
        _ => None,
    })
    .await;
    assert_eq!(done.objects.len(), 1, "{done:?}");
    assert_eq!(status(&http, &link), 404, "the video went too");
    run.engine.shutdown();
    sim.shutdown().await;
}

/// From the terminal: `purge --dry-run` lists without deleting, `withdraw` deletes, names the
/// references to ask APIMart about and never asks, `people` shows the withdrawal, an unknown
/// session is an error (exit 1), and the audit log holds.
#[test]
fn purge_and_withdraw_from_the_command_line() {
    use crate::command_line::{bin, json_lines, onboarded};
    let dir = tempfile::tempdir().unwrap();
    let id = onboarded(dir.path(), "Park Seoyeon", "front.png");
    let run = |args: &[&str]| {
        let out = bin()
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--demo")
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (out.status.code(), json_lines(&out.stdout))
    };
    let (code, said) = run(&["purge", "--days", "0", "--dry-run", "--json"]);
    assert_eq!(code, Some(0), "{said:?}");
    assert_eq!(said[0]["event"], "purged");
    assert_eq!(said[0]["dry_run"], true);
    let listed = &said[0]["sessions"][0];
    assert_eq!(listed["session"], id.as_str(), "{said:?}");
    let files: Vec<PathBuf> = (listed["files"].as_array().unwrap().iter())
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect();
    assert!(!files.is_empty(), "the prepared photo: {listed}");
    assert!(
        files.iter().all(|f| f.is_file()),
        "a dry run deletes nothing"
    );

    // The receipt, before and after the withdrawal; a missing folder or session writes nothing.
    let receipt = |name: &str, session: &str| {
        let file = dir.path().join(name);
        let (code, said) = run(&[
            "consent",
            session,
            "--out",
            file.to_str().unwrap(),
            "--json",
        ]);
        (
            code,
            said,
            std::fs::read(&file).ok().map(|pdf| pdf_text(&pdf)),
        )
    };
    let (code, said, text) = receipt("given.pdf", &id);
    assert_eq!(code, Some(0), "{said:?}");
    assert_eq!(said[0]["event"], "receipt");
    assert_eq!(said[0]["person"], "Park Seoyeon");
    let text = text.unwrap();
    // `onboard`'s language is English unless --language says otherwise.
    assert!(text.contains("Name:ParkSeoyeon"), "{text}");
    assert!(text.contains(&intro(Language::En)), "{text}");
    assert!(!text.contains("asset://"), "{text}");
    let (code, _, text) = receipt("no-such-folder/r.pdf", &id);
    assert_eq!((code, text), (Some(1), None));
    let (code, _, text) = receipt("unknown.pdf", "no-such-session");
    assert_eq!((code, text), (Some(1), None));

    let (code, said) = run(&["withdraw", &id, "--json"]);
    assert_eq!(code, Some(0), "{said:?}");
    let done = &said[0];
    assert_eq!(done["event"], "withdrawn");
    assert_eq!(done["session"], id.as_str());
    assert_eq!(done["upstream"].as_array().map(Vec::len), Some(1), "{done}");
    assert!(files.iter().all(|f| !f.exists()), "{files:?}");
    let (code, _, text) = receipt("withdrawn.pdf", &id);
    assert_eq!(code, Some(0));
    let (text, url) = (text.unwrap(), done["upstream"][0].as_str().unwrap());
    assert!(
        text.contains("Consentwithdrawn") && text.contains(url),
        "{url}: {text}"
    );

    let (_, people) = run(&["people", "--json"]);
    assert!(people[0]["withdrawn_at"].as_i64().is_some(), "{people:?}");
    let (_, assets) = run(&["assets", "--json"]);
    assert!(
        assets.is_empty(),
        "a withdrawn person's assets are not offered: {assets:?}"
    );
    let (code, _) = run(&["withdraw", "no-such-session", "--json"]);
    assert_eq!(code, Some(1));
    // Nothing is left to purge; the log holds, with the withdrawal in it.
    let (code, said) = run(&["purge", "--days", "0", "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(said[0]["sessions"].as_array().map(Vec::len), Some(0));
    let (code, log) = run(&["audit", "--json"]);
    assert_eq!(code, Some(0));
    assert!(
        log.iter()
            .any(|e| e["action"] == "withdraw" && e["session_id"] == id.as_str())
    );
    let saved = |e: &&serde_json::Value| {
        e["action"] == "export"
            && e["session_id"] == id.as_str()
            && e["detail"] == avatar_kiosk::engine::RECEIPT_SAVED
    };
    assert_eq!(
        log.iter().filter(saved).count(),
        2,
        "two receipts saved: {log:?}"
    );
    let (code, _) = run(&["audit", "--verify"]);
    assert_eq!(code, Some(0));
}
